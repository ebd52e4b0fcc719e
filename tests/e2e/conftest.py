"""Real-browser fixtures: the app served by ``streamlit run`` on a free port, and Chromium.

Browser tests never skip on CI: a missing Chromium is a failure there.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from dashboard import serve

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = serve.CHROMIUM
CHROMIUM_ARGS = serve.CHROMIUM_ARGS


def _free_port() -> int:
    return serve.free_port()


@pytest.fixture(scope="session")
def bootstrapped(tmp_path_factory) -> tuple[str, str]:
    """(office URL, demo URL) prepared exactly as ``./dev run`` prepares them: the office's
    database empty, the demo city in its own database."""
    folder = tmp_path_factory.mktemp("e2e")
    office, demo = (
        f"sqlite:///{folder / 'dashboard.sqlite3'}",
        f"sqlite:///{folder / 'demo.sqlite3'}",
    )
    env = {**os.environ, "DATABASE_URL": office, "DEMO_DATABASE_URL": demo}
    subprocess.run([sys.executable, "-m", "dashboard.bootstrap"], cwd=ROOT, env=env, check=True)
    return office, demo


@pytest.fixture(scope="session")
def demo_database(bootstrapped: tuple[str, str]) -> str:
    """The demo database ``./dev run`` prepared (the journeys' app serves it directly)."""
    return bootstrapped[1]


@contextlib.contextmanager
def _serve(env_overrides: dict[str, str], log: Path, extra: Sequence[str] = ()) -> Iterator[str]:
    """The board served on a free loopback port with ``env_overrides`` (the shared launcher,
    ``dashboard/serve.py``); its address while it runs."""
    with serve.serving([log], env=env_overrides, root=ROOT, extra=extra) as (server,):
        yield server.url


@pytest.fixture(scope="session")
def app_url(demo_database: str, tmp_path_factory) -> Iterator[str]:
    """The app serving the demo city's database (the board, upload and briefing journeys)."""
    log = tmp_path_factory.mktemp("e2e-log") / "streamlit.log"
    with _serve({"DATABASE_URL": demo_database}, log) as url:
        yield url


@pytest.fixture(scope="session")
def first_start_url(bootstrapped: tuple[str, str], tmp_path_factory) -> Iterator[str]:
    """The app as ``./dev run`` starts it for a newcomer: the office's empty database, the
    demo one click away in its own database."""
    office, demo = bootstrapped
    log = tmp_path_factory.mktemp("e2e-log") / "streamlit-first.log"
    with _serve({"DATABASE_URL": office, "DEMO_DATABASE_URL": demo}, log) as url:
        yield url


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed: browser tests could not run")
        pytest.skip("Chromium not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, tmp_path):  # type: ignore[no-untyped-def]
    context = browser.new_context(
        viewport={"width": 1440, "height": 1000}, locale="zh-CN", accept_downloads=True
    )
    page = context.new_page()
    yield page
    context.close()


def wait_for_app(page, timeout: float = 60_000) -> None:  # type: ignore[no-untyped-def]
    """Wait until Streamlit finished running the script (no spinner, app rendered)."""
    page.wait_for_selector(
        '[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout
    )
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout
    )
