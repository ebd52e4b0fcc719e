"""Page benchmark: does a board page's cost grow with the campaign's size?

Builds two temporary SQLite databases — 100 units × 8 weeks and 2,500 units × 52 weeks —
stores the figures through ``returns_repo.save_upload`` (one upload per week), then runs
each board page with Streamlit's AppTest: cold (data caches cleared) and warm (a rerun),
best of a few runs, small and big interleaved.  Prints each page's times and the ratios big/small.
Targets (issue 4): warm ratio ≤ 2×, cold ratio ≤ 3×.

With ``--big`` (issue 15) it runs 1,000, 10,000 and 50,000 units × 52 weeks instead, on
SQLite and on PostgreSQL (``--backends``; a fresh database per size on the server in
``TEST_PG_URL``, default 127.0.0.1:5432), and prints how each page's cold and warm time
grow from 1,000 units (units × 10 and × 50): warm pages should grow sub-linearly.

    .venv/bin/python scripts/bench_pages.py [--repeat 5] [--pages ranking,gradient]
    .venv/bin/python scripts/bench_pages.py --big [--backends sqlite,postgresql] [--repeat 2]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, insert

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dashboard.core.catalogue import INDICATOR_CODES  # noqa: E402
from dashboard.store import db, returns_repo  # noqa: E402
from dashboard.store.schema import units as units_table  # noqa: E402

PAGES = ("overview", "coverage", "ranking", "lagging", "gradient", "trends", "unit_detail")
FIRST_DAY = dt.date(2023, 9, 8)


BIG_SIZES = (1_000, 10_000, 50_000)
PG_URL = os.environ.get("TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def tree_shape(total: int) -> tuple[int, int, int]:
    """Counties, townships per county, villages per township giving about ``total`` units."""
    shapes = {
        1_000: (5, 10, 19),  # 1 + 5 + 50 + 950 = 1,006
        10_000: (10, 20, 49),  # 1 + 10 + 200 + 9,800 = 10,011
        50_000: (20, 25, 99),  # 1 + 20 + 500 + 49,500 = 50,021
    }
    if total in shapes:
        return shapes[total]
    if total <= 150:
        return 3, 4, 7  # 1 + 3 + 12 + 84 = 100
    return 10, 12, 20  # 1 + 10 + 120 + 2,400 = 2,531


@contextlib.contextmanager
def database(backend: str, folder: Path, label: str) -> Iterator[str]:
    """A fresh, empty database: a SQLite file in ``folder`` or a new PostgreSQL database
    (dropped at the end)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'{label}.sqlite3'}"
        return
    from sqlalchemy import create_engine, text

    name = f"bench_{label}_{os.getpid()}"
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def make_units(counties: int, towns: int, villages: int) -> list[dict]:
    rows = [
        {"code": "01", "name": "示范市", "parent_code": None, "category": "党政机关", "level": 1}
    ]
    for c in range(1, counties + 1):
        ccode = f"01{c:02d}"
        rows.append(
            {
                "code": ccode,
                "name": f"第{c}县",
                "parent_code": "01",
                "category": "党政机关",
                "level": 2,
            }
        )
        for t in range(1, towns + 1):
            tcode = f"{ccode}{t:02d}"
            rows.append(
                {
                    "code": tcode,
                    "name": f"第{c}县{t}镇",
                    "parent_code": ccode,
                    "category": "乡镇（街道）",
                    "level": 3,
                }
            )
            for v in range(1, villages + 1):
                rows.append(
                    {
                        "code": f"{tcode}{v:03d}",
                        "name": f"第{c}县{t}镇{v}村",
                        "parent_code": tcode,
                        "category": "村（社区）",
                        "level": 4,
                    }
                )
    for i, row in enumerate(rows):
        row.update(aliases="", sort_order=i, retired=False)
    return rows


def fill(engine: Engine, total_units: int, weeks: int, seed: int = 7) -> None:
    """Registry + ``weeks`` weekly uploads; county 1's villages run cold."""
    rng = np.random.default_rng(seed)
    rows = make_units(*tree_shape(total_units))
    with engine.begin() as conn:
        conn.execute(insert(units_table), rows)
    codes = [r["code"] for r in rows]
    cold = np.array([r["level"] == 4 and r["code"].startswith("0101") for r in rows])
    n, k = len(codes), len(INDICATOR_CODES)
    pace = rng.uniform(0.5, 3.0, size=(n, k))
    pace[cold] *= 0.2
    cum = np.zeros((n, k))
    for week in range(weeks):
        cum += rng.poisson(pace)
        # keep the pairs consistent: closed ≤ found, done ≤ set, reports ≤ topics
        idx = {c: i for i, c in enumerate(INDICATOR_CODES)}
        for low, high in (
            ("problems_closed", "problems_found"),
            ("measures_done", "measures_set"),
            ("survey_reports", "survey_topics"),
        ):
            cum[:, idx[low]] = np.minimum(cum[:, idx[low]], cum[:, idx[high]])
        day = FIRST_DAY + dt.timedelta(days=7 * week)
        reported = rng.random(n) > np.where(cold, 0.25, 0.03)
        figure_rows: list[returns_repo.FigureRow] = [
            {
                "unit_code": codes[i],
                "report_date": day,
                "figures": {c: int(v) for c, v in zip(INDICATOR_CODES, cum[i], strict=True)},
                "sheet": None,
                "row": None,
            }
            for i in range(n)
            if reported[i]
        ]
        returns_repo.save_upload(
            engine,
            file_name=f"周报{day:%Y%m%d}.xlsx",
            content=f"bench {total_units} {day}".encode(),
            status="imported",
            rows=figure_rows,
            report_date=day,
        )


