"""导入记录: every upload with its status; download the archived original; undo an import."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.ingest import pipeline
from dashboard.ingest.annotate import returned_name, returned_workbook, summary_only
from dashboard.ingest.formats import ReadError
from dashboard.ingest.pipeline import STATUS_ZH
from dashboard.store import returns_repo
from dashboard.ui import state

# A page script, run by st.navigation: it offers nothing to other modules.
__all__: list[str] = []

st.title("导入记录")
st.caption(
    "每个上传的文件都按原样存档。撤销一次导入后，该文件的数据不再计入，被它替换的旧数据自动恢复。"
)
engine = state.engine()
log = returns_repo.list_imports(engine)
if log.empty:
    st.info("尚无导入记录。请到“上传周报”页上传各单位周报。")
    st.stop()

table = log.assign(
    状态=log["status"].map(lambda s: STATUS_ZH.get(s, s)),
    问题数=log["problem_total"],
    上传时间=log["uploaded_at"].map(lambda t: f"{t:%Y-%m-%d %H:%M}" if t is not None else ""),
)[["id", "file_name", "上传时间", "uploaded_by", "状态", "report_date", "accepted_rows", "问题数"]]
table.columns = ["编号", "文件", "上传时间", "上传人", "状态", "统计截止日", "入库行数", "问题数"]
st.dataframe(table, hide_index=True, placeholder="", width="stretch")

labels = {
    int(r.id): f"#{r.id} {r.file_name}（{STATUS_ZH.get(r.status, r.status)}）"
    for r in log.itertuples()
}
chosen: int = st.selectbox(
    "选择一条记录",
    options=list(labels),
    format_func=lambda import_id: labels.get(import_id, str(import_id)),
    key="imports_selected",
)
row = log.loc[log["id"] == chosen].iloc[0]


def returned_table(record: pd.Series, content: bytes) -> bytes | None:
    """The 退回修改表 of an archived file: checked again, with the rows held back then."""
    day = record["report_date"]
    day = None if day is None or pd.isna(day) else pd.Timestamp(day).date()
    stored = returns_repo.import_problems(engine, int(record["id"]))
    result = pipeline.check_again(engine, str(record["file_name"]), content, day, stored)
    if not (result.has_errors or result.warnings) or result.format is None:
        return None
    try:
        return returned_workbook(result, content)  # in a sandboxed child, as on 上传周报
    except ReadError:  # too large or hostile to mark up: the problem list alone
        return summary_only(result)


left, right = st.columns(2)
with left:
    content = returns_repo.blob_content(engine, str(row["sha256"]))
    if content is not None:
        st.download_button(
            "下载原始文件",
            data=content,
            file_name=str(row["file_name"]),
            key=f"imports_download_{chosen}",
        )
        if st.button("生成退回修改表", key=f"imports_return_{chosen}"):
            st.session_state["imports_return"] = (chosen, returned_table(row, content))
        made = st.session_state.get("imports_return")
        if made is not None and made[0] == chosen:
            if made[1] is None:
                st.info("这个文件没有需要退回修改的问题。")
            else:
                st.download_button(
                    "下载退回修改表",
                    data=made[1],
                    file_name=returned_name(str(row["file_name"])),
                    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    key=f"imports_return_download_{chosen}",
                )
with right:
    if row["status"] == "imported":
        sure = st.checkbox(
            f"确认撤销 #{chosen}（{int(row['accepted_rows'])} 行数据将不再计入）",
            key="imports_confirm",
        )
        if st.button("撤销这次导入", disabled=not sure, key="imports_undo"):
            withdrawn = returns_repo.undo_import(engine, int(chosen))
            st.cache_data.clear()
            st.session_state["imports_message"] = f"已撤销 #{chosen}，撤回 {withdrawn} 行数据。"
            st.session_state.pop("imports_confirm", None)
            st.rerun()
    else:
        st.caption("只有“已入库”的记录可以撤销。")
if message := st.session_state.pop("imports_message", None):
    st.success(message)
