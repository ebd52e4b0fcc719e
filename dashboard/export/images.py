"""Chart images from ONE shared headless browser (kaleido + Debian's chromium).

A new browser per image costs ~1.7 s; the shared one ~0.15 s.  The shared kaleido server
is not thread-safe (concurrent calls get each other's images), so every call goes through
one module-level lock.  The server starts on first use and stops at interpreter exit.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import kaleido
import plotly.graph_objects as go

__all__ = [
    "DEFAULT_HEIGHT",
    "DEFAULT_WIDTH",
    "IMAGE_FORMATS",
    "IMAGE_RENDERERS",
    "PNG_SCALE",
    "ImageError",
    "ImageRenderer",
    "image_renderer",
    "png_size",
    "render",
    "stop",
    "to_png",
    "to_svg",
]

DEFAULT_WIDTH = 1000  # CSS pixels; PNG pixels are width × scale
DEFAULT_HEIGHT = 420
PNG_SCALE = 3  # 3000 px wide: sharp on a projected slide and in print

_lock = threading.Lock()
_started = False


class ImageError(RuntimeError):
    """The browser could not render a chart (message in Chinese)."""


def _server_alive() -> bool:
    """False when the browser thread died (e.g. chromium crashed): calls would then hang."""
    server = getattr(kaleido, "_global_server", None)
    thread = getattr(server, "_thread", None)
    return thread is None or thread.is_alive()


def _ensure_server() -> None:
    global _started
    if _started and _server_alive():
        return
    if _started:  # restart after a crash
        kaleido.stop_sync_server(silence_warnings=True)
        _started = False
    # mathjax=False: otherwise kaleido fetches MathJax from the internet (random stalls).
    kaleido.start_sync_server(mathjax=False, silence_warnings=True)
    _started = True
    atexit.register(stop)


def stop() -> None:
    """Close the shared browser (called at exit; safe to call twice)."""
    global _started
    with _lock:
        if _started:
            kaleido.stop_sync_server(silence_warnings=True)
            _started = False


def _size(fig: go.Figure, width: int | None, height: int | None) -> tuple[int, int]:
    w = width or fig.layout.width or DEFAULT_WIDTH
    h = height or fig.layout.height or DEFAULT_HEIGHT
    return int(w), int(h)


def render(
    fig: go.Figure | dict[str, Any],
    fmt: str,
    *,
    scale: float = 1,
    width: int | None = None,
    height: int | None = None,
) -> bytes:
    """Render ``fig`` as ``png``, ``svg``, ``jpeg`` or ``pdf`` bytes, one call at a time."""
    figure = fig if isinstance(fig, go.Figure) else go.Figure(fig)
    w, h = _size(figure, width, height)
    opts = {"format": fmt, "scale": scale, "width": w, "height": h}
    with _lock:
        _ensure_server()
        try:
            data = kaleido.calc_fig_sync(figure, opts=opts)
        except Exception as exc:
            raise ImageError(
                f"图表生成图片失败：{exc}。请稍后重试；若反复出现，请联系管理员检查 chromium。"
            ) from exc
    return bytes(data)


def to_png(
    fig: go.Figure | dict[str, Any],
    scale: float = PNG_SCALE,
    width: int | None = None,
    height: int | None = None,
) -> bytes:
    """A high-resolution PNG (``width × scale`` pixels wide)."""
    return render(fig, "png", scale=scale, width=width, height=height)


def to_svg(
    fig: go.Figure | dict[str, Any], width: int | None = None, height: int | None = None
) -> bytes:
    """An SVG; text stays text, so Chinese labels use the reader's fonts."""
    return render(fig, "svg", width=width, height=height)


def png_size(data: bytes) -> tuple[int, int]:
    """Pixel width and height read from a PNG's IHDR chunk."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@dataclass(frozen=True)
class ImageRenderer:
    """One chart image format: suffix, label, MIME type, help words, render function."""

    suffix: str
    label: str
    mime: str
    help: str
    render: Callable[[Any], bytes]


def _png(fig: go.Figure | dict[str, Any]) -> bytes:
    return to_png(fig)  # looked up when called: one place to replace in tests


def _svg(fig: go.Figure | dict[str, Any]) -> bytes:
    return to_svg(fig)


IMAGE_RENDERERS: tuple[ImageRenderer, ...] = (
    ImageRenderer("png", "PNG（高清，适合幻灯片）", "image/png", "高清位图，适合幻灯片", _png),
    ImageRenderer("svg", "SVG（矢量，适合排版）", "image/svg+xml", "矢量，适合排版", _svg),
)
IMAGE_FORMATS: tuple[str, ...] = tuple(r.suffix for r in IMAGE_RENDERERS)


def image_renderer(fmt: str) -> ImageRenderer | None:
    """The image renderer of ``fmt`` (None: not a format the board writes)."""
    return next((r for r in IMAGE_RENDERERS if r.suffix == fmt), None)
