"""Import benchmark: a consolidated return of N units × 14 indicators.

Prints, for 10,000 units (median of 9 paired runs, each into a fresh SQLite file database):
python-calamine alone parsing the file; our full import (read in the sandboxed reader,
check, store); pandas.read_excel(engine="openpyxl") + row-by-row inserts as the baseline;
the ratios (target: ≤ 2.0× calamine, ≥ 5× faster than the baseline); then our import at
1k / 10k / 100k rows to show that time grows linearly.

With ``--big`` (issue 15) it instead imports the 52nd week's return of 1,000, 10,000 and
50,000 units into a database that already holds their 51 earlier weeks, on SQLite and on
PostgreSQL (``--backends``; a fresh database per size on the server in ``TEST_PG_URL``), and
prints how the import's time grows from 1,000 units (it should stay near linear).

    .venv/bin/python scripts/bench_import.py [--sizes 1000,10000,100000] [--repeat 9]
    .venv/bin/python scripts/bench_import.py --big [--backends sqlite,postgresql] [--repeat 2]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import insert

from dashboard.core.catalogue import INDICATORS
from dashboard.ingest import pipeline
from dashboard.ingest.context import load_context_beside_parser
from dashboard.store import db, repo
from dashboard.store.schema import units

DAY = dt.date(2023, 10, 27)
DEFAULT_SIZES = "1000,10000,100000"
BIG_SIZES = (1_000, 10_000, 50_000)
PG_URL = os.environ.get("TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def unit_values(i: int) -> list[int]:
    """Unit ``i``'s 14 figures, keeping the catalogue's rules: closed ≤ found, done ≤ set,
    reports ≤ topics."""
    base = i % 50
    values = [base + k * 3 for k in range(14)]
    values[8] = values[7] - 1
    values[10] = values[9] - 1
    values[5] = values[4]
    return values


def build_return(n: int, day: dt.date = DAY) -> bytes:
    """Title row, header, n unit rows with 14 consistent figures (write_only for speed)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("汇总")
    ws.append([f"主题教育进展统计表（截至{day:%Y年%m月%d日}）"])
    ws.append(["单位编码", "单位名称", *[ind.header for ind in INDICATORS], "填报人", "备注"])
    for i in range(n):
        ws.append([f"U{i:06d}", f"单位{i:06d}", *unit_values(i), "张三", None])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def fresh_db(folder: Path, n: int, tag: str, url: str | None = None) -> str:
    """A database holding the registry of ``n`` units (a SQLite file in ``folder`` unless
    ``url`` names another, empty database); returns the SQLite path or ``url``."""
    path = folder / f"bench_{tag}_{n}_{time.perf_counter_ns()}.sqlite3"
    engine = db.connect(url or f"sqlite:///{path}")
    rows = [
        {
            "code": "ROOT",
            "name": "示范市",
            "parent_code": None,
            "category": "党政机关",
            "aliases": "",
            "level": 1,
            "sort_order": 0,
            "retired": False,
        }
    ]
    rows += [
        {
            "code": f"U{i:06d}",
            "name": f"单位{i:06d}",
            "parent_code": "ROOT",
            "category": "党政机关",
            "aliases": "",
            "level": 2,
            "sort_order": i + 1,
            "retired": False,
        }
        for i in range(n)
    ]
    with engine.begin() as conn:
        conn.execute(insert(units), rows)
    repo.set_settings(engine, {"start_date": "2022-11-01", "end_date": "2024-01-31"})
    engine.dispose()
    return url or str(path)


def calamine_parse(content: bytes) -> None:
    import python_calamine as pc

    book = pc.CalamineWorkbook.from_filelike(io.BytesIO(content))
    for name in book.sheet_names:
        book.get_sheet_by_name(name).to_python()


def ours(content: bytes, path: str) -> float:
    """Seconds from the bytes to the committed import, on an engine made beforehand (the app
    keeps one). SQLite's WAL checkpoint then runs on a background thread, as in the app; it
    is waited for outside the timing so it cannot slow the next measurement."""
    engine = db.make_engine(f"sqlite:///{path}")
    start = time.perf_counter()
    result = pipeline.import_file(engine, "汇总.xlsx", content)
    elapsed = time.perf_counter() - start
    assert result.status == "imported" and not result.problems, result.problems[:3]
    db.wait_for_checkpoints()
    engine.dispose()
    return elapsed


