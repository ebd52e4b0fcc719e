"""Reading only the figures a week's report needs, so its cost does not grow with the
campaign's length.

A week's report needs the last few report weeks (``report.window_size``) and, for every
unit, its latest figures before them (cumulative values carried forward).  ``load_window``
reads exactly that: the window's current rows plus each unit's latest current row before
the window (found in SQL, one row per unit).  The frame has the shape of
``repo.load_figures``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Engine, Text, and_, cast, func, select

from dashboard.core.catalogue import INDICATOR_CODES
from dashboard.store import repo
from dashboard.store.schema import figures


def _frame(rows: Sequence[Any]) -> pd.DataFrame:
    """Rows of (unit_code, report_date, figures as JSON text) → the load_figures frame.

    The JSON texts are parsed in ONE call (a JSON array of them): about twice as fast as
    letting the driver decode each row.
    """
    head = pd.DataFrame(
        {
            "unit_code": pd.Series([r[0] for r in rows], dtype="str"),
            "report_date": pd.to_datetime(pd.Series([r[1] for r in rows], dtype="object")),
        }
    )
    records = json.loads("[" + ",".join(r[2] or "{}" for r in rows) + "]")
    values = pd.DataFrame.from_records(records, columns=list(INDICATOR_CODES))
    values = values.reindex(columns=list(INDICATOR_CODES)).astype("Int64")
    frame = pd.concat([head, values], axis=1)
    return frame.sort_values(["report_date", "unit_code"], ignore_index=True)


def load_window(
    engine: Engine, report_date: dt.date | None, weeks: int | None
) -> tuple[pd.DataFrame, list[dt.date]]:
    """(figures, report days up to ``report_date``) for a report over the last ``weeks``
    report weeks (every week when None).  Without ``report_date``: the latest week.

    Each unit's starting values are its latest current row before the window (if that row is
    entirely blank the unit starts the window without carried values).
    """
    days = repo.report_dates(engine)
    if report_date is None and days:
        report_date = days[-1]
    upto = [d for d in days if report_date is None or d <= report_date]
    if not upto:
        return _frame([]), []
    window = upto[-weeks:] if weeks else upto
    start, end = window[0], upto[-1]
    cols = (figures.c.unit_code, figures.c.report_date, cast(figures.c.figures, Text))
    inside = select(*cols).where(
        figures.c.is_current.is_(True),
        figures.c.report_date >= start,
        figures.c.report_date <= end,
    )
    latest = (
        select(figures.c.unit_code, func.max(figures.c.report_date).label("day"))
        .where(figures.c.is_current.is_(True), figures.c.report_date < start)
        .group_by(figures.c.unit_code)
        .subquery()
    )
    before = (
        select(*cols)
        .join(
            latest,
            and_(figures.c.unit_code == latest.c.unit_code, figures.c.report_date == latest.c.day),
        )
        .where(figures.c.is_current.is_(True))
    )
    with engine.connect() as conn:
        rows = list(conn.execute(inside).all())
        if start > upto[0]:
            rows += list(conn.execute(before).all())
    return _frame(rows), upto
