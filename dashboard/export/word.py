"""The 简报 as a Word document laid out as GB/T 9704 lays out an official document.

版头: the briefing's name in red 方正小标宋, the issue, the issuing office and the date over
a red rule; 标题 in 方正小标宋 二号; 正文 in 仿宋_GB2312 三号 on 28 pt lines; level-1
headings in 黑体, level-2 and captions in 楷体_GB2312; the key charts with captions; the
table of lagging units; 版记 (报/送/发, 印发机关 and date) at the foot of the last page.  Fonts are named on
every run AND as ``w:eastAsia`` (Word otherwise falls back to a Latin font for Chinese
text), also on the styles, and listed in the font table with an ``altName`` for PCs
without them.

Charts are sized to the page: ``plan`` follows the text down the page and gives a chart the
room left on the page when its natural height does not fit but a legible one does, or takes
that room from the charts already on the page, so a chart does not jump to the next page and
leave half a page empty.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Protocol
from xml.sax.saxutils import quoteattr

import pandas as pd
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm, Length, Mm, Pt, RGBColor
from docx.styles.style import CharacterStyle
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from dashboard.export import measure
from dashboard.export.document import ALT_NAMES, BriefingDoc, ChartItem, Fonts
from dashboard.export.images import png_size

__all__ = [
    "BODY_PT",
    "CAPTION_H_PT",
    "CAPTION_PT",
    "CELL_MARGIN",
    "CELL_PAD_PT",
    "COLOPHON_CLEAR_PT",
    "COLOPHON_INSET_MM",
    "COLOPHON_PT",
    "COLOPHON_ROW_PT",
    "LINE_PT",
    "MARGIN_BOTTOM_MM",
    "MARGIN_LEFT_MM",
    "MARGIN_RIGHT_MM",
    "MARGIN_TOP_MM",
    "MASTHEAD_PT",
    "MIN_CHART_PX",
    "PAGE_H_MM",
    "PAGE_NUMBER_FONT",
    "PAGE_SLACK_PT",
    "PAGE_W_MM",
    "PICTURE_MAX_HEIGHT",
    "PICTURE_WIDTH",
    "PPR_SEQ",
    "PX_PT",
    "RED",
    "RULE_PT",
    "TABLE_CAPTION_PT",
    "TABLE_LINE_PT",
    "TABLE_PT",
    "TABLE_ROW_PAD_PT",
    "TBLPR_SEQ",
    "TCPR_SEQ",
    "TEXT_H_PT",
    "TEXT_W_PT",
    "TITLE_PT",
    "TRPR_SEQ",
    "Block",
    "PagePlan",
    "Placement",
    "colophon_height",
    "colophon_lines",
    "column_widths",
    "flow",
    "least_px",
    "natural_px",
    "plan",
    "plan_figures",
    "share_heights",
    "table_row_heights",
    "write_docx",
]

RED = RGBColor(0xC0, 0x00, 0x00)
PAGE_NUMBER_FONT = "宋体"
BODY_PT = 16  # 三号
TITLE_PT = 22  # 二号
MASTHEAD_PT = 36  # 小初, the briefing's name in the 版头
COLOPHON_PT = 14  # 四号, 版记
TABLE_PT = 10.5  # 五号, the size of a table in an official document
CAPTION_PT = 12
LINE_PT = 28  # fixed line spacing of an official document (22 lines a page)
PICTURE_WIDTH = Cm(15.5)
PICTURE_MAX_HEIGHT = Cm(13)
PAGE_W_MM, PAGE_H_MM = 210, 297
MARGIN_TOP_MM, MARGIN_BOTTOM_MM, MARGIN_LEFT_MM, MARGIN_RIGHT_MM = 37, 35, 28, 26
TEXT_W_PT = (PAGE_W_MM - MARGIN_LEFT_MM - MARGIN_RIGHT_MM) / 25.4 * 72  # 442 pt: 28 字
TEXT_H_PT = (PAGE_H_MM - MARGIN_TOP_MM - MARGIN_BOTTOM_MM) / 25.4 * 72  # 638 pt: 22 行
PX_PT = PICTURE_WIDTH.pt / 760  # one CSS px of a document chart (760 px wide) in pt
MIN_CHART_PX = 250  # a chart is not squeezed below this (or below its bars' own need)

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
TBLPR_SEQ = (
    "w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize",
    "w:tblStyleColBandSize", "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders",
    "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription",
)  # fmt: skip
TCPR_SEQ = (
    "w:cnfStyle", "w:tcW", "w:gridSpan", "w:hMerge", "w:vMerge", "w:tcBorders", "w:shd",
    "w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark",
    "w:headers", "w:cellIns", "w:cellDel", "w:cellMerge", "w:tcPrChange",
)  # fmt: skip


def _after(seq: tuple[str, ...], tag: str) -> tuple[str, ...]:
    return seq[seq.index(tag) + 1 :]


class _RunPropertiesParent(Protocol):
    """A run or a style element: what holds run properties (``w:rPr``)."""

    def get_or_add_rPr(self) -> BaseOxmlElement: ...  # noqa: N802 (python-docx's name)


def _set_east_asian(element_rpr_parent: _RunPropertiesParent, name: str) -> None:
    rpr = element_rpr_parent.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), name)


def _font_run(
    run: Run, name: str, size: float, bold: bool = False, colour: RGBColor | None = None
) -> Run:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    if colour is not None:
        run.font.color.rgb = colour
    _set_east_asian(run._element, name)
    return run


def _style_font(style: CharacterStyle, name: str, size: float, bold: bool = False) -> None:
    style.font.name = name
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.color.rgb = RGBColor(0, 0, 0)
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


def _page_number_footer(document: DocxDocument, fonts: Fonts) -> None:
    """ "— 1 —" centred at the foot of every page in 四号 宋体, as official documents number
    pages (GB/T 9704 7.5)."""
    footer = document.sections[0].footer
    paragraph = footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font_run(paragraph.add_run("— "), PAGE_NUMBER_FONT, 14)
    run = _font_run(paragraph.add_run(), PAGE_NUMBER_FONT, 14)
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
    _font_run(paragraph.add_run(" —"), PAGE_NUMBER_FONT, 14)


def _setup(document: DocxDocument, fonts: Fonts) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(PAGE_W_MM), Mm(PAGE_H_MM)
    section.top_margin, section.bottom_margin = Mm(MARGIN_TOP_MM), Mm(MARGIN_BOTTOM_MM)
    section.left_margin, section.right_margin = Mm(MARGIN_LEFT_MM), Mm(MARGIN_RIGHT_MM)
    styles = document.styles
    _style_font(styles["Normal"], fonts.body, BODY_PT)
    _style_font(styles["Heading 1"], fonts.heading, BODY_PT)  # 黑体
    for level in (2, 3):
        _style_font(styles[f"Heading {level}"], fonts.caption, BODY_PT)  # 楷体
    _style_font(styles["Title"], fonts.title, TITLE_PT)
    _style_font(styles["Caption"], fonts.caption, CAPTION_PT)
    _page_number_footer(document, fonts)
    _declare_fonts(document, fonts)


def _declare_fonts(document: DocxDocument, fonts: Fonts) -> None:
    """List the 公文 fonts in the font table with GB2312 charset and an ``altName``, so Word
    on a PC without (say) 仿宋_GB2312 substitutes 仿宋 rather than a Latin font."""
    part = next(
        (r.target_part for r in document.part.rels.values() if r.reltype.endswith("/fontTable")),
        None,
    )
    if part is None:
        return
    xml = part.blob.decode("utf-8")
    entries = []
    for name in dict.fromkeys((fonts.title, fonts.body, fonts.heading, fonts.caption)):
        if f"w:name={quoteattr(name)}" in xml:
            continue
        alt = ALT_NAMES.get(name)
        alt_xml = f"<w:altName w:val={quoteattr(alt)}/>" if alt else ""
        entries.append(
            f'<w:font w:name={quoteattr(name)}>{alt_xml}<w:charset w:val="86"/>'
            '<w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>'
        )
    if entries:
        part._blob = xml.replace("</w:fonts>", "".join(entries) + "</w:fonts>").encode("utf-8")


def _paper_and_issue(doc: BriefingDoc) -> tuple[str, str]:
    """The 版头's name and issue: "主题教育工作简报", "第8期" (split from the masthead when the
    document does not carry them apart)."""
    if doc.paper:
        return doc.paper, doc.issue_line
    name, _, rest = doc.masthead.partition("（")
    return name, rest.rstrip("）")


def _masthead(document: DocxDocument, doc: BriefingDoc) -> None:
    """版头: the briefing's name in red, the issue under it, then office and date over a red rule."""
    fonts = doc.fonts
    paper, issue = _paper_and_issue(doc)
    head = document.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _spacing(head, before=0, after=6, fixed=None)
    _font_run(head.add_run(paper), fonts.title, MASTHEAD_PT, colour=RED)
    document.core_properties.title = doc.masthead
    document.core_properties.author = doc.office
    if issue:
        number = document.add_paragraph()
        number.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _spacing(number, after=6)
        _font_run(number.add_run(issue), fonts.body, BODY_PT)

    line = document.add_paragraph()
    _spacing(line, after=18)
    width = Mm(PAGE_W_MM - MARGIN_LEFT_MM - MARGIN_RIGHT_MM)
    line.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
    _font_run(line.add_run(doc.office), fonts.body, BODY_PT)
    _font_run(line.add_run("\t" + doc.date_text), fonts.body, BODY_PT)
    _bottom_border(line)


