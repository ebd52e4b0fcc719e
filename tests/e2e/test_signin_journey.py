"""A real browser against ``dashboard/server.py`` with accounts: sign in, see the board,
sign out; the old cookie replayed is refused; a liaison sees only its county."""

from __future__ import annotations

import os
import shutil
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.auth import accounts
from dashboard.store import db, repo
from tests.e2e.conftest import _serve, wait_for_app

pytestmark = pytest.mark.e2e
PASSWORD = "e2e-password-1"
OUTSIDE: list[str] = []  # names of the other counties


@pytest.fixture(scope="module")
def guarded_url(demo_database: str, tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("guarded")
    path = folder / "guarded.sqlite3"
    shutil.copy(demo_database.removeprefix("sqlite:///"), path)
    url = f"sqlite:///{path}"
    engine = db.connect(url)
    units = repo.load_units(engine)
    county = str(units.loc[units["name"] == "松桥县", "code"].iloc[0])
    accounts.add_user(engine, "admin", "admin", PASSWORD)
    accounts.add_user(engine, "songqiao", "liaison", PASSWORD, county)
    others = units.loc[(units["level"] == 2) & (units["code"] != county), "name"]
    OUTSIDE.extend(others.astype(str))
    engine.dispose()
    with _serve({"DATABASE_URL": url}, folder / "streamlit.log") as base:
        yield base


def _sign_in(page, base: str, name: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/")
    page.wait_for_selector("#name")  # the sign-in form, not the board
    assert "/auth/login" in page.url
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    wait_for_app(page)


def test_sign_in_board_sign_out_and_replay(page, guarded_url: str) -> None:  # type: ignore[no-untyped-def]
    _sign_in(page, guarded_url, "admin")
    page.get_by_text("当前用户：admin").wait_for(timeout=60_000)
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "dash_session")
    cookie = next(c for c in page.context.cookies() if c["name"] == "dash_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    with page.expect_popup() as opened:  # Streamlit opens link buttons in a new tab
        page.get_by_role("link", name="退出登录").click()
    opened.value.wait_for_selector("#name", timeout=30_000)
    page.reload()  # the first tab: its session is gone too
    page.get_by_text("请先登录").or_(page.locator("#name")).first.wait_for(timeout=60_000)
    request = urllib.request.Request(guarded_url + "/", headers={"Cookie": f"dash_session={token}"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 401


def test_a_liaison_sees_its_county_only(page, guarded_url: str) -> None:  # type: ignore[no-untyped-def]
    _sign_in(page, guarded_url, "songqiao")
    page.get_by_text("当前用户：songqiao").wait_for(timeout=60_000)
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text("松桥县").first.wait_for(timeout=60_000)
    wait_for_app(page)
    text = main.inner_text()
    assert OUTSIDE and not [name for name in OUTSIDE if name in text]
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text().split("\n")
    assert "设置" not in nav and "单位名册" not in nav and "总览" in nav
    page.screenshot(path=str(Path(os.environ.get("E2E_SHOTS", "/tmp")) / "liaison_overview.png"))
