"""上传周报: drag in many returns, see each file's problems, confirm, send back 退回修改表."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Callable

import streamlit as st

from dashboard.ingest import limits, pipeline
from dashboard.ingest.annotate import returned_name, returned_workbook, summary_only
from dashboard.ingest.formats import ReadError
from dashboard.store import returns_repo
from dashboard.ui import state
from dashboard.ui.text import plain, session_key

CHECKED = "upload_checked"  # (file name, sha256, date, password) → FileResult
STORED = "upload_stored"  # key → FileResult of files stored in this session
FILE_TYPES = list(limits.UPLOAD_TYPES)
ICONS = {"imported": ":material/check_circle:", "rejected": ":material/block:"}

def _returned(
    result: pipeline.FileResult, content: bytes, password: str | None
) -> Callable[[], bytes]:
    """The 退回修改表, made only when the button is pressed (in a sandboxed child)."""

    def make() -> bytes:
        try:
            return returned_workbook(result, content, password)
        except ReadError:  # too large or hostile to mark up: the problem list alone
            return summary_only(result)

    return make


st.title("上传周报")
st.caption(
    "可一次拖入多个单位的周报（xlsx、xlsm、xls、csv）。系统逐个检查后列出问题；"
    "确认后入库：有错误的行不入库，仅有提醒的行照常入库。有错误的文件可下载“退回修改表”发回填报单位。"
)
st.session_state.setdefault(CHECKED, {})
st.session_state.setdefault(STORED, {})

# No ``type=`` filter: Streamlit would answer a file of another type with an English error
# before this script runs; ``limits.upload_refusal`` names it in Chinese and checks the bytes.
uploads = st.file_uploader(
    f"选择或拖入周报文件（{'、'.join(FILE_TYPES)}）", accept_multiple_files=True, key="upload_files"
)
left, right = st.columns(2)
with left:
    use_date = st.checkbox(
        "为没有日期的文件指定统计截止日期（文件自带的日期不受影响）", key="upload_use_date"
    )
    known = state.report_dates()
    default = known[-1] + dt.timedelta(days=7) if known else dt.date.today()
    day = st.date_input("统计截止日期", value=default, key="upload_date", disabled=not use_date)
with right:
    password = st.text_input(
        "加密文件的打开密码（没有则留空）", type="password", key="upload_password"
    )

if not uploads:
    st.info("请先选择周报文件。")
    st.stop()

report_date = day if use_date else None
engine = state.engine()
checked: dict = st.session_state[CHECKED]
stored: dict = st.session_state[STORED]
if refusal := limits.batch_refusal([upload.size for upload in uploads]):
    st.error(refusal)
    st.stop()
items = []
refused = []
try:
    with limits.UPLOAD_CHECKS.hold(session_key()):
        progress = st.progress(0.0, text="正在检查…")
        for i, upload in enumerate(uploads):
            content = upload.getvalue()
            if reason := limits.upload_refusal(upload.name, content):
                refused.append(reason)
                continue
            key = (upload.name, hashlib.sha256(content).hexdigest(), report_date, password or None)
            if key not in checked:
                checked[key] = pipeline.check_file(
                    engine, upload.name, content, report_date=report_date, password=password or None
                )
            items.append((key, content, checked[key]))
            progress.progress(
                (i + 1) / len(uploads), text=f"已检查 {i + 1}/{len(uploads)}：{upload.name}"
            )
        progress.empty()
except limits.BusyError:
    st.warning("上一批文件仍在检查中，请稍候片刻再操作。")
    st.stop()
for reason in refused:
    st.error(plain(reason))
if not items:
    st.stop()

pending = [item for item in items if item[0] not in stored]
rows = sum(len(r.accepted) for _, _, r in pending if r.status != "rejected")
a, b, c, d = st.columns(4)
a.metric("文件数", len(items))
b.metric("待入库行数", f"{rows:,}")
c.metric("有错误的文件", sum(1 for _, _, r in items if r.has_errors))
d.metric("被拒收的文件", sum(1 for _, _, r in items if r.status == "rejected"))

registry = state.units()
names = dict(zip(registry["code"], registry["name"], strict=True))
for index, (key, content, result) in enumerate(items):
    done = stored.get(key)
    shown = done or result
    icon = ICONS.get(shown.status, ":material/description:")
    label = f"{plain(result.file)} — {pipeline.STATUS_ZH.get(shown.status, shown.status)}"
    label += f"，可入库 {len(result.accepted)} 行，错误 {len(result.errors)}、提醒 {len(result.warnings)}"
    with st.expander(label, expanded=result.has_errors and done is None, icon=icon):
        if result.report_date:
            st.write(f"统计截止日（报告周）：{result.report_date:%Y年%m月%d日}")
        earlier = pipeline.already_imported(engine, content) if done is None else None
        if earlier is not None:
            st.info(f"这个文件此前已原样导入（导入记录 #{earlier}），确认后不会重复入库。")
        if result.ignored_columns:
            st.caption("未识别、已忽略的列：" + "、".join(result.ignored_columns))
        if result.problems:
            st.dataframe(
                pipeline.problems_frame(result),
                hide_index=True,
                width="stretch",
                column_config={"问题": st.column_config.TextColumn(width="large")},
            )
        if result.accepted:
            st.dataframe(pipeline.accepted_frame(result, names), hide_index=True, width="stretch")
        if result.has_errors and result.format is not None:  # a file that could be read
            st.download_button(
                "下载退回修改表",
                data=_returned(result, content, password or None),
                file_name=returned_name(result.file),
                mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                key=f"upload_return_{index}_{key[1][:16]}",
            )
        if done is not None and done.duplicate:
            st.info("与此前导入的文件完全相同，数据未作改动。")
            if done.superseded and done.import_id is not None:
                st.warning(
                    f"注意：这是早先的版本（导入记录 #{done.import_id}），其中 {done.superseded} 行"
                    "已被之后导入的更正替换，当前数据仍以更正为准。"
                )
                if st.button(
                    "以此文件为准（设为当前数据）", key=f"upload_reinstate_{index}_{key[1][:16]}"
                ):
                    count = returns_repo.reinstate_import(engine, done.import_id)
                    stored[key] = dataclasses.replace(done, superseded=0)
                    st.cache_data.clear()
                    st.toast(f"已以 #{done.import_id} 为准：{count} 行重新设为当前数据")
                    st.rerun()

if pending and st.button(
    f"确认入库（{len(pending)} 个文件）", type="primary", key="upload_confirm"
):
    user = st.session_state.get("user_name", "")
    for key, content, result in pending:
        stored[key] = pipeline.store_result(engine, result, content, uploaded_by=str(user))
    st.cache_data.clear()
    st.rerun()

done_now = [stored[k] for k, _, _ in items if k in stored]
if done_now:
    imported = [r for r in done_now if r.status == "imported"]
    st.success(
        f"已入库 {len(imported)} 个文件、{sum(len(r.accepted) for r in imported if not r.duplicate):,} 行；"
        f"拒收 {len(done_now) - len(imported)} 个文件（已存档，可在“导入记录”中查看）。"
    )
