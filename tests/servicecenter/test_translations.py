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
