"""The row engine: the data rows of a return, column by column, and the row checks on them.

``read_rows`` turns one sheet's data rows (under a found header) into a ``RowTable``: it
parses the figure columns (fast path: whole columns of clean numbers), matches units,
dates each row and reports unreadable cells, unknown units and code/name conflicts.
``check_table`` then runs the catalogue's rules, the duplicate check and the drop against
each unit's previous week on the rows that could break them.  Both read a ``CheckContext``
loaded up front (``ingest.context``); nothing here touches the database.

Public entry point for rows typed online (the same rules as the importer)::

    from dashboard.ingest.context import load_context
    from dashboard.ingest.rows import check_rows

    ctx = load_context(engine, days=[report_day])   # units, settings, previous figures
    problems = check_rows(ctx, frame, report_day)

``frame``: one row per unit, a ``unit_code`` column and a column per indicator code (values
as typed: whole numbers, None for blank, or text such as ``"１２"``, ``"无"``, ``"X"``: the
importer's cell rules apply).  The answer is a DataFrame with one line per problem:
``row`` (the frame's index label), ``column`` (``unit_code`` or the indicator code),
``severity`` (error | warning), ``code`` and ``message`` (Chinese, what to do).  Error rows
would not be stored by an import; warning rows would.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import compress
from operator import attrgetter, gt
from typing import Any, overload

import orjson
import pandas as pd
from openpyxl.utils import get_column_letter

from dashboard.core.catalogue import INDICATOR_CODES, RULES, TOTAL_ROW_WORDS, indicator
from dashboard.core.problems import Problem, ProblemCollector, shown
from dashboard.ingest import checks
from dashboard.ingest.context import CheckContext
from dashboard.ingest.dates import date_in_cell
from dashboard.ingest.header import Column, HeaderMap
from dashboard.ingest.matching import UnitMatcher, fold_name
from dashboard.ingest.results import AcceptedRows
from dashboard.ingest.values import CellIssue, parse_column, plain_column
from dashboard.ingest.workbook import Sheet

__all__ = [
    "ENTRY_COLUMNS",
    "RowTable",
    "blocks",
    "check_rows",
    "check_table",
    "read_rows",
    "superseded_note",
    "RowFigures",
    "json_template",
    "names_total",
]

_RowCheck = Callable[[list[checks.Row]], list[Problem]]

_NUMBERING_WORDS = frozenset({"甲", "乙", "丙", "栏次", "序号", "行次"})
_TOTAL_FOLDED = tuple(fold_name(w) for w in TOTAL_ROW_WORDS)


def _cell(row: list[object], col: int | None) -> object:
    if col is None or col >= len(row):
        return None
    value = row[col]
    if isinstance(value, str) and not value.strip():
        return None
    return value


def names_total(folded: str) -> bool:
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


class RowFigures(Sequence[dict[str, int | None]]):
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
            texts.extend(map(json_template(codes).__mod__, zip(*columns, strict=True)))
            done = start + (len(columns[0]) if columns else 0)
        texts.extend(_json(self[k]) for k in range(done, len(self)))
        return texts


def _json(values: dict[str, int | None]) -> str:
    return orjson.dumps(values).decode()


def json_template(codes: list[str]) -> str:
    """'{"a":%d,"b":%d}' for codes a, b: filled with a row of ints it is orjson's text."""
    keys = (orjson.dumps(code).decode().replace("%", "%%") for code in codes)
    return "{" + ",".join(f"{key}:%d" for key in keys) + "}"


@dataclass
class RowTable:
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
    values: RowFigures = field(default_factory=RowFigures)
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

    def check(self, run: _RowCheck, suspects: list[int]) -> list[Problem]:
        """Run a ``checks`` function on the suspect rows (in file order) and keep the error
        flags it sets. Rows that are not suspects could not yield a problem."""
        if not suspects:
            return []
        rows = [self.row(k) for k in suspects]
        problems = run(rows)
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
            if (total and "计" in value and names_total(folded)) or (
                label and first in value and last in value and folded == label
            ):
                skip.add(i)
    return skip


