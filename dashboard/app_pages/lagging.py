"""落后单位: every lagging unit with all its reasons."""

from __future__ import annotations

import streamlit as st

from dashboard.core.flags import REASONS
from dashboard.export import charts
from dashboard.ui import definitions, filters, report_cache, state, tables
from dashboard.ui.charts import show_chart

# A page script, run by st.navigation: it offers nothing to other modules.
__all__: list[str] = []

st.title("落后单位")
if filters.no_data():
    st.stop()
chosen = filters.board_filters(show_pool_toggle=True)
report, view = report_cache.filtered_week(chosen)
token = report_cache.view_token(chosen)
lagging = view.lagging

counts = lagging[list(REASONS)].sum()
cols = st.columns(len(REASONS) + 1)
cols[0].metric("落后单位", f"{len(lagging):,}")
for col, reason in zip(cols[1:], REASONS, strict=True):
    col.metric(reason, f"{int(counts[reason]):,}")

show_chart(
    lambda: charts.lagging_reasons(view),
    "落后单位原因分布",
    cache=token,
)

wanted = st.multiselect("按原因筛选", list(REASONS), key="lagging_reasons", placeholder="全部原因")
if wanted:
    lagging = lagging[lagging[wanted].any(axis=1)]
focus = state.typed_settings().lagging_focus
show_all = st.toggle("显示全部落后单位", key="lagging_all")
st.caption(  # the core orders the list by severity
    f"共{len(lagging):,}个落后单位，按严重程度排序"
    + ("。" if show_all or len(lagging) <= focus else f"，默认列出最需督导的前{focus}个。")
)
tables.show_table(
    lagging,
    f"落后单位_{report.report_date:%Y%m%d}",
    "lagging_table",
    [
        "unit_code",
        "name",
        "level_name",
        "parent_name",
        "severity",
        "heat",
        "pool",
        "rank",
        "reasons",
        "details",
    ],
    max_rows=tables.MAX_ROWS_ON_SCREEN if show_all else focus,
    cache=(token, tuple(wanted)),
)
stalled = view.units[view.units["stalled"]]
with st.expander(f"停滞单位（{len(stalled):,}个）"):
    tables.show_table(
        stalled,
        f"停滞单位_{report.report_date:%Y%m%d}",
        "lagging_stalled",
        ["code", "name", "level_name", "parent_name", "heat"],
        cache=token,
    )
filters.unit_picker(lagging.rename(columns={"unit_code": "code"}), key="lagging")

definitions.show(definitions.lagging_text(state.typed_settings()))
