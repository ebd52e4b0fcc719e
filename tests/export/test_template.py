"""The weekly template: layout from the catalogue, validation, protection, scope, zip split."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.cell_range import CellRange

from dashboard.core.catalogue import GROUPS, INDICATORS
from dashboard.export import template

DAY = dt.date(2023, 10, 27)


@pytest.fixture
def units() -> pd.DataFrame:
    rows = [
        ("01", "青川市", None, 1, False),
        ("0101", "东林区", "01", 2, False),
        ("010101", "柳河镇", "0101", 3, False),
        ("01010101", "杏园村", "010101", 4, False),
        ("0102", "河阳县", "01", 2, False),
        ("010201", "白石乡", "0102", 3, False),
        ("010299", "已撤销乡", "0102", 3, True),
    ]
    return pd.DataFrame(
        {
            "code": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "parent_code": [r[2] for r in rows],
            "category": "党政机关",
            "aliases": "",
            "level": [r[3] for r in rows],
            "sort_order": range(len(rows)),
            "retired": [r[4] for r in rows],
        }
    )


def open_sheet(content: bytes):
    book = load_workbook(io.BytesIO(content))
    return book, book[template.SHEET_NAME]


def test_layout_title_headers_and_units(units: pd.DataFrame) -> None:
    book, sheet = open_sheet(template.template_bytes(units, DAY, title_prefix="青川市"))
    assert sheet.cell(1, 1).value == "青川市主题教育每周进展统计表（截至2023年10月27日）"
    headers = [sheet.cell(template.HEADER_ROW, c).value for c in range(1, sheet.max_column + 1)]
    groups = [sheet.cell(template.GROUP_ROW, c).value for c in range(1, sheet.max_column + 1)]
    assert groups[0] == "单位编码" and groups[1] == "单位名称"
    assert groups[-3:] == ["填报人", "联系电话", "备注"]
    assert {ind.header for ind in INDICATORS} == set(headers[2:-3])
    assert len(headers) == 2 + len(INDICATORS) + 3
    assert {g for g in groups[2:-3] if g} <= set(GROUPS)
    merged = {str(r) for r in sheet.merged_cells.ranges}
    for col in template.indicator_columns():
        position = [c.key for c in template.columns()].index(col.key) + 1
        covering = [r for r in sheet.merged_cells.ranges if (2, position) in _cells(r)]
        start = covering[0].min_col if covering else position
        assert sheet.cell(2, start).value == col.group
    assert "A2:A3" in merged
    codes = [sheet.cell(r, 1).value for r in range(4, sheet.max_row + 1)]
    assert codes == ["01", "0101", "010101", "01010101", "0102", "010201"]  # retired left out
    assert sheet.cell(4, 1).number_format == "@"
    assert sheet.freeze_panes == "C4"
    assert sheet.column_dimensions["B"].width >= 20


def _cells(cell_range: CellRange) -> set[tuple[int, int]]:
    return {(r, c) for r, c in cell_range.cells}


def test_prints_one_page_wide_with_the_headers_on_every_page(units: pd.DataFrame) -> None:
    book, sheet = open_sheet(template.template_bytes(units, DAY, title_prefix="青川市"))
    assert sheet.page_setup.orientation == "landscape"
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.print_title_rows == f"${template.GROUP_ROW}:${template.HEADER_ROW}"
    notes = book[template.INSTRUCTIONS_SHEET]
    assert notes.page_setup.orientation == "portrait" and notes.page_setup.fitToWidth == 1


def test_validation_covers_every_figure_cell(units: pd.DataFrame) -> None:
    _, sheet = open_sheet(template.template_bytes(units, DAY))
    validations = sheet.data_validations.dataValidation
    assert len(validations) == 1
    rule = validations[0]
    assert rule.type == "whole" and rule.operator == "greaterThanOrEqual" and rule.formula1 == "0"
    assert rule.showErrorMessage and "整数" in rule.error
    covered: set[tuple[int, int]] = set()
    for cell_range in rule.sqref.ranges:
        covered |= _cells(cell_range)
    positions = [i for i, c in enumerate(template.columns(), start=1) if c.group]
    wanted = {(r, c) for r in range(4, 10) for c in positions}
    assert wanted <= covered
    assert not {(r, c) for r, c in covered if c not in positions or r < 4}


def test_header_locked_figures_unlocked(units: pd.DataFrame) -> None:
    _, sheet = open_sheet(template.template_bytes(units, DAY))
    assert sheet.protection.sheet
    assert sheet.cell(1, 1).protection.locked
    assert sheet.cell(template.HEADER_ROW, 3).protection.locked
    assert sheet.cell(4, 1).protection.locked  # codes stay put
    cols = template.columns()
    for position, col in enumerate(cols, start=1):
        if col.key in ("unit_code", "unit_name"):
            continue
        assert not sheet.cell(4, position).protection.locked, col.key
        assert not sheet.cell(9, position).protection.locked, col.key


def test_instructions_sheet(units: pd.DataFrame) -> None:
    book, _ = open_sheet(template.template_bytes(units, DAY, report_weekday=5))
    sheet = book[template.INSTRUCTIONS_SHEET]
    text = "\n".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    assert "2023年10月27日" in text and "星期五" in text
    assert "累计数" in text and "空白表示未填报" in text and "填 0" in text
    for ind in INDICATORS:
        assert ind.header in text
    assert "已整改销号问题数不得大于检视问题数" in text


def test_subtree_scope(units: pd.DataFrame) -> None:
    _, sheet = open_sheet(template.template_bytes(units, DAY, scope="0101"))
    codes = [sheet.cell(r, 1).value for r in range(4, sheet.max_row + 1)]
    assert codes == ["0101", "010101", "01010101"]
    with pytest.raises(template.TemplateError, match="不在当前名册"):
        template.template_bytes(units, DAY, scope="9999")
    with pytest.raises(template.TemplateError, match="不在当前名册"):
        template.template_bytes(units, DAY, scope="010299")


def test_zip_split_one_workbook_per_county(units: pd.DataFrame) -> None:
    content = template.split_zip(units, DAY, title_prefix="青川市")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = archive.namelist()
        assert len(names) == 3
        assert "青川市（本级）" in names[0] and "东林区" in names[1] and "河阳县" in names[2]
        _, sheet = open_sheet(archive.read(names[2]))
    codes = [sheet.cell(r, 1).value for r in range(4, sheet.max_row + 1)]
    assert codes == ["0102", "010201"]


def test_values_fill_the_template(units: pd.DataFrame) -> None:
    book = template.build_workbook(
        units, DAY, values={"0101": {"reading_classes": 3, "reporter": "张三"}}
    )
    sheet = book[template.SHEET_NAME]
    keys = [c.key for c in template.columns()]
    assert sheet.cell(5, keys.index("reading_classes") + 1).value == 3
    assert sheet.cell(5, keys.index("reporter") + 1).value == "张三"
    assert sheet.cell(4, keys.index("reading_classes") + 1).value is None


def test_empty_registry_is_refused() -> None:
    empty = pd.DataFrame(columns=["code", "name", "parent_code", "level", "sort_order", "retired"])
    with pytest.raises(template.TemplateError, match="单位名册"):
        template.template_bytes(empty, DAY)
