"""Lagging units and their reasons, on hand-made week frames."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from dashboard.core import flags
from dashboard.core.settings import Settings, defaults

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


def closure_pool(rates: list[float], found: float = 20.0) -> pd.DataFrame:
    """A pool of 10 units with these closure rates over ``found`` problems each."""
    week = pool([60.0] * len(rates))
    week["cur_problems_found"] = found
    week["cur_problems_closed"] = [round(found * r) for r in rates]
    week["closure_rate"] = week["cur_problems_closed"] / found
    return week


def test_low_closure_is_judged_against_the_pool() -> None:
    # Pool rates 0.7–0.8 (median 0.75, robust spread 1.4826 × 0.05 ≈ 0.074; the binomial noise
    # of 20 problems at 0.75 is √(0.75 × 0.25 / 20) ≈ 0.097): the bar is 0.75 − 2 × 0.097 ≈ 0.56.
    week = closure_pool([0.7, 0.75, 0.8, 0.7, 0.75, 0.8, 0.75, 0.75, 0.6, 0.3])
    assert list(flags.low_closure_mask(week, 2.0)) == [False] * 9 + [True]
    # the same 0.3 in a pool where everyone closes about 0.3 is no lag
    same = closure_pool([0.3, 0.35, 0.25, 0.3, 0.3, 0.35, 0.25, 0.3, 0.3, 0.3])
    assert not flags.low_closure_mask(same, 2.0).any()


def test_one_open_problem_is_not_behind_on_closure() -> None:
    # Villages with 1–2 problems: one found and none closed is rate 0, but only one is open.
    week = pool([60.0] * 6)
    week["cur_problems_found"] = [1.0, 2.0, 2.0, 2.0, 2.0, 3.0]
    week["cur_problems_closed"] = [0.0, 2.0, 2.0, 2.0, 2.0, 0.0]
    week["closure_rate"] = week["cur_problems_closed"] / week["cur_problems_found"]
    week["closing_pace"] = 0.0
    assert list(flags.low_closure_mask(week, 2.0)) == [False] * 5 + [True]  # 3 open
    late = flags.late_mask(week, DAY, dt.date(2024, 1, 31))
    assert not late.iloc[0]


def test_two_skins() -> None:
    week = closure_pool([0.1, 0.9, 0.8, 0.7, 0.8, 0.75, 0.8, 0.7, 0.75, 0.8])
    week["comp_study"] = [95.0, 80.0, 40.0, 30.0, 50.0, 60.0, 55.0, 45.0, 50.0, 50.0]
    # study P75 ≈ 58.75: units 0, 1 and 6 (55 < P75, so not 6); unit 0 also closes 0.1,
    # far under the pool's median 0.775 → 两张皮; unit 1 closes well.
    assert list(flags.two_skins_mask(week)) == [True] + [False] * 9


def test_cannot_finish_on_time_against_the_pool() -> None:
    # 2023-10-27 → 2024-01-31 is 96 days = 13.71 weeks.  Ten units with 100 problems, 20
    # closed; most close 6 a week (82 ≥ 80: on time); one closes 1 a week (66 left at the
    # end, 66% of its problems, far above the pool's 0%); one has no pace (cannot judge).
    week = pd.DataFrame(
        [
            row(f"u{i}", cur_problems_found=100.0, cur_problems_closed=20.0, closing_pace=6.0)
            for i in range(8)
        ]
        + [
            row("slow", cur_problems_found=100.0, cur_problems_closed=20.0, closing_pace=1.0),
            row("unknown", cur_problems_found=100.0, cur_problems_closed=20.0, closing_pace=np.nan),
        ]
    )
    assert flags.weeks_left(DAY, dt.date(2024, 1, 31)) == pytest.approx(96 / 7)
    late = flags.late_mask(week, DAY, dt.date(2024, 1, 31))
    assert list(late) == [False] * 8 + [True, False]
    assert flags.projected_open(week, DAY, dt.date(2024, 1, 31)).iloc[8] == pytest.approx(
        80 - 96 / 7
    )
    # After the end date every open problem is left: all alike, so nobody stands out.
    after = flags.late_mask(week, dt.date(2024, 2, 9), dt.date(2024, 1, 31))
    assert not after.any()


def test_stalled_only_while_the_pool_moves() -> None:
    week = pool([60.0] * 4)
    week["stalled"] = [True, False, False, False]
    week["moved"] = [0.0, 5.0, 6.0, 4.0]
    assert list(flags.stalled_mask(week)) == [True, False, False, False]
    week["moved"] = 0.0
    week["stalled"] = True
    assert not flags.stalled_mask(week).any()  # the whole pool at rest: nobody's fault


def test_reasons_details_and_severity() -> None:
    settings = Settings(defaults() | {"end_date": "2024-01-31"})
    healthy = [row(f"h{i}", moved=5.0) for i in range(8)]
    week = pd.DataFrame(
        healthy
        + [
            # not reported for 3 weeks, closed 4 of 10 (pool median 100%), no closing → late
            row(
                "silent",
                reported=False,
                missing_weeks=3,
                moved=0.0,
                cur_problems_closed=4.0,
                closure_rate=0.4,
                closing_pace=0.0,
            ),
            row("stuck", stalled=True, moved=0.0),
        ]
    )
    week["pool_size"] = len(week)
    out = flags.reasons(week, settings, DAY)
    assert out.loc[0, "reasons"] == [] and out.loc[0, "severity"] == 0.0
    assert out.loc[8, "reasons"] == ["未报送", "销号率偏低", "不能按期完成"]
    assert out.loc[8, "details"][0] == "连续3周未报送"
    assert out.loc[8, "details"][1].startswith("问题销号率40.0%，同组中位数100.0%")
    assert out.loc[8, "details"][2].startswith("未销号6个，近期每周销号0.0个，距结束13.7周")
    # 40 + 20 + 15 for the reasons, + 2 × 10 for the two further weeks without a return
    assert out.loc[8, "severity"] == 95.0
    assert out.loc[9, "reasons"] == ["停滞"]
    assert out.loc[9, "severity"] == 20.0
