"""Lagging units and their reasons, on hand-made week frames."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from dashboard.core import flags
from dashboard.core.settings import defaults

DAY = dt.date(2023, 10, 27)


def row(code: str, **overrides: object) -> dict:
    """A healthy unit: reported, moving, all problems closed, mid-pool."""
    base: dict = {
        "unit_code": code,
        "reported": True,
        "stalled": False,
        "missing_weeks": 0,
        "pool": "村级",
        "pool_size": 1,
        "rank": 1,
        "rank_last": 1,
        "heat": 80.0,
        "comp_study": 50.0,
        "cur_problems_found": 10.0,
        "cur_problems_closed": 10.0,
        "closure_rate": 1.0,
        "closing_pace": 1.0,
    }
    base.update(overrides)
    return base


def pool(heats: list[float], code: str = "u") -> pd.DataFrame:
    """One pool with these heats; ranks min/max as heat.add_heat makes them."""
    frame = pd.DataFrame([row(f"{code}{i}", heat=h) for i, h in enumerate(heats)])
    frame["pool_size"] = len(frame)
    frame["rank"] = frame["heat"].rank(ascending=False, method="min").astype(int)
    frame["rank_last"] = frame["heat"].rank(ascending=False, method="max").astype(int)
    return frame


def test_bottom_share_of_a_pool_of_ten() -> None:
    # 10 units, share 0.1 → round(1.0) = 1 unit: only the coldest.
    week = pool([10, 20, 30, 40, 50, 60, 70, 80, 90, 100])
    assert list(flags.bottom_mask(week, 0.1)) == [True] + [False] * 9


def test_bottom_ties_and_small_pools() -> None:
    # Three tied at the bottom of ten: all three count as last.
    week = pool([0, 0, 0, 40, 50, 60, 70, 80, 90, 100])
    assert list(flags.bottom_mask(week, 0.1)) == [True, True, True] + [False] * 7
    # Four units × 0.1 = 0.4 → rounds to 0: nobody is "bottom" in so small a pool.
    assert not flags.bottom_mask(pool([10, 20, 30, 40]), 0.1).any()
    # A pool where everyone is tied has no bottom.
    assert not flags.bottom_mask(pool([50] * 10), 0.1).any()


def test_two_skins() -> None:
    week = pool([60, 60, 60, 60])
    week["comp_study"] = [90.0, 80.0, 40.0, 30.0]
    week["closure_rate"] = [0.1, 0.9, 0.8, 0.7]
    # study P75 of (30, 40, 80, 90) = 80 + 0.25 × 10 = 82.5 → only the first unit (90);
    # closure P25 of (0.1, 0.7, 0.8, 0.9) = 0.1 + 0.75 × 0.6 = 0.55, median 0.75:
    # the first unit's 0.1 is in the bottom quarter → 两张皮.
    assert list(flags.two_skins_mask(week)) == [True, False, False, False]


def test_cannot_finish_on_time() -> None:
    # 2023-10-27 → 2024-01-31 is 96 days = 13.71 weeks.  80 problems open:
    # at 5/week → 68.6 < 80 → late; at 6/week → 82.3 ≥ 80 → on time; no pace → can't judge.
    week = pd.DataFrame(
        [
            row("late", cur_problems_found=100.0, cur_problems_closed=20.0, closing_pace=5.0),
            row("ok", cur_problems_found=100.0, cur_problems_closed=20.0, closing_pace=6.0),
            row("unknown", cur_problems_found=100.0, cur_problems_closed=20.0, closing_pace=np.nan),
            row("done", cur_problems_found=10.0, cur_problems_closed=10.0, closing_pace=0.0),
        ]
    )
    assert flags.weeks_left(DAY, dt.date(2024, 1, 31)) == pytest.approx(96 / 7)
    assert list(flags.late_mask(week, DAY, dt.date(2024, 1, 31))) == [True, False, False, False]
    # After the end date every open problem is late, pace or not.
    after = dt.date(2024, 2, 9)
    assert list(flags.late_mask(week, after, dt.date(2024, 1, 31))) == [True, True, True, False]


def test_reasons_lists_every_reason_with_details() -> None:
    settings = defaults() | {"end_date": "2024-01-31", "low_closure_rate": 0.5}
    week = pd.DataFrame(
        [
            row("healthy"),
            # not reported for 3 weeks, closed 4 of 10 (40% < 50%), no closing at all → late.
            row(
                "silent",
                reported=False,
                missing_weeks=3,
                cur_problems_closed=4.0,
                closure_rate=0.4,
                closing_pace=0.0,
            ),
            row("stuck", stalled=True),
            # found nothing: no closure-rate reason.
            row("nothing", cur_problems_found=0.0, cur_problems_closed=0.0, closure_rate=np.nan),
        ]
    )
    out = flags.reasons(week, settings, DAY)
    assert out.loc[0, "reasons"] == []
    assert out.loc[1, "reasons"] == ["未报送", "销号率偏低", "不能按期完成"]
    assert out.loc[1, "details"] == [
        "连续3周未报送",
        "问题销号率40.0%，低于50.0%",
        "未销号6个，近期每周销号0.0个，无法估计，距结束13.7周",
    ]
    assert out.loc[2, "reasons"] == ["停滞"]
    assert out.loc[2, "details"] == ["近2周各项累计数均无增长"]
    assert out.loc[3, "reasons"] == []
