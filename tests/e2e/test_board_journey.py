"""A leader's question in a real browser: which units are behind, and is pressure reaching
the grassroots?  The demo city makes one county cold at its grassroots
(``dashboard.demo.COLD_COUNTY_CODE``): 层级传导 must flag it."""

from __future__ import annotations

from sqlalchemy import select

from dashboard import demo
from dashboard.store import db
from dashboard.store.schema import units
from tests.e2e.conftest import wait_for_app


def _name(url: str, code: str) -> str:
    engine = db.make_engine(url)
    with engine.connect() as conn:
        return str(conn.execute(select(units.c.name).where(units.c.code == code)).scalar_one())


def _open(page, app_url: str, title: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(app_url)
    wait_for_app(page)
    page.get_by_role("link", name=title, exact=True).first.click()
    page.get_by_role("heading", name=title).first.wait_for(timeout=60_000)
    wait_for_app(page)


def test_ranking_and_gradient_flag_the_cold_county(page, app_url, demo_database, tmp_path) -> None:
    cold = _name(demo_database, demo.COLD_COUNTY_CODE)

    _open(page, app_url, "排名")
    page.get_by_text("热度排名后10位", exact=False).first.wait_for(timeout=60_000)
    page.get_by_text("口径说明").first.wait_for()
    page.screenshot(path=str(tmp_path / "ranking.png"), full_page=True)

    _open(page, app_url, "层级传导")
    page.get_by_text(f"{cold}：上热中温下冷", exact=False).first.wait_for(timeout=60_000)
    page.get_by_text("各系统逐级平均热度", exact=False).first.wait_for()
    page.screenshot(path=str(tmp_path / "gradient.png"), full_page=True)
    body = page.inner_text("body")
    assert f"{cold}（上热中温下冷）" in body
