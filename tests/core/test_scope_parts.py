"""Every scope's report cut from the week's parts (``report.ScopeParts``) is the report its own
rows give (``scope_report_alone``): synthetic cities of 3 to 5 levels, uneven fan-outs, units
built to lag, pools by category, a scoped viewer's part of the city, a registry whose levels
do not follow the tree; and the pieces the parts are made of, group by group."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from dashboard.core import gradient, report
from dashboard.core.units import UnitTree

from .synthetic_city import build_city

FRAMES = ("units", "subtrees", "levels", "lagging", "totals", "rates", "history")


def assert_same(cut: report.WeekReport, alone: report.WeekReport, scope: object) -> None:
    assert cut.to_json() == alone.to_json(), scope
    for part in FRAMES:
        left, right = getattr(cut, part), getattr(alone, part)
        assert left.reset_index(drop=True).equals(right.reset_index(drop=True)), (scope, part)
        assert list(left.dtypes) == list(right.dtypes), (scope, part)
    for field in ("findings", "coverage", "not_reported", "stalled", "city_pattern"):
        assert getattr(cut, field) == getattr(alone, field), (scope, field)
    assert (cut.scope_code, cut.scope_name, cut.level_names) == (
        alone.scope_code,
        alone.scope_name,
        alone.level_names,
    )


def every_scope(
    units: pd.DataFrame, figures: pd.DataFrame, settings, every: int = 1, **kwargs
) -> int:
    """Each unit of ``units`` as the scope (or the counties and every ``every``-th unit),
    and the whole area: cut == alone. Returns how many scopes were cut from the parts."""
    city = report.city_week(units, figures, settings, **kwargs)
    assert city.parts is not None
    codes = list(units["code"])
    scopes = [c for i, c in enumerate(codes) if i % every == 0 or len(c) <= 4]
    cut_count = 0
    for scope in [None, *scopes]:
        cut = report.scope_report(city, settings, scope)
        alone = report.scope_report_alone(city, settings, scope)
        assert_same(cut, alone, scope)
        cut_count += scope in city.parts.span
    return cut_count


PROFILES = ("fading", "hot", "cold", "broken", "normal")
CHILDREN = {3: (6,), 4: (3, 4), 5: (2, 3, 3)}


def small_city(seed: int, depth: int, laggards: int = 0, fans=None):
    """Five counties of small fan-outs: every unit can be a scope within a test's time."""
    return build_city(seed, depth, PROFILES, laggards=laggards, children=CHILDREN[depth], fans=fans)


@pytest.mark.parametrize(
    ("seed", "depth", "fans"),
    [(1, 3, None), (3, 4, {3: (1, 6), 5: (2, 1)}), (4, 5, None)],
)
def test_every_scope_cut_from_the_parts_is_its_report_alone(seed, depth, fans) -> None:
    city = small_city(seed, depth, laggards=10, fans=fans)
    cut = every_scope(city.units, city.figures, city.settings())
    assert cut == len(city.units) - 1  # every unit but the city's root


def test_pools_by_category_and_a_week_with_history_cut_alike() -> None:
    city = small_city(5, 4, laggards=8)
    units = city.units.copy()
    units.loc[units.index % 3 == 0, "category"] = "学校"  # several pools per level
    every_scope(units, city.figures, city.settings(), every=4, by_category=True)
    every_scope(
        units,
        city.figures,
        city.settings(),
        every=4,
        history_codes=["0101", "010101"],
        history_weeks=3,
    )


def test_a_scoped_viewers_part_of_the_city_cuts_alike() -> None:
    """A liaison sees a county's units alone (``door.visible``): the county is its whole area
    and every township in it a scope cut from the parts."""
    city = small_city(6, 4, laggards=6)
    codes = set(UnitTree(city.units).subtree("0102"))
    units = city.units[city.units["code"].isin(codes)].reset_index(drop=True)
    figures = city.figures[city.figures["unit_code"].isin(codes)].reset_index(drop=True)
    assert every_scope(units, figures, city.settings()) == len(units)


def test_a_level_two_scope_whose_units_lie_under_other_roots_is_left_alone() -> None:
    """A registry whose levels do not follow the tree (a county's township filed as level 2
    too): the county's units then have two subtree roots, so its report comes from its rows."""
    city = small_city(7, 4)
    units = city.units.copy()
    units.loc[units["code"] == "010101", "level"] = 2
    built = report.city_week(units, city.figures, city.settings())
    assert built.parts is not None and "0101" not in built.parts.span
    assert "0102" in built.parts.span
    every_scope(units, city.figures, city.settings(), every=4)


