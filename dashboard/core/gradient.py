"""上热中温下冷: does the heat reach the grassroots?

- Level profile: mean heat of the units at each level (all expected units, reported or not).
  ``level_stats`` adds each level's spread: a robust standard deviation (1.4826 × median
  absolute deviation, never below SD_FLOOR × the plain one), so a few outlying units do not
  widen it.
- Subtrees: each level-2 unit (a county with its townships and villages, a department with
  its units; the scope unit when the scope lies deeper) with the mean heat of its own units at
  each level below it, however deep the tree.  The root's own heat is its level's value.
- Transmission ratio at level k = mean heat at level k / mean heat at level k−1.
- Only levels whose mean rests on at least ``gradient_min_units`` units are judged (the root
  itself always is).
- Noise: a unit's own noise at each level is the spread of heat around the mean of its
  subtree's level, pooled over the subtrees (``within_spread``; the roots take the next
  level's); a level mean's standard error is that over √units.  The city-wide spread would
  mix in the differences between hot and cold subtrees, the very signal looked for.
- A fall is *significant* when it exceeds both ``gradient_effect`` × the city-wide spread
  within the top and bottom levels and z standard errors, where z guards the many subtrees
  judged at once (Bonferroni at ALPHA over the subtrees, ``guard_z``; NOISE_Z for one list):
  a fall that noise could make is no flag, in any of a dozen counties.
- Patterns, on the judged levels top-down:
  * 整体偏冷: the root is cold against its peers (below their lower quartile and more than
    ``gradient_effect`` standard deviations under their mean) and the judged levels below it
    are, together, significantly under the same levels city-wide, none significantly above.
    A root cold against its peers is never 上热….
  * else three fading shapes are fitted to the level means by weighted least squares (each
    mean weighted by its precision, so a noisy root or a level of few units counts less):
    上热中温下冷 (level by level), 上热下冷 (at the bottom), 中梗阻 (from the first level
    down).  Of the shapes whose fitted fall is significant, the best fitting names the
    pattern.  With the root and one level below, a significant fall is 上热下冷.
  * 中梗阻 also when a middle level is the coldest and significantly colder than both the
    root and the bottom.
- ``loss`` (heat lost, the order of the flags): root − coldest level; for 整体偏冷 the mean
  shortfall of its levels against the same levels city-wide.  ``detail`` names the levels of
  the largest fall and the components that fell most there.
- ``city_pattern``: the same reading of the whole city's (or scope's) level means, on the
  levels of at least ``gradient_min_units`` units.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from dashboard.core.settings import Settings

MIN_UNITS = 3  # default of settings["gradient_min_units"]: a level's mean must rest on 3+ units
DEFAULT_EFFECT = 1.0  # default of settings["gradient_effect"], in within-level spreads
NOISE_Z = 1.645  # one-sided 5%: a fall smaller than this many standard errors is noise
ALPHA = 0.05  # the chance, over all subtrees judged together, of a flag that noise made
SE_FLOOR = 0.5  # heat points: no level mean is weighted as if known better than this
SD_FLOOR = 0.5  # the robust spread is never taken below this share of the plain one
COLD_QUANTILE = 0.25  # a root below this quantile of its peers' heat is cold, never 上热
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


def level_stats(frame: pd.DataFrame) -> pd.DataFrame:
    """Per level (index): mean, sd (robust spread, 0 for a single unit), sd_all (plain
    standard deviation), low (lower quartile) and n of heat, plus the mean of each comp_*
    column present: the reference a subtree's levels are judged against."""
    if frame.empty:
        return pd.DataFrame(columns=["mean", "sd", "n"])
    grouped = frame.groupby(frame["level"].astype("int64"), sort=True)
    out = pd.DataFrame(
        {
            "mean": grouped["heat"].mean(),
            "low": grouped["heat"].quantile(COLD_QUANTILE),
            "sd_all": grouped["heat"].std(ddof=0).fillna(0.0),
            "sd": _robust_sd(frame["heat"].astype("float64"), frame["level"].astype("int64")),
            "n": grouped["heat"].count(),
        }
    )
    comps = [c for c in COMPONENT_NAMES if c in frame.columns]
    if comps:
        out = out.join(grouped[comps].mean())
    out.index.name = "level"
    return out


def _robust_sd(values: pd.Series, groups: pd.Series) -> pd.Series:
    """Per group: 1.4826 × median absolute deviation (a standard deviation that a few
    outlying units cannot inflate), never below SD_FLOOR × the plain standard deviation (the
    MAD of a dozen values can come out near 0)."""
    median = values.groupby(groups).transform("median")
    mad = (values - median).abs().groupby(groups).median() * 1.4826
    plain = values.groupby(groups).std(ddof=0).fillna(0.0)
    return np.maximum(mad, plain * SD_FLOOR)


