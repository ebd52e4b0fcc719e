"""上传周报: drag in many returns, see each file's problems, hold back rows, confirm, send
back 退回修改表."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Callable

import streamlit as st

from dashboard.ingest import formats, limits, pipeline
from dashboard.ingest.annotate import returned_name, returned_workbook, summary_only
from dashboard.ingest.formats import ReadError
from dashboard.ingest.matching import MatchScope
from dashboard.store import returns_repo
from dashboard.ui import import_tables, report_cache, session, state
from dashboard.ui.tables import hold_back_editor, problems_table
from dashboard.ui.text import plain, session_key
from dashboard.ui.wordings import column_mapping_form, mappable_columns

# A page script, run by st.navigation: it offers nothing to other modules.
__all__: list[str] = []

CHECKED = "upload_checked"  # (file name, sha256, date, password) → FileResult
STORED = "upload_stored"  # key → FileResult of files stored in this session
FILE_TYPES = list(limits.UPLOAD_TYPES)
ICONS = {"imported": ":material/check_circle:", "rejected": ":material/block:"}
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIMIT_MB = formats.MAX_FILE_BYTES // 1048576


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
    "可一次拖入多个单位的周报。系统逐个检查后列出问题；确认前可把任何一行暂缓入库。"
    "确认后入库：有错误的行不入库，仅有提醒的行照常入库。有错误的文件可下载“退回修改表”发回填报单位。"
)
st.session_state.setdefault(CHECKED, {})
st.session_state.setdefault(STORED, {})

# No ``type=`` filter: Streamlit would answer a file of another type with an English error
# before this script runs; ``limits.upload_refusal`` names it in Chinese and checks the bytes.
uploads = st.file_uploader(
    f"选择或拖入周报文件（{'、'.join(FILE_TYPES)}，每个文件不超过 {LIMIT_MB} MB）",
    accept_multiple_files=True,
    key="upload_files",
    help=f"可一次选择多个文件；单个文件不超过 {LIMIT_MB} MB。加密文件请在右侧填写打开密码。",
)
left, right = st.columns(2)
with left:
    use_date = st.checkbox(
        "为没有日期的文件指定统计截止日期（文件自带的日期不受影响）", key="upload_use_date"
    )
    known = state.report_dates()
    # the week after the newest one; with no data yet the office picks it (never "today")
    default = known[-1] + dt.timedelta(days=7) if known else None
    day = st.date_input(
        "统计截止日期",
        value=default,
        key="upload_date",
        disabled=not use_date,
        help="任一日期归入其后最近的报送日",
    )
with right:
    password = st.text_input(
        "加密文件的打开密码（没有则留空）", type="password", key="upload_password"
    )

if not uploads:
    st.info("请先选择周报文件。")
    st.stop()
if use_date and day is None:
    st.warning("已勾选指定日期：请在“统计截止日期”中选择日期。")

report_date = day if use_date else None
engine = state.engine()
checked: dict = st.session_state[CHECKED]
stored: dict = st.session_state[STORED]
if refusal := limits.batch_refusal([upload.size for upload in uploads]):
    st.error(refusal)
    st.stop()
viewer = session.viewer()
in_scope = report_cache.scope_units(None) if viewer and viewer.scope_code else None
# a scoped user's files match, suggest and name only units of its own subtree
match_scope = (
    None
    if in_scope is None or viewer is None
    else MatchScope.of(
        in_scope["code"],
        str(next(iter(in_scope.loc[in_scope["code"] == viewer.scope_code, "name"]), "")),
    )
)
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
                    engine,
                    upload.name,
                    content,
                    report_date=report_date,
                    password=password or None,
                    scope=match_scope,
                )
            earlier = pipeline.already_imported(engine, content) if key not in stored else None
            items.append((key, content, checked[key], earlier))
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

registry = state.units()
names = dict(zip(registry["code"], registry["name"], strict=True))
held_rows: dict = {}
for index, (key, content, result, earlier) in enumerate(items):
    done = stored.get(key)
    shown = done or result
    icon = ICONS.get(shown.status, ":material/description:")
    label = f"{plain(result.file)} — {pipeline.STATUS_ZH.get(shown.status, shown.status)}"
    if earlier is not None:
        label += "（此前已原样导入）"
    label += f"，可入库 {len(result.accepted)} 行，错误 {result.error_total}、提醒 {result.warning_total}"
    with st.expander(label, expanded=bool(result.problems) and done is None, icon=icon):
        weeks = result.report_dates or ([result.report_date] if result.report_date else [])
        if weeks:
            st.write("统计截止日（报告周）：" + "、".join(f"{d:%Y年%m月%d日}" for d in weeks))
        if earlier is not None:
            st.info(f"这个文件此前已原样导入（导入记录 #{earlier}），不会重复入库。")
            if replaced := pipeline.replaced_rows(engine, earlier):
                st.warning(
                    f"注意：这是早先的版本（导入记录 #{earlier}），其中 {replaced} 行"
                    "已被之后导入的更正替换，当前数据仍以更正为准。"
                )
                if st.button(
                    "以此文件为准（设为当前数据）", key=f"upload_reinstate_{index}_{key[1][:16]}"
                ):
                    count = returns_repo.reinstate_import(engine, earlier)
                    st.cache_data.clear()
                    st.toast(f"已以 #{earlier} 为准：{count} 行重新设为当前数据")
                    st.rerun()
        if result.hidden_sheets:
            st.caption(
                "已跳过隐藏的工作表："
                + plain("、".join(result.hidden_sheets))
                + "。如其中有周报数据，请在 Excel 中取消隐藏后重新上传。"
            )
        if result.derived_columns:
            st.caption(
                "计算得出的列（比率、百分比、合计等）不作为指标读取："
                + plain("、".join(result.derived_columns))
            )
        if result.ignored_columns:
            st.caption("未识别、已忽略的列：" + plain("、".join(result.ignored_columns)))
        if result.problems:
            problems_table(import_tables.problems_frame(result), f"upload_{index}")
        if done is None and earlier is None:
            mappable = mappable_columns(result.problems)
            if column_mapping_form(mappable, f"upload_map_{index}_{key[1][:12]}"):
                checked.clear()  # every file is read again with the new wordings
                st.rerun()
        held: set = set()
        if result.accepted and done is None and earlier is None and result.status != "rejected":
            st.markdown(
                "**将入库的行**（有提醒的行在前；勾选“暂缓入库”的行本次不入库，列入退回修改表）"
            )
            held = hold_back_editor(
                import_tables.rows_to_confirm(result, names), f"upload_rows_{index}_{key[1][:12]}"
            )
        elif result.accepted:
            st.dataframe(
                import_tables.accepted_frame(result, names), hide_index=True, width="stretch"
            )
        held_rows[key] = held
        final = pipeline.hold_back(result, held, names) if held else result
        if final.has_errors and final.format is not None:  # a file that could be read
            st.download_button(
                "下载退回修改表",
                data=_returned(final, content, password or None),
                file_name=returned_name(result.file),
                mime=XLSX_MIME,
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

inside = match_scope.codes if match_scope is not None else None
scope_name = match_scope.name if match_scope is not None else ""


def _limited(result: pipeline.FileResult) -> pipeline.FileResult:
    """A scoped user's rows outside its subtree are refused (never stored)."""
    if inside is None:
        return result
    return pipeline.keep_inside(result, inside, scope_name, names)


