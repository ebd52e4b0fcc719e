"""The Word briefing, opened with python-docx: title, numbers, pictures, table, fonts."""

from __future__ import annotations

import io

import pytest
from docx import Document
from docx.oxml.ns import qn

from dashboard.export import briefing
from dashboard.export.document import SECTION_KEYS

from .conftest import settings_values


@pytest.fixture(scope="module")
def docx_file() -> Document:
    from .conftest import make_report

    options = briefing.BriefingOptions.from_settings(settings_values())
    return Document(io.BytesIO(briefing.render_report(make_report(), "docx", options)))


def _texts(document: Document) -> list[str]:
    return [p.text for p in document.paragraphs]


def test_masthead_office_and_date(docx_file: Document) -> None:
    texts = _texts(docx_file)
    assert texts[0:2] == ["主题教育工作简报", "第8期"]  # GB/T 9704 版头: name, issue
    assert texts[2] == "示范市主题教育领导小组办公室\t2023年10月27日"
    assert docx_file.core_properties.title == "主题教育工作简报（第8期）"
    assert "示范市主题教育第9周调度情况" in texts


def test_paragraphs_carry_the_known_numbers(docx_file: Document) -> None:
    body = "\n".join(_texts(docx_file))
    assert "截至10月27日，示范市应报单位9个，已报7个，报送率77.8%，较上周下降22.2个百分点。" in body
    assert "累计检视问题90个，已整改销号50个，问题销号率55.6%，本周新增销号14个" in body
    assert "读书班期数35期（本周新增16期）" in body
    assert "措施落实率71.1%（较上周提高31.1个百分点）" in body
    assert "调研报告完成率88.9%" in body
    assert "东城县（上热下冷）" in body
    assert "落后单位2个，其中未报送2个" in body


def test_numbers_match_the_report_findings(docx_file: Document) -> None:
    """The sentences are the ones the pages show (WeekReport.findings)."""
    from .conftest import make_report

    body = "\n".join(_texts(docx_file))
    for sentence in make_report().findings:
        assert sentence in body


def test_section_headings_in_order(docx_file: Document) -> None:
    headings = [p.text for p in docx_file.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["一、报送情况", "二、主要指标", "三、层级传导", "四、落后单位"]


def test_six_charts_with_captions(docx_file: Document) -> None:
    assert len(docx_file.inline_shapes) == 6
    captions = [p.text for p in docx_file.paragraphs if p.text.startswith("图")]
    assert captions[0].startswith("图1　截至10月27日")
    assert len(captions) == 6
    assert any("问题销号率" in c for c in captions)


def test_lagging_table_rows(docx_file: Document) -> None:
    table = docx_file.tables[0]
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0] == ["序号", "单位", "层级", "上级单位", "落后原因"]
    assert [r[1] for r in rows[1:]] == ["西一镇", "东二村"]
    assert rows[1][2] == "乡镇级" and rows[1][3] == "西山区"
    assert rows[1][4] == "未报送"


def test_chinese_fonts_set_on_runs_and_styles(docx_file: Document) -> None:
    normal = docx_file.styles["Normal"].element.rPr.rFonts
    assert normal.get(qn("w:eastAsia"))
    heading = docx_file.styles["Heading 1"].element.rPr.rFonts
    assert heading.get(qn("w:eastAsia"))
    for paragraph in docx_file.paragraphs[:8]:
        for run in paragraph.runs:
            if run.text.strip():
                assert run._element.rPr.rFonts.get(qn("w:eastAsia")) == run.font.name


def test_a4_official_margins(docx_file: Document) -> None:
    section = docx_file.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    assert round(section.top_margin.mm) == 37 and round(section.left_margin.mm) == 28


def test_sections_can_be_left_out() -> None:
    from .conftest import make_report

    options = briefing.BriefingOptions.from_settings(
        settings_values(briefing_sections=["coverage", "lagging"])
    )
    document = Document(io.BytesIO(briefing.render_report(make_report(), "docx", options)))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["一、报送情况", "二、落后单位"]
    assert len(document.inline_shapes) == 0  # "charts" not chosen
    assert len(document.tables) == 2  # the 附表 and the 版记
    assert set(options.sections) < set(SECTION_KEYS)


def test_scope_briefing_names_the_subtree() -> None:
    from .conftest import make_report

    options = briefing.BriefingOptions.from_settings(settings_values())
    doc = briefing.compose(make_report(scope="01"), options)
    assert (
        doc.sections[0]
        .paragraphs[0]
        .startswith("截至10月27日，东城县应报单位5个，已报4个，报送率80.0%")
    )
    assert list(doc.lagging_table["单位"]) == ["东二村"]


def test_property_elements_in_schema_order(docx_file: Document) -> None:
    """Word rejects out-of-order children ("unreadable content"); LibreOffice does not care."""
    from dashboard.export.word import PPR_SEQ, TBLPR_SEQ, TCPR_SEQ, TRPR_SEQ

    body = docx_file.element.body
    checked = 0
    for tag, seq in (
        ("w:pPr", PPR_SEQ),
        ("w:trPr", TRPR_SEQ),
        ("w:tcPr", TCPR_SEQ),
        ("w:tblPr", TBLPR_SEQ),
    ):
        order = {qn(t): i for i, t in enumerate(seq)}
        for element in body.iter(qn(tag)):
            positions = [order[child.tag] for child in element if child.tag in order]
            assert positions == sorted(positions), (tag, [c.tag for c in element])
            checked += 1
    assert checked > 20
