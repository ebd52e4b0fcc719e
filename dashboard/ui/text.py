"""Text from the registry, returns and settings, shown on a page as text.

Streamlit renders Markdown (links, images, emphasis, ``:color[…]`` and ``:icon:`` codes) in
``st.markdown``, ``st.write``, captions, alerts, expander labels and subheaders. A unit name
such as ``[点我](http://…)`` or ``![x](http://…/t.png)`` would become a live link or an image
the browser fetches from an outside host, so every such text passes through ``plain``.
"""

from __future__ import annotations

import re

from streamlit.runtime.scriptrunner import get_script_run_ctx

__all__ = ["plain", "session_key"]

_INLINE = re.compile(r"([\\`*_{}\[\]<>!|~:$^])")  # emphasis, links, images, codes, HTML
_LINE_MARK = re.compile(r"^(\s*)([#>+\-=])", re.MULTILINE)  # headings, lists, quotes
_LINE_NUMBER = re.compile(r"^(\s*\d+)([.)])", re.MULTILINE)  # "1." ordered lists
_WWW = re.compile(r"(?i)\b(www)\.")  # GFM autolinks "www.host" without a scheme


def plain(text: object) -> str:
    """``text`` with the Markdown that could act escaped: links, images, emphasis,
    ``:icon:``/``:color[]`` codes, bare ``http:`` autolinks, and headings or lists at the
    start of a line. It renders as written; plain names stay readable in the source."""
    escaped = _INLINE.sub(r"\\\1", str(text))
    escaped = _LINE_MARK.sub(r"\1\\\2", escaped)
    escaped = _LINE_NUMBER.sub(r"\1\\\2", escaped)
    return _WWW.sub(r"\1\\.", escaped)


def session_key() -> str:
    """An id of the current browser session (for per-session limits)."""
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "no-session"
