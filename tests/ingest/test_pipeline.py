"""The import end to end: every variant of a real return, the checks, storage and history.

Workbooks are built here in code (openpyxl, xlwt, raw OOXML parts, CSV text); each test
asserts the exact figures taken and the exact problem codes.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine, func, select

from dashboard.core.catalogue import INDICATORS
from dashboard.core.problems import PROBLEMS_KEPT
from dashboard.ingest import pipeline, sandbox
from dashboard.ingest.annotate import annotate, returned_name, returned_workbook
from dashboard.ingest.formats import ReadError
from dashboard.store import repo, returns_repo
from dashboard.store.schema import blobs, figures, imports
from dashboard.ui import import_tables
from tests.ingest.builders import (
    CODES,
    TEMPLATE_HEADERS,
    seed_registry,
    template_return,
    xlsx,
)
from tests.ingest.builders import figures as figs

OCT27 = dt.date(2023, 10, 27)
NOV03 = dt.date(2023, 11, 3)


@pytest.fixture(autouse=True, scope="module")
def _stop_workers() -> Iterator[None]:
    yield
    sandbox.shutdown()


@pytest.fixture
def db(engine: Engine) -> Engine:
    seed_registry(engine)
    return engine


@pytest.fixture
def anydb(any_engine: Engine) -> Engine:
    seed_registry(any_engine)
    return any_engine


def full(seed: int) -> dict[str, int | None]:
    return dict(zip(CODES, figs(seed), strict=True))


def codes(result: pipeline.FileResult) -> list[tuple[int | None, str]]:
    return [(p.row, p.code) for p in result.problems]


def taken(result: pipeline.FileResult) -> dict[str, dict[str, int | None]]:
    return {row["unit_code"]: row["values"] for row in result.accepted}


def counts(engine: Engine) -> tuple[int, int, int, int]:
    with engine.connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(figures)).scalar_one(),
            conn.execute(
                select(func.count()).select_from(figures).where(figures.c.is_current.is_(True))
            ).scalar_one(),
            conn.execute(select(func.count()).select_from(imports)).scalar_one(),
            conn.execute(select(func.count()).select_from(blobs)).scalar_one(),
        )


def figure_counts(engine: Engine) -> tuple[int, int]:
    return counts(engine)[:2]


# --- shapes of a return ----------------------------------------------------------------------
def test_template_return(db: Engine) -> None:
    content = xlsx(template_return([("0101", "东城县", figs(1)), ("0102", "西山区", figs(2))]))
    result = pipeline.check_file(db, "东城县.xlsx", content)
    assert result.status == "checked" and result.problems == []
    assert result.report_date == OCT27
    assert taken(result) == {"0101": full(1), "0102": full(2)}
    assert [(r["sheet"], r["row"]) for r in result.accepted] == [("周报", 4), ("周报", 5)]
    assert result.to_json()["accepted"][0] == {
        "unit_code": "0101",
        "report_date": "2023-10-27",
        "values": full(1),
    }


def test_wordings_order_spacing_and_unknown_columns(db: Engine) -> None:
    rows = [
        ["截至2023年10月27日"],
        ["序号", "已销号问题数", "单 位 名 称", "读书班（期）", "完成调研报告(篇)", "工作亮点",
         "检视问题数", "调研课题数"],
        [1, 3, "东城县", 2, 4, "好", 5, 6],
    ]  # fmt: skip
    result = pipeline.check_file(db, "a.xlsx", xlsx(rows))
    assert taken(result) == {
        "0101": {
            "problems_closed": 3,
            "reading_classes": 2,
            "survey_reports": 4,
            "problems_found": 5,
            "survey_topics": 6,
        }
    }
    assert result.problems == []
    assert result.ignored_columns == ["序号", "工作亮点"]
    assert result.status == "checked"


def test_a_second_column_for_one_indicator_is_an_error_naming_both(db: Engine) -> None:
    """Changed with issue 11: this was a collapsed warning that dropped a column."""
    rows = [
        ["截至2023年10月27日"],
        ["单位名称", "已销号问题数", "读书班（期）", "问题整改销号数", "举办读书班期数", "检视问题数"],
        ["东城县", 3, 2, 3, 2, 5],
    ]  # fmt: skip
    result = pipeline.check_file(db, "a.xlsx", xlsx(rows))
    assert codes(result) == [(2, "duplicate_column"), (2, "duplicate_column")]
    assert {p.severity for p in result.problems} == {"error"}
    first = result.problems[0].message
    assert "“问题整改销号数”列与“已销号问题数”列" in first
    assert result.status == "rejected" and result.accepted == []
    assert result.report_date == OCT27


def test_measures_done_in_everyday_wordings_is_never_lost(db: Engine) -> None:
    """The two wordings of issue 11 that lost their column without an error."""
    for header in ("整改措施落实数（条）", "落实\n措施数"):
        rows = [
            ["截至2023年10月27日"],
            ["单位名称", "检视问题数", "整改措施数", header, "措施落实率（%）"],
            ["东城县", 5, 10, 7, 70],
        ]
        result = pipeline.check_file(db, "a.xlsx", xlsx(rows))
        assert taken(result) == {
            "0101": {"problems_found": 5, "measures_set": 10, "measures_done": 7}
        }, header
        assert result.problems == [] and result.derived_columns == ["措施落实率（%）"]


def test_a_column_of_whole_numbers_naming_nothing_is_a_warning(db: Engine) -> None:
    rows = [
        ["截至2023年10月27日"],
        ["序号", "单位名称", "检视问题数", "整改到位数", "工作亮点", "参会人数"],
        [1, "东城县", 5, 3, "好", 12],
        [2, "西山区", 6, 4, None, None],
        [3, "南湖县", 7, 5, "较好", 8],
    ]
    result = pipeline.check_file(db, "a.xlsx", xlsx(rows))
    assert [(p.column, p.code, p.severity) for p in result.problems] == [
        ("整改到位数", "unknown_column", "warning"),
        ("参会人数", "unknown_column", "warning"),
    ]  # 序号 (1, 2, 3) and a text column are no figures
    assert "“整改到位数”列" in result.problems[0].message
    assert len(result.accepted) == 3


def test_a_remembered_wording_reads_the_column_next_time(db: Engine) -> None:
    rows = [
        ["截至2023年10月27日"],
        ["单位名称", "检视问题数", "整改到位数"],
        ["东城县", 5, 3],
    ]
    repo.set_settings(db, {"column_wordings": {"整改到位数": "problems_closed"}})
    result = pipeline.check_file(db, "a.xlsx", xlsx(rows))
    assert taken(result) == {"0101": {"problems_found": 5, "problems_closed": 3}}
    assert result.problems == []


def test_two_level_merged_header(db: Engine) -> None:
    rows = [
        ["西山区主题教育进展统计表"],
        ["统计截止：2023.10.27"],
        ["单位名称", "理论学习", None, None, "调查研究", None, "检视整改", None],
        [None, "读书班", None, "专题党课", "调研课题数", "完成调研报告数", "检视问题数", "已销号问题数"],
        [None, "期数", "天数", None, None, None, None, None],
        ["西山区", 2, 6, 3, 4, 3, 20, 12],
    ]  # fmt: skip
    content = xlsx(rows, merges=["A3:A5", "B3:D3", "E3:F3", "G3:H3", "B4:C4", "D4:D5"])
    result = pipeline.check_file(db, "西山区.xlsx", content)
    assert result.problems == []
    assert taken(result) == {
        "0102": {
            "reading_classes": 2,
            "reading_days": 6,
            "party_lectures": 3,
            "survey_topics": 4,
            "survey_reports": 3,
            "problems_found": 20,
            "problems_closed": 12,
        }
    }
    assert result.accepted[0]["row"] == 6


def test_group_row_merged_over_template_sub_columns(db: Engine) -> None:
    rows = [
        ["截至2023年10月27日"],
        ["单位名称", "理论学习", None, "检视整改", None],
        [None, "读书班期数", "集中学习次数", "检视问题数", "已整改销号问题数"],
        ["东城县", 1, 2, 3, 3],
    ]
    result = pipeline.check_file(db, "x.xlsx", xlsx(rows, merges=["A2:A3", "B2:C2", "D2:E2"]))
    assert taken(result) == {
        "0101": {
            "reading_classes": 1,
            "study_sessions": 2,
            "problems_found": 3,
            "problems_closed": 3,
        }
    }


def test_totals_blank_rows_hidden_and_instruction_sheets_every_visible_sheet(db: Engine) -> None:
    first = template_return(
        [("0101", "东城县", figs(1)), (None, None, [None] * 14), ("", "合计", figs(5))]
    )
    first.insert(4, [])
    second = template_return([("0102", "西山区", figs(2)), (None, "小 计", figs(7))])
    second.append([None, "总计", *figs(8)])
    hidden = template_return([("0103", "南湖县", figs(3))])
    notes = [["填表说明"], ["1. 数字为累计数"], ["2. 没有的填 0"]]
    content = xlsx(
        notes,
        title="填表说明",
        extra_sheets=[
            ("东城", first, "visible"),
            ("西山", second, "visible"),
            ("旧表", hidden, "hidden"),
        ],
    )
    result = pipeline.check_file(db, "汇总.xlsx", content)
    assert result.problems == []
    assert result.sheets == ["东城", "西山"]
    assert taken(result) == {"0101": full(1), "0102": full(2)}
    assert [(r["sheet"], r["row"]) for r in result.accepted] == [("东城", 4), ("西山", 4)]


def test_total_rows_by_their_wording_only() -> None:
    from dashboard.ingest.matching import fold_name
    from dashboard.ingest.rows import names_total

    for text in [
        "合计",
        "合 计",
        "东城县合计",
        "合计（15个单位）",
        "小计：城关镇",
        "总计",
        "累计合计",
    ]:
        assert names_total(fold_name(text)), text
    for text in ["总计划科", "统计局", "审计局", "计生办"]:
        assert not names_total(fold_name(text)), text


def test_numbering_row_under_the_header_is_skipped(db: Engine) -> None:
    rows = [
        ["截至2023年10月27日"],
        ["单位名称", "读书班期数", "集中学习次数", "检视问题数"],
        ["甲", 1, 2, 3],
        ["东城县", 4, 5, 6],
    ]
    result = pipeline.check_file(db, "x.xlsx", xlsx(rows))
    assert taken(result) == {
        "0101": {"reading_classes": 4, "study_sessions": 5, "problems_found": 6}
    }
    assert result.problems == []


def test_units_row_and_a_unit_column_with_another_header(db: Engine) -> None:
    rows = [
        ["截至2023年10月27日"],
        ["序号", "县（市、区）", "读书班期数", "检视问题数", "已销号问题数"],
        [None, None, "期", "个", "个"],
        [1, "东城县", 4, 6, 5],
        [2, "南湖县", 1, 2, 2],
    ]
    result = pipeline.check_file(db, "x.xlsx", xlsx(rows))
    assert result.problems == []
    assert taken(result) == {
        "0101": {"reading_classes": 4, "problems_found": 6, "problems_closed": 5},
        "0103": {"reading_classes": 1, "problems_found": 2, "problems_closed": 2},
    }
    assert result.ignored_columns == ["序号"]


def test_header_repeated_further_down_is_skipped(db: Engine) -> None:
    header = ["单位名称", "读书班期数", "检视问题数"]
    rows = [["截至2023年10月27日"], header, ["东城县", 1, 2], [], header, ["西山区", 3, 4]]
    result = pipeline.check_file(db, "x.xlsx", xlsx(rows))
    assert result.problems == []
    assert taken(result) == {
        "0101": {"reading_classes": 1, "problems_found": 2},
        "0102": {"reading_classes": 3, "problems_found": 4},
    }


# --- values ----------------------------------------------------------------------------------
def test_cell_values(db: Engine) -> None:
    header = ["单位名称", *TEMPLATE_HEADERS[:10]]
    rows = [
        ["截至2023年10月27日"],
        header,
        ["东城县", None, 0, "无", "—", "-", "/", "１２", "12项", "12.0", 12.0],
        ["西山区", "X", "XX", "x", -1, "12.5", 12.5, "十二", 5, 4, 5],
        ["南湖县", 1, 2, 3, 4, 5, 5, 1, 9, 9, 10],
    ]
    result = pipeline.check_file(db, "x.xlsx", xlsx(rows))
    assert taken(result) == {
        "0101": dict(zip(CODES[:10], [None, 0, 0, 0, 0, 0, 12, 12, 12, 12], strict=True)),
        "0103": dict(zip(CODES[:10], [1, 2, 3, 4, 5, 5, 1, 9, 9, 10], strict=True)),
    }
    assert codes(result) == [
        (4, "placeholder"),
        (4, "placeholder"),
        (4, "placeholder"),
        (4, "negative"),
        (4, "not_integer"),
        (4, "not_integer"),
        (4, "not_integer"),
    ]
    first = result.problems[0]
    assert (first.sheet, first.column, first.value) == ("周报", TEMPLATE_HEADERS[0], "X")
    assert first.message.startswith("B4单元格") and "请填写" in first.message
    assert result.problems[-1].message.startswith("H4单元格")
    assert result.status == "checked"


def test_formula_cells_give_their_cached_values(db: Engine) -> None:
    from tests.ingest.test_reader import sheet_xml, xlsx_package

    cells = {
        "A1": "截至2023年10月27日",
        "A2": "单位名称",
        "B2": "检视问题数",
        "C2": "已销号问题数",
        "A3": "东城县",
        "B3": 7,
        "C3": 5,
    }
    part = sheet_xml(cells, formulas={"B3": "3+4", "C3": "B3-2"})
    result = pipeline.check_file(db, "f.xlsx", xlsx_package([("周报", part)]))
    assert taken(result) == {"0101": {"problems_found": 7, "problems_closed": 5}}


# --- formats ---------------------------------------------------------------------------------
CSV_TEXT = (
    "主题教育进展统计表（截至2023年10月27日）\n"
    "单位编码,单位名称,读书班期数,检视问题数,已销号问题数\n"
    "0101,东城县,3,20,12\n"
    "0102,西山区,１２,5,无\n"
)


@pytest.mark.parametrize(
    "encoded",
    [
        CSV_TEXT.encode("utf-8"),
        CSV_TEXT.encode("utf-8-sig"),
        CSV_TEXT.encode("gbk"),
        CSV_TEXT.encode("gb18030"),
    ],
    ids=["utf8", "utf8-bom", "gbk", "gb18030"],
)
def test_csv_encodings(db: Engine, encoded: bytes) -> None:
    result = pipeline.check_file(db, "周报.csv", encoded)
    assert result.format == "csv"
    assert taken(result) == {
        "0101": {"reading_classes": 3, "problems_found": 20, "problems_closed": 12},
        "0102": {"reading_classes": 12, "problems_found": 5, "problems_closed": 0},
    }
    assert result.report_date == OCT27 and result.problems == []


def xls_bytes() -> bytes:
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("报表")
    ws.write_merge(0, 0, 0, 4, "南湖县主题教育进展统计表（截至2023年10月27日）")
    for c, text in enumerate(
        ["单位编码", "单位名称", "读书班（期）", "检视问题数", "已销号问题数"]
    ):
        ws.write(1, c, text)
    for c, value in enumerate([103, "南湖县", 4, 9, "X"]):
        ws.write(2, c, value)
    for c, value in enumerate(["0101", "东城县", 1, 2, 2]):
        ws.write(3, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_legacy_xls(db: Engine) -> None:
    result = pipeline.check_file(db, "南湖县.xls", xls_bytes())
    assert result.format == "xls"
    assert taken(result) == {
        "0101": {"reading_classes": 1, "problems_found": 2, "problems_closed": 2}
    }
    assert codes(result) == [(3, "placeholder")]


def test_xlsm(db: Engine) -> None:
    from tests.ingest.test_reader import sheet_xml, xlsx_package

    cells = {"A1": "截至10月27日", "A2": "单位名称", "B2": "专题党课次数", "A3": "西山区", "B3": 4}
    content = xlsx_package([("周报", sheet_xml(cells))], macro=True)
    result = pipeline.check_file(db, "西山.xlsm", content)
    assert result.format == "xlsm"
    assert taken(result) == {"0102": {"party_lectures": 4}}


# --- dates -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "title",
    ["截至2023年10月27日", "统计时间：2023.10.27", "2023/10/27", "截至10月27日", "10月25日"],
)
def test_date_from_title(db: Engine, title: str) -> None:
    content = xlsx(template_return([("0101", "东城县", figs(1))], title=title))
    result = pipeline.check_file(db, "周报.xlsx", content)
    assert result.report_date == OCT27  # 10月25日 (a Wednesday) belongs to Friday's period
    assert [r["report_date"] for r in result.accepted] == [OCT27]


def test_date_from_file_name(db: Engine) -> None:
    content = xlsx(template_return([("0101", "东城县", figs(1))], day=None))
    result = pipeline.check_file(db, "东城县周报20231102.xlsx", content)
    assert result.report_date == NOV03 and result.status == "checked"


def test_date_column_per_row(db: Engine) -> None:
    rows = [
        ["单位名称", "统计截止日期", "读书班期数"],
        ["东城县", dt.date(2023, 10, 27), 1],
        ["西山区", "2023-11-02", 2],
    ]
    result = pipeline.check_file(db, "周报.xlsx", xlsx(rows))
    assert [(r["unit_code"], r["report_date"]) for r in result.accepted] == [
        ("0101", OCT27),
        ("0102", NOV03),
    ]


def test_no_date_is_rejected_and_a_given_date_is_used(db: Engine) -> None:
    content = xlsx(template_return([("0101", "东城县", figs(1))], day=None))
    result = pipeline.check_file(db, "周报.xlsx", content)
    assert result.status == "rejected" and codes(result) == [(None, "no_date")]
    message = result.problems[0].message
    assert result.accepted == [] and "--date" not in message  # the page names its own field
    assert "为没有日期的文件指定统计截止日期" in message
    cli = pipeline.check_file(db, "周报.xlsx", content, date_hint=pipeline.CLI_DATE_HINT)
    assert "--date" in cli.problems[0].message
    given = pipeline.check_file(db, "周报.xlsx", content, report_date=dt.date(2023, 10, 26))
    assert given.status == "checked" and given.report_date == OCT27
    assert taken(given) == {"0101": full(1)}
    dated = xlsx(template_return([("0101", "东城县", figs(1))]))  # 截至2023年10月27日
    kept = pipeline.check_file(db, "周报.xlsx", dated, report_date=dt.date(2023, 11, 2))
    assert kept.report_date == OCT27  # the file's own date is not overridden


# --- units -----------------------------------------------------------------------------------
def test_units_by_code_name_alias_and_unknown(db: Engine) -> None:
    rows = [
        ["截至2023年10月27日"],
        ["单位编码", "单位名称", "读书班期数"],
        [101, None, 1],  # the leading zero was lost: 0101
        [None, "西 山 区", 2],
        [None, "南湖县", 3],
        [None, "城关", 4],  # alias of 城关镇
        [None, "北岭县", 5],
        [None, "河口乡委", 6],
    ]
    result = pipeline.check_file(db, "x.xlsx", xlsx(rows))
    assert taken(result) == {
        "0101": {"reading_classes": 1},
        "0102": {"reading_classes": 2},
        "0103": {"reading_classes": 3},
        "010101": {"reading_classes": 4},
    }
    assert codes(result) == [(7, "unknown_unit"), (8, "unknown_unit")]
    assert result.problems[1].value == "河口乡委" and "河口乡" in result.problems[1].message
    assert result.problems[1].column == "单位名称"


def test_names_that_look_like_formulas_are_plain_unknown_units(db: Engine) -> None:
    rows = [
        ["截至2023年10月27日"],
        ["单位名称", "读书班期数"],
        ['=HYPERLINK("http://x","点我")', 1],
        ["+东城县", 2],
        ["@SUM(1)", 3],
        ["东城县", 4],
    ]
    wb = openpyxl.Workbook()
    ws = wb.active
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c, value=value)
            cell.data_type = "s" if isinstance(value, str) else cell.data_type
    out = io.BytesIO()
    wb.save(out)
    result = pipeline.check_file(db, "x.xlsx", out.getvalue())
    assert codes(result) == [(3, "unknown_unit"), (4, "unknown_unit"), (5, "unknown_unit")]
    assert result.problems[0].value == '=HYPERLINK("http://x","点我")'
    assert taken(result) == {"0101": {"reading_classes": 4}}


# --- checks ----------------------------------------------------------------------------------
def test_rules_and_duplicates(db: Engine) -> None:
    header = ["单位名称", "调研课题数", "完成调研报告数", "检视问题数", "已整改销号问题数",
              "整改措施数", "已落实整改措施数"]  # fmt: skip
    rows = [
        ["截至2023年10月27日"],
        header,
        ["东城县", 2, 3, 10, 5, 4, 4],  # reports > topics: a warning, stored
        ["西山区", 2, 2, 5, 6, 4, 4],  # closed > found: an error
        ["南湖县", 2, 2, 5, 5, 4, 5],  # done > set: an error
        ["城关镇", 1, 1, 1, 1, 1, 1],
        ["城关", 1, 1, 1, 1, 1, 1],  # the same unit again (by alias)
    ]
    result = pipeline.check_file(db, "x.xlsx", xlsx(rows))
    assert sorted(codes(result)) == [
        (3, "reports_gt_topics"),
        (4, "closed_gt_found"),
        (5, "done_gt_set"),
        (6, "duplicate_unit"),
        (7, "duplicate_unit"),
    ]
    assert [p.severity for p in result.problems if p.code == "reports_gt_topics"] == ["warning"]
    assert list(taken(result)) == ["0101"]


def test_only_error_rows_means_rejected(db: Engine) -> None:
    rows = [["截至2023年10月27日"], ["单位名称", "读书班期数"], ["东城县", "X"], ["北岭县", 1]]
    result = pipeline.check_file(db, "x.xlsx", xlsx(rows))
    assert result.status == "rejected"
    assert codes(result) == [(3, "placeholder"), (4, "unknown_unit")]


def test_empty_template_and_no_header(db: Engine) -> None:
    empty = pipeline.check_file(
        db, "x.xlsx", xlsx(template_return([("0101", "东城县", [None] * 14)]))
    )
    assert empty.status == "rejected" and codes(empty) == [(None, "empty")]
    no_header = pipeline.check_file(db, "x.xlsx", xlsx([["会议纪要"], ["今天开会"]]))
    assert no_header.status == "rejected" and codes(no_header) == [(None, "no_header")]


# --- storage and history ---------------------------------------------------------------------
def stored(engine: Engine, day: dt.date = OCT27) -> dict[str, dict[str, int]]:
    frame = repo.load_figures(engine)
    frame = frame[frame["report_date"] == pd_ts(day)]
    out = {}
    for _, row in frame.iterrows():
        out[row["unit_code"]] = {c: int(row[c]) for c in CODES if not _isna(row[c])}
    return out


def pd_ts(day: dt.date):  # noqa: ANN201
    import pandas as pd

    return pd.Timestamp(day)


def _isna(value: object) -> bool:
    import pandas as pd

    return bool(pd.isna(value))


def test_import_stores_warning_rows_not_error_rows(anydb: Engine) -> None:
    rows = template_return(
        [
            ("0101", "东城县", figs(1)),
            ("0102", "西山区", ["X", *figs(2)[1:]]),
            ("0103", "南湖县", [*figs(3)[:5], 99, *figs(3)[6:]]),  # reports > topics: warning
        ]
    )
    result = pipeline.import_file(anydb, "周报.xlsx", xlsx(rows), uploaded_by="测试")
    assert result.status == "imported" and result.import_id is not None
    assert codes(result) == [(5, "placeholder"), (6, "reports_gt_topics")]
    assert set(stored(anydb)) == {"0101", "0103"}
    assert stored(anydb)["0103"]["survey_reports"] == 99
    listed = returns_repo.list_imports(anydb)
    assert listed.loc[0, "status"] == "imported" and listed.loc[0, "accepted_rows"] == 2
    assert listed.loc[0, "uploaded_by"] == "测试"


def test_same_bytes_again_changes_nothing(anydb: Engine) -> None:
    content = xlsx(template_return([("0101", "东城县", figs(1))]))
    first = pipeline.import_file(anydb, "周报.xlsx", content)
    before = counts(anydb)
    again = pipeline.import_file(anydb, "周报（重发）.xlsx", content)
    assert again.duplicate and again.import_id == first.import_id and again.status == "imported"
    assert counts(anydb) == before


def test_corrected_return_replaces_and_history_keeps_both_then_undo_restores(
    anydb: Engine,
) -> None:
    old = pipeline.import_file(
        anydb, "v1.xlsx", xlsx(template_return([("0101", "东城县", figs(1))]))
    )
    new = pipeline.import_file(
        anydb, "v2.xlsx", xlsx(template_return([("0101", "东城县", figs(4))]))
    )
    assert stored(anydb) == {"0101": full(4)}
    with anydb.connect() as conn:
        history = conn.execute(
            select(figures.c.import_id, figures.c.is_current).order_by(figures.c.id)
        ).all()
    assert [tuple(h) for h in history] == [(old.import_id, False), (new.import_id, True)]
    assert new.import_id is not None
    assert returns_repo.undo_import(anydb, new.import_id) == 1
    assert stored(anydb) == {"0101": full(1)}


def test_decrease_against_the_stored_previous_week(anydb: Engine) -> None:
    pipeline.import_file(anydb, "w1.xlsx", xlsx(template_return([("0101", "东城县", figs(5))])))
    lower = [*figs(5)]
    lower[0] -= 2
    week2 = template_return([("0101", "东城县", lower)], day=NOV03)
    result = pipeline.import_file(anydb, "w2.xlsx", xlsx(week2))
    assert codes(result) == [(4, "decreased")]
    assert result.problems[0].severity == "warning" and result.problems[0].value == str(lower[0])
    assert stored(anydb, NOV03)["0101"]["reading_classes"] == lower[0]


def test_decrease_checked_for_a_correction_of_an_earlier_week(anydb: Engine) -> None:
    pipeline.import_file(anydb, "w1.xlsx", xlsx(template_return([("0101", "东城县", figs(5))])))
    week2 = template_return([("0101", "东城县", figs(9))], day=NOV03)
    pipeline.import_file(anydb, "w2.xlsx", xlsx(week2))
    corrected = [*figs(9)]
    corrected[1] = figs(5)[1] - 1  # lower than week 1, stored before week 2
    again = template_return([("0101", "东城县", corrected)], day=NOV03)
    result = pipeline.import_file(anydb, "w2（更正）.xlsx", xlsx(again))
    assert codes(result) == [(4, "decreased")]
    assert result.problems[0].column == TEMPLATE_HEADERS[1]
    assert stored(anydb, NOV03)["0101"]["reading_days"] == corrected[1]


def test_dry_run_stores_nothing(anydb: Engine) -> None:
    before = counts(anydb)
    result = pipeline.import_file(
        anydb, "x.xlsx", xlsx(template_return([("0101", "东城县", figs(1))])), dry_run=True
    )
    assert result.status == "checked" and result.import_id is None
    assert counts(anydb) == before


def test_rejected_file_is_archived_without_figures(anydb: Engine) -> None:
    result = pipeline.import_file(anydb, "坏.xlsx", b"PK\x03\x04 truncated")
    assert result.status == "rejected" and [p.code for p in result.problems] == ["corrupt"]
    assert figure_counts(anydb) == (0, 0)
    listed = returns_repo.list_imports(anydb)
    assert list(listed["status"]) == ["rejected"]
    assert returns_repo.blob_content(anydb, listed.loc[0, "sha256"]) == b"PK\x03\x04 truncated"


# --- hostile files ---------------------------------------------------------------------------
def _encrypt(content: bytes, password: str) -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(content)).encrypt(password, out)
    return out.getvalue()


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"<" + b"a" * 50_000_000 + b">")
    return out.getvalue()


def _entity_expansion() -> bytes:
    from tests.ingest.test_reader import xlsx_package

    lol = (
        '<!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
            for i in range(1, 10)
        )
        + "]>"
    )
    part = (
        f'<?xml version="1.0"?>{lol}<worksheet xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
        "&lol9;</t></is></c></row></sheetData></worksheet>"
    )
    return xlsx_package([("周报", part)])


def _absurd_dimension() -> bytes:
    from tests.ingest.test_reader import sheet_xml, xlsx_package

    return xlsx_package([("周报", sheet_xml({"A1": "单位名称"}, dimension="A1:XFD1048576"))])


HOSTILE = {
    "not_excel": ("伪装.xlsx", "这不是表格，只是一段文字".encode()),
    "empty": ("空.xlsx", b""),
    "truncated": ("截断.xlsx", xlsx(template_return([("0101", "东城县", figs(1))]))[:700]),
    "zip_bomb": ("炸弹.xlsx", _zip_bomb()),
    "entities": ("实体.xlsx", _entity_expansion()),
    "dimension": ("超大.xlsx", _absurd_dimension()),
    "encrypted": (
        "加密.xlsx",
        _encrypt(xlsx(template_return([("0101", "东城县", figs(1))])), "pw"),
    ),
}
EXPECTED = {
    "not_excel": "not_excel",
    "empty": "empty",
    "truncated": "corrupt",
    "zip_bomb": "too_large",
    "entities": "corrupt",
    "dimension": "too_large",
    "encrypted": "encrypted",
}


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_files_are_rejected_and_change_no_figures(db: Engine, kind: str) -> None:
    pipeline.import_file(db, "好.xlsx", xlsx(template_return([("0102", "西山区", figs(2))])))
    before = stored(db)
    name, content = HOSTILE[kind]
    result = pipeline.import_file(db, name, content)
    assert result.status == "rejected"
    assert len(result.problems) == 1 and result.problems[0].code == EXPECTED[kind]
    assert result.problems[0].severity == "error" and result.problems[0].message
    assert stored(db) == before


def test_encrypted_with_password_is_imported(db: Engine) -> None:
    result = pipeline.import_file(db, "加密.xlsx", HOSTILE["encrypted"][1], password="pw")
    assert result.status == "imported" and taken(result) == {"0101": full(1)}


# --- kill in the middle ----------------------------------------------------------------------
KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from sqlalchemy import event
    from dashboard.store import db
    from dashboard.ingest import pipeline
    engine = db.make_engine(sys.argv[1])

    @event.listens_for(engine, "commit")
    def _die(conn):  # figures inserted, transaction not committed yet
        os.kill(os.getpid(), signal.SIGKILL)

    content = open(sys.argv[2], "rb").read()
    pipeline.import_file(engine, "周报.xlsx", content)
    print("survived")
    """
)