def _title(document: DocxDocument, doc: BriefingDoc) -> None:
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _spacing(title, before=12, after=12, fixed=None)
    _font_run(title.add_run(doc.heading), doc.fonts.title, TITLE_PT)


def _body(document: DocxDocument, text: str, fonts: Fonts) -> Paragraph:
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _spacing(paragraph)
    _font_run(paragraph.add_run(text), fonts.body, BODY_PT)
    return paragraph


def _heading(document: DocxDocument, text: str, fonts: Fonts) -> None:
    paragraph = document.add_paragraph(style="Heading 1")
    paragraph.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
    paragraph.paragraph_format.keep_with_next = True
    _spacing(paragraph)
    _font_run(paragraph.add_run(text), fonts.heading, BODY_PT)


def _figure(
    document: DocxDocument,
    number: int,
    caption: str,
    png: bytes,
    fonts: Fonts,
    new_page: bool = False,
) -> None:
    holder = document.add_paragraph()
    holder.alignment = WD_ALIGN_PARAGRAPH.CENTER
    holder.paragraph_format.keep_with_next = True
    holder.paragraph_format.page_break_before = new_page
    _spacing(holder, before=6, fixed=None)
    width_px, height_px = png_size(png)
    if PICTURE_WIDTH * height_px / width_px > PICTURE_MAX_HEIGHT:  # a tall chart: cap its height
        holder.add_run().add_picture(io.BytesIO(png), height=PICTURE_MAX_HEIGHT)
    else:
        holder.add_run().add_picture(io.BytesIO(png), width=PICTURE_WIDTH)
    cap = document.add_paragraph(style="Caption")
    cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _spacing(cap, after=6, fixed=None)
    _font_run(cap.add_run(f"图{number}　{caption}"), fonts.caption, CAPTION_PT)


