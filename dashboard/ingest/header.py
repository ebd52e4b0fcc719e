"""Find a return's header row and map its columns onto the catalogue.

The header may sit under title and note rows, may be two-level (a merged group row such
as 理论学习 / 调查研究 over its sub-columns, or 读书班 over 期数 / 天数) and may use
wordings the catalogue has never seen.  Matching goes the office's own remembered
wordings → exact catalogue wording → a derived column (rate, share, row total: set aside)
→ the indicator's words in any order (措施 + 落实) → containment of a known wording →
close spelling (difflib); one column never maps to two fields and two columns never
silently map to one: the better match is kept and the other is reported as an error.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import lru_cache

from dashboard.core.catalogue import (
    COUNT_HINTS,
    DERIVED_WORDS,
    INDICATORS,
    disambiguate_by_unit,
    header_index,
    meta_index,
    normalise_header,
)

__all__ = [
    "FUZZY_CUTOFF",
    "GROUP_MAX_LEN",
    "SCAN_ROWS",
    "Column",
    "HeaderMap",
    "Match",
    "Merged",
    "Wordings",
    "find_header",
    "is_derived",
    "match_label",
    "office_wordings",
]

SCAN_ROWS = 40  # the header is looked for in the first rows of a sheet
FUZZY_CUTOFF = 0.8
GROUP_MAX_LEN = 10  # longer texts above the header are titles, not group headers
_META_CONTAINS: tuple[tuple[str, str], ...] = (
    ("单位名称", "unit_name"),
    ("单位全称", "unit_name"),
    ("单位编码", "unit_code"),
    ("单位代码", "unit_code"),
    ("截止日期", "report_date"),
    ("统计日期", "report_date"),
    ("联系电话", "phone"),
    ("填报人", "reporter"),
)
_META_SUFFIX: tuple[tuple[str, str], ...] = (
    ("名称", "unit_name"),
    ("编码", "unit_code"),
    ("代码", "unit_code"),
    ("日期", "report_date"),
    ("电话", "phone"),
    ("备注", "note"),
)

Merged = tuple[int, int, int, int]


Wordings = tuple[tuple[str, str], ...]  # (normalised wording, indicator code or "" = skip)


@dataclass(frozen=True)
class Match:
    kind: str  # "indicator" | "meta" | "derived" | "skip" (the office set the column aside)
    key: str
    score: float


@dataclass
class Column:
    index: int  # 0-based
    label: str  # the header as written
    kind: str
    key: str
    score: float


@dataclass
class HeaderMap:
    first_row: int  # 0-based; the group row of a two-level header
    last_row: int  # 0-based; data start below it
    columns: list[Column]
    ignored: list[str] = field(default_factory=list)  # headers that name nothing we know
    duplicates: list[Column] = field(default_factory=list)  # lost to a better column
    unknown: list[tuple[int, str]] = field(default_factory=list)  # (index, label) of ignored
    derived: list[str] = field(default_factory=list)  # rates, shares, totals: set aside
    skipped: list[str] = field(default_factory=list)  # set aside by the office's wordings

    @property
    def data_start(self) -> int:
        return self.last_row + 1

    @property
    def indicators(self) -> dict[str, int]:
        return {c.key: c.index for c in self.columns if c.kind == "indicator"}

    @property
    def meta(self) -> dict[str, int]:
        return {c.key: c.index for c in self.columns if c.kind == "meta"}

    @property
    def labels(self) -> dict[int, str]:
        return {c.index: c.label for c in self.columns}


@lru_cache(maxsize=1)
def _indexes() -> tuple[dict[str, str], dict[str, str], list[tuple[str, str]]]:
    headers = header_index()
    by_length = sorted(headers.items(), key=lambda kv: -len(kv[0]))
    return headers, meta_index(), by_length


@lru_cache(maxsize=4096)
def match_label(text: str, wordings: Wordings = ()) -> Match | None:
    """The field a header text names, or None (unknown or ambiguous).

    ``wordings`` are the office's remembered (normalised wording, code) pairs; they win
    over everything else, and an empty code sets the column aside."""
    if wordings:
        own = dict(wordings).get(normalise_header(text))
        if own is not None:
            return Match("indicator", own, 1.0) if own else Match("skip", "", 1.0)
    found = _match_stem(text)
    if found is not None and found.kind == "indicator":
        code = disambiguate_by_unit(found.key, text)
        if code != found.key:
            return Match("indicator", code, found.score)
    return found


def _match_stem(text: str) -> Match | None:
    norm = normalise_header(text)
    if not norm:
        return None
    headers, metas, by_length = _indexes()
    if norm in headers:
        return Match("indicator", headers[norm], 1.0)
    if norm in metas:
        return Match("meta", metas[norm], 1.0)
    for word, key in _META_CONTAINS:
        if word in norm:
            return Match("meta", key, 0.9)
    if is_derived(text):
        return Match("derived", "", 1.0)  # a rate, share or total: never a count
    found = _by_parts(norm, str(text)) or _contained(norm, by_length)
    if found is not None:
        return found
    for suffix, key in _META_SUFFIX:
        if norm.endswith(suffix):
            return Match("meta", key, 0.7)
    return _close(norm, headers)


def is_derived(text: object) -> bool:
    """A rate, percentage, share or row total (问题销号率, 措施落实率（%）, 合计)."""
    folded = normalise_header(text) + str(text or "")
    return any(word in folded for word in DERIVED_WORDS)


def _by_parts(norm: str, written: str) -> Match | None:
    """The indicator whose words the header holds, in any order (措施 + 落实 →
    measures_done, 措施 alone → measures_set).  The most specific set wins (most words,
    then most characters); a tie between two indicators is no match."""
    hinted = any(hint in norm or hint in written for hint in COUNT_HINTS)
    best: dict[str, tuple[int, int]] = {}
    for ind in INDICATORS:
        for words in ind.parts:
            if len(words) == 1 and not hinted:
                continue
            if all(word in norm for word in words):
                rank = (len(words), sum(map(len, words)))
                best[ind.code] = max(best.get(ind.code, rank), rank)
    if not best:
        return None
    ranked = sorted(best.items(), key=lambda kv: kv[1], reverse=True)
    if len(ranked) > 1 and ranked[1][1] == ranked[0][1]:
        return None
    n_words, n_chars = ranked[0][1]
    return Match("indicator", ranked[0][0], min(0.95, 0.6 + 0.1 * n_words + 0.02 * n_chars))


def _contained(norm: str, by_length: list[tuple[str, str]]) -> Match | None:
    """The longest known wording inside the header (or the header inside one wording)."""
    best_len = 0
    codes: set[str] = set()
    for wording, code in by_length:
        if len(wording) < best_len:
            break
        if len(wording) >= 3 and wording in norm:
            best_len = len(wording)
            codes.add(code)
    if best_len:
        if len(codes) > 1:
            return None
        return Match("indicator", codes.pop(), 0.6 + 0.4 * best_len / len(norm))
    if len(norm) >= 4:
        codes = {code for wording, code in by_length if norm in wording}
        if len(codes) == 1:
            wording_len = min(len(w) for w, c in by_length if norm in w)
            return Match("indicator", codes.pop(), 0.6 + 0.4 * len(norm) / wording_len)
    return None


@lru_cache(maxsize=1)
def _wording_chars() -> frozenset[str]:
    return frozenset("".join(header_index()))


def _close(norm: str, headers: dict[str, str]) -> Match | None:
    # ratio = 2·matches / (len a + len b) ≥ cutoff needs at least cutoff/2 of the text's
    # characters to occur in some wording: a cheap test that skips unit names and notes.
    known = _wording_chars()
    if sum(ch in known for ch in norm) < FUZZY_CUTOFF / 2 * len(norm) or len(norm) > 40:
        return None
    best: dict[str, float] = {}
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(norm)
    for wording, code in headers.items():
        matcher.set_seq1(wording)
        if matcher.real_quick_ratio() < FUZZY_CUTOFF or matcher.quick_ratio() < FUZZY_CUTOFF:
            continue
        ratio = matcher.ratio()
        if ratio >= FUZZY_CUTOFF and ratio > best.get(code, 0.0):
            best[code] = ratio
    if not best:
        return None
    ranked = sorted(best.items(), key=lambda kv: -kv[1])
    if len(ranked) > 1 and ranked[1][1] >= ranked[0][1] - 0.05:
        return None  # two indicators equally close: do not guess
    return Match("indicator", ranked[0][0], 0.5 * ranked[0][1])


def _text(value: object) -> str:
    """Header text: only text cells can be headers (numbers and dates are data)."""
    return value.strip() if isinstance(value, str) else ""


class _Grid:
    """Cell text with merged ranges resolved to their anchor."""

    def __init__(self, rows: list[list[object]], merged: list[Merged], limit: int) -> None:
        self.rows = rows
        self.limit = limit
        self.anchor: dict[tuple[int, int], tuple[int, int, int]] = {}
        for first_row, first_col, last_row, last_col in merged:
            if first_row >= limit:
                continue
            span = last_col - first_col + 1
            for r in range(first_row, min(last_row, limit) + 1):
                for c in range(first_col, min(last_col, first_col + 200) + 1):
                    self.anchor[(r, c)] = (first_row, first_col, span)

    def raw(self, r: int, c: int) -> str:
        row = self.rows[r] if 0 <= r < len(self.rows) else []
        return _text(row[c]) if c < len(row) else ""

    def text(self, r: int, c: int) -> str:
        """The cell's own text, or its merged range's text."""
        own = self.raw(r, c)
        if own:
            return own
        anchor = self.anchor.get((r, c))
        return self.raw(anchor[0], anchor[1]) if anchor else ""

    def is_vertical_merge(self, r: int, c: int) -> bool:
        anchor = self.anchor.get((r, c))
        return anchor is not None and anchor[0] < r

    def span(self, r: int, c: int) -> int:
        anchor = self.anchor.get((r, c))
        return anchor[2] if anchor else 1

    def width(self, r: int) -> int:
        return len(self.rows[r]) if 0 <= r < len(self.rows) else 0


def _candidate(grid: _Grid, r: int, wordings: Wordings = ()) -> tuple[float, HeaderMap] | None:
    width = max(grid.width(r), grid.width(r - 1) if r > 0 else 0)
    proposals: list[Column] = []
    ignored: list[str] = []
    unmapped: list[tuple[int, str]] = []
    derived: list[str] = []
    skipped: list[str] = []
    used_group = False
    for c in range(width):
        sub = grid.text(r, c)
        group = grid.text(r - 1, c) if r > 0 and not grid.is_vertical_merge(r, c) else ""
        if group and (len(group) > GROUP_MAX_LEN or group == sub):
            group = ""
        if not sub and not group:
            continue
        found = match_label(sub, wordings) if sub else None
        label = sub
        if group and (found is None or found.score < 1.0):
            combined = match_label(group + sub, wordings)
            if combined is not None and (found is None or combined.score > found.score):
                found, label = combined, f"{group}{sub}"
                used_group = True
        if found is None and not sub and grid.span(r - 1, c) == 1:
            found = match_label(group, wordings)
            label = group
        if found is not None and found.kind in ("derived", "skip"):
            (derived if found.kind == "derived" else skipped).append(label)
            continue
        if found is None:
            if sub:
                ignored.append(sub)
                unmapped.append((c, sub))
            continue
        proposals.append(Column(c, label, found.kind, found.key, found.score))
    columns, duplicates = _assign(proposals)
    n_ind = sum(1 for col in columns if col.kind == "indicator")
    has_unit = any(col.key in ("unit_name", "unit_code") for col in columns)
    if n_ind == 0 or (n_ind < 2 and not has_unit):
        return None
    if not has_unit:
        guessed = _unit_column(unmapped, columns)
        if guessed is not None:
            columns = sorted([*columns, guessed], key=lambda col: col.index)
            ignored.remove(guessed.label)
            unmapped.remove((guessed.index, guessed.label))
    score = sum(col.score for col in columns if col.kind == "indicator") + 0.5 * has_unit
    first = r - 1 if used_group or _merged_above(grid, r, columns) else r
    found_map = HeaderMap(first, r, columns, ignored, duplicates, unmapped, derived, skipped)
    return score, found_map


_NOT_UNIT = ("序号", "编号", "排名", "序")


def _unit_column(unmapped: list[tuple[int, str]], columns: list[Column]) -> Column | None:
    """No 单位名称 column: the unnamed-field column nearest left of the figures names the unit
    (headers such as 县（市、区）, 乡镇（街道）, 部门).  Its label is kept as written."""
    first = min(col.index for col in columns if col.kind == "indicator")
    before = [
        (c, label)
        for c, label in unmapped
        if c < first and normalise_header(label) not in _NOT_UNIT
    ]
    if not before:
        return None
    c, label = before[-1]
    return Column(c, label, "meta", "unit_name", 0.5)


def _merged_above(grid: _Grid, r: int, columns: list[Column]) -> bool:
    return r > 0 and any(grid.is_vertical_merge(r, col.index) for col in columns)


def _assign(proposals: list[Column]) -> tuple[list[Column], list[Column]]:
    """Each field to its best column; the losers are reported, never silently merged."""
    winners: dict[tuple[str, str], Column] = {}
    losers: list[Column] = []
    for col in sorted(proposals, key=lambda p: (-p.score, p.index)):
        key = (col.kind, col.key)
        if key in winners:
            if col.key not in ("note", "reporter", "phone"):
                losers.append(col)
            continue
        winners[key] = col
    return sorted(winners.values(), key=lambda p: p.index), sorted(losers, key=lambda p: p.index)


def find_header(
    rows: list[list[object]],
    merged: list[Merged] | None = None,
    scan: int = SCAN_ROWS,
    wordings: Wordings = (),
) -> HeaderMap | None:
    """The most convincing header in the first ``scan`` rows, or None (not a return sheet).

    ``wordings``: the office's remembered header wordings (see ``office_wordings``)."""
    limit = min(scan, len(rows))
    grid = _Grid(rows, merged or [], limit + 1)
    best: tuple[float, HeaderMap] | None = None
    for r in range(limit):
        found = _candidate(grid, r, wordings)
        if found is not None and (best is None or found[0] > best[0] + 1e-9):
            best = found
    return best[1] if best else None


def office_wordings(stored: object) -> Wordings:
    """The setting ``column_wordings`` ({header as written: indicator code or ""}) as the
    normalised pairs ``find_header`` takes; entries naming no known indicator are dropped."""
    if not isinstance(stored, dict):
        return ()
    known = {ind.code for ind in INDICATORS}
    pairs = {
        normalise_header(text): str(code)
        for text, code in stored.items()
        if normalise_header(text) and (code == "" or code in known)
    }
    return tuple(sorted(pairs.items()))
