"""A small hand-made city for the report tests, with answers worked out by hand.

Tree (15 units)::

    01 示范市 (level 1)
      0101 甲县 (2)           0102 乙县 (2)
        010101 甲一镇 (3)        010201 乙一镇 (3)
          01010101 甲一村 (4)      01020101 乙一村 (4)
          01010102 甲二村 (4)      01020102 乙二村 (4)
        010102 甲二镇 (3)        010202 乙二镇 (3)
          01010201 甲三村 (4)      01020201 乙三村 (4)
          01010202 甲四村 (4)      01020202 乙四村 (4)

Weeks W1 = 2023-10-13, W2 = 10-20, W3 = 10-27.

- HOT profile, every unit except 乙县's villages: every indicator = 10 × week number
  (10, 20, 30).  All rates 1.0, everything moves every week.
- COLD profile, 乙县's four villages: every indicator = 1, except 检视问题数, 整改措施数 and
  调研课题数 = 10; the same every week.  Rates 0.1; nothing ever moves.
- 乙四村 (01020202) does not report in W3 (no row).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Engine, insert

from dashboard.core.catalogue import INDICATOR_CODES
from dashboard.core.settings import Settings, defaults
from dashboard.store import repo, returns_repo
from dashboard.store.schema import units as units_table

W1, W2, W3 = dt.date(2023, 10, 13), dt.date(2023, 10, 20), dt.date(2023, 10, 27)
WEEKS = (W1, W2, W3)
COLD_VILLAGES = ("01020101", "01020102", "01020201", "01020202")
SILENT_IN_W3 = "01020202"

UNITS: list[tuple[str, str, str | None, str, int]] = [
    ("01", "示范市", None, "党政机关", 1),
    ("0101", "甲县", "01", "党政机关", 2),
    ("010101", "甲一镇", "0101", "乡镇（街道）", 3),
    ("01010101", "甲一村", "010101", "村（社区）", 4),
    ("01010102", "甲二村", "010101", "村（社区）", 4),
    ("010102", "甲二镇", "0101", "乡镇（街道）", 3),
    ("01010201", "甲三村", "010102", "村（社区）", 4),
    ("01010202", "甲四村", "010102", "村（社区）", 4),
    ("0102", "乙县", "01", "党政机关", 2),
    ("010201", "乙一镇", "0102", "乡镇（街道）", 3),
    ("01020101", "乙一村", "010201", "村（社区）", 4),
    ("01020102", "乙二村", "010201", "村（社区）", 4),
    ("010202", "乙二镇", "0102", "乡镇（街道）", 3),
    ("01020201", "乙三村", "010202", "村（社区）", 4),
    ("01020202", "乙四村", "010202", "村（社区）", 4),
]


def units_frame() -> pd.DataFrame:
    frame = pd.DataFrame(UNITS, columns=["code", "name", "parent_code", "category", "level"])
    frame["aliases"] = ""
    frame["sort_order"] = range(len(frame))
    frame["retired"] = False
    return frame


def hot(week: int) -> dict[str, int]:
    return dict.fromkeys(INDICATOR_CODES, 10 * week)


def cold() -> dict[str, int]:
    values = dict.fromkeys(INDICATOR_CODES, 1)
    values.update(problems_found=10, measures_set=10, survey_topics=10)
    return values


def figure_rows() -> list[tuple[str, dt.date, dict[str, int]]]:
    """(unit_code, report_date, figures) for every stored return."""
    rows = []
    for number, day in enumerate(WEEKS, start=1):
        for code, *_ in UNITS:
            if code == SILENT_IN_W3 and day == W3:
                continue
            rows.append((code, day, cold() if code in COLD_VILLAGES else hot(number)))
    return rows


def figures_frame() -> pd.DataFrame:
    records = [
        {"unit_code": code, "report_date": pd.Timestamp(day), **values}
        for code, day, values in figure_rows()
    ]
    frame = pd.DataFrame.from_records(records)
    for code in INDICATOR_CODES:
        frame[code] = frame[code].astype("Int64")
    return frame


def settings() -> Settings:
    values = defaults()
    values["end_date"] = "2024-01-31"
    return Settings(values)


def fill_database(engine: Engine) -> None:
    """Store this city: units by SQL, each week's returns through ``save_upload``."""
    with engine.begin() as conn:
        conn.execute(
            insert(units_table),
            [
                {
                    "code": code,
                    "name": name,
                    "parent_code": parent,
                    "category": category,
                    "level": level,
                    "aliases": "",
                    "sort_order": i,
                    "retired": False,
                }
                for i, (code, name, parent, category, level) in enumerate(UNITS)
            ],
        )
    rows = figure_rows()
    for day in WEEKS:
        returns_repo.save_upload(
            engine,
            file_name=f"周报{day:%m%d}.xlsx",
            content=f"returns of {day}".encode(),
            status="imported",
            rows=[
                {"unit_code": code, "report_date": d, "figures": values, "sheet": None, "row": None}
                for code, d, values in rows
                if d == day
            ],
            report_date=day,
        )
    repo.set_settings(engine, {"end_date": "2024-01-31"})
