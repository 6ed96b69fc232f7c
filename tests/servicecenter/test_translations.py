"""The Simplified Chinese catalogue is complete, current with the source, and compiled."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.test import Client
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES"
DOMAINS = ["django", "djangojs"]
SKIP_DIRS = {
    ".venv",
    "var",
    ".git",
    "test-artifacts",
    "staticfiles",
    "bench-results",
    "__pycache__",
    "node_modules",
    "vendor",  # third-party files served or injected as they are (ECharts, axe-core)
    ".pytest_cache",
    ".ruff_cache",
}


def _catalogue(domain: str) -> polib.POFile | None:
    path = LOCALE / f"{domain}.po"
    return polib.pofile(str(path)) if path.exists() else None


def _untranslated(po: polib.POFile) -> list[str]:
    return [e.msgid for e in po if not e.obsolete and ("fuzzy" in e.flags or not e.translated())]


@pytest.mark.parametrize("domain", DOMAINS)
def test_catalogue_has_no_untranslated_or_fuzzy_entry(domain):
    po = _catalogue(domain)
    if po is None:
        assert domain != "django", "locale/zh_Hans/LC_MESSAGES/django.po is missing"
        pytest.skip(f"no {domain} catalogue (no translatable JavaScript)")
    assert _untranslated(po) == []


@pytest.mark.parametrize("domain", DOMAINS)
def test_compiled_catalogue_matches_the_po_file(domain):
    po = _catalogue(domain)
    if po is None:
        pytest.skip(f"no {domain} catalogue")
    mo = polib.mofile(str(LOCALE / f"{domain}.mo"))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items()))) for e in mo}
    source = {
        (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
        for e in po
        if e.translated() and not e.obsolete
    }
    assert compiled.items() >= source.items(), "run `make messages` to recompile the catalogue"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="xgettext (gettext) is not installed")
def test_every_string_in_the_source_is_in_the_catalogue(tmp_path):
    copy = tmp_path / "src"
    shutil.copytree(ROOT, copy, ignore=lambda d, names: [n for n in names if n in SKIP_DIRS])
    for domain in DOMAINS:
        subprocess.run(
            [
                sys.executable,
                "manage.py",
                "makemessages",
                "-l",
                "zh_Hans",
                "-d",
                domain,
                "--no-obsolete",
                "--ignore=tests/*",
                "--ignore=benchmarks/*",
                "--ignore=staticfiles/*",
            ],
            cwd=copy,
            check=True,
            capture_output=True,
        )
        extracted = copy / "locale" / "zh_Hans" / "LC_MESSAGES" / f"{domain}.po"
        if not extracted.exists():
            continue
        missing = _untranslated(polib.pofile(str(extracted)))
        assert missing == [], (
            f"{domain}: strings not yet in the catalogue (run `make messages`, then translate)"
        )


@pytest.mark.django_db
def test_pages_render_in_chinese_when_chosen(client: Client):
    client.cookies["django_language"] = "zh-hans"
    page = client.get("/accounts/login/").content.decode()
    assert "登录" in page
    with translation.override("zh-hans"):
        assert translation.gettext("Service centre") != "Service centre"


_CJK = r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]"


def _compiled_msgstrs() -> list[tuple[str, str]]:
    mo = LOCALE / "django.mo"
    if not mo.exists():
        pytest.skip("the catalogue is not compiled")
    pairs = []
    for entry in polib.mofile(str(mo)):
        for text in entry.msgstr_plural.values() if entry.msgstr_plural else [entry.msgstr]:
            pairs.append((entry.msgid, text))
    return pairs


def test_chinese_labels_use_chinese_punctuation():
    """A Chinese label ends with ： and asks with ？, never with the ASCII ":" or "?" (nor both,
    "？:"); an ASCII "?" that starts a query string ("?estate=") is code, not punctuation."""
    import re

    ascii_after_chinese = re.compile(_CJK + r"[?:,;](?![a-z_]+=)")
    wrong = [(msgid, text) for msgid, text in _compiled_msgstrs() if ascii_after_chinese.search(text)]
    assert wrong == []


def test_templates_put_a_labels_colon_inside_its_msgid():
    """`{% translate "Received by" %}:` renders 收款人: with an ASCII colon; the colon belongs in
    the msgid ("Received by:") so the catalogue gives the Chinese one."""
    import re

    label_then_colon = re.compile(r'\{% translate "[^"]+"(?: context "[^"]+")? %\}[:?]')
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in (ROOT / "templates").rglob("*.html")
        for match in label_then_colon.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_one_english_word_two_meanings_have_two_chinese_words():
    """pgettext contexts where an English word means two things (issue #12)."""
    with translation.override("zh-hans"):
        events = {
            translation.pgettext("ticket event", "Registered"),
            translation.gettext("Registered"),
        }
        water = {translation.pgettext("charge item", "Water"), translation.pgettext("meter", "Water")}
    if "Registered" in events:
        pytest.skip("the catalogue has not been compiled with the new contexts yet")
    assert len(events) == 2 and len(water) == 2
