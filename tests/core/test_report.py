"""build_report on the hand-made city of ``report_data`` (answers worked out by hand).

Level-4 pool in W3: 4 hot villages (every figure 30) and 4 cold ones (1, or 10 for found /
measures set / topics).  Pool medians: (1 + 30) / 2 = 15.5 and (10 + 30) / 2 = 20; the
median of indicators moved is (14 + 0) / 2 = 7.  Volumes score (value + 1) / (median + 1).
A cold village in W3:
  study    = (reading (1+1)/(15.5+1) = 12.12 + volumes 12.12) / 2                      = 12.12
  survey   = (10 report rate + (11/21 = 52.38 + 12.12 + 12.12) / 3 = 25.54) / 2          = 17.77
  rectify  = (10 closure + 10 measures + (52.38 + 52.38 + 3 × 12.12) / 5 = 28.22) / 3    = 16.07
  activity = 0 moved / 7                                                                = 0
  heat     = 0.3 × 12.12 + 0.25 × 17.77 + 0.3 × 16.07 + 0.15 × 0 = 12.90 → 12.9
Every hot unit scores 100 in every component (volumes at or above the median, rates 1,
14 indicators moved against a median of 7) → heat 100.
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
    assert cold["comp_study"] == 12.1
    assert cold["comp_survey"] == 17.8
    assert cold["comp_rectify"] == 16.1
    assert cold["comp_activity"] == 0.0
    assert cold["heat"] == 12.9
    assert units.loc[SILENT_IN_W3, "heat"] == 12.9  # carried figures, activity 0
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
    # Level 4: (4 × 100 + 4 × 12.9) / 8 = 56.45.
    assert list(levels["mean_heat"]) == [100.0, 100.0, 100.0, 56.4]
    # Level 4 closure over the 7 that reported: (4 × 30 + 3 × 1) / (4 × 30 + 3 × 10) = 123/150.
    assert levels.loc[4, "closure_rate"] == pytest.approx(0.82)
    assert levels.loc[1, "closure_rate"] == 1.0


def test_gradient_flags_the_county_cold_at_its_grassroots(week3: report.WeekReport) -> None:
    subtrees = week3.subtrees.set_index("code")
    assert list(subtrees.index) == ["0102", "0101"]  # flagged first
    assert bool(subtrees.loc["0101", "flagged"]) is False
    # 乙县: 100 → (2 townships, not judged) → 12.9.  Spread of the villages' heat: median
    # 56.45, every deviation 43.55 → 1.4826 × 43.55 = 64.6; the counties' spread is 0.  The
    # bar is max(1.0 × √((0 + 64.6²) / 2) = 45.7, 1.645 × √(0 + 64.6² / 4) = 53.1): a fall of
    # 87.1 clears it → 上热下冷.
    assert subtrees.loc["0102", "pattern"] == "上热下冷"
    assert subtrees.loc["0102", "heat_l4"] == 12.9
    assert subtrees.loc["0102", "ratio_l4"] == 0.13
    assert subtrees.loc["0102", "loss"] == 87.1
    assert subtrees.loc["0102", "detail"].startswith(
        "热度损失87.1分，县级→村级降幅最大（活跃度降100.0分"
    )


def test_lagging_with_all_reasons(week3: report.WeekReport) -> None:
    lagging = week3.lagging.set_index("unit_code")
    assert sorted(lagging.index) == sorted(COLD_VILLAGES)
    # Half the villages close 10%, half 100%: against such a pool nobody's rate is "far
    # below" (median 55%, robust spread 67 points), nor its projected backlog; a bottom 5%
    # of 8 villages rounds to nobody.  What remains: silence and standing still.
    assert lagging.loc["01020101", "reasons"] == ["停滞"]
    assert lagging.loc[SILENT_IN_W3, "reasons"] == ["未报送"]
    assert lagging.loc["01020101", "parent_name"] == "乙一镇"
    # severity: 40 (未报送) + (56.45 − 12.9) / 2 capped at 20 → 60; 20 (停滞) + 20 → 40
    assert list(week3.lagging["unit_code"])[0] == SILENT_IN_W3
    assert lagging.loc[SILENT_IN_W3, "severity"] == 60.0
    assert lagging.loc["01020101", "severity"] == 40.0
    # one bool column per reason, for counting and filtering without Python loops
    assert lagging[["未报送", "停滞", "排名末位"]].sum().tolist() == [1, 3, 0]
    assert bool(lagging.loc[SILENT_IN_W3, "未报送"]) and not lagging.loc[SILENT_IN_W3, "停滞"]


def test_findings(week3: report.WeekReport) -> None:
    assert week3.findings == [
        "截至10月27日，全市应报单位15个，已报14个，报送率93.3%，较上周下降6.7个百分点。",
        "累计检视问题370个，已整改销号334个，问题销号率90.3%，本周新增销号110个，累计为民办实事334件。",
        # villages 100 and 12.9 half and half: a fall of 43.6 from the townships is less than
        # one spread of the villages' heat (45.7) → the city as a whole is not said to fade
        "各层级平均热度：市级100.0、县级100.0、乡镇级100.0、村级56.4，未见逐级明显递减。",
        "1个系统热度逐级递减、传导不足：乙县（上热下冷）；"
        "其中乙县热度损失87.1分，县级→村级降幅最大（活跃度降100.0分、理论学习降87.9分）。",
        "落后单位4个，其中未报送1个、停滞3个；最需督导的是4个单位热度为12.9。",
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
        "mean_heat": 56.4,
        "closure_rate": pytest.approx(0.82),
    }
    assert doc["gradient_flagged_subtrees"] == ["0102"]
    assert {
        "unit_code": SILENT_IN_W3,
        "reasons": ["未报送"],
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
