"""The PowerPoint briefing, opened with python-pptx: 16:9, headlines, native charts, fonts."""

from __future__ import annotations

import io

import plotly.graph_objects as go
import pytest
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pptx.oxml.ns import qn
from pptx.util import Inches

from dashboard.export import briefing, slides, theme

from .conftest import make_report, settings_values


@pytest.fixture(scope="module")
def deck() -> Presentation:
    options = briefing.BriefingOptions.from_settings(settings_values())
    return Presentation(io.BytesIO(briefing.render_report(make_report(), "pptx", options)))


def _slide_texts(slide) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.text_frame.text for s in slide.shapes if s.has_text_frame and s.text_frame.text]


def test_sixteen_by_nine(deck: Presentation) -> None:
    assert deck.slide_width == Inches(13.333)
    assert deck.slide_height == Inches(7.5)


def test_title_slide(deck: Presentation) -> None:
    texts = _slide_texts(deck.slides[0])
    assert "主题教育工作简报（第8期）" in texts
    assert "示范市主题教育领导小组办公室\n2023年10月27日" in texts


def test_one_finding_per_slide_with_native_charts(deck: Presentation) -> None:
    # title, summary, six findings, the lagging table
    assert len(deck.slides) == 9
    finding_slides = list(deck.slides)[2:8]
    charts = [s.chart for slide in finding_slides for s in slide.shapes if s.has_chart]
    assert len(charts) == 6
    headlines = [_slide_texts(slide)[0] for slide in finding_slides]
    assert headlines[0].startswith("示范市报送率77.8%")
    assert headlines[1].startswith("问题销号率55.6%")
    first = charts[0]
    assert first.chart_type == XL_CHART_TYPE.BAR_CLUSTERED
    # lowest on top as in the figure: PowerPoint draws the last category on top
    assert list(first.plots[0].categories) == ["东城县", "西山区"]
    values = list(first.plots[0].series[0].values)
    assert values == pytest.approx([0.8, 2 / 3])
    assert first.plots[0].data_labels.number_format == "0.0%"


def test_summary_slide_carries_the_paragraph_numbers(deck: Presentation) -> None:
    text = "\n".join(_slide_texts(deck.slides[1]))
    assert "报送率77.8%" in text and "问题销号率55.6%" in text


def test_lagging_table_slide(deck: Presentation) -> None:
    tables = [s.table for s in deck.slides[8].shapes if s.has_table]
    assert len(tables) == 1
    table = tables[0]
    assert len(table.rows) == 3
    assert table.cell(1, 1).text == "西一镇"


def test_east_asian_typeface_on_every_run(deck: Presentation) -> None:
    for slide in deck.slides:
        for shape in slide.shapes:
            if not shape.has_text_frame:
                continue
            for paragraph in shape.text_frame.paragraphs:
                for run in paragraph.runs:
                    ea = run._r.rPr.find(qn("a:ea"))
                    assert ea is not None and ea.get("typeface")


def test_unsupported_figure_becomes_a_picture() -> None:
    heat = theme.finish(go.Figure(go.Heatmap(z=[[1, 2], [3, 4]])), "热力图")
    assert slides.native_chart(heat) is None
    report = make_report()
    options = briefing.BriefingOptions.from_settings(settings_values())
    doc = briefing.compose(report, options)
    doc.charts = doc.charts[:1]
    doc.charts[0].figure = heat
    deck = Presentation(io.BytesIO(slides.write_pptx(doc)))
    pictures = [s for s in deck.slides[2].shapes if s.shape_type == 13]
    assert len(pictures) == 1


def test_native_chart_of_lines_and_percent_bars() -> None:
    lines = go.Figure(
        [
            go.Scatter(x=["县级", "乡镇级"], y=[80, 60], mode="lines+markers", name="东城县"),
            go.Scatter(x=["县级", "乡镇级"], y=[70, None], mode="lines", name="西山区"),
        ]
    )
    data = slides.native_chart(lines)
    assert data is not None and data.kind == XL_CHART_TYPE.LINE_MARKERS
    assert data.series == [("东城县", [80.0, 60.0]), ("西山区", [70.0, None])]
    bars = go.Figure(go.Bar(x=["甲", "乙"], y=[0.5, 0.25]))
    bars.update_yaxes(tickformat=".0%")
    data = slides.native_chart(bars)
    assert data is not None and data.percent and data.kind == XL_CHART_TYPE.COLUMN_CLUSTERED


RPR_SEQ = (
    "a:ln", "a:noFill", "a:solidFill", "a:gradFill", "a:blipFill", "a:pattFill", "a:grpFill",
    "a:effectLst", "a:effectDag", "a:highlight", "a:uLnTx", "a:uLn", "a:uFillTx", "a:uFill",
    "a:latin", "a:ea", "a:cs", "a:sym", "a:hlinkClick", "a:hlinkMouseOver", "a:rtl", "a:extLst",
)  # fmt: skip


def test_run_properties_in_schema_order(deck: Presentation) -> None:
    """PowerPoint repairs (or refuses) files whose a:rPr children are out of order."""
    order = {qn(t): i for i, t in enumerate(RPR_SEQ)}
    elements = []
    for slide in deck.slides:
        elements.extend(slide._element.iter(qn("a:rPr")))
        for shape in slide.shapes:
            if shape.has_chart:
                elements.extend(shape.chart._chartSpace.iter(qn("a:defRPr")))
    assert len(elements) > 20
    for element in elements:
        positions = [order[child.tag] for child in element if child.tag in order]
        assert positions == sorted(positions), [c.tag for c in element]
