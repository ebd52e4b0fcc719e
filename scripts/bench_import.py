"""Import benchmark: a consolidated return of N units × 14 indicators.

Prints, for 10,000 units (median of 3 runs, each into a fresh SQLite file database):
python-calamine alone parsing the file; our full import (read in the sandboxed reader,
check, store); pandas.read_excel(engine="openpyxl") + row-by-row inserts as the baseline;
the ratios (target: ≤ 2.0× calamine, ≥ 5× faster than the baseline); then our import at
1k / 10k / 100k rows to show that time grows linearly.

    .venv/bin/python scripts/bench_import.py [--sizes 1000,10000,100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import insert

from dashboard.core.catalogue import INDICATORS
from dashboard.ingest import pipeline
from dashboard.store import db, repo
from dashboard.store.schema import units

DAY = dt.date(2023, 10, 27)


def build_return(n: int) -> bytes:
    """Title row, header, n unit rows with 14 consistent figures (write_only for speed)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("汇总")
    ws.append([f"主题教育进展统计表（截至{DAY:%Y年%m月%d日}）"])
    ws.append(["单位编码", "单位名称", *[ind.header for ind in INDICATORS], "填报人", "备注"])
    for i in range(n):
        base = i % 50
        values = [base + k * 3 for k in range(14)]
        # keep the catalogue's rules: closed ≤ found, done ≤ set, reports ≤ topics
        values[8] = values[7] - 1
        values[10] = values[9] - 1
        values[5] = values[4]
        ws.append([f"U{i:06d}", f"单位{i:06d}", *values, "张三", None])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def fresh_db(folder: Path, n: int, tag: str) -> str:
    path = folder / f"bench_{tag}_{n}_{time.perf_counter_ns()}.sqlite3"
    engine = db.connect(f"sqlite:///{path}")
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
    repo.set_settings(engine, {"start_date": "2023-09-01", "end_date": "2024-01-31"})
    engine.dispose()
    return str(path)


def calamine_parse(content: bytes) -> None:
    import python_calamine as pc

    book = pc.CalamineWorkbook.from_filelike(io.BytesIO(content))
    for name in book.sheet_names:
        book.get_sheet_by_name(name).to_python()


def ours(content: bytes, path: str) -> None:
    engine = db.make_engine(f"sqlite:///{path}")
    result = pipeline.import_file(engine, "汇总.xlsx", content)
    assert result.status == "imported" and not result.problems, result.problems[:3]
    engine.dispose()


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


def timed(fn: Callable[[], None], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        n = 10_000
        content = build_return(n)
        print(f"文件：{n} 个单位 × 14 项指标，{len(content) / 1024:.0f} KB")
        t_cal = timed(lambda: calamine_parse(content), args.repeat)
        paths = iter([fresh_db(folder, n, "ours") for _ in range(args.repeat)])
        t_ours = timed(lambda: ours(content, next(paths)), args.repeat)
        t_base = timed(lambda: baseline(content, str(folder / f"naive_{time.time_ns()}.db")), 1)
        print(f"python-calamine 仅解析：        {t_cal * 1000:8.0f} ms")
        print(f"本系统 读取+检查+入库：         {t_ours * 1000:8.0f} ms")
        print(f"pandas+openpyxl+逐行插入 基线： {t_base * 1000:8.0f} ms")
        print(f"本系统 / calamine = {t_ours / t_cal:.2f}×（目标 ≤ 2.0×）")
        print(f"基线 / 本系统     = {t_base / t_ours:.1f}×（目标 ≥ 5×）")
        print("规模增长（本系统 读取+检查+入库）：")
        for size in [int(s) for s in args.sizes.split(",")]:
            data = content if size == n else build_return(size)
            size_paths = iter([fresh_db(folder, size, "scale") for _ in range(args.repeat)])
            t = timed(lambda data=data, it=size_paths: ours(data, next(it)), args.repeat)
            t_c = timed(lambda data=data: calamine_parse(data), args.repeat)
            print(
                f"  {size:>7,} 行：{t * 1000:8.0f} ms（每千行 {t * 1e6 / size:6.1f} ms；"
                f"calamine {t_c * 1000:6.0f} ms，{t / t_c:.2f}×）"
            )


if __name__ == "__main__":
    main()