pending = [
    (key, content, _limited(pipeline.hold_back(result, held_rows.get(key, set()), names)))
    for key, content, result, earlier in items
    if key not in stored and earlier is None
]
storable = [item for item in pending if item[2].status != "rejected"]
uploader = viewer.name if viewer is not None else ""  # 上传人: the signed-in user
rows = sum(len(r.accepted) for _, _, r in storable)
a, b, c, d = st.columns(4)
a.metric("文件数", len(items))
b.metric("待入库行数", f"{rows:,}")
c.metric("有错误的文件", sum(1 for _, _, r, _ in items if r.has_errors))
d.metric("被拒收的文件", sum(1 for _, _, r, _ in items if r.status == "rejected"))

if storable and st.button(
    f"确认入库（{len(storable)} 个文件，{rows:,} 行）", type="primary", key="upload_confirm"
):
    for key, content, result in pending:  # rejected files are archived with them
        stored[key] = pipeline.store_result(engine, result, content, uploaded_by=uploader)
    st.cache_data.clear()
    st.rerun()
elif pending and not storable:
    for key, content, result in pending:  # nothing to confirm: archived as they came
        stored[key] = pipeline.store_result(engine, result, content, uploaded_by=uploader)
    st.warning(
        "所有文件都未通过检查，没有可入库的数据（文件已存档，可在“导入记录”中查看）。"
        "请下载退回修改表发回填报单位修改。"
    )

done_now = [stored[k] for k, _, _, _ in items if k in stored]
if done_now:
    imported = [r for r in done_now if r.status == "imported"]
    st.success(
        f"已入库 {len(imported)} 个文件、{sum(len(r.accepted) for r in imported if not r.duplicate):,} 行；"
        f"拒收 {len(done_now) - len(imported)} 个文件（已存档，可在“导入记录”中查看）。"
    )
