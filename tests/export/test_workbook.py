"""The Excel briefing, opened with openpyxl: sheets, rows, styling, formula injection."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from dashboard.export import briefing, cells, workbook

from .conftest import make_report

PREFIXES = ["=", "+", "-", "@", "\t", "\r"]


@pytest.fixture(scope="module")
def book():  # type: ignore[no-untyped-def]
    return load_workbook(io.BytesIO(briefing.render_report(make_report(), "xlsx")))


def _rows(ws) -> list[list]:  # type: ignore[no-untyped-def,type-arg]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_three_sheets(book) -> None:  # type: ignore[no-untyped-def]
    assert book.sheetnames == ["排名", "落后单位", "催报名单"]


def test_rankings_sheet(book) -> None:  # type: ignore[no-untyped-def]
    rows = _rows(book["排名"])
    assert rows[0][:6] == ["层级", "排名组", "排名", "排名变化", "单位编码", "单位名称"]
    assert len(rows) == 1 + 9
    codes = [r[4] for r in rows[1:]]
    assert sorted(codes) == sorted(
        ["0", "01", "02", "0101", "0102", "0201", "010101", "010102", "020101"]
    )
    assert rows[1][0] == "市级"


def test_lagging_sheet(book) -> None:  # type: ignore[no-untyped-def]
    rows = _rows(book["落后单位"])
    assert rows[0] == [
        "序号",
        "单位编码",
        "单位名称",
        "层级",
        "上级单位",
        "热度指数",
        "落后原因",
        "说明",
    ]
    assert [r[2] for r in rows[1:]] == ["西一镇", "东二村"]
    assert rows[1][6] == "未报送"
    assert "连续1周未报送" in rows[1][7]


def test_reminder_sheet_groups_missing_units_by_system(book) -> None:  # type: ignore[no-untyped-def]
    rows = _rows(book["催报名单"])
    assert rows[0] == ["所属系统", "单位编码", "单位名称", "层级", "上级单位", "连续未报周数"]
    assert rows[1:] == [
        ["东城县", "010102", "东二村", "村级", "东一镇", 1],
        ["西山区", "0201", "西一镇", "乡镇级", "西山区", 1],
    ]


def test_styled_frozen_header_and_widths(book) -> None:  # type: ignore[no-untyped-def]
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2"
        assert ws["A1"].font.bold
        assert ws["A1"].fill.fgColor.rgb.endswith("B7282E")
        assert ws.column_dimensions["B"].width >= 6


def test_sheets_print_one_page_wide_with_the_header_on_every_page(book) -> None:  # type: ignore[no-untyped-def]
    for ws in book.worksheets:
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
        assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
        assert ws.print_title_rows == "$1:$1"
    assert book["排名"].page_setup.orientation == "landscape"  # 11 columns
    assert book["催报名单"].page_setup.orientation == "portrait"  # 6 columns


@pytest.mark.parametrize("prefix", PREFIXES)
def test_safe_cell_value_neutralises_each_formula_prefix(prefix: str) -> None:
    text = f'{prefix}=HYPERLINK("http://x","点我")' if prefix in "\t\r" else f"{prefix}HYPERLINK()"
    safe = cells.safe_cell_value(text)
    assert safe.startswith("'") and not any(ch in safe for ch in "\t\r\n")


def test_safe_cell_value_keeps_plain_values() -> None:
    assert cells.safe_cell_value("东城县") == "东城县"
    assert cells.safe_cell_value(-5) == -5
    assert cells.safe_cell_value(0.25) == 0.25
    assert cells.safe_cell_value(float("nan")) is None
    assert cells.safe_cell_value(pd.NA) is None
    assert cells.safe_cell_value(["未报送", "停滞"]) == "未报送；停滞"


@pytest.mark.parametrize("prefix", PREFIXES)
def test_injected_unit_names_are_written_as_text(prefix: str) -> None:
    report = make_report()
    evil = f"{prefix}cmd|' /C calc'!A0"
    report.units.loc[report.units["code"] == "0201", "name"] = evil
    report.lagging.loc[report.lagging["unit_code"] == "0201", "name"] = evil
    loaded = load_workbook(io.BytesIO(workbook.write_xlsx(report)))
    for sheet in loaded.worksheets:
        cells = [
            c
            for row in sheet.iter_rows()
            for c in row
            if isinstance(c.value, str) and "calc" in c.value
        ]
        assert cells, sheet.title
        for cell in cells:
            # a formula prefix gets the apostrophe; a tab or CR is removed (nothing follows it
            # that Excel would run)
            expected = "'" + evil if prefix in "=+-@" else " " + evil[1:]
            assert cell.value == expected
            assert cell.data_type == "s"


def test_write_sheet_on_an_empty_frame() -> None:
    book = Workbook()
    ws = book.active
    workbook.write_sheet(ws, pd.DataFrame(columns=["单位", "原因"]))
    assert [c.value for c in ws[1]] == ["单位", "原因"]
    assert ws.max_row == 1
