"""Board chart builders: pure plotly figures from a ``WeekReport`` (or its trend tables).

Stable names (pages, images and briefings use them):
``heat_by_level``, ``coverage_by_subtree``, ``ranking_bars``, ``subtree_gradient_lines``,
``heat_treemap``, ``trend_lines``, ``unit_history_lines``, ``rank_history``.
Every title says what and when, e.g. "截至10月27日各层级平均热度".
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from dashboard.core.catalogue import PROBLEMS_CLOSED, PROBLEMS_FOUND
from dashboard.core.flags import REASONS
from dashboard.core.heat import COMPONENTS
from dashboard.core.metrics import PACE_WEEKS
from dashboard.export import measure, theme

__all__ = [
    "STATUS_NAMES",
    "closure_projection",
    "coverage_by_subtree",
    "heat_by_level",
    "heat_components",
    "heat_treemap",
    "lagging_reasons",
    "rank_history",
    "rank_ticks",
    "ranking_bars",
    "subtree_gradient_lines",
    "trend_lines",
    "unit_history_lines",
]

STATUS_NAMES = {"green": "绿（较好）", "yellow": "黄（一般）", "red": "红（落后）"}


def _when(report: Any) -> str:
    return f"截至{theme.date_label(report.report_date)}"


def _scope_word(report: Any) -> str:
    return "" if report.scope_code is None else f"{report.scope_name}"


def _empty(title: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text="暂无数据", showarrow=False, font={"size": 16}, x=0.5, y=0.5)
    theme.update_axes(fig, "x", visible=False)
    theme.update_axes(fig, "y", visible=False)
    return theme.finish(fig, title)


def heat_by_level(report: Any) -> go.Figure:
    """Mean heat by level: the 上热中温下冷 picture at a glance."""
    title = f"{_when(report)}{_scope_word(report)}各层级平均热度"
    levels = report.levels.dropna(subset=["mean_heat"])
    if levels.empty:
        return _empty(title)
    colours = [theme.PALETTE[i % len(theme.PALETTE)] for i in range(len(levels))]
    fig = go.Figure(
        go.Bar(
            x=levels["name"],
            y=levels["mean_heat"],
            marker_color=colours,
            text=[f"{v:.1f}" for v in levels["mean_heat"]],
            textposition="outside",
            customdata=levels[["units", "reported"]].to_numpy(),
            hovertemplate="%{x}<br>平均热度 %{y:.1f}<br>单位 %{customdata[0]} 个，已报 %{customdata[1]} 个<extra></extra>",
        )
    )
    theme.update_axes(fig, "y", title_text="平均热度（0–100）", range=[0, 105])
    theme.update_axes(fig, "x", title_text="层级")
    return theme.finish(fig, title)


def coverage_by_subtree(report: Any, n: int = 15) -> go.Figure:
    """报送率 of each subtree (level-2 unit with everything below it): the ``n`` lowest."""
    title = f"{_when(report)}{_scope_word(report)}各系统报送率"
    units = report.units
    grouped = units.dropna(subset=["root_l2"]).groupby("root_l2")
    if units.empty or grouped.ngroups == 0:
        return _empty(title)
    table = pd.DataFrame(
        {"expected": grouped.size(), "reported": grouped["reported"].sum().astype(int)}
    )
    names = dict(zip(units["code"], units["name"], strict=True))
    table["name"] = [names.get(code, code) for code in table.index]
    table["rate"] = table["reported"] / table["expected"] * 100
    if len(table) > n:
        title += f"（最低{n}个）"
    table = table.sort_values(["rate", "name"]).head(n).iloc[::-1]
    fig = go.Figure(
        go.Bar(
            y=[str(n) for n in table["name"]],
            x=table["rate"],
            orientation="h",
            marker_color=theme.PALETTE[3],
            text=[f"{v:.1f}%" for v in table["rate"]],
            textposition="outside",
            customdata=table[["reported", "expected"]].to_numpy(),
            hovertemplate="%{y}<br>报送率 %{x:.1f}%<br>已报 %{customdata[0]} / 应报 %{customdata[1]}<extra></extra>",
        )
    )
    theme.update_axes(fig, "x", title_text="报送率（%）", range=[0, 110])
    labels = [str(n) for n in table["name"]]
    theme.finish(fig, title, height=theme.bar_height(labels, 360))
    return theme.fit_category_axis(fig, labels)


def ranking_bars(
    report: Any, which: str = "top", n: int = 10, units: pd.DataFrame | None = None
) -> go.Figure:
    """The ``n`` hottest (``which="top"``) or coldest (``"bottom"``) units by heat, coloured by status."""
    frame = report.units if units is None else units
    word = "前" if which == "top" else "后"
    title = f"{_when(report)}热度排名{word}{n}位"
    if frame.empty:
        return _empty(title)
    slim = frame[["code", "name", "pool", "rank", "heat", "status"]]
    ordered = slim.sort_values(["heat", "code"], ascending=[which != "top", True]).head(n)
    ordered = ordered.iloc[::-1]  # biggest bar on top for "top"
    labels = [
        f"{name}（{pool}第{rank}）"
        for name, pool, rank in ordered[["name", "pool", "rank"]].to_numpy()
    ]
    fig = go.Figure(
        go.Bar(
            y=labels,
            x=ordered["heat"],
            orientation="h",
            marker_color=[theme.STATUS_COLOURS.get(s, "#999") for s in ordered["status"]],
            text=[f"{v:.1f}" for v in ordered["heat"]],
            textposition="outside",
            hovertemplate="%{y}<br>热度 %{x:.1f}<extra></extra>",
        )
    )
    theme.update_axes(fig, "x", title_text="热度指数", range=[0, 110])
    theme.finish(fig, title, height=theme.bar_height(labels, 360))
    return theme.fit_category_axis(fig, labels)


def subtree_gradient_lines(report: Any, only_flagged: bool = False) -> go.Figure:
    """One line per subtree across levels (level 2 → grassroots): flagged subtrees in colour
    and named, the others thin grey, and the scope's own mean by level dashed."""
    title = f"{_when(report)}各系统逐级平均热度"
    subtrees = report.subtrees
    if subtrees.empty:
        return _empty(title)
    level_cols = sorted(
        (c for c in subtrees.columns if c.startswith("heat_l")), key=lambda c: int(c[6:])
    )
    names = report.level_names
    x_labels = [names.get(int(c[6:]), f"第{c[6:]}级") for c in level_cols]
    fig = go.Figure()
    others = subtrees[~subtrees["flagged"]]
    if not only_flagged:
        for i, row in enumerate(others.itertuples()):
            fig.add_trace(
                go.Scatter(
                    x=x_labels,
                    y=[getattr(row, c) for c in level_cols],
                    mode="lines+markers",
                    name="其他系统",
                    legendgroup="others",
                    showlegend=i == 0,
                    line={"width": 1, "color": "#B0B7BF"},
                    marker={"size": 4},
                    hovertemplate=f"{row.name}<br>%{{x}} %{{y:.1f}}<extra></extra>",
                )
            )
    profile = report.levels.set_index("level")["mean_heat"]
    fig.add_trace(
        go.Scatter(
            x=x_labels,
            y=[profile.get(int(c[6:])) for c in level_cols],
            mode="lines",
            name=f"{report.scope_name}各层级平均",
            line={"width": 2, "dash": "dash", "color": "#333"},
        )
    )
    for i, row in enumerate(subtrees[subtrees["flagged"]].itertuples()):
        fig.add_trace(
            go.Scatter(
                x=x_labels,
                y=[getattr(row, c) for c in level_cols],
                mode="lines+markers",
                name=f"{row.name}（{row.pattern}）",
                line={"width": 4, "color": theme.colour(i)},
                marker={"size": 9},
            )
        )
    theme.update_axes(fig, "y", title_text="平均热度", range=[0, 105])
    return theme.legend_below(theme.finish(fig, title, height=420))


