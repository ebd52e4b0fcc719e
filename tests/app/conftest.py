"""AppTest fixtures: the app pointed at a temporary database through DATABASE_URL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dashboard.store import db

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


@pytest.fixture(scope="session")
def demo_db_file(tmp_path_factory) -> Path:
    """A database file with the demo city loaded once per test session."""
    from dashboard import bootstrap

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    engine = db.connect(f"sqlite:///{path}")
    bootstrap.ensure_demo(engine)
    engine.dispose()
    return path


@pytest.fixture
def demo_app_db(demo_db_file: Path, tmp_path: Path, monkeypatch) -> str:
    """DATABASE_URL of a private copy of the demo database."""
    target = tmp_path / "app.sqlite3"
    shutil.copy(demo_db_file, target)
    url = f"sqlite:///{target}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DEMO_DATABASE_URL", f"sqlite:///{tmp_path / 'demo-unused.sqlite3'}")
    return url


@pytest.fixture
def first_start(demo_db_file: Path, tmp_path: Path, monkeypatch) -> tuple[str, str]:
    """(office URL, demo URL) as on a first start: the office's database empty, the demo in
    its own database (a private copy of the prepared one)."""
    office = f"sqlite:///{tmp_path / 'office.sqlite3'}"
    shutil.copy(demo_db_file, tmp_path / "demo.sqlite3")
    demo = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", office)
    monkeypatch.setenv("DEMO_DATABASE_URL", demo)
    return office, demo
