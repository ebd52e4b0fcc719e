"""Finding the header and mapping columns: titles above, two-level merges, wordings, order."""

from __future__ import annotations

import pytest

from dashboard.core.catalogue import INDICATORS
from dashboard.ingest.header import find_header, match_label, office_wordings

TEMPLATE = [ind.header for ind in INDICATORS]


def test_template_header_under_title_and_note_rows() -> None:
    rows: list[list[object]] = [
        ["东城县主题教育进展统计表（截至2023年10月27日）"],
        ["填报说明：以下数字均为累计数"],
        [None],
        ["单位编码", "单位名称", *TEMPLATE, "填报人", "联系电话", "备注"],
        ["0101", "东城县", *range(14)],
    ]
    header = find_header(rows, [(0, 0, 0, 18)])
    assert header is not None
    assert (header.first_row, header.last_row, header.data_start) == (3, 3, 4)
    assert header.indicators == {ind.code: i + 2 for i, ind in enumerate(INDICATORS)}
    assert header.meta == {"unit_code": 0, "unit_name": 1, "reporter": 16, "phone": 17, "note": 18}
    assert header.ignored == [] and header.duplicates == []


def test_two_level_header_with_group_row_merged_over_sub_columns() -> None:
    rows: list[list[object]] = [
        ["截至2023年10月27日"],
        ["单位名称", "理论学习", None, "调查研究", None, "检视整改", None],
        [
            None,
            "读书班期数",
            "集中学习次数",
            "调研课题数",
            "完成调研报告数",
            "检视问题数",
            "已销号问题数",
        ],
        ["东城县", 1, 2, 3, 4, 5, 6],
    ]
    merged = [(1, 0, 2, 0), (1, 1, 1, 2), (1, 3, 1, 4), (1, 5, 1, 6)]
    header = find_header(rows, merged)
    assert header is not None
    assert (header.first_row, header.last_row) == (1, 2)
    assert header.meta == {"unit_name": 0}
    assert header.indicators == {
        "reading_classes": 1,
        "study_sessions": 2,
        "survey_topics": 3,
        "survey_reports": 4,
        "problems_found": 5,
        "problems_closed": 6,
    }
    assert header.labels[0] == "单位名称"


def test_group_word_combined_with_sub_word() -> None:
    """读书班 merged over 期数 / 天数: the combined wording names the indicator."""
    rows: list[list[object]] = [
        ["单位", "读书班", None, "专题党课"],
        [None, "期数", "天数", "次数"],
        ["东城县", 1, 5, 2],
    ]
    header = find_header(rows, [(0, 0, 1, 0), (0, 1, 0, 2), (0, 3, 0, 3)])
    assert header is not None
    assert header.indicators == {"reading_classes": 1, "reading_days": 2, "party_lectures": 3}
    assert header.labels[1] == "读书班期数"
    assert header.data_start == 2


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("读书班（期）", "reading_classes"),
        ("举办读书班期数", "reading_classes"),
        ("已销号问题数", "problems_closed"),
        ("问题整改销号数", "problems_closed"),
        ("完成调研报告(篇)", "survey_reports"),
        ("完成调研报告（篇）", "survey_reports"),
        (" 读书班 期数 ", "reading_classes"),
        ("读书班\n期数", "reading_classes"),
        ("集中学习天数", "reading_days"),
        ("中心组学习、支部集中学习次数", "study_sessions"),
        ("截至目前举办读书班期数", "reading_classes"),  # unseen: longest known wording inside
        ("检视问题整改销号数", "problems_closed"),
        ("调研报告篇数", "survey_reports"),
        ("为民办实事（件）", "deeds_done"),
        ("建章立制（项）", "rules_made"),
    ],
)
def test_wordings_map_to_indicators(text: str, code: str) -> None:
    found = match_label(text)
    assert found is not None and found.kind == "indicator" and found.key == code


@pytest.mark.parametrize("text", ["序号", "联系地址", "工作亮点", "主要问题", "整改情况"])
def test_unknown_columns_map_to_nothing(text: str) -> None:
    assert match_label(text) is None


