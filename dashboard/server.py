"""The served app: ``streamlit run dashboard/server.py`` (what ``./dev run`` starts).

``st.App`` wraps the page script (``app.py``) in an ASGI application, so middleware runs
before Streamlit's own routes: pages, the websocket, media and the upload endpoint.
AppTest drives ``app.py`` directly; the HTTP tests start this file.
"""

from __future__ import annotations

import streamlit as st
from starlette.middleware import Middleware

from dashboard.web.errors import on_script_error
from dashboard.web.signin import SignInGate
from dashboard.web.upload_guard import UploadGuard

# Outermost first: nothing reaches the upload check, or Streamlit, without a session.
app = st.App(
    "app.py",
    middleware=[Middleware(SignInGate), Middleware(UploadGuard)],
    on_script_error=on_script_error,
)
