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


def _deferred(fig: go.Figure, fmt: str) -> Callable[[], bytes]:
    """The image of ``fig``, made when its download is pressed (the figure's JSON too)."""
    return lambda: render_image(_json(fig), fmt)


def _json(fig: go.Figure) -> str:
    return fig.json_text() if isinstance(fig, _Drawn) else fig.to_json()


class _Drawn(go.Figure):
    """A finished figure whose dict is made once: Streamlit asks for ``to_dict()`` (a deep
    copy through every validator) each time the chart is drawn. Never changed once made."""

    _as_dict: dict
    _as_json: str | None

    def to_dict(self) -> dict:
        return self._as_dict

    def json_text(self) -> str:
        """The figure's JSON (what the image downloads render), made when first asked."""
        if self._as_json is None:
            self._as_json = self.to_json()
        return self._as_json

    @classmethod
    def of(cls, fig: go.Figure) -> _Drawn:
        """``fig`` itself as a drawn figure (its dict made now). Not a copy: copying a
        figure validates every property again (about 12 ms a chart), and the builder's
        figure is handed over to the cache, nobody else holds it."""
        as_dict = fig.to_dict()
        fig.__class__ = cls
        drawn = cast(_Drawn, fig)
        drawn._as_dict = as_dict
        drawn._as_json = None
        return drawn


MAX_FIGURES = 256
_FIGURES: OrderedDict[Hashable, _Drawn] = OrderedDict()
_FIGURES_LOCK = threading.Lock()


def cached_figure(build: Callable[[], go.Figure], cache: Hashable) -> tuple[go.Figure, str]:
    """The figure for ``cache`` and its JSON, built once per process (least recently used
    entries go first)."""
    fig = _cached(build, cache)
    return fig, fig.json_text()


def _cached(build: Callable[[], go.Figure], cache: Hashable) -> _Drawn:
    with _FIGURES_LOCK:
        hit = _FIGURES.get(cache)
        if hit is not None:
            _FIGURES.move_to_end(cache)
            return hit
    fig = _Drawn.of(build())
    with _FIGURES_LOCK:
        _FIGURES[cache] = fig
        while len(_FIGURES) > MAX_FIGURES:
            _FIGURES.popitem(last=False)
    return fig


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
        fig = _cached(fig, (name, key, cache))
    else:
        fig = fig() if callable(fig) and not isinstance(fig, go.Figure) else fig
    st.plotly_chart(fig, key=key, width="stretch")
    stem = file_stem(name)
    with st.popover("导出图片", icon=":material/download:"):
        for image in images.IMAGE_RENDERERS:
            fmt = image.suffix
            st.download_button(
                image.label,
                data=session.audited(_deferred(fig, fmt), "download", f"{stem}.{fmt}"),
                file_name=f"{stem}.{fmt}",
                mime=image.mime,
                key=f"{key}_{fmt}",
                on_click="ignore",
            )
