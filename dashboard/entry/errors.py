"""The one exception of online entry: its message says in Chinese what happened and what to do."""

from __future__ import annotations

__all__ = ["ConflictError", "EntryError"]


class EntryError(Exception):
    """A 填报 request that cannot be done (closed task, outside scope, a conflict…)."""


class ConflictError(EntryError):
    """Someone else saved the same entry since it was read: nothing was overwritten."""
