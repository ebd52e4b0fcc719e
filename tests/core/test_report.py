"""build_report on the hand-made city of ``report_data`` (answers worked out by hand).

Level-4 pool in W3: 4 hot villages (every figure 30) and 4 cold ones (1, or 10 for found /
measures set / topics).  Pool medians: (1 + 30) / 2 = 15.5 and (10 + 30) / 2 = 20.
A cold village in W3:
  study    = (100 reading class + 1/15.5 × 100 = 6.452 volume) / 2                  = 53.226
  survey   = (10 report rate + (50 + 6.452 + 6.452) / 3 = 20.968) / 2                 = 15.484
  rectify  = (10 closure + 10 measures + (50 + 50 + 3 × 6.452) / 5 = 23.871) / 3        = 14.624
  activity = 0 (nothing moved since W1, or not reported)
  heat     = 0.3 × 53.226 + 0.25 × 15.484 + 0.3 × 14.624 + 0.15 × 0 = 24.226 → 24.2
Every hot unit scores 100 in every component (volumes at or above the median, rates 1,
all 14 indicators moved) → heat 100.
"""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.core import report

from .report_data import (
    COLD_VILLAGES,
    SILENT_IN_W3,
    W1,
    W2,
    W3,
    figures_frame,
    settings,
    units_frame,
)


@pytest.fixture(scope="module")
def week3() -> report.WeekReport:
    return report.build_report(units_frame(), figures_frame(), settings())


def by_code(rep: report.WeekReport) -> pd.DataFrame:
    return rep.units.set_index("code")


def test_latest_week_and_previous(week3: report.WeekReport) -> None:
    assert week3.report_date == W3
    assert week3.previous_date == W2
    assert week3.dates == [W1, W2, W3]
    assert week3.scope_name == "全市"


def test_coverage_and_not_reported(week3: report.WeekReport) -> None:
    # 15 expected, 乙四村 silent in W3 → 14 reported; W2 had all 15.
    assert week3.coverage == {
        "expected": 15,
        "reported": 14,
        "rate": pytest.approx(14 / 15),
        "previous_rate": 1.0,
    }
    assert week3.not_reported == [SILENT_IN_W3]
    assert by_code(week3).loc[SILENT_IN_W3, "missing_weeks"] == 1


def test_stalled_are_the_cold_villages_that_reported(week3: report.WeekReport) -> None:
    assert week3.stalled == [c for c in COLD_VILLAGES if c != SILENT_IN_W3]


def test_heat_worked_by_hand(week3: report.WeekReport) -> None:
    units = by_code(week3)
    cold = units.loc["01020101"]
    assert cold["comp_study"] == 53.2
    assert cold["comp_survey"] == 15.5
    assert cold["comp_rectify"] == 14.6
    assert cold["comp_activity"] == 0.0
    assert cold["heat"] == 24.2
    assert units.loc[SILENT_IN_W3, "heat"] == 24.2  # carried figures, activity 0
    hot = units.drop(list(COLD_VILLAGES))
    assert (hot["heat"] == 100.0).all()
    assert cold["status"] == "red" and units.loc["01", "status"] == "green"


def test_ranks_and_rank_change(week3: report.WeekReport) -> None:
    units = by_code(week3)
    villages = units[units["level"] == 4]
    assert set(villages["pool"]) == {"村级"}
    # Four hot villages tie for 1st; the four cold ones tie for 5th — as in W2 → change 0.
    assert sorted(villages["rank"].tolist()) == [1, 1, 1, 1, 5, 5, 5, 5]
    assert (villages["rank_change"] == 0).all()
    first = report.build_report(units_frame(), figures_frame(), settings(), report_date=W1)
    assert first.previous_date is None
    assert first.units["rank_change"].isna().all()


def test_totals_and_rates(week3: report.WeekReport) -> None:
    totals = week3.totals.set_index("code")
    # Generic figure: 11 hot units × 30 + 4 cold × 1 = 334; W2: 11 × 20 + 4 = 224 → +110.
    assert totals.loc["deeds_done", "value"] == 334
    assert totals.loc["deeds_done", "change"] == 110
    # Found: 11 × 30 + 4 × 10 = 370; closed 334.
    assert totals.loc["problems_found", "value"] == 370
    assert totals.loc["problems_closed", "label"] == "已整改销号问题数"
    rates = week3.rates.set_index("code")
    assert rates.loc["closure_rate", "value"] == pytest.approx(334 / 370)
    assert rates.loc["reading_coverage", "value"] == 1.0


