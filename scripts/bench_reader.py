"""Benchmark: the sandboxed ``read_workbook`` against python-calamine alone on the same file.

Usage: .venv/bin/python scripts/bench_reader.py [--rows 10000] [--cols 20] [--repeat 7]
Prints the median times and the ratio read_workbook / bare calamine parse.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable

import python_calamine
import xlsxwriter

from dashboard.ingest import sandbox
from dashboard.ingest.reader import parse_workbook
from dashboard.ingest.sandbox import read_workbook


def make_workbook(rows: int, cols: int) -> bytes:
    """A consolidated return: title row, two-level merged header, one row per unit."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("汇总")
    sheet.merge_range(0, 0, 0, cols - 1, "主题教育进展情况统计表（截至2023年10月27日）")
    sheet.write_row(1, 0, ["单位代码", "单位名称"])
    sheet.merge_range(1, 2, 1, cols - 1, "理论学习")
    sheet.write_row(2, 2, [f"指标{c}" for c in range(2, cols)])
    for r in range(rows):
        sheet.write_string(3 + r, 0, f"{r:06d}")
        sheet.write_string(3 + r, 1, f"第{r}号单位党支部")
        sheet.write_row(3 + r, 2, [(r * 7 + c) % 97 for c in range(2, cols)])
    book.close()
    return out.getvalue()


def bare_calamine(content: bytes) -> None:
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content))
    for name in book.sheet_names:
        book.get_sheet_by_name(name).to_python()


def timed_ms(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def main_rounds(content: bytes, repeat: int) -> dict[str, list[float]]:
    """Interleave the three measurements round by round so machine load hits them alike."""
    times: dict[str, list[float]] = {"bare": [], "inproc": [], "sandbox": []}
    for _ in range(repeat):
        times["bare"].append(timed_ms(lambda: bare_calamine(content)))
        times["inproc"].append(timed_ms(lambda: parse_workbook("bench.xlsx", content)))
        times["sandbox"].append(timed_ms(lambda: read_workbook("bench.xlsx", content)))
    return times


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--cols", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)

    content = make_workbook(args.rows, args.cols)
    sandbox.warm()
    read_workbook("warm.xlsx", content)  # first call: the worker has just started
    times = main_rounds(content, args.repeat)
    bare = statistics.median(times["bare"])
    print(
        f"文件：{args.rows} 行 × {args.cols} 列，{len(content) / 1024:.0f} KB；{args.repeat} 轮交替测量"
    )
    print(
        f"python-calamine 单独解析      中位数 {bare:8.1f} ms   最小 {min(times['bare']):8.1f} ms"
    )
    for key, label in (
        ("inproc", "parse_workbook（本进程）     "),
        ("sandbox", "read_workbook（沙箱工作进程）"),
    ):
        med = statistics.median(times[key])
        ratios = [t / b for t, b in zip(times[key], times["bare"], strict=True)]
        print(
            f"{label} 中位数 {med:8.1f} ms   最小 {min(times[key]):8.1f} ms   "
            f"倍数（逐轮中位）{statistics.median(ratios):.2f}×   倍数（最小/最小）"
            f"{min(times[key]) / min(times['bare']):.2f}×"
        )
    sandbox.shutdown()


if __name__ == "__main__":
    main()
