"""The weekly return template (.xlsx), built from the indicator catalogue and the registry.

Layout of the 周报 sheet (the importer and the demo generator rely on it):
row 1 title ``{地区}主题教育每周进展统计表（截至YYYY年M月D日）``; row 2 group names
(理论学习 …) merged over their indicator columns; row 3 the indicator headers
(``Indicator.header``); units from row 4.  Columns: 单位编码 | 单位名称 | indicators… |
填报人 | 联系电话 | 备注.  Every figure cell has whole-number ≥ 0 validation and is
unlocked; the rest of the sheet is protected (no password) so headers and codes stay put.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Mapping
from copy import copy
from dataclasses import dataclass

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from dashboard.core.catalogue import RULES, Indicator, by_group
from dashboard.core.units import UnitTree
from dashboard.export.cells import safe_cell_text, safe_cell_value
from dashboard.export.workbook import fit_for_print

__all__ = [
    "FIRST_DATA_ROW",
    "GROUP_ROW",
    "HEADER_ROW",
    "INSTRUCTIONS_SHEET",
    "META_TAIL",
    "SHEET_NAME",
    "TITLE_ROW",
    "WEEKDAYS",
    "Column",
    "TemplateError",
    "build_workbook",
    "columns",
    "indicator_columns",
    "scoped_units",
    "split_zip",
    "template_bytes",
    "template_file_name",
    "title_text",
    "weekday_name",
    "workbook_bytes",
]

SHEET_NAME = "周报"
INSTRUCTIONS_SHEET = "说明"
TITLE_ROW = 1
GROUP_ROW = 2
HEADER_ROW = 3
FIRST_DATA_ROW = 4
META_TAIL = (("reporter", "填报人", 10), ("phone", "联系电话", 14), ("note", "备注", 22))
WEEKDAYS = "一二三四五六日"

_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="FDE9E7")
_GROUP_FILL = PatternFill("solid", fgColor="F6C9C4")
_UNLOCKED = Protection(locked=False)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_SAFE_NAME = re.compile(r"[\\/:*?\"<>|\s\x00-\x1f\x7f-\x9f]+")


class TemplateError(ValueError):
    """The template cannot be built as asked (message in Chinese)."""


@dataclass(frozen=True)
class Column:
    key: str  # "unit_code", "unit_name", an indicator code, or a META_TAIL key
    header: str
    group: str | None
    width: float


def columns() -> list[Column]:
    """The template's columns in order, read from the catalogue."""
    out = [Column("unit_code", "单位编码", None, 12), Column("unit_name", "单位名称", None, 30)]
    for group, indicators in by_group().items():
        out.extend(Column(ind.code, ind.header, group, 11) for ind in indicators)
    out.extend(Column(key, header, None, width) for key, header, width in META_TAIL)
    return out


def indicator_columns() -> list[Column]:
    return [c for c in columns() if c.group is not None]


def title_text(report_date: dt.date, title_prefix: str = "") -> str:
    day = f"{report_date.year}年{report_date.month}月{report_date.day}日"
    return f"{title_prefix}主题教育每周进展统计表（截至{day}）"


def weekday_name(report_weekday: int) -> str:
    return "星期" + WEEKDAYS[(report_weekday - 1) % 7]


def scoped_units(units: pd.DataFrame, scope: str | None = None) -> pd.DataFrame:
    """Active units in registry order: all, or the subtree under ``scope`` (a unit code)."""
    frame = units
    if "retired" in frame.columns:
        frame = frame[~frame["retired"].astype(bool)]
    if "sort_order" in frame.columns:
        frame = frame.sort_values("sort_order", kind="stable")
    frame = frame.reset_index(drop=True)
    if not scope:
        return frame
    if scope not in set(frame["code"]):
        raise TemplateError(
            f"单位编码“{scope}”不在当前名册中（或已撤销）：请核对编码，可在“单位名册”页查询"
        )
    keep = UnitTree(frame).subtree(scope)
    order = {code: i for i, code in enumerate(keep)}
    picked = frame[frame["code"].isin(order)].copy()
    picked["_order"] = picked["code"].map(order)
    return picked.sort_values("_order").drop(columns="_order").reset_index(drop=True)


