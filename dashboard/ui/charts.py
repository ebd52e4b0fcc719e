"""Drawing a chart on a page, with PNG (high resolution) and SVG downloads.

Images are rendered only when the user clicks a download (``data=callable``), and the
last few renders are kept, so pages stay fast however many charts they draw.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st

from dashboard.export import images
from dashboard.ui import session

_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')


def file_stem(name: str) -> str:
    """A file name stem safe on Windows and in a download header."""
    return _UNSAFE.sub("_", name).strip("_") or "图表"


@functools.lru_cache(maxsize=32)
def _render(fig_json: str, fmt: str) -> bytes:
    fig = pio.from_json(fig_json)
    found = images.image_renderer(fmt)
    if found is None:
        raise ValueError(f"unknown image format {fmt!r}")
    return found.render(fig)


def _deferred(fig_json: str, fmt: str) -> Callable[[], bytes]:
    return lambda: _render(fig_json, fmt)


def show_chart(fig: go.Figure, name: str, key: str | None = None) -> None:
    """Draw ``fig``; ``name`` is the file stem used for downloads of this chart."""
    key = key or f"chart_{name}"
    st.plotly_chart(fig, key=key, width="stretch")
    fig_json = fig.to_json()
    stem = file_stem(name)
    with st.popover("导出图片", icon=":material/download:"):
        for image in images.IMAGE_RENDERERS:
            fmt = image.suffix
            st.download_button(
                image.label,
                data=session.audited(_deferred(fig_json, fmt), "download", f"{stem}.{fmt}"),
                file_name=f"{stem}.{fmt}",
                mime=image.mime,
                key=f"{key}_{fmt}",
                on_click="ignore",
            )
