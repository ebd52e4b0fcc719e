"""排名: units ranked by heat within their peer pool, with rank change and status colours."""

from __future__ import annotations

import streamlit as st

from dashboard.core import heat
from dashboard.export import charts
from dashboard.ui import definitions, filters, report_cache, state, tables
from dashboard.ui.charts import show_chart

# A page script, run by st.navigation: it offers nothing to other modules.
__all__: list[str] = []

st.title("排名")
if filters.no_data():
    st.stop()
chosen = filters.board_filters(show_pool_toggle=True)
report, view = report_cache.filtered_week(chosen)
token = report_cache.view_token(chosen)
units = view.units.sort_values(["level", "pool", "rank", "code"])

pools = list(dict.fromkeys(units["pool"]))
pool = st.selectbox(
    "比较组",
    ["全部", *pools],
    key="ranking_pool",
    help=f"排名在{filters.whole_label()}的同组单位中进行",
)
if pool != "全部":
    units = units[units["pool"] == pool]
n = st.slider("图中显示单位数", min_value=5, max_value=30, value=10, key="ranking_n")
left, right = st.columns(2)
with left:
    show_chart(
        lambda: charts.ranking_bars(view, "top", int(n), units),
        "热度排名前列",
        cache=(token, pool, int(n)),
    )
with right:
    show_chart(
        lambda: charts.ranking_bars(view, "bottom", int(n), units),
        "热度排名后列",
        cache=(token, pool, int(n)),
    )

counts = units["status"].value_counts()
st.caption(
    f"绿 {counts.get('green', 0)} 个 · 黄 {counts.get('yellow', 0)} 个 · 红 {counts.get('red', 0)} 个"
)
columns = [
    "pool",
    "rank",
    "rank_change",
    "code",
    "name",
    "parent_name",
    "category",
    "heat",
    *heat.COMP_COLUMNS,
    "status",
    "reported",
]
tables.show_table(
    units, f"热度排名_{report.report_date:%Y%m%d}", "ranking_table", columns, cache=(token, pool)
)
filters.unit_picker(units, key="ranking")

definitions.show(definitions.heat_text(state.typed_settings()))
