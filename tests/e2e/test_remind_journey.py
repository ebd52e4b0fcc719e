"""The served app (``dashboard/server.py``): its scheduler thread sends a due 催报 by itself;
the liaison sees the in-app notice on signing in; the office presses 一键催报 on the 催报 page."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from dashboard.auth import accounts
from dashboard.remind import service
from dashboard.store import db, remind_repo, repo
from tests.e2e.conftest import _serve, wait_for_app
from tests.remind.conftest import Recorder, configure, robot, seed, set_task_deadline

pytestmark = pytest.mark.e2e
__all__ = ["robot"]
PASSWORD = "e2e-password-1"
SHOTS = Path(os.environ.get("E2E_SHOTS", "/tmp"))


@pytest.fixture
def served(tmp_path: Path, robot: Recorder) -> Iterator[tuple[str, str]]:
    """(app URL, database URL): a due slot five minutes ago, robots and notices switched on."""
    url = f"sqlite:///{tmp_path / 'remind.sqlite3'}"
    engine = db.connect(url)
    week = service.current_report_date(repo.get_settings(engine), service.office_today({}))
    seed(engine, accounts=False, day=week)
    accounts.add_user(engine, "office1", "office", PASSWORD)
    accounts.add_user(engine, "dong", "liaison", PASSWORD, "C01")
    tz = ZoneInfo("Asia/Shanghai")
    moment = dt.datetime.now(tz) - dt.timedelta(minutes=5)
    deadline = dt.datetime.combine(moment.date() + dt.timedelta(days=1), dt.time(23, 59), tz)
    set_task_deadline(engine, deadline, day=week)
    configure(
        engine,
        remind_channels=["wecom", "notice"],
        remind_wecom_url=f"{robot.url}/ok",
        remind_times=[f"截止前1天 {moment:%H:%M}"],
        remind_auto=["auto"],
        board_url="https://kanban.example.gov.cn",
    )
    engine.dispose()
    env = {"DATABASE_URL": url, "DASHBOARD_REMIND_INTERVAL": "0.5"}
    with _serve(env, tmp_path / "streamlit.log") as base:
        yield base, url


def _sign_in(page, base: str, name: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/")
    page.wait_for_selector("#name")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    wait_for_app(page)


def test_scheduler_notice_and_one_click_reminder(page, served, robot: Recorder) -> None:  # type: ignore[no-untyped-def]
    base, url = served
    deadline = time.monotonic() + 60
    while len(robot.requests) < 2 and time.monotonic() < deadline:
        time.sleep(0.3)
    assert len(robot.requests) == 2  # the app process's own scheduler sent the due slot
    engine = db.make_engine(url)
    assert set(remind_repo.load_log(engine)["actor"]) == {"scheduler"}

    _sign_in(page, base, "dong")
    page.get_by_text("催报通知").first.wait_for(timeout=60_000)
    assert "东县乙镇" in page.locator('[data-testid="stMain"]').inner_text()
    page.screenshot(path=str(SHOTS / "remind_notice.png"))
    page.get_by_role("button", name="知道了").click()
    page.get_by_text("催报通知").wait_for(state="detached", timeout=60_000)
    assert remind_repo.unread_notices(engine, "dong").empty

    page.context.clear_cookies()
    _sign_in(page, base, "office1")
    page.goto(base + "/remind")
    wait_for_app(page)
    page.get_by_text("张三　139-0000-0001 — 3 个单位").wait_for(timeout=60_000)
    page.get_by_role("button", name="一键催报").click()
    page.get_by_text("已发送").first.wait_for(timeout=60_000)
    wait_for_app(page)
    page.screenshot(path=str(SHOTS / "remind_page.png"))
    page.get_by_text("下载催报记录（Excel）").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "remind_log.png"))
    assert len(robot.requests) == 4  # 2 automatic, 2 by hand
    log = remind_repo.load_log(engine)
    assert set(log["actor"]) == {"scheduler", "office1"}
    engine.dispose()
