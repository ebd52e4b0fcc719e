"""How right are the judgments (上热中温下冷, 落后单位) on cities nobody has seen?

Builds synthetic cities in code (tests/core/synthetic_city.py: every county built with a known
profile, its units' quality drawn around its level's with the given noise) over a grid of
depths, seeds, noise levels and fan-outs, builds each week's report the way the board does,
and counts:

- 构型: counties classified as built (fading, hot, cold, cold_villages, broken, normal; with 3
  levels fading, hot, cold, normal thrice), by the exact pattern;
- 小系统: small subtrees added to every city (a county of 2 villages, a county of 1 township,
  …) classified as built on the levels the classifier judges — with the default
  ``gradient_min_units`` (3) and with 2 (levels of 2 units judged);
- 误报: counties flagged in a flat city (every county ``normal``, small ones included);
- 落后: the share of a normal city's units in the lagging list (the largest over the seeds)
  and the units built to lag (4% of the city) that the list misses;
- the issue's city (9 fading counties, one hot at every level, one cold from its own top, the
  coldest): the hot one flagged, the cold ones not 整体偏冷, the briefing's 督导重点 naming the
  hot county or no fading one, the coldest not named.

    PYTHONPATH=. .venv/bin/python scripts/judgment_accuracy.py [--seeds 16] [--jobs 2]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dashboard.core import gradient  # noqa: E402
from dashboard.core.report import WeekReport, build_report  # noqa: E402
from dashboard.core.settings import Settings  # noqa: E402
from dashboard.export import briefing  # noqa: E402
from tests.core.synthetic_city import (  # noqa: E402
    CHILDREN,
    PROFILES,
    City,
    build_city,
    expected_pattern,
)

NOISES = (0.05, 0.1, 0.15)
DEPTHS = (3, 4, 5)
FEW = {3: (4,), 4: (3, 3), 5: (2, 2, 3)}  # a sparser tree than CHILDREN
# small subtrees added to every city: (profile, fan-out below the county)
SMALL: dict[int, tuple[tuple[str, tuple[int, ...]], ...]] = {
    3: (("fading", (2,)), ("hot", (2,)), ("cold", (2,)), ("fading", (3,))),
    4: (("fading", (1, 6)), ("hot", (1, 6)), ("broken", (2, 2)), ("cold_villages", (1, 3))),
    5: (("fading", (1, 3, 4)), ("hot", (1, 2, 2)), ("broken", (2, 1, 3)), ("cold", (1, 3, 2))),
}
ISSUE_PROFILES = ("fading",) * 9 + ("hot", "cold", "coldest")


def standard_profiles(depth: int) -> tuple[str, ...]:
    """Each profile twice; with 3 levels fading, cold_villages and broken are one and the same
    (a county over one cold level), so that city has fading, hot, cold and normal thrice."""
    if depth == 3:
        return ("fading", "hot", "cold", "normal") * 3
    return PROFILES * 2


@dataclass(frozen=True)
class Case:
    depth: int
    seed: int
    noise: float
    fans: str  # 标准 (CHILDREN) or 稀疏 (FEW)

    def children(self) -> tuple[int, ...]:
        return CHILDREN[self.depth] if self.fans == "标准" else FEW[self.depth]


@dataclass
class Tally:
    """Counts of one grid cell (or of the whole grid)."""

    right: int = 0
    counties: int = 0
    small_right: int = 0
    small_right_2: int = 0
    small: int = 0
    false_flags: int = 0
    flat_counties: int = 0
    lag_share_max: float = 0.0
    lag_share_sum: float = 0.0
    lag_cities: int = 0
    missed: int = 0
    built_to_lag: int = 0
    wrong: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for name in (
            "right",
            "counties",
            "small_right",
            "small_right_2",
            "small",
            "false_flags",
            "flat_counties",
            "lag_share_sum",
            "lag_cities",
            "missed",
            "built_to_lag",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.lag_share_max = max(self.lag_share_max, other.lag_share_max)
        self.wrong.extend(other.wrong)


def city_with_small(case: Case, profiles: tuple[str, ...], flat: bool = False) -> City:
    """A city of ``profiles`` (the case's fan-out) followed by the depth's small subtrees
    (``flat``: all of them ``normal``)."""
    extra = SMALL[case.depth]
    names = profiles + tuple("normal" if flat else p for p, _ in extra)
    fans = {len(profiles) + k: fan for k, (_, fan) in enumerate(extra, start=1)}
    return build_city(
        case.seed, case.depth, profiles=names, noise=case.noise, children=case.children(), fans=fans
    )


def report_of(city: City, **changes: Any) -> WeekReport:
    settings = Settings({**city.settings(), **changes})
    return build_report(city.units, city.figures, settings)


def patterns(rep: WeekReport, city: City, least: int) -> pd.Series:
    """County code → pattern, judged with ``gradient_min_units`` = ``least``."""
    settings = Settings({**city.settings(), "gradient_min_units": least})
    units = rep.units
    roots = gradient.subtree_roots(units, None, None)
    names = dict(zip(units["code"], units["name"], strict=True))
    table = gradient.subtrees(units, roots, names, settings, rep.level_stats, rep.level_names)
    return table.set_index("code")["pattern"]


def fan_of(city: City, code: str) -> tuple[int, ...]:
    """The fan-out below one county, read off the registry."""
    units = city.units
    below = units[units["code"].str.startswith(code) & (units["code"] != code)]
    sizes = [1] + [int(n) for n in below.groupby("level").size().sort_index()]
    return tuple(b // a for a, b in zip(sizes[:-1], sizes[1:], strict=True))


def run_case(case: Case) -> Tally:
    tally = Tally()
    profiles = standard_profiles(case.depth)
    city = city_with_small(case, profiles)
    rep = report_of(city)
    by3, by2 = patterns(rep, city, 3), patterns(rep, city, 2)
    for pos, (code, profile) in enumerate(city.profiles.items(), start=1):
        fan = fan_of(city, code)
        want3 = expected_pattern(profile, case.depth, fan, 3)
        got = str(by3.get(code, ""))
        if pos <= len(profiles):
            tally.counties += 1
            tally.right += int(got == want3)
        else:
            tally.small += 1
            tally.small_right += int(got == want3)
            want2 = expected_pattern(profile, case.depth, fan, 2)
            tally.small_right_2 += int(str(by2.get(code, "")) == want2)
            if str(by2.get(code, "")) != want2:
                tally.wrong.append(
                    f"{case} {profile}{fan} 最少2: 得 {by2.get(code)!r} 应 {want2!r}"
                )
        if got != want3:
            tally.wrong.append(f"{case} {profile}{fan}: 得 {got!r} 应 {want3!r}")

    flat = city_with_small(case, ("normal",) * 12, flat=True)
    flat_rep = report_of(flat)
    flags = flat_rep.subtrees["flagged"].astype(bool)
    tally.flat_counties += len(flags)
    tally.false_flags += int(flags.sum())
    for row in flat_rep.subtrees[flags].itertuples():
        tally.wrong.append(f"{case} 平市 {row.code}: 误报 {row.pattern}")

    probe = build_city(case.seed, case.depth, ("normal",) * 12, children=case.children())
    laggards = max(len(probe.units) // 25, 4)
    lag_city = build_city(
        case.seed,
        case.depth,
        ("normal",) * 12,
        noise=case.noise,
        laggards=laggards,
        children=case.children(),
    )
    lag_rep = report_of(lag_city)
    listed = set(lag_rep.lagging["unit_code"])
    share = len(listed) / len(lag_rep.units)
    tally.lag_share_max = share
    tally.lag_share_sum = share
    tally.lag_cities = 1
    missed = set(lag_city.lagging) - listed
    tally.missed += len(missed)
    tally.built_to_lag += len(lag_city.lagging)
    for code in sorted(missed):
        tally.wrong.append(f"{case} 漏列 {code}（{lag_city.lagging[code]}）")
    return tally


@dataclass
class IssueTally:
    cities: int = 0
    hot_flagged: int = 0
    cold_not_cold: int = 0
    focus_hot: int = 0
    focus_no_fading: int = 0
    coldest_unnamed: int = 0
    fading_flagged: int = 0
    fading: int = 0


def run_issue(depth: int, seed: int, noise: float) -> IssueTally:
    """The issue's city: 9 fading counties, one hot (第10县), one cold (第11县), the coldest
    (第12县)."""
    city = build_city(seed, depth, profiles=ISSUE_PROFILES, noise=noise)
    rep = report_of(city)
    table = rep.subtrees.set_index("code")
    out = IssueTally(cities=1, fading=9)
    out.hot_flagged = int(bool(table.loc["0110", "flagged"]))
    out.cold_not_cold = int((table.loc[["0111", "0112"], "pattern"] != gradient.PATTERN_COLD).sum())
    fading = table.loc[[f"01{i:02d}" for i in range(1, 10)], "pattern"]
    out.fading_flagged = int(fading.isin(gradient.FADE_PATTERNS).sum())
    paragraphs = briefing.gradient_paragraphs(rep, briefing.BriefingOptions())
    focus = [p for p in paragraphs if "督导重点" in p]
    focus_text = "".join(focus)
    out.focus_hot = int("第10县" in "".join(paragraphs))
    out.focus_no_fading = int(not any(f"第{i}县" in focus_text for i in range(1, 10)))
    out.coldest_unnamed = int("第12县" not in "".join(paragraphs))
    return out


def grid(seeds: int, depths: Iterable[int], noises: Iterable[float]) -> list[Case]:
    return [
        Case(depth, seed, noise, fans)
        for depth in depths
        for noise in noises
        for fans in ("标准", "稀疏")
        for seed in range(1, seeds + 1)
    ]


def pct(num: float, den: float) -> str:
    return f"{100.0 * num / den:5.1f}%" if den else "    —"


def print_table(results: dict[tuple[int, float, str], Tally]) -> Tally:
    head = (
        f"{'层级':>4} {'噪声':>5} {'扇出':<4} | {'构型正确':>14} | {'小系统(最少3)':>14} "
        f"| {'小系统(最少2)':>14} | {'平市误报':>13} | {'落后占比 均/最大':>15} | {'漏列':>8}"
    )
    print(head)
    print("-" * len(head.encode("gbk")))
    total = Tally()
    for (depth, noise, fans), t in sorted(results.items()):
        total.add(t)
        print(
            f"{depth:>6} {noise:>6.2f} {fans:<4} | {t.right:>4}/{t.counties:<4}{pct(t.right, t.counties)} "
            f"| {t.small_right:>4}/{t.small:<4}{pct(t.small_right, t.small)} "
            f"| {t.small_right_2:>4}/{t.small:<4}{pct(t.small_right_2, t.small)} "
            f"| {t.false_flags:>3}/{t.flat_counties:<4}{pct(t.false_flags, t.flat_counties)} "
            f"| {pct(t.lag_share_sum, t.lag_cities)} {pct(t.lag_share_max, 1)} "
            f"| {t.missed:>3}/{t.built_to_lag:<4}"
        )
    print("-" * len(head.encode("gbk")))
    print(
        f"{'合计':>15} | {total.right:>4}/{total.counties:<4}{pct(total.right, total.counties)} "
        f"| {total.small_right:>4}/{total.small:<4}{pct(total.small_right, total.small)} "
        f"| {total.small_right_2:>4}/{total.small:<4}{pct(total.small_right_2, total.small)} "
        f"| {total.false_flags:>3}/{total.flat_counties:<4}{pct(total.false_flags, total.flat_counties)} "
        f"| {pct(total.lag_share_sum, total.lag_cities)} {pct(total.lag_share_max, 1)} "
        f"| {total.missed:>3}/{total.built_to_lag:<4}"
    )
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=16)
    parser.add_argument("--depths", type=int, nargs="+", default=list(DEPTHS))
    parser.add_argument("--noises", type=float, nargs="+", default=list(NOISES))
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--wrong", action="store_true", help="list every misreading")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    cases = grid(args.seeds, args.depths, args.noises)
    with ProcessPoolExecutor(max_workers=max(args.jobs, 1)) as pool:
        tallies = list(pool.map(run_case, cases, chunksize=4))
        issue_args = [
            (d, s, n) for d in args.depths for n in args.noises for s in range(1, args.seeds + 1)
        ]
        issues = list(pool.map(run_issue, *zip(*issue_args, strict=True), chunksize=4))
    results: dict[tuple[int, float, str], Tally] = {}
    for case, tally in zip(cases, tallies, strict=True):
        results.setdefault((case.depth, case.noise, case.fans), Tally()).add(tally)
    total = print_table(results)
    issue = IssueTally()
    for one in issues:
        for name in vars(issue):
            setattr(issue, name, getattr(issue, name) + getattr(one, name))
    print()
    print(
        f"议题之市（{issue.cities}个）：热县被标记 {issue.hot_flagged}，冷县未判整体偏冷 "
        f"{issue.cold_not_cold}/{2 * issue.cities}，递减县被标记 {issue.fading_flagged}/"
        f"{issue.fading}，层级传导段落提到热县 {issue.focus_hot}，督导重点不含递减县 "
        f"{issue.focus_no_fading}，最冷县未被点名 {issue.coldest_unnamed}"
    )
    if args.wrong:
        print()
        print("\n".join(total.wrong))
    print(f"\n{len(cases)} 组城市，用时 {time.perf_counter() - started:.0f} 秒")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
