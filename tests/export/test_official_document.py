"""The Word briefing as an official document (GB/T 9704): fonts by name, 版头, 版记, words
fit for a 简报 (ties named as ties, no pointer to an Excel export, no English)."""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import pandas as pd
import pytest
from docx import Document
from docx.oxml.ns import qn
from pptx import Presentation

from dashboard.core import settings as settings_def
from dashboard.export import briefing, word

from .conftest import make_long_report, make_report, settings_values


@pytest.fixture(scope="module")
def docx_file() -> Document:
    options = briefing.BriefingOptions.from_settings(settings_values())
    return Document(io.BytesIO(briefing.render_report(make_report(), "docx", options)))


def _east_asian(element) -> str | None:  # type: ignore[no-untyped-def]
    rpr = element.rPr
    return None if rpr is None or rpr.rFonts is None else rpr.rFonts.get(qn("w:eastAsia"))


def test_docx_names_the_official_fonts_whatever_the_server_has(docx_file: Document) -> None:
    styles = docx_file.styles
    assert _east_asian(styles["Normal"].element) == "仿宋_GB2312"
    assert styles["Normal"].font.size.pt == 16  # 三号
    assert _east_asian(styles["Heading 1"].element) == "黑体"
    assert _east_asian(styles["Heading 2"].element) == "楷体_GB2312"
    assert _east_asian(styles["Caption"].element) == "楷体_GB2312"
    paragraphs = docx_file.paragraphs
    masthead = paragraphs[0].runs[0]
    assert _east_asian(masthead._element) == "方正小标宋简体"
    title = next(p for p in paragraphs if p.text == "示范市主题教育第9周调度情况")
    assert _east_asian(title.runs[0]._element) == "方正小标宋简体"
    assert title.runs[0].font.size.pt == 22  # 二号
    body = next(p for p in paragraphs if p.text.startswith("截至10月27日，示范市应报"))
    assert _east_asian(body.runs[0]._element) == "仿宋_GB2312"
    assert body.runs[0].font.size.pt == 16
    heading = next(p for p in paragraphs if p.text == "一、报送情况")
    assert _east_asian(heading.runs[0]._element) == "黑体"


def test_font_table_lists_the_fonts_with_a_substitute(docx_file: Document) -> None:
    part = next(
        r.target_part for r in docx_file.part.rels.values() if r.reltype.endswith("/fontTable")
    )
    xml = part.blob.decode("utf-8")
    for name, alt in (("仿宋_GB2312", "仿宋"), ("方正小标宋简体", "宋体"), ("楷体_GB2312", "楷体")):
        assert re.search(
            rf'<w:font w:name="{name}"><w:altName w:val="{alt}"/><w:charset w:val="86"/>', xml
        ), name


def test_masthead_in_red_with_the_issue_under_it(docx_file: Document) -> None:
    name, issue, line = docx_file.paragraphs[:3]
    assert name.text == "主题教育工作简报"
    assert str(name.runs[0].font.color.rgb) == "C00000"
    assert issue.text == "第8期"
    assert line.text == "示范市主题教育领导小组办公室\t2023年10月27日"
    assert line._p.pPr.find(qn("w:pBdr")) is not None  # the red rule


def test_colophon_lines_from_settings(docx_file: Document) -> None:
    colophon = docx_file.tables[-1]  # the 版记: a table floating at the foot of the page
    position = colophon._tbl.tblPr.find(qn("w:tblpPr"))
    assert position is not None and position.get(qn("w:tblpYSpec")) == "bottom"
    assert position.get(qn("w:vertAnchor")) == "margin"
    texts = [row.cells[0].text for row in colophon.rows]
    assert texts == [
        "报：市委主题教育领导小组组长、副组长。",
        "送：市委主题教育领导小组成员。",
        "发：各县（市、区）主题教育领导小组办公室，市直各单位。",
        "示范市主题教育领导小组办公室\t2023年10月27日印发",
    ]
    options = briefing.BriefingOptions.from_settings(
        settings_values(briefing_report_to=[], briefing_copy_to="", briefing_printer="市委办公室")
    )
    doc = briefing.compose(make_report(), options)
    assert word.colophon_lines(doc) == [
        "发：各县（市、区）主题教育领导小组办公室，市直各单位。",
        "市委办公室\t2023年10月27日印发",
    ]


def test_colophon_settings_exist_with_chinese_labels() -> None:
    for key in ("briefing_report_to", "briefing_copy_to", "briefing_send_to", "briefing_printer"):
        item = settings_def.setting(key)
        assert re.search(r"[\u4e00-\u9fff]", item.label) and re.search(
            r"[\u4e00-\u9fff]", item.help
        )
    assert settings_def.parse_value("briefing_send_to", "甲县，乙县") == ["甲县", "乙县"]


def test_no_pointer_to_an_excel_export() -> None:
    report = make_report()
    assert "Excel" not in "".join(briefing.lagging_paragraphs(report, 1, 2))
    assert "附表按严重程度列出最需督导的1个单位" in "".join(
        briefing.lagging_paragraphs(report, 1, 2)
    )


LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def test_no_english_in_the_documents(docx_file: Document) -> None:
    texts = [p.text for p in docx_file.paragraphs]
    texts += [c.text for t in docx_file.tables for row in t.rows for c in row.cells]
    assert not [t for t in texts if LATIN_WORD.search(t)]
    options = briefing.BriefingOptions.from_settings(settings_values())
    deck = Presentation(io.BytesIO(briefing.render_report(make_report(), "pptx", options)))
    shown = [
        shape.text_frame.text
        for slide in deck.slides
        for shape in slide.shapes
        if shape.has_text_frame
    ]
    assert not [t for t in shown if LATIN_WORD.search(t)]


# ---------------------------------------------------------------- ties


def _frame(values: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame({"name": list(values), "heat": list(values.values())})


def _heat(v: float) -> str:
    return f"{v:.1f}"


def test_ties_are_named_as_ties() -> None:
    one = _frame({"甲村": 3.0, "乙村": 5.0})
    assert briefing.extreme(one, "heat", _heat, "最低", "单位") == "甲村最低（3.0）"
    two = _frame({"甲村": 3.0, "乙村": 3.04, "丙村": 9.0})  # equal as the reader sees them
    assert briefing.extreme(two, "heat", _heat, "最低", "单位") == "甲村、乙村并列最低（3.0）"
    six = _frame({f"{i}村": 0.0 for i in range(6)} | {"高村": 50.0})
    assert briefing.extreme(six, "heat", _heat, "最低", "单位") == "6个单位并列最低（0.0）"
    assert briefing.extreme(six, "heat", _heat, "最高", "单位") == "高村最高（50.0）"


def test_bottom_headline_counts_tied_units() -> None:
    units = _frame({f"{i}村": 0.0 for i in range(6)} | {"高村": 50.0}).assign(code="x")
    report = SimpleNamespace(units=units)
    assert briefing.headline_bottom(report) == "热度排名靠后单位：6个单位热度为0.0，并列最低"
    lone = SimpleNamespace(units=_frame({"甲村": 1.0, "乙村": 5.0}))
    assert briefing.headline_bottom(lone) == "热度排名靠后单位：甲村热度1.0，为本范围最低"


def tied_long_report():  # type: ignore[no-untyped-def]
    """The long-named city with its two silent units tied at the bottom."""
    report = make_long_report()
    report.units.loc[report.units["code"].isin(["0201", "010102"]), "heat"] = 12.5
    return report


def test_long_city_headline_names_both_tied_units() -> None:
    headline = briefing.headline_bottom(tied_long_report())
    assert headline.endswith("并列最低") and "热度均为" in headline


def test_excel_names_the_same_fonts() -> None:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(briefing.render_report(make_report(), "xlsx")))
    sheet = book["落后单位"]
    assert sheet["A1"].font.name == "黑体"
    assert sheet["A2"].font.name == "仿宋_GB2312"


def test_page_plan_sizes_charts_between_legible_and_natural() -> None:
    """Each chart is planned at its natural height, or squeezed into the room left on its
    page but no lower than legible, or started on a new page (a page break in the file)."""
    options = briefing.BriefingOptions.from_settings(settings_values())
    doc = briefing.untitled_charts(briefing.compose(make_long_report(), options))
    plan = word.plan_figures(doc)
    assert set(plan) == {c.name for c in doc.charts}
    for chart in doc.charts:
        placed = plan[chart.name]
        assert word.least_px(chart) <= placed.height_px <= word.natural_px(chart)
    squeezed = [c for c in doc.charts if plan[c.name].height_px < word.natural_px(c)]
    assert squeezed  # the long city's charts do not all fit at their natural height
    starts = {name for name, p in plan.items() if p.new_page}
    pngs = {c.name: _tiny_png() for c in doc.charts}
    document = Document(io.BytesIO(word.write_docx(doc, pngs, starts)))
    breaks = [p for p in document.paragraphs if p.paragraph_format.page_break_before and p.runs]
    assert len(breaks) == len(starts)


def _tiny_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (76, 30), "white").save(out, format="PNG")
    return out.getvalue()


def test_text_fills_the_page_a_chart_leaves_before_the_chart(monkeypatch) -> None:
    """A chart with no legible room left starts the next page, and the text after it moves
    ahead to fill the page it leaves (whole paragraphs, a heading only with its text)."""
    options = briefing.BriefingOptions.from_settings(settings_values())
    doc = briefing.untitled_charts(briefing.compose(make_long_report(), options))
    monkeypatch.setattr(word, "least_px", lambda chart: 10_000)  # nothing squeezes
    plan = word.plan_figures(doc)
    moved = {name: p.ahead for name, p in plan.items() if p.ahead}
    assert moved  # some text went ahead of a chart
    blocks = list(word.flow(doc))
    starts = {name for name, p in plan.items() if p.new_page}
    pngs = {c.name: _tiny_png() for c in doc.charts}
    document = Document(io.BytesIO(word.write_docx(doc, pngs, starts, moved)))
    texts = [p.text for p in document.paragraphs]
    for index, block in enumerate(blocks):
        if block.kind != "figure" or block.chart is None or block.chart.name not in moved:
            continue
        caption = next(i for i, t in enumerate(texts) if t.endswith(block.chart.caption))
        for later in blocks[index + 1 : index + 1 + moved[block.chart.name]]:
            assert later.kind in ("body", "heading")
            assert texts.index(later.text) < caption
        assert blocks[index + moved[block.chart.name]].kind == "body"  # no heading left alone
