"""The 填报 page's template path: download the pre-filled template, upload it filled in."""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from dashboard import door
from dashboard.core.catalogue import INDICATOR_CODES
from dashboard.entry import template_upload
from dashboard.entry.errors import EntryError
from dashboard.entry.sheet import Sheet
from dashboard.entry.status import TaskInfo
from dashboard.ingest import limits
from dashboard.ui import fill, import_tables, session
from dashboard.ui.tables import problems_table

__all__ = ["XLSX_MIME", "template_section"]

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def template_section(
    engine: Engine, task: TaskInfo, viewer: door.Viewer | None, sheet: Sheet
) -> None:
    with st.expander("下载模板填写后上传（与在线填写等效）"):
        actor = door.entry_actor(engine, viewer)
        drafts = {
            row["unit_code"]: {c: row[c] for c in INDICATOR_CODES if row[c] is not None}
            for row in sheet.rows.astype(object).where(sheet.rows.notna(), None).to_dict("records")
        }

        def build() -> bytes:  # only when the button is pressed, not on every rerun
            return template_upload.template_for(engine, task, actor, drafts)[1]

        what = f"填报模板 {task.report_date.isoformat()}（{len(drafts)} 个单位）"
        st.download_button(
            "下载本周模板（已预填草稿）",
            session.audited(build, "download", what),
            file_name=template_upload.template_name(task),
            mime=XLSX_MIME,
            key="fill_template",
        )
        upload = st.file_uploader(
            "上传填好的模板", key=f"fill_upload_{task.id}", help="经与“上传周报”相同的检查后入库"
        )
        if upload is None:
            return
        content = upload.getvalue()
        refusal = limits.upload_refusal(upload.name, content)
        if refusal:
            st.error(refusal)
            return
        result = template_upload.check_template(engine, task, actor, upload.name, content)
        if result.problems:
            problems_table(import_tables.problems_frame(result), key="fill_upload_problems")
        if result.status == "rejected":
            st.error("文件没有可入库的行：请按上面的问题改正后重新上传")
            return
        if st.button("确认入库并提交", key="fill_upload_store"):
            try:
                stored = template_upload.store_template(engine, task, actor, result, content)
            except EntryError as exc:
                st.error(str(exc))
                return
            if stored.duplicate:
                st.info("这个文件已经导入过，没有变化")
                return
            fill.reload(task)
            fill.announce(task, f"模板已入库：{len(stored.accepted)} 行，对应单位已记为已提交")
            st.rerun()
