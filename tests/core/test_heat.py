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
        # v1: every figure 10 (pool medians: 5; moved median 7), all rates 1, all 14 moved
        #   → every component 100 → heat 100.
        unit("v1", "村级", 10, (1.0, 1.0, 1.0), 14),
        # v2: figures 5 = the median → every volume 100, reading (5+1)/(5+1) = 100.
        #   study   = (100 reading + 100 volume) / 2                 = 100
        #   survey  = (40 report rate + 100 volume) / 2              = 70
        #   rectify = (50 closure + 50 measure + 100 volume) / 3     = 66.667
        #   activity = 7 moved / pool median 7                        = 100
        #   heat = 0.3×100 + 0.25×70 + 0.3×66.667 + 0.15×100 = 30 + 17.5 + 20 + 15 = 82.5
        unit("v2", "村级", 5, (0.4, 0.5, 0.5), 7),
        # v3: nothing: rates undefined (left out), volumes (0+1)/(5+1) = 16.667, no movement.
        #   study = (16.667 + 16.667) / 2, survey = 16.667, rectify = 16.667, activity 0
        #   heat = (0.85 × 16.667 + 0.15 × 0) = 14.2
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
    assert out.loc["v2", "comp_activity"] == 100.0
    assert out.loc["v2", "heat"] == 82.5
    # rates left out, not scored 0: v3's survey and rectify rest on its volumes alone
    assert out.loc["v3", "comp_survey"] == pytest.approx(16.7)
    assert out.loc["v3", "comp_rectify"] == pytest.approx(16.7)
    assert out.loc["v3", "heat"] == 14.2
    assert np.isnan(out.loc["v3", "comp_targets"])  # no 任务清单 set
    assert list(out["rank"]) == [1, 2, 3]
    assert list(out["pool"]) == ["村级"] * 3
    assert list(out["pool_size"]) == [3, 3, 3]


def test_heat_is_comparable_across_levels() -> None:
    # Townships have ten times the villages' volumes; against their own pool's median they
    # score alike, so townships behaving like the villages get about the same heat.
    towns = [
        unit("t1", "乡镇级", 100, (1.0, 1.0, 1.0), 14),
        unit("t2", "乡镇级", 50, (0.4, 0.5, 0.5), 7),
        unit("t3", "乡镇级", 0, (np.nan, np.nan, np.nan), 0, reading=False),
    ]
    out = heat.add_heat(frame(village_pool() + towns), defaults()).set_index("unit_code")
    assert out.loc["t2", "heat"] == out.loc["v2", "heat"] == 82.5
    assert out.loc["t1", "rank"] == 1 and out.loc["v1", "rank"] == 1
    assert out.loc["t1", "heat"] == out.loc["v1", "heat"] == 100.0
    # an empty township lies further under its (larger) median: (0+1)/(50+1) vs (0+1)/(5+1)
    assert out.loc["t3", "heat"] < out.loc["v3", "heat"]


def test_a_part_that_does_not_apply_is_left_out() -> None:
    # No survey topic in a pool where nobody sets one: 调查研究 is left out entirely and the
    # weights are renormalised, never scored 0.
    rows = [unit(f"v{i}", "村级", 4, (np.nan, 0.5, 0.5), 7) for i in range(3)]
    for row in rows:
        for code in ("survey_topics", "survey_reports", "typical_cases"):
            row[f"cur_{code}"] = 0
    out = heat.add_heat(frame(rows), defaults())
    assert out["comp_survey"].isna().all()
    # study 100, rectify (50 + 50 + 100) / 3, activity 100: (30 + 20 + 15) / 0.75 = 86.7
    assert list(out["heat"]) == [86.7] * 3


