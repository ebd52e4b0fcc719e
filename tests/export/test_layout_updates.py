"""``theme.relayout`` and ``theme.update_axes`` make the figure plotly's own
``update_layout`` / ``update_xaxes`` / ``update_yaxes`` make, only faster: property by
property, and for every board and briefing chart built with them instead."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator

import plotly.graph_objects as go
import pytest

from dashboard.core import report
from dashboard.export import briefing_charts, charts, theme

from ..core.report_data import figures_frame, settings, units_frame
from .conftest import make_long_report


def plotly_relayout(fig: go.Figure, **props: object) -> go.Figure:
    return fig.update_layout(**props)


def plotly_axes(fig: go.Figure, axis: str, **props: object) -> go.Figure:
    return getattr(fig, f"update_{axis}axes")(**props)


def same(a: go.Figure, b: go.Figure) -> bool:
    return json.loads(a.to_json()) == json.loads(b.to_json())


def test_relayout_merges_dicts_into_what_is_set_and_replaces_the_rest() -> None:
    def made(update: Callable[..., go.Figure]) -> go.Figure:
        fig = go.Figure(go.Bar(x=["甲", "乙"], y=[1, 2]))
        fig.update_layout(title={"text": "旧", "font": {"size": 9}}, margin={"l": 5}, height=300)
        update(
            fig,
            title={"text": "新", "font": {"family": "Noto Sans CJK SC"}},
            margin={"r": 7},
            colorway=["#111111", "#222222"],
            height=420,
            legend={"orientation": "h"},
        )
        return fig

    ours, theirs = made(theme.relayout), made(plotly_relayout)
    assert same(ours, theirs)
    assert ours.layout.title.font.size == 9 and ours.layout.margin.l == 5


def test_update_axes_sets_every_axis_of_the_kind_and_reads_title_text() -> None:
    def made(update: Callable[..., go.Figure]) -> go.Figure:
        fig = go.Figure(go.Scatter(x=[1, 2], y=[3, 4]))
        fig.update_layout(yaxis2={"overlaying": "y", "side": "right", "title": {"text": "排名"}})
        update(fig, "y", title_text="热度", range=[0, 105], gridcolor="#E6E6E6")
        update(fig, "x", tickformat="%-m月%-d日")
        return fig

    ours, theirs = made(theme.update_axes), made(plotly_axes)
    assert same(ours, theirs)
    assert ours.layout.yaxis2.title.text == "热度" and ours.layout.yaxis2.side == "right"
    treemap = go.Figure(go.Treemap(ids=["a"], labels=["a"], parents=[""]))
    assert same(
        theme.update_axes(go.Figure(treemap), "x", gridcolor="#E6E6E6"),
        plotly_axes(go.Figure(treemap), "x", gridcolor="#E6E6E6"),
    )


def builders(rep: report.WeekReport) -> Iterator[tuple[str, Callable[[], go.Figure]]]:
    day = rep.report_date
    history = report.history(units_frame(), figures_frame(), settings(), unit_codes=["0101"])
    trends = report.level_trends(report.history(units_frame(), figures_frame(), settings()))
    projected = report.projection(
        trends.groupby("report_date")["cur_problems_closed"].sum(), dt.date(2024, 3, 1)
    )
    yield "heat_by_level", lambda: charts.heat_by_level(rep)
    yield "coverage", lambda: charts.coverage_by_subtree(rep)
    yield "ranking", lambda: charts.ranking_bars(rep, "bottom", 5)
    yield "gradient", lambda: charts.subtree_gradient_lines(rep)
    yield "treemap", lambda: charts.heat_treemap(rep)
    yield "lagging", lambda: charts.lagging_reasons(rep)
    yield "trend", lambda: charts.trend_lines(trends, "cur_problems_found", "问题", day)
    yield "weekly", lambda: charts.trend_lines(trends, "cur_deeds_done", "实事", day, weekly=True)
    yield "closure", lambda: charts.closure_projection(trends, projected, day, dt.date(2024, 3, 1))
    yield "units", lambda: charts.unit_history_lines(history, "heat", "热度", day)
    yield "rank", lambda: charts.rank_history(history, "甲", day)
    yield "components", lambda: charts.heat_components(rep.units.iloc[0], day)
    yield "empty", lambda: charts.heat_by_level(report.narrow(rep, rep.units.iloc[:0], settings()))
    yield "briefing_coverage", lambda: briefing_charts.coverage_by_group(rep)
    yield "briefing_closure", lambda: briefing_charts.closure_by_group(rep)
    yield "briefing_lagging", lambda: briefing_charts.lagging_reasons(rep)


@pytest.mark.parametrize("long_names", [False, True])
def test_every_chart_is_the_figure_plotlys_own_updates_make(monkeypatch, long_names) -> None:
    """Long unit names wrap labels and move legends below the plot: those paths too."""
    rep = (
        make_long_report()
        if long_names
        else report.build_report(units_frame(), figures_frame(), settings())
    )
    for name, build in builders(rep):
        ours = build()
        with monkeypatch.context() as patched:
            patched.setattr(theme, "relayout", plotly_relayout)
            patched.setattr(theme, "update_axes", plotly_axes)
            theirs = build()
        assert same(ours, theirs), name
