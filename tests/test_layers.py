"""House rules that a test enforces rather than prose."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from dashboard.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "dashboard"
CORE_LAYERS = ("core", "ingest", "store", "export", "commands")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", CORE_LAYERS)
def test_core_layers_never_import_streamlit(layer: str) -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in (PACKAGE / layer).rglob("*.py")
        if any(name == "streamlit" or name.startswith("streamlit.") for name in _imports(path))
    ]
    assert offenders == []


def test_core_layers_never_import_ui_or_pages() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for layer in CORE_LAYERS
        for path in (PACKAGE / layer).rglob("*.py")
        if any(n.startswith(("dashboard.ui", "dashboard.app")) for n in _imports(path))
    ]
    assert offenders == []


FIGURE_READERS = ("load_figures", "load_window", "build_report", "previous_figures")


def _names_used(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            used.add(node.attr)
        elif isinstance(node, ast.Name):
            used.add(node.id)
        elif isinstance(node, ast.ImportFrom):
            used.update(alias.name for alias in node.names)
    return used


def test_pages_exports_and_commands_reach_figures_only_through_the_door() -> None:
    """One door (``dashboard/door.py``): scope and caching are decided in one place."""
    offenders = []
    for folder in ("ui", "app_pages", "export", "commands"):
        for path in (PACKAGE / folder).rglob("*.py"):
            imports = _imports(path)
            reads = _names_used(path) & set(FIGURE_READERS)
            if "dashboard.store.report_inputs" in imports or reads:
                offenders.append(f"{path.relative_to(ROOT)}: {sorted(reads) or 'report_inputs'}")
    assert offenders == []


def test_the_door_is_plain_python() -> None:
    assert not any(n.startswith("streamlit") for n in _imports(PACKAGE / "door.py"))


def test_every_page_file_is_in_the_navigation() -> None:
    from dashboard.navigation import PAGES_DIR, page_files

    listed = set(page_files())
    on_disk = {p.name for p in PAGES_DIR.glob("*.py") if not p.name.startswith("_")}
    assert listed == on_disk


def test_no_module_shadows_the_standard_library() -> None:
    import sys

    stdlib = set(sys.stdlib_module_names)
    shadows = [p.name for p in PACKAGE.rglob("*.py") if p.stem in stdlib and p.stem != "__init__"]
    # dashboard/app_pages is on sys.path when streamlit runs a page script's folder
    assert shadows == [], f"rename these modules: {shadows}"


def _walk_commands(parser, prefix=()):  # type: ignore[no-untyped-def]
    for action in parser._actions:
        if action.__class__.__name__ == "_SubParsersAction":
            helps = {a.dest: a.help for a in action._choices_actions}
            for name, sub in action.choices.items():
                yield (*prefix, name), helps.get(name), sub
                yield from _walk_commands(sub, (*prefix, name))


def test_every_cli_command_has_chinese_help() -> None:
    commands = list(_walk_commands(build_parser()))
    assert commands, "the CLI has no commands"
    for path, help_text, sub in commands:
        assert help_text, f"command {' '.join(path)} has no help text"
        assert re.search(r"[\u4e00-\u9fff]", help_text), f"{' '.join(path)}: help is not Chinese"
        for action in sub._actions:
            if action.dest not in ("help", "handler") and action.help is not None:
                assert re.search(r"[\u4e00-\u9fff]", str(action.help)), (
                    f"{' '.join(path)} {action.dest}: help is not Chinese"
                )


def test_core_parses_no_workbook() -> None:
    """Untrusted workbooks are parsed only by the sandboxed reader (ingest/)."""
    offenders = [
        str(path.relative_to(ROOT))
        for path in (PACKAGE / "core").rglob("*.py")
        if any(n.startswith(("openpyxl", "python_calamine", "xlrd")) for n in _imports(path))
    ]
    assert offenders == []
