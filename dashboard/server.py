"""The served app: ``streamlit run dashboard/server.py`` (what ``./dev run`` starts).

``st.App`` wraps the page script (``app.py``) in an ASGI application, so middleware runs
before Streamlit's own routes: pages, the websocket, media and the upload endpoint.
AppTest drives ``app.py`` directly; the HTTP tests start this file.

Its lifespan freezes what the process holds for good out of Python's full garbage
collections (``dashboard/web/settle.py``), starts the automatic 催报 scheduler once per
process (``dashboard/remind/scheduler.py``; ``DASHBOARD_SCHEDULER=0`` leaves it to cron) and
stops it on shutdown.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import streamlit as st
from starlette.middleware import Middleware

from dashboard.web import media
from dashboard.web.errors import on_script_error
from dashboard.web.signin import SignInGate
from dashboard.web.upload_guard import UploadGuard

__all__ = ["app", "lifespan"]


@asynccontextmanager
async def lifespan(_app: Any) -> AsyncIterator[None]:
    from dashboard import bootstrap
    from dashboard.remind import scheduler
    from dashboard.store import db
    from dashboard.web import settle

    settle.settle()  # what the process holds for good leaves the full collections
    thread = scheduler.start_once(db.connect(bootstrap.office_url()))
    try:
        yield None
    finally:
        if thread is not None:
            thread.stop()


# Generated downloads are kept long enough for their GET (dashboard/web/media.py); set
# before st.App creates its runtime.
media.install()

# Outermost first: nothing reaches the upload check, or Streamlit, without a session.
app = st.App(
    "app.py",
    middleware=[Middleware(SignInGate), Middleware(UploadGuard)],
    on_script_error=on_script_error,
    lifespan=lifespan,
)
