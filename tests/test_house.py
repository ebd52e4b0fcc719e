"""The house's rules of "declared once" and "one way", kept by tests rather than prose."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.cli import build_parser
from dashboard.core import flags, heat, settings
from dashboard.core.catalogue import INDICATOR_CODES, INDICATORS, RATES

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "dashboard"
# The catalogue declares the indicators; the demo generator invents a city's figures for
# them; migrations are history and never change.
MAY_SPELL_CODES = {PACKAGE / "core" / "catalogue.py", PACKAGE / "demo.py"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph() -> dict[str, set[str]]:
    """Every dashboard module → the dashboard modules it imports (at any depth of the code:
    an import inside a function is an edge too, so a cycle cannot hide there)."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [f"{node.module}.{alias.name}" for alias in node.names]
                targets.append(node.module)
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    deps.add(target)
        graph[name] = deps
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle (as a path that returns to its start), or [] when there is none."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                return [*path[path.index(dep) :], dep]
            if dep not in state and (found := visit(dep)):
                return found
        path.pop()
        state[node] = 2
        return []

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return []


def test_the_package_has_no_import_cycle() -> None:
    graph = _import_graph()
    assert "dashboard.ingest.pipeline" in graph and graph["dashboard.ingest.pipeline"]
    assert _cycle(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) == []


def test_the_reader_and_the_sandbox_do_not_know_each_other() -> None:
    graph = _import_graph()
    assert "dashboard.ingest.sandbox" not in graph["dashboard.ingest.reader"]
    assert "dashboard.ingest.reader" not in graph["dashboard.ingest.sandbox"]


def _spelled_codes(path: Path) -> set[str]:
    pattern = re.compile(r"\b(?:cur_|new_|prev_)?(" + "|".join(INDICATOR_CODES) + r")\b")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }  # prose that explains a rule may name the figures it is about
    found: set[str] = set()
    for node in ast.walk(tree):
        text = node.value if isinstance(node, ast.Constant) else None
        if isinstance(text, str) and id(node) not in docstrings:
            found.update(m.group(1) for m in pattern.finditer(text))
    return found


def test_only_the_catalogue_and_the_demo_spell_an_indicator_code() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(codes)
        for path in PACKAGE.rglob("*.py")
        if path not in MAY_SPELL_CODES
        and "migrations" not in path.parts
        and (codes := _spelled_codes(path))
    }
    assert offenders == {}


def test_every_setting_has_its_kouj_text() -> None:
    for item in settings.SETTINGS:
        assert item.label.strip() and item.help.strip(), item.key
        assert re.search(r"[\u4e00-\u9fff]", item.help), item.key


@pytest.mark.parametrize("reason", flags.REASON_ENTRIES, ids=lambda r: r.name)
def test_every_reason_has_its_kouj_text_and_reads_declared_settings(
    reason: flags.Reason,
) -> None:
    declared = {item.key for item in settings.SETTINGS}
    defaults = settings.Settings()
    assert reason.text(defaults).strip() and reason.weight > 0
    assert set(reason.settings) <= declared
    assert reason.name in flags.reasons_text(defaults)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert reason.name in readme, f"README does not name the reason {reason.name}"


@pytest.mark.parametrize("component", heat.HEAT_COMPONENTS, ids=lambda c: c.key)
def test_every_heat_component_has_its_kouj_text_and_a_weight_setting(
    component: heat.HeatComponent,
) -> None:
    defaults = settings.Settings()
    assert component.label in component.text(defaults)
    assert component.key in defaults["heat_weights"]


def test_every_indicator_and_rate_names_a_known_heat_component() -> None:
    keys = {c.key for c in heat.HEAT_COMPONENTS if c.from_catalogue}
    assert {i.heat for i in INDICATORS} - {""} <= keys
    assert {r.heat for r in RATES} - {""} <= keys
    for key in keys:  # each component from the catalogue reads at least one figure
        text = heat.HEAT_COMPONENTS[[c.key for c in heat.HEAT_COMPONENTS].index(key)].text(
            settings.Settings()
        )
        assert any(i.words in text for i in INDICATORS if i.heat == key)


def _commands(parser=None, prefix=()) -> Iterator[tuple[str, ...]]:  # type: ignore[no-untyped-def]
    for action in (parser or build_parser())._actions:
        if action.__class__.__name__ == "_SubParsersAction":
            choices = action.choices
            assert isinstance(choices, dict)
            for name, sub in choices.items():
                yield (*prefix, name)
                yield from _commands(sub, (*prefix, name))


