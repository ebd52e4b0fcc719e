"""Text measured with the fonts the images and previews are drawn in (Noto CJK).

Chart margins, wrapped labels and the row heights of slide tables are sized from these
widths rather than from character counts guessed per chart, so a registry with long unit
names gets wider margins or wrapped labels instead of cut ones.  When the font file cannot
be found (a server without fonts-noto-cjk) the widths are estimated per character: a CJK
character is one em, a Latin one a little over half.
"""

from __future__ import annotations

import functools
import math
import shutil
import subprocess
import unicodedata
from typing import Any

__all__ = ["NO_LINE_START", "SANS", "SERIF", "fit_columns", "nice_step", "text_width", "wrap"]

SANS = "Noto Sans CJK SC"
SERIF = "Noto Serif CJK SC"
NO_LINE_START = frozenset("）)】」』〕，。、；：！？%％")


@functools.lru_cache(maxsize=8)
def _font_file(family: str, bold: bool) -> str | None:
    if shutil.which("fc-match") is None:
        return None
    pattern = f"{family}:style={'Bold' if bold else 'Regular'}"
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{family}\t%{file}", pattern],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    found, _, path = out.partition("\t")
    return path.strip() if family.split()[0] in found and path.strip() else None


@functools.lru_cache(maxsize=64)
def _font(family: str, size: int, bold: bool) -> Any:
    path = _font_file(family, bold)
    if path is None:
        return None
    try:
        from PIL import ImageFont  # Pillow comes with python-pptx

        return ImageFont.truetype(path, size)
    except (ImportError, OSError):
        return None


def _estimate(text: str, size: float) -> float:
    wide = sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.56 for ch in text)
    return wide * size


@functools.lru_cache(maxsize=16384)
def text_width(text: str, size: float, family: str = SANS, bold: bool = False) -> float:
    """Width of ``text`` in the unit of ``size`` (CSS px for charts, pt for documents).
    Kept for the texts measured last: the same unit names are measured for every chart of
    every scope they appear in."""
    if not text:
        return 0.0
    scale = 4  # measure at 4× for sub-pixel precision at small sizes
    font = _font(family, max(1, round(size * scale)), bold)
    if font is None:
        return _estimate(text, size)
    return float(font.getlength(text)) / scale


def wrap(text: str, max_width: float, size: float, family: str = SANS) -> list[str]:
    """``text`` broken into lines no wider than ``max_width`` (CJK text breaks between any two
    characters; an opening bracket starts a new line rather than ending one)."""
    return list(_wrapped(text, max_width, size, family))


@functools.lru_cache(maxsize=8192)
def _wrapped(text: str, max_width: float, size: float, family: str) -> tuple[str, ...]:
    lines: list[str] = []
    current = ""
    for ch in text:
        if ch == "\n":
            lines.append(current)
            current = ""
            continue
        candidate = current + ch
        if ch in NO_LINE_START:  # closing punctuation stays on the line it closes
            current = candidate
            continue
        if current and text_width(candidate, size, family) > max_width:
            if current.endswith(("（", "(")):
                lines.append(current[:-1])
                current = current[-1] + ch
            else:
                lines.append(current)
                current = ch
        else:
            current = candidate
    lines.append(current)
    return tuple(lines)


def nice_step(span: float, ticks: int = 5) -> float:
    """A round tick step (1, 2, 2.5 or 5 × 10^k) giving about ``ticks`` intervals over ``span``."""
    if span <= 0 or math.isnan(span):
        return 1.0
    raw = span / max(1, ticks)
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= raw:
            return float(factor * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def fit_columns(
    columns: list[list[str]], total: float, size: float, pad: float, family: str = SERIF
) -> list[float]:
    """Column widths summing to ``total`` for columns of text (header first): each as wide as
    its longest text when all fit, else the short columns keep theirs and the long ones share
    the rest by need (their text wraps) — a 序号 or 层级 column never wraps while names have
    room."""
    needs = [
        max(max((text_width(t, size, family) for t in texts), default=0.0), 2 * size) + pad
        for texts in columns
    ]
    widths = [0.0] * len(needs)
    left, pending = total, sorted(range(len(needs)), key=lambda i: needs[i])
    while pending:
        index = pending[0]
        if needs[index] <= left / len(pending):
            widths[index] = needs[index]
            left -= needs[index]
            pending.pop(0)
            continue
        weight = sum(needs[i] for i in pending)  # all wider than an even share: split by need
        for i in pending:
            widths[i] = left * needs[i] / weight
        return widths
    spare = left / len(widths) if widths else 0.0  # everything fits: spread what is left
    return [w + spare for w in widths]