def _cell_text(
    cell: _Cell, text: str, fonts: Fonts, bold: bool = False, centre: bool = False
) -> None:
    cell.text = ""
    paragraph = cell.paragraphs[0]
    if centre:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _spacing(paragraph, before=2, after=2, fixed=None)
    _font_run(paragraph.add_run(text), fonts.heading if bold else fonts.body, TABLE_PT)


def _shade(cell: _Cell, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.insert_element_before(shd, *_after(TCPR_SEQ, "w:shd"))


CELL_MARGIN = Cm(0.1)  # left and right in every cell (Word's default is 0.19 cm)
CELL_PAD_PT = 2 * CELL_MARGIN.pt + 3


def _cell_margins(table: Table, margin: Length = CELL_MARGIN) -> None:
    """Narrow left and right cell margins for the whole table (``w:tblCellMar``)."""
    tbl_pr = table._tbl.tblPr
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        element = OxmlElement(f"w:{side}")
        element.set(qn("w:w"), str(int(margin.twips)))
        element.set(qn("w:type"), "dxa")
        margins.append(element)
    tbl_pr.insert_element_before(margins, "w:tblLook", "w:tblCaption", "w:tblDescription")


def column_widths(frame: pd.DataFrame, total: float, size: float = TABLE_PT) -> list[float]:
    """The table's column widths (pt) on the text width, measured from its text."""
    columns = [[str(c), *(str(v) for v in frame[c])] for c in frame.columns]
    return measure.fit_columns(columns, total, size, CELL_PAD_PT)


def _lagging_table(document: DocxDocument, doc: BriefingDoc) -> None:
    frame = doc.lagging_table
    caption = document.add_paragraph()
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.paragraph_format.keep_with_next = True
    _spacing(caption, before=12, after=6, fixed=None)
    _font_run(caption.add_run("附表　落后单位及原因"), doc.fonts.heading, COLOPHON_PT)
    table = document.add_table(rows=1, cols=len(frame.columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _cell_margins(table)
    for cell, name in zip(table.rows[0].cells, frame.columns, strict=True):
        _cell_text(cell, str(name), doc.fonts, bold=True, centre=True)
        _shade(cell, "F2DCDB")
    for values in frame.itertuples(index=False):
        cells = table.add_row().cells
        for i, (cell, value) in enumerate(zip(cells, values, strict=True)):
            _cell_text(cell, "" if value is None else str(value), doc.fonts, centre=i == 0)
    widths = [Pt(w) for w in column_widths(frame, TEXT_W_PT)]
    for index, row in enumerate(table.rows):
        # rows never split across pages; the header row repeats on every page
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.insert_element_before(OxmlElement("w:cantSplit"), *_after(TRPR_SEQ, "w:cantSplit"))
        if index == 0:
            tr_pr.insert_element_before(
                OxmlElement("w:tblHeader"), *_after(TRPR_SEQ, "w:tblHeader")
            )
        if index < 2:  # the caption, header and first row start on the same page
            for cell in row.cells:
                cell.paragraphs[0].paragraph_format.keep_with_next = True
    for column, width in zip(table.columns, widths, strict=False):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=False):
            cell.width = width


def _cell_rule(cell: _Cell, where: str, size: int) -> None:
    """A black rule on one side of a cell (``w:tcBorders``); the other sides stay bare."""
    tcpr = cell._tc.get_or_add_tcPr()
    borders = tcpr.find(qn("w:tcBorders"))
    if borders is None:
        borders = OxmlElement("w:tcBorders")
        tcpr.insert_element_before(borders, *_after(TCPR_SEQ, "w:tcBorders"))
    rule = OxmlElement(f"w:{where}")
    rule.set(qn("w:val"), "single")
    rule.set(qn("w:sz"), str(size))
    rule.set(qn("w:space"), "0")
    rule.set(qn("w:color"), "000000")
    if where == "top":
        borders.insert(0, rule)
    else:
        borders.append(rule)


def colophon_lines(doc: BriefingDoc) -> list[str]:
    """版记's lines: "报：…。", "送：…。", "发：…。" (those with names) and the 印发 line."""
    lines = [
        f"{word}：{'，'.join(names)}。"
        for word, names in (("报", doc.report_to), ("送", doc.copy_to), ("发", doc.send_to))
        if names
    ]
    lines.append(f"{doc.printer or doc.office}\t{doc.date_text}印发")
    return lines


COLOPHON_INSET_MM = 5
COLOPHON_ROW_PT = LINE_PT  # one 版记 line; GB/T 9704 puts them on the 28 pt grid


def colophon_height(doc: BriefingDoc) -> float:
    return len(colophon_lines(doc)) * COLOPHON_ROW_PT


def _float_to_page_foot(table: Table, width: Length) -> None:
    """Make ``table`` a floating table pinned to the bottom of the text area
    (``w:tblpPr``: vertical anchor the margin, bottom-aligned), that other text never
    overlaps: GB/T 9704 sets the 版记 at the foot of the last page, its last rule on the
    page's last line, whatever the length of the text above it."""
    tbl_pr = table._tbl.tblPr
    position = OxmlElement("w:tblpPr")
    for attr, value in (
        ("w:leftFromText", "0"), ("w:rightFromText", "0"), ("w:topFromText", "0"),
        ("w:bottomFromText", "0"), ("w:vertAnchor", "margin"), ("w:horzAnchor", "margin"),
        ("w:tblpXSpec", "center"), ("w:tblpYSpec", "bottom"),
    ):  # fmt: skip
        position.set(qn(attr), value)
    table_width = tbl_pr.find(qn("w:tblW"))
    if table_width is not None:
        table_width.set(qn("w:type"), "dxa")
        table_width.set(qn("w:w"), str(int(width.twips)))
    overlap = OxmlElement("w:tblOverlap")
    overlap.set(qn("w:val"), "never")
    style = tbl_pr.find(qn("w:tblStyle"))
    at = 1 if style is not None else 0
    tbl_pr.insert(at, position)
    tbl_pr.insert(at + 1, overlap)


def _colophon(document: DocxDocument, doc: BriefingDoc, new_page: bool = False) -> None:
    """版记 (GB/T 9704 7.4): 四号仿宋 lines between rules, thick first and last, in a table
    floating at the foot of the last page.  ``new_page``: the text above leaves no room for
    it, so it goes to the foot of a page of its own."""
    lines = colophon_lines(doc)
    # 5 mm narrower than the text, centred: Word floats a table of any width, LibreOffice
    # (and so the previews) only one at least 4.69 mm narrower than the text area
    width = Mm(PAGE_W_MM - MARGIN_LEFT_MM - MARGIN_RIGHT_MM - COLOPHON_INSET_MM)
    gap = document.add_paragraph()  # keeps it apart from a table above (else they merge)
    _spacing(gap, fixed=1)
    table = document.add_table(rows=len(lines), cols=1)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _float_to_page_foot(table, width)
    _cell_margins(table, Length(0))
    table.columns[0].width = width
    for index, (row, text) in enumerate(zip(table.rows, lines, strict=True)):
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.insert_element_before(OxmlElement("w:cantSplit"), *_after(TRPR_SEQ, "w:cantSplit"))
        cell = row.cells[0]
        cell.width = width
        paragraph = cell.paragraphs[0]
        fmt = paragraph.paragraph_format
        fmt.left_indent = fmt.right_indent = Pt(COLOPHON_PT)
        fmt.tab_stops.add_tab_stop(width - Pt(2 * COLOPHON_PT), WD_TAB_ALIGNMENT.RIGHT)
        _spacing(paragraph, fixed=COLOPHON_ROW_PT)
        if index == 0:
            _cell_rule(cell, "top", 8)
        _cell_rule(cell, "bottom", 8 if index == len(lines) - 1 else 4)
        _font_run(paragraph.add_run(text), doc.fonts.body, COLOPHON_PT)
    anchor = document.add_paragraph()  # a floating table is anchored to the paragraph after it
    anchor.paragraph_format.page_break_before = new_page
    _spacing(anchor, fixed=1)


# ---------------------------------------------------------------- flow & page plan


@dataclass(frozen=True)
class Block:
    kind: str  # "masthead", "title", "body", "heading", "figure", "table", "colophon"
    text: str = ""
    chart: ChartItem | None = None


def flow(doc: BriefingDoc, chart_names: set[str] | None = None) -> Iterator[Block]:
    """The document's blocks in order; the writer and the page plan walk the same flow."""
    charts = [c for c in doc.charts if chart_names is None or c.name in chart_names]
    yield Block("masthead")
    yield Block("title", doc.heading)
    if doc.lead:
        yield Block("body", doc.lead)
    placed: set[str] = set()
    for section in doc.sections:
        yield Block("heading", section.heading)
        for text in section.paragraphs:
            yield Block("body", text)
        for chart in charts:
            if chart.section == section.key:
                placed.add(chart.name)
                yield Block("figure", chart.caption, chart)
    for chart in charts:
        if chart.name not in placed:
            yield Block("figure", chart.caption, chart)
    if len(doc.lagging_table):
        yield Block("table")
    yield Block("colophon")


def _text_lines(text: str, size: float, indent_chars: float = 2) -> int:
    """Lines a justified paragraph takes on the text width (one character kept in hand for
    the line-breaking rules that push punctuation to the next line)."""
    width = measure.text_width(text, size, measure.SERIF) + indent_chars * size
    return max(1, math.ceil(width / (TEXT_W_PT - size)))


def _block_height(block: Block) -> float:
    """Height in pt of the 版头 or the title as laid out at the top of the first page."""
    if block.kind == "masthead":
        # the name on a CJK line (1.45 em), the issue, the office line and its red rule
        return MASTHEAD_PT * 1.45 + 6 + LINE_PT + 6 + LINE_PT + 18 + RULE_PT
    if block.kind == "title":
        return _text_lines(block.text, TITLE_PT, 0) * TITLE_PT * 1.45 + 24
    return 0.0


def natural_px(chart: ChartItem) -> int:
    return int(chart.figure.layout.height or 420)


def least_px(chart: ChartItem) -> int:
    """The smallest height (CSS px) at which the chart stays legible: a bar chart keeps 18 px
    a bar (more for wrapped labels); others keep ``MIN_CHART_PX``."""
    bars = [t for t in chart.figure.data if t.type == "bar" and t.orientation == "h"]
    if not bars:
        return min(natural_px(chart), MIN_CHART_PX)
    axis = chart.figure.layout.yaxis
    labels = [str(t) for t in (axis.ticktext or bars[0].y or [])]
    rows = sum(max(18, 15 * (label.count("<br>") + 1) + 4) for label in labels)
    return min(natural_px(chart), max(200, rows + 80))


RULE_PT = 4 + 12 / 8  # the 版头's red rule: its space above the line, and its width
CAPTION_H_PT = 6 + CAPTION_PT * 1.4 + 6 + 2
PAGE_SLACK_PT = 20  # in hand per page for what the estimate cannot see


def _add_lines(used: float, lines: int, keep_with_next: bool = False) -> float:
    """Where the text ends after ``lines`` fixed-height lines from ``used``: whole lines move to
    the next page (22 to a page), as a heading does that would be a page's last line."""
    fit = math.floor((TEXT_H_PT - used) / LINE_PT + 1e-6)
    if keep_with_next and fit < lines + 1:
        fit = 0
    elif 0 < fit < lines:  # widow and orphan control: never one line alone
        if lines - fit == 1:  # one line would be left alone on the next page
            fit -= 1
        if fit == 1:  # one line would be left alone on this page
            fit = 0
    if lines <= fit:
        return used + lines * LINE_PT
    per_page = math.floor(TEXT_H_PT / LINE_PT)
    rest = (lines - fit) % per_page or per_page
    return rest * LINE_PT


@dataclass(frozen=True)
class Placement:
    height_px: int  # the chart's height (CSS px at 760 px wide)
    new_page: bool  # starts a page: not even a legible height fits where it would fall
    ahead: int = 0  # text blocks after it that go before it, to fill the page it leaves


def plan_figures(doc: BriefingDoc, chart_names: set[str] | None = None) -> dict[str, Placement]:
    """Each chart's height, so that no page but the last is left part empty (see ``plan``)."""
    return plan(doc, chart_names).charts


@dataclass(frozen=True)
class PagePlan:
    charts: dict[str, Placement]
    end_pt: float  # how far down the last page of text the table (or text) ends
    colophon_new_page: bool  # the 版记 has no room under it: it goes to the next page's foot


def plan(doc: BriefingDoc, chart_names: set[str] | None = None) -> PagePlan:
    """The page plan, following the text down the page.

    A chart that fits takes its natural height; one that does not takes the room left when
    that is legible; else the charts already on the page give up height (down to their own
    legible least, in proportion to what each can spare) so that it fits with them.  Only
    when even that fails does it start the next page at its natural height (the writer puts
    a page break before it, so the pages follow this plan rather than drift from it), and
    the text that follows it moves ahead of it as far as it fills the page being left.  The
    附表 follows (rows measured in their columns), and the 版记 goes to the foot of the page
    where the table ends, or of the next one when it has no room there."""
    page = TEXT_H_PT - PAGE_SLACK_PT
    used = 0.0
    placed: dict[str, Placement] = {}
    on_page: list[ChartItem] = []  # the charts on the current page, in order
    blocks = list(flow(doc, chart_names))
    skip: set[int] = set()
    for index, block in enumerate(blocks):
        if index in skip:
            continue
        chart = block.chart
        if block.kind == "figure" and chart is not None:
            natural = _capped(chart)
            room_px = int((page - used - CAPTION_H_PT) / PX_PT)
            spare = sum(placed[c.name].height_px - least_px(c) for c in on_page)
            if natural <= room_px:
                placed[chart.name] = Placement(natural, False)
            elif room_px >= least_px(chart):
                placed[chart.name] = Placement(room_px, False)
            elif room_px + spare >= least_px(chart):  # the page's charts make room for it
                group = [*on_page, chart]
                total = room_px + sum(placed[c.name].height_px for c in on_page)
                for item, height in zip(group, share_heights(group, total), strict=True):
                    old = placed.get(item.name, Placement(0, False))
                    placed[item.name] = Placement(height, old.new_page, old.ahead)
            else:  # not even a legible chart fits: fill the page with text, then the chart
                ahead, used = _text_ahead(blocks, index + 1, used)
                skip.update(range(index + 1, index + 1 + ahead))
                placed[chart.name] = Placement(natural, True, ahead)
                used, on_page = 0.0, []
            on_page.append(chart)
            used += placed[chart.name].height_px * PX_PT + CAPTION_H_PT
            used = min(used, page)
        elif block.kind == "table":
            used = _after_table(doc.lagging_table, used)
        elif block.kind == "colophon":
            break
        else:
            before = used
            used = _after_text(block, used)
            if used <= before:  # the text ran onto the next page
                on_page = []
    fits = used + colophon_height(doc) + COLOPHON_CLEAR_PT <= TEXT_H_PT
    return PagePlan(placed, used, not fits)


COLOPHON_CLEAR_PT = 8  # kept between the text and the 版记 at the least
TABLE_LINE_PT = TABLE_PT * 1.45  # a 五号 line of the CJK faces (ascent + descent)
TABLE_ROW_PAD_PT = 4 + 0.5  # spacing before and after in every cell, and the rule


def table_row_heights(frame: pd.DataFrame) -> list[float]:
    """The height (pt) of the 附表's header row and of each row, their text wrapped in the
    columns ``column_widths`` gives them."""
    widths = column_widths(frame, TEXT_W_PT)
    rows = [[str(c) for c in frame.columns]]
    rows += [["" if v is None else str(v) for v in values] for values in frame.itertuples(False)]
    heights = []
    for row in rows:
        lines = max(
            len(measure.wrap(text, width - CELL_PAD_PT, TABLE_PT, measure.SERIF))
            for text, width in zip(row, widths, strict=True)
        )
        heights.append(lines * TABLE_LINE_PT + TABLE_ROW_PAD_PT)
    return heights


TABLE_CAPTION_PT = 12 + 6 + COLOPHON_PT * 1.45


def _after_table(frame: pd.DataFrame, used: float) -> float:
    """Where the 附表 ends: its caption, header and first row start a page together, rows
    never split, and the header repeats on every page."""
    header, *rows = table_row_heights(frame)
    if used + TABLE_CAPTION_PT + header + (rows[0] if rows else 0) > TEXT_H_PT:
        used = 0.0
    used += TABLE_CAPTION_PT + header
    for height in rows:
        if used + height > TEXT_H_PT:
            used = header
        used += height
    return used


def _capped(chart: ChartItem) -> int:
    return min(natural_px(chart), int(PICTURE_MAX_HEIGHT.pt / PX_PT))


def share_heights(group: list[ChartItem], total: int) -> list[int]:
    """Heights for the charts of one page that add up to ``total`` px: each its legible least
    plus a share of the rest in proportion to what it would gain up to its natural height."""
    least = [min(least_px(c), _capped(c)) for c in group]
    gain = [_capped(c) - low for c, low in zip(group, least, strict=True)]
    extra = max(0, total - sum(least))
    if sum(gain) <= 0:
        return least
    return [low + min(g, int(extra * g / sum(gain))) for low, g in zip(least, gain, strict=True)]


def _after_text(block: Block, used: float) -> float:
    if block.kind in ("body", "heading"):
        return _add_lines(used, _text_lines(block.text, BODY_PT), block.kind == "heading")
    return used + _block_height(block)


def _text_ahead(blocks: list[Block], start: int, used: float) -> tuple[int, float]:
    """How many of the text blocks from ``start`` fit whole on the page that ends at ``used``
    (a heading only together with the paragraph after it), and where that page then ends."""
    taken, end, at = 0, used, start
    while at < len(blocks) and blocks[at].kind in ("body", "heading"):
        group = 2 if blocks[at].kind == "heading" else 1
        if at + group > len(blocks) or any(b.kind != "body" for b in blocks[at + 1 : at + group]):
            break
        trial = end
        for block in blocks[at : at + group]:
            after = _after_text(block, trial)
            if after <= trial:  # it would run onto the next page
                return taken, end
            trial = after
        taken, end, at = taken + group, trial, at + group
    return taken, end


def write_docx(
    doc: BriefingDoc,
    pngs: Mapping[str, bytes],
    new_pages: set[str] | None = None,
    ahead: Mapping[str, int] | None = None,
    colophon_new_page: bool = False,
) -> bytes:
    """The Word file; ``pngs`` maps each chart's name to its PNG (charts without one are
    skipped); the charts named in ``new_pages`` start a page, after the ``ahead`` text blocks
    that follow them in the flow; ``colophon_new_page`` puts the 版记 at the foot of a page of
    its own (see ``plan``)."""
    new_pages = new_pages or set()
    ahead = ahead or {}
    document = Document()
    _setup(document, doc.fonts)
    number = 0
    blocks = list(flow(doc, set(pngs)))
    written: set[int] = set()

    def write(block: Block) -> None:
        nonlocal number
        if block.kind == "masthead":
            _masthead(document, doc)
        elif block.kind == "title":
            _title(document, doc)
        elif block.kind == "body":
            _body(document, block.text, doc.fonts)
        elif block.kind == "heading":
            _heading(document, block.text, doc.fonts)
        elif block.kind == "figure" and block.chart is not None:
            number += 1
            name = block.chart.name
            _figure(document, number, block.chart.caption, pngs[name], doc.fonts, name in new_pages)
        elif block.kind == "table":
            _lagging_table(document, doc)
        elif block.kind == "colophon":
            _colophon(document, doc, colophon_new_page)

    for index, block in enumerate(blocks):
        if index in written:
            continue
        if block.kind == "figure" and block.chart is not None:
            for later in range(index + 1, index + 1 + ahead.get(block.chart.name, 0)):
                write(blocks[later])  # the text that fills the page before the chart
                written.add(later)
        write(block)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
