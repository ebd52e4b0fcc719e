"""A small registry for entry tests: 市 → 2 县 → 2 镇 each (1 + 2 + 4 = 7 units)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, insert

from dashboard.store.schema import units

FRI = dt.date(2023, 10, 27)  # a report day (report_weekday 5)
PREV = dt.date(2023, 10, 20)

UNITS = [
    ("1", "青川市", None, 1),
    ("101", "甲县", "1", 2),
    ("10101", "甲县一镇", "101", 3),
    ("10102", "甲县二镇", "101", 3),
    ("102", "乙县", "1", 2),
    ("10201", "乙县一镇", "102", 3),
    ("10202", "乙县二镇", "102", 3),
]


def add_units(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(units),
            [
                {
                    "code": code,
                    "name": name,
                    "parent_code": parent,
                    "category": "党政机关",
                    "aliases": "",
                    "level": level,
                    "sort_order": i,
                    "retired": False,
                }
                for i, (code, name, parent, level) in enumerate(UNITS)
            ],
        )


def at(day: dt.date, hour: int) -> dt.datetime:
    """A moment on ``day`` (UTC)."""
    return dt.datetime.combine(day, dt.time(hour), dt.UTC)
