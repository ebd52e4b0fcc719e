"""The importer's rules on online entries: ONE adapter, so the rule set stays one.

Every cell typed in the 填报 grid goes through the importer's own cell parser
(``ingest.values.parse_cell``: blank, 0/无/—, X placeholders, full-width digits, "12项") and
its row checks (``ingest.checks``: the catalogue's pair rules, a drop against last week).
When the importer exposes its row engine (context + rows → problems per row and column),
``check_cells`` is the one place to switch to it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine

from dashboard.core.catalogue import INDICATOR_CODES
from dashboard.ingest import checks
from dashboard.ingest.values import CellIssue, parse_cell
from dashboard.store import returns_repo

__all__ = ["CellProblem", "Checked", "check_cells", "check_entries", "previous_week"]


@dataclass(frozen=True)
class CellProblem:
    """One finding at one cell of the grid (``indicator`` None: the unit's row)."""

    unit_code: str
    indicator: str | None
    severity: str  # error | warning
    kind: str  # the importer's problem code (placeholder, not_integer, decreased, …)
    message: str

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


@dataclass(frozen=True)
class Checked:
    """Typed figures per unit and every problem found in them."""

    figures: dict[str, dict[str, int | None]]
    problems: list[CellProblem]

    @property
    def errors(self) -> list[CellProblem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[CellProblem]:
        return [p for p in self.problems if not p.is_error]


def previous_week(
    engine: Engine, report_date: dt.date, unit_codes: list[str]
) -> dict[str, dict[str, int | None]]:
    """Each unit's latest stored figures before ``report_date`` (the grid's 上周 column)."""
    return returns_repo.previous_figures(engine, report_date, unit_codes)


def check_entries(
    engine: Engine, report_date: dt.date, cells: Mapping[str, Mapping[str, object]]
) -> Checked:
    """``check_cells`` against the units' previous stored week."""
    return check_cells(cells, previous_week(engine, report_date, list(cells)))


def check_cells(
    cells: Mapping[str, Mapping[str, object]],
    previous: Mapping[str, Mapping[str, int | None]],
) -> Checked:
    """Parse and check the cells of each unit (unit code → indicator code → cell as typed)."""
    figures: dict[str, dict[str, int | None]] = {}
    found: list[CellProblem] = []
    rows: list[checks.Row] = []
    for unit, values in cells.items():
        typed: dict[str, int | None] = {}
        for code in INDICATOR_CODES:
            parsed = parse_cell(_blank_to_none(values.get(code)))
            if isinstance(parsed, CellIssue):
                found.append(CellProblem(unit, code, "error", parsed.code, parsed.message))
                typed[code] = None
            else:
                typed[code] = parsed
        figures[unit] = typed
        rows.append(_row(unit, typed))
    for problem in checks.rule_problems(rows) + checks.decrease_problems(rows, previous):
        unit = str(problem.unit)
        cell = problem.column if problem.column in INDICATOR_CODES else None
        found.append(CellProblem(unit, cell, problem.severity, problem.code, problem.message))
    return Checked(figures, found)


def _blank_to_none(value: object) -> object:
    """A cleared grid cell arrives as NaN/NA or ''; the importer reads it as blank."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, str) and not value.strip():
        return None
    if value is pd.NA:
        return None
    return value


def _row(unit: str, typed: dict[str, int | None]) -> checks.Row:
    """A grid row in the importer's shape; each indicator's "column" is its code, so every
    problem maps back to its cell."""
    return checks.Row(
        sheet="在线填报",
        row=0,
        unit_code=unit,
        unit_label=unit,
        unit_col=-1,
        unit_header=None,
        report_date=None,
        values={k: v for k, v in typed.items() if v is not None},
        columns={code: (i, code) for i, code in enumerate(INDICATOR_CODES)},
    )
