"""The import's public API: check a workbook's bytes, then store what passed.

``check_file`` reads (in the sandboxed reader), finds every return sheet's header, parses
the figures, matches units, works out report dates and runs every check, collecting ALL
problems of the file.  ``store_result`` archives the bytes and stores the accepted rows in
one transaction (``returns_repo.save_upload``).

Outcome of a file:
* ``rejected`` — nothing can be taken from it: unreadable (the reader's codes), no return
  sheet (``no_header``), no report date (``no_date``), or every data row has an error, or
  it holds no figures at all (``empty``).  Rejected files are archived too, with status
  ``rejected``, so the office can see what came in.
* ``checked`` — read and checked, not stored (``dry_run`` or before the user confirms).
* ``imported`` — stored.  Rows with an error are left out; rows with only warnings are in.

The report date of a row: its own date column, else the sheet's title and note rows, else
the file name, else the date the user gave (``report_date=``, CLI ``--date``) — a file's own
date is never overridden, so one date typed for a batch only fills the files without one.
A unit found twice for the same week is an error on every occurrence (no guessing which
one is right).  Rows whose figure cells are all blank are skipped, not stored as zeros.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import threading
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import compress
from operator import attrgetter, gt
from typing import Any, TypedDict, overload

import orjson
import pandas as pd
from openpyxl.utils import get_column_letter
from sqlalchemy import Engine

from dashboard.core.catalogue import (
    NOT_FIGURE_WORDS,
    RULES,
    TOTAL_ROW_WORDS,
    indicator,
    normalise_header,
)
from dashboard.ingest import checks, formats
from dashboard.ingest.dates import (
    Campaign,
    date_in_cell,
    date_in_file_name,
    date_in_notes,
    date_in_rows,
    date_in_text,
    date_on_cover,
)
from dashboard.ingest.header import HeaderMap, Wordings, find_header, office_wordings
from dashboard.ingest.matching import UnitMatcher, fold_name
from dashboard.ingest.problems import Problem, shown
from dashboard.ingest.values import CellIssue, parse_column, plain_column
from dashboard.store import repo, returns_repo

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
class FileResult:
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
    workbook: Any = field(default=None, repr=False, compare=False)  # while checking only
    # Problems past the first PROBLEMS_KEPT are counted by (severity, code), not kept: a
    # file of 200,000 bad rows must not hold 200,000 messages in memory or in the database.
    dropped: Counter[tuple[str, str]] = field(default_factory=Counter, compare=False)

    def add_problems(self, found: Iterable[Problem]) -> None:
        room = returns_repo.PROBLEMS_KEPT - len(self.problems)
        for problem in found:
            if room > 0:
                self.problems.append(problem)
                room -= 1
            else:
                self.dropped[(problem.severity, problem.code)] += 1

    @property
    def problem_total(self) -> int:
        kept = len(self.problems) - (1 if self.dropped else 0)  # less the too_many notice
        return kept + sum(self.dropped.values())

    @property
    def error_total(self) -> int:
        dropped = sum(n for (severity, _), n in self.dropped.items() if severity == "error")
        notice = sum(1 for p in self.problems[:1] if p.code == "too_many_problems" and p.is_error)
        return len(self.errors) - notice + dropped

    @property
    def warning_total(self) -> int:
        return self.problem_total - self.error_total

    def stored_problems(self) -> list[dict[str, Any]]:
        """The kept problems, then one line per kind of problem that was only counted."""
        kept = [p.to_json() for p in self.problems]
        for (severity, code), n in sorted(self.dropped.items()):
            message = f"另有 {n:,} 处同类问题（{code}）未逐条列出，请先修改已列出的问题"
            kept.append(Problem(None, None, None, None, severity, code, message).to_json())  # type: ignore[arg-type]
        return kept

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

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

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


# --- public API ------------------------------------------------------------------------------
def check_file(
    engine: Engine,
    file_name: str,
    content: bytes,
    *,
    report_date: dt.date | None = None,
    password: str | None = None,
    date_hint: str = PAGE_DATE_HINT,
) -> FileResult:
    """Read and check one file; nothing is stored. ``date_hint`` says where to give a date
    (the page's field, or ``CLI_DATE_HINT``) when the file has none.

    Large files are checked one at a time per process (``LARGE_FILE_BYTES``): a 200,000-row
    return costs the app about half a gigabyte while it is checked, so three at once from
    three sessions would take the server past its memory; the others wait their turn.
    """
    gate = _LARGE_CHECKS if len(content) > LARGE_FILE_BYTES else contextlib.nullcontext()
    with gate:
        return _check_file(engine, file_name, content, report_date, password, date_hint)


LARGE_FILE_BYTES = 2 * 1024 * 1024  # ~30,000 rows of a return
_LARGE_CHECKS = threading.BoundedSemaphore(1)


def _check_file(
    engine: Engine,
    file_name: str,
    content: bytes,
    report_date: dt.date | None,
    password: str | None,
    date_hint: str = PAGE_DATE_HINT,
) -> FileResult:
    from dashboard.ingest.reader import ReadError, read_workbook

    # The registry and settings load while the worker parses (it waits on a pipe, GIL free).
    with _bulk(), ThreadPoolExecutor(max_workers=1) as pool:
        context = pool.submit(_context_in_background, engine, report_date)
        try:
            workbook = read_workbook(file_name, content, password)
        except ReadError as exc:
            problem = Problem(None, None, None, None, "error", exc.code, exc.message)
            return FileResult(file_name, "rejected", None, problems=[problem])
        ctx = context.result()
        result = check_workbook(
            engine, workbook, report_date=report_date, context=ctx, date_hint=date_hint
        )
    # The parsed cells are not kept: a page holds results across reruns, and the 退回修改表
    # opens the file again in a child process (annotate.returned_workbook).
    result.workbook = None
    return result


@contextlib.contextmanager
def _bulk() -> Iterator[None]:
    """No cyclic GC while a file is read, checked and stored: its rows are not garbage, and
    the collections their allocation would set off (each pass over every live container of
    the process) cost a few milliseconds per 10,000 rows for nothing. Nested uses are fine."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def store_result(
    engine: Engine, result: FileResult, content: bytes, *, uploaded_by: str = ""
) -> FileResult:
    """Archive the bytes and store the accepted rows, in one transaction."""
    rejected = result.status == "rejected"
    with _bulk():
        saved = _save(engine, result, content, rejected, uploaded_by)
    return dataclasses.replace(
        result,
        status="rejected" if rejected else "imported",
        import_id=saved.import_id,
        duplicate=saved.duplicate,
        superseded=saved.superseded,
        workbook=None,
    )


