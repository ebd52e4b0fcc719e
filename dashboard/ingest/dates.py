"""The report date of a return and the weekly period it belongs to.

Where it can stand, in order: a date column (per row), the title and note rows above the
header ("截至2023年10月27日", 2023.10.27, 2023/10/27, 2023-10-27, "10月27日" with the
campaign's year), a note line under the table ("注：数据截至10月27日"), a cover sheet
(封面 with 统计截止日期 beside or under its label), the sheet name, the file name.  Any date maps to the report day on or
after it (``core.periods.report_day_for``).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from dashboard.core.periods import report_day_for
from dashboard.core.settings import Settings

__all__ = [
    "COVER_COLS",
    "COVER_ROWS",
    "CUT_OFF_WORDS",
    "NOTE_ROWS",
    "Campaign",
    "date_in_cell",
    "date_in_file_name",
    "date_in_notes",
    "date_in_rows",
    "date_in_text",
    "date_on_cover",
]

_FULL = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[年./\-_]\s*(\d{1,2})\s*[月./\-_]\s*(\d{1,2})(?!\d)")
_COMPACT = re.compile(r"(?<!\d)((?:19|20)\d{2})(\d{2})(\d{2})(?!\d)")
_MONTH_DAY = re.compile(r"(?<!\d)(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


@dataclass(frozen=True)
class Campaign:
    """What dates need from the settings: the campaign's span and its weekly report day."""

    start: dt.date
    end: dt.date
    report_weekday: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Campaign:
        return cls(settings.start_date, settings.end_date, settings.report_weekday)

    def period(self, day: dt.date) -> dt.date:
        return report_day_for(day, self.report_weekday)

    def year_for(self, month: int, day: int) -> dt.date | None:
        """``month``/``day`` in the campaign year that puts it inside (or nearest) the span."""
        best: tuple[int, dt.date] | None = None
        for year in range(self.start.year - 1, self.end.year + 2):
            try:
                candidate = dt.date(year, month, day)
            except ValueError:
                continue
            if self.start <= candidate <= self.end + dt.timedelta(days=7):
                distance = 0
            else:
                distance = min(abs((candidate - self.start).days), abs((candidate - self.end).days))
            if best is None or distance < best[0]:
                best = (distance, candidate)
        return best[1] if best else None


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def date_in_text(text: str, campaign: Campaign) -> dt.date | None:
    """The report date written in ``text`` (a title, a note, a file name).

    When several dates appear ("2023年9月1日至10月27日") the latest is the cut-off; a date
    followed by 前 is a deadline ("请于10月30日前报送"), not the report date.
    """
    folded = unicodedata.normalize("NFKC", text)
    found: list[dt.date] = []
    for pattern in (_FULL, _COMPACT):
        for match in pattern.finditer(folded):
            day = _safe_date(*(int(g) for g in match.groups()))
            if day is not None and not _is_deadline(folded, match.end()):
                found.append(day)
    for match in _MONTH_DAY.finditer(folded):
        day = campaign.year_for(int(match.group(1)), int(match.group(2)))
        if day is not None and not _is_deadline(folded, match.end()):
            found.append(day)
    return max(found) if found else None


def _is_deadline(text: str, end: int) -> bool:
    rest = text[end : end + 5].lstrip().removeprefix("日").removeprefix("号").lstrip()
    return rest.startswith(("前", "之前", "以前"))


_FILE_MONTH_DAY = re.compile(r"(?<![\d.])(\d{1,2})[.](\d{1,2})(?![\d])(?!\.\d)")


def date_in_file_name(name: str, campaign: Campaign) -> dt.date | None:
    """A date in a file name; besides the usual forms also ``周报10.27.xlsx``."""
    stem = name.rsplit("/", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    found = date_in_text(stem, campaign)
    if found is not None:
        return found
    for match in _FILE_MONTH_DAY.finditer(unicodedata.normalize("NFKC", stem)):
        month, day = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12:
            found = campaign.year_for(month, day)
            if found is not None:
                return found
    return None


def date_in_cell(value: object, campaign: Campaign) -> dt.date | None:
    """A date column's cell: a real date, an Excel serial number, or text."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20000 < value < 80000:  # an Excel serial day number (1954–2119)
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        return None
    if isinstance(value, str) and value.strip():
        return date_in_text(value, campaign)
    return None


def date_in_rows(rows: Iterable[list[object]], campaign: Campaign) -> dt.date | None:
    """The first date written in the cells of title or note rows."""
    for row in rows:
        for value in row:
            if isinstance(value, dt.date):
                return value.date() if isinstance(value, dt.datetime) else value
            if isinstance(value, str) and value.strip():
                found = date_in_text(value, campaign)
                if found is not None:
                    return found
    return None


CUT_OFF_WORDS = ("截至", "截止", "统计日期", "统计时间", "报告期", "报送期", "数据日期")
NOTE_ROWS = 15  # note lines under a table are looked for in its last rows
COVER_ROWS, COVER_COLS = 60, 30


def _labelled(text: str) -> bool:
    folded = unicodedata.normalize("NFKC", text)
    return any(word in folded for word in CUT_OFF_WORDS)


def date_in_notes(rows: list[list[object]], campaign: Campaign) -> dt.date | None:
    """A cut-off date written in a note line at the foot of a sheet (text naming 截至…)."""
    for row in rows[-NOTE_ROWS:]:
        for value in row:
            if isinstance(value, str) and _labelled(value):
                found = date_in_text(value, campaign)
                if found is not None:
                    return found
    return None


def date_on_cover(rows: list[list[object]], campaign: Campaign) -> dt.date | None:
    """The cut-off date of a cover sheet: in a cell naming it (统计截止日期：2023年10月27日),
    in the next filled cell to its right or the cell under it; else the first date the
    cover holds."""
    grid = [row[:COVER_COLS] for row in rows[:COVER_ROWS]]
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            if not (isinstance(value, str) and _labelled(value)):
                continue
            found = date_in_text(value, campaign)
            if found is not None:
                return found
            right = next((v for v in row[c + 1 :] if v not in (None, "")), None)
            below = grid[r + 1][c] if r + 1 < len(grid) and c < len(grid[r + 1]) else None
            for cell in (right, below):
                found = date_in_cell(cell, campaign)
                if found is not None:
                    return found
    return date_in_rows(grid, campaign)
