"""The row engine's public entry point for rows typed online: the importer's rules, a context
loaded up front, and no database inside the checks."""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine

from dashboard.core.catalogue import RULES
from dashboard.ingest import pipeline, sandbox
from dashboard.ingest.context import load_context
from dashboard.ingest.rows import ENTRY_COLUMNS, check_rows
from tests.ingest.builders import CODES, seed_registry, template_return, xlsx
from tests.ingest.builders import figures as figs

OCT27 = dt.date(2023, 10, 27)
NOV03 = dt.date(2023, 11, 3)
ERROR_RULE = next(r for r in RULES if r.severity == "error")
INGEST = Path(__file__).resolve().parents[2] / "dashboard" / "ingest"


@pytest.fixture(autouse=True, scope="module")
def _stop_workers() -> Iterator[None]:
    yield
    sandbox.shutdown()


@pytest.fixture
def db(engine: Engine) -> Engine:
    seed_registry(engine)
    return engine


def entry(rows: Mapping[str, tuple[str, Sequence[object]]]) -> pd.DataFrame:
    """A frame as an entry page would hand it: index = its own row keys."""
    frame = pd.DataFrame(
        [[unit, *values] for unit, values in rows.values()],
        columns=["unit_code", *CODES],
        index=list(rows),
    )
    return frame


def broken(seed: int) -> list[int]:
    """Consistent figures but for one error rule's left side, above its right side."""
    values = figs(seed)
    values[CODES.index(ERROR_RULE.lhs)] = values[CODES.index(ERROR_RULE.rhs)] + 5
    return values


def test_rows_typed_online_get_the_importers_problems_by_row_and_column(db: Engine) -> None:
    placeholder: list[object] = list(figs(3))
    placeholder[0] = "X"
    frame = entry(
        {
            "a": ("0101", list(figs(1))),
            "b": ("0102", broken(2)),
            "c": ("0103", placeholder),
            "d": ("9999", list(figs(4))),
        }
    )
    found = check_rows(load_context(db), frame, OCT27)
    assert list(found.columns) == list(ENTRY_COLUMNS)
    by_row = {(r.row, r.column, r.code) for r in found.itertuples()}
    assert ("b", ERROR_RULE.lhs, ERROR_RULE.code) in by_row
    assert ("c", CODES[0], "placeholder") in by_row
    assert ("d", "unit_code", "unknown_unit") in by_row
    assert not any(r == "a" for r, _, _ in by_row)
    assert set(found["severity"]) <= {"error", "warning"}
    assert all(isinstance(m, str) and m for m in found["message"])

    # The same rows as a return give the same kinds of problem on the same units.
    rows = [("0101", "东城县", figs(1)), ("0102", "西山区", broken(2))]
    result = pipeline.check_file(db, "两县.xlsx", xlsx(template_return(rows)))
    imported = {p.code for p in result.problems}
    same = entry({"a": ("0101", list(figs(1))), "b": ("0102", broken(2))})
    typed = set(check_rows(load_context(db), same, OCT27)["code"])
    assert typed == imported == {ERROR_RULE.code}


def test_a_unit_twice_and_a_drop_against_the_stored_week(db: Engine) -> None:
    pipeline.import_file(db, "上周.xlsx", xlsx(template_return([("0101", "东城县", figs(5))])))
    lower = entry({"x": ("0101", list(figs(1))), "y": ("0101", list(figs(1)))})
    found = check_rows(load_context(db), lower, NOV03)
    assert set(found.loc[found["code"] == "duplicate_unit", "row"]) == {"x", "y"}
    single = entry({"x": ("0101", list(figs(1)))})
    drops = check_rows(load_context(db), single, NOV03)
    assert set(drops["code"]) == {"decreased"} and set(drops["severity"]) == {"warning"}
    assert set(drops["column"]) == set(CODES)


def test_an_older_week_needs_its_previous_figures_loaded_up_front(db: Engine) -> None:
    pipeline.import_file(
        db, "下周.xlsx", xlsx(template_return([("0101", "东城县", figs(5))], day=NOV03))
    )
    pipeline.import_file(db, "上周.xlsx", xlsx(template_return([("0101", "东城县", figs(5))])))
    frame = entry({"x": ("0101", list(figs(1)))})
    with pytest.raises(KeyError):
        check_rows(load_context(db), frame, OCT27)  # not loaded: never a silent "no history"
    loaded = check_rows(load_context(db, days=[OCT27]), frame, OCT27)
    assert loaded.empty  # nothing stored before 27 October: nothing to fall from


@pytest.mark.parametrize("module", ["checks.py", "rows.py", "file_checks.py"])
def test_the_checks_never_reach_the_database(module: str) -> None:
    tree = ast.parse((INGEST / module).read_text(encoding="utf-8"))
    imported = {
        node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
    } | {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert not {m for m in imported if m.startswith(("sqlalchemy", "dashboard.store"))}
    assert "Engine" not in (INGEST / module).read_text(encoding="utf-8")
