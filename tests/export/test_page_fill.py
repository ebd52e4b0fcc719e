"""The Word briefing's pages, measured on the rendered PDF: no page but the last part empty, and
the 版记 at the foot of the last page (GB/T 9704 7.4), never over the text above it."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine

from dashboard.export import briefing, preview, word

from .conftest import make_report, settings_values

pytestmark = pytest.mark.skipif(
    shutil.which("libreoffice") is None or shutil.which("pdftotext") is None,
    reason="libreoffice and poppler-utils are installed by .ci/run",
)

DEMO_DAY = dt.date(2023, 11, 3)
MM = 72 / 25.4
TEXT_TOP = word.MARGIN_TOP_MM * MM
TEXT_BOTTOM = (word.PAGE_H_MM - word.MARGIN_BOTTOM_MM) * MM
LEAST_FILL = 0.85  # of the text area's height, on every page but the last


@pytest.fixture(scope="module")
def demo_engine(tmp_path_factory) -> Engine:
    from dashboard import bootstrap
    from dashboard.store import db

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    engine = db.connect(f"sqlite:///{path}")
    bootstrap.ensure_demo(engine)
    return engine


def _pages(pdf: Path) -> list[list[tuple[float, float, str]]]:
    """Each page's words as (yMin, yMax, text), and its images' boxes as (yMin, yMax, "")."""
    html = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    out = []
    for page in re.findall(r"<page (.*?)</page>", html, re.S):
        words = re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', page)
        out.append([(float(a), float(b), w) for a, b, w in words])
    return out


def _ink_bottom(png: Path) -> float:
    """How far down the text area anything is drawn on a page (0–1), the footer left out."""
    from PIL import Image

    image = Image.open(png).convert("L")
    width, height = image.size
    top = round(height * TEXT_TOP / (word.PAGE_H_MM * MM))
    bottom = round(height * TEXT_BOTTOM / (word.PAGE_H_MM * MM))
    lowest = top
    for y in range(top, bottom):
        if image.crop((0, y, width, y + 1)).getextrema()[0] < 200:
            lowest = y
    return (lowest - top) / (bottom - top)


def _render(source: Path) -> tuple[list[Path], Path]:
    pngs = preview.to_pngs(source, source.parent, dpi=50)
    return pngs, source.parent / f"{source.stem}.pdf"


def _joined(words: list[tuple[float, float, str]]) -> str:
    return "".join(w for _, _, w in sorted(words, key=lambda item: item[0]))


def _check_colophon(pages: list[list[tuple[float, float, str]]], lines: list[str]) -> bool:
    """The 版记 is on the last page, its 印发 line ends on the text area's last line, and
    nothing of the text above reaches into it; True when it has the page to itself."""
    last = pages[-1]
    top = min(y0 for y0, _, w in last if w.startswith(("报：", "送：", "发：")))
    issued = max(y1 for _, y1, w in last if w.endswith("印发"))
    assert TEXT_BOTTOM - 28 <= issued <= TEXT_BOTTOM, (issued, TEXT_BOTTOM)
    last = [item for item in last if item[0] < TEXT_BOTTOM]  # not the page number under it
    inside = [item for item in last if item[1] > top + 1]
    expected = "".join(lines).replace("\t", "").replace(" ", "")
    assert _joined(inside).replace(" ", "") == expected  # nothing else under or in the 版记
    for page in pages[:-1]:
        assert not any(w.endswith("印发") for _, _, w in page)
    return len(inside) == len(last)


@pytest.mark.parametrize("scope", [None, "010105"], ids=["city", "township"])
def test_demo_briefing_pages_are_filled_and_the_colophon_sits_at_the_foot(
    demo_engine: Engine, tmp_path: Path, scope: str | None
) -> None:
    source = tmp_path / f"demo_{scope or 'city'}.docx"
    source.write_bytes(briefing.build_briefing(demo_engine, DEMO_DAY, scope, "docx"))
    pngs, pdf = _render(source)
    pages = _pages(pdf)
    assert len(pages) == len(pngs) >= 3
    fills = [_ink_bottom(png) for png in pngs]
    lines = word.colophon_lines(briefing.compose(*_report_and_options(demo_engine, scope)))
    alone = _check_colophon(pages, lines)
    # a page holding only the 版记 (GB/T 9704 gives it its own page when the text leaves no
    # room) excuses the page before it, where the 附表 ends
    judged = fills[:-2] if alone else fills[:-1]
    assert all(fill >= LEAST_FILL for fill in judged), fills
    assert fills[-1] >= 0.95  # the 版记 ends the last page


def _report_and_options(engine: Engine, scope: str | None):  # type: ignore[no-untyped-def]
    report, values = briefing.load_report(engine, DEMO_DAY, scope)
    return report, briefing.BriefingOptions.from_settings(values).for_week(report.report_date)


def _table_doc(rows: int):  # type: ignore[no-untyped-def]
    doc = briefing.compose(make_report(), briefing.BriefingOptions.from_settings(settings_values()))
    doc.charts = []
    doc.lagging_table = pd.DataFrame(
        {
            "序号": range(1, rows + 1),
            "单位": ["某某村"] * rows,
            "层级": ["村级"] * rows,
            "上级单位": ["某某镇"] * rows,
            "落后原因": ["停滞"] * rows,
        }
    )
    return doc


@pytest.mark.parametrize("rows", [5, 31])
def test_colophon_never_covers_a_table_that_ends_low_on_the_page(tmp_path: Path, rows: int) -> None:
    """The attack: a 附表 that ends near the foot of a page leaves no room for the 版记, which
    then goes to the foot of the next page instead of over the table's last rows."""
    doc = _table_doc(rows)
    plan = word.plan(doc)
    source = tmp_path / f"table_{rows}.docx"
    source.write_bytes(word.write_docx(doc, {}, colophon_new_page=plan.colophon_new_page))
    _, pdf = _render(source)
    pages = _pages(pdf)
    alone = _check_colophon(pages, word.colophon_lines(doc))
    assert alone == plan.colophon_new_page
    table_end = max(
        (number, y1) for number, page in enumerate(pages) for _, y1, w in page if w == "某某镇"
    )
    assert abs(table_end[1] - (TEXT_TOP + plan.end_pt)) < 12  # the plan knows where it ends
    numbers = sorted(int(w) for page in pages for _, _, w in page if w.isdigit())
    assert set(range(1, rows + 1)) <= set(numbers)  # every row is on a page