def _save(
    engine: Engine,
    result: FileResult,
    content: bytes,
    rejected: bool,
    uploaded_by: str,
) -> returns_repo.SaveResult:
    return returns_repo.save_upload(
        engine,
        file_name=result.file,
        content=content,
        status="rejected" if rejected else "imported",
        rows=() if rejected else _figure_columns(result.accepted),
        problems=result.stored_problems(),
        problem_total=result.problem_total,
        report_date=result.report_date,
        uploaded_by=uploaded_by,
    )


def _figure_columns(accepted: Sequence[AcceptedRow]) -> returns_repo.FigureColumns:
    if isinstance(accepted, AcceptedRows):
        return accepted.as_columns()
    return returns_repo.FigureColumns(
        [row["unit_code"] for row in accepted],
        [row["report_date"] for row in accepted],
        [row["values"] for row in accepted],
        [row["sheet"] for row in accepted],
        [row["row"] for row in accepted],
    )


def import_file(
    engine: Engine,
    file_name: str,
    content: bytes,
    *,
    report_date: dt.date | None = None,
    password: str | None = None,
    dry_run: bool = False,
    uploaded_by: str = "",
    date_hint: str = PAGE_DATE_HINT,
) -> FileResult:
    """Check, then store unless ``dry_run`` (status ``checked``)."""
    with _bulk():
        result = check_file(
            engine,
            file_name,
            content,
            report_date=report_date,
            password=password,
            date_hint=date_hint,
        )
        if dry_run:
            return result
        return store_result(engine, result, content, uploaded_by=uploaded_by)


# --- checking a read workbook ----------------------------------------------------------------
@dataclass
class _Context:
    """What a check needs from the database, loaded while the worker parses the file."""

    campaign: Campaign
    matcher: UnitMatcher
    given_date: dt.date | None  # the user's date: used only where the file names none
    latest_day: dt.date | None = None  # the newest report day holding current figures
    latest: dict[str, dict[str, int | None]] = field(default_factory=dict)  # per unit, as of it
    wordings: Wordings = ()  # the office's remembered header wordings


def _context_in_background(engine: Engine, report_date: dt.date | None) -> _Context:
    """``make_context`` on a helper thread that yields the CPU to the parser it runs beside."""
    formats.yield_cpu()
    return make_context(engine, report_date)


def make_context(engine: Engine, report_date: dt.date | None = None) -> _Context:
    values = repo.get_settings(engine)
    campaign = Campaign.from_settings(values)
    days = repo.report_dates(engine)
    latest_day = days[-1] if days else None
    # The usual upload is the week after the newest one: its "previous week" is every unit's
    # latest figures, fetched now (a return for an older week queries its own below).
    latest = returns_repo.previous_figures(engine, dt.date.max) if latest_day else {}
    wordings = office_wordings(values.get("column_wordings"))
    matcher = UnitMatcher.from_engine(engine)
    return _Context(campaign, matcher, report_date, latest_day, latest, wordings)