def read_rows(
    sheet: Any, header: HeaderMap, sheet_date: dt.date | None, ctx: CheckContext, table: RowTable
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
    found = _read_one_by_one(
        sheet, part, picked, (codes, columns, issues), date_col, day_period, ctx, table
    )
    table.find_broken(start_at)
    return found


def _read_one_by_one(
    sheet: Any,
    part: _SheetPart,
    picked: list[int],
    parsed: tuple[list[str], list[list[Any]], list[int]],
    date_col: int | None,
    day_period: dt.date | None,
    ctx: CheckContext,
    table: RowTable,
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
        table.values.append(dict(zip(codes, vals, strict=True)))
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


def superseded_note(table: RowTable) -> Problem:
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


def decreases(table: RowTable, ctx: CheckContext) -> Iterator[Problem]:
    """Figures lower than the unit's previous week, a block of rows at a time (a generator:
    the caller keeps what fits under the cap and counts the rest)."""
    if ctx.latest_day is None:
        return  # nothing stored yet
    by_day: dict[dt.date, list[int]] = defaultdict(list)
    for k, (unit, day) in enumerate(zip(table.units, table.days, strict=True)):
        if unit is not None and day is not None:
            by_day[day].append(k)
    for day, ks in sorted(by_day.items()):
        previous = ctx.previous(day)
        if previous:
            suspects = [k for k in ks if previous.get(table.units[k] or "")]
            for block in blocks(suspects):
                yield from checks.decrease_problems([table.row(k) for k in block], previous)


_BLOCK_ROWS = 5_000


def blocks(items: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(items), _BLOCK_ROWS):
        yield items[start : start + _BLOCK_ROWS]


def check_table(table: RowTable, ctx: CheckContext, found: ProblemCollector) -> None:
    """The row checks on a read table, into ``found``: the catalogue's rules, a unit twice
    for one week, a figure lower than the unit's previous week.

    They run a block of rows at a time: a file where every row breaks a rule never holds
    all its Row and Problem objects at once (the collector's cap drops the rest)."""
    for block in blocks(table.rule_suspects()):
        found.add_problems(table.check(checks.rule_problems, block))
    found.add_problems(table.check(checks.duplicate_problems, table.duplicate_suspects()))
    if table.superseded:
        found.problems.append(superseded_note(table))  # once per file, past any cap
    found.add_problems(decreases(table, ctx))


# --- rows typed online -----------------------------------------------------------------------
ENTRY_SHEET = "在线填报"
ENTRY_COLUMNS = ("row", "column", "severity", "code", "message")


@dataclass
class _Found(ProblemCollector):
    problems: list[Problem] = field(default_factory=list)
    dropped: Counter[tuple[str, str]] = field(default_factory=Counter)


def check_rows(ctx: CheckContext, frame: pd.DataFrame, report_date: dt.date) -> pd.DataFrame:
    """The importer's row rules on rows typed online (see the module docstring)."""
    codes = [c for c in frame.columns if c in INDICATOR_CODES]
    columns = [Column(0, "单位编码", "meta", "unit_code", 1.0)]
    columns += [Column(i + 1, indicator(c).label, "indicator", c, 1.0) for i, c in enumerate(codes)]
    header = HeaderMap(first_row=0, last_row=0, columns=columns)
    units = frame["unit_code"].tolist() if "unit_code" in frame.columns else [None] * len(frame)
    cells = [frame[c].tolist() for c in codes]
    rows: list[list[object]] = [[c.label for c in columns]]
    rows += [[_typed(u), *(_typed(col[k]) for col in cells)] for k, u in enumerate(units)]
    table = RowTable()
    found = _Found()
    problems, _no_date = read_rows(Sheet(ENTRY_SHEET, True, rows), header, report_date, ctx, table)
    found.add_problems(problems)
    check_table(table, ctx, found)
    labels = list(frame.index)
    keys = ["unit_code", *codes]
    records = [
        {
            "row": labels[p.row - 2]
            if p.row is not None and 2 <= p.row < len(labels) + 2
            else None,
            "column": keys[p.col_index]
            if p.col_index is not None and p.col_index < len(keys)
            else None,
            "severity": p.severity,
            "code": p.code,
            "message": p.message,
        }
        for p in found.problems
    ]
    return pd.DataFrame(records, columns=list(ENTRY_COLUMNS))


def _typed(value: object) -> object:
    """A typed value as a cell: pandas' missing values are blank."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    if isinstance(value, str) and not value.strip():
        return None
    return value.item() if hasattr(value, "item") else value
