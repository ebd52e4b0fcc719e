"""The judgments on synthetic cities built in code with known profiles (issue 11).

Each city has 12 counties in profiles ``synthetic_city.PROFILES`` (each twice) or as the test
says; trees of 3 to 6 levels; several random seeds.  The classifier is statistical and the
cities are noisy (every unit's quality is drawn around its level's), so the profile tests
allow a small share of misreadings per depth — but never a hot county flagged, never a cold
one called 上热.
"""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.core import gradient
from dashboard.core.report import WeekReport, build_report
from dashboard.export import briefing

from .synthetic_city import PROFILES, City, build_city, expected_pattern

SEEDS = (1, 2, 3, 4)
FADES = (gradient.PATTERN_FULL, gradient.PATTERN_BOTTOM, gradient.PATTERN_MIDDLE)


def expected(profile: str, depth: int) -> str:
    if profile in ("hot", "normal"):
        return ""
    if profile == "cold":
        return gradient.PATTERN_COLD
    if depth == 3:  # a county and one level below: any fall is at the bottom
        return gradient.PATTERN_BOTTOM
    return {
        "fading": gradient.PATTERN_FULL,
        "cold_villages": gradient.PATTERN_BOTTOM,
        "broken": gradient.PATTERN_MIDDLE,
    }[profile]


def profiles_for(depth: int) -> tuple[str, ...]:
    """Each profile twice; with 3 levels fading, cold_villages and broken are one and the same
    (a county over one cold level), so that city has fading, hot, cold and normal thrice."""
    if depth == 3:
        return ("fading", "hot", "cold", "normal") * 3
    return PROFILES * 2


def report_of(city: City) -> WeekReport:
    return build_report(city.units, city.figures, city.settings())


@pytest.mark.parametrize("depth", [3, 4, 5, 6])
def test_profiles_are_classified_as_built(depth: int) -> None:
    rows = []
    for seed in SEEDS:
        city = build_city(seed, depth, profiles=profiles_for(depth))
        rep = report_of(city)
        subtrees = rep.subtrees.set_index("code")
        assert set(subtrees.index) == set(city.profiles)  # one row per county, at any depth
        assert [c for c in subtrees.columns if c.startswith("heat_l")] == [
            f"heat_l{lvl}" for lvl in range(2, depth + 1)
        ]
        for code, profile in city.profiles.items():
            rows.append((seed, code, profile, subtrees.loc[code, "pattern"]))
    table = pd.DataFrame(rows, columns=["seed", "code", "profile", "pattern"])
    table["want"] = table["profile"].map(lambda p: expected(p, depth))
    wrong = table[table["pattern"] != table["want"]]
    assert len(wrong) <= 5, wrong.to_string()  # of 48 counties: noise misleads a few
    hot = table[table["profile"] == "hot"]
    assert (hot["pattern"] == "").all(), hot.to_string()
    cold = table[table["profile"] == "cold"]
    assert not cold["pattern"].isin(FADES).any(), cold.to_string()
    built_to_fade = table[table["profile"].isin(["fading", "cold_villages", "broken"])]
    assert built_to_fade["pattern"].isin(FADES).mean() >= 0.9


def test_a_fading_city_like_the_issue() -> None:
    """Nine counties fade as the city does, one is hot at every level, two are cold from
    their own top: the hot one is not flagged, the cold ones are 整体偏冷 (not 上热…),
    most fading ones are flagged, the flags come most heat lost first, the city line says
    the city fades, and the briefing's 督导重点 never names the hot county."""
    for seed in (1, 2, 3):
        city = build_city(seed, 4, profiles=("fading",) * 9 + ("hot", "cold", "cold"))
        rep = report_of(city)
        subtrees = rep.subtrees.set_index("code")
        assert subtrees.loc["0110", "pattern"] == ""
        assert list(subtrees.loc[["0111", "0112"], "pattern"]) == [gradient.PATTERN_COLD] * 2
        fading = subtrees.loc[[f"01{i:02d}" for i in range(1, 10)], "pattern"]
        assert fading.isin(FADES).sum() >= 7
        flagged = rep.subtrees[rep.subtrees["flagged"]]
        assert list(flagged["loss"]) == sorted(flagged["loss"], reverse=True)
        assert rep.subtrees["flagged"].iloc[: len(flagged)].all()  # flagged first
        assert rep.city_pattern in FADES
        assert f"整体呈“{rep.city_pattern}”态势" in rep.findings[2]
        assert "整体偏冷：" in rep.findings[3] and "第11县" in rep.findings[3]
        first = flagged[flagged["pattern"].isin(FADES)].iloc[0]
        assert "降幅最大" in first["detail"] and "→" in first["detail"]
        assert "降" in first["detail"].split("（")[-1]  # names the components that fell
        text = "".join(briefing.gradient_paragraphs(rep, briefing.BriefingOptions()))
        assert "第10县" not in text


