"""The board's chart builders (dashboard.export.charts) on the hand-made city."""

from __future__ import annotations

import json

import pytest

from dashboard.core import report
from dashboard.export import charts, theme

from ..core.report_data import W3, figures_frame, settings, units_frame


@pytest.fixture(scope="module")
def week() -> report.WeekReport:
    return report.build_report(units_frame(), figures_frame(), settings())


def title(fig) -> str:  # type: ignore[no-untyped-def]
    return fig.layout.title.text


def test_heat_by_level(week: report.WeekReport) -> None:
    fig = charts.heat_by_level(week)
    assert title(fig) == "截至10月27日各层级平均热度"
    assert list(fig.data[0].x) == ["市级", "县级", "乡镇级", "村级"]
    assert list(fig.data[0].y) == [100.0, 100.0, 100.0, 56.4]


def test_coverage_by_subtree(week: report.WeekReport) -> None:
    fig = charts.coverage_by_subtree(week)
    assert title(fig) == "截至10月27日各系统报送率"
    # 乙县: 6 of 7 reported = 85.7%, drawn at the bottom (lowest first from the bottom up).
    bars = dict(zip(fig.data[0].y, fig.data[0].x, strict=True))
    assert bars["乙县"] == pytest.approx(600 / 7)
    assert bars["甲县"] == 100.0
    assert charts.coverage_by_subtree(week, n=1).layout.title.text.endswith("（最低1个）")


def test_ranking_bars_top_and_bottom(week: report.WeekReport) -> None:
    bottom = charts.ranking_bars(week, "bottom", 4)
    assert title(bottom) == "截至10月27日热度排名后4位"
    assert list(bottom.data[0].x) == [12.9] * 4
    assert set(bottom.data[0].marker.color) == {theme.STATUS_COLOURS["red"]}
    top = charts.ranking_bars(week, "top", 3)
    assert list(top.data[0].x) == [100.0] * 3


def test_subtree_lines_and_treemap(week: report.WeekReport) -> None:
    lines = charts.subtree_gradient_lines(week)
    names = [t.name for t in lines.data]
    assert names == ["其他系统", "全市各层级平均", "乙县（上热下冷）"]
    assert list(lines.data[-1].y) == [100.0, 100.0, 12.9]
    tree = charts.heat_treemap(week)
    assert title(tree) == "截至10月27日单位热度分布（点击下钻）"
    assert len(tree.data[0].ids) == 7  # the top three levels: 1 + 2 + 4


def test_trend_and_history_charts(week: report.WeekReport) -> None:
    hist = report.history(units_frame(), figures_frame(), settings())
    trends = report.level_trends(hist)
    fig = charts.trend_lines(trends, "cur_deeds_done", "为民办实事件数", W3, week.level_names)
    assert title(fig) == "截至10月27日各层级为民办实事件数（累计）走势"
    village = next(t for t in fig.data if t.name == "村级")
    # Villages: 4 hot × 10/20/30 + 4 cold × 1 = 44, 84, 124.
    assert list(village.y) == [44.0, 84.0, 124.0]
    weekly = charts.trend_lines(
        trends, "cur_deeds_done", "为民办实事件数", W3, week.level_names, weekly=True
    )
    assert list(next(t for t in weekly.data if t.name == "村级").y)[1:] == [40.0, 40.0]
    one = hist[hist["unit_code"] == "01020101"].assign(name="乙一村")
    lines = charts.unit_history_lines(one, "cur_problems_closed", "已整改销号问题数", W3)
    assert [t.name for t in lines.data] == ["乙一村", "乙一村·停滞周"]
    ranks = charts.rank_history(one, "乙一村", W3)
    assert list(ranks.data[1].y) == [5.0, 5.0, 5.0]
    assert ranks.layout.yaxis2.range == (8.5, 0.5)


def test_lagging_components_and_empty(week: report.WeekReport) -> None:
    reasons = charts.lagging_reasons(week)
    counts = dict(zip(reasons.data[0].x, reasons.data[0].y, strict=True))
    assert counts["停滞"] == 3 and counts["未报送"] == 1 and counts["销号率偏低"] == 0
    row = week.units.set_index("code").loc["01020101"].copy()
    row["name"] = "乙一村"
    parts = charts.heat_components(row, W3)
    assert list(parts.data[0].y)[:4] == [12.1, 17.8, 16.1, 0.0]
    assert list(parts.data[0].text)[4] == "—"  # 任务完成: no 任务清单 set
    empty = report.narrow(week, week.units.iloc[0:0], settings())
    fig = charts.heat_by_level(empty)
    assert "暂无数据" in json.dumps(
        fig.to_plotly_json()["layout"]["annotations"], ensure_ascii=False
    )
