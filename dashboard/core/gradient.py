"""上热中温下冷: does the heat reach the grassroots?

- Level profile: mean heat of the units at each level (all expected units, reported or not).
- Subtrees: each level-2 unit (a county with its townships and villages, a department with
  its units) with the mean heat of its own units at each level below it.  Level 2 is the
  root's own heat.
- Transmission ratio at level k = mean heat at level k / mean heat at level k−1
  (children's mean heat / parent's heat).
- Falls: drop_k = heat(level k−1) − heat(level k), in heat points (0–100).  Only levels
  whose mean rests on at least ``gradient_min_units`` (default 3) units are judged (the
  root itself always is).
  * 上热中温下冷: at least two steps and EVERY step falls by more than ``gradient_threshold``
    ("falls level by level by more than the threshold").
  * 上热下冷: otherwise, when the bottom level is the coldest and either the last step into
    it falls by more than the threshold, or every level below the root is colder than the
    root by more than the threshold.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

MIN_UNITS = 3  # default of settings["gradient_min_units"]: a level's mean must rest on 3+ units
PATTERN_FULL = "上热中温下冷"
PATTERN_BOTTOM = "上热下冷"


def level_profile(frame: pd.DataFrame) -> pd.DataFrame:
    """Mean heat by level over ``frame`` (one row per unit, columns level, heat)."""
    if frame.empty:
        return pd.DataFrame(columns=["level", "mean_heat"])
    out = frame.groupby("level", sort=True)["heat"].mean().round(1).reset_index()
    return out.rename(columns={"heat": "mean_heat"})


def classify(
    values: list[float],
    threshold: float,
    counts: list[int] | None = None,
    min_units: int = MIN_UNITS,
) -> str:
    """The pattern of one top-down list of mean heats ('' when not flagged).

    With ``counts`` (units behind each mean), levels below the top with fewer than
    ``min_units`` units are left out: a mean of one or two units is too noisy to judge.
    """
    sizes = counts if counts is not None else [min_units] * len(values)
    heats = [
        float(v)
        for i, (v, n) in enumerate(zip(values, sizes, strict=True))
        if not np.isnan(v) and (i == 0 or n >= min_units)
    ]
    if len(heats) < 2:
        return ""
    top, bottom, below = heats[0], heats[-1], heats[1:]
    drops = [a - b for a, b in zip(heats[:-1], heats[1:], strict=True)]
    if len(drops) >= 2 and all(d > threshold for d in drops):
        return PATTERN_FULL
    bottom_coldest = bottom <= min(heats)
    if bottom_coldest and (drops[-1] > threshold or all(top - h > threshold for h in below)):
        return PATTERN_BOTTOM
    return ""


def subtrees(
    frame: pd.DataFrame,
    root_of: pd.Series,
    names: Mapping[str, str],
    settings: Mapping[str, object],
) -> pd.DataFrame:
    """One row per subtree root: heat_l<k>, units_l<k>, ratio_l<k>, drop_max, flagged, pattern.

    ``frame`` has one row per unit (code, level, heat); ``root_of`` maps unit code → the code of
    its subtree root (NaN for units outside every subtree).
    """
    threshold = float(settings.get("gradient_threshold", 10.0))  # type: ignore[arg-type]
    min_units = int(settings.get("gradient_min_units", MIN_UNITS))  # type: ignore[call-overload]
    data = frame[["code", "level", "heat"]].copy()
    data["root"] = data["code"].map(root_of)
    data = data.dropna(subset=["root"])
    if data.empty:
        return pd.DataFrame(columns=["code", "name", "flagged", "pattern", "transmission"])
    means = data.pivot_table(index="root", columns="level", values="heat", aggfunc="mean")
    counts = data.pivot_table(index="root", columns="level", values="heat", aggfunc="size")
    levels = sorted(int(c) for c in means.columns)
    out = pd.DataFrame(index=means.index)
    for lvl in levels:
        out[f"heat_l{lvl}"] = means[lvl].round(1)
        out[f"units_l{lvl}"] = counts[lvl].fillna(0).astype("int64")
    for upper, lower in zip(levels[:-1], levels[1:], strict=True):
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = means[lower] / means[upper]
        out[f"ratio_l{lower}"] = ratio.where(means[upper] > 0).round(2)
    matrix = means[levels].to_numpy(dtype="float64")
    sizes = counts[levels].fillna(0).to_numpy(dtype="int64")
    out["pattern"] = [
        classify(list(row), threshold, list(n), min_units)
        for row, n in zip(matrix, sizes, strict=True)
    ]
    out["flagged"] = out["pattern"] != ""
    top = means[levels[0]]
    bottom = _bottom(matrix)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["transmission"] = pd.Series(bottom, index=means.index) / top
    out["transmission"] = out["transmission"].where(top > 0).round(2)
    out["fall"] = (top - pd.Series(bottom, index=means.index)).round(1)
    out = out.reset_index().rename(columns={"root": "code"})
    out.insert(1, "name", out["code"].map(names))
    return out


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