def check_workbook(
    engine: Engine,
    workbook: Any,
    *,
    report_date: dt.date | None = None,
    context: _Context | None = None,
    date_hint: str = PAGE_DATE_HINT,
) -> FileResult:
    """Check an already read ``reader.Workbook`` (any object with file_name/format/sheets)."""
    ctx = context or make_context(engine, report_date)
    name = workbook.file_name
    result = FileResult(name, "checked", None, format=workbook.format, workbook=workbook)
    found = [
        (s, h)
        for s in workbook.sheets
        if s.visible
        for h in [find_header(s.rows, s.merged, wordings=ctx.wordings)]
        if h
    ]
    result.hidden_sheets = [s.name for s in workbook.sheets if not s.visible]
    if not found:
        return _reject(
            result,
            "no_header",
            "没有找到周报表头（如“单位名称”“读书班期数”等列名）。请使用下发的模板填报，"
            "或确认表头行没有被删除、工作表没有被隐藏",
        )
    file_date = _file_date(found, workbook, ctx.campaign) or ctx.given_date
    table = _Table()
    missing_date = False
    for sheet, header in found:
        result.sheets.append(sheet.name)
        result.add_problems(_column_problems(sheet, header))
        for label in header.ignored:
            if label not in result.ignored_columns:
                result.ignored_columns.append(label)
        for label in header.derived:
            if label not in result.derived_columns:
                result.derived_columns.append(label)
        sheet_date = date_in_rows(sheet.rows[: header.first_row], ctx.campaign) or file_date
        problems, no_date = _read_rows(sheet, header, sheet_date, ctx, table)
        result.add_problems(problems)
        missing_date = missing_date or no_date
    if missing_date:
        return _reject(
            result,
            "no_date",
            "无法确定统计截止日期：表内没有日期列，标题、表下注释、封面、工作表名和文件名中"
            f"也没有日期。{date_hint}，或在标题中写明“截至X月X日”后重新上传",
        )
    # Row by row checks run a block of rows at a time: a file where every row breaks a
    # rule never holds all its Row and Problem objects at once (the cap drops the rest).
    for block in _blocks(table.rule_suspects()):
        result.add_problems(table.check(checks.rule_problems, block))
    result.add_problems(table.check(checks.duplicate_problems, table.duplicate_suspects()))
    if table.superseded:
        result.problems.append(_superseded_note(table))  # once per file, past any cap
    result.add_problems(_decreases(engine, table, ctx))
    if any(p.code == "duplicate_column" for p in result.problems):
        result.status = "rejected"  # which column holds the figure is in doubt: store nothing
        result.report_date = ctx.campaign.period(file_date) if file_date else None
        return result
    accepted = table.accepted()
    result.accepted = accepted
    dates = Counter(accepted.report_dates) or Counter(day for day in table.days if day)
    fallback = ctx.campaign.period(file_date) if file_date else None
    result.report_date = dates.most_common(1)[0][0] if dates else fallback
    if result.dropped:
        result.problems.insert(0, _too_many(result))
    if not result.accepted:
        if result.has_errors:
            result.status = "rejected"
        else:
            return _reject(
                result,
                "empty",
                "文件中没有任何单位填报的数字（各指标列均为空）。请填写后重新上传",
            )
    return result


def _superseded_note(table: _Table) -> Problem:
    """Once per file: how many earlier-day rows gave way to a later day of the same week."""
    n = len(table.superseded)
    units = len({table.units[k] for k in table.superseded})
    return Problem(
        None,
        None,
        None,
        None,
        "warning",
        "earlier_days",
        f"同一单位在同一报告周内有多天的数据：已按每个单位该周最近一天（不晚于报告日）的数字入库，"
        f"其余较早日期的 {n:,} 行（{units:,} 个单位）未入库。如需保存每一天，请按周分别上传",
    )


def _too_many(result: FileResult) -> Problem:
    return Problem(
        None,
        None,
        None,
        None,
        "error" if result.error_total else "warning",
        "too_many_problems",
        f"本文件共发现 {result.problem_total:,} 处问题，超过 {returns_repo.PROBLEMS_KEPT:,} 处，"
        f"只逐条列出前 {returns_repo.PROBLEMS_KEPT:,} 处，其余按类别汇总。"
        "请先确认是否选错了文件或模板，按已列出的问题修改后重新上传",
    )


def _reject(result: FileResult, code: str, message: str) -> FileResult:
    result.problems.insert(0, Problem(None, None, None, None, "error", code, message))
    result.status = "rejected"
    result.accepted = []
    return result


def _file_date(
    found: list[tuple[Any, HeaderMap]], workbook: Any, campaign: Campaign
) -> dt.date | None:
    """The file's own date: above a table, in a note under it, on a cover sheet (a sheet
    without a table), in a sheet name, in the file name, in that order."""
    for sheet, header in found:
        day = date_in_rows(sheet.rows[: header.first_row], campaign)
        if day is not None:
            return day
    for sheet, header in found:
        day = date_in_notes(sheet.rows[header.data_start :], campaign)
        if day is not None:
            return day
    tables = {id(sheet) for sheet, _header in found}
    for sheet in workbook.sheets:
        if id(sheet) not in tables and sheet.visible:
            day = date_on_cover(sheet.rows, campaign)
            if day is not None:
                return day
    for sheet, _header in found:
        day = date_in_text(sheet.name, campaign)
        if day is not None:
            return day
    return date_in_file_name(workbook.file_name, campaign)


def _column_problems(sheet: Any, header: HeaderMap) -> list[Problem]:
    """A second column for a field is an error naming both columns; a column of whole
    numbers that names nothing is a warning naming it (nothing is lost silently)."""
    problems = []
    kept = {c.key: c.label for c in header.columns}
    for col in header.duplicates:
        if col.kind != "indicator":
            continue  # a second name or code column: the better one serves
        what = indicator(col.key).label
        problems.append(
            Problem(
                sheet.name,
                header.last_row + 1,
                col.label,
                col.label,
                "error",
                "duplicate_column",
                f"“{col.label}”列与“{kept.get(col.key, '')}”列都对应“{what}”，无法确定以哪一列为准，"
                "本文件未入库。请删除多余的列，或在上传页把其中一列指定为其他指标后重新检查",
                col.index,
            )
        )
    for index, label in header.unknown:
        if _whole_numbers(sheet.rows, header.data_start, index) and not _not_a_figure(label):
            problems.append(
                Problem(
                    sheet.name,
                    header.last_row + 1,
                    label,
                    None,
                    "warning",
                    "unknown_column",
                    f"“{label}”列填的是数字，但没有对应任何指标，本列未读取。如果它是某项指标，"
                    "请在上传页把它指定为该指标（以后自动识别）；否则可不理会",
                    index,
                )
            )
    return problems


