"""AppTest: once an account exists, a visitor without a valid session sees only the way to
sign in, on every page — no figure, table or chart (the HTTP layer refuses them before the
script runs; this is the check each rerun repeats)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.auth import accounts
from dashboard.navigation import page_files
from dashboard.store import db

from .conftest import APP


@pytest.fixture
def guarded_db(demo_app_db: str) -> str:
    engine = db.make_engine(demo_app_db)
    accounts.add_user(engine, "admin", "admin", "long-password-1")
    engine.dispose()
    return demo_app_db


@pytest.mark.parametrize("page_file", page_files())
def test_signed_out_visitor_sees_only_the_sign_in_link(guarded_db: str, page_file: str) -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page(f"app_pages/{page_file}")
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["请先登录"]
    for kind in ("dataframe", "plotly_chart", "metric", "download_button", "table"):
        assert not at.get(kind), kind
    assert not at.sidebar.markdown  # not even the city's name
