"""单位名册: the unit tree (counts, searchable table, treemap), registry upload, templates."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard.core import periods
from dashboard.core import registry as reg
from dashboard.core import settings as settings_def
from dashboard.export import template
from dashboard.export.registry_chart import registry_treemap
from dashboard.ingest import limits
from dashboard.ingest.registry_file import parse_registry
from dashboard.ui import registry_steps, state
from dashboard.ui import uploads as upload_text
from dashboard.ui.charts import show_chart

# A page script, run by st.navigation: it offers nothing to other modules.
__all__: list[str] = []

st.title("单位名册")
values = state.settings()
level_names = list(values["level_names"])
everything = state.units(include_retired=True)
active = everything[~everything["retired"]]
depth = int(active["level"].max()) if not active.empty else 0

if active.empty:
    st.info(
        "尚未导入单位名册：请在下方“导入名册”中上传单位名册（列：单位编码、单位名称、上级单位编码、"
        "类别、别名，可选联络人、联系电话；层级不限）。"
    )
else:
    a, b, c = st.columns(3)
    a.metric("在册单位", f"{len(active):,}")
    b.metric("层级数", depth)
    c.metric("已撤销单位", int(everything["retired"].sum()))
    left, right = st.columns(2)
    left.dataframe(reg.level_counts(active, level_names), hide_index=True, width="stretch")
    right.dataframe(
        reg.category_counts(active, list(values["categories"])), hide_index=True, width="stretch"
    )
    registry_steps.level_names_editor(depth, level_names, key="registry_levels")

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
        shown = st.slider(
            "一次显示的层数",
            min_value=2,
            max_value=max(depth, 2),
            value=min(3, max(depth, 2)),
            key="registry_tree_depth",
            disabled=depth <= 2,
            help="层级多时方块很小；点击方块可逐级展开，点上方路径返回",
        )
        st.caption(
            "方块大小为下属单位数；颜色由深到浅依次为"
            + "、".join(settings_def.level_names_for(depth, level_names)[:depth])
            + "。"
        )
        fig = registry_treemap(active, level_names, f"{city}单位名册结构", max_depth=shown)
        show_chart(fig, "单位名册结构")

with tab_upload:
    st.markdown(
        "上传修改后的单位名册：新增的单位会加入，名称、上级、类别、别名、联络人、联系电话的修改会更新，"
        "名册中不再出现的单位会**撤销**（历史数据保留，重新列入即恢复）。有任何错误时不作改动；"
        "有类别清单以外的类别，或更名、撤销超过五分之一的单位时，先列出再请您确认。"
    )
    upload = st.file_uploader(
        upload_text.label("单位名册文件", limits.UPLOAD_TYPES),
        help=upload_text.help_text(limits.UPLOAD_TYPES),
        key="registry_upload",
    )
    if upload is not None:
        content = upload.getvalue()
        parsed = parse_registry(upload.name, content, list(values["categories"]))
        if parsed.problems:
            if parsed.ok:
                st.warning(f"名册有 {len(parsed.warnings)} 条提醒，请核对：")
            else:
                st.error(f"名册有 {len(parsed.errors)} 处错误，未导入。请按下表修改后重新上传：")
            st.dataframe(parsed.problems_frame(), hide_index=True, width="stretch")
        if parsed.ok:
            registry_steps.confirm_and_apply(parsed, upload.name, content)
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
    labels = {"": "全部单位", **{code: f"{label}（{code}）" for code, label in state.scopes()}}
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