def heat_treemap(report: Any, depth: int = 3) -> go.Figure:
    """Drill-down treemap of the scope's top ``depth`` levels, each unit coloured by its heat.

    (Below three levels a city-wide treemap has thousands of unreadable tiles: pick a
    subtree to see its grassroots.)"""
    title = f"{_when(report)}{_scope_word(report)}单位热度分布（点击下钻）"
    units = report.units
    if not units.empty:
        units = units[units["level"] < int(units["level"].min()) + depth]
    if units.empty:
        return _empty(title)
    codes = set(units["code"])
    parents = [p if isinstance(p, str) and p in codes else "" for p in units["parent_code"]]
    fig = go.Figure(
        go.Treemap(
            ids=units["code"],
            labels=units["name"],
            parents=parents,
            marker={
                "colors": units["heat"],
                "colorscale": theme.HEAT_SCALE,
                "cmin": 0,
                "cmax": 100,
                "colorbar": {"title": {"text": "热度"}},
            },
            customdata=units[["heat", "level_name"]].to_numpy(),
            hovertemplate="%{label}<br>%{customdata[1]}，热度 %{customdata[0]:.1f}<extra></extra>",
            branchvalues="remainder",
            maxdepth=3,
        )
    )
    return theme.finish(fig, title, height=560)


