"""AppTest: the 催报 page lists pending units by liaison with a message to copy, sends
through the chosen channels, shows failures, and keeps a filterable log; a liaison sees its
own subtree only; the recipient sees the in-app notice until it is read."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import door
from dashboard.navigation import pages_for
from dashboard.remind import service
from dashboard.store import db, remind_repo
from tests.app.conftest import APP
from tests.remind.conftest import DAY, Recorder, configure, robot, seed

OFFICE = door.Viewer("office1", "office", None)
LIAISON = door.Viewer("dong", "liaison", "C01")
__all__ = ["robot"]  # the robot endpoint fixture, shared with tests/remind


@pytest.fixture
def seeded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'office.sqlite3'}"
    engine = db.connect(url)
    seed(engine)
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DEMO_DATABASE_URL", f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    return url


def open_page(monkeypatch: pytest.MonkeyPatch, viewer: door.Viewer) -> AppTest:
    monkeypatch.setattr("dashboard.ui.session.current_viewer", lambda: viewer)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("app_pages/remind.py")
    at.run()
    assert not at.exception, at.exception
    at.selectbox(key="remind_week").set_value(DAY)
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_page_is_offered_to_office_and_liaison_only() -> None:
    files = {
        r: {f for e in pages_for(r).values() for f, _t, _i in e}
        for r in ("office", "liaison", "viewer")
    }
    assert "remind.py" in files["office"] and "remind.py" in files["liaison"]
    assert "remind.py" not in files["viewer"]


def test_office_sees_groups_messages_and_sends(
    seeded: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(monkeypatch, OFFICE)
    assert at.title[0].value == "催报"
    labels = [e.label for e in at.expander]
    assert labels == ["李明　0871-6000001 — 1 个单位", "张三　139-0000-0001 — 3 个单位"]
    messages = [c.value for c in at.code]
    assert len(messages) == 2 and "东县乙镇（由东县联络人代报）" in messages[1]
    assert at.metric[0].value == "4 个"
    assert at.multiselect(key="remind_channels_chosen").value == ["notice"]
    at.button(key="remind_send").click()
    at.run()
    assert not at.exception, at.exception
    assert any("已发送 1 条催报" in s.value for s in at.success)
    assert any("1 条发送失败" in e.value and "没有联络员账号" in e.value for e in at.error)
    log = at.dataframe[-1].value
    assert sorted(log["结果"]) == ["发送失败", "已发送"]
    assert set(log["催报人"]) == {"office1"}
    # filter the log to failures
    at.multiselect(key="remind_log_statuses").set_value(["failed"])
    at.run()
    assert list(at.dataframe[-1].value["结果"]) == ["发送失败"]
    assert any(b.label == "下载催报记录（Excel）" for b in at.get("download_button"))


def test_a_message_copied_by_hand_is_logged(seeded: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page(monkeypatch, OFFICE)
    at.button(key="remind_copied_1").click()
    at.run()
    assert not at.exception, at.exception
    log = at.dataframe[-1].value
    assert list(zip(log["渠道"], log["接收人"], log["结果"], strict=True)) == [
        ("复制消息", "张三　139-0000-0001", "已发送")
    ]
    assert list(log["单位数"]) == [3]


def test_a_robot_failure_is_shown_and_logged(
    seeded: str, robot: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = db.make_engine(seeded)
    configure(engine, remind_channels=["wecom"], remind_wecom_url=f"{robot.url}/http500")
    at = open_page(monkeypatch, OFFICE)
    at.button(key="remind_send").click()
    at.run()
    assert any("2 条发送失败" in e.value and "HTTP 500" in e.value for e in at.error)
    assert len(robot.requests) == 2
    assert set(remind_repo.load_log(engine)["status"]) == {"failed"}


def test_a_liaison_sees_its_subtree_and_the_notice(
    seeded: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(monkeypatch, LIAISON)
    assert [e.label for e in at.expander] == ["张三　139-0000-0001 — 3 个单位"]
    at.button(key="remind_send").click()
    at.run()
    assert any("已发送 1 条催报" in s.value for s in at.success)
    # the notice is on every page for its recipient until read
    at.switch_page("app_pages/overview.py")
    at.run()
    notices = [w.value for w in at.warning if "催报通知" in w.value]
    assert len(notices) == 1 and "东县乙镇" in notices[0]
    next(b for b in at.button if b.label == "知道了").click()
    at.run()
    assert not [w for w in at.warning if "催报通知" in w.value]
    assert remind_repo.unread_notices(db.make_engine(seeded), "dong").empty


def test_a_town_liaison_reads_no_other_units_in_the_log(
    seeded: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The office reminded 东县's group (东县, 乙镇, 乙镇一村); 乙镇's own liaison opens the
    page: the service scopes the log by the viewer, so 东县 is neither listed nor quoted."""
    at = open_page(monkeypatch, OFFICE)
    at.button(key="remind_copied_1").click()
    at.run()
    at = open_page(monkeypatch, door.Viewer("yi", "liaison", "C0102"))
    log = at.dataframe[-1].value
    assert list(log["单位编码"]) == ["C0102、C010201"]
    assert "东县\n" not in "".join(log["消息内容"]) and "C01、" not in "".join(log["单位编码"])
    assert set(log["消息内容"]) == {service.OUTSIDE_MESSAGE}
