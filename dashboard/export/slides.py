"""The 简报 as a 16:9 PowerPoint: a title slide, then one finding per slide.

Each finding slide carries a headline sentence and its chart.  Bar and line figures become
native PowerPoint charts (editable in PowerPoint, data in the embedded sheet); any other
figure is placed as a PNG.  Every text run gets the latin font AND an ``a:ea`` typeface so
Chinese renders in the chosen font.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import SupportsFloat

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from lxml import etree
from pptx import Presentation
from pptx.chart.chart import Chart
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import (
    XL_CHART_TYPE,
    XL_LEGEND_POSITION,
    XL_TICK_LABEL_POSITION,
)
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.oxml.xmlchemy import BaseOxmlElement
from pptx.presentation import Presentation as PptxPresentation
from pptx.shapes.autoshape import Shape
from pptx.slide import Slide
from pptx.util import Emu, Inches, Pt

from dashboard.export import images, measure, theme
from dashboard.export.document import BriefingDoc, Fonts

__all__ = [
    "CELL_MARGIN_X",
    "CELL_MARGIN_Y",
    "DARK",
    "HEADLINE_SIZES",
    "LINE_EM",
    "MARGIN",
    "MUTED",
    "RED",
    "SLIDE_H",
    "SLIDE_W",
    "TABLE_BOTTOM_GAP",
    "TABLE_PT",
    "TABLE_TOP",
    "WHITE",
    "NativeChart",
    "column_widths",
    "headline_size",
    "native_chart",
    "needs_image",
    "row_height",
    "table_pages",
    "write_pptx",
]

SLIDE_W, SLIDE_H = Inches(13.333), Inches(7.5)
RED = RGBColor(0xB7, 0x28, 0x2E)
DARK = RGBColor(0x1F, 0x1F, 0x1F)
MUTED = RGBColor(0x6B, 0x6B, 0x6B)
WHITE = RGBColor(0xFF, 0xFF, 0xFF)
MARGIN = Inches(0.6)


@dataclass
class NativeChart:
    """A plotly bar/line figure restated as category chart data."""

    kind: XL_CHART_TYPE
    categories: list[str]
    series: list[tuple[str, list[float | None]]]
    colours: list[list[str] | str | None]  # per series: one colour, per-point colours or None
    percent: bool  # values are fractions shown as percentages (tickformat "%")
    percent_points: bool = False  # values are already 0–100 percentages (axis title "（%）")
    reverse: bool = False  # the figure lists categories top-down (data flipped to match)
    value_range: tuple[float, float] | None = None  # the figure's fixed value-axis range
    hidden: tuple[int, ...] = ()  # series left out of the legend (repeats of a named group)


def _values(raw: object) -> list[object]:
    if raw is None:
        return []
    return list(np.asarray(raw, dtype=object).tolist())


def _number(value: object) -> float | None:
    if not isinstance(value, SupportsFloat | str):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(number) else number


def native_chart(fig: go.Figure) -> NativeChart | None:
    """The figure as native chart data, or None when PowerPoint has no matching type."""
    traces = list(fig.data)
    if not traces:
        return None
    kinds = {t.type for t in traces}
    if kinds == {"bar"}:
        horizontal = all(t.orientation == "h" for t in traces)
        stacked = fig.layout.barmode in ("stack", "relative")
        if horizontal:
            kind = XL_CHART_TYPE.BAR_STACKED if stacked else XL_CHART_TYPE.BAR_CLUSTERED
        else:
            kind = XL_CHART_TYPE.COLUMN_STACKED if stacked else XL_CHART_TYPE.COLUMN_CLUSTERED
    elif kinds == {"scatter"} and all("lines" in (t.mode or "lines") for t in traces):
        horizontal = False
        kind = XL_CHART_TYPE.LINE_MARKERS
    else:
        return None
    axis = fig.layout.xaxis if horizontal else fig.layout.yaxis
    categories: list[str] = []
    per_trace: list[dict[str, float | None]] = []
    for trace in traces:
        cats = _values(trace.y if horizontal else trace.x)
        vals = _values(trace.x if horizontal else trace.y)
        if not cats or len(cats) != len(vals):
            return None
        mapping: dict[str, float | None] = {}
        for cat, val in zip(cats, vals, strict=True):
            key = _plain(cat)
            if key not in categories:
                categories.append(key)
            mapping[key] = _number(val)
        per_trace.append(mapping)
    series = [
        (_plain(t.name) or f"系列{i + 1}", [m.get(c) for c in categories])
        for i, (t, m) in enumerate(zip(traces, per_trace, strict=True))
    ]
    hidden = tuple(i for i, t in enumerate(traces) if t.showlegend is False)
    colours: list[list[str] | str | None] = []
    for trace in traces:
        colour = trace.marker.color if trace.type == "bar" else trace.line.color
        if isinstance(colour, str):
            colours.append(colour)
        elif colour is not None and all(isinstance(c, str) for c in _values(colour)):
            colours.append([str(c) for c in _values(colour)])
        else:
            colours.append(None)
    percent = "%" in str(axis.tickformat or "")
    axis_title = str(axis.title.text or "")
    percent_points = not percent and ("%" in axis_title or "％" in axis_title)
    # plotly and PowerPoint both draw the first category at the bottom of a horizontal bar
    # chart; a reversed plotly axis has to be reversed in PowerPoint too.
    category_axis = fig.layout.yaxis if horizontal else fig.layout.xaxis
    reverse = category_axis.autorange == "reversed"
    if reverse:
        # Reversing PowerPoint's axis would move the value axis to the top: flip the data.
        categories = categories[::-1]
        series = [(name, values[::-1]) for name, values in series]
        colours = [c[::-1] if isinstance(c, list) else c for c in colours]
    fixed = axis.range
    value_range = (float(fixed[0]), float(fixed[1])) if fixed and len(fixed) == 2 else None
    return NativeChart(
        kind, categories, series, colours, percent, percent_points, reverse, value_range, hidden
    )


def _plain(text: object) -> str:
    """A plotly label as plain text: the ``<br>`` of a wrapped label dropped (PowerPoint
    wraps by itself)."""
    return "" if text is None else str(text).replace("<br>", "")


def _series_rgb(colour: object, default: str) -> RGBColor:
    """The series colour the figure asked for, or the palette's when it is not a plain colour."""
    rgb = _rgb(colour) if isinstance(colour, str) else None
    fallback = _rgb(default)
    assert fallback is not None
    return rgb or fallback