def trend_lines(
    trends: pd.DataFrame,
    value: str,
    label: str,
    until: dt.date,
    names: dict[int, str] | None = None,
    weekly: bool = False,
) -> go.Figure:
    """One line per level of ``value`` over the report weeks (``trends`` from report.level_trends)."""
    kind = "本周新增" if weekly else "累计"
    title = f"截至{theme.date_label(until)}各层级{label}（{kind}）走势"
    if trends.empty or value not in trends.columns:
        return _empty(title)
    fig = go.Figure()
    for level, rows in trends.groupby("level", sort=True):
        rows = rows.sort_values("report_date")
        series = rows[value].diff() if weekly else rows[value]
        fig.add_trace(
            go.Scatter(
                x=rows["report_date"],
                y=series,
                mode="lines+markers",
                name=(names or {}).get(int(level), f"第{level}级"),
            )
        )
    theme.update_axes(fig, "x", title_text="报告周")
    theme.update_axes(fig, "y", title_text=label)
    return theme.finish(fig, title)


def unit_history_lines(
    history: pd.DataFrame,
    value: str,
    label: str,
    until: dt.date,
    projection: pd.DataFrame | None = None,
) -> go.Figure:
    """Lines of ``value`` for chosen units over the weeks; stalled weeks marked with ✕.

    ``history`` rows: unit_code, name, report_date, value column, stalled.  ``projection``
    (optional): unit_code, name, report_date, value — drawn dashed to the end date.
    """
    title = f"截至{theme.date_label(until)}所选单位{label}走势"
    if history.empty:
        return _empty(title)
    fig = go.Figure()
    colours: dict[str, str] = {}
    for index, (code, rows) in enumerate(history.groupby("unit_code", sort=False)):
        rows = rows.sort_values("report_date")
        name = str(rows["name"].iloc[0])
        # each unit one colour: its line, its ✕ on stalled weeks and its projection
        colour = colours.setdefault(str(code), theme.colour(index))
        fig.add_trace(
            go.Scatter(
                x=rows["report_date"],
                y=rows[value],
                mode="lines+markers",
                name=name,
                line={"color": colour},
                legendgroup=str(code),
            )
        )
        stalled = rows[rows["stalled"].astype(bool)]
        if not stalled.empty:
            fig.add_trace(
                go.Scatter(
                    x=stalled["report_date"],
                    y=stalled[value],
                    mode="markers",
                    marker={"symbol": "x", "size": 12, "color": colour},
                    name=f"{name}·停滞周",
                    legendgroup=str(code),
                )
            )
    if projection is not None and not projection.empty:
        for code, rows in projection.groupby("unit_code", sort=False):
            fig.add_trace(
                go.Scatter(
                    x=rows["report_date"],
                    y=rows[value],
                    mode="lines",
                    line={"dash": "dash", "color": colours.get(str(code))},
                    name=f"{rows['name'].iloc[0]}·按当前进度预测",
                    legendgroup=str(code),
                )
            )
    theme.update_axes(fig, "x", title_text="报告周")
    theme.update_axes(fig, "y", title_text=label)
    return theme.finish(fig, title)


