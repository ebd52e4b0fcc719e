"""催报: units not yet reported, by liaison, a message to paste, 一键催报 and the log."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import door
from dashboard.remind import service
from dashboard.store.remind_repo import CHANNEL_ZH, STATUS_ZH
from dashboard.ui import session, state
from dashboard.ui.tables import xlsx_bytes
from dashboard.ui.text import plain

# A page script, run by st.navigation: it offers nothing to other modules.
__all__: list[str] = []

st.title("催报")
st.caption(
    "列出本周尚未报送的单位（按联络人分组），附可直接复制的催报消息；"
    "“一键催报”经“设置 → 催报”中开启的渠道发出，每次发送都记入下方的催报记录。"
)
engine = state.engine()
viewer = session.viewer()
values = state.settings()
tz_name = str(values.get("remind_timezone") or "Asia/Shanghai")
today = service.office_today(values)
this_week = service.current_report_date(values, today)
weeks = [this_week - dt.timedelta(days=7 * i) for i in range(6)]
labels = dict(state.scopes())
actor = viewer.name if viewer else ""
whole = "所辖全部单位" if viewer is not None and viewer.scope_code else "全部单位"

left, right = st.columns(2)
report_date = left.selectbox(
    "报告周（统计截止日）",
    weeks,
    format_func=lambda d: f"{d:%Y-%m-%d}" + ("（本周）" if d == this_week else ""),
    key="remind_week",
)
scope = right.selectbox(
    "范围",
    ["", *labels],
    format_func=lambda c: labels.get(c, whole),
    key="remind_scope",
)

try:
    plan = service.plan(engine, report_date, scope or None, viewer, settings=values)
except door.DoorError as exc:
    st.info(str(exc))
    st.stop()

deadline = plan.context.deadline
late = "（已逾期）" if plan.context.now >= deadline else ""
source = "填报任务" if plan.week.task_id else "本周尚无填报任务：按“设置 → 在线填报”的截止日和时刻"
st.caption(f"报送截止：{deadline:%Y-%m-%d %H:%M}{late}（{source}）")

if not plan.groups:
    st.success(
        f"{report_date:%Y-%m-%d} 这一周，{plain(labels.get(scope, whole))}均已报送，无需催报。"
    )
else:
    counts = st.columns(4)
    counts[0].metric("尚未报送的单位", f"{plan.unit_count} 个")
    counts[1].metric("联络人", f"{len(plan.groups)} 位")
    for index, (group, text) in enumerate(zip(plan.groups, plan.messages, strict=True)):
        with st.expander(f"{plain(group.title)} — {len(group.units)} 个单位", expanded=index < 3):
            st.code(text, language=None, wrap_lines=True)
            if st.button(
                "已复制并手动发出，记入催报记录",
                key=f"remind_copied_{index}",
                help="用右上角的复制按钮复制消息、在工作群或电话中催报后，点此记一笔",
            ):
                service.record_copied(
                    engine, plan, index, actor, address=str(st.context.ip_address or "")
                )
                st.toast(f"已记录：{plain(group.title)}（复制消息）")

    enabled = [c for c in values.get("remind_channels") or [] if c in service.CHANNELS]
    chosen = st.multiselect(
        "催报渠道",
        enabled,
        default=enabled,
        format_func=lambda c: CHANNEL_ZH.get(c, c),
        key="remind_channels_chosen",
        placeholder="未开启任何渠道：请在“设置 → 催报”中开启",
        help="可在“设置 → 催报”中开启企业微信、钉钉、电子邮件，并填写地址",
    )
    if st.button("一键催报", type="primary", disabled=not chosen, key="remind_send"):
        with st.spinner("正在发送……"):
            outcomes = service.send(
                engine,
                plan,
                chosen,
                actor,
                settings=values,
                address=str(st.context.ip_address or ""),
            )
        failed = [o for o in outcomes if o.status == "failed"]
        sent = len(outcomes) - len(failed)
        if sent:
            st.success(f"已发送 {sent} 条催报。")
        if failed:
            st.error(
                f"{len(failed)} 条发送失败，已记入催报记录："
                + "；".join(
                    plain(f"{CHANNEL_ZH.get(o.channel, o.channel)} → {o.recipient}：{o.error}")
                    for o in failed
                )
            )
        st.dataframe(service.outcomes_table(outcomes), hide_index=True, width="stretch")

st.subheader("催报记录")
one, two, three = st.columns(3)
span = one.date_input("日期", value=(today - dt.timedelta(days=30), today), key="remind_log_dates")
channels = two.multiselect(
    "渠道",
    list(CHANNEL_ZH),
    format_func=lambda c: CHANNEL_ZH.get(c, c),
    key="remind_log_channels",
    placeholder="全部渠道",
)
statuses = three.multiselect(
    "结果",
    list(STATUS_ZH),
    format_func=lambda s: STATUS_ZH.get(s, s),
    key="remind_log_statuses",
    placeholder="全部结果",
)
since, until = (span[0], span[1]) if isinstance(span, tuple) and len(span) == 2 else (None, None)
log = service.reminder_log(
    engine,
    viewer,
    since=since,
    until=until,
    channels=channels,
    statuses=statuses,
    tz_name=tz_name,
)
if log.empty:
    st.info("所选范围内没有催报记录。")
else:
    st.caption(f"共 {len(log):,} 条")
    st.dataframe(log, hide_index=True, width="stretch")
    st.download_button(
        "下载催报记录（Excel）",
        data=session.audited(lambda: xlsx_bytes(log, sheet="催报记录"), "download", "催报记录"),
        file_name=f"催报记录_{today:%Y%m%d}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="remind_log_download",
    )
