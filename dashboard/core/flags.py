"""落后单位: every lagging unit with ALL its reasons and a severity score, for one report week.

Reasons are judged against the unit's peer pool (its level, optionally × category), not a
fixed line (the 口径说明 on the page repeats these):

- 未报送: no usable return this week.
- 逾期未报: the week's 填报 task has passed its deadline and the unit has still not reported
  (listed with 未报送; the ``overdue`` column of the week, from dashboard.entry).
- 停滞: reported, but no cumulative figure rose over the last ``stall_weeks`` report weeks,
  while the pool's typical unit did move.
- 排名末位: in the bottom ``bottom_share`` of its peer pool by heat (pool size × share, rounded;
  units tied with the last place count as last; never when the whole pool is tied).
- 销号率偏低: at least MIN_OPEN problems open and 问题销号率 far below the pool: more than
  ``lag_spread`` spreads under the pool's median rate.  The spread is the larger of the pool's
  robust spread (1.4826 × median absolute deviation) and the binomial noise of a rate over the
  unit's own number of problems, and at least MIN_SPREAD: a unit with one open problem is not
  behind on closure.
- 两张皮: its 理论学习 component in the top quarter of its pool while its 问题销号率 lies more
  than half that bar under the pool's median (pools of at least 4 units).
- 不能按期完成: at the closing pace of the last (up to) 3 report weeks (metrics.PACE_WEEKS), at
  least MIN_OPEN problems would still be open at ``end_date``, and that share of its problems
  lies more than ``lag_spread`` spreads above the pool's median share.

``severity`` orders the list: the sum of the reasons' weights (SEVERITY), plus 10 per further
week without a return (up to 3), plus half the heat points the unit lies under its pool's
median heat (up to 20).  0 for units that do not lag.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from dashboard.core.catalogue import PROBLEMS_CLOSED, PROBLEMS_FOUND
from dashboard.core.metrics import PACE_WEEKS
from dashboard.core.settings import Settings

__all__ = [
    "CLOSED",
    "DEFAULT_SPREAD",
    "FOUND",
    "MIN_OPEN",
    "MIN_POOL",
    "MIN_SPREAD",
    "REASONS",
    "REASON_ENTRIES",
    "SEVERITY",
    "Reason",
    "Week",
    "bottom_mask",
    "closure_gap",
    "late_mask",
    "low_closure_mask",
    "projected_open",
    "reasons",
    "reasons_text",
    "severity",
    "spread_bar",
    "stalled_mask",
    "two_skins_mask",
    "weeks_left",
]

FOUND, CLOSED = f"cur_{PROBLEMS_FOUND}", f"cur_{PROBLEMS_CLOSED}"  # the problem ledger

MIN_OPEN = 2  # fewer open (or projected open) problems than this never make a closure reason
MIN_SPREAD = 0.05  # a rate's spread is never taken as less than 5 percentage points
MIN_POOL = 4  # pools (of units that found problems) smaller than this judge no rate
DEFAULT_SPREAD = 2.0  # default of settings["lag_spread"]


def weeks_left(report_date: dt.date, end_date: dt.date) -> float:
    """Weeks from the report day to the end of the campaign (0 once it has passed)."""
    return max((end_date - report_date).days, 0) / 7.0


def bottom_mask(week: pd.DataFrame, share: float) -> pd.Series:
    """Units whose last-place rank falls in the bottom ``share`` of their pool."""
    size = week["pool_size"].astype("float64")
    keep = np.floor(size * share + 0.5)
    top = week.groupby("pool")["heat"].transform("max")
    return (week["rank_last"].astype("float64") > (size - keep)) & (week["heat"] < top)


def _pool_center_spread(
    values: pd.Series, pools: pd.Series
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Each row's pool median, robust spread (1.4826 × MAD) and count of non-missing values."""
    grouped = values.groupby(pools)
    median = grouped.transform("median")
    mad = (values - median).abs().groupby(pools).transform("median")
    count = grouped.transform("count")
    return median, mad * 1.4826, count


