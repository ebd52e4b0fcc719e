"""One problem type and one collector for every upload the board reads (returns, registry).

A ``Problem`` says where it is (sheet, 1-based row, header as written), how bad it is, what
kind it is (``code``) and what to do (``message``, in Chinese).  ``ProblemCollector`` is the
one place that bounds what a file keeps: the first ``PROBLEMS_KEPT`` problems are kept one by
one, the rest only counted by (severity, code); a notice at the head of the list then says so
and one line per counted kind closes the stored list.  A file of 200,000 bad rows must not
hold 200,000 messages in memory or in the database.

``problem_records`` is the one table of problems that the pages show (the same columns and
words for a return and for the registry).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from dashboard.core.catalogue import Severity

__all__ = [
    "PROBLEMS_KEPT",
    "PROBLEM_COLUMNS",
    "SEVERITY_ZH",
    "Problem",
    "ProblemCollector",
    "problem_records",
    "shown",
]

PROBLEMS_KEPT = 1_000  # problems listed one by one per file; the rest are counted by kind
TOO_MANY = "too_many_problems"
SEVERITY_ZH: dict[str, str] = {"error": "错误", "warning": "提醒"}
# The problem table's columns, as every page shows them; 单位 only where rows name a unit.
PROBLEM_COLUMNS = ("工作表", "行", "单位", "列", "值", "级别", "问题")
WHOLE_FILE = "（整个文件）"


@dataclass(frozen=True)
class Problem:
    """One finding, located as Excel shows it (sheet name, 1-based row, header as written).

    ``col_index`` (0-based) and ``unit`` (the row's unit as written) are for the pages and
    the annotated return only; they are not part of the JSON.
    """

    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    severity: Severity
    code: str
    message: str
    col_index: int | None = None
    unit: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
        }

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def shown(value: object) -> str | None:
    """A cell value as text for a problem report (None stays None)."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class ProblemCollector:
    """The bounded collection of a file's problems; a mixin for the dataclasses that carry a
    file's outcome (``ingest.results.FileResult``, ``core.registry.Registry``), which declare
    ``problems: list[Problem]`` and ``dropped: Counter[tuple[str, str]]`` fields."""

    problems: list[Problem]
    dropped: Counter[tuple[str, str]]

    def add_problems(self, found: Iterable[Problem]) -> None:
        """Keep what fits under ``PROBLEMS_KEPT``; count the rest by (severity, code)."""
        room = PROBLEMS_KEPT - len(self.problems)
        for problem in found:
            if room > 0:
                self.problems.append(problem)
                room -= 1
            else:
                self.dropped[(problem.severity, problem.code)] += 1

    def add_problem(self, problem: Problem) -> None:
        self.add_problems((problem,))

    def _has_notice(self) -> bool:
        return bool(self.problems) and self.problems[0].code == TOO_MANY

    @property
    def problem_total(self) -> int:
        # Less the too_many notice only once it is in the list: the notice's own text is
        # written before it is inserted, and must count every problem found.
        kept = len(self.problems) - (1 if self._has_notice() else 0)
        return kept + sum(self.dropped.values())

    @property
    def error_total(self) -> int:
        dropped = sum(n for (severity, _), n in self.dropped.items() if severity == "error")
        notice = 1 if self._has_notice() and self.problems[0].is_error else 0
        return len(self.errors) - notice + dropped

    @property
    def warning_total(self) -> int:
        return self.problem_total - self.error_total

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def note_dropped(self) -> None:
        """Put the notice that not every problem is listed at the head (once, when some were
        only counted)."""
        if self.dropped and not self._has_notice():
            self.problems.insert(0, self._too_many())

    def _too_many(self) -> Problem:
        return Problem(
            None,
            None,
            None,
            None,
            "error" if self.error_total else "warning",
            TOO_MANY,
            f"本文件共发现 {self.problem_total:,} 处问题，超过 {PROBLEMS_KEPT:,} 处，"
            f"只逐条列出前 {PROBLEMS_KEPT:,} 处，其余按类别汇总。"
            "请先确认是否选错了文件或模板，按已列出的问题修改后重新上传",
        )

    def stored_problems(self) -> list[dict[str, Any]]:
        """The kept problems, then one line per kind of problem that was only counted."""
        kept = [p.to_json() for p in self.problems]
        for (severity, code), n in sorted(self.dropped.items()):
            message = f"另有 {n:,} 处同类问题（{code}）未逐条列出，请先修改已列出的问题"
            level: Severity = "error" if severity == "error" else "warning"
            kept.append(Problem(None, None, None, None, level, code, message).to_json())
        return kept


def problem_records(
    problems: Iterable[Problem], *, unit_column: bool = True
) -> list[dict[str, Any]]:
    """The problems as rows of the pages' problem table (工作表, 行, 单位, 列, 值, 级别, 问题;
    without 单位 where rows name no unit, as in the registry)."""
    records = []
    for p in problems:
        record: dict[str, Any] = {
            "工作表": p.sheet or WHOLE_FILE,
            "行": p.row,
            "单位": p.unit or "",
            "列": p.column or "",
            "值": p.value or "",
            "级别": SEVERITY_ZH.get(p.severity, p.severity),
            "问题": p.message,
        }
        if not unit_column:
            del record["单位"]
        records.append(record)
    return records
