"""单位详情: one unit's heat and what made it, its history, its rank over time, its children."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.core.catalogue import INDICATORS
from dashboard.export import charts
from dashboard.ui import definitions, filters, report_cache, state, tables
from dashboard.ui.charts import show_chart
from dashboard.ui.text import plain

# A page script, run by st.navigation: it offers nothing to other modules.
__all__: list[str] = []

st.title("单位详情")
if filters.no_data():
    st.stop()
chosen = filters.board_filters()
span = st.segmented_control(
    "历史范围", list(report_cache.WEEK_CHOICES), default="近4周", key="unit_detail_span"
)
weeks = report_cache.WEEK_CHOICES[span or "近4周"]
registry = report_cache.scope_units(None)
names = dict(zip(registry["code"], registry["name"], strict=True))
if not names:
    st.info("单位名册为空。")
    st.stop()
# The filters narrow the units offered below; a unit asked for by another page stays.
offered = chosen.apply(report_cache.scope_units(chosen.scope))
options = offered["code"].tolist() or list(names)
SELECT_KEY = "unit_detail_select"
SEEN_KEY = "unit_detail_seen"
# Another page asks for a unit by setting UNIT_DETAIL_KEY; apply it once (a change the
# user made in the selectbox below must not be undone by the stale request).
requested = st.session_state.get(filters.UNIT_DETAIL_KEY)
if requested in names and requested != st.session_state.get(SEEN_KEY):
    st.session_state[SELECT_KEY] = requested
elif st.session_state.get(SELECT_KEY) not in names:
    st.session_state[SELECT_KEY] = options[0]
current = st.session_state[SELECT_KEY]
if current not in set(options):
    options = [current, *options]
code = st.selectbox(
    "单位",
    options,
    format_func=lambda c: f"{names.get(c, c)}（{c}）",
    key=SELECT_KEY,
)
st.session_state[filters.UNIT_DETAIL_KEY] = st.session_state[SEEN_KEY] = code
# One pass computes the week (city-wide ranks and reasons) and this unit's history.
report = report_cache.week_report(None, chosen.by_category, weeks=weeks, history_codes=[code])
assert report is not None
units = report.units
row = units.loc[units["code"] == code].iloc[0]

st.subheader(plain(f"{row['name']}（{row['code']}）"))
path = f"{row['level_name']} · {row['category']}"
if row["parent_name"]:
    path += f" · 上级：{row['parent_name']}"
st.caption(path)
cols = st.columns(5)
cols[0].metric(
    "热度指数",
    f"{row['heat']:.1f}",
    None
    if row["previous_heat"] != row["previous_heat"]
    else f"{row['heat'] - row['previous_heat']:+.1f}",
)
change = row["rank_change"]
cols[1].metric(
    f"{row['pool']}排名",
    f"{int(row['rank'])}/{int(row['pool_size'])}",
    None if change is None or pd.isna(change) or int(change) == 0 else f"{int(change):+d} 名",
)
cols[2].metric("分档", tables.STATUS_TEXT.get(row["status"], row["status"]))
cols[3].metric("本周", "已报" if row["reported"] else f"未报（连续{int(row['missing_weeks'])}周）")
closure = row["closure_rate"]
cols[4].metric("问题销号率", "—" if closure != closure else f"{closure * 100:.1f}%")
if row["reasons"]:
    st.error("落后原因：" + "；".join(row["reason_details"] or row["reasons"]))
if (
    isinstance(row["parent_code"], str)
    and row["parent_code"] in names
    and st.button(f"转到上级：{row['parent_name']}", key="unit_detail_parent")
):
    filters.open_unit(row["parent_code"])

hist = report.history
left, right = st.columns(2)
with left:
    show_chart(charts.heat_components(row, report.report_date), "热度构成")
with right:
    show_chart(charts.rank_history(hist, str(row["name"]), report.report_date), "热度与排名变化")

st.subheader("各周累计数")
columns = ["report_date", "reported", *[f"cur_{i.code}" for i in INDICATORS], "heat", "rank"]
table = hist.sort_values("report_date", ascending=False)[columns]
tables.show_table(table, f"{row['name']}_各周数据", "unit_detail_history")

children = units[units["parent_code"] == code]
st.subheader(f"下级单位（{len(children)}个）")
if children.empty:
    st.caption("该单位没有下级单位。")
else:
    tables.show_table(
        children.sort_values("heat", ascending=False),
        f"{row['name']}_下级单位",
        "unit_detail_children",
        ["code", "name", "category", "reported", "heat", "rank", "status", "reasons"],
    )
    filters.unit_picker(children, key="unit_detail_child", label="打开下级单位")

definitions.show(
    definitions.heat_text(state.typed_settings()), definitions.lagging_text(state.typed_settings())
)
