"""The shared chart look."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go

from dashboard.export import theme


def test_date_label_is_written_as_the_office_writes_it() -> None:
    assert theme.date_label(dt.date(2023, 10, 7)) == "10月7日"


def test_finish_applies_title_cjk_font_and_palette() -> None:
    fig = theme.finish(
        go.Figure(go.Bar(x=["甲"], y=[1])), "截至10月27日各县（市、区）问题销号率", height=380
    )
    assert fig.layout.title.text == "截至10月27日各县（市、区）问题销号率"
    assert fig.layout.font.family.startswith("Noto Sans CJK SC")
    # the palette first, then further distinct colours for charts with more series
    assert list(fig.layout.colorway) == list(theme.COLOURS)
    assert list(fig.layout.colorway)[: len(theme.PALETTE)] == list(theme.PALETTE)
    assert fig.layout.height == 380
    assert fig.layout.paper_bgcolor == "white"


def test_date_axes_speak_chinese_and_numeric_axes_are_left_alone() -> None:
    import pandas as pd
    import plotly.graph_objects as go

    from dashboard.export import theme

    dated = go.Figure(go.Scatter(x=pd.to_datetime(["2023-10-20", "2023-10-27"]), y=[1, 2]))
    theme.finish(dated, "截至10月27日走势")
    assert dated.layout.xaxis.tickformat == "%-m月%-d日"

    bars = go.Figure(go.Bar(x=["市级", "县级"], y=[90, 80]))
    theme.finish(bars, "各层级平均热度")
    assert bars.layout.xaxis.tickformat is None
