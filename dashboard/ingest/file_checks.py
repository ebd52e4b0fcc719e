"""The checks on a return as a file: its return sheets and headers, its columns, its dates,
and the outcome they lead to.  The rows themselves go through the row engine (``rows``).

``read_return`` finds every visible sheet's header, reports column problems (a second column
for one indicator, a column of figures that names nothing), dates the file (title, notes,
cover sheet, sheet name, file name, else the user's date) and reads the rows into a
``RowTable``.  ``finish_check`` runs the row checks and decides the outcome.  Between the
two the caller may add the previous figures of older weeks to the context
(``CheckContext.older_days`` names them): nothing here reads the database.

The report date of a row: its own date column, else the sheet's title and note rows, else
the file name, else the date the user gave — a file's own date is never overridden, so one
date typed for a batch only fills the files without one.  A unit found twice for the same
week is an error on every occurrence (no guessing which one is right).  Rows whose figure
cells are all blank are skipped, not stored as zeros.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from dashboard.core.catalogue import NOT_FIGURE_WORDS, indicator, normalise_header
from dashboard.core.problems import Problem
from dashboard.ingest.context import CheckContext
from dashboard.ingest.dates import (
    Campaign,
    date_in_file_name,
    date_in_notes,
    date_in_rows,
    date_in_text,
    date_on_cover,
)
from dashboard.ingest.header import HeaderMap, find_header
from dashboard.ingest.results import PAGE_DATE_HINT, FileResult
from dashboard.ingest.rows import RowTable, check_table, read_rows
from dashboard.ingest.workbook import Sheet, Workbook

__all__ = ["ReadReturn", "finish_check", "read_return"]


@dataclass
class ReadReturn:
    """A return read and dated, its rows not yet checked."""

    result: FileResult
    table: RowTable
    file_date: dt.date | None

    def days(self) -> set[dt.date]:
        pairs = zip(self.table.units, self.table.days, strict=True)
        return {day for unit, day in pairs if unit is not None and day is not None}


def read_return(
    workbook: Workbook, ctx: CheckContext, date_hint: str = PAGE_DATE_HINT
) -> ReadReturn | FileResult:
    """The file's sheets, header, columns, dates and rows; a rejected ``FileResult`` when it
    holds no return sheet or no report date."""
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
    table = RowTable()
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
        problems, no_date = read_rows(sheet, header, sheet_date, ctx, table)
        result.add_problems(problems)
        missing_date = missing_date or no_date
    if missing_date:
        return _reject(
            result,
            "no_date",
            "无法确定统计截止日期：表内没有日期列，标题、表下注释、封面、工作表名和文件名中"
            f"也没有日期。{date_hint}，或在标题中写明“截至X月X日”后重新上传",
        )
    return ReadReturn(result, table, file_date)


def finish_check(read: ReadReturn, ctx: CheckContext) -> FileResult:
    """The row checks, then the outcome: what is accepted, the file's report date."""
    result, table, file_date = read.result, read.table, read.file_date
    check_table(table, ctx, result)
    if any(p.code == "duplicate_column" for p in result.problems):
        result.status = "rejected"  # which column holds the figure is in doubt: store nothing
        result.report_date = ctx.campaign.period(file_date) if file_date else None
        return result
    accepted = table.accepted()
    result.accepted = accepted
    dates = Counter(accepted.report_dates) or Counter(day for day in table.days if day)
    fallback = ctx.campaign.period(file_date) if file_date else None
    result.report_date = dates.most_common(1)[0][0] if dates else fallback
    result.note_dropped()
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


def _reject(result: FileResult, code: str, message: str) -> FileResult:
    result.problems.insert(0, Problem(None, None, None, None, "error", code, message))
    result.status = "rejected"
    result.accepted = []
    return result


def _file_date(
    found: list[tuple[Sheet, HeaderMap]], workbook: Workbook, campaign: Campaign
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


def _column_problems(sheet: Sheet, header: HeaderMap) -> list[Problem]:
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
