"""Memory benchmark: what three 200,000-row uploads checked at once cost the app process.

Three threads (as three browser sessions of one Streamlit process) check the same kind of
hostile return at the same moment: 200,000 rows that all break rules (the same unit on
every row, closed > found, done > set) or all name unknown units. Prints the process's
resident memory when idle, its peak while the three are checked (sampled every 20 ms), and
after they are done; then checks the targets: peak under 1 GB, back within 100 MB of idle.
It also builds the 退回修改表 of one of them (made in a sandboxed child process) and
prints what that cost the app process.

    .venv/bin/python scripts/bench_memory.py [--rows 200000] [--files 3] [--kind dup|unknown]
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import datetime as dt
import gc
import io
import sys
import tempfile
import threading
import time
from pathlib import Path

from openpyxl import Workbook

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_import import fresh_db  # noqa: E402  (scripts/ is on the path when run)

from dashboard.core.catalogue import INDICATORS  # noqa: E402
from dashboard.ingest import pipeline, sandbox  # noqa: E402
from dashboard.ingest.annotate import returned_workbook  # noqa: E402
from dashboard.store import db  # noqa: E402

DAY = dt.date(2023, 10, 27)
PEAK_LIMIT_MB = 1024
SETTLE_LIMIT_MB = 100


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def hostile_return(rows: int, kind: str) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("汇总")
    sheet.append([f"主题教育进展统计表（截至{DAY:%Y年%m月%d日}）"])
    sheet.append(["单位编码", "单位名称", *[ind.header for ind in INDICATORS], "填报人", "备注"])
    for i in range(rows):
        values = [i % 50 + k for k in range(14)]  # closed > found, done > set: errors
        if kind == "dup":
            sheet.append(["U000001", "单位000001", *values, "张三", None])
        else:
            sheet.append([f"X{i:06d}", f"不存在的单位{i:06d}", *values, "张三", None])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


class Sampler:
    def __init__(self) -> None:
        self.peak = rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb())
            time.sleep(0.02)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def settle() -> float:
    """RSS after garbage collection and handing freed heap back to the system."""
    gc.collect()
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    time.sleep(0.5)
    return rss_mb()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--files", type=int, default=3)
    parser.add_argument("--kind", choices=("dup", "unknown"), default="dup")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        engine = db.connect(f"sqlite:///{fresh_db(Path(folder), 2_000, 'memory')}")
        contents = [hostile_return(args.rows, args.kind) for _ in range(args.files)]
        print(
            f"{args.files} files of {args.rows:,} rows ({args.kind}), "
            f"{len(contents[0]) / 1e6:.1f} MB each"
        )
        pipeline.check_file(engine, "warm.xlsx", hostile_return(10, args.kind))
        idle = settle()
        results: list[pipeline.FileResult] = []
        started = time.perf_counter()
        with Sampler() as sampler:
            threads = [
                threading.Thread(
                    target=lambda c=c, i=i: results.append(
                        pipeline.check_file(engine, f"第{i}个.xlsx", c)
                    )
                )
                for i, c in enumerate(contents, start=1)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        seconds = time.perf_counter() - started
        kept = sum(len(r.problems) for r in results)
        total = sum(r.problem_total for r in results)
        with Sampler() as annotating:
            made = returned_workbook(results[0], contents[0])
        results.clear()
        after = settle()
        sandbox.shutdown()
    print(f"checked in {seconds:.1f} s; problems kept {kept:,} of {total:,}")
    print(f"app RSS: idle {idle:.0f} MB, peak {sampler.peak:.0f} MB, after {after:.0f} MB")
    print(
        f"退回修改表 ({len(made) / 1e6:.1f} MB, built in a child): app peak "
        f"{annotating.peak:.0f} MB"
    )
    peak_ok = sampler.peak < PEAK_LIMIT_MB
    settle_ok = after - idle <= SETTLE_LIMIT_MB
    print(
        f"peak < {PEAK_LIMIT_MB} MB: {'yes' if peak_ok else 'NO'}; "
        f"back within {SETTLE_LIMIT_MB} MB of idle: {'yes' if settle_ok else 'NO'}"
    )
    return 0 if peak_ok and settle_ok else 1


if __name__ == "__main__":
    sys.exit(main())
