"""The workbook reader on every format a unit really sends; workbooks are built here, in code."""

from __future__ import annotations

import datetime as dt
import io
import struct
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
import pytest
from msoffcrypto.format.ooxml import OOXMLFile

from dashboard.ingest import sandbox
from dashboard.ingest.reader import ReadError, parse_workbook
from dashboard.ingest.sandbox import read_workbook
from dashboard.ingest.workbook import Workbook

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


@pytest.fixture(autouse=True, scope="module")
def _stop_workers() -> Iterator[None]:
    yield
    sandbox.shutdown()


# --- builders (also used by test_hostile.py) ---------------------------------------------------
def col_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_xml(ref: str, value: object, formula: str | None = None) -> str:
    f = f"<f>{escape(formula)}</f>" if formula else ""
    if value is None:
        return f'<c r="{ref}">{f}</c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b">{f}<v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}">{f}<v>{value}</v></c>'
    if formula:
        return f'<c r="{ref}" t="str">{f}<v>{escape(str(value))}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def sheet_xml(
    cells: dict[str, object] | None = None,
    *,
    rows_xml: str | None = None,
    dimension: str | None = None,
    merges: tuple[str, ...] = (),
    formulas: dict[str, str] | None = None,
    prolog: str = "",
) -> str:
    """A worksheet part from {"B3": value}; ``rows_xml`` replaces the generated <sheetData> body."""
    if rows_xml is None:
        by_row: dict[int, list[str]] = {}
        for ref, value in (cells or {}).items():
            row = int("".join(ch for ch in ref if ch.isdigit()))
            by_row.setdefault(row, []).append(cell_xml(ref, value, (formulas or {}).get(ref)))
        rows_xml = "".join(f'<row r="{r}">{"".join(c)}</row>' for r, c in sorted(by_row.items()))
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    merge = ""
    if merges:
        merge = f'<mergeCells count="{len(merges)}">' + "".join(
            f'<mergeCell ref="{m}"/>' for m in merges
        )
        merge += "</mergeCells>"
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{prolog}'
        f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">{dim}<sheetData>{rows_xml}</sheetData>'
        f"{merge}</worksheet>"
    )