def test_plan_puts_the_colophon_on_a_new_page_only_when_it_has_no_room() -> None:
    room = [
        word.plan(_table_doc(rows)).end_pt + word.colophon_height(_table_doc(rows))
        for rows in range(1, 41)
    ]
    decisions = [word.plan(_table_doc(rows)).colophon_new_page for rows in range(1, 41)]
    assert any(decisions) and not all(decisions)
    for needed, new_page in zip(room, decisions, strict=True):
        assert new_page == (needed + word.COLOPHON_CLEAR_PT > word.TEXT_H_PT)


def test_charts_of_a_page_shrink_together_to_make_room(monkeypatch) -> None:
    """A chart with no legible room left takes height from the charts already on its page
    (each down to its legible least) rather than start a new page."""
    from .conftest import make_long_report

    options = briefing.BriefingOptions.from_settings(settings_values())
    doc = briefing.untitled_charts(briefing.compose(make_long_report(), options))
    plan = word.plan_figures(doc)
    for chart in doc.charts:
        assert word.least_px(chart) <= plan[chart.name].height_px <= word.natural_px(chart)
    group = doc.charts[:2]
    heights = word.share_heights(group, sum(word.least_px(c) for c in group) + 100)
    assert sum(heights) <= sum(word.least_px(c) for c in group) + 100
    assert all(h >= word.least_px(c) for h, c in zip(heights, group, strict=True))