def test_levels(week3: report.WeekReport) -> None:
    levels = week3.levels.set_index("level")
    assert list(levels["name"]) == ["市级", "县级", "乡镇级", "村级"]
    assert list(levels["units"]) == [1, 2, 4, 8]
    assert list(levels["reported"]) == [1, 2, 4, 7]
    # Level 4: (4 × 100 + 4 × 24.226) / 8 = 62.11.
    assert list(levels["mean_heat"]) == [100.0, 100.0, 100.0, 62.1]
    # Level 4 closure over the 7 that reported: (4 × 30 + 3 × 1) / (4 × 30 + 3 × 10) = 123/150.
    assert levels.loc[4, "closure_rate"] == pytest.approx(0.82)
    assert levels.loc[1, "closure_rate"] == 1.0


def test_gradient_flags_the_county_cold_at_its_grassroots(week3: report.WeekReport) -> None:
    subtrees = week3.subtrees.set_index("code")
    assert list(subtrees.index) == ["0101", "0102"]
    assert bool(subtrees.loc["0101", "flagged"]) is False
    # 乙县: 100 → 100 → 24.2: the bottom is the coldest and 75.8 below the top → 上热下冷.
    assert subtrees.loc["0102", "pattern"] == "上热下冷"
    assert subtrees.loc["0102", "heat_l4"] == 24.2
    assert subtrees.loc["0102", "ratio_l4"] == 0.24


def test_lagging_with_all_reasons(week3: report.WeekReport) -> None:
    lagging = week3.lagging.set_index("unit_code")
    assert sorted(lagging.index) == sorted(COLD_VILLAGES)
    # Bottom of 8: round(0.8) = 1 place, the four tied cold villages share it.
    # Closure 1/10 < 50%; 9 open problems and no closing at all → not by 2024-01-31.
    assert lagging.loc["01020101", "reasons"] == ["停滞", "排名末位", "销号率偏低", "不能按期完成"]
    assert lagging.loc[SILENT_IN_W3, "reasons"] == [
        "未报送",
        "排名末位",
        "销号率偏低",
        "不能按期完成",
    ]
    assert lagging.loc["01020101", "parent_name"] == "乙一镇"
    # one bool column per reason, for counting and filtering without Python loops
    assert lagging[["未报送", "停滞", "排名末位"]].sum().tolist() == [1, 3, 4]
    assert bool(lagging.loc[SILENT_IN_W3, "未报送"]) and not lagging.loc[SILENT_IN_W3, "停滞"]


def test_findings(week3: report.WeekReport) -> None:
    assert week3.findings == [
        "截至10月27日，全市应报单位15个，已报14个，报送率93.3%，较上周下降6.7个百分点。",
        "累计检视问题370个，已整改销号334个，问题销号率90.3%，本周新增销号110个，累计为民办实事334件。",
        "各层级平均热度：市级100.0、县级100.0、乡镇级100.0、村级62.1，整体呈“上热下冷”态势。",
        "1个系统热度逐级递减、传导不足：乙县（上热下冷）。",
        "落后单位4个，其中未报送1个、停滞3个、排名末位4个、销号率偏低4个、不能按期完成4个。",
    ]


def test_scope_cuts_everything_to_the_subtree() -> None:
    rep = report.build_report(units_frame(), figures_frame(), settings(), scope="0102")
    assert rep.scope_name == "乙县"
    assert rep.coverage["expected"] == 7 and rep.coverage["reported"] == 6
    assert list(rep.levels["level"]) == [2, 3, 4]
    assert rep.subtrees["code"].tolist() == ["0102"]
    # Heat and ranks stay city-wide: the cold villages are still 5th of the 8 villages.
    assert set(rep.units.loc[rep.units["level"] == 4, "rank"]) == {5}
    with pytest.raises(KeyError):
        report.build_report(units_frame(), figures_frame(), settings(), scope="nope")


