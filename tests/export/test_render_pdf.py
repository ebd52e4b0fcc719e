"""The Word and PowerPoint briefings open in LibreOffice and render to pages (PDF → PNG)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from dashboard.export import briefing

from .conftest import make_report, settings_values

pytestmark = pytest.mark.skipif(
    shutil.which("libreoffice") is None or shutil.which("pdftoppm") is None,
    reason="libreoffice and poppler-utils are installed by .ci/run",
)


def _to_pngs(source: Path, out: Path) -> list[Path]:
    subprocess.run(
        ["libreoffice", "--headless", "--convert-to", "pdf", "--outdir", str(out), str(source)],
        check=True,
        capture_output=True,
        timeout=180,
        env={"HOME": str(out), "PATH": "/usr/bin:/bin"},
    )
    pdf = out / f"{source.stem}.pdf"
    assert pdf.exists() and pdf.read_bytes()[:4] == b"%PDF"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", str(pdf), str(out / source.stem)], check=True, timeout=120
    )
    return sorted(out.glob(f"{source.stem}-*.png"))


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
    for pdf in (tmp_path / "briefing_word.pdf", tmp_path / "briefing_deck.pdf"):
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        flat = text.replace(" ", "")
        assert "主题教育工作简报" in flat and "第8期" in flat
