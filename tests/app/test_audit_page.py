"""AppTest: 审计日志 lists sign-ins and failures, filters by action."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from dashboard.auth import audit
from dashboard.store import db

from .conftest import APP


def test_audit_page_lists_and_filters(demo_app_db: str) -> None:
    engine = db.make_engine(demo_app_db)
    audit.record(engine, "sign_in", user="张三", address="10.0.0.1")
    audit.record(engine, "sign_in_failed", user="李四", address="10.0.0.2")
    audit.record(engine, "upload", user="张三", detail={"file": "周报.xlsx", "sha256": "ab"})
    engine.dispose()
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("app_pages/audit.py")
    at.run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    mine = table[table["用户"].isin(["张三", "李四"])]
    assert len(mine) == 3 and set(mine["操作"]) == {"登录", "登录失败", "上传"}
    assert {"名册变更", "上传"} <= set(table["操作"])  # the demo's own import, audited too
    at.multiselect(key="audit_actions").set_value(["sign_in_failed"]).run()
    table = at.dataframe[0].value
    assert list(table["用户"]) == ["李四"]
    assert at.get("download_button")
