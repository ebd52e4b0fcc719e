"""The briefing's key charts, each a plain plotly figure built from one ``WeekReport``.

Every builder returns a figure finished with the office theme and titled with what and
when ("截至10月27日各县（市、区）问题销号率").  Bar and line figures only, so the slides
can restate them as native PowerPoint charts.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.core.catalogue import PROBLEMS_CLOSED, PROBLEMS_FOUND
from dashboard.export import theme

__all__ = [
    "COUNTY_SUFFIXES",
    "GROUP_LIMIT",
    "by_child_group",
    "child_groups",
    "closure_by_group",
    "coverage_by_group",
    "group_label",
    "lagging_reasons",
]


def _col(frame: pd.DataFrame, indicator: str) -> pd.Series:
    """The carried (cumulative) value of ``indicator`` when present, else the reported one."""
    for name in (f"cur_{indicator}", indicator):
        if name in frame.columns:
            return pd.to_numeric(frame[name], errors="coerce").astype("float64")
    return pd.Series(np.nan, index=frame.index, dtype="float64")


COUNTY_SUFFIXES = ("县", "区", "市", "旗")
GROUP_LIMIT = 15  # a briefing chart shows at most this many groups (the lowest ones)


def group_label(report: Any) -> str:
    """How the office names the units one level below the scope: 各县（市、区） when they are
    all counties, 各系统 for counties mixed with 市直部门, 各乡镇（街道）, 各村（社区）…"""
    units = report.units
    if units.empty:
        return "各单位"
    top = int(units["level"].min())
    below = units[units["level"] == top + 1]
    if below.empty:
        return "各单位"
    name = str(below["level_name"].iloc[0]) if "level_name" in below.columns else ""
    if name == "县级":
        counties = below["name"].astype(str).str.endswith(COUNTY_SUFFIXES).all()
        return "各县（市、区）" if counties else "各系统"
    return {"乡镇级": "各乡镇（街道）", "村级": "各村（社区）"}.get(
        name, f"各{name}单位" if name else "各单位"
    )


def _lowest(
    data: pd.DataFrame, column: str, report: Any, what: str, limit: int
) -> tuple[pd.DataFrame, str]:
    """The ``limit`` lowest groups by ``column`` (lowest on top) and the chart title."""
    day = theme.date_label(report.report_date)
    label = group_label(report)
    ordered = data.sort_values([column, "name"], kind="stable")
    if len(ordered) > limit:
        return ordered.head(limit), f"截至{day}{what}最低的{limit}个{label[1:]}"
    return ordered, f"截至{day}{label}{what}"


def child_groups(units: pd.DataFrame) -> pd.Series:
    """Unit code → code of its ancestor one level below the scope's top (NaN for the top)."""
    if units.empty:
        return pd.Series(dtype="object")
    parent = dict(zip(units["code"].astype(str), units["parent_code"], strict=True))
    level = dict(zip(units["code"].astype(str), units["level"].astype(int), strict=True))
    target = min(level.values()) + 1
    out: dict[str, str | None] = {}
    for code in parent:
        current: str | None = code
        while current is not None and level.get(current, 0) > target:
            nxt = parent.get(current)
            current = str(nxt) if isinstance(nxt, str) and nxt in level else None
        out[code] = current if current is not None and level.get(current) == target else None
    return pd.Series(out, dtype="object")


def by_child_group(report: Any) -> pd.DataFrame:
    """Per group one level below the scope: name, expected, reported, coverage, closure rate."""
    units = report.units.copy()
    units["code"] = units["code"].astype(str)
    units["group"] = units["code"].map(child_groups(units))
    units = units.dropna(subset=["group"])
    if units.empty:
        return pd.DataFrame(columns=["code", "name", "expected", "reported", "coverage", "closure"])
    units["found"] = _col(units, PROBLEMS_FOUND)
    units["closed"] = _col(units, PROBLEMS_CLOSED)
    grouped = units.groupby("group", sort=False).agg(
        expected=("code", "size"),
        reported=("reported", "sum"),
        found=("found", "sum"),
        closed=("closed", "sum"),
    )
    names = dict(zip(report.units["code"].astype(str), report.units["name"], strict=True))
    out = grouped.reset_index().rename(columns={"group": "code"})
    out.insert(1, "name", out["code"].map(names))
    out["coverage"] = out["reported"] / out["expected"]
    out["closure"] = (out["closed"] / out["found"]).where(out["found"] > 0)
    return out


def _bar(
    categories: list[str],
    values: list[float],
    title: str,
    *,
    percent: bool = False,
    highlight: list[bool] | None = None,
    horizontal: bool = False,
    height: int = 420,
    name: str = "",
) -> go.Figure:
    colours = [
        theme.HIGHLIGHT if (highlight and highlight[i]) else theme.PALETTE[1]
        for i in range(len(categories))
    ]
    text = [
        ""
        if v is None or np.isnan(v)
        else (f"{v:.1%}" if percent else f"{v:,.1f}".rstrip("0").rstrip("."))
        for v in values
    ]
    trace = go.Bar(
        x=values if horizontal else categories,
        y=categories if horizontal else values,
        orientation="h" if horizontal else "v",
        marker={"color": colours},
        text=text,
        textposition="outside",
        cliponaxis=False,
        name=name or title,
    )
    fig = theme.finish(go.Figure(trace), title, height=height)
    value_axis = {"tickformat": ".0%"} if percent else {}
    if horizontal:
        fig.update_xaxes(**value_axis)
        fig.update_yaxes(autorange="reversed")
        theme.fit_category_axis(fig, categories)
    else:
        fig.update_yaxes(**value_axis)
    fig.update_layout(showlegend=False)
    return fig


def coverage_by_group(report: Any, limit: int = GROUP_LIMIT) -> go.Figure:
    """报送率 of the groups below the scope, lowest first; groups under 100% in red."""
    data, title = _lowest(by_child_group(report), "coverage", report, "报送率", limit)
    return _bar(
        [str(n) for n in data["name"]],
        [float(v) for v in data["coverage"]],
        title,
        percent=True,
        highlight=[bool(v < 1) for v in data["coverage"]],
        horizontal=True,
        height=theme.bar_height([str(n) for n in data["name"]], 300),
        name="报送率",
    )


def closure_by_group(report: Any, low: float = 0.5, limit: int = GROUP_LIMIT) -> go.Figure:
    """问题销号率 of the groups below the scope, lowest first; groups below ``low`` in red."""
    data = by_child_group(report).dropna(subset=["closure"])
    data, title = _lowest(data, "closure", report, "问题销号率", limit)
    return _bar(
        [str(n) for n in data["name"]],
        [float(v) for v in data["closure"]],
        title,
        percent=True,
        highlight=[bool(v < low) for v in data["closure"]],
        horizontal=True,
        height=theme.bar_height([str(n) for n in data["name"]], 300),
        name="问题销号率",
    )


def lagging_reasons(report: Any, reasons: tuple[str, ...] = ()) -> go.Figure:
    """How many lagging units each reason covers (a unit can have several reasons)."""
    counts: dict[str, int] = dict.fromkeys(reasons, 0)
    for listed in report.lagging.get("reasons", pd.Series(dtype="object")):
        for reason in listed or []:
            counts[str(reason)] = counts.get(str(reason), 0) + 1
    day = theme.date_label(report.report_date)
    fig = _bar(
        list(counts),
        [float(v) for v in counts.values()],
        f"截至{day}{report.scope_name}落后单位原因分布（个）",
        name="单位数",
    )
    fig.update_yaxes(**theme.count_axis(max(counts.values(), default=0)))
    return fig
