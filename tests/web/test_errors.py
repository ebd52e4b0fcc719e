"""A page error shows a reference number, and the detail goes to the log only."""

from __future__ import annotations

import logging

from dashboard.web import errors


def test_error_is_logged_with_the_reference_shown(caplog, monkeypatch) -> None:
    shown: list[str] = []
    import streamlit as st

    monkeypatch.setattr(st, "error", lambda text: shown.append(text))
    with caplog.at_level(logging.ERROR, logger="dashboard.errors"):
        assert errors.on_script_error(ValueError("secret detail /etc/passwd")) is True
    assert len(shown) == 1 and "参考编号" in shown[0] and "secret" not in shown[0]
    ref = shown[0].split("参考编号 ")[1].split("）")[0]
    assert ref in caplog.text and "secret detail" in caplog.text
