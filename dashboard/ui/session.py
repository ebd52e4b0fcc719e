"""Who is using this browser session, re-checked on every rerun.

The HTTP layer (``web/signin.py``) lets no request through without a valid session; this
check repeats it for each rerun of an open tab, so a user disabled, signed out elsewhere or
whose password changed stops on their next action. In single-user local mode (no account
exists yet) there is no viewer and every page is open.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from dashboard import door
from dashboard.auth import accounts, audit, proxy, sessions
from dashboard.ui import state
from dashboard.web.signin import LOGIN_PATH, LOGOUT_PATH, SESSION_COOKIE

__all__ = ["LOCAL_ACTOR", "actor", "audited", "current_viewer", "render_account", "viewer"]


def current_viewer() -> door.Viewer | None:
    """The signed-in user as the door sees them; stops the page when the session is gone."""
    engine = state.office_engine()  # accounts live in the office's database, not the demo's
    session = sessions.check(engine, st.context.cookies.get(SESSION_COOKIE))
    if session is not None:  # a valid session: accounts exist, no need to count them
        return door.Viewer(session.user.name, session.user.role, session.user.scope_code)
    if not accounts.any_users(engine):
        return None
    user = proxy.user_from_proxy(
        engine, str(st.context.ip_address or ""), st.context.headers.get(proxy.HEADER)
    )
    if user is None:
        st.title("请先登录")
        st.info("登录已失效，或账号已被停用、密码已修改。请重新登录后继续。")
        st.link_button("前往登录", LOGIN_PATH, type="primary")
        st.stop()
    return door.Viewer(user.name, user.role, user.scope_code)


def render_account(viewer: door.Viewer | None) -> None:
    """The sidebar's account line: who is signed in, and a way out."""
    if viewer is None:
        st.sidebar.caption("单机模式：尚未创建账号，仅本机可以访问。")
        return
    scope = f" · 所辖 {viewer.scope_code}" if viewer.scope_code else ""
    st.sidebar.caption(
        f"当前用户：{viewer.name}（{accounts.ROLES[viewer.role].split('（')[0]}）{scope}"
    )
    st.sidebar.link_button("退出登录", LOGOUT_PATH)


def viewer() -> door.Viewer | None:
    """The viewer of this run (set by the entry script before the page runs)."""
    return st.session_state.get("viewer")


LOCAL_ACTOR = "本机（单机模式）"
_ADDRESS_KEY = "_client_address"


def _address() -> str:
    """The browser's address as its connection came in: read once per session (Streamlit
    reads it once at connect), not for every download button of every rerun."""
    if _ADDRESS_KEY not in st.session_state:
        st.session_state[_ADDRESS_KEY] = str(st.context.ip_address or "")
    return str(st.session_state[_ADDRESS_KEY])


def actor() -> str:
    """Who to name in the audit log for this run's changes (settings, registry …)."""
    who = viewer()
    return who.name if who is not None else LOCAL_ACTOR


def audited(make: Callable[[], bytes], action: str, what: str) -> Callable[[], bytes]:
    """A download's deferred data that records who took what (``export`` for briefings,
    ``download`` for charts and tables) when the button is pressed."""
    who = viewer()
    engine = state.engine()
    address = _address()

    def made() -> bytes:
        audit.record(
            engine, action, user=who.name if who else "", address=address, detail={"what": what}
        )
        return make()

    return made