def test_killed_in_the_middle_leaves_the_database_as_it_was(anydb: Engine, tmp_path: Path) -> None:
    db = anydb
    pipeline.import_file(db, "w1.xlsx", xlsx(template_return([("0101", "东城县", figs(1))])))
    before, values = counts(db), stored(db)
    path = tmp_path / "w2.xlsx"
    path.write_bytes(
        xlsx(template_return([("0101", "东城县", figs(3)), ("0102", "西山区", figs(3))]))
    )
    script = tmp_path / "killer.py"
    script.write_text(KILLER, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(script), db.url.render_as_string(hide_password=False), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=str(Path(__file__).resolve().parents[2]),
        env={**os.environ},
    )
    assert proc.returncode == -9, proc.stderr
    assert "survived" not in proc.stdout
    db.dispose()
    assert counts(db) == before
    assert stored(db) == values


# --- the annotated return --------------------------------------------------------------------
def test_annotated_return_marks_bad_cells_red_and_warnings_yellow(db: Engine) -> None:
    rows = template_return(
        [
            ("0101", "东城县", ["X", *figs(1)[1:]]),
            (None, "北岭县", figs(2)),
            ("0103", "南湖县", [*figs(3)[:5], 99, *figs(3)[6:]]),
        ]
    )
    content = xlsx(rows)
    result = pipeline.check_file(db, "东城县.xlsx", content)
    book = openpyxl.load_workbook(io.BytesIO(returned_workbook(result, content)))
    assert book.sheetnames == ["退回说明", "周报"]
    ws = book["周报"]
    assert ws["C4"].fill.fgColor.rgb.endswith("FFC7CE")
    assert "占位符" in ws["C4"].comment.text
    assert ws["B5"].fill.fgColor.rgb.endswith("FFC7CE")  # unknown unit: the name cell
    assert "名册" in ws["B5"].comment.text
    assert ws["H6"].fill.fgColor.rgb.endswith("FFEB9C")  # a warning
    assert ws["D4"].comment is None
    assert ws["B4"].value == "东城县" and ws["A1"].value == rows[0][0]  # the sender's own cells
    summary = list(book["退回说明"].iter_rows(min_row=5, values_only=True))
    assert len(summary) == 3
    assert [(r[1], r[2]) for r in summary] == [(4, "东城县"), (5, "北岭县"), (6, "南湖县")]
    notes = book["退回说明"]  # printed a page wide: the messages never on a page of their own
    assert notes.page_setup.fitToWidth == 1 and notes.print_title_rows == "$4:$4"
    assert notes["G5"].alignment.wrap_text
    assert "标红的行本次未入库" in notes["A2"].value
    assert ws.page_setup.fitToWidth is None  # the sender's own sheet keeps its own settings
    assert returned_name("东城县.xlsx") == "东城县_退回修改表.xlsx"


