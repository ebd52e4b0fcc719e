"""An unexpected error in a page: the browser gets a reference number in Chinese, the log
gets the detail (never the other way round)."""

from __future__ import annotations

import logging
import secrets

__all__ = ["on_script_error", "reference"]

log = logging.getLogger("dashboard.errors")


def reference() -> str:
    return secrets.token_hex(4).upper()


def on_script_error(error: Exception) -> bool:
    """``st.App(on_script_error=…)``: log with a reference, show only the reference."""
    ref = reference()
    log.error("page error %s", ref, exc_info=error)
    try:
        import streamlit as st

        st.error(
            f"页面出现意外错误（参考编号 {ref}），数据没有改动。请刷新页面重试；"
            "如一再出现，请把参考编号告诉管理员。"
        )
    except Exception:  # noqa: BLE001 - showing the notice must never raise in turn
        return False
    return True