def test_the_readme_cli_table_lists_every_command() -> None:
    """Like sqlite-utils' test_docs.py: a command missing from the README fails here."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## CLI", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    missing = []
    for path in _commands():
        first = [r for r in rows if re.search(rf"`{re.escape(path[0])}\b", r.split("|")[1])]
        if not first or (
            len(path) > 1 and not any(re.search(rf"\b{path[-1]}\b", r) for r in first)
        ):
            missing.append(" ".join(path))
    assert missing == []


TYPED = (
    "stall_weeks",
    "bottom_share",
    "lag_spread",
    "rank_green",
    "rank_yellow",
    "lagging_focus",
    "gradient_effect",
    "gradient_min_units",
)


def test_settings_are_one_frozen_typed_object_with_defaults_declared_once() -> None:
    typed = settings.Settings({"stall_weeks": "3", "unknown": 1})
    assert typed.stall_weeks == 3 and typed["unknown"] == 1
    assert typed.lag_spread == settings.setting("lag_spread").default
    assert settings.Settings.of(typed) is typed
    assert dict(settings.Settings()) == settings.defaults()
    with pytest.raises(TypeError):
        typed["stall_weeks"] = 4  # type: ignore[index]


def test_no_module_repeats_a_typed_settings_default() -> None:
    keys = "|".join(TYPED)
    pattern = re.compile(rf"""\.get\(\s*["']({keys})["']\s*,""")
    offenders = [
        str(path.relative_to(ROOT))
        for path in PACKAGE.rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


# A declared surface: each module says what it offers (``__all__``), and tests, scripts and
# the other modules use only that. Importing a submodule is always fine.
NEEDS_ALL = [
    path
    for path in sorted(PACKAGE.rglob("*.py"))
    if "migrations" not in path.parts and path.name not in ("__init__.py", "__main__.py")
]
SURFACE_USERS = [
    path
    for folder in ("tests", "scripts", "dashboard")
    for path in sorted((ROOT / folder).rglob("*.py"))
    if "migrations" not in path.parts
]


def _declared(path: Path) -> list[str] | None:
    """A module's ``__all__`` as written (a literal list), or None without one."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        target = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        if isinstance(target, ast.Name) and target.id == "__all__" and node.value is not None:
            value = ast.literal_eval(node.value)
            assert isinstance(value, list | tuple), path
            return [str(name) for name in value]
    return None


def _surfaces() -> dict[str, list[str]]:
    """Every dashboard module → what it offers: its ``__all__`` (a package with none: its
    submodules only)."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        if "migrations" not in path.parts:
            found[_module_name(path)] = _declared(path) or []
    return found


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and (base := _dotted(node.value)):
        return f"{base}.{node.attr}"
    return None


def _surface_uses(path: Path, modules: set[str]) -> Iterator[tuple[int, str, str]]:
    """(line, module, name) for each name ``path`` takes from a dashboard module: ``from m
    import name``, ``alias.name`` on a module alias, ``monkeypatch.setattr(alias, "name")``
    and a dotted ``"dashboard.m.name"`` string handed to ``monkeypatch.setattr``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    me = _module_name(path) if path.is_relative_to(PACKAGE) else None
    aliases: dict[str, str] = {}  # local name → the module it is bound to
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in modules and node.level == 0:
            for alias in node.names:
                if f"{node.module}.{alias.name}" in modules:
                    aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
                elif node.module != me:
                    yield node.lineno, node.module, alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in modules:
                    aliases[alias.asname or alias.name] = alias.name

    def module_of(expr: ast.expr) -> str | None:
        dotted = _dotted(expr)
        if dotted is None:
            return None
        head, _, tail = dotted.partition(".")
        full = aliases.get(head, head) + (f".{tail}" if tail else "")
        return full if full in modules and full != me else None

    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and (module := module_of(node.value)):
            if f"{module}.{node.attr}" not in modules:
                yield node.lineno, module, node.attr
        elif (
            isinstance(node, ast.Call)
            and _dotted(node.func) == "monkeypatch.setattr"
            and node.args
            and isinstance(name := node.args[-2 if len(node.args) > 2 else 0], ast.Constant)
        ):
            target = node.args[0]
            if len(node.args) > 2 and (module := module_of(target)):
                yield node.lineno, module, str(name.value)
            elif len(node.args) == 2 and isinstance(name.value, str):
                module, _, attr = name.value.rpartition(".")
                if module in modules:
                    yield node.lineno, module, attr


def test_every_module_declares_what_it_offers() -> None:
    offenders = {}
    for path in NEEDS_ALL:
        declared = _declared(path)
        if declared is None:
            offenders[str(path.relative_to(ROOT))] = "no __all__"
        elif len(set(declared)) < len(declared):
            offenders[str(path.relative_to(ROOT))] = "a name twice in __all__"
        elif any(name.startswith("_") for name in declared):
            offenders[str(path.relative_to(ROOT))] = "a private name in __all__"
    assert len(NEEDS_ALL) > 100 and offenders == {}


def test_tests_scripts_and_modules_use_only_what_a_module_offers() -> None:
    surfaces = _surfaces()
    modules = set(surfaces)
    offenders = sorted(
        f"{path.relative_to(ROOT)}:{line}: {module}.{name}"
        for path in SURFACE_USERS
        for line, module, name in _surface_uses(path, modules)
        if name not in surfaces[module] and not name.startswith("__")
    )
    assert offenders == []


def test_the_surface_check_sees_every_way_of_reaching_in(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import dashboard.core.problems as p\n"
        "from dashboard.core import settings\n"
        "from dashboard.core.problems import shown, _secret\n"
        "settings._BY_KEY\n"
        "p.Problem\n"
        "def test(monkeypatch):\n"
        "    monkeypatch.setattr(settings, '_split', None)\n"
        "    monkeypatch.setattr('dashboard.core.problems.TOO_MANY', 1)\n",
        encoding="utf-8",
    )
    uses = {(m.rpartition(".")[2], n) for _, m, n in _surface_uses(sample, set(_surfaces()))}
    assert uses == {
        ("problems", "shown"),
        ("problems", "_secret"),
        ("settings", "_BY_KEY"),
        ("problems", "Problem"),
        ("settings", "_split"),
        ("problems", "TOO_MANY"),
    }
