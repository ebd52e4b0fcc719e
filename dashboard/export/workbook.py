"""The 简报's Excel: 排名, 落后单位 and 催报名单, one styled sheet each.

Text from returns and the registry ends up in these cells, so every value goes through
``cells.safe_cell_value`` (no formula, no control character).
"""

from __future__ import annotations

import io
import math
import unicodedata
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from dashboard.export.cells import safe_cell_value
from dashboard.export.document import BODY_FONT as BODY_FONT_NAME
from dashboard.export.document import HEADING_FONT

__all__ = [
    "BODY_FONT",
    "BORDER",
    "HEADER_FILL",
    "HEADER_FONT",
    "PERCENT",
    "THIN",
    "fit_for_print",
    "lagging_frame",
    "ordered_lagging",
    "rankings_frame",
    "reminder_frame",
    "write_sheet",
    "write_xlsx",
]

HEADER_FILL = PatternFill("solid", fgColor="B7282E")
# The 简报's fonts by name, as in the Word and PowerPoint (an office PC has them).
HEADER_FONT = Font(name=HEADING_FONT, bold=True, color="FFFFFF")
BODY_FONT = Font(name=BODY_FONT_NAME)
THIN = Side(style="thin", color="BFBFBF")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
PERCENT = "0.0%"


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def fit_for_print(ws: Worksheet, title_rows: str | None = "1:1", landscape: bool = True) -> None:
    """What the office gets when it prints the sheet: A4, every column on one page width (as
    many pages tall as needed), ``title_rows`` repeated at the top of each page. Without it a
    table wider than a page prints its columns on pages of their own."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE if landscape else ws.ORIENTATION_PORTRAIT
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_options.horizontalCentered = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    if title_rows:
        ws.print_title_rows = title_rows


def write_sheet(ws: Worksheet, frame: pd.DataFrame, formats: dict[str, str] | None = None) -> None:
    """``frame`` as a table: styled header, borders, frozen header row, fitted column widths,
    printed a page wide with the header on every page."""
    formats = formats or {}
    ws.append([safe_cell_value(str(c)) for c in frame.columns])
    for cell in ws[1]:
        cell.fill, cell.font, cell.border = HEADER_FILL, HEADER_FONT, BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for values in frame.itertuples(index=False):
        ws.append([safe_cell_value(v) for v in values])
    for col_index, name in enumerate(frame.columns, start=1):
        fmt = formats.get(str(name))
        column_cells: tuple[Cell, ...] = tuple(
            ws.iter_rows(min_row=2, min_col=col_index, max_col=col_index)
        )
        widest = _display_width(str(name))
        for (cell,) in column_cells:
            cell.font, cell.border = BODY_FONT, BORDER
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text
                widest = max(widest, _display_width(cell.value))
            elif cell.value is not None:
                if fmt:
                    cell.number_format = fmt
                widest = max(widest, len(f"{cell.value:,}") if isinstance(cell.value, int) else 8)
        ws.column_dimensions[get_column_letter(col_index)].width = min(max(widest + 2, 6), 60)
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 22
    if len(frame.columns):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(frame.columns))}{max(len(frame) + 1, 1)}"
    fit_for_print(ws, landscape=len(frame.columns) > 6)


def _level_text(frame: pd.DataFrame) -> pd.Series:
    return (
        frame["level_name"].astype(str)
        if "level_name" in frame.columns
        else frame["level"].astype(str)
    )


def rankings_frame(report: Any) -> pd.DataFrame:
    """排名: every unit in scope by level, pool and rank."""
    units = report.units
    if units.empty:
        return pd.DataFrame(columns=["层级", "排名组", "排名", "单位编码", "单位名称", "上级单位"])
    ordered = units.sort_values(["level", "pool", "rank", "code"], kind="stable")
    status = {"green": "绿", "yellow": "黄", "red": "红"}
    return pd.DataFrame(
        {
            "层级": _level_text(ordered).to_numpy(),
            "排名组": ordered["pool"].astype(str).to_numpy(),
            "排名": ordered["rank"].astype("Int64").to_numpy(),
            "排名变化": ordered["rank_change"].astype("Int64").to_numpy(),
            "单位编码": ordered["code"].astype(str).to_numpy(),
            "单位名称": ordered["name"].astype(str).to_numpy(),
            "上级单位": ordered.get("parent_name", pd.Series("", index=ordered.index))
            .fillna("")
            .astype(str)
            .to_numpy(),
            "热度指数": ordered["heat"].astype("float64").round(1).to_numpy(),
            "状态": ordered["status"].map(lambda s: status.get(str(s), str(s))).to_numpy(),
            "本周已报": ordered["reported"].map(lambda r: "是" if r else "否").to_numpy(),
            "问题销号率": ordered["closure_rate"].astype("float64").to_numpy(),
        }
    )


def ordered_lagging(lag: pd.DataFrame) -> pd.DataFrame:
    """Lagging units, the most severe first (the core's order, by ``severity``); without a
    severity column, the most reasons first, then the coldest (the briefing's table order)."""
    if lag.empty:
        return lag
    if "severity" in lag.columns:
        keys = pd.DataFrame(
            {
                "s": -lag["severity"].astype("float64").fillna(0.0).to_numpy(),
                "heat": lag["heat"].astype("float64").fillna(-1.0).to_numpy()
                if "heat" in lag.columns
                else 0.0,
            }
        )
        return lag.iloc[keys.sort_values(["s", "heat"], kind="stable").index].reset_index(drop=True)
    keys = pd.DataFrame(
        {
            "n": -lag["reasons"].map(lambda r: len(r or [])).to_numpy(),
            "heat": lag["heat"].astype("float64").fillna(-1.0).to_numpy()
            if "heat" in lag.columns
            else 0.0,
        }
    )
    order = keys.sort_values(["n", "heat"], kind="stable").index
    return lag.iloc[order].reset_index(drop=True)


def lagging_frame(report: Any) -> pd.DataFrame:
    """落后单位: each lagging unit with all its reasons (and the details behind them)."""
    lag = ordered_lagging(report.lagging)
    columns = ["序号", "单位编码", "单位名称", "层级", "上级单位", "热度指数", "落后原因", "说明"]
    if lag.empty:
        return pd.DataFrame(columns=columns)
    details = lag["details"] if "details" in lag.columns else pd.Series([[]] * len(lag))
    return pd.DataFrame(
        {
            "序号": range(1, len(lag) + 1),
            "单位编码": lag["unit_code"].astype(str).to_numpy(),
            "单位名称": lag["name"].astype(str).to_numpy(),
            "层级": _level_text(lag).to_numpy(),
            "上级单位": lag["parent_name"].fillna("").astype(str).to_numpy(),
            "热度指数": lag["heat"].astype("float64").round(1).to_numpy(),
            "落后原因": lag["reasons"].map(lambda r: "；".join(map(str, r or []))).to_numpy(),
            "说明": details.map(_details_text).to_numpy(),
        }
    )


def _details_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, dict):
        return "；".join(f"{k}：{v}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "；".join(map(str, value))
    return str(value)


def reminder_frame(report: Any) -> pd.DataFrame:
    """催报名单: units that did not report, grouped by their level-2 system, longest gap first."""
    units = report.units
    missing = units[~units["reported"].astype(bool)].copy()
    columns = ["所属系统", "单位编码", "单位名称", "层级", "上级单位", "连续未报周数"]
    if missing.empty:
        return pd.DataFrame(columns=columns)
    names = dict(zip(units["code"].astype(str), units["name"].astype(str), strict=True))
    root = missing["root_l2"] if "root_l2" in missing.columns else missing["parent_code"]
    missing["system"] = root.map(lambda c: names.get(str(c), "") if isinstance(c, str) else "")
    weeks = (
        missing["missing_weeks"]
        if "missing_weeks" in missing.columns
        else pd.Series(pd.NA, index=missing.index)
    )
    missing["weeks"] = pd.array(weeks, dtype="Int64")
    missing = missing.sort_values(
        ["system", "weeks", "code"], ascending=[True, False, True], kind="stable"
    )
    return pd.DataFrame(
        {
            "所属系统": missing["system"].to_numpy(),
            "单位编码": missing["code"].astype(str).to_numpy(),
            "单位名称": missing["name"].astype(str).to_numpy(),
            "层级": _level_text(missing).to_numpy(),
            "上级单位": missing.get("parent_name", pd.Series("", index=missing.index))
            .fillna("")
            .astype(str)
            .to_numpy(),
            "连续未报周数": missing["weeks"].to_numpy(),
        }
    )


def write_xlsx(report: Any) -> bytes:
    """The three sheets of the briefing's Excel as bytes."""
    book = Workbook()
    sheets: tuple[tuple[str, pd.DataFrame, dict[str, str]], ...] = (
        ("排名", rankings_frame(report), {"热度指数": "0.0", "问题销号率": PERCENT}),
        ("落后单位", lagging_frame(report), {"热度指数": "0.0"}),
        ("催报名单", reminder_frame(report), {}),
    )
    first = True
    for title, frame, formats in sheets:
        ws = book.active if first else book.create_sheet()
        assert ws is not None
        ws.title = title
        write_sheet(ws, frame, formats)
        first = False
    day = report.report_date
    book.properties.title = f"{report.scope_name}主题教育调度（截至{day.month}月{day.day}日）"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