def test_annotated_return_caps_comments_and_summary(db: Engine, monkeypatch) -> None:
    from dashboard.ingest import annotate as annotate_module

    monkeypatch.setattr(annotate_module, "MAX_COMMENTS", 2)
    monkeypatch.setattr(annotate_module, "MAX_SUMMARY_ROWS", 3)
    rows = template_return([("0101", "东城县", ["X"] * 5 + figs(1)[5:])])
    content = xlsx(rows)
    result = pipeline.check_file(db, "x.xlsx", content)
    assert codes(result) == [(4, "placeholder")] * 5
    book = openpyxl.load_workbook(io.BytesIO(annotate(result, content)))
    ws = book["周报"]
    assert [ws.cell(row=4, column=c).comment is not None for c in range(3, 8)] == [
        True, True, False, False, False,
    ]  # fmt: skip
    assert all(ws.cell(row=4, column=c).fill.fgColor.rgb.endswith("FFC7CE") for c in range(3, 8))
    summary = [r[0] for r in book["退回说明"].iter_rows(min_row=5, values_only=True)]
    assert len(summary) == 4 and "另有 2 处" in summary[-1]
    assert "仅前 2 处" in book["退回说明"]["A3"].value


def test_annotated_csv_is_rebuilt_and_keeps_text_as_text(db: Engine) -> None:
    text = "截至2023年10月27日\n单位名称,读书班期数\n=1+1,3\n东城县,X\n"
    result = pipeline.check_file(db, "周报.csv", text.encode("gbk"))
    book = openpyxl.load_workbook(io.BytesIO(returned_workbook(result, text.encode("gbk"))))
    ws = book[book.sheetnames[1]]
    assert ws["A3"].value == "=1+1" and ws["A3"].data_type == "s"
    assert ws["A3"].fill.fgColor.rgb.endswith("FFC7CE")
    assert ws["B4"].fill.fgColor.rgb.endswith("FFC7CE") and "占位符" in ws["B4"].comment.text