def _rgb(colour: str) -> RGBColor | None:
    text = colour.strip()
    if text.startswith("#") and len(text) == 4:  # #abc shorthand
        text = "#" + "".join(ch * 2 for ch in text[1:])
    if text.startswith("#") and len(text) == 7:
        return RGBColor.from_string(text[1:].upper())
    if text.startswith("rgb"):
        parts = text[text.index("(") + 1 : text.index(")")].split(",")[:3]
        return RGBColor(*(int(float(p)) for p in parts))
    return None


def _ea_font(run_or_font_rpr: BaseOxmlElement, name: str) -> None:
    """Add latin + east-Asian typefaces to an ``a:rPr``/``a:defRPr`` element."""
    for tag in ("a:latin", "a:ea", "a:cs"):
        existing = run_or_font_rpr.find(qn(tag))
        if existing is not None:
            run_or_font_rpr.remove(existing)
    for tag in ("a:latin", "a:ea", "a:cs"):
        element = etree.SubElement(run_or_font_rpr, qn(tag))
        element.set("typeface", name)


def _text(
    slide: Slide,
    text: str,
    box: tuple[int, int, int, int],
    font: str,
    size: float,
    *,
    bold: bool = False,
    colour: RGBColor = DARK,
    align: PP_ALIGN = PP_ALIGN.LEFT,
    anchor: MSO_ANCHOR = MSO_ANCHOR.TOP,
    space_after: float = 0,
) -> Shape:
    shape = slide.shapes.add_textbox(*map(Emu, box))
    frame = shape.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = anchor
    for i, line in enumerate(text.split("\n")):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.alignment = align
        paragraph.space_after = Pt(space_after)
        run = paragraph.add_run()
        run.text = line
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.color.rgb = colour
        run.font.name = font
        _ea_font(run._r.get_or_add_rPr(), font)
    return shape


def _bar(slide: Slide, top: int, height: int, colour: RGBColor) -> None:
    shape = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Emu(0), Emu(top), SLIDE_W, Emu(height))
    shape.fill.solid()
    shape.fill.fore_color.rgb = colour
    shape.line.fill.background()


