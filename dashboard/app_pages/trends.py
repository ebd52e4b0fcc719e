"""趋势: cumulative and weekly lines by level and for chosen units, stalled weeks, projection."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.core import report as report_core
from dashboard.core.catalogue import INDICATORS, PROBLEMS_CLOSED, PROBLEMS_FOUND
from dashboard.core.metrics import PACE_WEEKS
from dashboard.core.settings import level_name
from dashboard.export import charts
from dashboard.ui import definitions, filters, report_cache, state
from dashboard.ui.charts import show_chart

# A page script, run by st.navigation: it offers nothing to other modules.
__all__: list[str] = []

EXTRA = {
    "mean_heat": "平均热度",
    "coverage": "报送率",
    "closure_rate": "问题销号率",
    "stalled": "停滞单位数",
}

st.title("趋势")
if filters.no_data():
    st.stop()
chosen = filters.board_filters()
day = state.selected_report_date()
assert day is not None
span = st.segmented_control(
    "时间范围", list(report_cache.WEEK_CHOICES), default="近8周", key="trends_span"
)
weeks = report_cache.WEEK_CHOICES[span or "近8周"]
options = {**{f"cur_{i.code}": i.label for i in INDICATORS}, **EXTRA}
value = st.selectbox(
    "指标", list(options), format_func=lambda c: options[c], key="trends_indicator"
)
if value.startswith("cur_"):  # an indicator's lines: read only the figures they need
    needed = dict.fromkeys([value.removeprefix("cur_"), PROBLEMS_FOUND, PROBLEMS_CLOSED])
    trends = report_cache.indicator_trends(list(needed), chosen.scope, weeks)
else:  # heat for every unit and week is only worked out when the heat lines are asked for
    trends = report_cache.level_trends(
        chosen.scope, chosen.by_category, weeks, with_heat=value == "mean_heat"
    )
if chosen.levels:
    trends = trends[trends["level"].isin(chosen.levels)]
settings = state.settings()
end_date = dt.date.fromisoformat(str(settings["end_date"])[:10])
level_names = {
    int(lv): level_name(int(lv), list(settings.get("level_names") or []))
    for lv in trends["level"].unique()
}

token = (report_cache.view_token(chosen), span, value)  # what the level charts depend on
shown_day: dt.date = day
left, right = st.columns(2)
with left:
    show_chart(
        lambda: charts.trend_lines(trends, value, options[value], shown_day, level_names),
        "各层级累计走势",
        cache=token,
    )
with right:
    if value.startswith("cur_"):
        show_chart(
            lambda: charts.trend_lines(
                trends, value, options[value], shown_day, level_names, weekly=True
            ),
            "各层级本周新增走势",
            cache=token,
        )
    else:
        st.info("比率与热度类指标不计算“本周新增”，请看左图。")


def _projection_chart() -> go.Figure:
    closed = (
        trends.groupby("report_date")[f"cur_{PROBLEMS_CLOSED}"].sum()
        if not trends.empty
        else pd.Series()
    )
    projected = report_core.projection(closed, end_date)
    return charts.closure_projection(trends, projected, shown_day, end_date)


show_chart(_projection_chart, "问题销号进度预测", cache=token)

st.subheader("所选单位走势")
pool = chosen.apply(report_cache.scope_units(chosen.scope))
names = dict(zip(pool["code"], pool["name"], strict=True))
codes = st.multiselect(
    "选择单位（最多 8 个）",
    list(names),
    format_func=lambda c: f"{names.get(c, c)}（{c}）",
    max_selections=8,
    key="trends_units",
    placeholder="选择要比较的单位…",
)
if codes:
    hist = report_cache.units_history(list(codes), chosen.by_category, weeks)
    column = value if value.startswith("cur_") else "heat"
    label = options[value] if value.startswith("cur_") else "热度指数"
    projections = []
    for code, rows in hist.groupby("unit_code", sort=False):  # at most 8 units
        line = report_core.projection(rows.set_index("report_date")[column], end_date)
        if not line.empty and column.startswith("cur_"):
            projections.append(
                line.assign(
                    unit_code=code, name=names.get(str(code), code), **{column: line["value"]}
                )
            )
    projection = pd.concat(projections) if projections else None
    show_chart(
        charts.unit_history_lines(hist, column, label, day, projection),
        "所选单位走势",
    )
    st.caption(
        f"✕ 标记停滞周（已报但近期各项累计数均无增长）；虚线为按近{PACE_WEEKS}周进度预测至结束日期。"
    )
filters.unit_picker(pool, key="trends")

definitions.show(definitions.TOTALS, definitions.heat_text(state.typed_settings()))
