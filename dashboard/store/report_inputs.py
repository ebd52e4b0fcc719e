"""Reading only the figures a week's report needs, so its cost does not grow with the
campaign's length.

A week's report needs the last few report weeks (``report.window_size``) and, for every
unit, its latest figures before them (cumulative values carried forward).  ``load_window``
reads exactly that: the window's current rows plus each unit's latest current row before
the window (found in SQL, one row per unit), and older rows only for the few units whose
latest row left a figure blank.  The frame has the shape of ``repo.load_figures``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.json as pa_json
from sqlalchemy import Connection, Engine, String, Text, and_, cast, func, select

from dashboard.core.catalogue import INDICATOR_CODES
from dashboard.store.schema import figures, units

__all__ = ["load_window", "report_days"]

_SCHEMA = pa.schema([(code, pa.float64()) for code in INDICATOR_CODES])


def _values(texts: list[str]) -> pd.DataFrame:
    """JSON objects {indicator: int|None} → one float64 column per indicator (NaN = blank).

    Arrow's JSON reader lays the values out column by column in C (about twice as fast as
    json.loads into dicts and a DataFrame from them); keys outside the catalogue are ignored.
    Anything it cannot read as numbers goes the slow way.
    """
    try:
        table = pa_json.read_json(
            io.BytesIO("\n".join(texts).encode()),
            read_options=pa_json.ReadOptions(use_threads=False, block_size=1 << 26),
            parse_options=pa_json.ParseOptions(
                explicit_schema=_SCHEMA, unexpected_field_behavior="ignore"
            ),
        )
        return table.to_pandas()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        frame = pd.DataFrame(json.loads("[" + ",".join(texts) + "]"))
        return frame.reindex(columns=list(INDICATOR_CODES)).astype("float64")


def _frame(rows: Sequence[Any]) -> pd.DataFrame:
    """Rows of (unit_code, report_date, figures as JSON text) → the load_figures frame.

    The JSON texts are parsed in ONE call and laid out as columns directly: several times
    faster than letting the driver decode each row.
    """
    if not rows:
        frame = pd.DataFrame(columns=list(INDICATOR_CODES), dtype="float64")
    else:
        frame = _values([r[2] or "{}" for r in rows])
    frame = frame.astype("Int64")
    frame.insert(0, "unit_code", pd.Series([r[0] for r in rows], dtype="str"))
    frame.insert(1, "report_date", pd.to_datetime(pd.Series([r[1] for r in rows], dtype="object")))
    return frame.sort_values(["report_date", "unit_code"], ignore_index=True)


def load_window(
    engine: Engine,
    report_date: dt.date | None,
    weeks: int | None,
    indicators: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, list[dt.date]]:
    """(figures, report days up to ``report_date``) for a report over the last ``weeks``
    report weeks (every week when None).  Without ``report_date``: the latest week.

    With ``indicators``, only those figures are read (extracted from the JSON column by the
    database); the other indicator columns are all NA.

    Each unit's starting values are those of its latest current row before the window.  A
    unit that left a figure blank in that row also brings its older rows, so the figure it
    last gave carries forward as with the full history (blank = not reported, not zero).
    """
    days = report_days(engine)
    if report_date is None and days:
        report_date = days[-1]
    upto = [d for d in days if report_date is None or d <= report_date]
    if not upto:
        return _frame([]), []
    window = upto[-weeks:] if weeks else upto
    start, end = window[0], upto[-1]
    # Dates come back as ISO text: pandas parses a column of them at once, far faster than
    # the driver's per-row date objects.
    day_text = cast(figures.c.report_date, String)
    cols: tuple[Any, ...] = (
        (figures.c.unit_code, day_text, cast(figures.c.figures, Text))
        if indicators is None
        else (
            figures.c.unit_code,
            day_text,
            *[figures.c.figures[code].as_integer() for code in indicators],
        )
    )
    inside = select(*cols).where(
        figures.c.is_current.is_(True),
        figures.c.report_date >= start,
        figures.c.report_date <= end,
    )
    make = _frame if indicators is None else lambda rows: _frame_of(rows, list(indicators))
    with engine.connect() as conn:
        rows = _fetch(conn, inside)
        if start <= upto[0]:
            return make(rows), upto
        before = _latest_before(conn, start, cols)
        frame = make(rows + before)
        gaps = _blank_at_start(frame, pd.Timestamp(start))
        if gaps:
            older = _fetch(conn, _rows_before(cols, start, gaps))
            seen = {(row[0], row[1]) for row in before}
            frame = make(rows + before + [row for row in older if (row[0], row[1]) not in seen])
    return frame, upto


def _blank_at_start(frame: pd.DataFrame, start: pd.Timestamp) -> list[str]:
    """Units whose starting row (their latest before the window) leaves blank a figure that
    some unit's starting row holds: an older row may hold it, to be carried forward."""
    prior = frame[frame["report_date"] < start]
    used = [code for code in INDICATOR_CODES if prior[code].notna().any()]
    if prior.empty or not used:
        return []
    return sorted(set(prior.loc[prior[used].isna().any(axis=1), "unit_code"]))