def test_reading_classes_are_graded() -> None:
    # Pool median 4 classes: 2 classes is (2+1)/(4+1) = 60, not 0 or 100.
    rows = [unit(f"u{i}", "乡镇级", 4, (1, 1, 1), 7) for i in range(3)]
    rows.append(unit("half", "乡镇级", 4, (1, 1, 1), 7))
    rows[-1]["cur_reading_classes"] = 2
    out = heat.add_heat(frame(rows), defaults()).set_index("unit_code")
    assert out.loc["half", "comp_study"] == pytest.approx((60 + 100) / 2)


def test_activity_against_what_peers_move() -> None:
    # Small units move 3 indicators in the window; the pool's median is 3: full marks,
    # where the share of all 14 would have given 21.
    rows = [unit(f"u{i}", "村级", 2, (1, 1, 1), 3) for i in range(4)]
    rows.append(unit("slow", "村级", 2, (1, 1, 1), 1))
    out = heat.add_heat(frame(rows), defaults()).set_index("unit_code")
    assert out.loc["u0", "comp_activity"] == 100.0
    assert out.loc["slow", "comp_activity"] == pytest.approx(33.3)


def test_level_targets_are_a_component() -> None:
    # 任务清单: every village holds 2 reading classes by the end date.  Halfway through the
    # campaign 1 class is on track (100); 0 is 0; the townships have no target (left out).
    settings = defaults() | {
        "start_date": "2023-09-01",
        "end_date": "2023-12-30",
        "level_targets": {"村级": {"reading_classes": 2, "nonsense": 5}, "乡镇级": "x"},
    }
    rows = village_pool() + [unit("t1", "乡镇级", 100, (1.0, 1.0, 1.0), 14)]
    rows[0]["cur_reading_classes"] = 1
    for row in rows:
        row["report_date"] = pd.Timestamp(dt.date(2023, 10, 31))  # 60 of 120 days
    out = heat.add_heat(frame(rows), settings).set_index("unit_code")
    assert out.loc["v1", "comp_targets"] == 100.0
    assert out.loc["v2", "comp_targets"] == 100.0  # 5 ≥ 1
    assert out.loc["v3", "comp_targets"] == 0.0
    assert np.isnan(out.loc["t1", "comp_targets"])
    assert heat.level_targets(settings) == {"村级": {"reading_classes": 2.0}}
    plain = heat.add_heat(frame(rows), defaults()).set_index("unit_code")
    assert out.loc["v3", "heat"] < plain.loc["v3", "heat"]  # the missed target weighs in


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
    # Median of (3, 0, 0) is 0: a positive value scores 100, zero is left out (nobody at
    # that level is expected to have any).
    rows = [
        unit("a", "村级", 3, (1, 1, 1), 1),
        unit("b", "村级", 0, (1, 1, 1), 1),
        unit("c", "村级", 0, (1, 1, 1), 1),
    ]
    scores = heat.volume_scores(frame(rows), ["report_date", "level_name"])
    assert scores["deeds_done"].iloc[0] == 100.0
    assert scores["deeds_done"].iloc[1:].isna().all()


def test_pools_by_category_and_ties() -> None:
    rows = village_pool()
    rows.append(unit("s1", "村级", 5, (0.4, 0.5, 0.5), 7))
    rows[-1]["category"] = "学校"
    out = heat.add_heat(frame(rows), defaults(), by_category=True).set_index("unit_code")
    assert out.loc["s1", "pool"] == "村级·学校"
    assert out.loc["s1", "rank"] == 1 and out.loc["s1", "pool_size"] == 1
    # Without category pools s1 ties with v2 (both 82.5 against the median 5): same rank.
    flat = heat.add_heat(frame(rows), defaults()).set_index("unit_code")
    assert flat.loc["s1", "rank"] == flat.loc["v2", "rank"] == 2
    assert flat.loc["v3", "rank"] == 4


def test_status_thresholds() -> None:
    settings = defaults() | {"rank_green": 60, "rank_yellow": 40}
    labels = heat.status(pd.Series([60.0, 59.9, 40.0, 39.9]), settings)
    assert list(labels) == ["green", "yellow", "yellow", "red"]
