"""The Word and PowerPoint briefings open in LibreOffice and render to pages (PDF → PNG)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from dashboard.export import briefing, preview

from .conftest import make_report, settings_values

pytestmark = pytest.mark.skipif(
    shutil.which("libreoffice") is None or shutil.which("pdftoppm") is None,
    reason="libreoffice and poppler-utils are installed by .ci/run",
)


def _to_pngs(source: Path, out: Path) -> list[Path]:
    pages = preview.to_pngs(source, out)
    assert (out / f"{source.stem}.pdf").read_bytes()[:4] == b"%PDF"
    return pages


def test_docx_and_pptx_render_to_pages(tmp_path: Path) -> None:
    options = briefing.BriefingOptions.from_settings(settings_values())
    report = make_report()
    # distinct stems: LibreOffice names its output after the input
    word_file = tmp_path / "briefing_word.docx"
    deck_file = tmp_path / "briefing_deck.pptx"
    word_file.write_bytes(briefing.render_report(report, "docx", options))
    deck_file.write_bytes(briefing.render_report(report, "pptx", options))
    word_pages = _to_pngs(word_file, tmp_path)
    deck_pages = _to_pngs(deck_file, tmp_path)
    assert len(word_pages) >= 2
    assert len(deck_pages) == 9  # title, summary, six findings, lagging table
    for page in [*word_pages, *deck_pages]:
        assert page.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert word_pages[0].stat().st_size > 5000 and deck_pages[0].stat().st_size > 5000
    deck_words = _words(tmp_path / "briefing_deck.pdf")
    assert deck_words and all(y_max <= page_h for _, y_max, page_h, _ in deck_words)
    for pdf in (tmp_path / "briefing_word.pdf", tmp_path / "briefing_deck.pdf"):
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        flat = text.replace(" ", "")
        assert "主题教育工作简报" in flat and "第8期" in flat


# ---------------------------------------------------------------- measured on the pages

PAGE_MM = 297
TEXT_TOP_MM, TEXT_BOTTOM_MM = 37, 297 - 35
LEAST_FILL = 0.85


def _page_fill(page: Path) -> float:
    """How far down the text area a page's content reaches (0–1), the footer excluded."""
    from PIL import Image

    image = Image.open(page).convert("L")
    width, height = image.size
    top = round(height * TEXT_TOP_MM / PAGE_MM)
    bottom = round(height * TEXT_BOTTOM_MM / PAGE_MM)
    lowest = top
    for y in range(top, bottom):
        if image.crop((0, y, width, y + 1)).getextrema()[0] < 200:
            lowest = y
    return (lowest - top) / (bottom - top)


@pytest.mark.parametrize("city", ["hand-built", "long names"])
def test_word_pages_are_never_half_empty(tmp_path: Path, city: str) -> None:
    """Charts sized to the room left on the page: every page but the last is filled at least
    85% down its text area (measured on the rendered pages)."""
    from .conftest import make_long_report

    options = briefing.BriefingOptions.from_settings(settings_values())
    report = make_report() if city == "hand-built" else make_long_report()
    source = tmp_path / "fill.docx"
    source.write_bytes(briefing.render_report(report, "docx", options))
    pages = _to_pngs(source, tmp_path)
    assert len(pages) >= 3
    fills = [_page_fill(page) for page in pages]
    assert all(fill >= LEAST_FILL for fill in fills[:-1]), fills


def _words(pdf: Path) -> list[tuple[int, float, float, str]]:
    """(page, yMax, page height, word) for every word pdftotext finds."""
    import re

    html = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    out: list[tuple[int, float, float, str]] = []
    for number, page in enumerate(re.findall(r"<page (.*?)</page>", html, re.S), start=1):
        page_h = float(re.search(r'height="([\d.]+)"', page).group(1))  # type: ignore[union-attr]
        for y_max, word in re.findall(r'yMax="([\d.]+)">([^<]*)</word>', page):
            out.append((number, float(y_max), page_h, word))
    return out


def test_wrapped_lagging_rows_fit_every_slide(tmp_path: Path) -> None:
    """The issue's case: a 12-row 落后单位 table whose rows wrap. Every row is on a slide and
    no text runs below a slide's bottom edge (measured on the rendered deck)."""
    import pandas as pd

    from dashboard.export import slides

    from .conftest import LONG_NAMES, make_long_report

    options = briefing.BriefingOptions.from_settings(settings_values())
    doc = briefing.compose(make_long_report(), options)
    names = list(LONG_NAMES.values())[1:]
    table = pd.DataFrame(
        {
            "序号": range(1, 13),
            "单位": [names[i % len(names)] for i in range(12)],
            "层级": ["村级"] * 12,
            "上级单位": [names[(i + 3) % len(names)] for i in range(12)],
            "落后原因": ["未报送；停滞；排名末位；销号率偏低；两张皮；不能按期完成"] * 12,
        }
    )
    doc.lagging_table = table
    doc.charts = []
    widths = slides.column_widths(table.astype(str))
    available = slides.SLIDE_H - slides.TABLE_TOP - slides.TABLE_BOTTOM_GAP
    pages = slides.table_pages(table.astype(str), available)
    assert len(pages) >= 2  # twelve wrapped rows do not fit one slide
    for start, stop in pages:  # each slide's rows, measured, fit under the header
        rows = [list(table.columns), *table.astype(str).iloc[start:stop].values.tolist()]
        assert sum(slides.row_height(r, widths) for r in rows) <= available
    source = tmp_path / "wrapped_deck.pptx"
    source.write_bytes(slides.write_pptx(doc))
    _to_pngs(source, tmp_path)
    words = _words(tmp_path / "wrapped_deck.pdf")
    assert all(y_max <= page_h for _, y_max, page_h, _ in words)
    table_pages = {p for p, _, _, w in words if w.startswith("落后单位及原因")}
    assert len(table_pages) == len(pages)
    numbers = sorted(int(w) for p, _, _, w in words if p in table_pages and w.isdigit())
    assert [n for n in numbers if n <= 12] == list(range(1, 13))