def _bar(
    sd_a: float, n_a: float, sd_b: float, n_b: float, size: float, z: float = NOISE_Z
) -> float:
    """How far one mean must lie below another to count: ``size`` × pooled spread, and ``z``
    standard errors of the difference."""
    pooled = np.sqrt((sd_a**2 + sd_b**2) / 2.0)
    noise = np.sqrt(sd_a**2 / max(n_a, 1) + sd_b**2 / max(n_b, 1))
    return float(max(size * pooled, z * noise))


def guard_z(tests: int, alpha: float = ALPHA) -> float:
    """The z a fall must pass when ``tests`` subtrees are judged at once (Bonferroni): with
    a dozen counties, one of them passing a 5% test by chance is the rule, not a finding."""
    return max(NOISE_Z, NormalDist().inv_cdf(1.0 - alpha / max(tests, 1)))


def _shapes(levels: int) -> dict[str, list[float]]:
    """Where each level sits between the top (0) and the bottom (1) in each fading pattern."""
    last = levels - 1
    return {
        PATTERN_FULL: [i / last for i in range(levels)],  # level by level
        PATTERN_BOTTOM: [0.0] * last + [1.0],  # at the bottom
        PATTERN_MIDDLE: [0.0] + [1.0] * last,  # from the first level down
    }


@dataclass(frozen=True)
class _Fit:
    pattern: str
    fall: float  # the fitted heat lost from the top to the bottom
    se: float  # its standard error
    error: float  # weighted squared residuals: how far the means stray from the shape


def _fits(h: list[float], se: list[float]) -> list[_Fit]:
    """Each fading shape fitted to the level means (top = a, bottom = a − fall) by weighted
    least squares, each mean weighted by its precision (1 / standard error²): a noisy root or
    a level of few units moves the reading less than a level of many."""
    weights = np.array([1.0 / max(e, SE_FLOOR) ** 2 for e in se])
    y = np.array(h)
    out = []
    for name, shape in _shapes(len(h)).items():
        design = np.column_stack([np.ones(len(shape)), -np.array(shape)])
        normal = design.T @ (design * weights[:, None])
        cov = np.linalg.inv(normal)
        coef = cov @ (design.T @ (weights * y))
        error = float(np.sum(weights * (y - design @ coef) ** 2))
        out.append(_Fit(name, float(coef[1]), float(np.sqrt(cov[1, 1])), error))
    return out


def _cold_below(h: list[float], mid: list[float], se: list[float], z: float) -> bool:
    """Are the levels under a cold root cold too: together below the same levels city-wide by
    more than ``z`` standard errors (each level weighted by its precision), and none of them
    above by that much?  A city whose grassroots are all cold leaves a cold county's villages
    little colder than the rest; its townships then carry the finding."""
    rows = range(1, len(h))
    weights = [1.0 / max(se[i], SE_FLOOR) ** 2 for i in rows]
    gap = sum(w * (mid[i] - h[i]) for w, i in zip(weights, rows, strict=True)) / sum(weights)
    above = any(h[i] - mid[i] > z * max(se[i], SE_FLOOR) for i in rows)
    return gap > z / np.sqrt(sum(weights)) and not above


