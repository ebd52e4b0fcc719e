"""The 简报 as a Word document in the layout of an official briefing (GB/T 9704 margins).

Masthead in red with the issue number, issuing office and date over a red rule, the
article title, numbered sections in plain language, the key charts with captions, and a
table of lagging units.  Chinese fonts are set on every run AND as ``w:eastAsia`` (Word
otherwise falls back to a Latin font for Chinese text), also on the Normal, heading and
caption styles.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor
from docx.styles.style import BaseStyle
from docx.table import _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from dashboard.export.document import BriefingDoc, Fonts
from dashboard.export.images import png_size

RED = RGBColor(0xC0, 0x00, 0x00)
BODY_PT = 16  # 三号
TITLE_PT = 22  # 二号
MASTHEAD_PT = 30
TABLE_PT = 11
LINE_PT = 28  # fixed line spacing of an official document
PICTURE_WIDTH = Cm(15.5)
PICTURE_MAX_HEIGHT = Cm(13)

# Schema order of the property elements we add (WordprocessingML; Word rejects other orders).
PPR_SEQ = (
    "w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr",
    "w:widowControl", "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs",
    "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct",
    "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
    "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap",
    "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl",
    "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)  # fmt: skip
TRPR_SEQ = (
    "w:cnfStyle", "w:divId", "w:gridBefore", "w:gridAfter", "w:wBefore", "w:wAfter",
    "w:cantSplit", "w:trHeight", "w:tblHeader", "w:tblCellSpacing", "w:jc", "w:hidden",
    "w:ins", "w:del", "w:trPrChange",
)  # fmt: skip
TCPR_SEQ = (
    "w:cnfStyle", "w:tcW", "w:gridSpan", "w:hMerge", "w:vMerge", "w:tcBorders", "w:shd",
    "w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark",
    "w:headers", "w:cellIns", "w:cellDel", "w:cellMerge", "w:tcPrChange",
)  # fmt: skip


def _after(seq: tuple[str, ...], tag: str) -> tuple[str, ...]:
    return seq[seq.index(tag) + 1 :]


def _set_east_asian(element_rpr_parent, name: str) -> None:  # type: ignore[no-untyped-def]
    rpr = element_rpr_parent.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), name)


def _font_run(run: Run, name: str, size: float, bold: bool = False, colour=None) -> Run:  # type: ignore[no-untyped-def]
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    if colour is not None:
        run.font.color.rgb = colour
    _set_east_asian(run._element, name)
    return run


def _style_font(style: BaseStyle, name: str, size: float, bold: bool = False) -> None:
    style.font.name = name  # type: ignore[attr-defined]
    style.font.size = Pt(size)  # type: ignore[attr-defined]
    style.font.bold = bold  # type: ignore[attr-defined]
    style.font.color.rgb = RGBColor(0, 0, 0)  # type: ignore[attr-defined]
    _set_east_asian(style.element, name)


def _spacing(
    paragraph: Paragraph, before: float = 0, after: float = 0, fixed: float | None = LINE_PT
) -> None:
    fmt = paragraph.paragraph_format
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    if fixed is not None:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(fixed)


def _bottom_border(paragraph: Paragraph, colour: str = "C00000", size: int = 12) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "single")
    bottom.set(qn("w:sz"), str(size))
    bottom.set(qn("w:space"), "4")
    bottom.set(qn("w:color"), colour)
    borders.append(bottom)
    # schema order matters to Word: pBdr goes before shd, tabs, spacing, ind, jc …
    ppr.insert_element_before(borders, *_after(PPR_SEQ, "w:pBdr"))


def _page_number_footer(document, fonts: Fonts) -> None:  # type: ignore[no-untyped-def]
    """ "— 1 —" centred at the foot of every page, as official documents number pages."""
    footer = document.sections[0].footer
    paragraph = footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font_run(paragraph.add_run("— "), fonts.body, 14)
    run = _font_run(paragraph.add_run(), fonts.body, 14)
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._r.append(fld)
        else:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
    _font_run(paragraph.add_run(" —"), fonts.body, 14)


def _setup(document, fonts: Fonts) -> None:  # type: ignore[no-untyped-def]
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    styles = document.styles
    _style_font(styles["Normal"], fonts.body, BODY_PT)
    for level in (1, 2, 3):
        _style_font(styles[f"Heading {level}"], fonts.heading, BODY_PT, bold=False)
    _style_font(styles["Title"], fonts.title, TITLE_PT)
    _style_font(styles["Caption"], fonts.caption, 12)
    _page_number_footer(document, fonts)


def _masthead(document, doc: BriefingDoc) -> None:  # type: ignore[no-untyped-def]
    fonts = doc.fonts
    head = document.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _spacing(head, before=6, after=18, fixed=None)
    _font_run(head.add_run(doc.masthead), fonts.title, MASTHEAD_PT, colour=RED)
    document.core_properties.title = doc.masthead
    document.core_properties.author = doc.office

    line = document.add_paragraph()
    _spacing(line, after=24, fixed=None)
    width = Mm(210 - 28 - 26)
    line.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
    _font_run(line.add_run(doc.office), fonts.body, BODY_PT)
    _font_run(line.add_run("\t" + doc.date_text), fonts.body, BODY_PT)
    _bottom_border(line)


def _title(document, doc: BriefingDoc) -> None:  # type: ignore[no-untyped-def]
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _spacing(title, before=12, after=12, fixed=None)
    _font_run(title.add_run(doc.heading), doc.fonts.title, TITLE_PT)


def _body(document, text: str, fonts: Fonts):  # type: ignore[no-untyped-def]
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _spacing(paragraph)
    _font_run(paragraph.add_run(text), fonts.body, BODY_PT)
    return paragraph


def _heading(document, text: str, fonts: Fonts) -> None:  # type: ignore[no-untyped-def]
    paragraph = document.add_paragraph(style="Heading 1")
    paragraph.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
    paragraph.paragraph_format.keep_with_next = True
    _spacing(paragraph)
    _font_run(paragraph.add_run(text), fonts.heading, BODY_PT)


def _figure(document, number: int, caption: str, png: bytes, fonts: Fonts) -> None:  # type: ignore[no-untyped-def]
    holder = document.add_paragraph()
    holder.alignment = WD_ALIGN_PARAGRAPH.CENTER
    holder.paragraph_format.keep_with_next = True
    _spacing(holder, before=6, fixed=None)
    width_px, height_px = png_size(png)
    if PICTURE_WIDTH * height_px / width_px > PICTURE_MAX_HEIGHT:  # a tall chart: cap its height
        holder.add_run().add_picture(io.BytesIO(png), height=PICTURE_MAX_HEIGHT)
    else:
        holder.add_run().add_picture(io.BytesIO(png), width=PICTURE_WIDTH)
    cap = document.add_paragraph(style="Caption")
    cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _spacing(cap, after=6, fixed=None)
    _font_run(cap.add_run(f"图{number}　{caption}"), fonts.caption, 12)


def _cell_text(
    cell: _Cell, text: str, fonts: Fonts, bold: bool = False, centre: bool = False
) -> None:
    cell.text = ""
    paragraph = cell.paragraphs[0]
    if centre:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _spacing(paragraph, fixed=None)
    _font_run(paragraph.add_run(text), fonts.heading if bold else fonts.body, TABLE_PT)


def _shade(cell: _Cell, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.insert_element_before(shd, *_after(TCPR_SEQ, "w:shd"))


def _lagging_table(document, doc: BriefingDoc) -> None:  # type: ignore[no-untyped-def]
    frame = doc.lagging_table
    caption = document.add_paragraph()
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.paragraph_format.keep_with_next = True
    _spacing(caption, before=12, after=6, fixed=None)
    _font_run(caption.add_run("附表　落后单位及原因"), doc.fonts.heading, 14)
    table = document.add_table(rows=1, cols=len(frame.columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for cell, name in zip(table.rows[0].cells, frame.columns, strict=True):
        _cell_text(cell, str(name), doc.fonts, bold=True, centre=True)
        _shade(cell, "F2DCDB")
    for values in frame.itertuples(index=False):
        cells = table.add_row().cells
        for i, (cell, value) in enumerate(zip(cells, values, strict=True)):
            _cell_text(cell, "" if value is None else str(value), doc.fonts, centre=i == 0)
    widths = [Cm(1.2), Cm(3.6), Cm(1.6), Cm(3.0), Cm(6.2)][: len(frame.columns)]
    for index, row in enumerate(table.rows):
        # rows never split across pages; the header row repeats on every page
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.insert_element_before(OxmlElement("w:cantSplit"), *_after(TRPR_SEQ, "w:cantSplit"))
        if index == 0:
            tr_pr.insert_element_before(
                OxmlElement("w:tblHeader"), *_after(TRPR_SEQ, "w:tblHeader")
            )
    for column, width in zip(table.columns, widths, strict=False):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=False):
            cell.width = width


def write_docx(doc: BriefingDoc, pngs: Mapping[str, bytes]) -> bytes:
    """The Word file; ``pngs`` maps each chart's name to its PNG (charts without one are skipped)."""
    document = Document()
    _setup(document, doc.fonts)
    _masthead(document, doc)
    _title(document, doc)
    if doc.lead:
        _body(document, doc.lead, doc.fonts)
    charts = [chart for chart in doc.charts if chart.name in pngs]
    placed: set[str] = set()
    number = 0
    for section in doc.sections:
        _heading(document, section.heading, doc.fonts)
        for text in section.paragraphs:
            _body(document, text, doc.fonts)
        for chart in charts:
            if chart.section == section.key:
                number += 1
                _figure(document, number, chart.caption, pngs[chart.name], doc.fonts)
                placed.add(chart.name)
    for chart in charts:
        if chart.name not in placed:
            number += 1
            _figure(document, number, chart.caption, pngs[chart.name], doc.fonts)
    if len(doc.lagging_table):
        _lagging_table(document, doc)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
