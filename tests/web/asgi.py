"""Run an ASGI call from a test, whatever loop the test process already runs.

Browser tests (Playwright's sync API) leave an event loop running in the worker's main
thread, where ``asyncio.run`` refuses to start another: each call gets a thread of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any


def run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