def xlsx_package(
    sheets: list[tuple[str, str]] | list[tuple[str, str, str]],
    *,
    shared_strings: str | None = None,
    macro: bool = False,
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    """A minimal but valid .xlsx/.xlsm from (name, worksheet xml[, state]) triples."""
    main = (
        "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
        if macro
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    )
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    if shared_strings is not None:
        overrides += (
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        )
    types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{main}"/>{overrides}</Types>'
    )
    root_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    sheet_entries = []
    wb_rels = []
    for i, spec in enumerate(sheets, start=1):
        name, state = spec[0], (spec[2] if len(spec) > 2 else "visible")  # type: ignore[misc]
        state_attr = f' state="{state}"' if state != "visible" else ""
        sheet_entries.append(
            f'<sheet name="{escape(name)}" sheetId="{i}"{state_attr} r:id="rId{i}"/>'
        )
        wb_rels.append(
            f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/'
            f'2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
        )
    if shared_strings is not None:
        wb_rels.append(
            f'<Relationship Id="rId{len(sheets) + 1}" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        )
    workbook = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets>{"".join(sheet_entries)}'
        "</sheets></workbook>"
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f"{''.join(wb_rels)}</Relationships>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as zf:
        zf.writestr("[Content_Types].xml", types)
        zf.writestr("_rels/.rels", root_rels)
        zf.writestr("xl/workbook.xml", workbook)
        zf.writestr("xl/_rels/workbook.xml.rels", rels)
        for i, spec in enumerate(sheets, start=1):
            zf.writestr(f"xl/worksheets/sheet{i}.xml", spec[1])
        if shared_strings is not None:
            zf.writestr("xl/sharedStrings.xml", shared_strings)
    return out.getvalue()


def openpyxl_bytes(book: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def return_workbook() -> openpyxl.Workbook:
    """A county's return as people fill it: title and note rows, a two-level merged header,
    a hidden helper sheet and a very hidden one."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "报表"
    ws["A1"] = "主题教育进展情况统计表"
    ws.merge_cells("A1:F1")
    ws["A2"] = "填报单位：示范县委组织部    截至2023年10月27日"
    ws["A3"], ws["B3"], ws["C3"], ws["E3"] = "单位代码", "单位名称", "理论学习", "检视整改"
    ws.merge_cells("A3:A4")
    ws.merge_cells("B3:B4")
    ws.merge_cells("C3:D3")
    ws.merge_cells("E3:F3")
    ws["C4"], ws["D4"], ws["E4"], ws["F4"] = (
        "读书班（期）",
        "参学人数",
        "查摆问题数",
        "已销号问题数",
    )
    ws.append(["001002", "城关镇", 3, 120, 12, 9])
    ws.append(["001003", "河西乡", 0, None, "X", "12项"])
    ws.append(["合计", None, 3, 120, 12, 9])
    ws["H5"] = dt.date(2023, 10, 27)
    ws["H6"] = dt.datetime(2023, 10, 27, 9, 30)
    ws["I5"] = True
    ws["I6"] = 2.5
    hidden = book.create_sheet("参数")
    hidden["A1"] = "隐藏的参数表"
    hidden.sheet_state = "hidden"
    very = book.create_sheet("宏")
    very["B2"] = "非常隐藏"
    very.sheet_state = "veryHidden"
    notes = book.create_sheet("填表说明")
    notes["A1"] = "请按说明填写"
    return book


# --- xlsx --------------------------------------------------------------------------------------
def test_xlsx_title_rows_merged_header_and_exact_coordinates() -> None:
    book = read_workbook("示范县.xlsx", openpyxl_bytes(return_workbook()))
    assert isinstance(book, Workbook)
    assert book.format == "xlsx"
    assert [s.name for s in book.sheets] == ["报表", "参数", "宏", "填表说明"]
    sheet = book.sheets[0]
    assert sheet.rows[0][0] == "主题教育进展情况统计表"
    assert sheet.rows[0][1] is None  # covered by the merge: empty
    assert sheet.rows[2][:6] == ["单位代码", "单位名称", "理论学习", None, "检视整改", None]
    assert sheet.rows[3][2:6] == ["读书班（期）", "参学人数", "查摆问题数", "已销号问题数"]
    assert sheet.rows[4][:6] == ["001002", "城关镇", 3, 120, 12, 9]
    assert sheet.rows[5][:6] == ["001003", "河西乡", 0, None, "X", "12项"]
    assert sheet.rows[6][0] == "合计"
    assert sheet.rows[4][7] == dt.date(2023, 10, 27)
    assert sheet.rows[5][7] == dt.datetime(2023, 10, 27, 9, 30)
    assert sheet.rows[4][8] is True
    assert sheet.rows[5][8] == 2.5
    assert len(sheet.rows) == 7
    assert all(len(row) == 9 for row in sheet.rows)
    assert sorted(sheet.merged) == [
        (0, 0, 0, 5),
        (2, 0, 3, 0),
        (2, 1, 3, 1),
        (2, 2, 2, 3),
        (2, 4, 2, 5),
    ]


def test_sheet_visibility() -> None:
    book = read_workbook("示范县.xlsx", openpyxl_bytes(return_workbook()))
    assert [(s.name, s.visible) for s in book.sheets] == [
        ("报表", True),
        ("参数", False),
        ("宏", False),
        ("填表说明", True),
    ]
    assert book.sheets[2].rows[1][1] == "非常隐藏"


def test_leading_empty_rows_and_columns_are_padded() -> None:
    book = openpyxl.Workbook()
    book.active["C3"] = "单位名称"
    book.active["D5"] = 7
    sheet = read_workbook("a.xlsx", openpyxl_bytes(book)).sheets[0]
    assert sheet.rows[2][2] == "单位名称"
    assert sheet.rows[4][3] == 7
    assert sheet.rows[0] == [None, None, None, None]
    assert len(sheet.rows) == 5


def test_formula_cells_give_their_cached_value() -> None:
    xml = sheet_xml(
        {"A1": 3, "B1": 4, "C1": 7, "D1": "已完成", "E1": None, "F1": "=SUM(A1)"},
        formulas={"C1": "SUM(A1:B1)", "D1": 'IF(C1>0,"已完成","")', "E1": "A1*2"},
    )
    rows = read_workbook("f.xlsx", xlsx_package([("Sheet1", xml)])).sheets[0].rows
    assert rows == [[3, 4, 7, "已完成", None, "=SUM(A1)"]]  # no cache → None; text stays text


@pytest.mark.parametrize("compression", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_cached_error_values_are_text_not_blanks(compression: int) -> None:
    rows_xml = (
        '<row r="1"><c r="A1" t="e"><f>B1/0</f><v>#DIV/0!</v></c><c t="e" r="B1"><v>#N/A</v></c>'
        '<c r="C1"><v>1</v></c></row><row r="3"><c r="E3" s="1" t="e"><v>#REF!</v></c></row>'
    )
    sheets = [("S", sheet_xml(rows_xml=rows_xml)), ("T", sheet_xml({"A1": 2}))]
    content = xlsx_package(sheets, compression=compression)
    book = read_workbook("e.xlsx", content)
    assert book.sheets[0].rows == [
        ["#DIV/0!", "#N/A", 1, None, None],
        [None, None, None, None, None],
        [None, None, None, None, "#REF!"],
    ]
    assert book.sheets[1].rows == [[2]]


def test_shared_strings_and_xlsm() -> None:
    shared = (
        f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}" count="2" uniqueCount="2">'
        "<si><t>单位名称</t></si><si><t>城关镇</t></si></sst>"
    )
    rows_xml = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>1</v></c></row>'
    )
    content = xlsx_package(
        [("Sheet1", sheet_xml(rows_xml=rows_xml))], shared_strings=shared, macro=True
    )
    book = read_workbook("带宏.xlsm", content)
    assert book.format == "xlsm"
    assert book.sheets[0].rows == [["单位名称"], ["城关镇"]]


def test_format_comes_from_bytes_not_extension() -> None:
    book = read_workbook("其实是xlsx.xls", openpyxl_bytes(return_workbook()))
    assert book.format == "xlsx"


def test_in_process_parser_agrees_with_sandbox() -> None:
    content = openpyxl_bytes(return_workbook())
    assert parse_workbook("a.xlsx", content) == read_workbook("a.xlsx", content)


# --- legacy .xls (xlwt writes BIFF8) and .ods (built by hand) ----------------------------------
def xls_return() -> bytes:
    """The same return as ``return_workbook`` written as a legacy .xls."""
    xlwt = pytest.importorskip("xlwt", reason="xlwt writes the legacy .xls fixtures")
    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("报表")
    ws.write_merge(0, 0, 0, 5, "主题教育进展情况统计表")
    ws.write(1, 0, "填报单位：示范县委组织部    截至2023年10月27日")
    ws.write_merge(2, 3, 0, 0, "单位代码")
    ws.write_merge(2, 3, 1, 1, "单位名称")
    ws.write_merge(2, 2, 2, 3, "理论学习")
    ws.write_merge(2, 2, 4, 5, "检视整改")
    for c, text in enumerate(["读书班（期）", "参学人数", "查摆问题数", "已销号问题数"], start=2):
        ws.write(3, c, text)
    for r, row in enumerate(
        [["001002", "城关镇", 3, 120, 12, 9], ["001003", "河西乡", 0, None, "X", "12项"]], start=4
    ):
        for c, value in enumerate(row):
            if value is not None:
                ws.write(r, c, value)
    ws.write(6, 0, "合计")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    ws.write(4, 7, dt.date(2023, 10, 27), date_style)
    hidden = book.add_sheet("参数")
    hidden.write(0, 0, "隐藏的参数表")
    hidden.visibility = 1
    notes = book.add_sheet("填表说明")
    notes.write(0, 0, "请按说明填写")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xls_reads_like_xlsx() -> None:
    book = read_workbook("示范县.xls", xls_return())
    assert book.format == "xls"
    assert [(s.name, s.visible) for s in book.sheets] == [
        ("报表", True),
        ("参数", False),
        ("填表说明", True),
    ]
    sheet = book.sheets[0]
    assert sheet.rows[2][:6] == ["单位代码", "单位名称", "理论学习", None, "检视整改", None]
    assert sheet.rows[3][2:6] == ["读书班（期）", "参学人数", "查摆问题数", "已销号问题数"]
    assert sheet.rows[4][:6] == ["001002", "城关镇", 3, 120, 12, 9]
    assert sheet.rows[5][:6] == ["001003", "河西乡", 0, None, "X", "12项"]
    assert sheet.rows[6][0] == "合计"
    assert sheet.rows[4][7] in (dt.date(2023, 10, 27), dt.datetime(2023, 10, 27))
    assert sorted(sheet.merged) == [
        (0, 0, 0, 5),
        (2, 0, 3, 0),
        (2, 1, 3, 1),
        (2, 2, 2, 3),
        (2, 4, 2, 5),
    ]


def test_xls_cached_error_values_are_text() -> None:
    xlwt = pytest.importorskip("xlwt", reason="xlwt writes the legacy .xls fixtures")
    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("报表")
    ws.write(0, 0, "单位")
    ws.row(1).set_cell_error(1, "#DIV/0!")
    ws.write(2, 2, xlwt.Formula("1/0"))
    ws.write(2, 3, 5)
    other = book.add_sheet("其他")
    other.row(0).set_cell_error(0, 0x2A)
    out = io.BytesIO()
    book.save(out)
    content = out.getvalue()
    # xlwt caches no formula result: make the cached value of C3 the error #REF! (0x17)
    blank_result = b"\x02\x00\x02\x00"  # row 2, column 2 of the FORMULA record
    at = content.index(blank_result)
    assert content[at - 4 : at - 2] == b"\x06\x00"
    value = at + 6
    content = content[:value] + b"\x02\x00\x17\x00\x00\x00\xff\xff" + content[value + 8 :]
    read = read_workbook("错误.xls", content)
    assert read.sheets[0].rows == [
        ["单位", None, None, None],
        [None, "#DIV/0!", None, None],
        [None, None, "#REF!", 5],
    ]
    assert read.sheets[1].rows == [["#N/A"]]


ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"'
)


def ods_cell(value: object, span: tuple[int, int] | None = None, repeat: int = 1) -> str:
    attrs = ""
    if span:
        attrs += f' table:number-rows-spanned="{span[0]}" table:number-columns-spanned="{span[1]}"'
    if repeat > 1:
        attrs += f' table:number-columns-repeated="{repeat}"'
    if value is None:
        return f"<table:table-cell{attrs}/>"
    if isinstance(value, int | float):
        return (
            f'<table:table-cell office:value-type="float" office:value="{value}"{attrs}>'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    return (
        f'<table:table-cell office:value-type="string"{attrs}><text:p>{escape(str(value))}'
        "</text:p></table:table-cell>"
    )


def ods_package(tables: str, styles: str = "") -> bytes:
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NS} office:version="1.2">'
        f"<office:automatic-styles>{styles}</office:automatic-styles>"
        f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type='
        '"application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(
            "mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED
        )
        zf.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def ods_return() -> bytes:
    def row(*cells: str, repeat: int = 1) -> str:
        rep = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
        return f"<table:table-row{rep}>{''.join(cells)}</table:table-row>"

    covered = "<table:covered-table-cell/>"
    main = (
        '<table:table table:name="报表">'
        + row(ods_cell("主题教育进展情况统计表", (1, 6)), covered * 5)
        + row(ods_cell(None), repeat=1)
        + row(
            ods_cell("单位代码", (2, 1)),
            ods_cell("单位名称", (2, 1)),
            ods_cell("理论学习", (1, 2)),
            covered,
            ods_cell("检视整改", (1, 2)),
            covered,
        )
        + row(
            covered * 2,
            ods_cell("读书班（期）"),
            ods_cell("参学人数"),
            ods_cell("查摆问题数"),
            ods_cell("已销号问题数"),
        )
        + row(ods_cell(None), repeat=3)
        + row(ods_cell("001003"), ods_cell(None, repeat=2), ods_cell(7))
        + "</table:table>"
    )
    hidden = (
        '<table:table table:name="参数" table:style-name="hide">'
        + row(ods_cell("隐藏"))
        + "</table:table>"
    )
    style = (
        '<style:style style:name="hide" style:family="table">'
        '<style:table-properties table:display="false"/></style:style>'
    )
    return ods_package(main + hidden, style)


def test_ods_merges_visibility_and_repeats() -> None:
    book = read_workbook("示范县.ods", ods_return())
    assert book.format == "ods"
    assert [(s.name, s.visible) for s in book.sheets] == [("报表", True), ("参数", False)]
    sheet = book.sheets[0]
    assert sheet.rows[0][0] == "主题教育进展情况统计表"
    assert sheet.rows[2][:6] == ["单位代码", "单位名称", "理论学习", None, "检视整改", None]
    assert sheet.rows[3][2:6] == ["读书班（期）", "参学人数", "查摆问题数", "已销号问题数"]
    assert sheet.rows[7][:4] == ["001003", None, None, 7]  # three repeated empty rows before it
    assert sorted(sheet.merged) == [
        (0, 0, 0, 5),
        (2, 0, 3, 0),
        (2, 1, 3, 1),
        (2, 2, 2, 3),
        (2, 4, 2, 5),
    ]


PEER = Path(__file__).resolve().parents[3] / "shared" / "peer-corpus" / "calamine"


def peer_file(name: str) -> bytes:
    path = PEER / name
    if not path.exists():
        pytest.skip(f"peer corpus file {path} is absent")
    return path.read_bytes()


def test_xlsb_visibility_and_values() -> None:
    book = read_workbook("any_sheets.xlsb", peer_file("any_sheets.xlsb"))
    assert book.format == "xlsb"
    assert [(s.name, s.visible) for s in book.sheets] == [
        ("Visible", True),
        ("Hidden", False),
        ("VeryHidden", False),
    ]  # the chart sheet holds no cells and is left out
    assert book.sheets[0].rows[0] == [1.0, 2.0]


def xlsb_with_merges(base: bytes, merges: list[tuple[int, int, int, int]]) -> bytes:
    """Insert BrtBeginMergeCells / BrtMergeCell / BrtEndMergeCells after the first sheet's
    BrtEndSheetData (record 146), where Excel writes them."""
    records = b"\xb1\x01\x04" + len(merges).to_bytes(4, "little")
    for r1, c1, r2, c2 in merges:
        records += b"\xb0\x01\x10" + struct.pack("<4I", r1, r2, c1, c2)
    records += b"\xb2\x01\x00"
    src = zipfile.ZipFile(io.BytesIO(base))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.bin":
                end_sheet_data = b"\x92\x01\x00"
                at = data.index(end_sheet_data) + len(end_sheet_data)
                data = data[:at] + records + data[at:]
            zf.writestr(info.filename, data)
    return out.getvalue()


def test_xlsb_merged_ranges() -> None:
    content = xlsb_with_merges(peer_file("any_sheets.xlsb"), [(0, 0, 1, 0), (2, 0, 2, 1)])
    book = read_workbook("any_sheets.xlsb", content)
    assert book.sheets[0].name == "Visible"
    assert book.sheets[0].merged == [(0, 0, 1, 0), (2, 0, 2, 1)]
    assert book.sheets[0].rows[0] == [1.0, 2.0]
    assert book.sheets[1].merged == []


def test_xls_merged_ranges_from_peer_corpus() -> None:
    book = read_workbook("merge_cells.xls", peer_file("merge_cells.xls"))
    assert book.format == "xls"
    assert book.sheets[0].merged == [(0, 0, 0, 1), (1, 0, 3, 0), (1, 1, 3, 3)]


def test_times_of_day_become_text() -> None:
    rows = read_workbook("date.ods", peer_file("date.ods")).sheets[0].rows
    assert rows[0] == [dt.date(2021, 1, 1), 15.0]
    assert rows[2] == ["10:10:10", 17.0]


# --- csv ---------------------------------------------------------------------------------------
CSV_TEXT = "单位代码,单位名称,读书班（期）\r\n001002,城关镇,3\r\n001003,河西乡,\r\n合计,,3\r\n"
CSV_ROWS = [
    ["单位代码", "单位名称", "读书班（期）"],
    ["001002", "城关镇", "3"],
    ["001003", "河西乡", None],
    ["合计", None, "3"],
]


@pytest.mark.parametrize(
    "encoded",
    [
        CSV_TEXT.encode("utf-8"),
        CSV_TEXT.encode("utf-8-sig"),
        CSV_TEXT.encode("gbk"),
        CSV_TEXT.encode("gb18030"),
        CSV_TEXT.encode("utf-16"),
    ],
    ids=["utf8", "utf8-bom", "gbk", "gb18030", "utf16"],
)
def test_csv_encodings(encoded: bytes) -> None:
    book = read_workbook("示范县.csv", encoded)
    assert book.format == "csv"
    assert [(s.name, s.visible, s.merged) for s in book.sheets] == [("示范县", True, [])]
    assert book.sheets[0].rows == CSV_ROWS


def test_csv_tab_separated_ragged_and_quoted() -> None:
    text = '标题\n单位名称\t读书班\t备注\n"城关,镇"\t3\n'
    rows = read_workbook("a.csv", text.encode("gbk")).sheets[0].rows
    assert rows == [["标题", None, None], ["单位名称", "读书班", "备注"], ["城关,镇", "3", None]]


def test_csv_text_starting_with_equals_stays_text() -> None:
    rows = read_workbook("a.csv", "单位名称,数\n=HYPERLINK(1),1\n".encode()).sheets[0].rows
    assert rows[1] == ["=HYPERLINK(1)", "1"]


# --- encrypted ---------------------------------------------------------------------------------
def encrypt(content: bytes, password: str) -> bytes:
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(content)).encrypt(password, out)
    return out.getvalue()


def test_encrypted_xlsx_needs_the_password() -> None:
    secret = encrypt(openpyxl_bytes(return_workbook()), "示范2023")
    with pytest.raises(ReadError) as missing:
        read_workbook("加密.xlsx", secret)
    assert missing.value.code == "encrypted"
    assert "密码" in missing.value.message
    with pytest.raises(ReadError) as wrong:
        read_workbook("加密.xlsx", secret, password="wrong")
    assert wrong.value.code == "encrypted"
    assert "密码不正确" in wrong.value.message
    book = read_workbook("加密.xlsx", secret, password="示范2023")
    assert book.format == "xlsx"
    assert book.sheets[0].rows[4][:6] == ["001002", "城关镇", 3, 120, 12, 9]


def test_password_on_a_plain_file_is_ignored() -> None:
    book = read_workbook("a.xlsx", openpyxl_bytes(return_workbook()), password="unused")
    assert book.sheets[0].rows[4][1] == "城关镇"


# --- concurrency -------------------------------------------------------------------------------
def test_concurrent_calls_from_threads_get_their_own_results() -> None:
    contents = []
    for i in range(6):
        book = openpyxl.Workbook()
        book.active["A1"] = f"文件{i}"
        book.active["B2"] = i
        contents.append(openpyxl_bytes(book))
    results: dict[int, object] = {}

    def work(i: int) -> None:
        results[i] = read_workbook(f"{i}.xlsx", contents[i]).sheets[0].rows

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert results == {i: [[f"文件{i}", None], [None, i]] for i in range(6)}