_SAMPLE_ROWS = 2_000  # enough rows to tell a column of whole numbers from text


def _whole_numbers(rows: list[list[object]], start: int, col: int) -> bool:
    """Does the column hold figures: whole numbers (some), nothing else but blanks, and
    not just the row numbers 1, 2, 3…?"""
    numbers: list[float] = []
    for row in rows[start : start + _SAMPLE_ROWS]:
        value = row[col] if col < len(row) else None
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if value != value or not float(value).is_integer():
            return False
        numbers.append(float(value))
    if not numbers:
        return False
    return not (len(numbers) > 2 and numbers == [1.0 + k for k in range(len(numbers))])


def _not_a_figure(label: str) -> bool:
    folded = normalise_header(label)
    return any(folded == word or folded.startswith(word) for word in NOT_FIGURE_WORDS)


# --- rows ------------------------------------------------------------------------------------
_NUMBERING_WORDS = frozenset({"甲", "乙", "丙", "栏次", "序号", "行次"})
_TOTAL_FOLDED = tuple(fold_name(w) for w in TOTAL_ROW_WORDS)


def _cell(row: list[object], col: int | None) -> object:
    if col is None or col >= len(row):
        return None
    value = row[col]
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _names_total(folded: str) -> bool:
    """合计, 东城县合计, 合计（15个单位）, 小计: … — but not a unit such as 总计划科."""
    for word in _TOTAL_FOLDED:
        if folded.endswith(word):
            return True
        if folded.startswith(word) and (len(folded) == len(word) or folded[len(word)] in "(:（："):
            return True
    return False


def _is_numbering(row: list[object], unit_cols: list[int], figure_cols: list[int]) -> bool:
    """The "甲 乙 1 2 3…" line or a line of units such as （期）（天） under a header."""
    for col in unit_cols:
        value = _cell(row, col)
        if value is not None and str(value).strip() not in _NUMBERING_WORDS:
            return False
    cells = [_cell(row, c) for c in figure_cols]
    present = [v for v in cells if v is not None]
    if len(present) < 2:
        return False
    if all(
        isinstance(v, str) and len(v.strip()) <= 6 and not any(ch.isdigit() for ch in v)
        for v in present
    ):
        return True
    numbers = [int(v) for v in present if isinstance(v, int | float) and not isinstance(v, bool)]
    return len(numbers) == len(present) and all(
        b - a == 1 for a, b in zip(numbers, numbers[1:], strict=False)
    )


@dataclass(slots=True)
class _SheetPart:
    """What every data row of one sheet shares (to build a ``checks.Row`` when needed)."""

    name: str
    unit_col: int
    unit_header: str | None
    columns_of: dict[str, tuple[int, str]]
    code_col: int | None
    name_col: int | None


class _Figures(Sequence[dict[str, int | None]]):
    """Each data row's figures by indicator code, in table order.

    A row read one by one brings its dict. A clean block read column by column keeps its
    columns: a row's dict is made only when something asks for it (a check looking at a
    suspect row, the preview), and storing writes the JSON text straight from the columns
    (``json_texts``), a third cheaper than a dict per row serialised one by one.
    """

    def __init__(self) -> None:
        self._dicts: list[dict[str, int | None] | None] = []  # None: still in its block
        self._starts: list[int] = []
        self._blocks: list[tuple[list[str], list[list[int]]]] = []

    def append(self, values: dict[str, int | None]) -> None:
        self._dicts.append(values)

    def add_columns(self, codes: list[str], columns: list[list[int]], n: int) -> None:
        """``n`` rows whose figures are ``columns`` (one list per code, no blank)."""
        self._starts.append(len(self._dicts))
        self._blocks.append((codes, columns))
        self._dicts.extend([None] * n)

    def __len__(self) -> int:
        return len(self._dicts)

    @overload
    def __getitem__(self, k: int) -> dict[str, int | None]: ...
    @overload
    def __getitem__(self, k: slice) -> list[dict[str, int | None]]: ...
    def __getitem__(self, k: int | slice) -> dict[str, int | None] | list[dict[str, int | None]]:
        if isinstance(k, slice):
            return [self[i] for i in range(len(self))[k]]
        values = self._dicts[k]
        if values is None:
            k %= len(self._dicts)
            at = bisect_right(self._starts, k) - 1
            codes, columns = self._blocks[at]
            i = k - self._starts[at]
            values = dict(zip(codes, [column[i] for column in columns], strict=True))
            self._dicts[k] = values
        return values

    def json_texts(self) -> list[str]:
        """Each row's figures as the JSON text ``orjson.dumps`` would write for its dict."""
        texts: list[str] = []
        done = 0
        for start, (codes, columns) in zip(self._starts, self._blocks, strict=True):
            texts.extend(_json(self[k]) for k in range(done, start))
            texts.extend(map(_json_template(codes).__mod__, zip(*columns, strict=True)))
            done = start + (len(columns[0]) if columns else 0)
        texts.extend(_json(self[k]) for k in range(done, len(self)))
        return texts


