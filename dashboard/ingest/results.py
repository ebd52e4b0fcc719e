"""The outcome of checking a file and its JSON contract (``FileResult``), and what the office
does to a checked result before storing it (hold rows back, keep a liaison's subtree).

Outcome of a file:
* ``rejected`` — nothing can be taken from it: unreadable (the reader's codes), no return
  sheet (``no_header``), no report date (``no_date``), or every data row has an error, or
  it holds no figures at all (``empty``).  Rejected files are archived too, with status
  ``rejected``, so the office can see what came in.
* ``checked`` — read and checked, not stored (``dry_run`` or before the user confirms).
* ``imported`` — stored.  Rows with an error are left out; rows with only warnings are in.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict, overload

from dashboard.core.problems import Problem, ProblemCollector
from dashboard.ingest.workbook import Workbook
from dashboard.store import returns_repo

__all__ = [
    "CLI_DATE_HINT",
    "FILE_CODES",
    "HELD_BACK",
    "OUTSIDE_SCOPE",
    "PAGE_DATE_HINT",
    "STATUS_ZH",
    "AcceptedRow",
    "AcceptedRows",
    "FileResult",
    "hold_back",
    "keep_inside",
]

STATUS_ZH = {"checked": "待确认", "imported": "已入库", "rejected": "已拒收", "undone": "已撤销"}
FILE_CODES = ("no_date", "no_header", "empty")
# Where the user gives a date for files without one: the upload page's field, or --date.
PAGE_DATE_HINT = "请在上传页勾选“为没有日期的文件指定统计截止日期”并选择日期"
CLI_DATE_HINT = "请用 --date YYYY-MM-DD 指定统计截止日期"


class AcceptedRow(TypedDict):
    unit_code: str
    report_date: dt.date
    values: dict[str, int | None]
    sheet: str
    row: int


class AcceptedRows(Sequence[AcceptedRow]):
    """The rows that pass, kept as the columns the check built. A row's dict is made when
    someone reads the row (the page's preview, ``--json``); storing takes the columns as
    they are. Compares equal to a list of the same rows."""

    __hash__ = None  # type: ignore[assignment]  # mutable-looking, like the list it stands for

    def __init__(
        self,
        units: Sequence[str],
        days: Sequence[dt.date],
        values: Sequence[dict[str, int | None]],
        sheets: Sequence[str],
        rows: Sequence[int],
    ) -> None:
        self._columns = (units, days, values, sheets, rows)

    def __len__(self) -> int:
        return len(self._columns[0])

    @overload
    def __getitem__(self, index: int) -> AcceptedRow: ...
    @overload
    def __getitem__(self, index: slice) -> list[AcceptedRow]: ...
    def __getitem__(self, index: int | slice) -> AcceptedRow | list[AcceptedRow]:
        if isinstance(index, slice):
            return [self[k] for k in range(len(self))[index]]
        units, days, values, sheets, rows = self._columns
        return _accepted_row(units[index], days[index], values[index], sheets[index], rows[index])

    def __iter__(self) -> Iterator[AcceptedRow]:
        for unit, day, values, sheet, row in zip(*self._columns, strict=True):
            yield _accepted_row(unit, day, values, sheet, row)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, AcceptedRows | list | tuple):
            return list(self) == list(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"AcceptedRows({list(self)!r})"

    @property
    def report_dates(self) -> Sequence[dt.date]:
        return self._columns[1]

    def as_columns(self) -> returns_repo.FigureColumns:
        return returns_repo.FigureColumns(*self._columns)


def _accepted_row(
    unit: str, day: dt.date, values: dict[str, int | None], sheet: str, row: int
) -> AcceptedRow:
    return {"unit_code": unit, "report_date": day, "values": values, "sheet": sheet, "row": row}


@dataclass
class FileResult(ProblemCollector):
    file: str
    status: str  # checked | imported | rejected
    report_date: dt.date | None
    accepted: Sequence[AcceptedRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)  # headers that named nothing
    derived_columns: list[str] = field(default_factory=list)  # rates, shares, totals set aside
    hidden_sheets: list[str] = field(default_factory=list)  # hidden sheets, not read
    sheets: list[str] = field(default_factory=list)  # sheets read as returns
    format: str | None = None
    import_id: int | None = None
    duplicate: bool = False  # the same bytes were already imported: nothing changed
    superseded: int = 0  # of a duplicate: its rows that a later correction has replaced
    workbook: Workbook | None = field(default=None, repr=False, compare=False)  # while checking
    # Problems past the first PROBLEMS_KEPT are counted by (severity, code), not kept: a
    # file of 200,000 bad rows must not hold 200,000 messages in memory or in the database.
    dropped: Counter[tuple[str, str]] = field(default_factory=Counter, compare=False)

    @property
    def report_dates(self) -> list[dt.date]:
        """Every report week the file's accepted rows hold, in order."""
        accepted = self.accepted
        days = (
            accepted.report_dates
            if isinstance(accepted, AcceptedRows)
            else [row["report_date"] for row in accepted]
        )
        return sorted(set(days))

    @property
    def has_errors(self) -> bool:
        return self.error_total > 0

    def to_json(self) -> dict[str, Any]:
        """The CLI contract of issue #3, exactly."""
        return {
            "file": self.file,
            "status": self.status,
            "report_date": _iso(self.report_date),
            "accepted": [
                {
                    "unit_code": row["unit_code"],
                    "report_date": row["report_date"].isoformat(),
                    "values": dict(row["values"]),
                }
                for row in self.accepted
            ],
            "problems": self.stored_problems(),
        }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


HELD_BACK = "held_back"


def hold_back(
    result: FileResult, rows: Collection[tuple[str, int]], names: dict[str, str] | None = None
) -> FileResult:
    """The result with the office's held-back rows ((sheet, Excel row)) taken out of what
    is stored, each an error that the 退回修改表 lists.  Nothing left to store: rejected."""
    held = set(rows)
    return _refuse_rows(
        result,
        lambda row: (row["sheet"], row["row"]) in held,
        HELD_BACK,
        lambda unit: (
            f"本行（{unit}）经办公室核对暂缓入库：请核对本行各项数字（均为累计数）后重新报送"
        ),
        names,
    )


OUTSIDE_SCOPE = "outside_scope"


def keep_inside(
    result: FileResult,
    allowed: Collection[str],
    scope_name: str,
    names: dict[str, str] | None = None,
) -> FileResult:
    """The result of a scoped user's upload: rows of units outside ``allowed`` (their subtree)
    become errors and are not stored; nothing left to store: rejected."""
    inside = set(allowed)
    return _refuse_rows(
        result,
        lambda row: row["unit_code"] not in inside,
        OUTSIDE_SCOPE,
        lambda unit: (
            f"本行单位“{unit}”不在您管辖的“{scope_name}”及其下级单位之内，未入库："
            "请只报送本单位及下级单位的数字，其他单位的数字由其自行报送"
        ),
        names,
    )


def _refuse_rows(
    result: FileResult,
    refused: Callable[[AcceptedRow], bool],
    code: str,
    message: Callable[[str], str],
    names: dict[str, str] | None,
) -> FileResult:
    """Rows that ``refused`` picks leave what is stored, each an error ``code`` naming its
    unit (listed in the 退回修改表).  Nothing left to store: rejected."""
    if result.status == "rejected":
        return result
    out = [row for row in result.accepted if refused(row)]
    if not out:
        return result
    names = names or {}
    problems = list(result.problems)
    for row in out:
        unit = names.get(row["unit_code"], row["unit_code"])
        problems.append(
            Problem(row["sheet"], row["row"], None, None, "error", code, message(unit), None, unit)
        )
    kept = [row for row in result.accepted if not refused(row)]
    return dataclasses.replace(
        result, accepted=kept, problems=problems, status="checked" if kept else "rejected"
    )
