"""The office's chart look: palette, CJK fonts, titles that say what and when.

Every chart in the app, in the image downloads and in the briefings goes through
``finish`` so that a chart pasted into a 简报 looks the same as on the board.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import plotly.graph_objects as go

# Noto CJK comes from Debian's fonts-noto-cjk; the others cover readers on Windows / macOS
# who open an SVG download (SVG keeps text as text and uses the reader's fonts).
FONT_FAMILY = (
    "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, SimHei, sans-serif"
)
TEXT_COLOUR = "#1F1F1F"
MUTED_COLOUR = "#6B6B6B"
GRID_COLOUR = "#E6E6E6"
AXIS_COLOUR = "#BFBFBF"

# Official-document palette: party red first, then a deep blue, gold, and calm companions.
PALETTE: tuple[str, ...] = (
    "#B7282E",  # 党政红
    "#1F4E79",  # 深蓝
    "#D4A017",  # 金黄
    "#4A8BC2",  # 浅蓝
    "#3A7D44",  # 墨绿
    "#8C5A9E",  # 紫
    "#7F7F7F",  # 灰
)
HIGHLIGHT = PALETTE[0]
NEUTRAL = "#9DB4CC"
HEAT_SCALE: list[list[float | str]] = [[0.0, "#1F4E79"], [0.5, "#F2D680"], [1.0, "#B7282E"]]
STATUS_COLOURS: dict[str, str] = {"green": "#3A7D44", "yellow": "#D4A017", "red": "#B7282E"}


def date_label(day: dt.date) -> str:
    """``10月27日`` as the office writes it in chart titles."""
    return f"{day.month}月{day.day}日"


def finish(fig: go.Figure, title: str, height: int = 420) -> go.Figure:
    """Apply the shared look and title to a figure built anywhere in the app."""
    fig.update_layout(
        title={
            "text": title,
            "x": 0.01,
            "xanchor": "left",
            "font": {"size": 18, "family": FONT_FAMILY, "color": TEXT_COLOUR, "weight": "bold"},
        },
        font={"family": FONT_FAMILY, "size": 13, "color": TEXT_COLOUR},
        colorway=list(PALETTE),
        paper_bgcolor="white",
        plot_bgcolor="white",
        height=height,
        margin={"l": 60, "r": 30, "t": 70, "b": 60},
        # legend above the plot, under the title: never on top of an x-axis title
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "xanchor": "left"},
        hoverlabel={"font": {"family": FONT_FAMILY}},
    )
    fig.update_xaxes(gridcolor=GRID_COLOUR, zerolinecolor=AXIS_COLOUR, linecolor=AXIS_COLOUR)
    fig.update_yaxes(gridcolor=GRID_COLOUR, zerolinecolor=AXIS_COLOUR, linecolor=AXIS_COLOUR)
    if _has_date_x(fig):
        # Chinese dates (10月27日), not plotly's English month names
        fig.update_xaxes(tickformat="%-m月%-d日", hoverformat="%Y年%-m月%-d日")
    return fig


def _has_date_x(fig: go.Figure) -> bool:
    for trace in fig.data:
        values = getattr(trace, "x", None)
        if values is None or len(values) == 0:
            continue
        first = values[0]
        if isinstance(first, dt.date | np.datetime64) or hasattr(first, "isoformat"):
            return True
        if isinstance(first, str) and len(first) >= 10 and first[4] == "-" and first[7] == "-":
            return True
    return False
