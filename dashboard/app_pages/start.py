"""开始使用: the first-start choice (own campaign or demo), the guided steps, and the reset."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard.core import periods
from dashboard.core import settings as settings_def
from dashboard.export import registry_template, template
from dashboard.store import repo, reset
from dashboard.ui import reset_panel, session, setting_widgets, state
from dashboard.ui.text import plain

# A page script, run by st.navigation: it offers nothing to other modules.
__all__: list[str] = []

CHOSEN_KEY = "start_own_campaign"
CAMPAIGN_KEYS = ("campaign_name", "city_name", "start_date", "end_date", "report_weekday")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

st.title("开始使用")
reset_panel.show_message()
values = state.settings()
units = state.units()
dates = state.report_dates()
settings_saved = reset.counts(state.engine()).settings > 0

if state.demo_open():
    st.info(
        "这是演示数据库：虚构的青川市，约 1,500 个单位、8 周周报，可随意试用各页面。"
        "要开始本单位的活动，点上方的“回到本单位的活动”。"
    )
elif units.empty and not settings_saved and not st.session_state.get(CHOSEN_KEY):
    st.subheader("第一次使用：请选择")
    own, demo = st.columns(2, border=True)
    own.markdown(
        "**开始本单位的新活动**\n\n从空白开始：设置活动名称和起止日期，导入本单位的单位名册，"
        "再下发周报模板、收集上传。"
    )
    if own.button("开始新活动", key="start_choose_own", type="primary"):
        st.session_state[CHOSEN_KEY] = True
        st.rerun()
    demo.markdown(
        "**先看看演示**\n\n打开虚构的青川市（约 1,500 个单位、8 周周报）。演示数据保存在单独的"
        "数据库中，不会混入本单位的数据，随时可以回到本单位的活动。"
    )
    if demo.button("打开演示", key="start_open_demo"):
        if problem := state.open_demo():
            st.error(problem)
        else:
            st.rerun()
    st.stop()

st.subheader("第 1 步：活动名称和起止日期")
with st.form("start_campaign_form"):
    entered = {
        key: setting_widgets.draw(settings_def.setting(key), values[key], prefix="start")
        for key in CAMPAIGN_KEYS
    }
    saved = st.form_submit_button("保存，下一步：导入单位名册")
if saved:
    errors = settings_def.problems({**values, **entered})
    if not str(entered["campaign_name"]).strip():
        errors.append("活动名称不能为空：请填写活动名称")
    for message in errors:
        st.error(message)
    if not errors:
        repo.set_settings(state.engine(), entered, actor=session.actor())
        state.clear_caches()
        st.rerun()
if settings_saved:
    st.success(
        f"已设置：{plain(values['campaign_name'])}，{values['start_date']} 至 {values['end_date']}。"
        "下一步：导入单位名册。"
    )

st.subheader("第 2 步：导入单位名册")
if units.empty:
    st.markdown(
        "下载空白的单位名册模板，每行填写一个单位（编码、名称、上级单位编码、类别，"
        "可选别名、联络人、联系电话），"
        "填好后到“单位名册”页的“导入名册”上传。"
    )
    st.download_button(
        "下载空白单位名册模板",
        data=registry_template.template_bytes(
            str(values.get("city_name") or ""), list(values["categories"])
        ),
        file_name=registry_template.FILE_NAME,
        mime=XLSX,
        key="start_registry_template",
        icon=":material/download:",
    )
    st.page_link("app_pages/registry.py", label="去“单位名册”页上传名册", icon=":material/groups:")
    st.caption("导入名册后回到本页，下一步：下载本周的周报模板。")
else:
    st.success(f"已导入单位名册：{len(units):,} 个单位。下一步：下载本周的周报模板。")

    st.subheader("第 3 步：下载本周的周报模板，发给各单位填写")
    weekday = int(values["report_weekday"])
    start, end = (dt.date.fromisoformat(str(values[k])) for k in ("start_date", "end_date"))
    default_day = (
        dates[-1] + dt.timedelta(days=7)
        if dates
        else periods.report_day_for(min(max(dt.date.today(), start), end), weekday)
    )
    day = st.date_input(
        "统计截止日期", value=default_day, format="YYYY-MM-DD", key="start_template_date"
    )
    if st.button("生成周报模板", key="start_template_make"):
        try:
            data = template.template_bytes(
                units, day, title_prefix=str(values.get("city_name") or ""), report_weekday=weekday
            )
            st.session_state["start_template_file"] = (template.template_file_name(day), data)
        except template.TemplateError as exc:
            st.error(str(exc))
    if made := st.session_state.get("start_template_file"):
        st.download_button(
            f"下载 {made[0]}", data=made[1], file_name=made[0], mime=XLSX, key="start_template_get"
        )
    st.caption(
        "按县或部门分别生成模板，请到“单位名册”页的“下载模板”。各单位填好交回后，下一步：上传。"
    )

    st.subheader("第 4 步：上传交回的周报")
    if dates:
        st.success(f"已有 {len(dates)} 周的周报数据。下一步：到“总览”查看本周进展。")
        st.page_link("app_pages/overview.py", label="去“总览”", icon=":material/dashboard:")
    else:
        st.markdown("把各单位交回的周报一次拖入“上传周报”页，检查无误后确认入库。")
        st.page_link("app_pages/upload.py", label="去“上传周报”页", icon=":material/upload_file:")

st.divider()
reset_panel.render()
