"""上热中温下冷 on hand-made level means: significance against the spread, the patterns,
subtree tables of any depth, the detail text and the order of the flags."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.core import gradient

FULL, BOTTOM, MIDDLE, COLD = (
    gradient.PATTERN_FULL,
    gradient.PATTERN_BOTTOM,
    gradient.PATTERN_MIDDLE,
    gradient.PATTERN_COLD,
)


@pytest.mark.parametrize(
    ("heats", "expected"),
    [
        # spread 10 at every level, 1 root, 9 townships, 36 villages, effect 1.0:
        # bar(root, level) = max(1.0 × 10, 1.645 × √(100 + 100/n)) ≈ 17.2 (n=9) / 16.7 (n=36)
        ([80, 65, 50], FULL),  # 30 in all, the townships halfway (place 0.5)
        ([80, 78, 50], BOTTOM),  # 30 in all, the townships near the top (place 0.07)
        ([80, 52, 50], MIDDLE),  # 30 in all, the townships near the bottom (place 0.93)
        ([80, 50, 78], MIDDLE),  # the townships colder than both the root and the villages
        ([80, 72, 66], ""),  # 14 in all: a fall noise could make
        ([50, 70, 90], ""),  # warmer downwards
        ([80], ""),  # nothing below
    ],
)
def test_classify_against_the_spread(heats: list[float], expected: str) -> None:
    counts = [1, 9, 36][: len(heats)]
    assert gradient.classify([float(h) for h in heats], [10.0] * len(heats), counts) == expected


def test_the_bar_grows_with_the_spread() -> None:
    # The same 20-point fall: significant where units differ little, noise where they differ
    # much (a fixed number of points would call both alike).
    assert gradient.classify([80.0, 60.0], [5.0, 5.0], [1, 30]) == BOTTOM
    assert gradient.classify([80.0, 60.0], [20.0, 20.0], [1, 30]) == ""
    # gradient_effect: the same fall against a spread of 8 is a flag at 1.0, not at 3.0
    assert gradient.classify([80.0, 60.0], [8.0, 8.0], [1, 30], size=1.0) == BOTTOM
    assert gradient.classify([80.0, 60.0], [8.0, 8.0], [1, 30], size=3.0) == ""


def test_small_levels_are_not_judged() -> None:
    # The townships have only 2 units: left out, the villages judged against the root.
    assert gradient.classify([80.0, 20.0, 50.0], [5.0] * 3, [1, 2, 30]) == BOTTOM
    # With only 2 villages nothing below the top can be judged.
    assert gradient.classify([80.0, 20.0, 10.0], [5.0] * 3, [1, 2, 2]) == ""
    assert gradient.classify([80.0, 20.0, 10.0], [5.0] * 3, [1, 2, 2], min_count=2) == MIDDLE


def test_a_cold_root_is_never_hot_on_top() -> None:
    heats, sds, counts = [40.0, 30.0, 20.0], [5.0] * 3, [1, 9, 36]
    assert gradient.classify(heats, sds, counts) == FULL  # without peers to compare with
    means = [70.0, 60.0, 50.0]
    assert gradient.classify(heats, sds, counts, level_means=means, root_low=60.0) == COLD
    # cold root, but its villages above the city's: neither 上热… nor 整体偏冷
    means = [70.0, 60.0, 15.0]
    assert gradient.classify(heats, sds, counts, level_means=means, root_low=60.0) == ""
    # a root above its peers' lower quartile is judged on its fall
    assert gradient.classify(heats, sds, counts, level_means=means, root_low=35.0) == FULL


def test_level_profile_and_stats() -> None:
    frame = pd.DataFrame(
        {"level": [1, 2, 2, 3, 3, 3], "heat": [90.0, 80.0, 70.0, 60.0, 50.0, 40.0]}
    )
    assert list(gradient.level_profile(frame)["mean_heat"]) == [90.0, 75.0, 50.0]
    stats = gradient.level_stats(frame)
    assert list(stats["n"]) == [1, 2, 3]
    assert list(stats["mean"]) == [90.0, 75.0, 50.0]
    assert stats.loc[1, "sd"] == 0.0
    # level 3: median 50, absolute deviations 10, 0, 10 → MAD 10 → 14.826
    assert stats.loc[3, "sd"] == pytest.approx(14.826)


def county(code: str, heats: list[list[float]]) -> pd.DataFrame:
    """One subtree: heats[0] = [root], then each level's units (codes code, code.1, …)."""
    rows = []
    for depth, level_heats in enumerate(heats):
        for i, h in enumerate(level_heats):
            name = code if depth == 0 else f"{code}.{depth}.{i}"
            rows.append({"code": name, "level": depth + 2, "heat": h, "root": code})
    return pd.DataFrame(rows)