def phases(content: bytes, path: str) -> tuple[float, float, float, float]:
    """The same import in its steps: sandboxed read, check, store (seconds), and the
    background checkpoint that follows the commit (not part of the import's time)."""
    from concurrent.futures import ThreadPoolExecutor

    from dashboard.ingest.sandbox import read_workbook

    engine = db.make_engine(f"sqlite:///{path}")
    start = time.perf_counter()
    with pipeline.bulk():  # as import_file: no cyclic GC from the read to the commit
        with ThreadPoolExecutor(max_workers=1) as pool:
            # as check_file does: the registry loads while the worker parses
            context = pool.submit(load_context_beside_parser, engine, None)
            workbook = read_workbook("汇总.xlsx", content)
            ctx = context.result()
        read = time.perf_counter()
        result = pipeline.check_workbook(engine, workbook, context=ctx)
        checked = time.perf_counter()
        pipeline.store_result(engine, result, content)
        stored = time.perf_counter()
    db.wait_for_checkpoints()
    settled = time.perf_counter()
    engine.dispose()
    return read - start, checked - read, stored - checked, settled - stored


def baseline(content: bytes, path: str) -> None:
    """The naive way: pandas + openpyxl, then one INSERT per value."""
    import pandas as pd

    frame = pd.read_excel(io.BytesIO(content), engine="openpyxl", header=1)
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE IF NOT EXISTS naive (unit_code TEXT, report_date TEXT, code TEXT, value INT)"
    )
    for record in frame.to_dict("records"):
        for ind in INDICATORS:
            conn.execute(
                "INSERT INTO naive VALUES (?, ?, ?, ?)",
                (record["单位编码"], DAY.isoformat(), ind.code, int(record[ind.header])),
            )
    conn.commit()
    conn.close()


