"""The office's chart look: palette, CJK fonts, titles that say what and when."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go

FONT_FAMILY = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
PALETTE: tuple[str, ...] = ("#C0392B", "#E67E22", "#F1C40F", "#2E86C1", "#27AE60", "#8E44AD", "#7F8C8D")
HEAT_SCALE: list[list[float | str]] = [[0.0, "#2E86C1"], [0.5, "#F7DC6F"], [1.0, "#C0392B"]]
STATUS_COLOURS: dict[str, str] = {"green": "#27AE60", "yellow": "#F1C40F", "red": "#C0392B"}


def date_label(day: dt.date) -> str:
    """``10月27日`` as the office writes it in chart titles."""
    return f"{day.month}月{day.day}日"


def finish(fig: go.Figure, title: str, height: int = 420) -> go.Figure:
    """Apply the shared look and title to a figure built anywhere in the app."""
    fig.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left", "font": {"size": 18}},
        font={"family": FONT_FAMILY, "size": 13, "color": "#222"},
        colorway=list(PALETTE),
        paper_bgcolor="white",
        plot_bgcolor="white",
        height=height,
        margin={"l": 60, "r": 30, "t": 70, "b": 60},
        legend={"orientation": "h", "yanchor": "bottom", "y": -0.25, "x": 0},
    )
    fig.update_xaxes(gridcolor="#EEE", zerolinecolor="#CCC")
    fig.update_yaxes(gridcolor="#EEE", zerolinecolor="#CCC")
    return fig