def build_workbook(
    units: pd.DataFrame,
    report_date: dt.date,
    *,
    title_prefix: str = "",
    scope: str | None = None,
    report_weekday: int = 5,
    values: Mapping[str, Mapping[str, object]] | None = None,
) -> Workbook:
    """The template workbook; ``values`` (unit code -> column key -> value) fills it in
    (the demo generator writes its returns this way)."""
    rows = scoped_units(units, scope)
    if rows.empty:
        raise TemplateError("名册中没有可填报的单位：请先在“单位名册”页导入单位名册")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET_NAME
    cols = columns()
    _write_header(sheet, cols, title_text(report_date, title_prefix))
    _write_units(sheet, cols, rows, values or {})
    _protect(sheet, cols, len(rows))
    _write_instructions(book.create_sheet(INSTRUCTIONS_SHEET), report_date, report_weekday)
    return book


def template_bytes(
    units: pd.DataFrame,
    report_date: dt.date,
    *,
    title_prefix: str = "",
    scope: str | None = None,
    report_weekday: int = 5,
) -> bytes:
    book = build_workbook(
        units, report_date, title_prefix=title_prefix, scope=scope, report_weekday=report_weekday
    )
    return workbook_bytes(book)


def workbook_bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def template_file_name(report_date: dt.date, scope_name: str = "") -> str:
    stem = f"周报模板_{report_date.isoformat()}"
    if scope_name:
        stem += "_" + _SAFE_NAME.sub("_", scope_name)
    return stem + ".xlsx"


def split_zip(
    units: pd.DataFrame,
    report_date: dt.date,
    *,
    title_prefix: str = "",
    scope: str | None = None,
    report_weekday: int = 5,
) -> bytes:
    """One workbook per unit directly under the root (county / department) in a zip.

    The root itself gets its own one-row workbook (本级).  With ``scope`` the split is
    made one level under that unit instead.
    """
    rows = scoped_units(units, scope)
    if rows.empty:
        raise TemplateError("名册中没有可填报的单位：请先在“单位名册”页导入单位名册")
    tree = UnitTree(rows)
    top = scope or tree.root
    if top is None:
        raise TemplateError("名册中没有根单位：请先导入完整的单位名册")
    names = tree.names()
    parts: list[tuple[str, list[str]]] = [(f"{names[top]}（本级）", [top])]
    parts.extend((names[child], tree.subtree(child)) for child in tree.children(top))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (label, codes) in enumerate(parts, start=1):
            part = rows[rows["code"].isin(codes)]
            book = build_workbook(
                part, report_date, title_prefix=title_prefix, report_weekday=report_weekday
            )
            name = f"{index:02d}_{template_file_name(report_date, label)}"
            archive.writestr(name, workbook_bytes(book))
    return buffer.getvalue()


# --------------------------------------------------------------------------- sheet parts


