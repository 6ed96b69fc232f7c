"""The kernel imports no app, apps import each other one way, and no two modules import each
other (issue #9). The contracts are in `.importlinter`; this test runs them and adds what
import-linter does not check: every servicecenter module is classified, and no module-level
import circle exists anywhere in the project (lazy imports inside functions count too)."""

import configparser
import pkgutil
import subprocess
import sys
from pathlib import Path

import grimp

import servicecenter

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / ".importlinter"
PROJECT_PACKAGES = (
    "servicecenter",
    "residents",
    "staff",
    "tickets",
    "billing",
    "renovations",
    "moveins",
    "frontdesk",
    "relations",
)


def _lint_imports() -> Path:
    script = Path(sys.executable).with_name("lint-imports")
    assert script.exists(), "import-linter is a dev dependency: pip install 'import-linter>=2.1,<3'"
    return script


def _layers() -> list[set[str]]:
    parser = configparser.ConfigParser()
    parser.read(CONFIG)
    raw = parser["importlinter:contract:servicecenter-layers"]["layers"]
    return [{name.strip().strip("()") for name in line.split(":")} for line in raw.strip().splitlines()]


def test_the_import_contracts_are_kept():
    result = subprocess.run(
        [str(_lint_imports()), "--config", str(CONFIG), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_kernel_import_of_an_app_breaks_the_contracts(tmp_path):
    # The same contracts over a copy of the project with one lazy import from the kernel up into
    # an app: import-linter must see it and fail.
    for package in PROJECT_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            target = tmp_path / path.relative_to(ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    money = tmp_path / "servicecenter" / "money.py"
    money.write_text(
        money.read_text(encoding="utf-8") + "\n\ndef _up():\n    from staff.models import Team  # noqa\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [str(_lint_imports()), "--config", str(CONFIG), "--no-cache"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode != 0
    assert "The kernel imports no app BROKEN" in result.stdout
    assert "servicecenter.money -> staff.models" in result.stdout


def test_every_servicecenter_module_is_kernel_or_top():
    top, apps, kernel = _layers()
    assert apps == {
        "frontdesk",
        "moveins",
        "relations",
        "tickets",
        "renovations",
        "billing",
        "staff",
        "residents",
    }
    modules = {f"servicecenter.{info.name}" for info in pkgutil.iter_modules(servicecenter.__path__)}
    unclassified = modules - top - kernel
    assert not unclassified, f"List these in .importlinter as kernel or top: {sorted(unclassified)}"
    assert not top & kernel


def _cycles(graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph.modules):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_two_modules_of_the_project_import_each_other():
    graph = grimp.build_graph(*PROJECT_PACKAGES, cache_dir=None)
    cycles = _cycles(graph)
    assert cycles == [], f"Import circles: {cycles}"


def test_the_cycle_finder_finds_a_circle():
    graph = grimp.ImportGraph()
    for module in ("a", "a.one", "a.two", "a.three"):
        graph.add_module(module)
    graph.add_import(importer="a.one", imported="a.two")
    graph.add_import(importer="a.two", imported="a.one")
    graph.add_import(importer="a.three", imported="a.one")
    assert _cycles(graph) == [["a.one", "a.two"]]
