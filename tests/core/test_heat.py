"""热度指数 on hand-made pools: components, weights, renormalisation, ranks, comparability."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from dashboard.core import heat
from dashboard.core.catalogue import INDICATOR_CODES
from dashboard.core.settings import defaults

DAY = pd.Timestamp(dt.date(2023, 10, 27))


def unit(
    code: str,
    level_name: str,
    value: float,
    rates: tuple[float, float, float],
    moved: float,
    reading: bool = True,
) -> dict:
    """A panel row whose every carried figure equals ``value``; rates = (report, closure, measure)."""
    row: dict = {
        "unit_code": code,
        "report_date": DAY,
        "level_name": level_name,
        "category": "村（社区）",
        "has_reading": reading,
        "report_rate": rates[0],
        "closure_rate": rates[1],
        "measure_rate": rates[2],
        "moved": moved,
    }
    row.update({f"cur_{c}": value for c in INDICATOR_CODES})
    return row


def village_pool() -> list[dict]:
    return [
        # v1: every figure 10 (median of 10, 5, 0 is 5 → 10/5 capped at 100), all rates 1,
        # all 14 indicators moved → every component 100 → heat 100.
        unit("v1", "村级", 10, (1.0, 1.0, 1.0), 14),
        # v2: figures 5 = the median → volume 100 everywhere.
        #   study   = (100 reading + 100 volume) / 2                 = 100
        #   survey  = (40 report rate + 100 volume) / 2              = 70
        #   rectify = (50 closure + 50 measure + 100 volume) / 3     = 66.667
        #   activity = 7 / 14 × 100                                   = 50
        #   heat = 0.3×100 + 0.25×70 + 0.3×66.667 + 0.15×50 = 30 + 17.5 + 20 + 7.5 = 75.0
        unit("v2", "村级", 5, (0.4, 0.5, 0.5), 7),
        # v3: nothing: no reading class, zero volumes, rates undefined (score 0), no movement.
        unit("v3", "村级", 0, (np.nan, np.nan, np.nan), 0, reading=False),
    ]


def frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows)


def test_components_and_heat_worked_by_hand() -> None:
    out = heat.add_heat(frame(village_pool()), defaults()).set_index("unit_code")
    assert out.loc["v1", "heat"] == 100.0
    assert out.loc["v2", "comp_study"] == 100.0
    assert out.loc["v2", "comp_survey"] == 70.0
    assert out.loc["v2", "comp_rectify"] == pytest.approx(66.7)
    assert out.loc["v2", "comp_activity"] == 50.0
    assert out.loc["v2", "heat"] == 75.0
    assert out.loc["v3", "heat"] == 0.0
    assert list(out["rank"]) == [1, 2, 3]
    assert list(out["pool"]) == ["村级"] * 3
    assert list(out["pool_size"]) == [3, 3, 3]


def test_heat_is_comparable_across_levels() -> None:
    # Townships have ten times the villages' volumes; against their own pool's median they
    # score the same, so a township behaving like v2 gets v2's heat (75.0), and the two
    # levels' mean heats are equal: a level gradient would come from behaviour, not size.
    towns = [
        unit("t1", "乡镇级", 100, (1.0, 1.0, 1.0), 14),
        unit("t2", "乡镇级", 50, (0.4, 0.5, 0.5), 7),
        unit("t3", "乡镇级", 0, (np.nan, np.nan, np.nan), 0, reading=False),
    ]
    out = heat.add_heat(frame(village_pool() + towns), defaults()).set_index("unit_code")
    assert out.loc["t2", "heat"] == out.loc["v2", "heat"] == 75.0
    assert out.loc["t1", "rank"] == 1 and out.loc["v1", "rank"] == 1
    means = out.groupby("level_name")["heat"].mean()
    assert means["村级"] == means["乡镇级"]


def test_missing_activity_renormalises_the_weights() -> None:
    rows = village_pool()
    rows[1]["moved"] = np.nan  # not enough history yet
    out = heat.add_heat(frame(rows), defaults()).set_index("unit_code")
    # (0.3×100 + 0.25×70 + 0.3×66.667) / 0.85 = 67.5 / 0.85 = 79.41
    assert out.loc["v2", "heat"] == 79.4
    assert np.isnan(out.loc["v2", "comp_activity"])


def test_weights_come_from_settings() -> None:
    settings = defaults() | {"heat_weights": {"study": 0, "survey": 1, "rectify": 0, "activity": 0}}
    out = heat.add_heat(frame(village_pool()), settings).set_index("unit_code")
    assert out.loc["v2", "heat"] == 70.0  # survey component only


def test_bad_or_missing_weights_fall_back_to_defaults() -> None:
    assert heat.weights({"heat_weights": {"study": "x", "other": 3}}) == heat.DEFAULT_WEIGHTS
    assert heat.weights({}) == heat.DEFAULT_WEIGHTS


def test_volume_against_a_zero_median() -> None:
    # Median of (3, 0, 0) is 0: a positive value scores 100, zero scores 0.
    rows = [
        unit("a", "村级", 3, (1, 1, 1), 1),
        unit("b", "村级", 0, (1, 1, 1), 1),
        unit("c", "村级", 0, (1, 1, 1), 1),
    ]
    scores = heat.volume_scores(frame(rows), ["report_date", "level_name"])
    assert list(scores["deeds_done"]) == [100.0, 0.0, 0.0]


def test_pools_by_category_and_ties() -> None:
    rows = village_pool()
    rows.append(unit("s1", "村级", 5, (0.4, 0.5, 0.5), 7))
    rows[-1]["category"] = "学校"
    out = heat.add_heat(frame(rows), defaults(), by_category=True).set_index("unit_code")
    assert out.loc["s1", "pool"] == "村级·学校"
    assert out.loc["s1", "rank"] == 1 and out.loc["s1", "pool_size"] == 1
    # Without category pools s1 ties with v2 (both 75.0 against the median 5): same rank.
    flat = heat.add_heat(frame(rows), defaults()).set_index("unit_code")
    assert flat.loc["s1", "rank"] == flat.loc["v2", "rank"] == 2
    assert flat.loc["v3", "rank"] == 4


def test_status_thresholds() -> None:
    settings = defaults() | {"rank_green": 60, "rank_yellow": 40}
    labels = heat.status(pd.Series([60.0, 59.9, 40.0, 39.9]), settings)
    assert list(labels) == ["green", "yellow", "yellow", "red"]
