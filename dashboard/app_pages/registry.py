"""单位名册: the unit tree (counts, searchable table, treemap), registry upload, templates."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard.core import periods
from dashboard.core import registry as reg
from dashboard.export import template
from dashboard.export.registry_chart import registry_treemap
from dashboard.store import registry_repo
from dashboard.ui import state
from dashboard.ui import uploads as upload_text
from dashboard.ui.charts import show_chart

st.title("单位名册")
values = state.settings()
level_names = list(values["level_names"])
everything = state.units(include_retired=True)
active = everything[~everything["retired"]]

if active.empty:
    st.info(
        "尚未导入单位名册：请在下方“导入名册”中上传单位名册（列：单位编码、单位名称、上级单位编码、类别、别名）。"
    )
else:
    a, b, c = st.columns(3)
    a.metric("在册单位", f"{len(active):,}")
    b.metric("层级数", int(active["level"].max()))
    c.metric("已撤销单位", int(everything["retired"].sum()))
    left, right = st.columns(2)
    left.dataframe(reg.level_counts(active, level_names), hide_index=True, width="stretch")
    right.dataframe(reg.category_counts(active), hide_index=True, width="stretch")

tab_table, tab_tree, tab_upload, tab_template = st.tabs(
    ["名册表", "结构图", "导入名册", "下载模板"]
)

with tab_table:
    query = st.text_input(
        "查找单位", key="registry_search", placeholder="输入编码、名称或别名的一部分"
    )
    show_retired = st.checkbox("包含已撤销单位", key="registry_show_retired")
    found = reg.search_units(everything if show_retired else active, query)
    st.caption(f"共 {len(found):,} 个单位")
    st.dataframe(
        reg.registry_table(found, level_names), hide_index=True, width="stretch", height=420
    )

with tab_tree:
    if not active.empty:
        city = values.get("city_name") or str(active.loc[active["level"] == 1, "name"].iloc[0])
        st.caption("方块大小为下属单位数；点击方块可逐级展开。")
        show_chart(registry_treemap(active, level_names, f"{city}单位名册结构"), "单位名册结构")

with tab_upload:
    st.markdown(
        "上传修改后的单位名册：新增的单位会加入，名称、上级、类别、别名的修改会更新，"
        "名册中不再出现的单位会**撤销**（历史数据保留，重新列入即恢复）。有任何错误时不作改动。"
    )
    upload = st.file_uploader(
        upload_text.label("单位名册文件", ["xlsx", "xls", "csv"]),
        help=upload_text.help_text(["xlsx", "xls", "csv"]),
        type=["xlsx", "xls", "csv"],
        key="registry_upload",
    )
    if upload is not None:
        content = upload.getvalue()
        parsed = reg.parse_registry(upload.name, content)
        if parsed.problems:
            if parsed.ok:
                st.warning(f"名册有 {len(parsed.warnings)} 条提示，请核对：")
            else:
                st.error(f"名册有 {len(parsed.errors)} 处错误，未导入。请按下表修改后重新上传：")
            st.dataframe(parsed.problems_frame(), hide_index=True, width="stretch")
        if parsed.ok:
            preview = registry_repo.preview_registry(state.engine(), parsed)
            counts = "，".join(f"{k} {v} 个" for k, v in preview.counts().items() if v) or "无变化"
            st.info(f"检查通过：共 {preview.total:,} 个单位。导入后：{counts}。")
            if st.button("确认导入名册", key="registry_apply", type="primary"):
                summary = registry_repo.apply_registry(
                    state.engine(), parsed, file_name=upload.name, content=content
                )
                state.clear_caches()
                st.session_state["registry_message"] = summary.message()
                st.rerun()
    if st.session_state.get("registry_message"):
        st.success(st.session_state["registry_message"])

with tab_template:
    dates = state.report_dates()
    weekday = int(values["report_weekday"])
    default_day = (
        dates[-1] + dt.timedelta(days=7)
        if dates
        else periods.report_day_for(dt.date.today(), weekday)
    )
    day = st.date_input("统计截止日期", value=default_day, key="registry_template_date")
    tops = active[active["level"] <= 2]
    labels = {
        "": "全部单位",
        **{
            code: f"{name}（{code}）" for code, name in zip(tops["code"], tops["name"], strict=True)
        },
    }
    scope = st.selectbox(
        "范围", list(labels), format_func=labels.__getitem__, key="registry_template_scope"
    )
    split = st.checkbox("按下一级单位分别生成（打包为 zip）", key="registry_template_split")
    if st.button("生成模板", key="registry_template_make", disabled=active.empty):
        prefix = values.get("city_name") or ""
        try:
            if split:
                data = template.split_zip(
                    active, day, title_prefix=prefix, scope=scope or None, report_weekday=weekday
                )
                name = template.template_file_name(day, labels[scope]).replace(".xlsx", ".zip")
            else:
                data = template.template_bytes(
                    active, day, title_prefix=prefix, scope=scope or None, report_weekday=weekday
                )
                name = template.template_file_name(day, labels[scope] if scope else "")
            st.session_state["registry_template_file"] = (name, data)
        except template.TemplateError as exc:
            st.error(str(exc))
    made = st.session_state.get("registry_template_file")
    if made:
        name, data = made
        mime = (
            "application/zip"
            if name.endswith(".zip")
            else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        st.download_button(
            f"下载 {name}", data=data, file_name=name, mime=mime, key="registry_template_download"
        )
