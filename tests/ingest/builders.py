"""Workbooks built in code for the import tests, and a small registry to match against."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

from openpyxl import Workbook
from sqlalchemy import Engine, insert

from dashboard.core.catalogue import INDICATORS
from dashboard.store import repo
from dashboard.store.schema import units

TEMPLATE_HEADERS = [ind.header for ind in INDICATORS]
CODES = [ind.code for ind in INDICATORS]

REGISTRY = [
    # code, name, parent, category, aliases, level
    ("01", "示范市", None, "党政机关", "", 1),
    ("0101", "东城县", "01", "党政机关", "东城", 2),
    ("0102", "西山区", "01", "党政机关", "西山;西山区委", 2),
    ("0103", "南湖县", "01", "党政机关", "", 2),
    ("010101", "城关镇", "0101", "乡镇（街道）", "城关", 3),
    ("010102", "河口乡", "0101", "乡镇（街道）", "", 3),
]


def seed_registry(engine: Engine, rows: Sequence[tuple] = REGISTRY) -> None:
    """Units straight into the table, plus a campaign around the test dates."""
    with engine.begin() as conn:
        conn.execute(
            insert(units),
            [
                {
                    "code": code,
                    "name": name,
                    "parent_code": parent,
                    "category": category,
                    "aliases": aliases,
                    "level": level,
                    "sort_order": i,
                    "retired": False,
                }
                for i, (code, name, parent, category, aliases, level) in enumerate(rows)
            ],
        )
    repo.set_settings(
        engine, {"start_date": "2023-09-01", "end_date": "2024-01-31", "report_weekday": 5}
    )


def figures(seed: int) -> list[int]:
    """Fourteen consistent cumulative figures (closed ≤ found, done ≤ set, reports ≤ topics)."""
    base = [2, 6, 10, 3, 4, 3, 2, 20, 12, 30, 18, 15, 40, 5]
    return [v + seed for v in base]


def xlsx(
    rows: Sequence[Sequence[object]],
    *,
    merges: Sequence[str] = (),
    title: str = "周报",
    extra_sheets: Sequence[tuple[str, Sequence[Sequence[object]], str]] = (),
) -> bytes:
    """One sheet with ``rows`` (row 1 first); extra sheets as (name, rows, state)."""
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(list(row))
    for ref in merges:
        ws.merge_cells(ref)
    for name, extra_rows, state in extra_sheets:
        sheet = wb.create_sheet(name)
        for row in extra_rows:
            sheet.append(list(row))
        sheet.sheet_state = state
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def template_return(
    units_rows: Sequence[tuple[object, object, Sequence[object]]],
    *,
    day: dt.date | None = dt.date(2023, 10, 27),
    title: str | None = None,
) -> list[list[object]]:
    """The template's shape: title row, note row, header, one row per (code, name, figures)."""
    heading = (
        title
        if title is not None
        else (f"主题教育进展统计表（截至{day:%Y年%m月%d日}）" if day else "主题教育进展统计表")
    )
    out: list[list[object]] = [[heading], ["填报说明：数字为累计数"]]
    out.append(["单位编码", "单位名称", *TEMPLATE_HEADERS, "填报人", "联系电话", "备注"])
    for code, name, values in units_rows:
        out.append([code, name, *values, "张三", "123", None])
    return out
