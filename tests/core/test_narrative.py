"""The week's findings as plain Chinese sentences with exact numbers."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from dashboard.core import narrative
from dashboard.core.flags import REASONS

DAY = dt.date(2023, 10, 27)


def test_coverage_sentence_in_the_office_style() -> None:
    # 1,498 / 1,532 = 97.78% → 97.8%; previous 97.2% → +0.58 points → 提高0.6个百分点.
    text = narrative.coverage_sentence(
        DAY,
        "全市",
        {"expected": 1532, "reported": 1498, "rate": 1498 / 1532, "previous_rate": 0.972},
    )
    assert (
        text
        == "截至10月27日，全市应报单位1,532个，已报1,498个，报送率97.8%，较上周提高0.6个百分点。"
    )


def test_coverage_sentence_without_previous_week_and_when_unchanged() -> None:
    first = narrative.coverage_sentence(
        DAY, "甲县", {"expected": 4, "reported": 3, "rate": 0.75, "previous_rate": None}
    )
    assert first == "截至10月27日，甲县应报单位4个，已报3个，报送率75.0%。"
    same = narrative.coverage_sentence(
        DAY, "甲县", {"expected": 4, "reported": 3, "rate": 0.75, "previous_rate": 0.75}
    )
    assert same.endswith("报送率75.0%，与上周持平。")


def test_totals_sentence() -> None:
    totals = pd.DataFrame(
        {
            "code": ["problems_found", "problems_closed", "deeds_done"],
            "value": [1200.0, 900.0, 3456.0],
            "change": [10.0, 85.0, 12.0],
        }
    )
    rates = pd.DataFrame({"code": ["closure_rate"], "value": [0.75]})
    assert narrative.totals_sentence(totals, rates) == (
        "累计检视问题1,200个，已整改销号900个，问题销号率75.0%，本周新增销号85个，累计为民办实事3,456件。"
    )


def test_levels_sentence_names_the_pattern() -> None:
    levels = pd.DataFrame(
        {"name": ["市级", "县级", "乡镇级", "村级"], "mean_heat": [90.0, 78.0, 62.0, 41.5]}
    )
    # the pattern is judged by gradient.city_pattern; the sentence says it
    assert narrative.levels_sentence(levels, "上热中温下冷") == (
        "各层级平均热度：市级90.0、县级78.0、乡镇级62.0、村级41.5，整体呈“上热中温下冷”态势。"
    )
    flat = levels.assign(mean_heat=[70.0, 69.0, 68.0, 67.0])
    assert (
        narrative.levels_sentence(flat, "")
        == "各层级平均热度：市级70.0、县级69.0、乡镇级68.0、村级67.0，未见逐级明显递减。"
    )


def test_ties_are_named_as_ties() -> None:
    frame = pd.DataFrame(
        {
            "name": ["甲村", "乙村", "丙村", "丁村", "戊村", "己村", "庚村", "辛村"],
            "heat": [12.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 30.0],
        }
    ).sort_values("heat", kind="stable")
    assert narrative.tied_names(frame, "heat", limit=3) == "6个单位热度为0.0"
    single = frame[frame["name"].isin(["甲村", "辛村"])]
    assert narrative.tied_names(single, "heat") == "甲村（热度12.0）、辛村（热度30.0）"


def test_flagged_subtrees_with_detail_and_cold_ones() -> None:
    subtrees = pd.DataFrame(
        {
            "name": ["甲县", "乙县", "丙县"],
            "flagged": [True, True, False],
            "pattern": ["上热下冷", "整体偏冷", ""],
            "detail": [
                "热度损失30.0分，乡镇级→村级降幅最大（检视整改降40.0分）",
                "各层级热度均低于全市同级",
                "",
            ],
        }
    )
    assert narrative.gradient_sentence(subtrees) == (
        "1个系统热度逐级递减、传导不足：甲县（上热下冷）；"
        "其中甲县热度损失30.0分，乡镇级→村级降幅最大（检视整改降40.0分）；"
        "1个系统各层级热度整体偏冷：乙县。"
    )


def test_gradient_and_lagging_sentences() -> None:
    subtrees = pd.DataFrame(
        {"name": ["甲县", "乙县"], "flagged": [False, True], "pattern": ["", "上热下冷"]}
    )
    assert (
        narrative.gradient_sentence(subtrees) == "1个系统热度逐级递减、传导不足：乙县（上热下冷）。"
    )
    assert (
        narrative.gradient_sentence(subtrees.assign(flagged=False))
        == "2个下辖系统均未出现热度逐级明显递减。"
    )
    lagging = pd.DataFrame({"reasons": [["未报送", "排名末位"], ["停滞"], ["未报送"]]})
    assert narrative.lagging_sentence(lagging, REASONS) == (
        "落后单位3个，其中未报送2个、停滞1个、排名末位1个。"
    )
    assert narrative.lagging_sentence(lagging.iloc[0:0], REASONS) == "本周无落后单位。"


def test_reminder_text_groups_by_subtree() -> None:
    missing = pd.DataFrame(
        {
            "name": ["甲一村", "甲二村", "乙一镇", "示范市"],
            "root_l2": ["A", "A", "B", np.nan],
            "missing_weeks": [1, 3, 2, 1],
        }
    )
    text = narrative.reminder_text(DAY, missing, {"A": "甲县", "B": "乙县"})
    assert text.splitlines() == [
        "【催报】截至10月27日，以下4个单位尚未报送本周进展统计表，请抓紧报送：",
        "甲县：甲一村、甲二村（连续3周）",
        "乙县：乙一镇（连续2周）",
        "市本级：示范市",
    ]
    assert (
        narrative.reminder_text(DAY, missing.iloc[0:0], {})
        == "截至10月27日，各单位均已报送，感谢支持！"
    )
