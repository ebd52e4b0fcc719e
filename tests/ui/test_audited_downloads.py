"""A page's download records who took what when the button is pressed."""

from __future__ import annotations

from dashboard import door
from dashboard.auth import audit
from dashboard.ui import session, state


def test_download_is_audited_when_made(engine, monkeypatch) -> None:
    monkeypatch.setattr(state, "engine", lambda: engine)
    monkeypatch.setattr(session, "viewer", lambda: door.Viewer("张三", "liaison", "0101"))
    made = session.audited(lambda: b"xlsx", "download", "排名.xlsx")
    assert audit.entries(engine).empty  # rendering the button records nothing
    assert made() == b"xlsx"
    entry = audit.entries(engine).iloc[0]
    assert entry["action"] == "download" and entry["user_name"] == "张三"
    assert entry["detail"] == {"what": "排名.xlsx"}