def _json(values: dict[str, int | None]) -> str:
    return orjson.dumps(values).decode()


def _json_template(codes: list[str]) -> str:
    """'{"a":%d,"b":%d}' for codes a, b: filled with a row of ints it is orjson's text."""
    keys = (orjson.dumps(code).decode().replace("%", "%%") for code in codes)
    return "{" + ",".join(f"{key}:%d" for key in keys) + "}"


@dataclass
class _Table:
    """The data rows of a return, column by column.

    A ``checks.Row`` object is built only for a row that a check has to look at closely (a
    rule broken, a unit twice, a figure to compare with last week): a clean return of
    10,000 units then costs one dict per row, not an object, a dict and several passes.
    """

    parts: list[_SheetPart] = field(default_factory=list)  # per row
    raw: list[list[object]] = field(default_factory=list)  # the row's cells as read
    excel_rows: list[int] = field(default_factory=list)
    units: list[str | None] = field(default_factory=list)
    days: list[dt.date | None] = field(default_factory=list)
    values: _Figures = field(default_factory=_Figures)
    bad: list[bool] = field(default_factory=list)
    broken: set[int] = field(default_factory=set)  # rows breaking a rule, found while reading
    own_days: dict[int, dt.date] = field(default_factory=dict)  # a row's own date column
    superseded: set[int] = field(default_factory=set)  # an earlier day of the same report week

    def row(self, k: int) -> checks.Row:
        part, raw = self.parts[k], self.raw[k]
        return checks.Row(
            part.name,
            self.excel_rows[k],
            self.units[k],
            _unit_label(raw, part.code_col, part.name_col),
            part.unit_col,
            part.unit_header,
            self.days[k],
            self.values[k],
            part.columns_of,
            self.bad[k],
        )

    def check(self, run: Any, suspects: list[int]) -> list[Problem]:
        """Run a ``checks`` function on the suspect rows (in file order) and keep the error
        flags it sets. Rows that are not suspects could not yield a problem."""
        if not suspects:
            return []
        rows = [self.row(k) for k in suspects]
        problems: list[Problem] = run(rows)
        for k, row in zip(suspects, rows, strict=True):
            if row.has_error:
                self.bad[k] = True
        return problems

    def rule_suspects(self) -> list[int]:
        return sorted(self.broken)

    def find_broken(self, start: int) -> None:
        """Rows from ``start`` on that break one of the catalogue's ``lhs <= rhs`` rules."""
        values = self.values
        for rule in RULES:
            lhs, rhs = rule.lhs, rule.rhs
            self.broken.update(
                k
                for k in range(start, len(values))
                if (a := values[k].get(lhs)) is not None
                and (b := values[k].get(rhs)) is not None
                and a > b
            )

    def find_broken_in_columns(
        self, start: int, codes: list[str], columns: list[list[Any]]
    ) -> None:
        """The same on whole columns without blanks: C-speed ``any`` before any row loop."""
        index = {code: i for i, code in enumerate(codes)}
        for rule in RULES:
            if rule.lhs in index and rule.rhs in index:
                lhs, rhs = columns[index[rule.lhs]], columns[index[rule.rhs]]
                if any(map(gt, lhs, rhs)):
                    self.broken.update(
                        start + i for i, (a, b) in enumerate(zip(lhs, rhs, strict=True)) if a > b
                    )

    def duplicate_suspects(self) -> list[int]:
        """Rows whose unit appears more than once for the same report day.

        Rows dated by their own date column on different days of one report week (a daily
        export) are no duplicates: the latest day is kept, the earlier ones are superseded.
        The same unit twice on the same day stays a duplicate."""
        keys = list(zip(self.units, self.days, strict=True))
        counts = Counter(keys)
        if len(counts) == len(keys):
            return []
        groups: dict[tuple[str | None, dt.date | None], list[int]] = defaultdict(list)
        for k, key in enumerate(keys):
            if key[0] is not None and counts[key] > 1:
                groups[key].append(k)
        suspects: list[int] = []
        own = self.own_days
        for ks in groups.values():
            if not own or any(k not in own for k in ks):
                suspects.extend(ks)
                continue
            latest = max(own[k] for k in ks)
            at_latest = [k for k in ks if own[k] == latest]
            self.superseded.update(k for k in ks if own[k] != latest)
            if len(at_latest) > 1:
                suspects.extend(at_latest)
        return sorted(suspects)

    def accepted(self) -> AcceptedRows:
        """The rows without an error and with a unit and a report day, in file order."""
        names = list(map(attrgetter("name"), self.parts))
        columns = (self.units, self.days, self.values, names, self.excel_rows)
        if True in self.bad or None in self.units or None in self.days or self.superseded:
            keep = [
                not bad and unit is not None and day is not None
                for bad, unit, day in zip(self.bad, self.units, self.days, strict=True)
            ]
            for k in self.superseded:
                keep[k] = False
            columns = tuple(list(compress(column, keep)) for column in columns)  # type: ignore[assignment]
        return AcceptedRows(*columns)  # type: ignore[arg-type]