def _title_slide(prs: PptxPresentation, doc: BriefingDoc) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _bar(slide, 0, Inches(0.35), RED)
    _text(
        slide,
        doc.masthead,
        (MARGIN, Inches(2.0), SLIDE_W - 2 * MARGIN, Inches(1.3)),
        doc.fonts.title,
        44,
        colour=RED,
        align=PP_ALIGN.CENTER,
        anchor=MSO_ANCHOR.MIDDLE,
    )
    _text(
        slide,
        doc.heading,
        (MARGIN, Inches(3.4), SLIDE_W - 2 * MARGIN, Inches(0.9)),
        doc.fonts.title,
        28,
        align=PP_ALIGN.CENTER,
    )
    _text(
        slide,
        f"{doc.office}\n{doc.date_text}",
        (MARGIN, Inches(5.1), SLIDE_W - 2 * MARGIN, Inches(1.0)),
        doc.fonts.body,
        20,
        colour=MUTED,
        align=PP_ALIGN.CENTER,
    )
    _bar(slide, SLIDE_H - Inches(0.12), Inches(0.12), RED)


HEADLINE_SIZES = (24, 20, 18, 16)


def headline_size(text: str) -> int:
    """The largest headline size at which ``text`` takes at most two lines of the slide's
    width (measured, bold), so a headline naming long units stays above its chart."""
    width = (SLIDE_W - 2 * MARGIN - 2 * Inches(0.1)) / Pt(1) * 0.97
    for size in HEADLINE_SIZES:
        if len(measure.wrap(text, width, size, measure.SANS)) <= 2:
            return size
    return HEADLINE_SIZES[-1]


def _finding_frame(
    prs: PptxPresentation, doc: BriefingDoc, number: int, headline: str, caption: str
) -> Slide:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _bar(slide, 0, Inches(0.12), RED)
    _text(
        slide,
        headline,
        (MARGIN, Inches(0.3), SLIDE_W - 2 * MARGIN, Inches(1.2)),
        doc.fonts.heading,
        headline_size(headline),
        bold=True,
        anchor=MSO_ANCHOR.MIDDLE,
    )
    _text(
        slide,
        f"图{number}　{caption}　|　{doc.office}　{doc.date_text}",
        (MARGIN, SLIDE_H - Inches(0.6), SLIDE_W - 2 * MARGIN, Inches(0.4)),
        doc.fonts.body,
        12,
        colour=MUTED,
    )
    return slide


def _style_chart_text(chart: Chart, fonts: Fonts) -> None:
    chart.font.size = Pt(12)
    chart.font.name = fonts.heading
    text_pr = chart._chartSpace.find(qn("c:txPr"))
    if text_pr is not None:
        for def_rpr in text_pr.iter(qn("a:defRPr")):
            _ea_font(def_rpr, fonts.heading)


def _add_native(
    slide: Slide, data: NativeChart, box: tuple[int, int, int, int], fonts: Fonts
) -> None:
    whole = all(v is None or float(v).is_integer() for _, vals in data.series for v in vals)
    plain = "#,##0" if whole else "#,##0.0"
    label_format = "0.0%" if data.percent else ('0.0"%"' if data.percent_points else plain)
    chart_data = CategoryChartData(number_format="0.0%" if data.percent else "General")
    chart_data.categories = data.categories
    for name, values in data.series:
        chart_data.add_series(name, values)
    # python-pptx declares add_chart as returning a Chart (it returns the GraphicFrame that
    # holds it) and as taking only its ChartData base class: its annotations are wrong here.
    x, y, cx, cy = map(Emu, box)
    frame = slide.shapes.add_chart(data.kind, x, y, cx, cy, chart_data)  # type: ignore[arg-type]
    chart = frame.chart  # type: ignore[attr-defined]
    chart.has_title = False
    chart.has_legend = len(data.series) > 1
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
        _hide_legend_entries(chart, data.hidden)
    plot = chart.plots[0]
    if data.kind != XL_CHART_TYPE.LINE_MARKERS:
        plot.gap_width = 60
        plot.has_data_labels = True
        labels = plot.data_labels
        labels.number_format = label_format
        labels.number_format_is_linked = False
        labels.font.size = Pt(11)
    value_axis = chart.value_axis
    value_axis.has_major_gridlines = True
    value_axis.major_gridlines.format.line.color.rgb = RGBColor(0xE6, 0xE6, 0xE6)
    value_axis.tick_labels.number_format = (
        "0%" if data.percent else ('0"%"' if data.percent_points else "#,##0")
    )
    value_axis.tick_labels.number_format_is_linked = False
    value_axis.format.line.fill.background()
    if data.value_range is not None:
        value_axis.minimum_scale, value_axis.maximum_scale = data.value_range
    elif data.kind != XL_CHART_TYPE.LINE_MARKERS:
        value_axis.minimum_scale = 0  # bars start at zero, as on the board
        if data.percent:
            value_axis.maximum_scale = 1
    chart.category_axis.tick_label_position = XL_TICK_LABEL_POSITION.LOW
    chart.category_axis.format.line.color.rgb = RGBColor(0xBF, 0xBF, 0xBF)
    for index, (series, colour) in enumerate(zip(plot.series, data.colours, strict=True)):
        default = theme.colour(index)
        fill = series.format.line if data.kind == XL_CHART_TYPE.LINE_MARKERS else series.format.fill
        if data.kind == XL_CHART_TYPE.LINE_MARKERS:
            fill.color.rgb = _series_rgb(colour, default)
            fill.width = Pt(2.5)
            continue
        fill.solid()
        fill.fore_color.rgb = _series_rgb(colour, default)
        if isinstance(colour, list):
            for point_index, point_colour in enumerate(colour[: len(data.categories)]):
                rgb = _rgb(point_colour)
                if rgb is not None:
                    point_fill = series.points[point_index].format.fill
                    point_fill.solid()
                    point_fill.fore_color.rgb = rgb
    _style_chart_text(chart, fonts)


