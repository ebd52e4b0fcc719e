"""Per unit × report week measures, computed once for the whole registry with vectorised pandas.

Definitions (shown on the pages' 口径说明):

- A unit *reported* a week when it has a row for that report day with at least one non-blank
  figure.  Retired units are not expected.
- Figures are cumulative.  ``<indicator>`` is the value as reported that week (NA when blank
  or not reported); the *carried* value (``cur_<indicator>``) is the latest value the unit
  reported on or before that week, which is what totals and rates add up.
- ``inc_<indicator>`` (本周新增) = this week's reported value − the carried value of the
  previous report week; NA when either is missing.
- Rates come from ``catalogue.RATES`` (numerator / denominator of carried values; NA when
  the denominator is 0).  ``has_reading`` marks units with at least one reading class.
- ``moved`` counts the indicators whose carried value rose over the last ``stall_weeks``
  report weeks (NA while there is not that much history); a unit that reported this week
  and moved nothing is *stalled*.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from dashboard.core.catalogue import INDICATOR_CODES, PROBLEMS_CLOSED, RATES, READING_CLASSES

__all__ = [
    "CUR",
    "FIGS",
    "INC",
    "PACE_WEEKS",
    "RATE_CODES",
    "carried_values",
    "expected_units",
    "panel",
    "rate_values",
    "report_dates",
    "status_grid",
    "to_date",
    "totals",
    "usable_rows",
]

FIGS: list[str] = list(INDICATOR_CODES)
CUR: list[str] = [f"cur_{c}" for c in FIGS]
INC: list[str] = [f"inc_{c}" for c in FIGS]
RATE_CODES: list[str] = [r.code for r in RATES]
PACE_WEEKS = 3  # the closing pace is the average over (at most) the last 3 report weeks


def to_date(value: object) -> dt.date:
    """A ``datetime.date`` from a date, datetime, Timestamp or ISO text."""
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def expected_units(units: pd.DataFrame) -> pd.DataFrame:
    """Units that are expected to report (not retired), in registry order."""
    if "retired" in units.columns:
        units = units[~units["retired"].astype(bool)]
    return units.reset_index(drop=True)


def usable_rows(figures: pd.DataFrame) -> pd.DataFrame:
    """Figure rows with at least one non-blank value (a row of blanks is not a return)."""
    if figures.empty:
        return figures
    mask = figures[FIGS].notna().any(axis=1)
    return figures[mask]


def report_dates(figures: pd.DataFrame, until: dt.date | None = None) -> list[dt.date]:
    """Report days that hold at least one usable row, oldest first."""
    rows = usable_rows(figures)
    if rows.empty:
        return []
    days = sorted({to_date(d) for d in pd.to_datetime(rows["report_date"]).unique()})
    if until is not None:
        days = [d for d in days if d <= until]
    return days


def panel(
    units: pd.DataFrame,
    figures: pd.DataFrame,
    dates: Sequence[dt.date],
    stall_weeks: int = 2,
    all_dates: Sequence[dt.date] | None = None,
) -> pd.DataFrame:
    """One row per expected unit × report day in ``dates`` (sorted by unit, then day).

    ``dates`` may be a window of the campaign's report days: figure rows dated before
    ``dates[0]`` then only provide each unit's starting (carried) values, and ``all_dates``
    (every report day up to the last of ``dates``; default ``dates``) counts how many weeks in
    a row a unit has not reported.

    Columns: unit_code, report_date (Timestamp), week (0-based position in ``dates``),
    reported, the reported indicator values (float, NaN = blank), cur_* (carried), inc_*,
    rate codes, has_reading, moved (indicators moved over the stall window), stalled,
    missing_weeks, closed_before, pace_weeks and closing_pace.
    """
    stamps = pd.DatetimeIndex(pd.to_datetime(pd.Series(list(dates), dtype="object")))
    codes, grid, carried, base_date = _grid(units, figures, stamps, FIGS)
    index = grid.index
    prev = carried.groupby(level="unit_code", sort=False).shift(1)
    reported_all = grid.notna().any(axis=1)
    moved = _moved(carried, max(int(stall_weeks), 1), reported_all)
    pace_shift = {
        k: carried[PROBLEMS_CLOSED].groupby(level="unit_code", sort=False).shift(k).to_numpy()
        for k in range(1, PACE_WEEKS + 1)
    }
    keep = np.asarray(index.get_level_values("report_date").isin(stamps))
    frame = grid[keep].reset_index()
    frame["unit_code"] = np.asarray(frame["unit_code"], dtype=object)  # fast isin/map/merge
    n_dates = len(stamps)
    frame["week"] = np.tile(np.arange(n_dates), len(codes))
    frame["reported"] = reported_all.to_numpy()[keep]
    frame[CUR] = carried.to_numpy()[keep]
    frame[INC] = grid.to_numpy()[keep] - prev.to_numpy()[keep]
    frame = _add_rates(frame)
    frame["has_reading"] = frame[f"cur_{READING_CLASSES}"].fillna(0) >= 1
    frame["moved"] = moved[keep]
    frame["stalled"] = frame["reported"] & (frame["moved"] == 0)
    frame["missing_weeks"] = _missing_streak(frame, base_date, all_dates or list(dates))
    week_pos = frame["week"].to_numpy()
    pace_k = np.minimum(week_pos, PACE_WEEKS)
    before = np.full(len(frame), np.nan)
    day_gap = np.full(len(frame), np.nan)
    stamp_days = stamps.to_numpy().astype("datetime64[D]")
    for k in range(1, PACE_WEEKS + 1):
        mask = pace_k == k
        before[mask] = pace_shift[k][keep][mask]
        gaps = stamp_days[week_pos[mask]] - stamp_days[week_pos[mask] - k]
        day_gap[mask] = gaps.astype("int64")
    frame["closed_before"] = before
    frame["pace_weeks"] = day_gap / 7.0
    frame["closing_pace"] = (frame[f"cur_{PROBLEMS_CLOSED}"] - before) / frame["pace_weeks"]
    return frame


def _grid(
    units: pd.DataFrame, figures: pd.DataFrame, stamps: pd.DatetimeIndex, columns: list[str]
) -> tuple[list[str], pd.DataFrame, pd.DataFrame, pd.Series]:
    """(unit codes, grid as reported, grid carried forward, each unit's last day before the
    window) over expected units × (a pseudo day holding the starting values, if any rows
    precede ``stamps[0]``) + ``stamps``, for ``columns``."""
    expected = expected_units(units)
    codes = expected["code"].astype(str).tolist()
    rows = figures[figures[columns].notna().any(axis=1)] if len(figures) else figures
    if not rows.empty:
        rows = rows.assign(
            report_date=pd.to_datetime(rows["report_date"]),
            unit_code=np.asarray(rows["unit_code"], dtype=object),
        )
        rows = rows[rows["unit_code"].isin(codes) & (rows["report_date"] <= stamps[-1])]
        rows = rows.sort_values("report_date", kind="stable")
        rows = rows.drop_duplicates(["unit_code", "report_date"], keep="last")
    prior = rows[rows["report_date"] < stamps[0]] if not rows.empty else rows
    window = rows[rows["report_date"].isin(stamps)] if not rows.empty else rows
    parts = []
    grid_dates = stamps
    base_date = pd.Series(dtype="datetime64[ns]")
    if len(prior):
        # Each unit's latest known values before the window, carried into it.
        pseudo = stamps[0] - pd.Timedelta(days=1)
        base = prior.groupby("unit_code", sort=False)[columns].last()
        base_date = prior.groupby("unit_code", sort=False)["report_date"].max()
        base.index = pd.MultiIndex.from_arrays(
            [base.index, pd.DatetimeIndex([pseudo] * len(base))],
            names=["unit_code", "report_date"],
        )
        parts.append(base.astype("float64"))
        grid_dates = stamps.insert(0, pseudo)
    if len(window):
        parts.append(window.set_index(["unit_code", "report_date"])[columns].astype("float64"))
    values = pd.concat(parts) if parts else pd.DataFrame(columns=columns, dtype="float64")
    index = pd.MultiIndex.from_product([codes, grid_dates], names=["unit_code", "report_date"])
    grid = values.reindex(index)
    carried = grid.groupby(level="unit_code", sort=False).ffill()
    return codes, grid, carried, base_date


def carried_values(
    units: pd.DataFrame, figures: pd.DataFrame, dates: Sequence[dt.date], columns: list[str]
) -> pd.DataFrame:
    """unit_code, report_date and cur_<column> (carried forward) for ``columns`` only: the
    lean path for trend lines of a few indicators (rows before ``dates[0]`` give starting
    values, as in ``panel``).  Rows: expected units in registry order × ``dates``.

    Laid out as a units × (start + dates) × columns array and carried forward slot by slot:
    the same values as ``_grid``'s reindex and grouped ffill, at a fraction of the cost.
    """
    stamps = pd.DatetimeIndex(pd.to_datetime(pd.Series(list(dates), dtype="object")))
    codes = expected_units(units)["code"].astype(str).tolist()
    rows = figures[figures[columns].notna().any(axis=1)] if len(figures) else figures
    values = np.full((len(codes), len(stamps) + 1, len(columns)), np.nan)
    if not rows.empty:
        rows = rows.assign(
            report_date=pd.to_datetime(rows["report_date"]),
            unit_code=np.asarray(rows["unit_code"], dtype=object),
        )
        rows = rows[(rows["report_date"] <= stamps[-1])].sort_values("report_date", kind="stable")
        rows = rows.drop_duplicates(["unit_code", "report_date"], keep="last")
        unit_pos = pd.Index(codes).get_indexer(rows["unit_code"])
        rows, unit_pos = rows[unit_pos >= 0], unit_pos[unit_pos >= 0]
        before = (rows["report_date"] < stamps[0]).to_numpy()
        if before.any():  # each unit's last known value of each column before the window
            base = rows[before].groupby("unit_code", sort=False)[columns].last()
            values[pd.Index(codes).get_indexer(base.index), 0, :] = base.to_numpy(
                "float64", na_value=np.nan
            )
        slot = stamps.get_indexer(rows["report_date"])
        inside = slot >= 0
        values[unit_pos[inside], slot[inside] + 1, :] = rows.loc[inside, columns].to_numpy(
            "float64", na_value=np.nan
        )
    for k in range(1, values.shape[1]):
        gap = np.isnan(values[:, k, :])
        values[:, k, :][gap] = values[:, k - 1, :][gap]
    out = pd.DataFrame(
        values[:, 1:, :].reshape(-1, len(columns)), columns=[f"cur_{c}" for c in columns]
    )
    out.insert(0, "unit_code", np.repeat(np.asarray(codes, dtype=object), len(stamps)))
    out.insert(1, "report_date", np.tile(stamps.to_numpy(), len(codes)))
    return out


def _add_rates(frame: pd.DataFrame) -> pd.DataFrame:
    for item in RATES:
        num = frame[f"cur_{item.numerator}"]
        den = frame[f"cur_{item.denominator}"]
        frame[item.code] = (num / den).where(den > 0)
    return frame


def _moved(carried: pd.DataFrame, window: int, reported: pd.Series) -> np.ndarray:
    """How many indicators rose over the last ``window`` weeks; NaN without that history.

    An indicator that was blank ``window`` weeks ago and is positive now counts as moved.
    A unit that did not report this week moved nothing.
    """
    past = carried.groupby(level="unit_code", sort=False).shift(window)
    now = carried.to_numpy()
    before = past.to_numpy()
    rose = np.where(np.isnan(before), np.nan_to_num(now) > 0, now > before)
    count = rose.sum(axis=1).astype("float64")
    has_history = ~np.isnan(before).all(axis=1)
    count[~has_history] = np.nan
    count[~reported.to_numpy()] = 0.0
    return count


def _missing_streak(
    frame: pd.DataFrame, base_date: pd.Series, all_dates: Sequence[dt.date]
) -> np.ndarray:
    """Report weeks since the unit last reported (0 when it reported that week).

    Positions count in ``all_dates``; before the window, the unit's last report is
    ``base_date``; a unit that never reported counts every week so far.
    """
    calendar = np.array(
        sorted(pd.to_datetime(pd.Series(list(all_dates), dtype="object"))), dtype="datetime64[ns]"
    )
    when = frame["report_date"].to_numpy().astype("datetime64[ns]")
    pos = np.searchsorted(calendar, when, side="right") - 1
    rep_pos = pd.Series(np.where(frame["reported"].to_numpy(), pos, np.nan))
    last = rep_pos.groupby(frame["unit_code"].to_numpy(), sort=False).ffill()
    if len(base_date):
        base_pos = pd.Series(
            np.searchsorted(calendar, base_date.to_numpy().astype("datetime64[ns]"), side="right")
            - 1,
            index=base_date.index,
        )
        last = last.fillna(frame["unit_code"].map(base_pos))
    last = last.fillna(-1).to_numpy()
    return (pos - last).astype("int64")


def totals(frame: pd.DataFrame) -> pd.Series:
    """Σ carried value of every indicator over the rows of ``frame``."""
    return pd.Series({c: frame[f"cur_{c}"].sum(min_count=1) for c in FIGS})


def rate_values(frame: pd.DataFrame) -> dict[str, float | None]:
    """Each catalogue rate over ``frame`` (Σ numerator / Σ denominator) and reading coverage."""
    out: dict[str, float | None] = {}
    for item in RATES:
        den = frame[f"cur_{item.denominator}"].sum()
        num = frame[f"cur_{item.numerator}"].sum()
        out[item.code] = float(num / den) if den > 0 else None
    out["reading_coverage"] = float(frame["has_reading"].mean()) if len(frame) else None
    return out


def status_grid(
    units: pd.DataFrame, figures: pd.DataFrame, dates: Sequence[dt.date]
) -> pd.DataFrame:
    """Unit × report day: "已报" (some figure non-zero), "零报告" (every filled figure is 0)
    or "未报" (no row, or every figure blank).  Index = unit code, columns = days."""
    expected = expected_units(units)
    codes = expected["code"].astype(str).tolist()
    stamps = pd.to_datetime(pd.Series(list(dates), dtype="object"))
    rows = usable_rows(figures)
    if rows.empty:
        return pd.DataFrame("未报", index=pd.Index(codes, name="unit_code"), columns=list(dates))
    rows = rows.assign(report_date=pd.to_datetime(rows["report_date"]))
    rows = rows[rows["report_date"].isin(stamps) & rows["unit_code"].isin(codes)]
    rows = rows.drop_duplicates(["unit_code", "report_date"], keep="last")
    nonzero = rows[FIGS].fillna(0).astype("float64").gt(0).any(axis=1)
    label = pd.Series(np.where(nonzero, "已报", "零报告"), index=rows.index)
    wide = (
        pd.DataFrame(
            {"unit_code": rows["unit_code"], "report_date": rows["report_date"], "s": label}
        )
        .pivot(index="unit_code", columns="report_date", values="s")
        .reindex(index=codes, columns=stamps)
        .fillna("未报")
    )
    wide.columns = list(dates)
    wide.index.name = "unit_code"
    return wide
