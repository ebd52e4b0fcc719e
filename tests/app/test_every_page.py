"""Every page in the navigation runs on the demo database without an exception."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.navigation import NAVIGATION, page_files

from .conftest import APP

TITLES = {file: title for entries in NAVIGATION.values() for file, title, _icon in entries}


@pytest.mark.parametrize("page_file", page_files())
def test_page_runs_without_exception(demo_app_db: str, page_file: str) -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page(f"app_pages/{page_file}")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert TITLES[page_file] in [t.value for t in at.title] + [h.value for h in at.header]
    # the sidebar names the demo city on every page
    assert any("青川市" in m.value for m in at.sidebar.markdown)
