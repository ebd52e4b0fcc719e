"""A newcomer's first look: ``./dev run`` opens on the first-start choice; the demo is one
click away, marked as a demo, and never enters the office's own database."""

from __future__ import annotations

from sqlalchemy import select

from dashboard.store import db, repo
from dashboard.store.schema import units
from tests.e2e.conftest import wait_for_app


def _city_name(url: str) -> str:
    """What the sidebar names the campaign's city: the setting, else the registry's root."""
    engine = db.make_engine(url)
    configured = repo.get_settings(engine)["city_name"]
    with engine.connect() as conn:
        root = str(conn.execute(select(units.c.name).where(units.c.level == 1)).scalar_one())
    assert root, "the demo registry has a root unit"
    return configured or root


def test_first_start_offers_the_demo_one_click_away(
    page, first_start_url, bootstrapped, tmp_path
) -> None:
    office, demo = bootstrapped
    city = _city_name(demo)
    page.goto(first_start_url)
    wait_for_app(page)
    page.get_by_text("第一次使用：请选择").first.wait_for(timeout=60_000)
    page.get_by_role("button", name="打开演示").click()
    page.get_by_text("演示模式", exact=False).first.wait_for(timeout=90_000)
    page.get_by_text(city, exact=False).first.wait_for(timeout=60_000)
    page.screenshot(path=str(tmp_path / "demo-start.png"), full_page=True)
    page.get_by_role("link", name="总览").first.click()
    wait_for_app(page)
    page.get_by_text("演示模式", exact=False).first.wait_for(timeout=60_000)
    assert city in page.inner_text("body")
    assert repo.unit_count(db.make_engine(office)) == 0, "the demo never enters the office's db"
    page.get_by_role("button", name="回到本单位的活动").click()
    page.get_by_text("第一次使用：请选择").first.wait_for(timeout=60_000)


def test_browser_shows_demo_city(page, app_url, demo_database, tmp_path) -> None:
    city = _city_name(demo_database)
    page.goto(app_url)
    wait_for_app(page)
    page.get_by_text(city, exact=False).first.wait_for(timeout=60_000)
    page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)
    assert city in page.inner_text("body")
