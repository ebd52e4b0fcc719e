"""总览: coverage, key totals and rates with their weekly change, heat by level, findings."""

from __future__ import annotations

import streamlit as st

from dashboard.core.catalogue import OVERVIEW_TOTALS
from dashboard.export import charts
from dashboard.ui import definitions, filters, report_cache, state
from dashboard.ui.charts import show_chart
from dashboard.ui.text import plain

# A page script, run by st.navigation: it offers nothing to other modules.
__all__: list[str] = []

KEY_TOTALS = OVERVIEW_TOTALS

st.title("总览")
if filters.no_data():
    st.stop()
chosen = filters.board_filters()
report, view = report_cache.filtered_week(chosen)
token = report_cache.view_token(chosen)

st.caption(
    f"{plain(report.scope_name)} · 截至{report.report_date:%Y年%m月%d日}"
    + (f" · 与{report.previous_date:%m月%d日}比较" if report.previous_date else " · 首个报告周")
)
cov = view.coverage
cols = st.columns(4)
delta = None
if cov["rate"] is not None and cov.get("previous_rate") is not None:
    delta = f"{(cov['rate'] - cov['previous_rate']) * 100:+.1f} 个百分点"
cols[0].metric("报送率", f"{(cov['rate'] or 0) * 100:.1f}%", delta)
cols[1].metric("应报单位", f"{cov['expected']:,}")
cols[2].metric("已报单位", f"{cov['reported']:,}")
cols[3].metric("落后单位", f"{len(view.lagging):,}")

totals = report.totals.set_index("code")
for col, code in zip(st.columns(len(KEY_TOTALS)), KEY_TOTALS, strict=True):
    row = totals.loc[code]
    value = "—" if row["value"] is None or row["value"] != row["value"] else f"{row['value']:,.0f}"
    change = row["change"]
    col.metric(
        f"{row['label']}（{row['unit']}）",
        value,
        None if change is None or change != change else f"本周 {change:+,.0f}",
    )
for col, row in zip(st.columns(len(report.rates)), report.rates.itertuples(), strict=True):
    value = "—" if row.value is None or row.value != row.value else f"{row.value * 100:.1f}%"
    change = row.change
    col.metric(
        row.label,
        value,
        None if change is None or change != change else f"{change * 100:+.1f} 个百分点",
    )

left, right = st.columns([3, 2])
with left:
    show_chart(lambda: charts.heat_by_level(view), "各层级平均热度", cache=token)
with right:
    st.subheader("本周要点")
    for sentence in report.findings:
        st.markdown(f"- {plain(sentence)}")
    if chosen.levels or chosen.categories:
        st.caption(
            "指标卡中的累计数、比率与本周要点按所选系统统计；层级、类别筛选作用于报送与热度。"
        )

filters.unit_picker(view.units, key="overview")

definitions.show(
    definitions.COVERAGE, definitions.TOTALS, definitions.heat_text(state.typed_settings())
)