def classify(
    values: list[float],
    sds: list[float],
    counts: list[int],
    size: float = DEFAULT_EFFECT,
    min_count: int = MIN_UNITS,
    level_means: list[float] | None = None,
    root_low: float | None = None,
    z: float = NOISE_Z,
    scales: list[float] | None = None,
) -> str:
    """The pattern of one top-down list of level means ('' when not flagged).

    ``sds`` are the spreads of a unit's heat within each level (the noise of one unit),
    ``counts`` the units behind each mean (the standard error of a mean is sd / √count);
    levels below the top with fewer than ``min_count`` units are left out.  A fall counts when
    it passes ``_bar`` at ``z``.  With ``root_low`` (how cold a root must be against its peers)
    a root below it is cold and never 上热…; it is 整体偏冷 when the judged levels below lie
    under ``level_means`` (the same levels' means over all units) too (``_cold_below``).  ``scales`` (default ``sds``) are the spreads an effect is measured in:
    a fall must also exceed ``size`` × their pooled value at the top and the bottom.
    """
    keep = [
        i
        for i, (v, n) in enumerate(zip(values, counts, strict=True))
        if not np.isnan(v) and (i == 0 or n >= min_count)
    ]
    if len(keep) < 2 or keep[0] != 0:
        return ""
    h = [float(values[i]) for i in keep]
    s = [float(sds[i]) if not np.isnan(sds[i]) else 0.0 for i in keep]
    n = [max(int(counts[i]), 1) for i in keep]
    se = [sd / np.sqrt(k) for sd, k in zip(s, n, strict=True)]
    if root_low is not None and h[0] < root_low:
        if level_means is None:
            return ""
        mid = [float(level_means[i]) for i in keep]
        return PATTERN_COLD if _cold_below(h, mid, se, z) else ""
    last = len(h) - 1
    coldest = min(h)
    fits = _fits(h, se)
    scale = [
        s[k] if scales is None else float(np.nan_to_num(scales[i])) for k, i in enumerate(keep)
    ]
    spread = float(np.sqrt((scale[0] ** 2 + scale[last] ** 2) / 2.0))
    # the shapes whose fall passes the bar; of those, the one that fits the means best
    passed = [f for f in fits if f.fall > max(size * spread, z * f.se)]
    if passed:
        return PATTERN_BOTTOM if last < 2 else min(passed, key=lambda f: f.error).pattern
    for m in range(1, last):
        below_top = h[0] - h[m] > _bar(s[0], n[0], s[m], n[m], size, z)
        below_bottom = h[last] - h[m] > _bar(s[last], n[last], s[m], n[m], size, z)
        if h[m] <= coldest + 1e-9 and below_top and below_bottom:
            return PATTERN_MIDDLE
    return ""


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
        return pd.DataFrame(
            columns=["code", "name", "flagged", "pattern", "transmission", "fall", "loss", "detail"]
        )
    data["level"] = data["level"].astype("int64")
    grouped = data.groupby(["root", "level"], sort=True)
    means = grouped["heat"].mean().unstack("level")
    counts = grouped["heat"].size().unstack("level").fillna(0).astype("int64")
    comp_means = grouped[comps].mean() if comps else None
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
    reference = _Reference.of(ref, within_spread(data, levels, ref["sd"]))
    matrix = means[levels].to_numpy(dtype="float64")
    sizes = counts[levels].to_numpy(dtype="int64")
    z = guard_z(len(matrix))
    judged = [
        _judge(row.tolist(), n.tolist(), reference, size, least, z)
        for row, n in zip(matrix, sizes, strict=True)
    ]
    out["pattern"] = [j[0] for j in judged]
    out["flagged"] = out["pattern"] != ""
    out["loss"] = [round(j[1], 1) for j in judged]
    out["detail"] = [
        _detail(root, j, ref, comp_means, comps, names_of, area)
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


Judgment = tuple[str, float, int, int]  # pattern, heat lost, level index from, level index to


@dataclass(frozen=True)
class _Reference:
    """The city-wide level statistics as plain lists (one entry per level column)."""

    mean: list[float]
    sd: list[float]  # robust spread of each level city-wide: the scale of an effect
    low: list[float]
    sd_all: list[float]
    noise: list[float]  # a unit's own noise at each level: the spread within subtrees

    @classmethod
    def of(cls, ref: pd.DataFrame, within: list[float]) -> _Reference:
        def col(name: str) -> list[float]:
            return [float(v) for v in ref[name].to_numpy(dtype="float64")]

        return cls(col("mean"), col("sd"), col("low"), col("sd_all"), within)


def within_spread(data: pd.DataFrame, levels: list[int], city: pd.Series) -> list[float]:
    """The spread of a unit's heat around the mean of its own subtree's level, pooled over the
    subtrees (degrees of freedom counted): the noise a level mean is judged against.  The
    city-wide spread of a level would mix in the differences between hot and cold subtrees —
    the very signal being looked for.  A level with no subtree of 2+ units there (the roots
    themselves) takes the nearest deeper level's spread, else the city's."""
    keys = [data["root"], data["level"]]
    resid = data["heat"] - data.groupby(keys)["heat"].transform("mean")
    members = data.groupby(keys)["heat"].transform("size")
    frame = pd.DataFrame({"level": data["level"], "sq": resid**2, "dof": 1.0 - 1.0 / members})
    frame = frame[members >= 2]
    pooled = frame.groupby("level")[["sq", "dof"]].sum()
    spread = np.sqrt(pooled["sq"] / pooled["dof"]).reindex(levels)
    out = [float(v) for v in spread]
    for i in range(len(out) - 1, -1, -1):  # fill from the deeper level
        if np.isnan(out[i]) and i + 1 < len(out):
            out[i] = out[i + 1]
    for i in range(len(out)):  # a bottom with no spread: the level above it
        if np.isnan(out[i]) and i > 0:
            out[i] = out[i - 1]
    fallback = [float(v) for v in city.reindex(levels).fillna(0.0)]
    return [f if np.isnan(v) else v for v, f in zip(out, fallback, strict=True)]


def _judge(
    values: list[float],
    counts: list[int],
    ref: _Reference,
    size: float,
    least: int,
    z: float = NOISE_Z,
) -> Judgment:
    """Pattern, heat lost and the pair of levels (positions in ``values``) to describe."""
    start = next((i for i, v in enumerate(values) if not np.isnan(v)), None)
    if start is None:
        return "", 0.0, 0, 0
    vals, cnts = values[start:], counts[start:]
    sds, refs = ref.sd[start:], ref.mean[start:]
    root_low = min(ref.low[start], ref.mean[start] - size * ref.sd_all[start])
    noise = ref.noise[start:]
    pattern = classify(vals, noise, cnts, size, least, refs, root_low, z, sds)
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


def _detail(
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
