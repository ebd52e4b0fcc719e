"""An empty 单位名册 template: the columns the registry import reads, and how to fill them.

The data sheet holds only a title and the header row; codes are formatted as text (leading
zeros stay), 类别 offers the office's categories (the ``categories`` setting) as a drop-down,
and a second sheet explains every column with an example.  Every text goes through ``safe_cell_value``.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from dashboard.core.registry import COLUMN_LABELS
from dashboard.core.settings import DEFAULT_CATEGORIES
from dashboard.export.cells import safe_cell_value

__all__ = [
    "FILE_NAME",
    "INSTRUCTIONS_SHEET",
    "PREPARED_ROWS",
    "SHEET_NAME",
    "build_workbook",
    "template_bytes",
]

SHEET_NAME = "单位名册"
INSTRUCTIONS_SHEET = "填写说明"
FILE_NAME = "单位名册模板.xlsx"
PREPARED_ROWS = 3000  # rows formatted as text and given the 类别 drop-down

_COLUMN_ORDER = (
    "code",
    "name",
    "parent_code",
    "category",
    "aliases",
    "contact_name",
    "contact_phone",
)
_WIDTHS = {
    "code": 16,
    "name": 36,
    "parent_code": 16,
    "category": 16,
    "aliases": 30,
    "contact_name": 14,
    "contact_phone": 16,
}
_HEAD_FILL = PatternFill("solid", fgColor="B7282E")
_HEAD_FONT = Font(bold=True, color="FFFFFF")


def _notes(categories: tuple[str, ...]) -> tuple[tuple[str, str, str], ...]:
    return (
        ("单位编码", "必填。每个单位一个固定编码，按文字填写，开头的 0 会保留", "0101"),
        ("单位名称", "必填。单位全称，与周报中填写的名称一致", "青山县委"),
        ("上级单位编码", "根单位（全市、全区）留空；其余填上级单位的编码", "01"),
        ("类别", "必填。从下拉列表中选择：" + "、".join(categories), categories[0]),
        ("别名", "选填。周报中可能出现的其他写法，用“；”分隔", "青山县；青山"),
        ("联络人", "选填。负责报送的人，催报时用", "张三"),
        ("联系电话", "选填。联络人的电话，按文字填写", "0123-4567890"),
    )


def build_workbook(title: str = "", categories: Sequence[str] = DEFAULT_CATEGORIES) -> Workbook:
    """The empty template; ``title`` (e.g. the city's name) heads the data sheet,
    ``categories`` (the office's list) fill the 类别 drop-down."""
    kinds = tuple(str(c) for c in categories) or DEFAULT_CATEGORIES
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET_NAME
    heading = f"{title.strip()}主题教育单位名册" if title.strip() else "主题教育单位名册"
    sheet.append([safe_cell_value(heading + "（从第 3 行起每行填写一个单位）")])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([COLUMN_LABELS[key] for key in _COLUMN_ORDER])
    for position, key in enumerate(_COLUMN_ORDER, start=1):
        cell = sheet.cell(row=2, column=position)
        cell.fill, cell.font = _HEAD_FILL, _HEAD_FONT
        cell.alignment = Alignment(horizontal="center")
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = _WIDTHS[key]
        for row in range(3, PREPARED_ROWS + 3):
            sheet.cell(row=row, column=position).number_format = "@"
    choices = DataValidation(
        type="list",
        formula1=_list_formula(kinds),
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="类别不在列表中",
        error="请从下拉列表中选择类别",
    )
    choices.add(f"D3:D{PREPARED_ROWS + 2}")
    sheet.add_data_validation(choices)
    sheet.freeze_panes = "A3"
    _write_instructions(book.create_sheet(INSTRUCTIONS_SHEET), kinds)
    return book


def _list_formula(categories: tuple[str, ...]) -> str:
    """The drop-down's list: Excel allows 255 characters and no comma or quote in an item;
    a longer list is left out of the drop-down (the 填写说明 sheet still names every one)."""
    items = [c for c in categories if "," not in c and '"' not in c]
    joined = ",".join(items)
    return f'"{joined}"' if len(joined) <= 250 else f'"{",".join(items[:8])}"'


def _write_instructions(sheet: Worksheet, categories: tuple[str, ...]) -> None:
    sheet.append(["列名", "怎么填", "示例"])
    for cell in sheet[1]:
        cell.fill, cell.font = _HEAD_FILL, _HEAD_FONT
    for column, note, example in _notes(categories):
        sheet.append([safe_cell_value(column), safe_cell_value(note), safe_cell_value(example)])
    sheet.append([])
    sheet.append(
        [
            "提示",
            "层级由上下级关系决定：根单位为第 1 级，其下属为第 2 级，依此类推。"
            "填好后在看板“单位名册”页上传；以后名册有变化，改好同一个文件再上传即可。",
        ]
    )
    for letter, width in zip("ABC", (16, 70, 20), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def template_bytes(title: str = "", categories: Sequence[str] = DEFAULT_CATEGORIES) -> bytes:
    buffer = io.BytesIO()
    build_workbook(title, categories).save(buffer)
    return buffer.getvalue()
