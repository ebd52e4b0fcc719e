"""The upload page's tables of a checked file (Chinese headers): its problems, the rows it
would store, and the rows to confirm with their warnings."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import pandas as pd

from dashboard.core.catalogue import indicator
from dashboard.core.problems import PROBLEM_COLUMNS, Problem, problem_records
from dashboard.ingest.results import FileResult

__all__ = ["accepted_frame", "problem_order", "problems_frame", "rows_to_confirm"]


def problems_frame(result: FileResult) -> pd.DataFrame:
    """The problems as the upload page shows them (工作表, 行, 单位, 列, 值, 级别, 问题), in
    sheet and row order, problems about the whole file first; the page names the file."""
    ordered = sorted(result.problems, key=problem_order(result))
    records = problem_records(ordered)
    for record in records:
        record["行"] = "" if record["行"] is None else str(record["行"])
    return pd.DataFrame(records, columns=list(PROBLEM_COLUMNS))


def problem_order(result: FileResult) -> Callable[[Problem], tuple[int, int, int]]:
    """Sort key: whole-file problems first, then by sheet (as in the file) and row."""
    sheets = {name: i for i, name in enumerate(result.sheets)}

    def key(p: Problem) -> tuple[int, int, int]:
        if p.sheet is None or p.row is None:
            return (0, 0, 0)
        return (1, sheets.get(p.sheet, len(sheets)), p.row)

    return key


def accepted_frame(result: FileResult, names: dict[str, str] | None = None) -> pd.DataFrame:
    """The rows that will be stored: unit, report day, one column per indicator present."""
    names = names or {}
    present: list[str] = []
    for row in result.accepted:
        for code in row["values"]:
            if code not in present:
                present.append(code)
    records = [
        {
            "单位编码": row["unit_code"],
            "单位名称": names.get(row["unit_code"], ""),
            "统计截止日": row["report_date"],
            "工作表": row["sheet"],
            "行": row["row"],
            **{indicator(code).label: row["values"].get(code) for code in present},
        }
        for row in result.accepted
    ]
    columns = ["单位编码", "单位名称", "统计截止日", "工作表", "行"]
    columns += [indicator(code).label for code in present]
    frame = pd.DataFrame(records, columns=columns)
    for code in present:
        frame[indicator(code).label] = frame[indicator(code).label].astype("Int64")
    return frame


def rows_to_confirm(result: FileResult, names: dict[str, str] | None = None) -> pd.DataFrame:
    """The rows to be stored with their warnings (提醒), rows with a warning first: what
    the office looks at before confirming, and may hold back."""
    notes: dict[tuple[str, int], list[str]] = defaultdict(list)
    for p in result.problems:
        if p.severity == "warning" and p.sheet is not None and p.row is not None:
            notes[(p.sheet, p.row)].append(p.message)
    frame = accepted_frame(result, names)
    keys = zip(frame["工作表"], frame["行"], strict=True)
    frame.insert(5, "提醒", ["；".join(notes.get((s, int(r)), [])) for s, r in keys])
    order = frame["提醒"].eq("").to_numpy().argsort(kind="stable")
    return frame.iloc[order].reset_index(drop=True)
