"""Drawing a chart on a page, with PNG (high resolution) and SVG downloads.

Images are rendered only when the user clicks a download (``data=callable``), and the
last few renders are kept, so pages stay fast however many charts they draw.

Building a plotly figure is most of a warm page view's CPU (plotly validates every layout
update), so a page may pass a builder and a ``cache`` key instead of a figure: the figure
and its JSON are then made once per process for that key (the key holds the data version,
the week, the filters and the viewer, see ``report_cache.view_token``) and shared by every
session. Cached figures are never changed after they are made.
"""

from __future__ import annotations

import functools
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import cast

import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st

from dashboard.export import images
from dashboard.ui import session

__all__ = ["MAX_FIGURES", "cached_figure", "file_stem", "render_image", "show_chart"]

_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')


def file_stem(name: str) -> str:
    """A file name stem safe on Windows and in a download header."""
    return _UNSAFE.sub("_", name).strip("_") or "图表"


@functools.lru_cache(maxsize=32)
def render_image(fig_json: str, fmt: str) -> bytes:
    fig = pio.from_json(fig_json)
    found = images.image_renderer(fmt)
    if found is None:
        raise ValueError(f"unknown image format {fmt!r}")
    return found.render(fig)


def _deferred(fig_json: str, fmt: str) -> Callable[[], bytes]:
    return lambda: render_image(fig_json, fmt)


class _Drawn(go.Figure):
    """A finished figure whose dict is made once: Streamlit asks for ``to_dict()`` (a deep
    copy through every validator) each time the chart is drawn. Never changed once made."""

    _as_dict: dict

    def to_dict(self) -> dict:
        return self._as_dict

    @classmethod
    def of(cls, fig: go.Figure) -> _Drawn:
        """``fig`` itself as a drawn figure (its dict made now). Not a copy: copying a
        figure validates every property again (about 12 ms a chart), and the builder's
        figure is handed over to the cache, nobody else holds it."""
        as_dict = fig.to_dict()
        fig.__class__ = cls
        drawn = cast(_Drawn, fig)
        drawn._as_dict = as_dict
        return drawn


MAX_FIGURES = 256
_FIGURES: OrderedDict[Hashable, tuple[go.Figure, str]] = OrderedDict()
_FIGURES_LOCK = threading.Lock()


def cached_figure(build: Callable[[], go.Figure], cache: Hashable) -> tuple[go.Figure, str]:
    """The figure for ``cache`` and its JSON, built once per process (least recently used
    entries go first)."""
    with _FIGURES_LOCK:
        hit = _FIGURES.get(cache)
        if hit is not None:
            _FIGURES.move_to_end(cache)
            return hit
    fig = _Drawn.of(build())
    made = (fig, fig.to_json())
    with _FIGURES_LOCK:
        _FIGURES[cache] = made
        while len(_FIGURES) > MAX_FIGURES:
            _FIGURES.popitem(last=False)
    return made


def show_chart(
    fig: go.Figure | Callable[[], go.Figure],
    name: str,
    key: str | None = None,
    *,
    cache: Hashable | None = None,
) -> None:
    """Draw ``fig`` (a figure, or a builder of one); ``name`` is the file stem used for
    downloads of this chart. With ``cache`` (a key naming everything the figure depends
    on), a builder runs once per process for that key."""
    key = key or f"chart_{name}"
    if cache is not None and callable(fig) and not isinstance(fig, go.Figure):
        fig, fig_json = cached_figure(fig, (name, key, cache))
    else:
        fig = fig() if callable(fig) and not isinstance(fig, go.Figure) else fig
        fig_json = fig.to_json()
    st.plotly_chart(fig, key=key, width="stretch")
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