def test_unknown_scopes_still_raise() -> None:
    city = small_city(8, 3)
    built = report.city_week(city.units, city.figures, city.settings())
    with pytest.raises(KeyError):
        report.scope_report(built, city.settings(), "no-such-unit")


# --- the pieces, group by group -------------------------------------------------------------
def test_a_group_mean_depends_on_the_groups_values_only() -> None:
    """pandas' own group mean adds a group up differently when its groups lie sorted in the
    frame (one unit in the last place apart): this one gives the exactly rounded mean
    wherever the group lies."""
    rng = np.random.default_rng(3)
    for _ in range(200):
        values = np.round(rng.uniform(0, 100, size=int(rng.integers(1, 25))), 1)
        others = np.round(rng.uniform(0, 100, size=7), 1)
        alone = pd.Series(values)
        means = [
            gradient.group_mean(alone, pd.Series(["a"] * len(values))).loc["a"],
            gradient.group_mean(
                pd.Series([*others, *values]), pd.Series(["b"] * 7 + ["a"] * len(values))
            ).loc["a"],
            gradient.group_mean(
                pd.Series([*values[:1], *others, *values[1:]]),
                pd.Series(["a"] + ["0"] * 7 + ["a"] * (len(values) - 1)),
            ).loc["a"],
        ]
        exact = math.fsum(values) / len(values)
        assert means == [exact, exact, exact]


def test_a_group_mean_leaves_blanks_out() -> None:
    values = pd.Series([1.0, np.nan, 2.0, np.nan])
    keys = pd.Series(["a", "a", "b", "b"])
    assert gradient.group_mean(values, keys).tolist() == [1.0, 2.0]
    assert np.isnan(gradient.group_mean(pd.Series([np.nan]), pd.Series(["a"])).loc["a"])


def _long(frame: pd.DataFrame, groups: dict[str, list[str]]) -> pd.DataFrame:
    """Each group's rows of ``frame`` (by code), group after group, with a ``scope`` column."""
    parts = [frame[frame["code"].isin(codes)].assign(scope=name) for name, codes in groups.items()]
    return pd.concat(parts, ignore_index=True)


@pytest.fixture(scope="module")
def week_table() -> tuple[pd.DataFrame, dict[str, list[str]], report.CityWeek]:
    city = small_city(9, 5, laggards=10, fans={2: (1, 1, 3), 4: (3, 1, 2)})
    built = report.city_week(city.units, city.figures, city.settings())
    tree = UnitTree(city.units)
    groups = {code: tree.subtree(code) for code in city.units["code"] if code != "01"}
    return built.table, groups, built


def test_level_stats_by_scope_are_each_scopes_alone(week_table) -> None:
    table, groups, _ = week_table
    together = gradient.level_stats(_long(table, groups), by="scope")
    for name, codes in groups.items():
        alone = gradient.level_stats(table[table["code"].isin(codes)])
        assert together.loc[name].equals(alone), name


def test_levels_tables_by_scope_are_each_scopes_alone(week_table) -> None:
    _, groups, built = week_table
    week = built.week
    together = report.levels_table(
        _long(week.rename(columns={"unit_code": "code"}), groups), by="scope"
    )
    for name, codes in groups.items():
        alone = report.levels_table(week[week["unit_code"].isin(codes)])
        block = together.loc[name].reset_index()
        block["level"] = block["level"].astype("int64")
        assert block.equals(alone), name


def test_a_subtree_judged_from_its_measures_is_the_subtree_of_its_units(week_table) -> None:
    """``rooted_subtree`` from ``subtree_measures`` == ``subtrees`` of the subtree's units,
    for every subtree below the city (flagged or not, one unit or hundreds), and with some
    units' heat blank."""
    table, groups, built = week_table
    settings = small_city(9, 5).settings()
    names = dict(zip(table["code"], table["name"], strict=True))
    level_names = dict(zip(table["level"], table["level_name"], strict=True))
    blanked = table.copy()
    blanked.loc[blanked.index % 7 == 3, "heat"] = np.nan
    flagged = 0
    for frame in (table, blanked):
        measures = gradient.subtree_measures(_long(frame, groups), "scope")
        for root, codes in groups.items():
            rows = frame[frame["code"].isin(codes)]
            roots = pd.Series(root, index=rows["code"])
            alone = gradient.subtrees(
                rows, roots, names, settings, built.stats, level_names, "全市"
            )
            cut = gradient.rooted_subtree(
                root, measures.loc[root], names, settings, built.stats, level_names, "全市"
            )
            assert cut.equals(alone), root
            assert list(cut.dtypes) == list(alone.dtypes), root
            flagged += bool(alone["flagged"].iloc[0])
    assert flagged  # the judged branch (pattern, loss, detail) is covered too