def _unit_label(row: list[object], code_col: int | None, name_col: int | None) -> str:
    """The unit as written in the row: its name, else its code."""
    width = len(row)
    code_cell = row[code_col] if code_col is not None and code_col < width else None
    name_cell = row[name_col] if name_col is not None and name_col < width else None
    if type(name_cell) is str:
        return name_cell
    return shown(name_cell) or shown(code_cell) or ""


class _Columns:
    """A block of rows turned into columns once (``zip`` at C speed), handed out by index."""

    def __init__(self, rows: list[list[object]]) -> None:
        self.rows = rows
        self.width = min(map(len, rows)) if rows else 0
        # zip stops at the shortest row: columns up to width are whole
        self._cols = list(zip(*rows, strict=False)) if self.width else []

    def __getitem__(self, col: int) -> Sequence[object]:
        if col < self.width:
            return self._cols[col]
        return [row[col] if col < len(row) else None for row in self.rows]


def _may_hold(cells: Sequence[object], first: str, last: str) -> bool:
    """Could a text cell hold 计, or both ``first`` and ``last``? When every cell is text
    (the usual unit column), one C-speed join answers for the whole column."""
    try:
        joined = "".join(cells)  # type: ignore[arg-type]
    except TypeError:  # numbers or blanks among the cells: look cell by cell
        return True
    return "计" in joined or (first in joined and last in joined)


def _skipped(data: _Columns, label_cols: list[int], repeated: dict[int, str]) -> set[int]:
    """Positions of 合计/总计/小计 rows and of the header written again, column by column.

    One cheap pass per column keeps the text cells that could be either (every total word
    has 计; a repeated header holds its label's first and last characters); only those are
    folded and compared."""
    skip: set[int] = set()
    for col in dict.fromkeys([*label_cols, *repeated]):
        label = repeated.get(col, "")
        first, last = (label[0], label[-1]) if label else ("计", "计")
        cells = data[col]
        total = col in label_cols
        if not _may_hold(cells, first, last):
            continue
        for i in [
            i
            for i, v in enumerate(cells)
            if type(v) is str and ("计" in v or (first in v and last in v))
        ]:
            value = str(cells[i])
            folded = fold_name(value)
            if (total and "计" in value and _names_total(folded)) or (
                label and first in value and last in value and folded == label
            ):
                skip.add(i)
    return skip


def _read_rows(
    sheet: Any, header: HeaderMap, sheet_date: dt.date | None, ctx: _Context, table: _Table
) -> tuple[list[Problem], bool]:
    """Parse a sheet's data rows column by column (the fast path), match their units and add
    them to ``table``; return the problems found and whether a row has no report date.

    Rows whose figure cells are all blank (note lines, units that did not report, blank
    rows) are skipped, as are 合计/总计/小计 rows and a numbering line under the header.
    """
    meta = header.meta
    labels = header.labels
    code_col, name_col = meta.get("unit_code"), meta.get("unit_name")
    date_col = meta.get("report_date")
    unit_cols = [c for c in (name_col, code_col) if c is not None]
    figure_cols = header.indicators
    label_cols = unit_cols or list(range(min(figure_cols.values()))) or [0]
    all_rows = sheet.rows
    start = header.data_start
    repeated = {col: fold_name(labels[col]) for col in unit_cols}
    data = _Columns(all_rows[start:])
    skipped = _skipped(data, label_cols, repeated)
    picked = [r for r in range(start, len(all_rows)) if r - start not in skipped]
    while picked and picked[0] <= start + 1:
        if not _is_numbering(all_rows[picked[0]], unit_cols, list(figure_cols.values())):
            break
        picked.pop(0)
    # Usually every data row is kept: the columns already made serve as they are.
    cols = data if len(picked) == len(data.rows) else _Columns([all_rows[r] for r in picked])
    sub = cols.rows
    codes = list(figure_cols)
    issues: list[int] = []
    plain = [plain_column(cols[col]) for col in figure_cols.values()]
    columns = [
        parsed if parsed is not None else parse_column(cols[col], issues)
        for parsed, col in zip(plain, figure_cols.values(), strict=True)
    ]
    unit_col = name_col if name_col is not None else (code_col if code_col is not None else 0)
    part = _SheetPart(
        sheet.name,
        unit_col,
        labels.get(unit_col),
        {code: (col, labels[col]) for code, col in figure_cols.items()},
        code_col,
        name_col,
    )
    day_period = ctx.campaign.period(sheet_date) if sheet_date else None
    code_cells = cols[code_col] if code_col is not None else None
    if (
        not issues
        and date_col is None
        and day_period is not None
        and code_cells is not None
        and None not in plain  # every figure column whole: no blank, no bad cell
        and ctx.matcher.knows_codes(code_cells)
    ):
        # The common clean return: every row has figures, a registry code, no bad cell.
        n = len(sub)
        table.find_broken_in_columns(len(table.units), codes, columns)
        table.parts.extend([part] * n)
        table.raw.extend(sub)
        table.excel_rows.extend([r + 1 for r in picked])
        table.units.extend(code_cells)  # type: ignore[arg-type]
        table.days.extend([day_period] * n)
        table.values.add_columns(codes, columns, n)  # type: ignore[arg-type]
        table.bad.extend([False] * n)
        names = cols[name_col] if name_col is not None else None
        return _conflicts(ctx.matcher, part, code_cells, names, table.excel_rows[-n:]), False
    start_at = len(table.units)
    found = _read_rows_one_by_one(
        sheet, part, picked, (codes, columns, issues), date_col, day_period, ctx, table
    )
    table.find_broken(start_at)
    return found


