"""A unit name or campaign name holding Markdown renders as text on every page.

The registry and the settings are typed by people: a name such as ``[点我](http://…)`` or
``![x](http://…/t.png)`` must not become a live link, or an image the browser fetches from
an outside host, wherever a page shows it.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from dashboard.navigation import page_files
from dashboard.store import db, repo
from dashboard.store.schema import units

from .conftest import APP

LINK = "[点我](http://evil.example/a)"
IMAGE = "![x](http://evil.example/t.png)"
LIVE = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(")  # [text]( not escaped: a link or an image


def _texts(at: AppTest) -> list[str]:
    found: list[str] = []
    for kind in ("markdown", "caption", "info", "warning", "success", "error", "subheader",
                 "title", "header", "toast"):
        found += [str(e.value) for e in at.get(kind)]
    found += [str(e.label) for e in at.get("expander")]
    found += [str(e.value) for e in at.sidebar.markdown]
    return found


@pytest.fixture
def hostile_db(demo_app_db: str) -> str:
    engine = db.make_engine(demo_app_db)
    frame = repo.load_units(engine)
    county = frame.loc[frame["name"] == "松桥县", "code"].iloc[0]
    with engine.begin() as conn:
        conn.execute(update(units).where(units.c.code == county).values(name=f"松桥县{LINK}{IMAGE}"))
    repo.set_settings(engine, {"city_name": f"青川市{LINK}"})
    engine.dispose()
    return demo_app_db


@pytest.mark.parametrize("page_file", page_files())
def test_markdown_in_names_is_shown_as_text(hostile_db: str, page_file: str) -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page(f"app_pages/{page_file}")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    texts = _texts(at)
    live = [t for t in texts if LIVE.search(t)]
    assert not live, live
    assert any("evil.example" in t for t in texts)  # the name is there, as text
