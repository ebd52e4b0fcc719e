"""The office's Friday: download the Word briefing and a chart PNG from the 简报 page."""

from __future__ import annotations

import io

from docx import Document

from dashboard.export import images
from tests.e2e.conftest import wait_for_app


def test_download_word_briefing_and_chart_png(page, app_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{app_url}/briefing")
    wait_for_app(page)
    page.get_by_text("Word 简报").first.wait_for(timeout=60_000)

    with page.expect_download(timeout=120_000) as download:
        page.get_by_text("Word 简报").first.click()
    assert download.value.suggested_filename.endswith(".docx")
    target = tmp_path / "briefing.docx"
    download.value.save_as(target)
    document = Document(io.BytesIO(target.read_bytes()))
    assert document.paragraphs[0].text.endswith("工作简报")  # 版头, the issue under it
    assert document.paragraphs[1].text.startswith("第")
    assert len(document.inline_shapes) >= 3
    assert any("报送率" in p.text for p in document.paragraphs)

    page.get_by_text("导出图片").first.click()
    with page.expect_download(timeout=120_000) as chart:
        page.get_by_text("PNG（高清，适合幻灯片）").first.click()
    assert chart.value.suggested_filename.endswith(".png")
    png = tmp_path / "chart.png"
    chart.value.save_as(png)
    width, _ = images.png_size(png.read_bytes())
    assert width == images.DEFAULT_WIDTH * images.PNG_SCALE