def _read_rows_one_by_one(
    sheet: Any,
    part: _SheetPart,
    picked: list[int],
    parsed: tuple[list[str], list[list[Any]], list[int]],
    date_col: int | None,
    day_period: dt.date | None,
    ctx: _Context,
    table: _Table,
) -> tuple[list[Problem], bool]:
    """The general case: blank rows, bad cells, names to match, a date column."""
    codes, columns, issues = parsed
    bad_index = set(issues)
    figure_cols = {code: col for code, (col, _label) in part.columns_of.items()}
    labels = dict(part.columns_of.values())
    code_col, name_col = part.code_col, part.name_col
    all_rows = sheet.rows
    problems: list[Problem] = []
    no_date = False
    name = sheet.name
    match = ctx.matcher.match
    period = ctx.campaign.period
    n_codes = len(codes)
    for i, (r, vals) in enumerate(zip(picked, zip(*columns, strict=True), strict=False)):
        if vals.count(None) == n_codes:
            continue  # a note line or a unit that has not reported: nothing to take
        row = all_rows[r]
        width = len(row)
        excel_row = r + 1
        bad = False
        if i in bad_index:
            unit = _unit_label(row, code_col, name_col) or None
            vals = _cell_problems(
                problems, (name, excel_row, unit), row, codes, vals, figure_cols, labels
            )
            bad = True
        code_cell = row[code_col] if code_col is not None and code_col < width else None
        name_cell = row[name_col] if name_col is not None and name_col < width else None
        found = match(code_cell, name_cell)
        if found.code is None:
            unit_label = _unit_label(row, code_col, name_col)
            problems.append(
                Problem(
                    name,
                    excel_row,
                    part.unit_header,
                    unit_label or None,
                    "error",
                    "unknown_unit",
                    found.problem or "单位不在名册中",
                    part.unit_col,
                    unit_label or None,
                )
            )
            bad = True
        elif name_cell is not None and (other := ctx.matcher.name_conflict(found.code, name_cell)):
            problems.append(_conflict(ctx.matcher, part, found.code, other, name_cell, excel_row))
        report_day = day_period
        if date_col is not None:
            own = date_in_cell(row[date_col] if date_col < width else None, ctx.campaign)
            if own is not None:
                report_day = period(own)
                table.own_days[len(table.units)] = own
        if report_day is None:
            no_date = True
        table.parts.append(part)
        table.raw.append(row)
        table.excel_rows.append(excel_row)
        table.units.append(found.code)
        table.days.append(report_day)
        table.values.append(dict(zip(codes, vals, strict=True)))  # type: ignore[arg-type]
        table.bad.append(bad)
    return problems, no_date


def _conflicts(
    matcher: UnitMatcher,
    part: _SheetPart,
    codes: Sequence[object],
    names: Sequence[object] | None,
    excel_rows: list[int],
) -> list[Problem]:
    """code_name_mismatch on a block matched by its codes: only rows whose name is not
    the registry's name for the code are looked at."""
    if names is None:
        return []
    registered = matcher.names
    problems = []
    for code, name, excel_row in zip(codes, names, excel_rows, strict=True):
        if name is None or registered.get(code) == name:  # type: ignore[call-overload]
            continue
        other = matcher.name_conflict(str(code), name)
        if other is not None:
            problems.append(_conflict(matcher, part, str(code), other, name, excel_row))
    return problems


def _conflict(
    matcher: UnitMatcher, part: _SheetPart, code: str, other: str, name: object, excel_row: int
) -> Problem:
    col = part.name_col if part.name_col is not None else part.unit_col
    return Problem(
        part.name,
        excel_row,
        part.unit_header,
        shown(name),
        "warning",
        "code_name_mismatch",
        matcher.conflict_message(code, other, name),
        col,
        shown(name),
    )


def _cell_problems(
    problems: list[Problem],
    where: tuple[str, int, str | None],
    row: list[object],
    codes: list[str],
    vals: tuple[object, ...],
    figure_cols: dict[str, int],
    labels: dict[int, str],
) -> tuple[object, ...]:
    """Report the row's unreadable cells; they count as missing in what is returned.
    ``where``: the sheet, the Excel row and the row's unit as written."""
    sheet, excel_row, unit = where
    for code, value in zip(codes, vals, strict=True):
        if isinstance(value, CellIssue):
            col = figure_cols[code]
            raw = shown(row[col])
            problems.append(
                Problem(
                    sheet,
                    excel_row,
                    labels[col],
                    raw,
                    "error",
                    value.code,
                    f"{get_column_letter(col + 1)}{excel_row}单元格“{raw}”：{value.message}",
                    col,
                    unit,
                )
            )
    return tuple(None if isinstance(v, CellIssue) else v for v in vals)