def _hide_legend_entries(chart: Chart, indices: Sequence[int]) -> None:
    """Leave repeated series (the figure's ``showlegend=False`` traces) out of the legend, so
    it lists each named series once."""
    legend = chart.legend._element
    position = legend.find(qn("c:legendPos"))
    for index in sorted(indices, reverse=True):
        entry = etree.SubElement(legend, qn("c:legendEntry"))
        idx = etree.SubElement(entry, qn("c:idx"))
        idx.set("val", str(index))
        delete = etree.SubElement(entry, qn("c:delete"))
        delete.set("val", "1")
        legend.remove(entry)
        if position is not None:
            position.addnext(entry)
        else:
            legend.insert(0, entry)


def _add_picture(
    slide: Slide, fig: go.Figure, png: bytes | None, box: tuple[int, int, int, int]
) -> None:
    left, top, width, height = box
    data = png if png is not None else images.to_png(fig, scale=2)
    pw, ph = images.png_size(data)
    scale = min(width / pw, height / ph)
    w, h = int(pw * scale), int(ph * scale)
    slide.shapes.add_picture(
        io.BytesIO(data),
        Emu(left + (width - w) // 2),
        Emu(top + (height - h) // 2),
        Emu(w),
        Emu(h),
    )


def _summary_slide(prs: PptxPresentation, doc: BriefingDoc) -> None:
    """The written summary: each section's first paragraph, for the opening of the meeting."""
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _bar(slide, 0, Inches(0.12), RED)
    _text(
        slide,
        "本期概况",
        (MARGIN, Inches(0.3), SLIDE_W - 2 * MARGIN, Inches(0.9)),
        doc.fonts.heading,
        28,
        bold=True,
        anchor=MSO_ANCHOR.MIDDLE,
    )
    lines = [
        f"{s.heading.split('、', 1)[-1]}：{s.paragraphs[0]}" for s in doc.sections if s.paragraphs
    ]
    _text(
        slide,
        "\n".join(lines),
        (MARGIN, Inches(1.4), SLIDE_W - 2 * MARGIN, SLIDE_H - Inches(2.0)),
        doc.fonts.body,
        20,
        space_after=14,
    )


TABLE_PT = 13  # text size in the lagging table
TABLE_TOP = Inches(1.4)
TABLE_BOTTOM_GAP = Inches(0.45)
CELL_MARGIN_X = Inches(0.1)  # PowerPoint's default cell margins
CELL_MARGIN_Y = Inches(0.05)
LINE_EM = 1.45  # line height per em: Noto CJK's (the tallest of the fonts it may be shown in)


def column_widths(frame: pd.DataFrame) -> list[int]:
    """Column widths (EMU) across the slide, measured from the table's text."""
    columns = [[str(c), *(str(v) for v in frame[c])] for c in frame.columns]
    total = (SLIDE_W - 2 * MARGIN) / Pt(1)
    pad = 2 * CELL_MARGIN_X / Pt(1) + 4
    widths = measure.fit_columns(columns, total, TABLE_PT, pad)
    return [int(Pt(w)) for w in widths]


def row_height(values: Sequence[str], widths: Sequence[int], size: float = TABLE_PT) -> int:
    """A table row's height (EMU) as its tallest cell wraps: each cell's text measured line by
    line in the column's width, less the cell margins."""
    lines = 1
    for text, width in zip(values, widths, strict=False):
        usable = (width - 2 * CELL_MARGIN_X) / Pt(1) * 0.97  # pt, a little in hand
        lines = max(lines, len(measure.wrap(str(text), usable, size, measure.SERIF)))
    return int(Pt(lines * size * LINE_EM) + 2 * CELL_MARGIN_Y)


def _fill(heights: Sequence[int], header: int, limit: int) -> list[tuple[int, int]]:
    pages: list[tuple[int, int]] = []
    start, used = 0, header
    for index, height in enumerate(heights):
        if index > start and used + height > limit:
            pages.append((start, index))
            start, used = index, header
        used += height
    if start < len(heights):
        pages.append((start, len(heights)))
    return pages


def table_pages(frame: pd.DataFrame, available: int) -> list[tuple[int, int]]:
    """Row ranges (start, stop) of the table per slide: rows by their measured heights under
    the header in ``available`` EMU, on as few slides as they need and spread evenly over
    them (no last slide with two rows)."""
    widths = column_widths(frame)
    header = row_height([str(c) for c in frame.columns], widths)
    heights = [row_height(row, widths) for row in frame.astype(str).values.tolist()]
    pages = _fill(heights, header, available)
    low, high = header + max(heights, default=0), available
    while low < high:  # the smallest page height that still needs no more slides
        middle = (low + high) // 2
        if len(_fill(heights, header, middle)) <= len(pages):
            high = middle
        else:
            low = middle + 1
    return _fill(heights, header, high)


def _table_slides(prs: PptxPresentation, doc: BriefingDoc) -> None:
    """落后单位及原因 over as many slides as the rows' measured heights need."""
    frame = doc.lagging_table.astype(str)
    available = SLIDE_H - TABLE_TOP - TABLE_BOTTOM_GAP
    pages = table_pages(frame, available)
    widths = column_widths(frame)
    for start, stop in pages:
        part = frame.iloc[start:stop]
        slide = prs.slides.add_slide(prs.slide_layouts[6])
        _bar(slide, 0, Inches(0.12), RED)
        suffix = f"（{start + 1}–{stop}）" if len(pages) > 1 else ""
        _text(
            slide,
            f"落后单位及原因{suffix}",
            (MARGIN, Inches(0.3), SLIDE_W - 2 * MARGIN, Inches(0.9)),
            doc.fonts.heading,
            24,
            bold=True,
            anchor=MSO_ANCHOR.MIDDLE,
        )
        rows = [list(frame.columns), *part.values.tolist()]
        heights = [row_height([str(v) for v in values], widths) for values in rows]
        shape = slide.shapes.add_table(
            len(rows), len(frame.columns), MARGIN, TABLE_TOP, SLIDE_W - 2 * MARGIN, sum(heights)
        )
        table = shape.table
        for i, width in enumerate(widths):
            table.columns[i].width = width
        for r, values in enumerate(rows):
            table.rows[r].height = heights[r]
            for c, value in enumerate(values):
                cell = table.cell(r, c)
                cell.text = str(value)
                cell.margin_left = cell.margin_right = CELL_MARGIN_X
                cell.margin_top = cell.margin_bottom = CELL_MARGIN_Y
                for paragraph in cell.text_frame.paragraphs:
                    for run in paragraph.runs:
                        run.font.size = Pt(TABLE_PT)
                        run.font.bold = r == 0
                        run.font.name = doc.fonts.body
                        _ea_font(run._r.get_or_add_rPr(), doc.fonts.body)
                if r == 0:
                    cell.fill.solid()
                    cell.fill.fore_color.rgb = RED


def write_pptx(
    doc: BriefingDoc, pngs: Mapping[str, bytes] | None = None, native: bool = True
) -> bytes:
    """The PowerPoint file.  ``pngs`` supplies ready images for figures that are not native."""
    pngs = pngs or {}
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H
    prs.core_properties.title = doc.masthead
    prs.core_properties.author = doc.office
    _title_slide(prs, doc)
    if doc.sections:
        _summary_slide(prs, doc)
    box = (MARGIN, Inches(1.55), SLIDE_W - 2 * MARGIN, SLIDE_H - Inches(2.3))
    for number, chart in enumerate(doc.charts, start=1):
        slide = _finding_frame(prs, doc, number, chart.headline, chart.caption)
        data = native_chart(chart.figure) if native else None
        if data is not None:
            _add_native(slide, data, box, doc.fonts)
        else:
            _add_picture(slide, chart.figure, pngs.get(chart.name), box)
    if len(doc.lagging_table):
        _table_slides(prs, doc)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


def needs_image(charts: Sequence[go.Figure]) -> list[bool]:
    """Which figures the slides would place as pictures (no native chart type)."""
    return [native_chart(fig) is None for fig in charts]
