"""Which registry unit a row of a return is about: by code, by full name or by alias.

Codes that lost their leading zeros (typed as numbers: 101 for ``0101``) are restored
against the registry; names are compared with spaces removed and full-width characters
folded.  A row that matches nothing — or more than one unit — is an ``unknown_unit``
error that suggests the closest registry names; the matcher never guesses.

A scoped user's upload is matched against its subtree only (``MatchScope``): a unit outside
it matches nothing, and no suggestion, conflict or message names a unit outside it — the
message does not even say whether such a unit exists.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import pandas as pd
from sqlalchemy import Engine, select

from dashboard.store.schema import units

__all__ = ["MAX_SUGGESTED_ROWS", "MatchScope", "UnitMatch", "UnitMatcher", "fold_code", "fold_name"]

MAX_SUGGESTED_ROWS = 200  # difflib over a large registry is slow: suggest for the first rows
_SPACES = re.compile(r"\s+")


def fold_name(value: object) -> str:
    """A unit name as a comparable key (NFKC, no blanks, lower case)."""
    if value is None:
        return ""
    return _SPACES.sub("", unicodedata.normalize("NFKC", str(value))).lower()


def fold_code(value: object) -> str:
    """A unit code cell as text: 101.0 → ``101``, full-width digits folded, blanks removed."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, float):
        if value != value:
            return ""
        if value.is_integer():
            return str(int(value))
    return _SPACES.sub("", unicodedata.normalize("NFKC", str(value)))


@dataclass(frozen=True)
class MatchScope:
    """The units a scoped user may report for (its subtree) and the scope unit's name."""

    codes: frozenset[str]
    name: str

    @classmethod
    def of(cls, codes: Collection[str], name: str) -> MatchScope:
        return cls(frozenset(str(c) for c in codes), name)


class UnitMatch(NamedTuple):
    code: str | None
    problem: str | None = None  # Chinese message when code is None