def test_annotated_legacy_xls(db: Engine) -> None:
    content = xls_bytes()
    result = pipeline.check_file(db, "南湖县.xls", content)
    book = openpyxl.load_workbook(io.BytesIO(returned_workbook(result, content)))
    ws = book["报表"]
    assert ws["E3"].value == "X" and "占位符" in ws["E3"].comment.text


def test_annotated_encrypted_return_with_password(db: Engine) -> None:
    rows = template_return([("0101", "东城县", ["X", *figs(1)[1:]])])
    secret = _encrypt(xlsx(rows), "pw")
    result = pipeline.check_file(db, "加密.xlsx", secret, password="pw")
    book = openpyxl.load_workbook(io.BytesIO(returned_workbook(result, secret, password="pw")))
    assert "占位符" in book["周报"]["C4"].comment.text


def test_returned_workbook_is_made_in_a_limited_child_and_the_check_keeps_no_cells(
    db: Engine, monkeypatch
) -> None:
    from dashboard.ingest import formats

    rows = template_return([("0101", "东城县", ["X", *figs(1)[1:]])])
    content = xlsx(rows)
    result = pipeline.check_file(db, "东城县.xlsx", content)
    assert result.workbook is None  # the page's session holds no parsed cells
    # a broken file still gets its 退回说明 (rebuilt from nothing)
    broken = openpyxl.load_workbook(io.BytesIO(returned_workbook(result, b"PK\x03\x04 bad")))
    assert broken.sheetnames[0] == "退回说明"
    # the child runs under a time limit: overrunning it is a clean ReadError
    from dashboard.ingest import annotate as annotate_module

    monkeypatch.setattr(annotate_module, "ANNOTATE_TIMEOUT_S", 0.01)
    with pytest.raises(ReadError) as raised:
        returned_workbook(result, content)
    assert raised.value.code == formats.err_worker_timeout().code


