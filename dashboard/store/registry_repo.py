"""Applying a validated registry to the ``units`` table, in one transaction.

Units are never deleted: a unit missing from the new registry is retired (its figures stay
and still show in history), and comes back to life if a later registry lists it again.
The uploaded bytes are archived and the upload is recorded as an import of kind 'registry'.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from dashboard.core.registry import Registry, RegistryError, registry_rows
from dashboard.store import db
from dashboard.store.returns_repo import record_import
from dashboard.store.schema import units

_COMPARED = ("name", "parent_code", "category", "aliases", "level", "sort_order")


@dataclass
class RegistrySummary:
    """What an import changed; ``message()`` says it in Chinese."""

    total: int = 0
    added: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    recategorised: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    import_id: int | None = None

    @property
    def changed(self) -> bool:
        return any(
            (self.added, self.renamed, self.moved, self.recategorised, self.retired, self.restored)
        )

    def counts(self) -> dict[str, int]:
        return {
            "新增": len(self.added),
            "更名": len(self.renamed),
            "调整上级": len(self.moved),
            "类别或别名变更": len(self.recategorised),
            "撤销": len(self.retired),
            "恢复": len(self.restored),
        }

    def message(self) -> str:
        parts = [f"{label} {n} 个" for label, n in self.counts().items() if n]
        detail = "，".join(parts) if parts else "与现有名册相同，未作改动"
        return f"单位名册已导入：共 {self.total} 个单位；{detail}。"


def apply_registry(
    engine: Engine,
    registry: Registry,
    *,
    file_name: str = "单位名册.xlsx",
    content: bytes | None = None,
    uploaded_by: str = "",
) -> RegistrySummary:
    """Bring ``units`` in line with ``registry`` and record the upload (one transaction).

    Raises RegistryError when the registry has errors (nothing is changed then).
    """
    if not registry.ok:
        raise RegistryError(registry.errors)
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        # Two registry imports at once: the second plans against what the first wrote.
        db.lock(conn, "registry")
        summary, new_rows, changed = _plan(_existing(conn), registry)
        if new_rows:
            conn.execute(
                insert(units), [{**row, "retired": False, "updated_at": now} for row in new_rows]
            )
        for row in changed:
            conn.execute(
                update(units)
                .where(units.c.code == row["code"])
                .values(**{k: row[k] for k in _COMPARED}, retired=False, updated_at=now)
            )
        gone = summary.retired
        for start in range(0, len(gone), 500):
            conn.execute(
                update(units)
                .where(units.c.code.in_(gone[start : start + 500]))
                .values(retired=True, updated_at=now)
            )
        if content is not None:
            summary.import_id = _record(
                conn,
                file_name=file_name,
                content=content,
                status="imported",
                accepted=summary.total,
                problems=registry.problem_dicts(),
                uploaded_by=uploaded_by,
                now=now,
            )
    return summary


def preview_registry(engine: Engine, registry: Registry) -> RegistrySummary:
    """What ``apply_registry`` would change, without changing anything."""
    with engine.connect() as conn:
        summary, _, _ = _plan(_existing(conn), registry)
    return summary


def _plan(
    existing: dict[str, dict[str, Any]], registry: Registry
) -> tuple[RegistrySummary, list[dict[str, Any]], list[dict[str, Any]]]:
    """The summary, the rows to insert and the rows to update."""
    summary = RegistrySummary(total=len(registry.frame))
    incoming = {row["code"]: row for row in registry_rows(registry.frame)}
    new_rows: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for code, new in incoming.items():
        old = existing.get(code)
        if old is None:
            new_rows.append(new)
            summary.added.append(code)
            continue
        _classify(summary, code, old, new)
        if old["retired"] or any(old[k] != new[k] for k in _COMPARED):
            changed.append(new)
    summary.retired = [
        code for code, old in existing.items() if code not in incoming and not old["retired"]
    ]
    return summary, new_rows, changed


def record_rejected_registry(
    engine: Engine, registry: Registry, *, file_name: str, content: bytes, uploaded_by: str = ""
) -> int:
    """Archive a registry upload that was refused, with its problems (for the import log)."""
    with engine.begin() as conn:
        return _record(
            conn,
            file_name=file_name,
            content=content,
            status="rejected",
            accepted=0,
            problems=registry.problem_dicts(),
            uploaded_by=uploaded_by,
            now=dt.datetime.now(dt.UTC),
        )


def _existing(conn: Connection) -> dict[str, dict[str, Any]]:
    columns = [units.c.code, *[units.c[k] for k in _COMPARED], units.c.retired]
    result: dict[str, dict[str, Any]] = {}
    for row in conn.execute(select(*columns)).mappings():
        record = dict(row)
        record["aliases"] = record["aliases"] or ""
        result[record["code"]] = record
    return result


def _classify(
    summary: RegistrySummary, code: str, old: dict[str, Any], new: dict[str, Any]
) -> None:
    if old["retired"]:
        summary.restored.append(code)
    if old["name"] != new["name"]:
        summary.renamed.append(code)
    if old["parent_code"] != new["parent_code"]:
        summary.moved.append(code)
    if old["category"] != new["category"] or old["aliases"] != new["aliases"]:
        summary.recategorised.append(code)


def _record(
    conn: Connection,
    *,
    file_name: str,
    content: bytes,
    status: str,
    accepted: int,
    problems: list[dict[str, Any]],
    uploaded_by: str,
    now: dt.datetime,
) -> int:
    return record_import(
        conn,
        kind="registry",
        file_name=file_name,
        content=content,
        status=status,
        accepted_rows=accepted,
        problems=problems,
        uploaded_by=uploaded_by,
        uploaded_at=now,
    )