class UnitMatcher:
    """Lookups built once per import: dicts, no scans."""

    def __init__(
        self,
        registry: pd.DataFrame | Sequence[tuple[str, str, str]],
        scope: MatchScope | None = None,
    ) -> None:
        if isinstance(registry, pd.DataFrame):
            aliases = registry["aliases"] if "aliases" in registry else [""] * len(registry)
            triples = list(zip(registry["code"], registry["name"], aliases, strict=True))
        else:
            triples = list(registry)
        self.scope = scope
        self._elsewhere: frozenset[str] = frozenset()
        if scope is not None:  # everything below (indexes, names, suggestions) sees only these
            self._elsewhere = frozenset(
                key
                for code, _n, _a in triples
                if str(code) not in scope.codes
                for key in _code_keys(str(code))
            )
            triples = [t for t in triples if str(t[0]) in scope.codes]
        codes = [str(c) for c, _n, _a in triples]
        self._triples = triples
        self.names = {str(c): str(n) for c, n, _a in triples}
        self._codes = frozenset(codes)
        self._folded: dict[str, str] | None = None
        self._unpadded: dict[str, set[str]] | None = None
        self._by_name: dict[str, set[str]] | None = None
        self._by_alias: dict[str, set[str]] | None = None
        self._pool: dict[str, str] | None = None
        self._suggested = 0

    @classmethod
    def from_engine(cls, engine: Engine, scope: MatchScope | None = None) -> UnitMatcher:
        """The active registry (within ``scope`` when given), read with one plain query."""
        query = select(units.c.code, units.c.name, units.c.aliases).where(
            units.c.retired.is_(False)
        )
        with engine.connect() as conn:
            return cls([(c, n, a or "") for c, n, a in conn.execute(query)], scope)

    def _code_indexes(self) -> tuple[dict[str, str], dict[str, set[str]]]:
        if self._folded is None or self._unpadded is None:
            self._folded = {fold_code(c).lower(): c for c in self._codes}
            unpadded: dict[str, set[str]] = defaultdict(set)
            for code in self._codes:
                if code.isdigit():
                    unpadded[code.lstrip("0") or "0"].add(code)
            self._unpadded = unpadded
        return self._folded, self._unpadded

    def _name_indexes(self) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
        """Built on first use: a return matched by codes never pays for them."""
        if self._by_name is None or self._by_alias is None:
            by_name: dict[str, set[str]] = defaultdict(set)
            by_alias: dict[str, set[str]] = defaultdict(set)
            for code, name, text in self._triples:
                by_name[fold_name(name)].add(str(code))
                for alias in re.split(r"[;；,，、]", str(text or "")):
                    if fold_name(alias):
                        by_alias[fold_name(alias)].add(str(code))
            self._by_name, self._by_alias = by_name, by_alias
        return self._by_name, self._by_alias

    def knows_codes(self, cells: Sequence[object]) -> bool:
        """Is every cell exactly a registry code (text)? Then each row matches by its code
        as it is, with no folding: the common case, tested at C speed."""
        try:
            return self._codes.issuperset(cells)
        except TypeError:  # an unhashable cell: not a code
            return False

    def by_code(self, value: object) -> str | None:
        if type(value) is str and value in self._codes:
            return value  # the common case
        text = fold_code(value)
        if not text:
            return None
        if text in self._codes:
            return text
        folded, unpadded = self._code_indexes()
        found = folded.get(text.lower())
        if found is not None:
            return found
        if text.isdigit():
            candidates = unpadded.get(text.lstrip("0") or "0", set())
            if len(candidates) == 1:
                return next(iter(candidates))
        return None

    def match(self, code_cell: object, name_cell: object) -> UnitMatch:
        """The unit for a row's code and name cells (the code wins when both are given)."""
        if type(code_cell) is str and code_cell in self._codes:
            return UnitMatch(code_cell)
        code = self.by_code(code_cell)
        if code is not None:
            return UnitMatch(code)
        if self._elsewhere and _code_keys(fold_code(code_cell)) & self._elsewhere:
            # another office's unit by its code: never re-read as an own unit by its name
            return UnitMatch(None, self._outside_message(self._what(code_cell, name_cell), []))
        key = fold_name(name_cell)
        for table in self._name_indexes():
            found = table.get(key)
            if found and len(found) == 1:
                return UnitMatch(next(iter(found)))
            if found:
                listed = "、".join(f"{c} {self.names[c]}" for c in sorted(found)[:5])
                return UnitMatch(
                    None, f"名称“{name_cell}”对应多个单位（{listed}），请在单位编码列填写编码"
                )
        return UnitMatch(None, self._unknown_message(code_cell, name_cell))

    def name_conflict(self, code: str, name_cell: object) -> str | None:
        """The other registered unit a row's name names when its code matched ``code``
        (code_name_mismatch), or None when the name is the unit's own, unknown or ambiguous."""
        if name_cell is None or name_cell == self.names.get(code):
            return None
        key = fold_name(name_cell)
        if not key:
            return None
        by_name, by_alias = self._name_indexes()
        for table in (by_name, by_alias):
            found = table.get(key)
            if found:
                if code in found or len(found) > 1:
                    return None
                return next(iter(found))
        return None

    def conflict_message(self, code: str, other: str, name_cell: object) -> str:
        return (
            f"编码“{code}”是名册中的“{self.names.get(code, code)}”，名称“{str(name_cell).strip()}”"
            f"却是另一个单位（编码 {other}）。本行已按编码计入“{self.names.get(code, code)}”，"
            "请核对编码和名称，如有误请改正后重新报送"
        )

    def _unknown_message(self, code_cell: object, name_cell: object) -> str:
        written = fold_code(code_cell)
        name = "" if name_cell is None else str(name_cell).strip()
        if not written and not name:
            return "本行没有填写单位名称或编码，请补填"
        what = self._what(code_cell, name_cell)
        hint = self.suggest(name) if name else []
        if self.scope is not None:
            return self._outside_message(what, hint)
        if hint:
            return f"{what}不在单位名册中。是否为：{'、'.join(hint)}？请改为名册中的名称或编码"
        return f"{what}不在单位名册中，请核对名称，或先在“单位名册”中添加该单位"

    @staticmethod
    def _what(code_cell: object, name_cell: object) -> str:
        """The row's unit as its sender wrote it."""
        written = fold_code(code_cell)
        name = "" if name_cell is None else str(name_cell).strip()
        if written and name:
            return f"单位“{name}”（编码 {written}）"
        return f"单位“{name}”" if name else f"单位编码“{written}”"

    def _outside_message(self, what: str, hint: list[str]) -> str:
        """A scoped user's unknown unit: outside its subtree or not registered, never said
        which (that would tell whether a unit exists elsewhere)."""
        scope = f"您管辖的“{self.scope.name}”及其下级单位" if self.scope else "您管辖的单位"
        text = f"{what}不在{scope}之中，未入库"
        if hint:
            return f"{text}。是否为：{'、'.join(hint)}？请改为其中的名称或编码"
        return f"{text}：请只报送本单位及下级单位的数字，并核对名称或编码"

    def suggest(self, name: str, n: int = 3) -> list[str]:
        """The closest registry names (difflib), for the first rows of an import only."""
        if self._suggested >= MAX_SUGGESTED_ROWS:
            return []
        self._suggested += 1
        folded = fold_name(name)
        if self._pool is None:
            self._pool = {fold_name(x): x for x in dict.fromkeys(self.names.values())}
        pool = self._pool
        close = difflib.get_close_matches(folded, list(pool), n=n, cutoff=0.5)
        if not close:
            close = [key for key in pool if folded and (folded in key or key in folded)][:n]
        return [pool[key] for key in close]


def _code_keys(code: str) -> set[str]:
    """A code as a written cell could give it: folded, and without leading zeros."""
    if not code:
        return set()
    folded = fold_code(code).lower()
    return {folded, folded.lstrip("0") or "0"} if folded.isdigit() else {folded}