def test_returned_workbook_of_a_file_with_too_many_problems(db: Engine) -> None:
    rows = template_return(
        [("0101", "东城县", ["X"] * 14)] + [("0199", "无此单位", figs(1))] * 1200
    )
    content = xlsx(rows)
    result = pipeline.check_file(db, "太多.xlsx", content)
    assert result.problems[0].code == "too_many_problems"
    assert len(result.problems) == 1 + PROBLEMS_KEPT and result.problem_total == 14 + 1200
    book = openpyxl.load_workbook(io.BytesIO(returned_workbook(result, content)))
    summary = book["退回说明"].iter_rows(min_row=5, values_only=True)
    notes = [r[6] for r in summary]  # the message column, after 单位
    assert any("另有" in str(n) for n in notes)


def test_indicators_unused_in_tests_still_parse() -> None:
    assert len(INDICATORS) == len(TEMPLATE_HEADERS) == 14


# --- the peer corpus: every real spreadsheet gets a clean answer from the whole import -------
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "peer-corpus" / "calamine"
CORPUS_FILES = sorted(p for p in CORPUS.iterdir() if p.is_file()) if CORPUS.is_dir() else []
KNOWN_CODES = {
    "placeholder", "not_integer", "negative", "closed_gt_found", "done_gt_set",
    "reports_gt_topics", "decreased", "unknown_unit", "duplicate_unit", "no_date", "no_header",
    "encrypted", "not_excel", "corrupt", "empty", "too_large", "duplicate_column",
}  # fmt: skip


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory) -> Iterator[Engine]:
    from dashboard.store import db as store_db

    engine = store_db.connect(f"sqlite:///{tmp_path_factory.mktemp('corpus') / 'c.sqlite3'}")
    seed_registry(engine)
    yield engine
    engine.dispose()