def paired(content: bytes, n: int, folder: Path, repeat: int) -> tuple[list[float], list[float]]:
    """calamine and our import measured alternately, so load from other processes on a shared
    machine hits both alike; each of our runs gets a fresh database."""
    cal, our = [], []
    for i in range(repeat):
        path = fresh_db(folder, n, f"run{i}")
        start = time.perf_counter()
        calamine_parse(content)
        cal.append(time.perf_counter() - start)
        our.append(ours(content, path))
    return cal, our


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=10_000, help="rows of the headline file")
    parser.add_argument("--sizes", default=DEFAULT_SIZES)
    parser.add_argument("--repeat", type=int, default=None, help="default 9 (2 with --big)")
    parser.add_argument(
        "--big", action="store_true", help="1,000 / 10,000 / 50,000 units × 52 weeks (slow)"
    )
    parser.add_argument("--backends", default="sqlite,postgresql", help="with --big")
    parser.add_argument("--weeks", type=int, default=52, help="with --big: weeks per unit")
    args = parser.parse_args(argv)
    if args.big:
        sizes = args.sizes if args.sizes != DEFAULT_SIZES else ",".join(map(str, BIG_SIZES))
        big(
            [int(s) for s in sizes.split(",")],
            args.backends.split(","),
            args.repeat or 2,
            args.weeks,
        )
        return
    args.repeat = args.repeat or 9
    med = statistics.median
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        n = args.units
        content = build_return(n)
        print(
            f"文件：{n:,} 个单位 × 14 项指标，{len(content) / 1024:.0f} KB；各取 {args.repeat} 次中位数"
        )
        ours(content, fresh_db(folder, n, "warm"))  # start the reader's worker once
        cal, our = paired(content, n, folder, args.repeat)
        start = time.perf_counter()
        baseline(content, str(folder / "naive.db"))
        base = time.perf_counter() - start
        print(
            f"python-calamine 仅解析：          {med(cal) * 1000:7.0f} ms（最快 {min(cal) * 1000:.0f}）"
        )
        print(
            f"本系统 读取+检查+入库：           {med(our) * 1000:7.0f} ms（最快 {min(our) * 1000:.0f}）"
        )
        print(f"pandas+openpyxl+逐行插入 基线：   {base * 1000:7.0f} ms")
        print(
            f"本系统 / calamine = {med(our) / med(cal):.2f}×（中位数），"
            f"{min(our) / min(cal):.2f}×（最快）；目标 ≤ 2.0×"
        )
        print(f"基线 / 本系统     = {base / med(our):.1f}×；目标 ≥ 5×")
        split = [phases(content, fresh_db(folder, n, f"phase{i}")) for i in range(args.repeat)]
        read, check, store, settle = (med(part) * 1000 for part in zip(*split, strict=True))
        print(
            f"其中：读取（沙箱子进程，同时载入名册）{read:.0f} ms，检查 {check:.0f} ms，"
            f"入库 {store:.0f} ms；"
            f"提交后后台线程写回 WAL 检查点约 {settle:.0f} ms（不计入导入耗时）"
        )
        print("规模增长（本系统 读取+检查+入库，中位数）：")
        for size in [int(s) for s in args.sizes.split(",")]:
            data = content if size == n else build_return(size)
            reps = args.repeat if size <= n else max(1, args.repeat // 2)
            cal, our = paired(data, size, folder, reps)
            print(
                f"  {size:>7,} 行：{med(our) * 1000:8.0f} ms（每千行 {med(our) * 1e6 / size:5.1f} ms；"
                f"calamine {med(cal) * 1000:6.0f} ms，{med(our) / med(cal):.2f}×）"
            )


def history(url: str, n: int, weeks: int) -> None:
    """``weeks`` earlier weeks of every unit, stored as the app stores an upload, with
    figures never above the new return's (no decrease warnings)."""
    from dashboard.core.catalogue import INDICATOR_CODES
    from dashboard.store import returns_repo

    engine = db.connect(url)
    finals = [unit_values(i) for i in range(n)]
    for week in range(weeks):
        day = DAY - dt.timedelta(days=7 * (weeks - week))
        share = (week + 1) / (weeks + 1)
        rows: list[returns_repo.FigureRow] = [
            {
                "unit_code": f"U{i:06d}",
                "report_date": day,
                "figures": {
                    c: int(v * share) for c, v in zip(INDICATOR_CODES, finals[i], strict=True)
                },
                "sheet": None,
                "row": None,
            }
            for i in range(n)
        ]
        returns_repo.save_upload(
            engine,
            file_name=f"周报{day:%Y%m%d}.xlsx",
            content=f"history {n} {day}".encode(),
            status="imported",
            rows=rows,
            report_date=day,
        )
    db.wait_for_checkpoints()
    engine.dispose()


@contextlib.contextmanager
def database(backend: str) -> Iterator[str | None]:
    """None for SQLite (``fresh_db`` makes a file), else a new PostgreSQL database (dropped
    at the end)."""
    if backend == "sqlite":
        yield None
        return
    from sqlalchemy import create_engine, text

    name = f"bench_import_{os.getpid()}_{time.perf_counter_ns()}"
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def big(sizes: list[int], backends: list[str], repeat: int, weeks: int = 52) -> None:
    """Week 52's return of each size into a database holding the 51 weeks before it (then
    weeks 53, 54 … for the repeats); median seconds and growth from the smallest size."""
    med = statistics.median
    with tempfile.TemporaryDirectory() as tmp:
        ours(build_return(100), fresh_db(Path(tmp), 100, "warm"))  # start the reader's worker
        for backend in backends:
            times: dict[int, float] = {}
            for n in sizes:
                with database(backend) as url:
                    target = fresh_db(Path(tmp), n, backend, url)
                    target_url = url or f"sqlite:///{target}"
                    start = time.perf_counter()
                    history(target_url, n, weeks - 1)
                    filled = time.perf_counter() - start
                    runs = []
                    for k in range(repeat):
                        content = build_return(n, DAY + dt.timedelta(days=7 * k))
                        engine = db.make_engine(target_url)
                        begin = time.perf_counter()
                        result = pipeline.import_file(engine, "汇总.xlsx", content)
                        runs.append(time.perf_counter() - begin)
                        assert result.status == "imported", result.problems[:3]
                        db.wait_for_checkpoints()
                        engine.dispose()
                    times[n] = med(runs)
                    print(
                        f"{backend} {n:>7,} 个单位（库中已有 {weeks - 1} 周，生成 {filled:.0f}s）："
                        f"第 {weeks} 周导入 {times[n] * 1000:8.0f} ms"
                        f"（每千单位 {times[n] * 1e6 / n:6.1f} ms）",
                        flush=True,
                    )
            first = sizes[0]
            growth = "，".join(
                f"{n:,} 个单位（×{n / first:.0f}）耗时 ×{times[n] / times[first]:.1f}"
                for n in sizes[1:]
            )
            print(f"{backend} 相对 {first:,} 个单位：{growth}（接近线性即耗时倍数≈单位倍数）")


if __name__ == "__main__":
    main()
