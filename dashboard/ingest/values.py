"""Figure cells → int | None | CellIssue, as DOMAIN.md says.

blank = not reported (None, never zero); 0/无/—/-// = an explicit zero; X/XX = the
template's placeholder left unfilled (error); full-width digits, "12项" and "12.0" are
accepted; a negative number is its own error; anything else is ``not_integer``.

``parse_column`` is the bulk path: most cells are plain ints (or whole floats from
calamine) and never reach the slow parser.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from typing import NamedTuple, cast

import numpy as np

from dashboard.core.catalogue import PLACEHOLDER_RE, ZERO_TOKENS

__all__ = [
    "NEGATIVE",
    "NOT_INTEGER",
    "PLACEHOLDER",
    "CellIssue",
    "parse_cell",
    "parse_column",
    "plain_column",
]


class CellIssue(NamedTuple):
    code: str  # placeholder | not_integer | negative
    message: str


_NUMBER_RE = re.compile(r"^([+-]?)(\d+)(?:\.(\d+))?$")
# A counting word written after the number: 12项, 3 次, 5篇 …
_SUFFIX_RE = re.compile(r"(?<=\d)\s*(期|天|次|个|篇|条|件|项|场|人|人次|份|家|户|日|批|项次)$")
_ZERO = frozenset(unicodedata.normalize("NFKC", t) for t in ZERO_TOKENS) | ZERO_TOKENS

PLACEHOLDER = CellIssue("placeholder", "单元格仍是模板占位符“X”，请填写实际数字（没有请填 0）")
NOT_INTEGER = CellIssue("not_integer", "应填写非负整数，请改为整数（没有请填 0，未统计请留空）")
NEGATIVE = CellIssue("negative", "数字不能为负数，请填写累计数（没有请填 0）")


def parse_cell(value: object) -> int | None | CellIssue:
    """One figure cell."""
    # ``type(value) is int``, not isinstance: a bool is no figure (and it narrows ``value``).
    if type(value) is int:
        return value if value >= 0 else NEGATIVE
    if value is None:
        return None
    if type(value) is float:
        return _from_float(value)
    if type(value) is bool or isinstance(value, dt.date | dt.time | dt.timedelta):
        return NOT_INTEGER
    if isinstance(value, int):
        return int(value) if value >= 0 else NEGATIVE
    if isinstance(value, float):
        return _from_float(float(value))
    return _from_text(str(value))


# A formula's cached result can miss a whole number by rounding noise (2.9999999999999996).
_TOLERANCE = 1e-9


def _from_float(value: float) -> int | CellIssue:
    if value != value or value in (float("inf"), float("-inf")):
        return NOT_INTEGER
    nearest = round(value)
    if abs(value - nearest) > _TOLERANCE * max(1.0, abs(value)):
        return NOT_INTEGER
    return int(nearest) if nearest >= 0 else NEGATIVE


def _from_text(text: str) -> int | None | CellIssue:
    raw = text.strip()
    if not raw:
        return None
    if raw in _ZERO:
        return 0
    folded = unicodedata.normalize("NFKC", raw).strip()
    folded = re.sub(r"\s+", "", folded)
    if not folded:
        return None
    if folded in _ZERO:
        return 0
    if PLACEHOLDER_RE.match(folded) or PLACEHOLDER_RE.match(raw):
        return PLACEHOLDER
    folded = _SUFFIX_RE.sub("", folded)
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", folded):
        folded = folded.replace(",", "")
    match = _NUMBER_RE.match(folded)
    if match is None:
        return NOT_INTEGER
    sign, whole, fraction = match.groups()
    if fraction and fraction.strip("0"):
        return NOT_INTEGER
    number = int(whole)
    if sign == "-" and number != 0:
        return NEGATIVE
    return number


def parse_column(
    cells: Sequence[object], issues: list[int] | None = None
) -> list[int | None | CellIssue]:
    """Parse a whole column; plain non-negative ints and whole floats take the fast path.

    The positions of cells that are not acceptable are appended to ``issues``.
    """
    fast = plain_column(cells)
    if fast is not None:
        return fast
    out: list[int | None | CellIssue] = []
    append = out.append
    for i, value in enumerate(cells):
        if type(value) is int and value >= 0:
            append(value)
        elif type(value) is float and value.is_integer() and value >= 0:
            append(int(value))
        elif value is None:
            append(None)
        else:
            parsed = parse_cell(value)
            append(parsed)
            if issues is not None and type(parsed) is CellIssue:
                issues.append(i)
    return out


def plain_column(cells: Sequence[object]) -> list[int | None | CellIssue] | None:
    """A column of only non-negative whole numbers (no blank), converted at C speed; else
    None."""
    if not cells:
        return None
    kinds = set(map(type, cells))
    if not kinds <= {int, float}:  # blanks, text, bools, dates: the per-cell path
        return None
    if kinds == {int}:
        ints = cast(Sequence[int], cells)
        return list(ints) if min(ints) >= 0 else None
    numbers = np.fromiter(cells, dtype=np.float64, count=len(cells))
    if not np.isfinite(numbers).all() or (np.abs(numbers) >= 2**53).any():
        return None  # let the per-cell path name the cell
    rounded = np.round(numbers)
    off = np.abs(numbers - rounded) > _TOLERANCE * np.maximum(1.0, np.abs(numbers))
    if off.any() or (rounded < 0).any():
        return None
    return rounded.astype(np.int64).tolist()
