"""Text from returns, the registry and settings, made safe for a spreadsheet cell.

Every workbook the board writes (the weekly template and its split zip, the briefing's
Excel, table downloads, the 退回修改表) passes its values through ``safe_cell_value``:

- control characters are removed (openpyxl refuses most of them, and a tab, CR or LF at the
  start turns into a formula once Excel or a user trims it); line breaks inside a text are
  kept only where the caller allows them (messages, comments);
- text whose first visible character is ``= + - @`` would be a formula to Excel (formula
  injection, OWASP): it gets a leading apostrophe and is written as text.
"""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd

__all__ = ["FORMULA_PREFIXES", "safe_cell_text", "safe_cell_value"]

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@")
_CONTROLS = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
_CONTROLS_AND_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def safe_cell_text(text: str, *, keep_line_breaks: bool = False) -> str:
    """``text`` that no spreadsheet program runs as a formula and openpyxl can write."""
    if keep_line_breaks:
        cleaned = _CONTROLS.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    else:
        cleaned = _CONTROLS_AND_BREAKS.sub(" ", text)
    if cleaned.lstrip().startswith(FORMULA_PREFIXES):
        return "'" + cleaned
    return cleaned


def safe_cell_value(value: Any, *, keep_line_breaks: bool = False) -> Any:
    """``value`` ready for a cell: safe text; missing values become empty cells; numbers,
    dates and booleans stay as they are; lists become one text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str):
        return safe_cell_text(value, keep_line_breaks=keep_line_breaks)
    if isinstance(value, (list, tuple)):
        return safe_cell_text("；".join(str(v) for v in value))
    if hasattr(value, "item") and not isinstance(value, dict):
        return safe_cell_value(value.item(), keep_line_breaks=keep_line_breaks)  # numpy
    return value
