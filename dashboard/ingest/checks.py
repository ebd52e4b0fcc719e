"""Checks on the rows of a return: the catalogue's rules, drops against last week, duplicates.

Rules come from ``catalogue.RULES`` as data; nothing here names an indicator.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from dashboard.core.catalogue import RULES, Severity, indicator
from dashboard.core.problems import Problem

__all__ = ["PLACES_NAMED", "Row", "decrease_problems", "duplicate_problems", "rule_problems"]


@dataclass(slots=True)
class Row:
    """A data row of a return after parsing, located as Excel shows it."""

    sheet: str
    row: int  # 1-based, as Excel shows it
    unit_code: str | None
    unit_label: str  # the unit as written (name, else code)
    unit_col: int  # 0-based column of the unit's name (or code)
    unit_header: str | None  # that column's header as written
    report_date: dt.date | None
    values: dict[str, int | None]
    columns: dict[str, tuple[int, str]] = field(default_factory=dict)  # code → (col, header)
    has_error: bool = False


def _at(
    row: Row, code: str, value: object, severity: Severity, problem: str, message: str
) -> Problem:
    col, header = row.columns.get(code, (row.unit_col, row.unit_header))
    return Problem(
        row.sheet,
        row.row,
        header,
        None if value is None else str(value),
        severity,
        problem,
        message,
        col,
        row.unit_label or None,
    )


def rule_problems(rows: Sequence[Row]) -> list[Problem]:
    """Every ``lhs <= rhs`` rule of the catalogue, on rows where both figures are present."""
    found: list[Problem] = []
    for rule in RULES:
        for row in rows:
            lhs = row.values.get(rule.lhs)
            rhs = row.values.get(rule.rhs)
            if lhs is None or rhs is None or lhs <= rhs:
                continue
            message = f"{rule.message}（{indicator(rule.lhs).label} {lhs}，{indicator(rule.rhs).label} {rhs}）"
            found.append(_at(row, rule.lhs, lhs, rule.severity, rule.code, message))
            if rule.severity == "error":
                row.has_error = True
    return found


def decrease_problems(
    rows: Sequence[Row], previous: Mapping[str, Mapping[str, int | None]]
) -> list[Problem]:
    """A cumulative figure lower than the same unit's previous stored week (warning)."""
    found: list[Problem] = []
    for row in rows:
        before = previous.get(row.unit_code or "")
        if not before:
            continue
        for code, value in row.values.items():
            old = before.get(code)
            if value is None or old is None or value >= old:
                continue
            label = indicator(code).label
            message = f"{label}为累计数，本周 {value} 低于上周 {old}：是否误填了本周新增数？请核对"
            found.append(_at(row, code, value, "warning", "decreased", message))
    return found


PLACES_NAMED = 5  # a duplicate's message names this many of its rows


def duplicate_problems(rows: Sequence[Row]) -> list[Problem]:
    """A unit reported twice for the same week: every occurrence is an error (no guessing)."""
    seen: dict[tuple[str, dt.date | None], list[Row]] = defaultdict(list)
    for row in rows:
        if row.unit_code is not None:
            seen[(row.unit_code, row.report_date)].append(row)
    found: list[Problem] = []
    for group in seen.values():
        if len(group) < 2:
            continue
        places = "、".join(f"“{r.sheet}”第{r.row}行" for r in group[:PLACES_NAMED])
        if len(group) > PLACES_NAMED:
            places += f"等{len(group)}处"  # every message names a few: never n² text
        for row in group:
            message = (
                f"单位“{row.unit_label}”在本文件中出现{len(group)}次（{places}），"
                "请删除重复行，只保留一行后重新上传"
            )
            found.append(
                Problem(
                    row.sheet,
                    row.row,
                    row.unit_header,
                    row.unit_label,
                    "error",
                    "duplicate_unit",
                    message,
                    row.unit_col,
                    row.unit_label or None,
                )
            )
            row.has_error = True
    return found