@pytest.mark.skipif(not CORPUS_FILES, reason=f"peer corpus not found at {CORPUS}")
@pytest.mark.parametrize("path", CORPUS_FILES, ids=[p.name for p in CORPUS_FILES])
def test_peer_corpus_file_is_checked_or_rejected(corpus_db: Engine, path: Path) -> None:
    before = figure_counts(corpus_db)
    result = pipeline.import_file(corpus_db, path.name, path.read_bytes(), dry_run=True)
    assert result.status in {"checked", "rejected"}
    assert {p.code for p in result.problems} <= KNOWN_CODES
    if result.status == "rejected":
        assert result.errors and all(p.message for p in result.problems)
    json_doc = result.to_json()
    assert json_doc["status"] == result.status
    assert figure_counts(corpus_db) == before


# --- issue 11: code and name, several dates, dates anywhere -----------------------------------
@pytest.mark.parametrize("blank", [False, True])  # the clean block path and the row-by-row one
def test_code_and_name_of_two_different_units_is_a_warning_matched_by_code(
    db: Engine, blank: bool
) -> None:
    rows = [
        ["截至2023年10月27日"],
        ["单位编码", "单位名称", "检视问题数", "读书班期数"],
        ["0101", "西山区", 5, None if blank else 1],  # 0102's name under 0101's code
        ["0102", "西山", 6, 2],  # an alias of its own unit: fine
        ["0103", "南湖县（新）", 7, 3],  # a name the registry does not know: no guess
    ]
    result = pipeline.check_file(db, "a.xlsx", xlsx(rows))
    assert codes(result) == [(3, "code_name_mismatch")]
    problem = result.problems[0]
    assert problem.severity == "warning" and problem.column == "单位名称"
    assert "“0101”" in problem.message and "东城县" in problem.message
    assert "西山区" in problem.message and "0102" in problem.message
    assert [r["unit_code"] for r in result.accepted] == ["0101", "0102", "0103"]


