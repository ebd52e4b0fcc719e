"""审计日志: who signed in, uploaded, undid, exported or changed what, when and from where."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard.auth import audit
from dashboard.ui import session, state
from dashboard.ui.tables import xlsx_bytes

# A page script, run by st.navigation: it offers nothing to other modules.
__all__: list[str] = []

st.title("审计日志")
st.caption("登录、上传、撤销、导出与下载、名册、设置和账号的每一次变动都记录在此，只增不改。")
engine = state.engine()
log = audit.entries(engine, limit=20_000)
if log.empty:
    st.info("尚无记录。建立账号并登录后，各项操作都会记录在这里。")
    st.stop()

left, middle, right = st.columns(3)
with left:
    users = sorted(set(log["user_name"]))
    chosen_users = st.multiselect("用户", users, key="audit_users", placeholder="全部用户")
with middle:
    actions = [a for a in audit.ACTIONS if a in set(log["action"])]
    chosen_actions = st.multiselect(
        "操作",
        actions,
        format_func=lambda a: audit.ACTIONS.get(a, a),
        key="audit_actions",
        placeholder="全部操作",
    )
with right:
    first = log["at"].min().date()
    span = st.date_input("日期", value=(first, dt.date.today()), key="audit_dates")

shown = log
if chosen_users:
    shown = shown[shown["user_name"].isin(chosen_users)]
if chosen_actions:
    shown = shown[shown["action"].isin(chosen_actions)]
if isinstance(span, tuple) and len(span) == 2:
    days = shown["at"].map(lambda t: t.date())
    shown = shown[(days >= span[0]) & (days <= span[1])]

table = shown.assign(
    时间=shown["at"].map(lambda t: f"{t:%Y-%m-%d %H:%M:%S}"),
    操作=shown["action"].map(lambda a: audit.ACTIONS.get(a, a)),
    内容=shown["detail"].map(lambda d: "；".join(f"{k}={v}" for k, v in (d or {}).items())),
)[["id", "时间", "user_name", "address", "操作", "内容"]]
table.columns = ["编号", "时间", "用户", "地址", "操作", "内容"]
st.caption(f"共 {len(table):,} 条")
st.dataframe(table, hide_index=True, width="stretch")


def _download() -> bytes:
    viewer = session.viewer()
    audit.record(
        engine,
        "download",
        user=viewer.name if viewer else "",
        detail={"what": "审计日志", "rows": len(table)},
    )
    return xlsx_bytes(table, sheet="审计日志")


st.download_button(
    "下载审计日志（Excel）",
    data=_download,
    file_name=f"审计日志_{dt.date.today():%Y%m%d}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="audit_download",
)