@pytest.mark.parametrize(
    "text",
    ["读书班覆盖率", "问题销号率（%）", "措施落实率", "销号比例", "问题整改完成百分比", "合计",
     "检视问题合计", "调研报告完成率(%)", "人均读书班天数"],
)  # fmt: skip
def test_derived_columns_are_recognised_never_indicators(text: str) -> None:
    found = match_label(text)
    assert found is not None and found.kind == "derived"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("整改措施落实数（条）", "measures_done"),  # the words in another order, a unit
        ("措施落实数(条)", "measures_done"),
        ("落实\n措施数", "measures_done"),  # abbreviated, a line break in the cell
        ("已落实\n措施", "measures_done"),
        ("措施完成数", "measures_done"),
        ("制定措施数", "measures_set"),
        ("措施（条）", "measures_set"),
        ("问题销号数", "problems_closed"),
        ("问题整改完成数（个）", "problems_closed"),
        ("查摆出的问题数", "problems_found"),
        ("调研形成报告篇数", "survey_reports"),
        ("办理实事件数", "deeds_done"),
    ],
)
def test_headers_understood_by_their_parts(text: str, code: str) -> None:
    found = match_label(text)
    assert found is not None and found.kind == "indicator" and found.key == code, found


def test_derived_columns_are_set_aside_with_a_note() -> None:
    rows: list[list[object]] = [
        ["单位名称", "检视问题数", "已整改销号问题数", "问题销号率（%）", "合计"],
        ["东城县", 10, 5, 50, 15],
    ]
    header = find_header(rows)
    assert header is not None
    assert header.indicators == {"problems_found": 1, "problems_closed": 2}
    assert header.derived == ["问题销号率（%）", "合计"]
    assert header.ignored == [] and header.unknown == []


def test_office_wordings_win_and_can_set_a_column_aside() -> None:
    rows: list[list[object]] = [
        ["单位名称", "检视问题数", "整改到位数", "工作亮点"],
        ["东城县", 10, 5, 3],
    ]
    plain = find_header(rows)
    assert plain is not None and plain.unknown == [(2, "整改到位数"), (3, "工作亮点")]
    wordings = office_wordings({"整改 到位数": "problems_closed", "工作亮点": "", "x": "nope"})
    assert wordings == (("工作亮点", ""), ("整改到位数", "problems_closed"))
    header = find_header(rows, wordings=wordings)
    assert header is not None
    assert header.indicators == {"problems_found": 1, "problems_closed": 2}
    assert header.skipped == ["工作亮点"] and header.unknown == []


def test_any_order_unknown_columns_listed_and_duplicates_reported() -> None:
    rows: list[list[object]] = [
        [
            "序号",
            "检视问题数",
            "单位名称",
            "工作亮点",
            "读书班（期）",
            "举办读书班期数",
            "已销号问题数",
        ],
        [1, 5, "东城县", "好", 2, 2, 3],
    ]
    header = find_header(rows)
    assert header is not None
    assert header.indicators == {"problems_found": 1, "reading_classes": 4, "problems_closed": 6}
    assert header.meta == {"unit_name": 2}
    assert header.ignored == ["序号", "工作亮点"]
    assert [(c.index, c.key) for c in header.duplicates] == [(5, "reading_classes")]


def test_one_column_never_maps_to_two_indicators() -> None:
    rows: list[list[object]] = [
        ["单位名称", "读书班期数", "读书班天数", "读书班"],
        ["东城县", 1, 2, 3],
    ]
    header = find_header(rows)
    assert header is not None
    indexes = list(header.indicators.values())
    assert len(indexes) == len(set(indexes))
    assert header.indicators["reading_classes"] == 1
    assert header.indicators["reading_days"] == 2
    assert [c.index for c in header.duplicates] == [3]


def test_instruction_sheet_has_no_header() -> None:
    rows: list[list[object]] = [
        ["填表说明"],
        ["1. 数字均填写累计数；"],
        ["2. 没有的填 0，不要留空；"],
        ["3. 单位名称须与名册一致。"],
    ]
    assert find_header(rows) is None
    assert find_header([]) is None


def test_unit_column_under_another_name() -> None:
    rows: list[list[object]] = [
        ["序号", "县（市、区）", "读书班期数", "检视问题数"],
        [1, "东城县", 2, 3],
    ]
    header = find_header(rows)
    assert header is not None
    assert header.meta == {"unit_name": 1}
    assert header.labels[1] == "县（市、区）"
    assert header.ignored == ["序号"]


def test_units_row_under_the_header_is_not_a_header() -> None:
    rows: list[list[object]] = [
        ["单位名称", "读书班期数", "检视问题数"],
        [None, "期", "个"],
        ["东城县", 2, 3],
    ]
    header = find_header(rows)
    assert header is not None and header.last_row == 0