def test_date_on_a_cover_sheet_with_the_table_on_sheet_two(db: Engine) -> None:
    table = template_return([("0101", "东城县", figs(1))], day=None)
    for cover in (
        [["主题教育进展情况统计"], ["填报单位：东城县"], ["统计截止日期", dt.datetime(2023, 10, 27)],
         ["印发日期", dt.datetime(2023, 10, 30)]],
        [["主题教育进展情况统计"], ["统计截止日期："], ["2023年10月27日"]],
        [["主题教育进展情况统计（统计截止：2023.10.27）"]],
    ):  # fmt: skip
        wb = openpyxl.Workbook()
        wb.active.title = "封面"
        for row in cover:
            wb.active.append(row)
        ws = wb.create_sheet("数据")
        for row in table:
            ws.append(row)
        out = io.BytesIO()
        wb.save(out)
        result = pipeline.check_file(db, "周报.xlsx", out.getvalue())
        assert result.status == "checked" and result.report_date == OCT27, cover
        assert taken(result) == {"0101": full(1)}


def test_date_in_a_note_line_under_the_table_and_in_a_sheet_name(db: Engine) -> None:
    rows = template_return([("0101", "东城县", figs(1))], day=None)
    noted = pipeline.check_file(
        db, "周报.xlsx", xlsx([*rows, [None], ["注：以上数据统计截至10月27日，请于10月30日前报送"]])
    )
    assert noted.report_date == OCT27 and noted.problems == []
    named = pipeline.check_file(db, "周报.xlsx", xlsx(rows, title="2023.10.27"))
    assert named.report_date == OCT27 and named.problems == []


def daily_export(units: list[tuple[str, str]], first: dt.date, days: int) -> list[list[object]]:
    """One row per unit per day, cumulative figures growing by one a day."""
    rows: list[list[object]] = [["单位编码", "单位名称", "日期", "检视问题数", "已整改销号问题数"]]
    for d in range(days):
        day = first + dt.timedelta(days=d)
        for code, name in units:
            rows.append([code, name, day, 10 + d, d])
    return rows


def test_a_daily_export_keeps_each_units_latest_day_of_every_week(db: Engine) -> None:
    units = [("0101", "东城县"), ("0102", "西山区"), ("0103", "南湖县")]
    rows = daily_export(units, dt.date(2023, 10, 21), 14)  # Sat 21 Oct .. Fri 3 Nov
    result = pipeline.check_file(db, "日报.xlsx", xlsx(rows))
    assert [(r["unit_code"], r["report_date"], r["values"]["problems_found"])
            for r in result.accepted] == [
        ("0101", OCT27, 16), ("0102", OCT27, 16), ("0103", OCT27, 16),
        ("0101", NOV03, 23), ("0102", NOV03, 23), ("0103", NOV03, 23),
    ]  # fmt: skip
    assert codes(result) == [(None, "earlier_days")]  # said once for the file
    assert "36 行（3 个单位）" in result.problems[0].message
    assert result.status == "checked"


