"""Chinese label and help for file upload widgets.

Streamlit's uploader draws its own English ("Browse files", "Drag and drop file here",
"Limit 50MB per file") with no setting to change it, so the label and the help say in
Chinese what to do, which files are accepted and the size limit, and nobody needs the English.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

__all__ = ["help_text", "label", "size_limit_mb"]


def size_limit_mb() -> int:
    """The per-file upload limit configured for the server (``server.maxUploadSize``)."""
    return int(st.get_option("server.maxUploadSize"))


def label(what: str, types: Sequence[str], multiple: bool = False) -> str:
    """``选择或拖入周报文件（可多选，每个文件不超过 50 MB）``."""
    many = "可多选，" if multiple else ""
    return f"选择或拖入{what}（{many}每个文件不超过 {size_limit_mb()} MB）"


def help_text(types: Sequence[str], multiple: bool = False) -> str:
    kinds = "、".join(f".{t.lstrip('.')}" for t in types)
    many = "可一次选择或拖入多个文件。" if multiple else "一次一个文件。"
    return (
        "点下方框中的按钮从电脑中选择文件，或把文件直接拖到框中。"
        f"{many}支持的格式：{kinds}；每个文件不超过 {size_limit_mb()} MB。"
    )
