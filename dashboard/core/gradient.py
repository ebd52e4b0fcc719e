"""上热中温下冷: does the heat reach the grassroots?

- Level profile: mean heat of the units at each level (all expected units, reported or not).
  ``level_stats`` adds each level's median and spread: a robust standard deviation (1.4826 × median
  absolute deviation, never below SD_FLOOR × the plain one), so a few outlying units do not
  widen it.
- Subtrees: each level-2 unit (a county with its townships and villages, a department with
  its units; the scope unit when the scope lies deeper) with the mean heat of its own units at
  each level below it, however deep the tree.  The root's own heat is its level's value.
- Transmission ratio at level k = mean heat at level k / mean heat at level k−1.
- Only levels whose mean rests on at least ``gradient_min_units`` units are judged (the root
  itself always is).
- Spread of a level in a subtree (``_subtree_spreads``): units around their own subtree's
  level mean (the differences between subtrees are what is judged, not noise).  A level of
  NOISE_MIN+ units pools its own spread with the city-wide one within subtrees; a smaller
  level takes that city-wide one (or, where no subtree measures it, the level's city-wide
  robust spread), so a clear fall in a small subtree is still judged.  The root, one unit,
  takes at least the spread of the most alike measured level below it.
- A fall from level j to level k is *significant* when it exceeds both ``gradient_effect`` ×
  the pooled spread of the two levels and z standard errors of the difference of the two
  means.  Every pair of levels is tested, plus a weighted least-squares trend through all
  of them; z is raised for the number of tests (Bonferroni, FAMILY_ALPHA in all), so a flat
  subtree with many levels is no likelier to be flagged than one with two.
- Patterns, on the judged levels top-down:
  * 整体偏冷: the root is cold against its peers (below their lower quartile and more than
    COLD_Z spreads under their median) and the levels below lie, weighted by precision,
    under the same levels' city-wide means, none of them significantly above.  A root cold
    against its peers is never 上热….  One unit's heat is noisy, so a root in its peers'
    bottom quarter but not that far under their median is judged with its levels: when no
    fall is significant and every level, the root included, lies under the city-wide mean
    of its level, the shortfall of the levels below the root, pooled by precision (each
    level's by the standard error of its mean, spread / √units), must pass the bar of one
    more test of the subtree (Bonferroni over its pairs of levels, its trend and this one).
    The root is left out of that sum: it was picked for being low.
  * 中梗阻 when a middle level is the coldest and significantly colder than both the root and
    the bottom; otherwise, once some fall is significant, the shape whose weighted
    least-squares fit leaves the least residual: 上热中温下冷 (a steady fade), 上热下冷 (the fall
    at the bottom) or 中梗阻 (the heat stops after the top).  With the root and one level
    below, a significant fall is 上热下冷.
- ``loss`` (heat lost, the order of the flags): root − coldest level; for 整体偏冷 the mean
  shortfall of its levels against the same levels city-wide.  ``detail`` names the levels of
  the largest fall and the components that fell most there.
- ``city_pattern``: the same reading of the whole city's (or scope's) level means, on the
  levels of at least ``gradient_min_units`` units.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from dashboard.core.settings import Settings

__all__ = [
    "COLD_QUANTILE",
    "COMPONENT_NAMES",
    "DEFAULT_EFFECT",
    "FADE_PATTERNS",
    "MIN_UNITS",
    "NOISE_Z",
    "PATTERN_BOTTOM",
    "PATTERN_COLD",
    "PATTERN_FULL",
    "PATTERN_MIDDLE",
    "SD_FLOOR",
    "WHOLE_CITY",
    "Judgment",
    "city_pattern",
    "classify",
    "effect",
    "group_mean",
    "group_means",
    "level_profile",
    "level_stats",
    "MEASURE_COLUMNS",
    "min_units",
    "rooted_subtree",
    "subtree_detail",
    "subtree_measures",
    "subtree_roots",
    "subtrees",
]

MIN_UNITS = 3  # default of settings["gradient_min_units"]: a level's mean must rest on 3+ units
DEFAULT_EFFECT = 1.0  # default of settings["gradient_effect"], in within-level spreads
NOISE_Z = 1.645  # one-sided 5%: a shortfall smaller than this many standard errors is noise
FAMILY_ALPHA = 0.05  # chance that noise alone flags a subtree, shared over its pairs of levels
SD_FLOOR = 0.5  # the robust spread is never taken below this share of the plain one
MIN_SD = 1.0  # heat points: the spread is never taken below this (units all alike still vary)
NOISE_MIN = 5  # a subtree's level of this many units or more estimates its own spread
MEASURE_MIN = 3  # subtree levels of this many units or more measure the spread within subtrees
PRIOR_UNITS = 4.0  # the city-wide spread counts as this many units in that estimate
COLD_QUANTILE = 0.25  # a root below this quantile of its peers' heat is cold, never 上热
COLD_Z = 2.5  # … and this many robust spreads under their median: more than one unit's chance
PATTERN_FULL = "上热中温下冷"
PATTERN_BOTTOM = "上热下冷"
PATTERN_MIDDLE = "中梗阻"
PATTERN_COLD = "整体偏冷"
FADE_PATTERNS = (PATTERN_FULL, PATTERN_BOTTOM, PATTERN_MIDDLE)
COMPONENT_NAMES: dict[str, str] = {
    "comp_study": "理论学习",
    "comp_survey": "调查研究",
    "comp_rectify": "检视整改",
    "comp_activity": "活跃度",
    "comp_targets": "任务完成",
}


WHOLE_CITY = "全市"  # what the reference levels cover when the viewer sees every unit


def effect(settings: Mapping[str, Any]) -> float:
    return Settings.of(settings).gradient_effect


def min_units(settings: Mapping[str, Any]) -> int:
    return max(Settings.of(settings).gradient_min_units, 1)


def level_profile(frame: pd.DataFrame) -> pd.DataFrame:
    """Mean heat by level over ``frame`` (one row per unit, columns level, heat)."""
    if frame.empty:
        return pd.DataFrame(columns=["level", "mean_heat"])
    out = frame.groupby("level", sort=True)["heat"].mean().round(1).reset_index()
    return out.rename(columns={"heat": "mean_heat"})


def group_mean(values: pd.Series, keys: pd.Series | list[pd.Series]) -> pd.Series:
    """The mean of ``values`` in each group of ``keys`` (sorted, as ``groupby(...).mean()``
    indexes it), blanks left out: the exactly rounded sum (``math.fsum``) over the count.

    pandas' own group mean adds up a group with a different algorithm depending on how
    every other group lies in the frame (sorted groups: ``ufunc.reduceat``; else Kahan
    summation), so the same units could get a mean one unit in the last place apart in a
    scope's table alone and in a frame that holds every scope at once. This one depends on
    the group's values only."""
    grouped = values.groupby(keys, sort=True)
    ids = grouped.ngroup().to_numpy()
    index = grouped.size().index
    numbers = values.to_numpy(dtype="float64", na_value=np.nan)
    usable = (ids >= 0) & ~np.isnan(numbers)
    ids, numbers = ids[usable], numbers[usable]
    order = np.argsort(ids, kind="stable")
    ids, numbers = ids[order], numbers[order]
    counts = np.bincount(ids, minlength=len(index))
    ends = np.cumsum(counts)
    sums = np.array(
        [math.fsum(numbers[end - count : end]) for count, end in zip(counts, ends, strict=True)],
        dtype="float64",
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        means = np.where(counts > 0, sums / counts, np.nan)
    return pd.Series(means, index=index, name=values.name)


def group_means(frame: pd.DataFrame, keys: pd.Series | list[pd.Series]) -> pd.DataFrame:
    """``group_mean`` of each column of ``frame``."""
    return pd.DataFrame({col: group_mean(frame[col], keys) for col in frame.columns})


def level_stats(frame: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Per level (index): mean, sd (robust spread, 0 for a single unit), sd_all (plain
    standard deviation), low (lower quartile) and n of heat, plus the mean of each comp_*
    column present: the reference a subtree's levels are judged against.

    ``by``: a column of ``frame`` naming groups (each scope of a long frame that holds every
    scope's units): the statistics of each group's levels at once, indexed by (group,
    level); each group's rows equal ``level_stats`` of that group's units alone."""
    if frame.empty:
        return pd.DataFrame(columns=["mean", "sd", "n"])
    level = frame["level"].astype("int64")
    keys: pd.Series | list[pd.Series] = level if by is None else [frame[by], level]
    grouped = frame.groupby(keys, sort=True)
    out = pd.DataFrame(
        {
            "mean": group_mean(frame["heat"], keys),
            "median": grouped["heat"].median(),
            "low": grouped["heat"].quantile(COLD_QUANTILE),
            "sd_all": grouped["heat"].std(ddof=0).fillna(0.0),
            "sd": _robust_sd(frame["heat"].astype("float64"), keys),
            "n": grouped["heat"].count(),
        }
    )
    comps = [c for c in COMPONENT_NAMES if c in frame.columns]
    if comps:
        out = out.join(group_means(frame[comps], keys))
    if by is None:
        out.index.name = "level"
    else:
        out.index.names = [by, "level"]
    return out


def _robust_sd(values: pd.Series, groups: pd.Series | list[pd.Series]) -> pd.Series:
    """Per group: 1.4826 × median absolute deviation (a standard deviation that a few
    outlying units cannot inflate), never below SD_FLOOR × the plain standard deviation (the
    MAD of a dozen values can come out near 0)."""
    median = values.groupby(groups).transform("median")
    mad = (values - median).abs().groupby(groups).median() * 1.4826
    plain = values.groupby(groups).std(ddof=0).fillna(0.0)
    return np.maximum(mad, plain * SD_FLOOR)


def z_for(pairs: int) -> float:
    """The one-sided bar, in standard errors, for one of ``pairs`` pairs of levels tested at
    once: FAMILY_ALPHA shared over the pairs (Bonferroni), so a flat subtree with many levels
    is no likelier to be flagged than one with two (1.645 for a single pair)."""
    return NormalDist().inv_cdf(1.0 - FAMILY_ALPHA / max(pairs, 1))


def _bar(
    sd_a: float, n_a: float, sd_b: float, n_b: float, size: float, z: float = NOISE_Z
) -> float:
    """How far one mean must lie below another to count: ``size`` × pooled spread, and ``z``
    standard errors of the difference."""
    pooled = np.sqrt((sd_a**2 + sd_b**2) / 2.0)
    noise = np.sqrt(sd_a**2 / max(n_a, 1) + sd_b**2 / max(n_b, 1))
    return float(max(size * pooled, z * noise))


def classify(
    values: list[float],
    sds: list[float],
    counts: list[int],
    size: float = DEFAULT_EFFECT,
    min_count: int = MIN_UNITS,
    level_means: list[float] | None = None,
    root_low: float | None = None,
    root_quartile: float | None = None,
) -> str:
    """The pattern of one top-down list of level means ('' when not flagged).

    ``sds`` are the within-level spreads of heat, ``counts`` the units behind each mean;
    levels below the top with fewer than ``min_count`` units are left out.  With ``root_low``
    (how cold a root must be against its peers) a root below it is cold and never 上热…; it
    is 整体偏冷 when every judged level below also lies under ``level_means`` (the same
    levels' means over all units), together by more than noise.  With ``root_quartile``
    (the peers' lower quartile) a subtree with no significant fall whose root lies below it
    is 整体偏冷 when every level lies under ``level_means`` and the levels below the root
    together by more than noise (``_cold_throughout``): one unit cannot show that, its
    levels together can.
    """
    keep = [
        i
        for i, (v, n) in enumerate(zip(values, counts, strict=True))
        if not np.isnan(v) and (i == 0 or n >= min_count)
    ]
    if len(keep) < 2 or keep[0] != 0:
        return ""
    h = [float(values[i]) for i in keep]
    s = [max(float(sds[i]), MIN_SD) if not np.isnan(sds[i]) else MIN_SD for i in keep]
    n = [max(int(counts[i]), 1) for i in keep]
    mid = [float(level_means[i]) for i in keep] if level_means is not None else None
    if root_low is not None and h[0] < root_low:
        return PATTERN_COLD if mid is not None and _cold_below(h, s, n, mid) else ""
    pattern = _fade(h, s, n, size)
    if pattern or mid is None or root_quartile is None or not h[0] < root_quartile:
        return pattern
    z = z_for(_tests(len(h)) + 1)
    return PATTERN_COLD if _cold_throughout(h, s, n, mid, z) else ""


def _tests(count: int) -> int:
    """How many tests a subtree of ``count`` judged levels takes: every pair of levels,
    plus the trend when there are three levels or more."""
    return count * (count - 1) // 2 + int(count > 2)


def _cold_throughout(
    h: list[float], s: list[float], n: list[int], mid: list[float], z: float
) -> bool:
    """Every level, the root included, under the same level's mean ``mid``, and the levels
    below the root together significantly so: their shortfall, each level's weighed by the
    standard error of its mean (spread / √units) and pooled by precision, more than ``z``
    standard errors of that pooled shortfall.  The root, picked for being low, is no
    evidence of its own (counting it would count its pick twice)."""
    gaps = [mid[i] - h[i] for i in range(len(h))]
    if any(g <= 0 for g in gaps):
        return False
    errors = [s[i] / np.sqrt(n[i]) for i in range(1, len(h))]
    weights = [1.0 / e**2 for e in errors]
    pooled = sum(w * g for w, g in zip(weights, gaps[1:], strict=True)) / sum(weights)
    return bool(pooled * np.sqrt(sum(weights)) > z)


def _cold_below(h: list[float], s: list[float], n: list[int], mid: list[float]) -> bool:
    """No level below the root significantly (NOISE_Z standard errors) above the same
    level's mean ``mid``, and their shortfall, weighted by their precision, under it."""
    gaps = [mid[i] - h[i] for i in range(1, len(h))]
    errors = [s[i] / np.sqrt(n[i]) for i in range(1, len(h))]
    if not gaps or any(g < -NOISE_Z * e for g, e in zip(gaps, errors, strict=True)):
        return False
    weights = [1.0 / e**2 for e in errors]
    return sum(w * g for w, g in zip(weights, gaps, strict=True)) > 0


def _fade(h: list[float], s: list[float], n: list[int], size: float) -> str:
    """Flagged when some level lies significantly below a level above it (every pair
    tested, the bar raised for the number of pairs); the pattern is then a middle level
    significantly colder than both ends (中梗阻), or the shape that best fits the level means
    weighted by their precision (``_shape``)."""
    count = len(h)
    trend = count > 2
    z = z_for(_tests(count))

    def below(upper: int, lower: int) -> bool:
        return h[upper] - h[lower] > _bar(s[upper], n[upper], s[lower], n[lower], size, z)

    pairs = [(a, b) for a in range(count) for b in range(a + 1, count)]
    falling = trend and _trend_falls(h, s, n, size, z)
    if not falling and not any(below(a, b) for a, b in pairs):
        return ""
    last = count - 1
    coldest = min(h)
    for m in range(1, last):
        if h[m] <= coldest + 1e-9 and below(0, m) and below(last, m):
            return PATTERN_MIDDLE
    if count == 2:
        return PATTERN_BOTTOM
    return _shape(h, [n[i] / s[i] ** 2 for i in range(count)])


def _trend_falls(h: list[float], s: list[float], n: list[int], size: float, z: float) -> bool:
    """The weighted least-squares line through the level means (top 0, bottom 1, each mean
    weighted by its precision) falls by more than ``z`` of its standard errors and by more
    than ``size`` × the levels' spread: a steady fade that no single pair of levels shows."""
    x = np.linspace(0.0, 1.0, len(h))
    y = np.asarray(h)
    w = np.asarray(n, dtype="float64") / np.asarray(s) ** 2
    xm, ym = np.average(x, weights=w), np.average(y, weights=w)
    sxx = float(np.sum(w * (x - xm) ** 2))
    fall = -float(np.sum(w * (x - xm) * (y - ym))) / sxx
    spread = float(np.sqrt(np.mean(np.asarray(s) ** 2)))
    return fall * np.sqrt(sxx) > z and fall > size * spread


def _shape(h: list[float], weights: list[float]) -> str:
    """The fall's shape whose weighted least-squares fit leaves the least residual: heat =
    top − fall × f(level), with f 0 at the root and 1 at the bottom and in between linear
    (上热中温下冷), 0 (上热下冷: the fall is at the bottom) or 1 (中梗阻: the heat stops in
    the middle).  Precise means (many units) weigh more than the lone root; a shape whose
    fitted fall is not a fall is no candidate.  '' when none is."""
    last = len(h) - 1
    shapes = {
        PATTERN_FULL: [i / last for i in range(last + 1)],
        PATTERN_BOTTOM: [0.0] * last + [1.0],
        PATTERN_MIDDLE: [0.0] + [1.0] * last,
    }
    y, w = np.asarray(h), np.asarray(weights)
    best, best_sse = "", np.inf
    for pattern, f in shapes.items():
        x = np.asarray(f)
        xm, ym = np.average(x, weights=w), np.average(y, weights=w)
        sxx = float(np.sum(w * (x - xm) ** 2))
        slope = float(np.sum(w * (x - xm) * (y - ym))) / sxx
        sse = float(np.sum(w * (y - ym - slope * (x - xm)) ** 2))
        if slope < 0 and sse < best_sse - 1e-9:
            best, best_sse = pattern, sse
    return best


def city_pattern(stats: pd.DataFrame, settings: Mapping[str, object]) -> str:
    """Does the whole city (or scope) fade level by level?  Judged on the levels with at
    least ``gradient_min_units`` units (a lone root has no spread to judge against)."""
    if stats.empty:
        return ""
    rows = stats[stats["n"] >= min_units(settings)]
    return classify(
        [float(v) for v in rows["mean"]],
        [float(v) for v in rows["sd"]],
        [int(v) for v in rows["n"]],
        effect(settings),
        min_units(settings),
    )


_NO_SUBTREES = ["code", "name", "flagged", "pattern", "transmission", "fall", "loss", "detail"]


def subtrees(
    frame: pd.DataFrame,
    root_of: pd.Series,
    names: Mapping[str, str],
    settings: Mapping[str, object],
    stats: pd.DataFrame | None = None,
    level_names: Mapping[int, str] | None = None,
    area: str = WHOLE_CITY,
) -> pd.DataFrame:
    """One row per subtree root: heat_l<k>, units_l<k>, ratio_l<k>, transmission, fall,
    pattern, flagged, loss, detail — flagged subtrees first, the most heat lost first.

    ``frame`` has one row per unit (code, level, heat, optionally comp_*); ``root_of`` maps
    unit code → the code of its subtree root (NaN for units outside every subtree);
    ``stats`` is ``level_stats`` of every unit city-wide (default: of ``frame``); ``area``
    names what ``stats`` covers in the texts (the city, or a scoped viewer's own subtree).
    """
    if stats is None:
        stats = level_stats(frame)
    comps = [c for c in COMPONENT_NAMES if c in frame.columns and c in stats.columns]
    data = frame[["code", "level", "heat", *comps]].copy()
    data["root"] = data["code"].map(root_of)
    data = data.dropna(subset=["root"])
    if data.empty:
        return pd.DataFrame(columns=_NO_SUBTREES)
    data["level"] = data["level"].astype("int64")
    grouped = data.groupby(["root", "level"], sort=True)
    keys = [data["root"], data["level"]]
    means = group_mean(data["heat"], keys).unstack("level")
    counts = grouped["heat"].size().unstack("level").fillna(0).astype("int64")
    comp_means = group_means(data[comps], keys) if comps else None
    levels = sorted(int(c) for c in means.columns)
    out = pd.DataFrame(index=means.index)
    for lvl in levels:
        out[f"heat_l{lvl}"] = means[lvl].round(1)
        out[f"units_l{lvl}"] = counts[lvl]
    for upper, lower in zip(levels[:-1], levels[1:], strict=True):
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = means[lower] / means[upper]
        out[f"ratio_l{lower}"] = ratio.where(means[upper] > 0).round(2)
    names_of = dict(level_names or {})
    ref = stats.reindex(levels)
    size, least = effect(settings), min_units(settings)
    reference = _Reference.of(ref)
    matrix = means[levels].to_numpy(dtype="float64")
    sizes = counts[levels].to_numpy(dtype="int64")
    spreads, unit_noise = _subtree_spreads(data, reference.sd, levels)
    noise = unit_noise.tolist()
    judged = [
        _judge(row.tolist(), n.tolist(), sd.tolist(), noise, reference, size, least)
        for row, n, sd in zip(
            matrix, sizes, spreads.reindex(means.index).to_numpy(dtype="float64"), strict=True
        )
    ]
    out["pattern"] = [j[0] for j in judged]
    out["flagged"] = out["pattern"] != ""
    out["loss"] = [round(j[1], 1) for j in judged]
    out["detail"] = [
        subtree_detail(root, j, ref, comp_means, comps, names_of, area)
        for root, j in zip(means.index, judged, strict=True)
    ]
    top = means[levels[0]]
    bottom = pd.Series(_bottom(matrix), index=means.index)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["transmission"] = (bottom / top).where(top > 0).round(2)
    out["fall"] = (top - bottom).round(1)
    out = out.reset_index().rename(columns={"root": "code"})
    out.insert(1, "name", out["code"].map(names))
    order = np.lexsort(
        (-out["fall"].fillna(-1e9).to_numpy(), -out["loss"].to_numpy(), ~out["flagged"].to_numpy())
    )
    return out.iloc[order].reset_index(drop=True)


MEASURE_COLUMNS = ["mean", "units", "sd", "n"]


def subtree_measures(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per (``by``, level) of ``frame`` (one row per unit: level, heat, comp_*): heat mean,
    units, own spread (standard deviation, 0 for fewer than two units), units measured and
    each comp_* mean — what ``subtrees`` groups a subtree's units into. With ``by`` naming
    each scope of a long frame that holds every scope's units, every subtree is measured at
    once and ``rooted_subtree`` judges one of them from its rows."""
    comps = [c for c in COMPONENT_NAMES if c in frame.columns]
    data = frame[[by, "level", "heat", *comps]].copy()
    data["level"] = data["level"].astype("int64")
    keys = [data[by], data["level"]]
    heat = data["heat"].astype("float64").groupby(keys, sort=True)
    out = pd.DataFrame(
        {
            "mean": group_mean(data["heat"], keys),
            "units": data.groupby(keys, sort=True)["heat"].size(),
            "sd": heat.std(ddof=1).fillna(0.0),
            "n": heat.count(),
        }
    )
    return out.join(group_means(data[comps], keys)) if comps else out


def rooted_subtree(
    root: str,
    measures: pd.DataFrame,
    names: Mapping[str, str],
    settings: Mapping[str, object],
    stats: pd.DataFrame,
    level_names: Mapping[int, str] | None = None,
    area: str = WHOLE_CITY,
) -> pd.DataFrame:
    """``subtrees`` of units that all lie in the one subtree ``root`` (a scope below the
    city: a county, a department, a township), from that subtree's ``subtree_measures``
    rows (index: level) instead of its units: the same one-row table, without grouping the
    units again (what a filter change to a subtree nobody opened yet pays)."""
    if measures.empty:
        return pd.DataFrame(columns=_NO_SUBTREES)
    levels = [int(v) for v in measures.index]
    comps = [c for c in COMPONENT_NAMES if c in measures.columns and c in stats.columns]
    mean = measures["mean"].to_numpy(dtype="float64")
    units = measures["units"].to_numpy(dtype="int64")
    columns: dict[str, np.ndarray] = {}
    for i, lvl in enumerate(levels):
        columns[f"heat_l{lvl}"] = np.round(mean[i : i + 1], 1)
        columns[f"units_l{lvl}"] = units[i : i + 1]
    for i in range(1, len(levels)):
        upper, lower = mean[i - 1 : i], mean[i : i + 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = lower / upper
        columns[f"ratio_l{levels[i]}"] = np.round(np.where(upper > 0, ratio, np.nan), 2)
    ref = stats.reindex(levels)
    reference = _Reference.of(ref)
    spreads, unit_noise = _rooted_spreads(measures, reference.sd)
    judged = _judge(
        mean.tolist(),
        units.tolist(),
        spreads.tolist(),
        unit_noise.tolist(),
        reference,
        effect(settings),
        min_units(settings),
    )
    comp_means = None
    if comps and judged[0]:
        comp_means = measures[comps].set_axis(
            pd.MultiIndex.from_arrays([[root] * len(levels), levels]), axis=0
        )
    top = mean[0:1]
    bottom = _bottom(mean.reshape(1, -1))
    with np.errstate(divide="ignore", invalid="ignore"):
        transmission = np.round(np.where(top > 0, bottom / top, np.nan), 2)
    out = pd.DataFrame(
        {
            "code": pd.Series([root], dtype=str),
            "name": pd.Series([names.get(root)], dtype=str),
            **columns,
            "pattern": pd.Series([judged[0]], dtype=str),
            "flagged": [judged[0] != ""],
            "loss": [round(judged[1], 1)],
            "detail": pd.Series(
                [
                    subtree_detail(
                        root, judged, ref, comp_means, comps, dict(level_names or {}), area
                    )
                ],
                dtype=str,
            ),
            "transmission": transmission,
            "fall": np.round(top - bottom, 1),
        }
    )
    return out


def _rooted_spreads(measures: pd.DataFrame, city_sd: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """``_subtree_spreads`` of a single subtree from its measured levels: the pooled spread
    within subtrees is then that subtree's own (the same arithmetic, one term per sum)."""
    sd = measures["sd"].to_numpy(dtype="float64")
    n = measures["n"].to_numpy(dtype="int64")
    df = (n - 1).astype("float64")
    measured = (n >= MEASURE_MIN).astype("float64")
    weight = measured * df
    with np.errstate(divide="ignore", invalid="ignore"):
        within = (weight * sd**2 / np.where(weight == 0.0, np.nan, weight)) ** 0.5
    reference = np.where(np.isnan(within), np.asarray(city_sd, dtype="float64"), within)
    pooled = np.sqrt((df * sd**2 + PRIOR_UNITS * reference**2) / (df + PRIOR_UNITS))
    return np.where(n >= NOISE_MIN, pooled, reference), within


def _subtree_spreads(
    data: pd.DataFrame, city_sd: list[float], levels: list[int]
) -> tuple[pd.DataFrame, pd.Series]:
    """Per subtree (rows) and level (columns): the spread of heat a fall there is judged
    against.  The reference is the spread of units around their own subtree's level (pooled
    over the subtrees: the differences between subtrees are what is being judged, not noise);
    a level of NOISE_MIN+ units in a subtree pools its own robust spread with it (weighted
    as PRIOR_UNITS units), a smaller level takes it as it is.  Only subtree levels of
    MEASURE_MIN+ units measure it; where none does, the level's city-wide spread stands in, so
    a clear fall in a small subtree is still judged.  The root, one unit, takes its level's
    city-wide spread.  Also returns the measured reference per level (NaN: not measured)."""
    key = data["root"].astype(str) + "\x1f" + data["level"].astype(str)
    grouped = data["heat"].astype("float64").groupby(key)
    own, count = grouped.std(ddof=1).fillna(0.0), grouped.count()
    parts = pd.Series(own.index, index=own.index).str.split("\x1f", expand=True)
    table = pd.DataFrame(
        {"root": parts[0], "level": parts[1].astype("int64"), "sd": own, "n": count}
    )
    df = (table["n"] - 1).astype("float64")
    measured = (table["n"] >= MEASURE_MIN).astype("float64")
    within = (
        (measured * df * table["sd"] ** 2).groupby(table["level"]).sum()
        / (measured * df).groupby(table["level"]).sum().replace(0.0, np.nan)
    ) ** 0.5
    reference = within.reindex(levels).fillna(pd.Series(city_sd, index=levels))
    ref = reference.reindex(table["level"]).to_numpy()
    pooled = np.sqrt((df * table["sd"] ** 2 + PRIOR_UNITS * ref**2) / (df + PRIOR_UNITS))
    table["spread"] = np.where(table["n"] >= NOISE_MIN, pooled, ref)
    out = table.pivot(index="root", columns="level", values="spread")
    out = out.reindex(columns=levels).fillna(reference)
    return out, within.reindex(levels)


Judgment = tuple[str, float, int, int]  # pattern, heat lost, level index from, level index to


@dataclass(frozen=True)
class _Reference:
    """The city-wide level statistics as plain lists (one entry per level column)."""

    mean: list[float]
    median: list[float]
    sd: list[float]
    low: list[float]

    @classmethod
    def of(cls, ref: pd.DataFrame) -> _Reference:
        def col(name: str) -> list[float]:
            return [float(v) for v in ref[name].to_numpy(dtype="float64")]

        return cls(col("mean"), col("median"), col("sd"), col("low"))


def _judge(
    values: list[float],
    counts: list[int],
    spreads: list[float],
    unit_noise: list[float],
    ref: _Reference,
    size: float,
    least: int,
) -> Judgment:
    """Pattern, heat lost and the pair of levels (positions in ``values``) to describe;
    ``spreads``: the subtree's spread of each level, ``unit_noise`` the spread of units
    within subtrees measured at each level (NaN where too few units: ``_subtree_spreads``)."""
    start = next((i for i, v in enumerate(values) if not np.isnan(v)), None)
    if start is None:
        return "", 0.0, 0, 0
    vals, cnts = values[start:], counts[start:]
    sds, refs = list(spreads[start:]), ref.mean[start:]
    # the root is one unit: its heat varies at least as much as the units of the most alike
    # level below it where that is measured (the spread of a dozen roots can come out small)
    lower = [v for v in unit_noise[start + 1 :] if not np.isnan(v)]
    if lower:
        sds[0] = max(sds[0], min(lower))
    root_low = min(ref.low[start], ref.median[start] - COLD_Z * sds[0])
    pattern = classify(vals, sds, cnts, size, least, refs, root_low, ref.low[start])
    judged = [
        i
        for i, (v, c) in enumerate(zip(vals, cnts, strict=True))
        if not np.isnan(v) and (i == 0 or c >= least)
    ]
    if pattern == PATTERN_COLD:
        gaps = [refs[i] - vals[i] for i in judged]
        worst = judged[int(np.argmax(gaps))]
        return pattern, float(np.mean(gaps)), start + worst, start + worst
    if len(judged) < 2:
        return pattern, 0.0, start, start
    heats = [vals[i] for i in judged]
    loss = max(heats[0] - min(heats), 0.0) if pattern else 0.0
    drops = [heats[k - 1] - heats[k] for k in range(1, len(heats))]
    k = int(np.argmax(drops))
    return pattern, loss, start + judged[k], start + judged[k + 1]


def subtree_detail(
    root: object,
    judgment: Judgment,
    ref: pd.DataFrame,
    comp_means: pd.DataFrame | None,
    comps: list[str],
    level_names: Mapping[int, str],
    area: str = "全市",
) -> str:
    """Which components fell most between which levels (empty when not flagged)."""
    pattern, loss, upper, lower = judgment
    if not pattern:
        return ""
    levels = list(ref.index)
    name = {lvl: level_names.get(lvl, f"第{lvl}级") for lvl in levels}
    if pattern == PATTERN_COLD:
        lead = f"各层级热度均低于{area}同级，平均低{loss:.1f}分"
        if comp_means is None or not comps:
            return lead
        lvl = levels[upper]
        own = comp_means.loc[(root, lvl), comps].astype("float64")
        gaps = (ref.loc[lvl, comps].astype("float64") - own).dropna().sort_values(ascending=False)
        listed = "、".join(
            f"{COMPONENT_NAMES[c]}低{v:.1f}分" for c, v in gaps.head(2).items() if v > 0
        )
        return lead + (f"；{name[lvl]}与{area}同级相比{listed}" if listed else "")
    top, low = levels[upper], levels[lower]
    lead = f"热度损失{loss:.1f}分，{name[top]}→{name[low]}降幅最大"
    if comp_means is None or not comps:
        return lead
    try:
        above = comp_means.loc[(root, top), comps].astype("float64")
        below = comp_means.loc[(root, low), comps].astype("float64")
    except KeyError:
        return lead
    fell = (above - below).dropna().sort_values(ascending=False)
    listed = "、".join(f"{COMPONENT_NAMES[c]}降{v:.1f}分" for c, v in fell.head(2).items() if v > 0)
    return lead + (f"（{listed}）" if listed else "")


def _bottom(matrix: np.ndarray) -> np.ndarray:
    """The deepest non-missing value of each row."""
    out = np.full(matrix.shape[0], np.nan)
    for col in range(matrix.shape[1]):
        column = matrix[:, col]
        out = np.where(np.isnan(column), out, column)
    return out


def subtree_roots(
    units: pd.DataFrame, scope_code: str | None, scope_level: int | None
) -> pd.Series:
    """Unit code → root of its subtree: its level-2 ancestor (or the scope unit when the scope
    lies deeper than level 2).  Needs a ``root_l2`` column (ancestor at level 2) in ``units``."""
    roots = units.set_index("code")["root_l2"]
    if scope_code is not None and scope_level is not None and scope_level > 2:
        return pd.Series(scope_code, index=roots.index)
    return roots
