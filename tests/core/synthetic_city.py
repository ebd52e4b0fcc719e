"""Synthetic cities built in code with known profiles, for the judgment tests.

A city has one root, ``counties`` level-2 units and, below each, a tree ``depth`` levels deep
in all.  Each county follows a *profile*: the quality (0–1) expected of its units at each
level below it.  A unit's quality is its level's quality plus noise; its weekly cumulative
figures follow from it: problems closed, measures done and reports written are that share of
what was found, set and planned; its volumes grow with it (at a level-dependent size), so a
cold unit moves less from week to week.

Profiles (positions top-down, the county itself first):
- ``fading``: 0.85 at the county, falling evenly to 0.35 at the grassroots.
- ``hot``: 0.85 at every level.
- ``cold``: 0.3 at every level, the county itself included.
- ``cold_villages``: 0.85 except the bottom level, 0.3.
- ``broken``: 0.85 at the county, 0.35 from the next level (townships) down.
- ``normal``: 0.7 at every level.
- ``coldest``: 0.1 at the county, 0.35 at the next level, 0.2 below (the issue's coldest
  county, heat 14 / 40 / 25): cold from its own top, never 上热….

The fan-out (children per unit at each depth below the county) is ``CHILDREN[depth]`` unless
``children`` says otherwise; ``fans`` gives single counties (by position, 1-based) their own,
e.g. ``{3: (2,)}`` for a county of 2 villages, ``{4: (1, 6)}`` for a county of 1 township.

``lagging`` units are built to lag: ``silent`` (no return in the last two weeks),
``stalled`` (figures frozen for the last three weeks), ``unclosed`` (many problems found,
almost none closed, no closing in recent weeks), ``idle`` (nearly nothing at all).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dashboard.core.catalogue import INDICATOR_CODES
from dashboard.core.settings import Settings, defaults

WEEKS = tuple(dt.date(2023, 9, 15) + dt.timedelta(days=7 * i) for i in range(6))
PROFILES = ("fading", "hot", "cold", "cold_villages", "broken", "normal")
FADING_PROFILES = ("fading", "cold_villages", "broken")
# children per unit at each depth below level 2, and the volume size of each level
CHILDREN = {3: (8,), 4: (5, 6), 5: (4, 3, 4), 6: (3, 3, 2, 3)}
SIZE = {1: 30.0, 2: 12.0, 3: 5.0, 4: 2.0, 5: 2.0, 6: 2.0}


def profile_quality(profile: str, depth: int) -> list[float]:
    """Quality of each level from the county (level 2) down to ``depth``."""
    n = depth - 1
    if profile == "fading":
        return list(np.linspace(0.85, 0.35, n))
    if profile == "hot":
        return [0.85] * n
    if profile == "cold":
        return [0.3] * n
    if profile == "cold_villages":
        return [0.85] * (n - 1) + [0.3]
    if profile == "broken":
        return [0.85] + [0.35] * (n - 1)
    if profile == "normal":
        return [0.7] * n
    if profile == "coldest":
        return ([0.1, 0.35] + [0.2] * n)[:n]
    raise ValueError(profile)


@dataclass
class City:
    units: pd.DataFrame
    figures: pd.DataFrame
    profiles: dict[str, str]  # county code → profile
    lagging: dict[str, str] = field(default_factory=dict)  # unit code → how it was built to lag

    def settings(self) -> Settings:
        values = defaults()
        values.update(start_date="2023-09-01", end_date="2024-01-31")
        return Settings(values)


def build_city(
    seed: int,
    depth: int = 4,
    profiles: tuple[str, ...] = PROFILES * 2,
    noise: float = 0.08,
    laggards: int = 0,
    children: tuple[int, ...] | None = None,
    fans: Mapping[int, tuple[int, ...]] | None = None,
) -> City:
    rng = random.Random(seed)
    rows: list[tuple[str, str, str | None, str, int]] = [("01", "合成市", None, "党政机关", 1)]
    county_of: dict[str, str] = {}
    county_profile: dict[str, str] = {}
    for i, profile in enumerate(profiles, start=1):
        code = f"01{i:02d}"
        rows.append((code, f"第{i}县", "01", "党政机关", 2))
        county_of[code] = code
        county_profile[code] = profile
        frontier = [code]
        fan_out = (fans or {}).get(i, children or CHILDREN[depth])
        for lvl, fan in zip(range(3, depth + 1), fan_out, strict=True):
            nxt = []
            for parent in frontier:
                for k in range(1, fan + 1):
                    child = f"{parent}{k:02d}"
                    category = "村（社区）" if lvl == depth else "乡镇（街道）"
                    rows.append((child, f"单位{child}", parent, category, lvl))
                    county_of[child] = code
                    nxt.append(child)
            frontier = nxt
    units = pd.DataFrame(rows, columns=["code", "name", "parent_code", "category", "level"])
    units["aliases"] = ""
    units["sort_order"] = range(len(units))
    units["retired"] = False

    quality: dict[str, float] = {"01": 0.8}
    for code, _, _, _, lvl in rows[1:]:
        base = profile_quality(county_profile[county_of[code]], depth)[lvl - 2]
        quality[code] = min(max(base + rng.gauss(0.0, noise), 0.02), 0.98)

    built: dict[str, str] = {}
    if laggards:
        candidates = [r[0] for r in rows if r[4] >= 3]
        kinds = ("silent", "stalled", "unclosed", "idle")
        for n, code in enumerate(rng.sample(candidates, laggards)):
            built[code] = kinds[n % len(kinds)]

    records = []
    for code, _, _, _, lvl in rows:
        records.extend(_unit_weeks(code, lvl, quality[code], built.get(code), rng))
    figures = pd.DataFrame.from_records(records)
    for c in INDICATOR_CODES:
        figures[c] = figures[c].astype("Int64")
    return City(units, figures, county_profile, built)


def _unit_weeks(code: str, level: int, q: float, lag: str | None, rng: random.Random) -> list[dict]:
    """Cumulative figures for every week of one unit of quality ``q``."""
    size = SIZE[level]
    if lag == "idle":
        q = 0.03
    totals = {
        "reading_classes": size * 0.6 * (0.3 + q),
        "reading_days": size * 2.0 * (0.3 + q),
        "study_sessions": size * 3.0 * (0.3 + q),
        "party_lectures": size * 1.0 * (0.3 + q),
        "survey_topics": size * 0.5 * (0.3 + q),
        "typical_cases": size * 0.5 * (0.3 + q),
        "problems_found": size * 4.0 * (0.5 + q),
        "measures_set": size * 5.0 * (0.5 + q),
        "deeds_done": size * 2.0 * (0.3 + q),
        "opinions": size * 4.0 * (0.3 + q),
        "rules_made": size * 0.6 * (0.3 + q),
    }
    full = {k: _round(v * (0.8 + 0.4 * rng.random()), rng) for k, v in totals.items()}
    if lag == "unclosed":
        full["problems_found"] = max(full["problems_found"], 12)
    # one random offset per derived figure: random rounding that keeps figures cumulative
    offset = {k: rng.random() for k in ("problems_closed", "measures_done", "survey_reports")}
    out = []
    n_weeks = len(WEEKS)
    for t, day in enumerate(WEEKS, start=1):
        if lag == "silent" and t > n_weeks - 2:
            continue
        frac = (min(t, n_weeks - 3) if lag == "stalled" else t) / n_weeks
        values = {k: int(np.floor(v * frac + 1e-9)) for k, v in full.items()}
        rate = 0.04 if lag == "unclosed" else q
        closing_frac = min(frac, 2 / n_weeks) if lag == "unclosed" else frac
        closed = np.floor(full["problems_found"] * closing_frac * rate + offset["problems_closed"])
        values["problems_closed"] = min(int(closed), values["problems_found"])
        done = np.floor(values["measures_set"] * q + offset["measures_done"])
        values["measures_done"] = min(int(done), values["measures_set"])
        reports = np.floor(values["survey_topics"] * q + offset["survey_reports"])
        values["survey_reports"] = min(int(reports), values["survey_topics"])
        out.append({"unit_code": code, "report_date": pd.Timestamp(day), **values})
    return out


def _round(value: float, rng: random.Random) -> int:
    """Random rounding: small expected counts still come out as 0 or 1 fairly."""
    whole = int(np.floor(value))
    return whole + (1 if rng.random() < value - whole else 0)


def level_sizes(fan_out: tuple[int, ...]) -> list[int]:
    """Units at each level of one county's subtree, the county itself first."""
    sizes = [1]
    for fan in fan_out:
        sizes.append(sizes[-1] * fan)
    return sizes


def expected_pattern(profile: str, depth: int, fan_out: tuple[int, ...], least: int = 3) -> str:
    """The pattern a county of ``profile`` is built to show, read on the levels the classifier
    judges (the county itself and the levels of ``least``+ units): cold ones are 整体偏冷;
    a fade is 上热下冷 with one judged level below the top, else placed by where the middle
    levels' quality lies between the top (0) and the bottom (1), as ``gradient.classify``
    places a fall."""
    sizes = level_sizes(fan_out)
    quality = profile_quality(profile, depth)
    kept = [q for i, (q, n) in enumerate(zip(quality, sizes, strict=True)) if i == 0 or n >= least]
    if len(kept) < 2 or profile in ("hot", "normal"):
        return ""
    if profile in ("cold", "coldest"):
        return "整体偏冷"
    total = kept[0] - kept[-1]
    if len(kept) == 2:
        return "上热下冷"
    place = float(np.mean([(kept[0] - q) / total for q in kept[1:-1]]))
    if place < 0.25:
        return "上热下冷"
    return "中梗阻" if place > 0.75 else "上热中温下冷"
