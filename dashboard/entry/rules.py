"""The importer's rules on online entries: ONE adapter, so the rule set stays one.

Every cell typed in the 填报 grid goes through the importer's row engine
(``ingest.rows.check_rows``: its cell parser — blank, 0/无/—, X placeholders, full-width
digits, "12项" — and its row checks: the catalogue's pair rules, a unit twice, a drop
against last week), problems coming back by unit and indicator.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine

from dashboard.core.catalogue import INDICATOR_CODES
from dashboard.ingest.context import CheckContext, load_context
from dashboard.ingest.rows import check_rows
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
    """The importer's row engine (``ingest.rows.check_rows``) on the typed cells, with the
    check context loaded for ``report_date`` (registry, last week's figures)."""
    if not cells:
        return Checked({}, [])
    ctx = load_context(engine, report_date, days=[report_date])
    return check_cells(ctx, report_date, cells)


def check_cells(
    ctx: CheckContext, report_date: dt.date, cells: Mapping[str, Mapping[str, object]]
) -> Checked:
    """Parse and check the cells of each unit (unit code → indicator code → cell as typed)."""
    units = list(cells)
    frame = pd.DataFrame(
        {
            "unit_code": units,
            **{
                code: [_blank_to_none(cells[u].get(code)) for u in units]
                for code in INDICATOR_CODES
            },
        },
        index=units,
        dtype=object,
    )
    found = [
        CellProblem(
            str(row.row),
            row.column if row.column in INDICATOR_CODES else None,
            str(row.severity),
            str(row.code),
            str(row.message),
        )
        for row in check_rows(ctx, frame, report_date).itertuples()
        if row.row is not None
    ]
    figures = {u: {code: _typed(cells[u].get(code)) for code in INDICATOR_CODES} for u in units}
    return Checked(figures, found)


def _typed(value: object) -> int | None:
    """The cell's value as stored: what the importer's parser reads (a cell it cannot read
    is blank; the check above names it)."""
    parsed = parse_cell(_blank_to_none(value))
    return None if isinstance(parsed, CellIssue) else parsed


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
