"""Every chart drawn with ``show_chart`` offers PNG and SVG downloads, rendered only on click."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from dashboard.export import images
from dashboard.ui import charts

SCRIPT = """
import plotly.graph_objects as go
from dashboard.ui.charts import show_chart
show_chart(go.Figure(go.Bar(x=["东城县"], y=[1])), "截至10月27日 报送率/各县")
"""


def test_show_chart_offers_png_and_svg(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    calls: list[str] = []
    monkeypatch.setattr(images, "to_png", lambda fig: calls.append("png") or b"")
    script = tmp_path / "page.py"
    script.write_text(SCRIPT, encoding="utf-8")
    at = AppTest.from_file(str(script)).run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == 1
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["PNG（高清，适合幻灯片）", "SVG（矢量，适合排版）"]
    for button in at.get("download_button"):
        assert button.proto.deferred_file_id  # made on click, not on every rerun
    assert calls == []


def test_file_stem_is_safe() -> None:
    assert charts.file_stem("截至10月27日 报送率/各县") == "截至10月27日_报送率_各县"
    assert charts.file_stem("///") == "图表"


def test_render_is_cached_per_figure(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import plotly.graph_objects as go

    calls: list[int] = []
    monkeypatch.setattr(images, "to_svg", lambda fig: calls.append(1) or b"<svg/>")
    charts.render_image.cache_clear()
    fig_json = go.Figure(go.Bar(x=["甲"], y=[2])).to_json()
    assert charts.render_image(fig_json, "svg") == b"<svg/>"
    assert charts.render_image(fig_json, "svg") == b"<svg/>"
    assert calls == [1]
    charts.render_image.cache_clear()