def city(parts: list[pd.DataFrame]) -> tuple[pd.DataFrame, pd.Series]:
    frame = pd.concat(parts, ignore_index=True)
    return frame.drop(columns="root"), frame.set_index("code")["root"]


def test_subtrees_table_ratios_patterns_order_and_detail() -> None:
    # A fades 90 → 70 → 50; B is flat at 80; C is flat at 80 too; D is cold at every level.
    parts = [
        county("A", [[90.0], [72, 70, 68, 70], [52, 50, 48, 50, 51, 49]]),
        county("B", [[80.0], [81, 79, 80, 80], [80, 79, 81, 80, 80, 80]]),
        county("C", [[82.0], [80, 80, 81, 79], [79, 80, 81, 80, 80, 80]]),
        county("D", [[40.0], [50, 51, 49, 50], [45, 44, 46, 45, 45, 45]]),
    ]
    frame, roots = city(parts)
    frame["comp_rectify"] = frame["heat"]
    frame["comp_study"] = 80.0
    names = {"A": "甲县", "B": "乙县", "C": "丙县", "D": "丁县"}
    out = gradient.subtrees(
        frame, roots, names, {}, level_names={2: "县级", 3: "乡镇级", 4: "村级"}
    )
    assert list(out["code"][:2]) == ["A", "D"]  # flagged first, the most heat lost first
    table = out.set_index("code")
    assert table.loc["A", "pattern"] == FULL
    assert table.loc["A", "heat_l3"] == 70.0 and table.loc["A", "units_l4"] == 6
    assert table.loc["A", "ratio_l3"] == 0.78 and table.loc["A", "transmission"] == 0.56
    assert table.loc["A", "fall"] == 40.0 and table.loc["A", "loss"] == 40.0
    assert table.loc["A", "detail"] == "热度损失40.0分，县级→乡镇级降幅最大（检视整改降20.0分）"
    assert table.loc["D", "pattern"] == COLD
    assert table.loc["D", "detail"].startswith("各层级热度均低于全市同级")
    assert not table.loc[["B", "C"], "flagged"].any()
    assert (table.loc[["B", "C"], "detail"] == "").all()


def test_subtrees_of_any_depth() -> None:
    # A six-level subtree (levels 2..6) that fades level by level.
    heats = [[95.0], [85.0] * 3, [75.0] * 6, [65.0] * 12, [55.0] * 24]
    flat = [[70.0] * len(level) for level in heats]
    parts = [county("A", heats), county("B", flat)]
    frame, roots = city(parts)
    out = gradient.subtrees(frame, roots, {"A": "甲县", "B": "乙县"}, {}).set_index("code")
    assert [c for c in out.columns if c.startswith("heat_l")] == [f"heat_l{k}" for k in range(2, 7)]
    assert out.loc["A", "pattern"] == FULL
    assert out.loc["B", "pattern"] == ""


def test_min_units_and_effect_are_settings() -> None:
    parts = [
        county("C", [[80.0], [70.0, 70.0], [40.0, 40.0]]),
        county("E", [[70.0], [70.0, 70.0], [70.0, 70.0]]),
    ]
    frame, roots = city(parts)
    names = {"C": "丙县", "E": "戊县"}
    default = gradient.subtrees(frame, roots, names, {}).set_index("code")
    assert default.loc["C", "pattern"] == ""  # levels of 2 units are not judged
    two = gradient.subtrees(frame, roots, names, {"gradient_min_units": 2}).set_index("code")
    assert two.loc["C", "pattern"] != ""
    strict = gradient.subtrees(
        frame, roots, names, {"gradient_min_units": 2, "gradient_effect": 50.0}
    ).set_index("code")
    assert strict.loc["C", "pattern"] == ""


