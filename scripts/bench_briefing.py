"""Briefing benchmark: is a full Word briefing little more than its charts?

Builds a synthetic city (1 + 12 counties × 15 townships × 8 villages ≈ 1,630 units, 4 report
weeks) in memory, builds the week's report once, then — in the same run, median of N — times:

- the 6 key charts alone: building their figures and rendering each as the PNG placed in
  Word, through the shared browser;
- the full Word briefing from the same report: sentences, the same 6 charts, the lagging
  table and the .docx file.

Prints the ratio (target: ≤ 1.5×), the per-image time with the shared browser, the first
call (which starts the browser) and, for reference, the report build.

    .venv/bin/python scripts/bench_briefing.py [--repeat 3] [--counties 12]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dashboard.core import settings as settings_def  # noqa: E402
from dashboard.core.catalogue import INDICATOR_CODES  # noqa: E402
from dashboard.core.report import build_report  # noqa: E402
from dashboard.export import briefing, images  # noqa: E402

WEEKS = [dt.date(2023, 10, 6) + dt.timedelta(days=7 * i) for i in range(4)]


def city(counties: int, towns: int, villages: int) -> pd.DataFrame:
    rows: list[tuple[str, str, str | None, str, int]] = [("0", "示范市", None, "党政机关", 1)]
    for c in range(1, counties + 1):
        cc = f"{c:02d}"
        rows.append((cc, f"第{c}县", "0", "党政机关", 2))
        for t in range(1, towns + 1):
            tc = f"{cc}{t:02d}"
            rows.append((tc, f"第{c}县{t}镇", cc, "乡镇（街道）", 3))
            for v in range(1, villages + 1):
                rows.append((f"{tc}{v:02d}", f"第{c}县{t}镇{v}村", tc, "村（社区）", 4))
    return pd.DataFrame(
        [
            {
                "code": code,
                "name": name,
                "parent_code": parent,
                "category": cat,
                "aliases": "",
                "level": level,
                "sort_order": i,
                "retired": False,
            }
            for i, (code, name, parent, cat, level) in enumerate(rows)
        ]
    )


def figures(units: pd.DataFrame, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = len(units)
    level = units["level"].to_numpy()
    base = rng.integers(1, 6, size=(n, len(INDICATOR_CODES))) * (5 - level)[:, None]
    frames = []
    cumulative = np.zeros_like(base)
    for week in WEEKS:
        cumulative = (
            cumulative + rng.integers(0, 3, size=base.shape) * (5 - level)[:, None] + base // 4
        )
        values = cumulative.copy()
        idx = list(INDICATOR_CODES)
        found, closed = idx.index("problems_found"), idx.index("problems_closed")
        values[:, closed] = np.minimum(values[:, closed], values[:, found])
        mset, mdone = idx.index("measures_set"), idx.index("measures_done")
        values[:, mdone] = np.minimum(values[:, mdone], values[:, mset])
        reported = rng.random(n) > 0.05
        frame = pd.DataFrame(values[reported], columns=idx).astype("Int64")
        frame.insert(0, "report_date", pd.Timestamp(week))
        frame.insert(0, "unit_code", units["code"].to_numpy()[reported])
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def timed(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--counties", type=int, default=12)
    args = parser.parse_args()

    units = city(args.counties, 15, 8)
    figs = figures(units)
    values = settings_def.defaults() | {"city_name": "示范市", "briefing_issue": 8}
    start = time.perf_counter()
    report = build_report(units, figs, settings_def.Settings(values), WEEKS[-1])
    build_s = time.perf_counter() - start
    options = briefing.BriefingOptions.from_settings(values)

    start = time.perf_counter()
    images.to_png(report_figure := briefing.chart_items(report, options)[0].figure, scale=1)
    first_s = time.perf_counter() - start

    def charts_alone() -> dict[str, bytes]:
        return briefing.document_pngs(briefing.chart_items(report, options))

    def full_word() -> bytes:
        return briefing.render_report(report, "docx", options)

    n_charts = len(charts_alone())
    charts_s = timed(charts_alone, args.repeat)
    word_s = timed(full_word, args.repeat)
    per_image = timed(lambda: images.to_png(report_figure, scale=2), args.repeat * 3)

    print(f"units: {len(units):,}  weeks: {len(WEEKS)}  charts in the briefing: {n_charts}")
    print(f"build_report (reference, not in either timing): {build_s * 1000:8.0f} ms")
    print(f"first image (starts the shared browser):         {first_s * 1000:8.0f} ms")
    print(f"one PNG with the shared browser (median):        {per_image * 1000:8.0f} ms")
    print(f"{n_charts} charts alone (figures + PNGs, median):        {charts_s * 1000:8.0f} ms")
    print(f"full Word briefing with those charts (median):   {word_s * 1000:8.0f} ms")
    print(f"ratio briefing / charts alone: {word_s / charts_s:.2f}x  (target <= 1.5x)")
    images.stop()


if __name__ == "__main__":
    main()
