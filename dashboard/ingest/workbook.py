"""The workbook model: what a parse of an upload gives, on both sides of the sandbox.

``reader`` (in the worker) makes these objects; ``sandbox`` (in the app) rebuilds them from
the worker's reply and finishes each chunk of rows as it arrives (``clean_rows``,
``settle_rows``); the pipeline and the registry read them.  Nothing here parses bytes, so
the app and the worker both import this module and neither imports the other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from dashboard.ingest.formats import MAX_CELLS

__all__ = [
    "Sheet",
    "Workbook",
    "as_text",
    "clean_rows",
    "drop_blank_tail",
    "has_cells",
    "has_content",
    "set_cell",
    "settle_rows",
]


@dataclass
class Sheet:
    """One worksheet; ``rows[r][c]`` is the cell at Excel row r+1, column c+1.

    Rows are padded from A1 and all have the same width; trailing empty rows are dropped.
    Values: None (blank), str, int, float (whole numbers may stay float), bool, date, datetime.
    Formula cells hold their cached value; a cached error is its text ("#DIV/0!"); times of
    day and durations are text ("10:30:00"); CSV cells are always text. ``merged`` lists
    (first_row, first_col, last_row, last_col), 0-based inclusive. Chart sheets are left out.
    """

    name: str
    visible: bool
    rows: list[list[object]]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    # Only between ``read_cells(stream=True)`` and the worker's sender: the parser's sheet
    # whose rows are read while they are sent, and the error cells to set once they are in.
    source: Any = field(default=None, repr=False, compare=False)
    patches: list[tuple[int, int, str]] = field(default_factory=list, repr=False, compare=False)


@dataclass
class Workbook:
    file_name: str
    format: str  # "xlsx" | "xlsm" | "xls" | "xlsb" | "ods" | "csv"
    sheets: list[Sheet]


def clean_rows(rows: list[list[object]], start: int, stop: int) -> None:
    """calamine's blank cell ``""`` → ``None`` in ``rows[start:stop]``, in place.

    The rows are fresh lists, owned by the caller. Blanks are found with ``list.index``
    (C speed) rather than a comprehension that rebuilds every row holding one.
    """
    for row in rows[start:stop]:
        at = -1
        for _ in range(row.count("")):
            at = row.index("", at + 1)
            row[at] = None


def drop_blank_tail(rows: list[list[object]]) -> None:
    while rows and all(v is None or v == "" for v in rows[-1]):
        rows.pop()


def set_cell(rows: list[list[object]], r: int, c: int, value: object) -> None:
    """Set a cell, growing the (rectangular) grid if it lies beyond the read extent."""
    if r * max(c + 1, len(rows[0]) if rows else 0) > MAX_CELLS:
        return
    width = max(len(rows[0]) if rows else 0, c + 1)
    if rows and len(rows[0]) < width:
        for i, row in enumerate(rows):
            rows[i] = [*row, *([None] * (width - len(row)))]
    while len(rows) <= r:
        rows.append([None] * width)
    if rows[r][c] is None or rows[r][c] == "":
        rows[r][c] = value


def settle_rows(rows: list[list[object]], patches: list[tuple[int, int, str]]) -> None:
    """A streamed sheet's last steps, on its cleaned rows: error cells, trailing blank rows."""
    for r, c, text in patches:
        set_cell(rows, r, c, text)
    drop_blank_tail(rows)


def has_cells(rows: list[list[object]]) -> bool:
    """Any cell that is not blank (whitespace-only text counts as blank)?"""
    for row in rows:
        for v in row:
            if v is not None and not (isinstance(v, str) and not v.strip()):
                return True
    return False


def has_content(sheets: list[Sheet]) -> bool:
    return any(has_cells(s.rows) for s in sheets)


def as_text(value: object) -> str:
    """A time of day or a duration as the text the interface shows."""
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        seconds = int(value.total_seconds())
        return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    return str(value)