def run_once(page: str) -> tuple[float, float]:
    """(cold, warm) seconds of one run of ``page`` on the database in DATABASE_URL."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=300)
    at.run()  # app shell on the default page (engine + sidebar)
    st.cache_data.clear()
    at.switch_page(f"app_pages/{page}.py")
    start = time.perf_counter()
    at.run()
    cold = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception[0].message}")
    start = time.perf_counter()
    at.run()
    return cold, time.perf_counter() - start


def time_pages(
    pages: list[str], urls: dict[str, str], repeat: int
) -> dict[str, dict[str, tuple[float, float]]]:
    """Best (cold, warm) of ``repeat`` runs per page and database.  Small and big runs are
    interleaved so both see the same load on this shared machine; the minimum is the least
    disturbed measurement (as ``timeit`` recommends)."""
    times: dict[str, dict[str, list[tuple[float, float]]]] = {
        label: {page: [] for page in pages} for label in urls
    }
    for page in pages:
        for url in urls.values():  # warm-up: imports and first-use costs
            os.environ["DATABASE_URL"] = url
            run_once(page)
        for _ in range(repeat):
            for label, url in urls.items():
                os.environ["DATABASE_URL"] = url
                times[label][page].append(run_once(page))
    return {
        label: {
            page: (min(c for c, _ in runs), min(w for _, w in runs))
            for page, runs in by_page.items()
        }
        for label, by_page in times.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="看板页面基准：规模增长时页面耗时之比")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument(
        "--big", action="store_true", help="1,000 / 10,000 / 50,000 units × 52 weeks (slow)"
    )
    parser.add_argument("--backends", default="sqlite,postgresql", help="with --big")
    parser.add_argument("--sizes", default=",".join(str(n) for n in BIG_SIZES), help="with --big")
    args = parser.parse_args(argv)
    pages = [p for p in args.pages.split(",") if p]
    if args.big:
        sizes = [int(n) for n in args.sizes.split(",")]
        return big(pages, sizes, [b for b in args.backends.split(",") if b], args.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        urls: dict[str, str] = {}
        for label, total, weeks in (("small", 100, 8), ("big", 2500, 52)):
            url = f"sqlite:///{Path(tmp) / f'{label}.sqlite3'}"
            engine = db.connect(url)
            start = time.perf_counter()
            fill(engine, total, weeks)
            print(f"{label}: 数据生成 {time.perf_counter() - start:.1f}s", flush=True)
            engine.dispose()
            urls[label] = url
        results = time_pages(pages, urls, args.repeat)
    print(
        f"{'page':<12}{'cold small':>11}{'cold big':>10}{'ratio':>7}{'warm small':>12}{'warm big':>10}{'ratio':>7}"
    )
    failed = False
    for page in pages:
        cs, ws = results["small"][page]
        cb, wb = results["big"][page]
        rc, rw = cb / cs, wb / ws
        failed |= rc > 3 or rw > 2
        print(f"{page:<12}{cs:>10.3f}s{cb:>9.3f}s{rc:>6.2f}×{ws:>11.3f}s{wb:>9.3f}s{rw:>6.2f}×")
    print("targets: cold ≤ 3×, warm ≤ 2×", "— MISSED" if failed else "— met")
    return 1 if failed else 0


def big(pages: list[str], sizes: list[int], backends: list[str], repeat: int) -> int:
    """Each size × 52 weeks on each backend; cold and warm page times and their growth from
    the smallest size (sizes interleaved per page, as in ``time_pages``)."""
    weeks = 52
    for backend in backends:
        with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
            urls: dict[str, str] = {}
            for total in sizes:
                url = stack.enter_context(database(backend, Path(tmp), f"u{total}"))
                engine = db.connect(url)
                start = time.perf_counter()
                fill(engine, total, weeks)
                engine.dispose()
                print(
                    f"{backend} {total:,} 个单位 × {weeks} 周：数据生成 {time.perf_counter() - start:.0f}s",
                    flush=True,
                )
                urls[f"{total}"] = url
            results = time_pages(pages, urls, repeat)
        base = str(sizes[0])
        print(f"== {backend}：相对 {sizes[0]:,} 个单位的增长（冷 = 数据缓存清空，热 = 再次运行）==")
        for page in pages:
            cold0, warm0 = results[base][page]
            parts = [f"{page:<12} {sizes[0]:,}: 冷 {cold0:.2f}s 热 {warm0:.2f}s"]
            for total in sizes[1:]:
                cold, warm = results[str(total)][page]
                parts.append(
                    f"{total:,}（单位 ×{total / sizes[0]:.0f}）: 冷 {cold:.2f}s ×{cold / cold0:.1f}，"
                    f"热 {warm:.2f}s ×{warm / warm0:.1f}"
                )
            print(" | ".join(parts), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