def test_city_pattern_reads_the_levels_with_enough_units() -> None:
    frame = pd.DataFrame(
        {
            "level": [1] + [2] * 10 + [3] * 40,
            "heat": [99.0]
            + [80.0 + (i % 3) for i in range(10)]
            + [50.0 + (i % 5) for i in range(40)],
        }
    )
    assert gradient.city_pattern(gradient.level_stats(frame), {}) == BOTTOM
    flat = frame.assign(heat=75.0 + (frame.index % 4))
    assert gradient.city_pattern(gradient.level_stats(flat), {}) == ""


def test_a_cold_subtree_is_read_on_all_its_levels() -> None:
    # The root (one unit, spread 12) is in its peers' lower quartile (73) but not clearly
    # cold by itself (root_low 50); its 8 villages lie 15 under the city's, nearly five
    # standard errors of their mean (9 / √8 ≈ 3.2): the subtree is cold throughout.
    heats, sds, counts = [62.0, 65.0], [12.0, 9.0], [1, 8]
    means = [78.0, 80.0]
    cold = {"level_means": means, "root_low": 50.0, "root_quartile": 73.0}
    assert gradient.classify(heats, sds, counts, **cold) == COLD
    # its villages 3 under the city's (about one standard error): noise could make that
    assert gradient.classify([62.0, 77.0], sds, counts, **cold) == ""
    # a root far under its peers, but not clearly cold alone, and villages 5 under the
    # city's (1.6 standard errors): the root is picked for being low, so it does not count
    # as evidence that the levels below are cold too (with it, the pooled z would be 2.1)
    assert gradient.classify([50.0, 75.0], sds, counts, **{**cold, "root_low": 40.0}) == ""
    # a root above the lower quartile is no candidate: judged on its fall only
    assert gradient.classify(heats, sds, counts, **{**cold, "root_quartile": 60.0}) == ""
    # a level above the city's (here the root) is not cold throughout
    assert gradient.classify(heats, sds, counts, **{**cold, "level_means": [60.0, 80.0]}) == ""
    # a significant fall stays a fall, whatever the root's rank
    assert gradient.classify([72.0, 40.0], sds, counts, **{**cold, "root_quartile": 75.0}) == (
        BOTTOM
    )


def test_subtrees_call_a_county_cold_from_its_levels_together() -> None:
    # Eight hot counties (roots 86..93, villages 80), three middling (roots 72..76, villages
    # 74) and X: its root 70 is under its peers' lower quartile (75.5) but above the bar for
    # one unit (median 87.5 − 2.5 × 8 = 67.5); its villages 66 lie 11 under the city's with
    # a standard error of 8 / √8 ≈ 2.8.  Read on both levels together, X is 整体偏冷.
    offsets = [-12.0, -8.0, -4.0, 0.0, 0.0, 4.0, 8.0, 12.0]

    def one(code: str, root: float, villages: float) -> pd.DataFrame:
        return county(code, [[root], [villages + o for o in offsets]])

    def pattern_of_x(villages: float) -> str:
        parts = [one(f"H{i}", 86.0 + i, 80.0) for i in range(8)]
        parts += [one(f"N{i}", 72.0 + 2 * i, 74.0) for i in range(3)]
        frame, roots = city([*parts, one("X", 70.0, villages)])
        table = gradient.subtrees(frame, roots, {}, {}).set_index("code")
        assert not table.drop(index="X")["flagged"].any()
        return str(table.loc["X", "pattern"])

    assert pattern_of_x(66.0) == COLD
    assert pattern_of_x(77.0) == ""  # its villages as the city's: the root alone is no flag