@pytest.mark.parametrize("depth", [3, 4, 5, 6])
def test_a_flat_city_fades_nowhere(depth: int) -> None:
    """Every unit of the same quality: noise alone flags (almost) nothing, the city never."""
    flagged = 0
    for seed in SEEDS:
        rep = report_of(build_city(seed, depth, profiles=("normal",) * 12))
        assert rep.city_pattern == ""
        assert "未见逐级明显递减" in rep.findings[2]
        flagged += int(rep.subtrees["flagged"].sum())
    assert flagged <= 10  # of 48 counties: a single root's own noise still flags a few


@pytest.mark.parametrize("depth", [3, 4, 5])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_lagging_list_is_short_and_names_every_unit_built_to_lag(depth: int, seed: int) -> None:
    probe = build_city(seed, depth, profiles=("normal",) * 12)
    laggards = max(len(probe.units) // 25, 4)  # 4% of the city built to lag
    city = build_city(seed, depth, profiles=("normal",) * 12, noise=0.1, laggards=laggards)
    rep = report_of(city)
    listed = set(rep.lagging["unit_code"])
    assert len(listed) < len(rep.units) / 5
    assert set(city.lagging) <= listed
    # the list is ordered by severity, and the units built to lag come first
    assert list(rep.lagging["severity"]) == sorted(rep.lagging["severity"], reverse=True)
    head = set(rep.lagging["unit_code"].head(2 * laggards))
    assert len(set(city.lagging) & head) >= 0.9 * laggards


@pytest.mark.parametrize(("noise", "least_right"), [(0.05, 0.8), (0.15, 0.65)])
def test_sparse_trees_small_subtrees_and_noise(noise: float, least_right: float) -> None:
    """A sparser tree (3 townships × 3 villages) with small subtrees added (a county of 1
    township, a county of 2 × 2), at low and high noise: most counties read as built
    (scripts/judgment_accuracy.py measures the full grid), a hot one is never flagged, a
    flat city's counties (small ones too) are almost never flagged.  At high noise a sparse
    county's lone top is hard to read: measured 22 of 32 (the issue's 95% is not reached
    there)."""
    profiles = PROFILES * 2 + ("fading", "hot", "broken", "cold_villages")
    small = {13: (1, 6), 14: (1, 6), 15: (2, 2), 16: (1, 3)}
    right = total = false_flags = flat_counties = 0
    for seed in (1, 2):
        city = build_city(seed, 4, profiles, noise=noise, children=(3, 3), fans=small)
        table = report_of(city).subtrees.set_index("code")
        for pos, (code, profile) in enumerate(city.profiles.items(), start=1):
            fan = small.get(pos, (3, 3))
            got = table.loc[code, "pattern"]
            right += int(got == expected_pattern(profile, 4, fan))
            total += 1
            if profile == "hot":
                assert got == "", (seed, code, got)
        flat = build_city(seed, 4, ("normal",) * 16, noise=noise, children=(3, 3), fans=small)
        flags = report_of(flat).subtrees["flagged"]
        false_flags += int(flags.sum())
        flat_counties += len(flags)
    assert right >= least_right * total, (right, total)
    assert false_flags <= 1, false_flags


def test_the_coldest_county_is_called_out_and_never_the_best() -> None:
    """The issue's city: nine counties fade, one is hot at every level, one cold from its own
    top, one the coldest (heat about 14 / 40 / 25 there): the coldest is named as 整体偏冷 in
    the briefing, the 督导重点 names fading counties and never the hot one."""
    for seed in (1, 2):
        city = build_city(seed, 4, profiles=("fading",) * 9 + ("hot", "cold", "coldest"))
        rep = report_of(city)
        table = rep.subtrees.set_index("code")
        assert table.loc["0112", "pattern"] == gradient.PATTERN_COLD
        assert not table.loc["0110", "flagged"]
        paragraphs = briefing.gradient_paragraphs(rep, briefing.BriefingOptions())
        text = "".join(paragraphs)
        assert "第12县" in text and "第10县" not in text
        focus = "".join(p for p in paragraphs if "督导重点" in p)
        assert any(f"第{i}县" in focus for i in range(1, 10))