def _rows_before(cols: tuple[Any, ...], start: dt.date, unit_codes: list[str]) -> Any:
    """Every current row of these units dated before ``start`` (a few units, as a rule)."""
    return select(*cols).where(
        figures.c.is_current.is_(True),
        figures.c.report_date < start,
        figures.c.unit_code.in_(unit_codes),
    )


def _fetch(conn: Connection, query: Any) -> list[Any]:
    """All rows as the driver's tuples.  The columns read here are plain text and numbers,
    so SQLAlchemy's per-row result processing only costs time (a third of the fetch)."""
    return list(conn.execute(query).cursor.fetchall())


def report_days(engine: Engine) -> list[dt.date]:
    """Report days that hold current figures, oldest first (as ``repo.report_dates``).

    Walks the (is_current, report_date) index from one day to the next (a recursive query:
    one index seek per report day) instead of reading every current row: the cost follows
    the number of weeks, not units × weeks.
    """
    current = figures.c.is_current.is_(True)
    days = (
        select(func.min(figures.c.report_date).label("day"))
        .where(current)
        .cte("days", recursive=True)
    )
    following = (
        select(func.min(figures.c.report_date))
        .where(current, figures.c.report_date > days.c.day)
        .scalar_subquery()
    )
    days = days.union_all(select(following).where(days.c.day.is_not(None)))
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(select(days.c.day).where(days.c.day.is_not(None)))]


def _frame_of(rows: Sequence[Any], indicators: list[str]) -> pd.DataFrame:
    """Rows of (unit_code, report_date, one integer per indicator) → the load_figures frame."""
    columns = list(zip(*rows, strict=True)) if rows else [()] * (2 + len(indicators))
    values = pd.DataFrame(
        {
            code: np.array(column, dtype="float64")  # None → NaN
            for code, column in zip(indicators, columns[2:], strict=True)
        }
    )
    out = values.reindex(columns=list(INDICATOR_CODES)).astype("float64").astype("Int64")
    out.insert(0, "unit_code", pd.Series(columns[0], dtype="str"))
    out.insert(1, "report_date", pd.to_datetime(pd.Series(columns[1], dtype="object")))
    return out.sort_values(["report_date", "unit_code"], ignore_index=True)


def _latest_before(conn: Connection, start: dt.date, cols: tuple[Any, ...]) -> list[Any]:
    """Each registered unit's latest current row dated before ``start``.

    Per unit: its latest day before ``start`` (one index seek on (unit_code, report_date)),
    then the id of that day's row (another seek; the current row first), then that row by
    its primary key, so only one row per unit leaves the database.  A join, or a filter on
    is_current in the subqueries, lets SQLite pick the (is_current, report_date) index and
    read thousands of rows per unit (seconds on a long campaign).  A unit whose
    latest row on that day is no longer current (an undone import) falls back to a grouped
    query.
    """
    inner = figures.alias("inner_figures")
    latest = (
        select(
            units.c.code.label("code"),
            select(func.max(inner.c.report_date))
            .where(inner.c.unit_code == units.c.code, inner.c.report_date < start)
            .scalar_subquery()
            .label("day"),
        )
    ).subquery("latest")

    row_id = (  # the row of that day: the current one if there is one
        select(figures.c.id)
        .where(figures.c.unit_code == latest.c.code, figures.c.report_date == latest.c.day)
        .order_by(figures.c.is_current.desc(), figures.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    picked = (
        select(latest.c.code, latest.c.day, row_id.label("row_id"))
        .where(latest.c.day.is_not(None))
        .subquery("picked")
    )
    query = select(
        picked.c.code, cast(picked.c.day, String), figures.c.is_current, *cols[2:]
    ).select_from(picked.join(figures, figures.c.id == picked.c.row_id))
    found: list[Any] = []
    missing: list[str] = []
    for row in _fetch(conn, query):
        if not row[2]:
            missing.append(row[0])
        else:
            found.append((row[0], row[1], *row[3:]))
    if missing:
        fallback = (
            select(figures.c.unit_code, func.max(figures.c.report_date).label("day"))
            .where(
                figures.c.is_current.is_(True),
                figures.c.report_date < start,
                figures.c.unit_code.in_(sorted(missing)),
            )
            .group_by(figures.c.unit_code)
            .subquery()
        )
        found += list(
            conn.execute(
                select(*cols)
                .join(
                    fallback,
                    and_(
                        figures.c.unit_code == fallback.c.unit_code,
                        figures.c.report_date == fallback.c.day,
                    ),
                )
                .where(figures.c.is_current.is_(True))
            ).all()
        )
    return found
