"""Charts fit their labels and tick where a reader expects: long unit names are never cut,
rank axes tick on whole ranks, date axes on report days, counts on round numbers."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import plotly.graph_objects as go
import pytest
from PIL import Image

from dashboard.core import report
from dashboard.export import briefing, charts, images, measure, theme
from dashboard.export.document import ChartItem

from ..core.report_data import W3, figures_frame, settings, units_frame
from .conftest import LONG_NAMES, make_long_report

WHITE = 245


def _edge_is_blank(png: bytes, columns: int = 3) -> tuple[bool, bool]:
    """Whether the image's leftmost and rightmost ``columns`` pixel columns are background:
    a label cut at the image edge leaves its strokes there."""
    image = Image.open(io.BytesIO(png)).convert("L")
    width, height = image.size
    left = image.crop((0, 0, columns, height)).getextrema()[0] >= WHITE
    right = image.crop((width - columns, 0, width, height)).getextrema()[0] >= WHITE
    return left, right


@pytest.fixture(scope="module")
def long_charts() -> list[ChartItem]:
    return briefing.chart_items(make_long_report(), briefing.BriefingOptions())


def test_long_names_are_wrapped_and_the_margin_holds_the_widest_line(
    long_charts: list[ChartItem],
) -> None:
    horizontal = [c for c in long_charts if c.figure.data[0].orientation == "h"]
    assert {c.name for c in horizontal} >= {"报送率_分系统", "热度排名后10位"}
    for chart in horizontal:
        axis = chart.figure.layout.yaxis
        shown = list(axis.ticktext)
        assert len(shown) == len(chart.figure.data[0].y)
        assert any("<br>" in label for label in shown), chart.name  # the long ones wrap
        widest = max(
            measure.text_width(line, theme.FONT_PX) for s in shown for line in s.split("<br>")
        )
        assert widest <= theme.LABEL_MAX_PX + theme.FONT_PX
        assert chart.figure.layout.margin.l >= widest + 10, chart.name
        # every character of every name is still there
        assert [s.replace("<br>", "") for s in shown] == [str(v) for v in axis.tickvals]


def test_document_images_are_wide_enough_for_their_labels(
    long_charts: list[ChartItem],
) -> None:
    pngs = briefing.document_pngs(long_charts)
    assert set(pngs) == {c.name for c in long_charts}
    for name, png in pngs.items():
        assert _edge_is_blank(png) == (True, True), name


def test_legend_keeps_every_named_series_in_distinct_colours() -> None:
    fig = charts.subtree_gradient_lines(make_long_report())
    named = [t for t in fig.data if t.showlegend is not False]
    flagged = [t for t in named if "上热" in str(t.name)]
    assert flagged and all(
        LONG_NAMES["01"][:10] in str(t.name).replace("<br>", "") for t in flagged
    )
    assert fig.layout.legend.orientation == "v" and fig.layout.legend.yref == "container"
    colours = [t.line.color for t in named]
    assert len(set(colours)) == len(colours)
    assert len(set(theme.COLOURS)) == len(theme.COLOURS) >= 12


def test_rank_axis_ticks_whole_ranks() -> None:
    hist = report.history(units_frame(), figures_frame(), settings())
    one = hist[hist["unit_code"] == "01020101"].assign(name="乙一村")
    axis = charts.rank_history(one, "乙一村", W3).layout.yaxis2
    assert axis.dtick == 1 and axis.tick0 == 1 and axis.tickmode == "linear"
    big = charts.rank_ticks(1261)
    assert big["tickvals"] == [1, 250, 500, 750, 1000, 1250]


def test_date_axes_tick_on_report_days() -> None:
    fridays = [dt.date(2023, 9, 15) + dt.timedelta(weeks=i) for i in range(8)]
    fig = theme.finish(go.Figure(go.Scatter(x=fridays, y=list(range(8)))), "走势")
    axis = fig.layout.xaxis
    assert pd.Timestamp(axis.tick0).date() == fridays[0] and fridays[0].weekday() == 4
    assert axis.dtick == 7 * 86_400_000  # every report day
    many = [dt.date(2023, 9, 13) + dt.timedelta(weeks=i) for i in range(30)]  # Wednesdays
    axis = theme.finish(go.Figure(go.Scatter(x=many, y=list(range(30)))), "走势").layout.xaxis
    assert pd.Timestamp(axis.tick0).weekday() == 2
    assert axis.dtick == 3 * 7 * 86_400_000  # every third report day: at most 10 ticks


@pytest.mark.parametrize(("top", "step"), [(3, 1), (7, 2), (156, 50), (1400, 500), (840, 200)])
def test_count_axes_tick_on_round_numbers(top: int, step: int) -> None:
    assert theme.count_axis(top)["dtick"] == step


def test_lagging_reasons_chart_has_round_ticks() -> None:
    week = report.build_report(units_frame(), figures_frame(), settings())
    axis = charts.lagging_reasons(week).layout.yaxis
    assert axis.dtick in (1, 2, 5, 10, 20, 50, 100) and axis.tick0 == 0


def test_table_columns_are_measured() -> None:
    """Short columns keep their text on one line; long ones share the rest; the sum is the width."""
    columns = [
        ["序号", "1", "12"],
        ["单位", "中共示范市委员会全面深化改革委员会办公室（市委改革办）"],
        ["层级", "乡镇级"],
        ["落后原因", "未报送；停滞；排名末位；销号率偏低；两张皮；不能按期完成"],
    ]
    widths = measure.fit_columns(columns, 442, 11, 13)
    assert sum(widths) == pytest.approx(442)
    for texts, width in zip(columns[::2], widths[::2], strict=True):  # 序号, 层级
        assert width >= max(measure.text_width(t, 11, measure.SERIF) for t in texts) + 13
    assert widths[1] > widths[2] and widths[3] > widths[2]
    roomy = measure.fit_columns([["序号"], ["单位", "甲村"]], 442, 11, 13)
    assert sum(roomy) == pytest.approx(442) and roomy[0] == pytest.approx(roomy[1])


def test_long_slide_headlines_shrink_to_two_lines() -> None:
    from pptx.util import Pt

    from dashboard.export import slides

    from .test_official_document import tied_long_report

    headline = briefing.headline_bottom(tied_long_report())
    size = slides.headline_size(headline)
    assert size < 24
    width = (slides.SLIDE_W - 2 * slides.MARGIN) / Pt(1)
    assert len(measure.wrap(headline, width, size, measure.SANS)) <= 2
    assert slides.headline_size("各层级平均热度：市级92.9") == 24


def test_wide_legends_go_below_and_each_unit_keeps_one_colour() -> None:
    """A legend too wide for one row above the plot moves under it (the figure grows), so no
    entry covers the title or is cut; a unit's line, stalled ✕ and projection share its colour
    and no two units share one."""
    rows = []
    for i, (code, name) in enumerate(list(LONG_NAMES.items())[1:8]):
        for week in range(4):
            day = dt.date(2023, 9, 15) + dt.timedelta(weeks=week)
            rows.append(
                {
                    "unit_code": code,
                    "name": name,
                    "report_date": day,
                    "v": week * i,
                    "stalled": week == 2,
                }
            )
    fig = charts.unit_history_lines(
        pd.DataFrame(rows), "v", "已整改销号问题数", dt.date(2023, 10, 6)
    )
    assert fig.layout.legend.yref == "container" and fig.layout.height > 420
    lines = [t for t in fig.data if t.mode == "lines+markers"]
    assert len({t.line.color for t in lines}) == len(lines) == 7
    for line in lines:
        marks = [t for t in fig.data if t.legendgroup == line.legendgroup and t.mode == "markers"]
        assert marks and marks[0].marker.color == line.line.color
    png = images.to_png(fig, scale=1, width=900)
    image = Image.open(io.BytesIO(png)).convert("L")
    assert image.size[1] == fig.layout.height
    assert image.crop((0, image.size[1] - 3, image.size[0], image.size[1])).getextrema()[0] >= WHITE
    short = charts.trend_lines(
        pd.DataFrame(
            {
                "level": [1, 1, 2, 2],
                "report_date": [dt.date(2023, 9, 15), dt.date(2023, 9, 22)] * 2,
                "v": [1, 2, 3, 4],
            }
        ),
        "v",
        "数",
        dt.date(2023, 9, 22),
        {1: "市级", 2: "县级"},
    )
    assert short.layout.legend.yref != "container"  # two short names: one row above the plot
