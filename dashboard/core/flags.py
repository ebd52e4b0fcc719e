"""落后单位: every lagging unit with ALL its reasons, for one report week.

Reasons (the 口径说明 on the page repeats these):

- 未报送: no usable return this week.
- 停滞: reported, but no cumulative figure rose over the last ``stall_weeks`` report weeks.
- 排名末位: in the bottom ``bottom_share`` of its peer pool by heat (pool size × share, rounded;
  units tied with the last place count as last; never when the whole pool is tied).
- 销号率偏低: problems found > 0 and 问题销号率 below ``low_closure_rate``.
- 两张皮: its 理论学习 component is in the top quarter of its pool while its 问题销号率 is
  10 percentage points or more below the pool's median: much study, few problems closed.
- 不能按期完成: problems still open, and at the closing pace of the last (up to) 3 report weeks (metrics.PACE_WEEKS)
  the open problems would not all be closed by the campaign's ``end_date``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import pandas as pd

REASONS: tuple[str, ...] = ("未报送", "停滞", "排名末位", "销号率偏低", "两张皮", "不能按期完成")


def weeks_left(report_date: dt.date, end_date: dt.date) -> float:
    """Weeks from the report day to the end of the campaign (0 once it has passed)."""
    return max((end_date - report_date).days, 0) / 7.0


def bottom_mask(week: pd.DataFrame, share: float) -> pd.Series:
    """Units whose last-place rank falls in the bottom ``share`` of their pool."""
    size = week["pool_size"].astype("float64")
    keep = np.floor(size * share + 0.5)
    top = week.groupby("pool")["heat"].transform("max")
    return (week["rank_last"].astype("float64") > (size - keep)) & (week["heat"] < top)


TWO_SKINS_GAP = 0.10  # closure rate at least 10 percentage points below the pool median


def two_skins_mask(week: pd.DataFrame) -> pd.Series:
    """Study in the pool's top quarter while the closure rate lags the pool's median by
    ``TWO_SKINS_GAP`` or more (pools of at least 4 units)."""
    closure = week["closure_rate"].astype("float64").fillna(0.0)
    pools = week["pool"]
    study_q3 = week["comp_study"].groupby(pools).transform(lambda s: s.quantile(0.75))
    close_med = closure.groupby(pools).transform("median")
    return (
        (week["comp_study"] >= study_q3)
        & (closure <= close_med - TWO_SKINS_GAP + 1e-9)
        & (week["pool_size"] >= 4)
    )


def late_mask(week: pd.DataFrame, report_date: dt.date, end_date: dt.date) -> pd.Series:
    """Open problems that the recent weekly closing pace would not clear by ``end_date``."""
    open_now = (week["cur_problems_found"] - week["cur_problems_closed"]).astype("float64")
    pace = week["closing_pace"].astype("float64").clip(lower=0.0)
    left = weeks_left(report_date, end_date)
    can_judge = open_now.notna() & (pace.notna() | (left == 0))
    return can_judge & (open_now > 0) & (pace.fillna(0.0) * left < open_now)


def reasons(
    week: pd.DataFrame, settings: Mapping[str, object], report_date: dt.date
) -> pd.DataFrame:
    """One column per reason (bool) plus ``reasons`` (list[str]) and ``details`` (list[str]).

    ``week`` is one report day of the heat panel (every expected unit, city-wide pools).
    """
    stall_n = int(settings.get("stall_weeks", 2))  # type: ignore[call-overload]
    low = float(settings.get("low_closure_rate", 0.5))  # type: ignore[arg-type]
    share = float(settings.get("bottom_share", 0.1))  # type: ignore[arg-type]
    end_date = dt.date.fromisoformat(str(settings.get("end_date", "2099-12-31"))[:10])
    left = weeks_left(report_date, end_date)
    closure = week["closure_rate"].astype("float64")
    flags = pd.DataFrame(index=week.index)
    flags["未报送"] = ~week["reported"].astype(bool)
    flags["停滞"] = week["stalled"].astype(bool)
    flags["排名末位"] = bottom_mask(week, share)
    flags["销号率偏低"] = (week["cur_problems_found"].fillna(0) > 0) & (closure < low)
    flags["两张皮"] = two_skins_mask(week)
    flags["不能按期完成"] = late_mask(week, report_date, end_date)
    flags = flags.fillna(False).astype(bool)
    names = np.array(REASONS, dtype=object)
    matrix = flags[list(REASONS)].to_numpy()
    flags["reasons"] = [list(names[row]) for row in matrix]
    flags["details"] = _details(week, flags, stall_n, low, left)
    return flags


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def _details(
    week: pd.DataFrame, flags: pd.DataFrame, stall_n: int, low: float, left: float
) -> list[list[str]]:
    """Plain-Chinese explanations of each unit's reasons (vectorised string building)."""
    closure = week["closure_rate"].astype("float64")
    closure_text = (closure * 100).map(lambda v: f"{v:.1f}%" if v == v else "无")
    open_now = (week["cur_problems_found"] - week["cur_problems_closed"]).astype("float64")
    pace = week["closing_pace"].astype("float64").fillna(0.0).clip(lower=0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        need_weeks = np.ceil(open_now / pace)
    need = need_weeks.map(lambda v: f"约需{int(v)}周" if np.isfinite(v) else "无法估计")
    texts: dict[str, pd.Series] = {
        "未报送": "连续" + week["missing_weeks"].astype("int64").astype(str) + "周未报送",
        "停滞": pd.Series(f"近{stall_n}周各项累计数均无增长", index=week.index),
        "排名末位": week["pool"].astype(str)
        + "第"
        + week["rank"].astype("Int64").astype(str)
        + "名/共"
        + week["pool_size"].astype("int64").astype(str)
        + "个",
        "销号率偏低": "问题销号率" + closure_text + f"，低于{_pct(low)}",
        "两张皮": "理论学习分"
        + week["comp_study"].map(lambda v: f"{v:.1f}")
        + "居同组前列，销号率仅"
        + closure_text,
        "不能按期完成": "未销号"
        + open_now.fillna(0).astype("int64").astype(str)
        + "个，近期每周销号"
        + pace.map(lambda v: f"{v:.1f}")
        + "个，"
        + need
        + f"，距结束{left:.1f}周",
    }
    columns = [
        np.where(flags[r].to_numpy(), texts[r].to_numpy(dtype=object), None) for r in REASONS
    ]
    return [[t for t in row if t is not None] for row in zip(*columns, strict=True)]
