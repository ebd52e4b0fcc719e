"""The office's chart look: palette, CJK fonts, titles that say what and when.

Every chart in the app, in the image downloads and in the briefings goes through
``finish`` so that a chart pasted into a 简报 looks the same as on the board.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.export import measure

__all__ = [
    "AXIS_COLOUR",
    "COLOURS",
    "DAY_MS",
    "FONT_FAMILY",
    "FONT_PX",
    "GRID_COLOUR",
    "HEAT_SCALE",
    "HIGHLIGHT",
    "LABEL_MAX_PX",
    "LEGEND_ROW_PX",
    "MAX_DATE_TICKS",
    "MORE_COLOURS",
    "MUTED_COLOUR",
    "NEUTRAL",
    "PALETTE",
    "STATUS_COLOURS",
    "TEXT_COLOUR",
    "bar_height",
    "colour",
    "count_axis",
    "date_label",
    "finish",
    "fit_category_axis",
    "label_width",
    "legend_below",
    "relayout",
    "update_axes",
    "wrapped_labels",
]

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
# After the palette, further distinct colours for charts with more series than it has
# (eight systems' lines, many chosen units): no two named series share a colour.
MORE_COLOURS: tuple[str, ...] = (
    "#E07B39",  # 橙
    "#2A9D8F",  # 青绿
    "#6D4C41",  # 棕
    "#C2185B",  # 玫红
    "#5C6BC0",  # 靛蓝
    "#9E9D24",  # 橄榄
    "#00838F",  # 深青
    "#AD1457",  # 深玫
)
COLOURS: tuple[str, ...] = PALETTE + MORE_COLOURS
HIGHLIGHT = PALETTE[0]
NEUTRAL = "#9DB4CC"
HEAT_SCALE: list[list[float | str]] = [[0.0, "#1F4E79"], [0.5, "#F2D680"], [1.0, "#B7282E"]]
STATUS_COLOURS: dict[str, str] = {"green": "#3A7D44", "yellow": "#D4A017", "red": "#B7282E"}


def colour(index: int) -> str:
    """The ``index``-th series colour: the palette, then the further colours."""
    return COLOURS[index % len(COLOURS)]


def date_label(day: dt.date) -> str:
    """``10月27日`` as the office writes it in chart titles."""
    return f"{day.month}月{day.day}日"


def relayout(fig: go.Figure, **props: Any) -> go.Figure:
    """``fig.update_layout(**props)`` — the same layout: a dict merged into what the
    property holds, anything else set — made by setting each top-level property once.
    plotly's own update walks every leaf of every dict through its relayout path (about
    25 ms for ``finish``'s look on this machine, most of building a chart); this takes a
    few."""
    layout = fig.layout
    for key, value in props.items():
        if isinstance(value, Mapping):
            held = layout[key]
            if held is not None and hasattr(held, "to_plotly_json"):
                value = _merged(held.to_plotly_json(), value)
        layout[key] = value
    return fig


def update_axes(fig: go.Figure, axis: str, **props: Any) -> go.Figure:
    """``fig.update_xaxes(**props)`` (``axis="x"``) or ``update_yaxes`` (``"y"``): every such
    axis of the layout, the same way, each set once (see ``relayout``). A key ``a_b`` means
    ``a: {b: …}`` (``title_text``), as plotly reads it."""
    patch: dict[str, Any] = {}
    for key, value in props.items():
        head, _, tail = key.partition("_")
        patch = _merged(patch, {head: {tail: value}} if tail else {key: value})
    layout = fig.layout
    prefix = f"{axis}axis"
    names = [k for k in layout if k.startswith(prefix) and layout[k] is not None]
    for name in sorted(names, key=lambda k: int(k[len(prefix) :] or 1)):
        layout[name] = _merged(layout[name].to_plotly_json(), patch)
    return fig


def _merged(held: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """``held`` with ``update`` laid over it, dicts within dicts merged alike."""
    out = dict(held)
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merged(out[key], value)
        else:
            out[key] = value
    return out


def finish(fig: go.Figure, title: str, height: int = 420) -> go.Figure:
    """Apply the shared look and title to a figure built anywhere in the app."""
    relayout(
        fig,
        title={
            "text": title,
            "x": 0.01,
            "xanchor": "left",
            "font": {"size": 18, "family": FONT_FAMILY, "color": TEXT_COLOUR, "weight": "bold"},
        },
        font={"family": FONT_FAMILY, "size": 13, "color": TEXT_COLOUR},
        colorway=list(COLOURS),
        paper_bgcolor="white",
        plot_bgcolor="white",
        height=height,
        margin={"l": 60, "r": 30, "t": 70, "b": 60},
        # legend above the plot, under the title: never on top of an x-axis title
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "xanchor": "left"},
        hoverlabel={"font": {"family": FONT_FAMILY}},
    )
    lines = {"gridcolor": GRID_COLOUR, "zerolinecolor": AXIS_COLOUR, "linecolor": AXIS_COLOUR}
    update_axes(fig, "x", **lines)
    update_axes(fig, "y", **lines)
    if _has_date_x(fig):
        # Chinese dates (10月27日), not plotly's English month names
        update_axes(fig, "x", tickformat="%-m月%-d日", hoverformat="%Y年%-m月%-d日")
        _report_day_ticks(fig)
    if _legend_row_px(fig) > LEGEND_ROW_PX:
        legend_below(fig)  # more than one row above the plot would cover the title
    return fig


LEGEND_ROW_PX = 640  # what a legend row above the plot may take (a half-width chart on a page)


def _shows_legend(trace: object) -> bool | None:
    """The trace's ``showlegend``: None when unset, False for traces without a legend entry
    (treemaps and the like have no such property)."""
    return getattr(trace, "showlegend", False)


def _legend_entries(fig: go.Figure) -> list[str]:
    shown = [t for t in fig.data if t.name and _shows_legend(t) is not False]
    if len(shown) < 2 and not any(_shows_legend(t) for t in fig.data):
        return []  # plotly shows no legend for a single series
    return [str(t.name) for t in shown]


def _legend_row_px(fig: go.Figure) -> float:
    """The width a one-row legend above the plot needs: each entry's measured name plus its
    symbol and gap."""
    return sum(
        measure.text_width(name.replace("<br>", ""), FONT_PX) + 50 for name in _legend_entries(fig)
    )


FONT_PX = 13  # the tick label size set by ``finish``
LABEL_MAX_PX = 300  # a category label wider than this wraps onto more lines
DAY_MS = 86_400_000
MAX_DATE_TICKS = 10


def _dates(fig: go.Figure) -> list[dt.date]:
    days: set[dt.date] = set()
    for trace in fig.data:
        values = getattr(trace, "x", None)
        if values is None:
            continue
        for value in values:
            try:
                stamp = pd.Timestamp(value)
            except (TypeError, ValueError):
                continue
            if not pd.isna(stamp):
                days.add(stamp.date())
    return sorted(days)


def _report_day_ticks(fig: go.Figure) -> None:
    """Ticks on the report days (the weekday the data falls on), every week or every few
    weeks, instead of plotly's own choice (Sundays, month starts)."""
    days = _dates(fig)
    if not days:
        return
    weeks = max(1, math.ceil(((days[-1] - days[0]).days // 7 + 1) / MAX_DATE_TICKS))
    update_axes(fig, "x", tick0=days[0].isoformat(), dtick=weeks * 7 * DAY_MS, tickmode="linear")


def count_axis(top: float, ticks: int = 5) -> dict[str, object]:
    """Axis settings for counts: whole, round steps (1, 2, 5, 10, 20, 50, 100 …) from zero."""
    step = max(1.0, measure.nice_step(float(top or 0), ticks))
    step = float(math.ceil(step)) if step < 10 else step
    return {"tick0": 0, "dtick": step, "tickformat": ",d", "rangemode": "tozero"}


def wrapped_labels(labels: list[str], max_px: float = LABEL_MAX_PX) -> list[str]:
    """Each label with ``<br>`` where it is wider than ``max_px`` at the chart's font size."""
    return ["<br>".join(measure.wrap(str(label), max_px, FONT_PX)) for label in labels]


def label_width(labels: list[str]) -> float:
    """The widest line of the (possibly wrapped) labels, in CSS px at the chart's font size."""
    return max(
        (measure.text_width(line, FONT_PX) for label in labels for line in label.split("<br>")),
        default=0.0,
    )


def legend_below(fig: go.Figure) -> go.Figure:
    """The legend under the plot, one series a line (long names wrapped), with the figure
    grown to hold it: every named series stays visible however long its name, and the
    plot keeps its width (a legend at the side would take it)."""
    if fig.layout.legend.yref == "container":  # already below
        return fig
    names = [
        str(t.name)
        for t in fig.data
        if t.name and _shows_legend(t) is not False and t.visible is not False
    ]
    lines = 0
    for trace in fig.data:
        if trace.name and _shows_legend(trace) is not False:
            wrapped = wrapped_labels([str(trace.name)], max_px=520)[0]
            trace.name = wrapped
            lines += wrapped.count("<br>") + 1
    lines = max(lines, len(names))
    legend_px = 22 * lines + 16
    margin = dict(fig.layout.margin.to_plotly_json())
    bottom = int(margin.get("b") or 60)
    margin["b"] = bottom + legend_px
    relayout(
        fig,
        height=int(fig.layout.height or 420) + legend_px,
        margin=margin,
        legend={
            "orientation": "v",
            "yref": "container",
            "y": 0,
            "yanchor": "bottom",
            "x": 0,
            "xanchor": "left",
        },
    )
    return fig


def bar_height(labels: list[str], least: int = 300) -> int:
    """Height of a horizontal bar chart with room for every bar and wrapped label line."""
    rows = sum(max(30, 17 * (s.count("<br>") + 1) + 10) for s in wrapped_labels(labels))
    return max(least, rows + 140)


def fit_category_axis(fig: go.Figure, labels: list[str], axis: str = "y") -> go.Figure:
    """Wrap long category labels and give the axis a margin as wide as the widest line, so no
    unit name is cut at the image edge however long the registry's names are."""
    shown = wrapped_labels(labels)
    update = {"tickmode": "array", "tickvals": list(labels), "ticktext": shown}
    lines = max((s.count("<br>") + 1 for s in shown), default=1)
    if axis == "y":
        update_axes(fig, "y", **update)
        margin = dict(fig.layout.margin.to_plotly_json())
        margin["l"] = int(label_width(shown)) + 24
        relayout(fig, margin=margin)
    else:
        update_axes(fig, "x", **update)
        margin = dict(fig.layout.margin.to_plotly_json())
        margin["b"] = max(int(margin.get("b") or 0), 18 * lines + 50)
        relayout(fig, margin=margin)
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
