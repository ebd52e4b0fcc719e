"""报送情况: who reported, who reported zeros, who has not, and the 催报 list."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.core import narrative
from dashboard.core.report import window_size
from dashboard.export import charts
from dashboard.ui import definitions, filters, report_cache, state, tables
from dashboard.ui.charts import show_chart

# A page script, run by st.navigation: it offers nothing to other modules.
__all__: list[str] = []

st.title("报送情况")
if filters.no_data():
    st.stop()
chosen = filters.board_filters()
report, view = report_cache.filtered_week(chosen)
units = view.units

cov = view.coverage
on_time = report.coverage.get("on_time_rate")  # of the scope; None: no 填报 task that week
cols = st.columns(5 if on_time is not None else 4)
cols[0].metric("应报单位", f"{cov['expected']:,}")
cols[1].metric("已报单位", f"{cov['reported']:,}")
cols[2].metric("未报单位", f"{cov['expected'] - cov['reported']:,}")
cols[3].metric("报送率", f"{(cov['rate'] or 0) * 100:.1f}%")
if on_time is not None:
    cols[4].metric(
        "按时报送率",
        f"{on_time * 100:.1f}%",
        help=f"在填报截止时间前报送的单位占应报单位的比例；逾期补报 {report.coverage['late']} 个，"
        f"逾期未报 {report.coverage['overdue']} 个",
    )

show_chart(
    lambda: charts.coverage_by_subtree(view), "各系统报送率", cache=report_cache.view_token(chosen)
)

st.subheader("本周未报送单位（催报名单）")


def _missing() -> tuple[pd.DataFrame, str]:
    """The 催报 list and its message (the same on every rerun of this view: made once)."""
    missing = units[~units["reported"]].sort_values(
        ["root_l2", "missing_weeks", "code"], ascending=[True, False, True], na_position="first"
    )
    subtree_names = dict(zip(report.units["code"], report.units["name"], strict=True))
    view = missing.assign(subtree=missing["root_l2"].map(subtree_names).fillna("市本级"))
    return view, narrative.reminder_text(report.report_date, missing, subtree_names)


missing_view, reminder = report_cache.view_part(report_cache.view_token(chosen), "催报", _missing)
tables.show_table(
    missing_view,
    f"催报名单_{report.report_date:%Y%m%d}",
    "coverage_missing",
    ["subtree", "code", "name", "level_name", "parent_name", "missing_weeks"],
    {"subtree": "所属系统"},
    cache=report_cache.view_token(chosen),
)
with st.expander("复制到工作群的催报文字"):
    st.code(reminder, language=None)

st.subheader("逐周报送记录")
weeks = st.slider(
    "显示最近几周",
    min_value=2,
    max_value=12,
    value=window_size(state.typed_settings()),  # the weeks the report has read already
    key="coverage_weeks",
)
grid = report_cache.status_grid(int(weeks), chosen.scope)  # display-ready, cached
grid = grid[grid["单位编码"].isin(units["code"])]
only_gaps = st.checkbox("只看有未报周的单位", key="coverage_only_gaps")
if only_gaps:
    grid = grid[grid["has_gap"]]
tables.show_table(
    grid,
    f"逐周报送记录_{report.report_date:%Y%m%d}",
    "coverage_grid",
    [c for c in grid.columns if c != "has_gap"],
    cache=(report_cache.view_token(chosen), int(weeks), only_gaps),
)
filters.unit_picker(units, key="coverage")

definitions.show(definitions.COVERAGE)