def test_a_window_of_figures_gives_the_same_report(week3: report.WeekReport) -> None:
    # What load_window returns: the window's rows plus each unit's latest row before it.
    figures = figures_frame()
    two_weeks = report.build_report(
        units_frame(),
        figures[figures["report_date"] >= pd.Timestamp(W2)],
        settings(),
        W3,
        all_dates=[W1, W2, W3],
    )
    # Without W1 the stall window (2 weeks) cannot be judged from W2 alone, so only the
    # measures that need ≤ 1 week of history are compared here.
    pd.testing.assert_frame_equal(two_weeks.totals, week3.totals)
    assert two_weeks.coverage == week3.coverage
    assert two_weeks.not_reported == week3.not_reported


def test_narrow_recomputes_rows_not_heat(week3: report.WeekReport) -> None:
    villages = week3.units[week3.units["level"] == 4]
    view = report.narrow(week3, villages, settings())
    assert view.coverage["expected"] == 8 and view.coverage["reported"] == 7
    assert list(view.levels["level"]) == [4]
    assert len(view.lagging) == 4
    assert view.totals is week3.totals


def test_json_contract(week3: report.WeekReport) -> None:
    doc = week3.to_json()
    assert list(doc) == [
        "report_date",
        "coverage",
        "not_reported",
        "stalled",
        "levels",
        "gradient_flagged_subtrees",
        "lagging",
        "rankings",
    ]
    assert doc["report_date"] == "2023-10-27"
    assert doc["coverage"] == {"expected": 15, "reported": 14, "rate": pytest.approx(14 / 15)}
    assert doc["levels"][3] == {
        "level": 4,
        "name": "村级",
        "units": 8,
        "mean_heat": 62.1,
        "closure_rate": pytest.approx(0.82),
    }
    assert doc["gradient_flagged_subtrees"] == ["0102"]
    assert {
        "unit_code": SILENT_IN_W3,
        "reasons": ["未报送", "排名末位", "销号率偏低", "不能按期完成"],
    } in doc["lagging"]
    assert len(doc["rankings"]) == 15
    assert doc["rankings"][0] == {
        "unit_code": "01",
        "pool": "市级",
        "rank": 1,
        "heat": 100.0,
        "rank_change": 0,
    }


def test_history_in_the_same_pass(week3: report.WeekReport) -> None:
    codes = ["01020101", "0101"]
    rep = report.build_report(
        units_frame(), figures_frame(), settings(), history_codes=codes, history_weeks=2
    )
    pd.testing.assert_frame_equal(
        rep.units.drop(columns=["reasons", "reason_details"]),
        week3.units.drop(columns=["reasons", "reason_details"]),
    )
    alone = report.history(units_frame(), figures_frame(), settings(), unit_codes=codes)
    alone = alone[alone["report_date"] >= pd.Timestamp(W2)].reset_index(drop=True)
    pd.testing.assert_frame_equal(rep.history, alone)
    assert list(rep.history.loc[rep.history["unit_code"] == "01020101", "rank"]) == [5, 5]
    assert week3.history.empty


def test_indicator_trends_match_the_full_level_trends() -> None:
    full = report.level_trends(report.history(units_frame(), figures_frame(), settings()))
    lean = report.indicator_trends(
        units_frame(), figures_frame(), settings(), ["deeds_done", "problems_closed"]
    )
    columns = ["report_date", "level", "units", "cur_deeds_done", "cur_problems_closed"]
    pd.testing.assert_frame_equal(lean[columns], full[columns], check_dtype=False)
    # Villages in W3: 4 hot × 30 + 4 cold × 1 = 124 (乙四村 carried from W2).
    w3 = lean[(lean["report_date"] == pd.Timestamp(W3)) & (lean["level"] == 4)]
    assert w3["cur_deeds_done"].item() == 124
    scoped = report.indicator_trends(
        units_frame(), figures_frame(), settings(), ["deeds_done"], scope="0102"
    )
    assert list(scoped["level"].unique()) == [2, 3, 4]