def closure_gap(week: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(pool median closure rate, the spread to judge each unit by, open problems).

    The spread is the larger of the pool's robust spread, the binomial noise of a rate over the
    unit's own problems found, and MIN_SPREAD; NaN where the pool is too small to judge."""
    found = week[FOUND].astype("float64").fillna(0.0)
    closed = week[CLOSED].astype("float64").fillna(0.0)
    rate = week["closure_rate"].astype("float64").where(found > 0)
    median, robust, count = _pool_center_spread(rate, week["pool"])
    p = median.clip(0.05, 0.95)
    with np.errstate(divide="ignore", invalid="ignore"):
        binomial = np.sqrt(p * (1 - p) / found.where(found > 0))
    spread = pd.concat([robust, binomial], axis=1).max(axis=1).clip(lower=MIN_SPREAD)
    spread = spread.where(count >= MIN_POOL)
    return median, spread, found - closed


def low_closure_mask(week: pd.DataFrame, bar: float) -> pd.Series:
    """问题销号率 more than ``bar`` spreads under the pool's median, MIN_OPEN+ problems open."""
    median, spread, open_now = closure_gap(week)
    rate = week["closure_rate"].astype("float64")
    return ((open_now >= MIN_OPEN) & (rate < median - bar * spread)).fillna(False).astype(bool)


def two_skins_mask(week: pd.DataFrame, bar: float = DEFAULT_SPREAD) -> pd.Series:
    """Study in the pool's top quarter while the closure rate lies more than ``bar`` / 2
    spreads under the pool's median (pools of at least 4 units, MIN_OPEN+ problems open)."""
    pools = week["pool"]
    study = week["comp_study"].groupby(pools)
    study_q3 = study.transform(lambda s: s.quantile(0.75))
    study_mid = study.transform("median")
    median, spread, open_now = closure_gap(week)
    rate = week["closure_rate"].astype("float64")
    mask = (
        (week["comp_study"] >= study_q3)
        & (week["comp_study"] > study_mid)  # a pool all alike has no top quarter
        & (open_now >= MIN_OPEN)
        & (rate < median - bar / 2.0 * spread)
        & (week["pool_size"] >= 4)
    )
    return mask.fillna(False).astype(bool)


def projected_open(week: pd.DataFrame, report_date: dt.date, end_date: dt.date) -> pd.Series:
    """Problems still open at ``end_date`` at the recent closing pace (NaN: cannot judge)."""
    open_now = (week[FOUND] - week[CLOSED]).astype("float64")
    pace = week["closing_pace"].astype("float64").clip(lower=0.0)
    left = weeks_left(report_date, end_date)
    if left == 0:
        return open_now.clip(lower=0.0)
    return (open_now - pace * left).clip(lower=0.0)


def late_mask(
    week: pd.DataFrame, report_date: dt.date, end_date: dt.date, bar: float = DEFAULT_SPREAD
) -> pd.Series:
    """MIN_OPEN+ problems projected open at the end, a share of the unit's problems more than
    ``bar`` spreads above the pool's median share."""
    found = week[FOUND].astype("float64")
    remaining = projected_open(week, report_date, end_date)
    share = (remaining / found).where(found > 0)
    median, robust, count = _pool_center_spread(share, week["pool"])
    spread = robust.clip(lower=MIN_SPREAD)
    mask = (remaining >= MIN_OPEN) & (share > median + bar * spread) & (count >= MIN_POOL)
    return mask.fillna(False).astype(bool)


def stalled_mask(week: pd.DataFrame) -> pd.Series:
    """Stalled while the pool's typical unit moved (a whole pool at rest is no one's fault)."""
    stalled = week["stalled"].astype(bool)
    if "moved" not in week.columns:
        return stalled
    typical = week["moved"].astype("float64").groupby(week["pool"]).transform("median")
    return stalled & (typical.fillna(1.0) > 0)


def spread_bar(settings: Settings) -> float:
    return settings.lag_spread


def severity(week: pd.DataFrame, flags: pd.DataFrame) -> pd.Series:
    """How much a unit needs 督导 (0 when it does not lag); see the module docstring."""
    score = sum(flags[r].astype("float64") * w for r, w in SEVERITY.items())
    extra_weeks = (week["missing_weeks"].astype("float64") - 1).clip(0, 3) * 10.0
    score = score + extra_weeks.where(flags["未报送"], 0.0)
    heat = week["heat"].astype("float64")
    below = (heat.groupby(week["pool"]).transform("median") - heat).clip(0.0, 40.0) / 2.0
    score = score + below.fillna(0.0)
    lagging = flags[list(REASONS)].any(axis=1)
    return score.where(lagging, 0.0).round(1)


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def _pct_text(values: pd.Series) -> pd.Series:
    return (values.astype("float64") * 100).map(lambda v: f"{v:.1f}%" if v == v else "无")


# --- the reasons, each declared once ---------------------------------------------------------
@dataclass(frozen=True)
class Week:
    """What every reason reads: one report day of the heat panel and the settings it needs."""

    frame: pd.DataFrame
    report_date: dt.date
    stall_weeks: int
    bottom_share: float
    bar: float
    end_date: dt.date

    @classmethod
    def of(cls, frame: pd.DataFrame, settings: Settings, day: dt.date) -> Week:
        return cls(
            frame,
            day,
            settings.stall_weeks,
            settings.bottom_share,
            settings.lag_spread,
            settings.end_date,
        )

    @cached_property
    def gap(self) -> tuple[pd.Series, pd.Series, pd.Series]:
        return closure_gap(self.frame)

    @cached_property
    def closure_text(self) -> pd.Series:
        return _pct_text(self.frame["closure_rate"])


@dataclass(frozen=True)
class Reason:
    """One lagging reason: its name, its weight in ``severity``, which units it picks
    (``mask``), the detail each such unit gets (``detail``), its 口径 text (given the
    settings) and the settings it reads."""

    name: str
    weight: float
    mask: Callable[[Week], pd.Series]
    detail: Callable[[Week], pd.Series]
    text: Callable[[Settings], str]
    settings: tuple[str, ...] = ()


def _not_reported_detail(w: Week) -> pd.Series:
    return "连续" + w.frame["missing_weeks"].astype("int64").astype(str) + "周未报送"


def _stalled_detail(w: Week) -> pd.Series:
    return pd.Series(
        f"近{w.stall_weeks}周各项累计数均无增长，同组多数单位仍在推进", index=w.frame.index
    )


def _bottom_detail(w: Week) -> pd.Series:
    week = w.frame
    return (
        week["pool"].astype(str)
        + "第"
        + week["rank"].astype("Int64").astype(str)
        + "名/共"
        + week["pool_size"].astype("int64").astype(str)
        + "个"
    )


def _low_closure_detail(w: Week) -> pd.Series:
    median, spread, open_now = w.gap
    line_text = _pct_text((median - w.bar * spread).clip(lower=0.0))
    return (
        "问题销号率"
        + w.closure_text
        + "，同组中位数"
        + _pct_text(median)
        + "，低于"
        + line_text
        + "即偏低；未销号"
        + open_now.fillna(0).astype("int64").astype(str)
        + "个"
    )


def _two_skins_detail(w: Week) -> pd.Series:
    median = w.gap[0]
    return (
        "理论学习分"
        + w.frame["comp_study"].map(lambda v: f"{v:.1f}")
        + "居同组前列，销号率仅"
        + w.closure_text
        + "（同组中位数"
        + _pct_text(median)
        + "）"
    )


def _late_detail(w: Week) -> pd.Series:
    open_now = w.gap[2]
    pace = w.frame["closing_pace"].astype("float64").fillna(0.0).clip(lower=0.0)
    remaining = projected_open(w.frame, w.report_date, w.end_date)
    left = weeks_left(w.report_date, w.end_date)
    return (
        "未销号"
        + open_now.fillna(0).astype("int64").astype(str)
        + "个，近期每周销号"
        + pace.map(lambda v: f"{v:.1f}")
        + "个，"
        + f"距结束{left:.1f}周，按此进度到期仍有约"
        + remaining.fillna(0).round().astype("int64").astype(str)
        + "个未销号"
    )


def _overdue_mask(w: Week) -> pd.Series:
    if "overdue" not in w.frame.columns:
        return pd.Series(False, index=w.frame.index)
    return w.frame["overdue"].fillna(False).astype(bool)


REASON_ENTRIES: tuple[Reason, ...] = (
    Reason(
        "未报送",
        40.0,
        lambda w: ~w.frame["reported"].astype(bool),
        _not_reported_detail,
        lambda s: "本周没有有效报表",
    ),
    Reason(
        "逾期未报",
        10.0,
        _overdue_mask,
        lambda w: pd.Series("已过本周填报截止时间仍未报送", index=w.frame.index),
        lambda s: "本周开放了在线填报任务，已过截止时间仍未报送（与“未报送”同时列出）",
    ),
    Reason(
        "停滞",
        20.0,
        lambda w: stalled_mask(w.frame),
        _stalled_detail,
        lambda s: f"本周已报，但近 {s['stall_weeks']} 周各项累计数均无增长，而同组多数单位仍在推进",
        ("stall_weeks",),
    ),
    Reason(
        "排名末位",
        25.0,
        lambda w: bottom_mask(w.frame, w.bottom_share),
        _bottom_detail,
        lambda s: (
            f"热度位于同组最后 {s.bottom_share * 100:.0f}%"
            "（组内单位数 × 比例，四舍五入；并列者一并列入；全组并列时不列）"
        ),
        ("bottom_share",),
    ),
    Reason(
        "销号率偏低",
        20.0,
        lambda w: low_closure_mask(w.frame, w.bar),
        _low_closure_detail,
        lambda s: (
            f"未销号问题至少 2 个，且问题销号率低于同组中位数超过 {s['lag_spread']} "
            "倍离散度（离散度取同组的稳健标准差与按本单位问题数估计的偶然波动中较大者，"
            "至少 5 个百分点）；只剩 1 个问题未销号不算"
        ),
        ("lag_spread",),
    ),
    Reason(
        "两张皮",
        10.0,
        lambda w: two_skins_mask(w.frame, w.bar),
        _two_skins_detail,
        lambda s: (
            f"理论学习分居同组前 25%，而问题销号率低于同组中位数超过 {s['lag_spread']}"
            "/2 倍离散度（组内不少于 4 个单位）"
        ),
        ("lag_spread",),
    ),
    Reason(
        "不能按期完成",
        15.0,
        lambda w: late_mask(w.frame, w.report_date, w.end_date, w.bar),
        _late_detail,
        lambda s: (
            f"按近 {PACE_WEEKS} 个报告周的平均每周销号数，到结束日期（{s['end_date']}）"
            f"仍有至少 2 个问题未销号，且这部分占本单位问题的比例高出同组中位数超过 "
            f"{s['lag_spread']} 倍离散度"
        ),
        ("lag_spread", "end_date"),
    ),
)
REASONS: tuple[str, ...] = tuple(r.name for r in REASON_ENTRIES)
SEVERITY: dict[str, float] = {r.name: r.weight for r in REASON_ENTRIES}


def reasons(week: pd.DataFrame, settings: Settings, report_date: dt.date) -> pd.DataFrame:
    """One column per reason (bool) plus ``reasons`` (list[str]), ``details`` (list[str]) and
    ``severity`` (float).  ``week`` is one report day of the heat panel (every expected unit,
    city-wide pools)."""
    w = Week.of(week, settings, report_date)
    flags = pd.DataFrame(index=week.index)
    for reason in REASON_ENTRIES:
        flags[reason.name] = reason.mask(w)
    flags = flags.fillna(False).astype(bool)
    names = np.array(REASONS, dtype=object)
    matrix = flags[list(REASONS)].to_numpy()
    flags["reasons"] = [list(names[row]) for row in matrix]
    flags["details"] = _details(w, flags)
    flags["severity"] = severity(week, flags)
    return flags


def _details(w: Week, flags: pd.DataFrame) -> list[list[str]]:
    """Plain-Chinese explanations of each unit's reasons (vectorised string building)."""
    columns = [
        np.where(flags[r.name].to_numpy(), r.detail(w).to_numpy(dtype=object), None)
        for r in REASON_ENTRIES
    ]
    return [[t for t in row if t is not None] for row in zip(*columns, strict=True)]


def reasons_text(settings: Settings) -> str:
    """The 口径 of every reason and of the order, as the pages and the README state them."""
    lines = [f"- **{r.name}**：{r.text(settings)}" for r in REASON_ENTRIES]
    weights = "、".join(
        f"{r.name} {r.weight:g}" for r in sorted(REASON_ENTRIES, key=lambda r: -r.weight)
    )
    return (
        "；\n".join(lines) + "。\n" + f"**严重程度**决定名单顺序：{weights}，"
        "连续未报每多 1 周加 10（最多 30），热度每低于同组中位数 2 分加 1（最多 20）。"
    )
