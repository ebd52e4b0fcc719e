"""The load driver, briefly, against an app the test starts: signed-in sessions over the
websocket render the board pages, change a filter and download a chart; concurrent imports
lose no row. Timings are not checked here (``scripts/load_driver.py`` prints them)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.scripts.test_benchmarks import load

pytestmark = pytest.mark.e2e


def _run(coroutine: Any) -> Any:
    """asyncio.run in a thread of its own: another test (a browser's sync API) may leave an
    event loop running in this one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture(scope="module")
def driver() -> ModuleType:
    return load("load_driver")


@pytest.fixture(scope="module")
def served(driver: ModuleType, demo_database: str, tmp_path_factory) -> Iterator[tuple[Any, Any]]:
    folder = tmp_path_factory.mktemp("load")
    world = driver.prepare("sqlite", folder, Path(demo_database.removeprefix("sqlite:///")))
    with driver.serve(world, 1) as replicas:
        yield world, replicas[0]


def test_the_driver_refuses_targets_off_this_machine(driver: ModuleType) -> None:
    for url in ("http://10.0.0.8:8501", "http://93.184.216.34", "http://192.168.1.2:80"):
        with pytest.raises(driver.DriverError, match="loopback"):
            driver.require_loopback(url)
    driver.require_loopback("http://127.0.0.1:8501")
    driver.require_loopback("http://localhost:8501")
    for sessions, seconds in ((0, 10), (201, 10), (5, 0), (5, 901)):
        with pytest.raises(driver.DriverError):
            driver.bounded(sessions, seconds)
    assert driver.main(["--sessions", "500"]) == 2  # refused before anything starts


def test_signed_in_sessions_render_pages_filter_and_download(
    driver: ModuleType, served: tuple[Any, Any]
) -> None:
    world, replica = served

    async def scenario() -> Any:
        stats = driver.Stats()
        sessions = [
            driver.Session(replica.url, world.users[i % len(world.users)], stats) for i in range(3)
        ]
        await asyncio.gather(*(s.open() for s in sessions))
        await asyncio.gather(*(s.rerun("") for s in sessions))
        first = sessions[0]
        titles = []
        for title in driver.BOARD_PAGES:
            run = await first.rerun(first.pages[title])
            titles += [e.heading.body for e in run.elements if e.WhichOneof("type") == "heading"]
        assert await first.change_scope(random.Random(3))
        await first.rerun(first.pages["总览"])
        assert await first.download_chart()
        await driver.drive(sessions, 4, 0.5, seed=5)
        for session in sessions:
            await session.close()
        return stats, titles

    stats, titles = _run(scenario())
    assert not stats.errors, stats.errors[:3]
    assert set(driver.BOARD_PAGES) <= set(titles)  # every board page ran and drew its title
    assert stats.views >= 3 + len(driver.BOARD_PAGES) + 2
    assert stats.filters >= 1 and stats.downloads >= 1
    assert stats.refs > 0  # unchanged messages went as references, not again


def test_concurrent_imports_lose_no_row(driver: ModuleType, served: tuple[Any, Any]) -> None:
    world, _replica = served
    plan = driver.plan_imports(world, 3)

    async def imports() -> list[tuple[int, str]]:
        return await asyncio.gather(*(driver.run_import(world, path) for path, _ in plan.files))

    results = _run(imports())
    assert [code for code, _ in results] == [0, 0, 0], [text[-300:] for _, text in results]
    sent, lost = driver.rows_lost(world, plan)
    assert sent > 0 and lost == 0
