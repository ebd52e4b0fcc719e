"""简报 page (AppTest): options, downloads, preview with the known numbers, remembered options."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.store import db, repo
from tests.export.conftest import fill_database

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
PAGE = "app_pages/briefing.py"


@pytest.fixture
def city_url(tmp_path: Path, monkeypatch) -> str:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'city.sqlite3'}"
    engine = db.connect(url)
    fill_database(engine)
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def _open() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, at.exception
    return at


def _text(at: AppTest) -> str:
    return "\n".join(
        [m.value for m in at.markdown]
        + [c.value for c in at.caption]
        + [str(e.value) for e in at.get("text")]
    )


def test_page_shows_downloads_and_preview(city_url: str) -> None:
    at = _open()
    labels = [b.label for b in at.get("download_button")]
    assert {"Word 简报", "PowerPoint（16:9）", "Excel（排名、落后、催报）"} <= set(labels)
    text = _text(at)
    assert "主题教育工作简报（第8期）" in text
    assert "截至10月27日，示范市应报单位9个，已报7个，报送率77.8%" in text
    assert at.text_input(key="briefing_office_name").value == "示范市主题教育领导小组办公室"
    assert len(at.get("plotly_chart")) == 6


def test_scope_and_options_change_the_preview(city_url: str) -> None:
    at = _open()
    at.selectbox(key="briefing_scope").set_value("01").run()
    at.number_input(key="briefing_issue").set_value(9).run()
    at.multiselect(key="briefing_sections").set_value(["coverage"]).run()
    assert not at.exception
    text = _text(at)
    assert "主题教育工作简报（第9期）" in text
    assert "东城县应报单位5个，已报4个，报送率80.0%" in text
    assert "一、报送情况" in text and "二、" not in text
    assert len(at.get("plotly_chart")) == 0  # "charts" left out


def test_options_are_remembered_on_download(city_url: str) -> None:
    at = _open()
    at.text_input(key="briefing_office_name").set_value("东城县委主题教育办").run()
    at.number_input(key="briefing_issue").set_value(12).run()
    at.get("download_button")[0].click().run()
    assert not at.exception
    stored = repo.get_settings(db.connect(city_url))
    assert stored["office_name"] == "东城县委主题教育办"
    assert stored["briefing_issue"] == 12


def test_a_later_week_gets_the_next_issue_number(city_url: str) -> None:
    engine = db.connect(city_url)
    repo.set_settings(engine, {"briefing_issue": 8, "briefing_issue_date": "2023-10-20"})
    engine.dispose()
    at = _open()  # the latest week, 2023-10-27, is selected
    assert at.number_input(key="briefing_issue").value == 9
    assert "主题教育工作简报（第9期）" in _text(at)
    at.get("download_button")[0].click().run()
    stored = repo.get_settings(db.connect(city_url))
    assert (stored["briefing_issue"], stored["briefing_issue_date"]) == (9, "2023-10-27")