def _decreases(engine: Engine, table: _Table, ctx: _Context) -> Iterator[Problem]:
    """Figures lower than the unit's previous week, a block of rows at a time (a generator:
    the caller keeps what fits under the cap and counts the rest)."""
    if ctx.latest_day is None:
        return  # nothing stored yet
    by_day: dict[dt.date, list[int]] = defaultdict(list)
    for k, (unit, day) in enumerate(zip(table.units, table.days, strict=True)):
        if unit is not None and day is not None:
            by_day[day].append(k)
    for day, ks in sorted(by_day.items()):
        if day > ctx.latest_day:
            previous = ctx.latest
        else:
            previous = returns_repo.previous_figures(engine, day)
        if previous:
            suspects = [k for k in ks if previous.get(table.units[k] or "")]
            for block in _blocks(suspects):
                yield from checks.decrease_problems([table.row(k) for k in block], previous)


_BLOCK_ROWS = 5_000


def _blocks(items: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(items), _BLOCK_ROWS):
        yield items[start : start + _BLOCK_ROWS]


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


def check_again(
    engine: Engine,
    file_name: str,
    content: bytes,
    report_date: dt.date | None,
    stored: Sequence[dict[str, Any]] = (),
) -> FileResult:
    """An archived file checked again (to send its 退回修改表 later, from 导入记录), with
    the rows the office held back when it was imported (from its stored problems)."""
    result = check_file(engine, file_name, content, report_date=report_date)
    held = {
        (str(p.get("sheet")), int(p["row"]))
        for p in stored
        if p.get("code") == HELD_BACK and p.get("row") is not None
    }
    return hold_back(result, held, UnitMatcher.from_engine(engine).names)


def replaced_rows(engine: Engine, import_id: int) -> int:
    """How many rows of an import in force a later correction has replaced (0: all current)."""
    with engine.connect() as conn:
        return returns_repo.superseded_rows(conn, import_id)


def already_imported(engine: Engine, content: bytes) -> int | None:
    """The id of an import in force of exactly these bytes (storing them again changes nothing)."""
    with engine.connect() as conn:
        return returns_repo.find_active_import(conn, returns_repo.sha256_of(content))


# --- tables for the pages --------------------------------------------------------------------
_SEVERITY_ZH = {"error": "错误", "warning": "提醒"}
STATUS_ZH = {"checked": "待确认", "imported": "已入库", "rejected": "已拒收", "undone": "已撤销"}


def problems_frame(result: FileResult) -> pd.DataFrame:
    """The problems as the upload page shows them (工作表, 行, 单位, 列, 值, 级别, 问题), in
    sheet and row order, problems about the whole file first; the page names the file."""
    ordered = sorted(result.problems, key=problem_order(result))
    return pd.DataFrame(
        [
            {
                "工作表": p.sheet or "（整个文件）",
                "行": "" if p.row is None else str(p.row),
                "单位": p.unit or "",
                "列": p.column or "",
                "值": p.value or "",
                "级别": _SEVERITY_ZH.get(p.severity, p.severity),
                "问题": p.message,
            }
            for p in ordered
        ],
        columns=["工作表", "行", "单位", "列", "值", "级别", "问题"],
    )


def problem_order(result: FileResult) -> Any:
    """Sort key: whole-file problems first, then by sheet (as in the file) and row."""
    sheets = {name: i for i, name in enumerate(result.sheets)}

    def key(p: Problem) -> tuple[int, int, int]:
        if p.sheet is None or p.row is None:
            return (0, 0, 0)
        return (1, sheets.get(p.sheet, len(sheets)), p.row)

    return key


def accepted_frame(result: FileResult, names: dict[str, str] | None = None) -> pd.DataFrame:
    """The rows that will be stored: unit, report day, one column per indicator present."""
    names = names or {}
    present: list[str] = []
    for row in result.accepted:
        for code in row["values"]:
            if code not in present:
                present.append(code)
    records = [
        {
            "单位编码": row["unit_code"],
            "单位名称": names.get(row["unit_code"], ""),
            "统计截止日": row["report_date"],
            "工作表": row["sheet"],
            "行": row["row"],
            **{indicator(code).label: row["values"].get(code) for code in present},
        }
        for row in result.accepted
    ]
    columns = ["单位编码", "单位名称", "统计截止日", "工作表", "行"]
    columns += [indicator(code).label for code in present]
    frame = pd.DataFrame(records, columns=columns)
    for code in present:
        frame[indicator(code).label] = frame[indicator(code).label].astype("Int64")
    return frame


def rows_to_confirm(result: FileResult, names: dict[str, str] | None = None) -> pd.DataFrame:
    """The rows to be stored with their warnings (提醒), rows with a warning first: what
    the office looks at before confirming, and may hold back."""
    notes: dict[tuple[str, int], list[str]] = defaultdict(list)
    for p in result.problems:
        if p.severity == "warning" and p.sheet is not None and p.row is not None:
            notes[(p.sheet, p.row)].append(p.message)
    frame = accepted_frame(result, names)
    keys = zip(frame["工作表"], frame["行"], strict=True)
    frame.insert(5, "提醒", ["；".join(notes.get((s, int(r)), [])) for s, r in keys])
    order = frame["提醒"].eq("").to_numpy().argsort(kind="stable")
    return frame.iloc[order].reset_index(drop=True)