def rank_history(history: pd.DataFrame, name: str, until: dt.date) -> go.Figure:
    """One unit's heat and rank over the weeks (rank axis reversed: 1 on top)."""
    title = f"截至{theme.date_label(until)}{name}热度与排名变化"
    if history.empty:
        return _empty(title)
    rows = history.sort_values("report_date")
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(x=rows["report_date"], y=rows["heat"], name="热度", mode="lines+markers")
    )
    fig.add_trace(
        go.Scatter(
            x=rows["report_date"],
            y=rows["rank"].astype("float64"),
            name="同组排名",
            mode="lines+markers",
            yaxis="y2",
            line={"dash": "dot"},
        )
    )
    worst = (
        float(rows["pool_size"].max()) if "pool_size" in rows.columns else float(rows["rank"].max())
    )
    fig.update_layout(
        yaxis={"title": {"text": "热度"}, "range": [0, 105]},
        yaxis2={
            "title": {"text": "同组排名（1 在上）"},
            "overlaying": "y",
            "side": "right",
            "range": [worst + 0.5, 0.5],
            **rank_ticks(worst),
        },
    )
    return theme.finish(fig, title)


def rank_ticks(worst: float) -> dict[str, object]:
    """Whole-number rank ticks: every rank in a small pool, round steps (10, 20, 50 …) in a
    large one; never the repeated "1 1 1 2" of fractional ticks printed as integers."""
    if worst <= 10:
        return {"tickmode": "linear", "tick0": 1, "dtick": 1, "tickformat": "d"}
    step = math.ceil(max(1.0, measure.nice_step(worst, 6)))
    ticks = [1, *range(step, int(worst) + 1, step)]  # rank 1 marks the top
    return {"tickmode": "array", "tickvals": ticks, "tickformat": "d", "dtick": step}


def closure_projection(
    trends: pd.DataFrame, projected: pd.DataFrame, until: dt.date, end_date: dt.date
) -> go.Figure:
    """Σ problems found and closed over the weeks, with the closed line projected to the end
    date at the recent pace (``projected`` from report.projection on the closed series)."""
    title = (
        f"截至{theme.date_label(until)}问题销号进度及按当前进度至{theme.date_label(end_date)}预测"
    )
    if trends.empty:
        return _empty(title)
    total = trends.groupby("report_date", sort=True)[
        [f"cur_{PROBLEMS_FOUND}", f"cur_{PROBLEMS_CLOSED}"]
    ].sum()
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=total.index,
            y=total[f"cur_{PROBLEMS_FOUND}"],
            name="检视问题数（累计）",
            mode="lines+markers",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=total.index,
            y=total[f"cur_{PROBLEMS_CLOSED}"],
            name="已整改销号（累计）",
            mode="lines+markers",
        )
    )
    if not projected.empty:
        fig.add_trace(
            go.Scatter(
                x=projected["report_date"],
                y=projected["value"],
                name=f"销号按近{PACE_WEEKS}周进度预测",
                mode="lines",
                line={"dash": "dash"},
            )
        )
    theme.update_axes(fig, "x", title_text="报告周")
    theme.update_axes(fig, "y", title_text="问题数（个）")
    return theme.finish(fig, title)


def heat_components(unit: pd.Series, until: dt.date) -> go.Figure:
    """What made one unit's heat: its component scores (0–100)."""
    title = f"截至{theme.date_label(until)}{unit['name']}热度构成（热度 {unit['heat']:.1f}）"
    names = list(COMPONENTS.values())
    values = [unit.get(f"comp_{key}") for key in COMPONENTS]
    fig = go.Figure(
        go.Bar(
            x=names,
            y=values,
            marker_color=list(theme.PALETTE[: len(names)]),
            text=["—" if v is None or v != v else f"{v:.1f}" for v in values],
            textposition="outside",
        )
    )
    theme.update_axes(fig, "y", title_text="分量得分（0–100）", range=[0, 110])
    return theme.finish(fig, title, height=360)


def lagging_reasons(report: Any) -> go.Figure:
    """How many lagging units each reason names (a unit may count under several)."""
    title = f"{_when(report)}{_scope_word(report)}落后单位原因分布"
    lagging = report.lagging
    counts = [int(lagging[r].sum()) if r in lagging.columns else 0 for r in REASONS]
    fig = go.Figure(
        go.Bar(
            x=list(REASONS),
            y=counts,
            marker_color=theme.PALETTE[0],
            text=[str(c) for c in counts],
            textposition="outside",
            hovertemplate="%{x}：%{y} 个单位<extra></extra>",
        )
    )
    theme.update_axes(
        fig, "y", title_text="单位数（个）", **theme.count_axis(max(counts, default=0))
    )
    return theme.finish(fig, title, height=360)
