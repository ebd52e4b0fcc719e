"""上热中温下冷: level profiles, subtree heat by level, transmission ratios, patterns."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.core import gradient


@pytest.mark.parametrize(
    ("heats", "expected"),
    [
        ([80, 65, 50], "上热中温下冷"),  # every step falls by 15 > 10
        ([80, 75, 50], "上热下冷"),  # bottom coldest, the last step falls by 25
        ([80, 50, 45], "上热下冷"),  # every level below is > 10 under the top, bottom coldest
        ([80, 60], "上热下冷"),  # a department and its units: one step of 20
        ([80, 78, 75], ""),  # falls, but by 5 in all
        ([90, 80.5, 79], ""),  # 10.5 in all, but neither step nor both levels clear 10
        ([80, 40, 60], ""),  # the middle is colder than the bottom: not 下冷
        ([50, 70, 90], ""),  # warmer downwards
        ([80], ""),  # nothing below
    ],
)
def test_classify(heats: list[float], expected: str) -> None:
    assert gradient.classify([float(h) for h in heats], threshold=10.0) == expected


def test_level_profile_means() -> None:
    frame = pd.DataFrame(
        {"level": [1, 2, 2, 3, 3, 3], "heat": [90.0, 80.0, 70.0, 60.0, 50.0, 40.0]}
    )
    profile = gradient.level_profile(frame)
    assert list(profile["mean_heat"]) == [90.0, 75.0, 50.0]


def test_small_levels_are_not_judged() -> None:
    # The township level has only 2 units: it is left out, the villages (3) are judged
    # against the top directly: one step 80 → 50 → 上热下冷.
    assert gradient.classify([80.0, 20.0, 50.0], 10.0, [1, 2, 3]) == "上热下冷"
    # With only 2 villages nothing below the top can be judged.
    assert gradient.classify([80.0, 20.0, 10.0], 10.0, [1, 2, 2]) == ""


def test_subtrees_heat_by_level_ratios_and_flags() -> None:
    # County A: 80 → townships (75, 65, 55) mean 65 → villages (50, 45, 40) mean 45.
    #   drops 15 and 20 (> 10 each) → 上热中温下冷; ratios 65/80 = 0.81, 45/65 = 0.69;
    #   total transmission 45/80 = 0.56, fall 35.
    # County B: 70 → townships 68 → villages 66: drops 2 and 2 → not flagged.
    frame = pd.DataFrame(
        {
            "code": ["A", "A1", "A2", "A3", "A1a", "A2a", "A3a", "B", "B1", "B2", "B3"]
            + ["B1a", "B2a", "B3a", "CITY"],
            "level": [2, 3, 3, 3, 4, 4, 4, 2, 3, 3, 3, 4, 4, 4, 1],
            "heat": [80.0, 75.0, 65.0, 55.0, 50.0, 45.0, 40.0, 70.0, 68.0, 68.0, 68.0]
            + [66.0, 66.0, 66.0, 99.0],
        }
    )
    roots = pd.Series({code: code[0] for code in frame["code"] if code != "CITY"})
    out = gradient.subtrees(
        frame, roots, {"A": "甲县", "B": "乙县"}, {"gradient_threshold": 10.0}
    ).set_index("code")
    assert out.loc["A", "name"] == "甲县"
    assert out.loc["A", "heat_l2"] == 80.0
    assert out.loc["A", "heat_l3"] == 65.0
    assert out.loc["A", "heat_l4"] == 45.0
    assert out.loc["A", "units_l3"] == 3
    assert out.loc["A", "ratio_l3"] == 0.81
    assert out.loc["A", "ratio_l4"] == 0.69
    assert out.loc["A", "transmission"] == 0.56
    assert out.loc["A", "fall"] == 35.0
    assert out.loc["A", "pattern"] == "上热中温下冷"
    assert bool(out.loc["A", "flagged"]) is True
    assert bool(out.loc["B", "flagged"]) is False
    assert "CITY" not in out.index  # the city is in no subtree


def test_threshold_is_configurable() -> None:
    frame = pd.DataFrame(
        {
            "code": ["B", "B1", "B2", "B3", "B1a", "B2a", "B3a"],
            "level": [2, 3, 3, 3, 4, 4, 4],
            "heat": [70.0, 64.0, 64.0, 64.0, 58.0, 58.0, 58.0],
        }
    )
    roots = pd.Series(dict.fromkeys(frame["code"], "B"))
    names = {"B": "乙县"}
    loose = gradient.subtrees(frame, roots, names, {"gradient_threshold": 5.0})
    strict = gradient.subtrees(frame, roots, names, {"gradient_threshold": 10.0})
    assert loose.loc[0, "pattern"] == "上热中温下冷"  # drops 6 and 6 > 5
    assert strict.loc[0, "pattern"] == ""  # no step and not both levels more than 10 under


def test_min_units_is_a_setting() -> None:
    # Two townships (70, 70) and two villages (40, 40) under a county of 80.
    frame = pd.DataFrame(
        {
            "code": ["C", "C1", "C2", "C1a", "C2a"],
            "level": [2, 3, 3, 4, 4],
            "heat": [80.0, 70.0, 70.0, 40.0, 40.0],
        }
    )
    roots = pd.Series(dict.fromkeys(frame["code"], "C"))
    default = gradient.subtrees(frame, roots, {"C": "丙县"}, {"gradient_threshold": 10.0})
    assert default.loc[0, "pattern"] == ""  # levels of 2 units are not judged
    two = gradient.subtrees(
        frame, roots, {"C": "丙县"}, {"gradient_threshold": 10.0, "gradient_min_units": 2}
    )
    assert two.loc[0, "pattern"] == "上热下冷"  # last step 30 > 10, villages coldest
