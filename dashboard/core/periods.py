"""Weekly report periods: any date belongs to the report day on or after it."""

from __future__ import annotations

import datetime as dt

__all__ = ["report_day_for", "report_days"]


def report_day_for(day: dt.date, report_weekday: int) -> dt.date:
    """The report day (ISO weekday 1–7) on or after ``day``.

    A return dated Thursday for a Friday deadline belongs to that Friday's period; one dated
    on the report day itself belongs to it.
    """
    ahead = (report_weekday - day.isoweekday()) % 7
    return day + dt.timedelta(days=ahead)


def report_days(start: dt.date, end: dt.date, report_weekday: int) -> list[dt.date]:
    """Every report day from the first one on or after ``start`` up to ``end`` inclusive."""
    first = report_day_for(start, report_weekday)
    days: list[dt.date] = []
    current = first
    while current <= end:
        days.append(current)
        current += dt.timedelta(days=7)
    return days
