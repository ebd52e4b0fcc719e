"""层级传导: heat by level inside each subtree, transmission ratios, 上热中温下冷 flags."""

from __future__ import annotations

import streamlit as st

from dashboard.export import charts
from dashboard.ui import definitions, filters, report_cache, state, tables
from dashboard.ui.charts import show_chart
from dashboard.ui.text import plain

# A page script, run by st.navigation: it offers nothing to other modules.
__all__: list[str] = []

st.title("层级传导")
if filters.no_data():
    st.stop()
chosen = filters.board_filters()
report, view = report_cache.filtered_week(chosen)
token = report_cache.view_token(chosen)
subtrees = view.subtrees

flagged = subtrees[subtrees["flagged"]] if not subtrees.empty else subtrees
cols = st.columns(3)
cols[0].metric("系统数", f"{len(subtrees):,}")
cols[1].metric("传导异常系统", f"{len(flagged):,}")
if not flagged.empty:
    cols[2].markdown(
        "**异常系统：** "
        + "、".join(plain(f"{r.name}（{r.pattern}）") for r in flagged.head(8).itertuples())
    )
    for row in flagged.itertuples():
        st.warning(plain(f"{row.name}：{row.pattern}，{row.detail}"))

left, right = st.columns(2)
with left:
    show_chart(lambda: charts.heat_by_level(view), "各层级平均热度", cache=token)
with right:
    only = st.toggle("只画传导异常的系统", key="gradient_only_flagged")
    show_chart(
        lambda: charts.subtree_gradient_lines(view, only_flagged=only),
        "各系统逐级平均热度",
        cache=(token, only),
    )

if not subtrees.empty:
    level_cols = sorted(
        (c for c in subtrees.columns if c.startswith(("heat_l", "units_l", "ratio_l"))),
        key=lambda c: (int(c.split("_l")[1]), c),
    )
    names = report.level_names
    labels = {}
    for col in level_cols:
        kind, lvl = col.split("_l")
        word = names.get(int(lvl), f"第{lvl}级")
        labels[col] = {
            "heat": f"{word}平均热度",
            "units": f"{word}单位数",
            "ratio": f"{word}传导系数",
        }[kind]
    labels.update(
        {
            "transmission": "总传导系数",
            "fall": "总降幅",
            "pattern": "判定",
            "loss": "热度损失",
            "detail": "说明",
        }
    )
    ordered = subtrees  # the core puts flagged systems first, the most heat lost first
    tables.show_table(
        ordered,
        f"层级传导_{report.report_date:%Y%m%d}",
        "gradient_table",
        ["code", "name", *level_cols, "transmission", "fall", "pattern", "loss", "detail"],
        labels,
    )

show_chart(lambda: charts.heat_treemap(view), "单位热度分布", cache=token)
filters.unit_picker(view.units, key="gradient")

definitions.show(
    definitions.gradient_text(state.typed_settings()), definitions.heat_text(state.typed_settings())
)
