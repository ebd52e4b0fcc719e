"""A newcomer's first look: the app starts on the demo database and shows the demo city."""

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


def test_browser_shows_demo_city(page, app_url, demo_database, tmp_path) -> None:
    city = _city_name(demo_database)
    page.goto(app_url)
    wait_for_app(page)
    page.get_by_text(city, exact=False).first.wait_for(timeout=60_000)
    page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)
    assert city in page.inner_text("body")