def _write_header(sheet: Worksheet, cols: list[Column], title: str) -> None:
    last = get_column_letter(len(cols))
    sheet.merge_cells(f"A{TITLE_ROW}:{last}{TITLE_ROW}")
    cell = sheet.cell(TITLE_ROW, 1, safe_cell_text(title))
    cell.font = Font(size=16, bold=True)
    cell.alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[TITLE_ROW].height = 32
    sheet.row_dimensions[HEADER_ROW].height = 48
    index = 1
    while index <= len(cols):
        col = cols[index - 1]
        if col.group is None:
            sheet.merge_cells(
                start_row=GROUP_ROW, start_column=index, end_row=HEADER_ROW, end_column=index
            )
            _head(sheet.cell(GROUP_ROW, index, col.header), _HEAD_FILL)
            _head(sheet.cell(HEADER_ROW, index), _HEAD_FILL)
            index += 1
            continue
        span = 1
        while index + span <= len(cols) and cols[index + span - 1].group == col.group:
            span += 1
        if span > 1:
            sheet.merge_cells(
                start_row=GROUP_ROW,
                start_column=index,
                end_row=GROUP_ROW,
                end_column=index + span - 1,
            )
        for offset in range(span):
            _head(sheet.cell(GROUP_ROW, index + offset), _GROUP_FILL)
            _head(
                sheet.cell(HEADER_ROW, index + offset, cols[index + offset - 1].header), _HEAD_FILL
            )
        sheet.cell(GROUP_ROW, index).value = col.group
        index += span
    for position, col in enumerate(cols, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = col.width
    sheet.freeze_panes = sheet.cell(FIRST_DATA_ROW, 3)
    fit_for_print(sheet, title_rows=f"{GROUP_ROW}:{HEADER_ROW}")


def _head(cell: Cell, fill: PatternFill) -> None:
    cell.font = Font(bold=True)
    cell.fill = fill
    cell.alignment = _CENTER
    cell.border = _BORDER


def _write_units(
    sheet: Worksheet,
    cols: list[Column],
    rows: pd.DataFrame,
    values: Mapping[str, Mapping[str, object]],
) -> None:
    # Style one prototype cell per column, then copy its style array to every row: setting
    # styles cell by cell hashes style objects each time (~10× slower for 1,500 units).
    styles = [_column_style(sheet, position, col) for position, col in enumerate(cols, start=1)]
    name_position = next(i for i, c in enumerate(cols) if c.key == "unit_name")
    levels = _relative_levels(rows)
    name_styles = {
        depth: _indented(sheet, name_position + 1, styles[name_position], depth)
        for depth in set(levels)
    }
    contacts = _contacts(rows)
    for offset, (code, name) in enumerate(zip(rows["code"], rows["name"], strict=True)):
        row = FIRST_DATA_ROW + offset
        filled = {**contacts.get(str(code), {}), **values.get(code, {})}
        for position, col in enumerate(cols, start=1):
            if col.key == "unit_code":
                value: object = safe_cell_text(str(code))
            elif col.key == "unit_name":
                value = safe_cell_text(str(name))
            else:
                value = safe_cell_value(filled.get(col.key))
            cell = sheet.cell(row, position, value)
            style = name_styles[levels[offset]] if position == name_position + 1 else None
            cell._style = copy(style or styles[position - 1])


def _relative_levels(rows: pd.DataFrame) -> list[int]:
    """Each row's depth below the sheet's top unit (0 for the top), whatever the tree's depth:
    the names are indented by it so that a five-level list reads as a tree."""
    if "level" not in rows.columns or rows.empty:
        return [0] * len(rows)
    levels = rows["level"].astype(int)
    return [int(v) for v in levels - int(levels.min())]


def _indented(sheet: Worksheet, position: int, base: StyleArray, depth: int) -> StyleArray:
    """The name column's style with the text indented ``depth`` steps."""
    if depth == 0:
        return base
    cell = sheet.cell(FIRST_DATA_ROW, position)
    cell._style = copy(base)
    cell.alignment = Alignment(indent=min(depth, 15))
    indented = copy(cell._style)
    cell._style = copy(base)
    return indented


def _contacts(rows: pd.DataFrame) -> dict[str, dict[str, object]]:
    """The registry's 联络人/联系电话 pre-filled as 填报人/联系电话 (the sender may change them)."""
    if "contact_name" not in rows.columns and "contact_phone" not in rows.columns:
        return {}
    out: dict[str, dict[str, object]] = {}
    for record in rows.to_dict("records"):
        filled = {
            key: record.get(column)
            for key, column in (("reporter", "contact_name"), ("phone", "contact_phone"))
            if isinstance(record.get(column), str) and record.get(column)
        }
        if filled:
            out[str(record["code"])] = filled
    return out


def _column_style(sheet: Worksheet, position: int, col: Column) -> StyleArray:
    """The style array of a data cell in this column (set on the first data row)."""
    cell = sheet.cell(FIRST_DATA_ROW, position)
    cell.border = _BORDER
    if col.key == "unit_code":
        cell.number_format = "@"
    elif col.key != "unit_name":
        cell.protection = _UNLOCKED
        if col.group is not None:
            cell.number_format = "0"
    return copy(cell._style)


def _protect(sheet: Worksheet, cols: list[Column], count: int) -> None:
    figure_positions = [i for i, c in enumerate(cols, start=1) if c.group is not None]
    first = get_column_letter(figure_positions[0])
    last = get_column_letter(figure_positions[-1])
    end_row = FIRST_DATA_ROW + count - 1
    check = DataValidation(
        type="whole",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorStyle="stop",
        errorTitle="填写有误",
        error="请填写不小于 0 的整数（自主题教育开始以来的累计数）；未开展的填 0，暂不掌握的留空。",
        promptTitle="累计数",
        prompt="填写不小于 0 的整数；未开展填 0，留空表示未填报。",
    )
    check.add(f"{first}{FIRST_DATA_ROW}:{last}{end_row}")
    sheet.add_data_validation(check)
    protection = sheet.protection
    protection.sheet = True
    protection.formatColumns = False
    protection.formatRows = False
    protection.formatCells = False
    protection.autoFilter = False
    protection.sort = False


def _indicator_note(ind: Indicator) -> str:
    parts = [ind.help or f"自主题教育开始至统计截止日累计的{ind.label}，以“{ind.unit}”计"]
    for rule in RULES:
        if rule.lhs == ind.code and rule.severity == "error":
            parts.append(rule.message.split("，")[0].replace("大于", "不得大于"))
    return "；".join(parts) + "。"


def _write_instructions(sheet: Worksheet, report_date: dt.date, report_weekday: int) -> None:
    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["B"].width = 26
    sheet.column_dimensions["C"].width = 8
    sheet.column_dimensions["D"].width = 70
    day = f"{report_date.year}年{report_date.month}月{report_date.day}日"
    notes = [
        "填报说明",
        f"1. 统计截止日期：{day}。每周{weekday_name(report_weekday)}为统计截止日，请于当日下班前报送。",
        "2. 所有数字均为自主题教育开始以来的累计数，不是本周新增数；累计数不应比上周减少。",
        "3. 空白表示未填报；未开展的事项请填 0（也可填“无”），不要留空。",
        "4. 只填不小于 0 的整数，不要填单位、小数或文字说明，需说明的写在“备注”列。",
        "5. 请勿修改单位编码、单位名称和表头，不要增删列；单位有变动请联系主题教育办更新名册。",
        "6. 本表已保护表头，数字列、填报人、联系电话、备注可直接填写。",
    ]
    for offset, text in enumerate(notes, start=1):
        cell = sheet.cell(offset, 1, text)
        if offset == 1:
            cell.font = Font(size=14, bold=True)
        sheet.merge_cells(start_row=offset, start_column=1, end_row=offset, end_column=4)
    start = len(notes) + 2
    for position, text in enumerate(("工作板块", "指标", "单位", "含义与要求"), start=1):
        _head(sheet.cell(start, position, text), _HEAD_FILL)
    row = start + 1
    for group, indicators in by_group().items():
        for ind in indicators:
            for position, text in enumerate(
                (group, ind.header, ind.unit, _indicator_note(ind)), start=1
            ):
                cell = sheet.cell(row, position, text)
                cell.border = _BORDER
                cell.alignment = Alignment(vertical="center", wrap_text=True)
            row += 1
    fit_for_print(sheet, title_rows=None, landscape=False)
    sheet.protection.sheet = True
