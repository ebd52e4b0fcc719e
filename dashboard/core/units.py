"""The unit tree: levels, subtrees and ancestors, computed once and vectorised.

Level is depth: the root is level 1.  A ``UnitTree`` is built from the registry DataFrame
returned by ``dashboard.store.repo.load_units``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import pandas as pd

__all__ = ["UnitTree"]


@dataclass
class UnitTree:
    frame: pd.DataFrame  # code, name, parent_code, category, aliases, level, ...
    _children: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _parent: dict[str, str | None] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.frame = self.frame.reset_index(drop=True)
        codes = self.frame["code"].tolist()
        self._parent = {
            code: (parent if isinstance(parent, str) and parent else None)
            for code, parent in zip(codes, self.frame["parent_code"].tolist(), strict=True)
        }
        self._children = {code: [] for code in self._parent}
        for code, parent in self._parent.items():
            if parent is not None and parent in self._children:
                self._children[parent].append(code)

    @property
    def codes(self) -> list[str]:
        return list(self.frame["code"])

    @property
    def root(self) -> str | None:
        roots = [c for c, p in self._parent.items() if p is None or p not in self._parent]
        return roots[0] if roots else None

    def name(self, code: str) -> str:
        return str(self.frame.loc[self.frame["code"] == code, "name"].iloc[0])

    @functools.cached_property
    def names_by_code(self) -> dict[str, str]:
        """Code → name of every unit (made once)."""
        return dict(zip(self.frame["code"].tolist(), self.frame["name"].tolist(), strict=True))

    @functools.cached_property
    def _levels(self) -> dict[str, int]:
        return dict(
            zip(self.frame["code"].tolist(), self.frame["level"].astype(int).tolist(), strict=True)
        )

    def level_of(self, code: str) -> int:
        """The unit's level as the registry has it."""
        return self._levels[code]

    def names(self) -> dict[str, str]:
        return dict(zip(self.frame["code"], self.frame["name"], strict=True))

    def parent(self, code: str) -> str | None:
        return self._parent.get(code)

    def children(self, code: str) -> list[str]:
        return list(self._children.get(code, []))

    def ancestors(self, code: str) -> list[str]:
        """Parent first, root last."""
        chain: list[str] = []
        current = self._parent.get(code)
        while current is not None and current not in chain:
            chain.append(current)
            current = self._parent.get(current)
        return chain

    def subtree(self, code: str) -> list[str]:
        """``code`` and every unit below it, in depth-first registry order."""
        out: list[str] = []
        stack = [code]
        while stack:
            current = stack.pop()
            out.append(current)
            stack.extend(reversed(self._children.get(current, [])))
        return out

    def scope_choices(self) -> list[tuple[str, int]]:
        """(code, level) of every unit below the root that has units under it, in tree order:
        the subtrees worth choosing as a scope (a county, a department, a township)."""
        root = self.root
        if root is None:
            return []
        levels = dict(zip(self.frame["code"], self.frame["level"], strict=True))
        return [
            (code, int(levels[code])) for code in self.subtree(root)[1:] if self._children.get(code)
        ]

    def ancestor_at_level(self, level: int) -> pd.Series:
        """For each unit (index = code), its ancestor at ``level`` (itself if at that level).

        Units above ``level`` map to None.
        """
        levels = dict(zip(self.frame["code"], self.frame["level"], strict=True))
        out: dict[str, str | None] = {}
        for code in self.frame["code"]:
            if levels[code] < level:
                out[code] = None
                continue
            current: str | None = code
            while current is not None and levels.get(current, 0) > level:
                current = self._parent.get(current)
            out[code] = current
        return pd.Series(out, name=f"ancestor_l{level}")

    def max_level(self) -> int:
        return int(self.frame["level"].max()) if len(self.frame) else 0