def test_the_same_unit_twice_on_the_same_day_stays_an_error(db: Engine) -> None:
    rows = daily_export([("0101", "东城县"), ("0102", "西山区")], dt.date(2023, 10, 25), 3)
    rows.append(["0101", "东城县", dt.date(2023, 10, 27), 20, 1])  # 27 Oct again
    result = pipeline.check_file(db, "日报.xlsx", xlsx(rows))
    assert codes(result) == [(6, "duplicate_unit"), (8, "duplicate_unit"), (None, "earlier_days")]
    assert taken(result) == {"0102": {"problems_found": 12, "problems_closed": 2}}


def test_the_200000_row_daily_export_imports(engine: Engine) -> None:
    """Issue 11: one row per unit per day, 2,000 units × 100 days, was 200,000 errors."""
    registry = [("01", "示范市", None, "党政机关", "", 1)]
    registry += [(f"01{i:04d}", f"单位{i}", "01", "党政机关", "", 2) for i in range(2_000)]
    seed_registry(engine, registry)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("日报")
    ws.append(["单位编码", "单位名称", "日期", "检视问题数", "已整改销号问题数"])
    for d in range(100):
        day = dt.datetime(2023, 9, 1) + dt.timedelta(days=d)
        for i in range(2_000):
            ws.append([f"01{i:04d}", f"单位{i}", day, 10 + d, d])
    out = io.BytesIO()
    wb.save(out)
    result = pipeline.import_file(engine, "日报.xlsx", out.getvalue())
    assert result.status == "imported"
    assert len(result.accepted) == 2_000 * 16  # 1 Sep .. 9 Dec 2023: 16 report Fridays
    assert codes(result) == [(None, "earlier_days")]
    assert "168,000 行（2,000 个单位）" in result.problems[0].message
    assert figure_counts(engine) == (32_000, 32_000)
    assert len(result.report_dates) == 16 and result.report_dates[-1] == dt.date(2023, 12, 15)


def test_the_returned_summary_orders_by_row_and_words_a_whole_file_error(db: Engine) -> None:
    rows = [
        ["截至2023年10月27日"],
        ["单位名称", "检视问题数", "已整改销号问题数", "读书班期数", "举办读书班期数"],
        ["东城县", 5, 6, 1, 1],
        ["北岭县", 5, 1, 1, 1],
    ]
    content = xlsx(rows)
    result = pipeline.check_file(db, "东城县.xlsx", content)
    assert result.status == "rejected"
    notes = openpyxl.load_workbook(io.BytesIO(annotate(result, content)))["退回说明"]
    assert notes["A2"].value.startswith("本文件整体未能入库：“举办读书班期数”列与“读书班期数”列")
    assert "标红的行" not in notes["A2"].value
    summary = list(notes.iter_rows(min_row=5, values_only=True))
    assert [(r[0], r[1], r[2]) for r in summary] == [
        ("周报", 2, None),  # the column error, at the header row
        ("周报", 3, "东城县"),
        ("周报", 4, "北岭县"),
    ]


def test_rows_held_back_are_not_stored_and_listed_in_the_returned_table(anydb: Engine) -> None:
    rows = template_return([("0101", "东城县", figs(1)), ("0102", "西山区", figs(2))])
    content = xlsx(rows)
    result = pipeline.check_file(anydb, "周报.xlsx", content)
    held = pipeline.hold_back(result, {("周报", 5)}, {"0102": "西山区"})
    assert [r["unit_code"] for r in held.accepted] == ["0101"] and held.status == "checked"
    assert [(p.row, p.code, p.severity, p.unit) for p in held.problems] == [
        (5, "held_back", "error", "西山区")
    ]
    assert result.problems == [] and len(result.accepted) == 2  # the checked result unchanged
    stored = pipeline.store_result(anydb, held, content)
    assert stored.status == "imported" and figure_counts(anydb) == (1, 1)
    notes = openpyxl.load_workbook(io.BytesIO(annotate(held, content)))["退回说明"]
    assert list(notes.iter_rows(min_row=5, values_only=True))[0][:3] == ("周报", 5, "西山区")
    # 导入记录 makes the table again from the archived bytes and the stored problems
    log = returns_repo.list_imports(anydb)
    stored_problems = returns_repo.import_problems(anydb, int(log["id"].iloc[0]))
    again = pipeline.check_again(anydb, "周报.xlsx", content, OCT27, stored_problems)
    assert [(p.row, p.code) for p in again.problems] == [(5, "held_back")]
    everything = pipeline.hold_back(result, {("周报", 4), ("周报", 5)})
    assert everything.status == "rejected" and everything.accepted == []


def test_hidden_sheets_and_every_report_week_are_named(db: Engine) -> None:
    rows = [
        ["单位名称", "统计截止日期", "读书班期数"],
        ["东城县", dt.date(2023, 10, 27), 1],
        ["东城县", dt.date(2023, 11, 3), 2],
    ]
    hidden = template_return([("0102", "西山区", figs(1))])
    result = pipeline.check_file(
        db, "两周.xlsx", xlsx(rows, extra_sheets=[("旧表", hidden, "hidden")])
    )
    assert result.hidden_sheets == ["旧表"] and result.sheets == ["周报"]
    assert result.report_dates == [OCT27, NOV03]
    frame = import_tables.problems_frame(result)
    assert list(frame.columns) == ["工作表", "行", "单位", "列", "值", "级别", "问题"]


def test_a_scoped_users_rows_outside_its_subtree_are_refused(db: Engine) -> None:
    rows = template_return([("0101", "东城县", figs(1)), ("0102", "西山区", figs(2))])
    result = pipeline.check_file(db, "两县.xlsx", xlsx(rows))
    names = {"0101": "东城县", "0102": "西山区"}
    limited = pipeline.keep_inside(result, {"0101", "010101", "010102"}, "东城县", names)
    assert [row["unit_code"] for row in limited.accepted] == ["0101"]
    refused = [p for p in limited.problems if p.code == pipeline.OUTSIDE_SCOPE]
    assert len(refused) == 1 and "西山区" in refused[0].message and "东城县" in refused[0].message
    only_outside = pipeline.keep_inside(result, {"0103"}, "南湖县")
    assert only_outside.status == "rejected" and not only_outside.accepted
