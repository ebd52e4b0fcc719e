"""Chart images from the shared browser: PNG size, SVG text, thread safety."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import plotly.graph_objects as go
import pytest

from dashboard.export import images, theme


def _bar(title: str, values: list[int]) -> go.Figure:
    fig = go.Figure(go.Bar(x=["东城县", "西山区", "南湖镇"], y=values))
    return theme.finish(fig, title, height=400)


def test_png_has_magic_bytes_and_scaled_dimensions() -> None:
    data = images.to_png(
        _bar("截至10月27日各县（市、区）问题销号率", [1, 2, 3]), scale=2, width=800
    )
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert images.png_size(data) == (1600, 800)


def test_default_png_is_high_resolution() -> None:
    data = images.to_png(_bar("报送率", [3, 2, 1]))
    width, height = images.png_size(data)
    assert width == images.DEFAULT_WIDTH * images.PNG_SCALE
    assert height == 400 * images.PNG_SCALE


def test_svg_keeps_the_chinese_title_as_text() -> None:
    data = images.to_svg(_bar("截至10月27日各县（市、区）问题销号率", [1, 2, 3]))
    text = data.decode("utf-8")
    assert text.lstrip().startswith("<svg")
    assert "截至10月27日各县（市、区）问题销号率" in text
    assert "东城县" in text


def test_png_size_rejects_other_bytes() -> None:
    with pytest.raises(ValueError):
        images.png_size(b"<svg></svg>")


def test_concurrent_calls_return_their_own_images() -> None:
    titles = [f"第{i}号图表标题" for i in range(8)]

    def work(title: str) -> bytes:
        return images.to_svg(_bar(title, [1, 2, 3]))

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(work, titles))
    for title, svg in zip(titles, results, strict=True):
        text = svg.decode("utf-8")
        assert title in text
        others = [t for t in titles if t != title]
        assert not any(t in text for t in others)


def test_concurrent_png_calls_keep_their_own_size() -> None:
    widths = [500, 600, 700, 800, 900, 1000]

    def work(width: int) -> tuple[int, int]:
        return images.png_size(images.to_png(_bar(f"宽{width}", [1, 2, 3]), scale=1, width=width))

    with ThreadPoolExecutor(max_workers=3) as pool:
        sizes = list(pool.map(work, widths))
    assert sizes == [(w, 400) for w in widths]
