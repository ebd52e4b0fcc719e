"""Registry parsing: header finding, leading zeros, levels and every rejection."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from openpyxl import Workbook

from dashboard.core.registry import split_aliases
from dashboard.ingest.registry_file import parse_registry

HEADER = ["单位编码", "单位名称", "上级单位编码", "类别", "别名"]
GOOD = [
    ["01", "青川市", "", "党政机关", "青川"],
    ["0101", "东林区", "01", "党政机关", "东林；东林区委;"],
    ["010101", "柳河镇", "0101", "乡镇（街道）", ""],
    ["01010101", "杏园村", "010101", "村（社区）", ""],
    ["0151", "青川市教育局", "01", "党政机关", "市教育局"],
]


def workbook(rows: list[list[object]], title_rows: int = 2, header: list[str] = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "名册"
    for _ in range(title_rows):
        sheet.append(["青川市主题教育单位名册"])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def messages(rows: list[list[object]]) -> list[tuple[int | None, str, str]]:
    registry = parse_registry("名册.xlsx", workbook(rows))
    return [(p.row, p.column, p.message) for p in registry.errors]


def test_valid_registry_levels_aliases_and_order() -> None:
    registry = parse_registry("名册.xlsx", workbook(GOOD))
    assert registry.ok, registry.problems
    frame = registry.frame.set_index("code")
    assert list(registry.frame["code"]) == ["01", "0101", "010101", "01010101", "0151"]
    assert frame.loc["01", "level"] == 1
    assert frame.loc["0101", "level"] == 2
    assert frame.loc["01010101", "level"] == 4
    assert frame.loc["0151", "level"] == 2
    assert frame.loc["0101", "aliases"] == "东林；东林区委"
    assert frame.loc["0101", "row"] == 5  # two title rows, header on row 3
    assert registry.sheet == "名册"


def test_tolerant_headers_and_category_spellings() -> None:
    header = ["编码", "单位全称 ", "上级编码", "单位类别", "简称"]
    rows = [["01", "青川市", None, "机关", ""], ["0101", "柳河镇", "01", "乡镇", ""]]
    registry = parse_registry("名册.xlsx", workbook(rows, title_rows=0, header=header))
    assert registry.ok, registry.problems
    assert list(registry.frame["category"]) == ["党政机关", "乡镇（街道）"]


def test_leading_zeros_kept_from_text_and_restored_from_number_format() -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["01", "青川市", None, "党政机关", None])
    sheet.append([None, "东林区", "01", "党政机关", None])
    cell = sheet.cell(3, 1, 101)
    cell.number_format = "0000"
    sheet.append([102, "河阳县", "01", "党政机关", None])
    buffer = io.BytesIO()
    book.save(buffer)
    registry = parse_registry("名册.xlsx", buffer.getvalue())
    assert list(registry.frame["code"]) == ["01", "0101", "102"]
    assert registry.ok
    warned = {(p.row, p.value) for p in registry.warnings}
    assert warned == {(3, "0101"), (4, "102")}
    assert all("文本" in p.message for p in registry.warnings)


def test_csv_keeps_codes_as_text() -> None:
    text = "单位编码,单位名称,上级单位编码,类别,别名\n01,青川市,,党政机关,\n0101,东林区,01,党政机关,东林\n"
    registry = parse_registry("名册.csv", text.encode("gb18030"))
    assert registry.ok
    assert list(registry.frame["code"]) == ["01", "0101"]


def test_duplicate_code() -> None:
    found = messages([*GOOD, ["0101", "重复区", "01", "党政机关", ""]])
    assert len(found) == 1
    row, column, message = found[0]
    assert (row, column) == (9, "单位编码")
    assert "与第 5 行重复" in message and "请修改" in message


def test_unknown_parent() -> None:
    found = messages([*GOOD, ["0102", "河阳县", "0199", "党政机关", ""]])
    assert [(r, c) for r, c, _ in found] == [(9, "上级单位编码")]
    assert "0199" in found[0][2] and "不存在" in found[0][2]


def test_cycle() -> None:
    rows = [*GOOD, ["0201", "甲", "0202", "党政机关", ""], ["0202", "乙", "0201", "党政机关", ""]]
    found = messages(rows)
    assert len(found) == 1
    assert "循环" in found[0][2] and "0201" in found[0][2] and "0202" in found[0][2]


def test_self_parent() -> None:
    found = messages([*GOOD, ["0201", "甲", "0201", "党政机关", ""]])
    assert len(found) == 1 and "本单位自己" in found[0][2]


def test_several_roots() -> None:
    found = messages([*GOOD, ["02", "另一市", "", "党政机关", ""]])
    assert len(found) == 1
    row, column, message = found[0]
    assert row == 9 and column == "上级单位编码"
    assert "2 个根单位" in message


def test_no_root() -> None:
    rows = [["0101", "东林区", "0102", "党政机关", ""], ["0102", "河阳县", "0101", "党政机关", ""]]
    found = messages(rows)
    assert any("没有根单位" in m for _, _, m in found)
    assert any("循环" in m for _, _, m in found)


def test_new_category_is_counted_and_blank_category_is_an_error() -> None:
    """Issue 16: a category outside the office's list is not an error; the import asks
    to add it (see tests/store/test_registry_categories.py)."""
    rows = [
        *GOOD,
        ["0102", "河阳县", "01", "学院", ""],
        ["0104", "河阳学院", "01", " 学院 ", ""],
        ["0103", "山南县", "01", "", ""],
    ]
    registry = parse_registry("名册.xlsx", workbook(rows))
    found = [(p.row, p.column, p.message) for p in registry.errors]
    assert [(r, c) for r, c, _ in found] == [(11, "类别")]
    assert "为空" in found[0][2] and "党政机关" in found[0][2]
    assert registry.new_categories == {"学院": 2}
    assert list(registry.frame["category"])[-3:] == ["学院", "学院", ""]


def test_office_category_list_decides_what_is_known() -> None:
    rows = [
        ["01", "某市", "", "党政机关", ""],
        ["0101", "某县", "01", "党政机关", ""],
        ["010101", "某街道", "0101", "街道", ""],
        ["01010101", "一组", "010101", "村民小组(网格)", ""],
        ["01010102", "事业中心", "010101", "事业单位", ""],
    ]
    own = ["党政机关", "街道", "村民小组（网格）", "事业单位"]
    registry = parse_registry("名册.xlsx", workbook(rows), categories=own)
    assert registry.ok and not registry.new_categories
    assert list(registry.frame["category"]) == own[:1] * 2 + own[1:]
    default = parse_registry("名册.xlsx", workbook(rows))
    assert default.new_categories == {"村民小组（网格）": 1, "事业单位": 1}
    assert list(default.frame["category"])[2] == "乡镇（街道）"  # a short spelling


def test_blank_code_and_name() -> None:
    found = messages(
        [*GOOD, ["", "无编码单位", "01", "党政机关", ""], ["0109", "", "01", "党政机关", ""]]
    )
    assert [(r, c) for r, c, _ in found] == [(9, "单位编码"), (10, "单位名称")]


def test_all_problems_collected_at_once() -> None:
    rows = [
        *GOOD,
        ["0101", "重复", "01", "党政机关", ""],
        ["0102", "河阳县", "0199", "", ""],
        ["02", "另一市", "", "党政机关", ""],
    ]
    registry = parse_registry("名册.xlsx", workbook(rows))
    assert len(registry.errors) == 4
    table = registry.problems_frame()
    assert list(table.columns) == ["工作表", "行", "列", "值", "级别", "问题"]
    assert set(table["工作表"]) == {"名册"}


def test_missing_header_and_missing_column() -> None:
    registry = parse_registry("名册.xlsx", workbook([["a", "b"]], header=["甲", "乙"]))
    assert not registry.ok and "没有找到表头" in registry.errors[0].message
    registry = parse_registry(
        "名册.xlsx", workbook([["01", "青川市", ""]], header=["单位编码", "单位名称", "别名"])
    )
    assert not registry.ok
    assert any("上级单位编码" in p.message for p in registry.errors)


@pytest.mark.parametrize("name", ["名册.txt", "名册.xlsx"])
def test_unreadable_files_are_reported_not_raised(name: str) -> None:
    registry = parse_registry(name, b"not a workbook")
    assert not registry.ok
    assert "请" in registry.errors[0].message


def test_split_aliases() -> None:
    assert split_aliases("东林；东林区 ; ;东林") == ["东林", "东林区"]
    assert split_aliases(None) == []


def test_views_counts_search_and_table() -> None:
    from dashboard.core.registry import category_counts, level_counts, registry_table, search_units

    frame = parse_registry("名册.xlsx", workbook(GOOD)).frame
    frame["retired"] = [False, False, False, False, True]
    levels = level_counts(frame, ["市级", "县级"])
    assert list(levels["层级"]) == ["市级", "县级", "第3级", "第4级"]
    assert list(levels["单位数"]) == [1, 2, 1, 1]
    cats = category_counts(frame)
    assert list(cats["类别"]) == ["党政机关", "乡镇（街道）", "村（社区）"]
    assert list(search_units(frame, "东林区委")["code"]) == ["0101"]  # by alias
    assert list(search_units(frame, "0101")["code"]) == ["0101", "010101", "01010101"]
    assert len(search_units(frame, "  ")) == 5
    table = registry_table(frame, ["市级", "县级", "乡镇级", "村级"])
    assert list(table.columns) == [
        "单位编码",
        "单位名称",
        "上级单位",
        "层级",
        "类别",
        "别名",
        "状态",
    ]
    assert table.loc[2, "上级单位"] == "东林区" and table.loc[4, "状态"] == "已撤销"


def test_scope_choices_are_the_units_with_units_under_them_in_tree_order() -> None:
    import pandas as pd

    from dashboard.core.units import UnitTree

    frame = pd.DataFrame(
        [
            ("1", "市", None, 1),
            ("12", "乙县", "1", 2),
            ("11", "甲县", "1", 2),
            ("111", "甲一镇", "11", 3),
            ("1111", "甲一村", "111", 4),
            ("121", "乙一镇（无下属）", "12", 3),
            ("13", "市直部门（无下属）", "1", 2),
        ],
        columns=["code", "name", "parent_code", "level"],
    )
    assert UnitTree(frame).scope_choices() == [("12", 2), ("11", 2), ("111", 3)]
    assert UnitTree(frame.iloc[0:0]).scope_choices() == []


def test_contact_columns_are_read_and_checked() -> None:
    header = [*HEADER, "联络人", "联系电话"]
    rows = [
        ["01", "青川市", "", "党政机关", "", "李明", "0571-88001234"],
        ["0101", "东林区", "01", "党政机关", "", " 王芳 ", 13912345678],
        ["0102", "河阳县", "01", "党政机关", "", "", "见备注"],
        ["0103", "山南县", "01", "党政机关", "", "张三", "1" * 41],
        ["0104", "北岭县", "01", "党政机关", "", "", ""],
    ]
    registry = parse_registry("名册.xlsx", workbook(rows, header=header))
    frame = registry.frame.set_index("code")
    assert frame.loc["01", "contact_phone"] == "0571-88001234"
    assert frame.loc["0101", "contact_name"] == "王芳"
    assert frame.loc["0101", "contact_phone"] == "13912345678"  # a number cell, read as text
    assert pd.isna(frame.loc["0104", "contact_name"])
    found = {(p.row, p.severity): p.message for p in registry.problems}
    assert "没有号码" in found[(6, "warning")]
    assert "超过 40 个字符" in found[(7, "error")]
    assert [p.column for p in registry.errors] == ["联系电话"]


def test_registry_without_contact_columns_still_reads() -> None:
    registry = parse_registry("名册.xlsx", workbook(GOOD))
    assert registry.ok
    assert registry.frame["contact_name"].isna().all()


def test_control_characters_in_a_name_are_refused_with_the_row() -> None:
    """Excel cannot hold most control characters, but a CSV (or an .xls) can."""
    rows = [HEADER, *GOOD, ["0152", "青川\x07市\x1b[31m档案馆", "01", "党政机关", ""]]
    content = "\n".join(",".join(map(str, row)) for row in rows).encode("utf-8")
    registry = parse_registry("名册.csv", content)
    assert [(p.row, p.column) for p in registry.errors] == [(7, "单位名称")]
    assert "控制字符" in registry.errors[0].message


def test_a_leading_tab_is_trimmed_and_the_name_kept_as_text() -> None:
    registry = parse_registry(
        "名册.xlsx", workbook([*GOOD, ["0152", "\t=1+1", "01", "党政机关", ""]])
    )
    assert registry.ok
    assert registry.frame["name"].iloc[-1] == "=1+1"  # stored as given; every writer escapes it


def test_control_characters_in_a_category_or_contact_are_refused() -> None:
    header = [*HEADER, "联络人", "联系电话"]
    rows = [
        *[[*r, "", ""] for r in GOOD],
        ["0152", "档案馆", "01", "新\x07类别", "", "王\x1b五", ""],
    ]
    content = "\n".join(",".join(map(str, row)) for row in [header, *rows]).encode("utf-8")
    registry = parse_registry("名册.csv", content)
    assert [(p.row, p.column) for p in registry.errors] == [(7, "类别"), (7, "联络人")]


def test_a_registry_is_read_by_the_sandboxed_reader_with_its_checks() -> None:
    """A zip whose entries expand absurdly is refused by the reader, as a return would be."""
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * 50_000_000 + b">")
    registry = parse_registry("名册.xlsx", buffer.getvalue())
    assert not registry.ok
    assert len(registry.errors) == 1 and registry.errors[0].row is None
    assert "压缩比" in registry.errors[0].message


def test_other_wordings_of_the_contact_columns_are_read() -> None:
    header = [*HEADER, "联络员姓名", "手机号"]
    rows = [["01", "青川市", "", "党政机关", "", "李明", "13900000001"]]
    frame = parse_registry("名册.xlsx", workbook(rows, header=header)).frame
    assert (frame["contact_name"].iloc[0], frame["contact_phone"].iloc[0]) == (
        "李明",
        "13900000001",
    )
