"""Applying a validated registry to the ``units`` table, in one transaction.

Units are never deleted: a unit missing from the new registry is retired (its figures stay
and still show in history), and comes back to life if a later registry lists it again.
The uploaded bytes are archived and the upload is recorded as an import of kind 'registry'.

Two things stop an import until the office says yes (the page asks once; the CLI takes a flag):
categories the office's list does not have yet (``add_categories``), and a big change — more
than a fifth of the units renamed or retired, often another city's registry loaded over this
one (``accept_big_change``).  The office's category list is the ``categories`` setting;
renaming or merging a category moves its units in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from dashboard.core import settings as settings_def
from dashboard.core.registry import (
    CategoryError,
    Registry,
    RegistryError,
    category_list_problems,
    clean_category,
    registry_rows,
)
from dashboard.store import audit_repo, db
from dashboard.store.returns_repo import record_import
from dashboard.store.schema import settings, units

__all__ = [
    "BIG_CHANGE_MIN_UNITS",
    "BIG_CHANGE_SHARE",
    "CATEGORIES_KEY",
    "OTHER_CITY_OVERLAP",
    "BigChangeError",
    "ConfirmationNeededError",
    "NewCategoriesError",
    "RegistrySummary",
    "apply_registry",
    "category_usage",
    "load_categories",
    "load_contacts",
    "preview_registry",
    "record_rejected_registry",
    "rename_category",
    "save_categories",
]

# Contact columns are compared and stored where the schema has them.
_COMPARED = tuple(
    k
    for k in (
        "name",
        "parent_code",
        "category",
        "aliases",
        "contact_name",
        "contact_phone",
        "level",
        "sort_order",
    )
    if k in units.c
)
BIG_CHANGE_SHARE = 0.2  # renamed or retired units over active units that stops an import
BIG_CHANGE_MIN_UNITS = 10  # ... when at least this many units are touched
OTHER_CITY_OVERLAP = 0.5  # fewer codes than this share kept: looks like another city
CATEGORIES_KEY = "categories"


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
    contacts: list[str] = field(default_factory=list)  # 联络人 or 联系电话 changed
    import_id: int | None = None
    active_before: int = 0  # units in force before the import
    new_categories: dict[str, int] = field(default_factory=dict)
    other_city: str = ""  # why the registry looks like another city's ("" when it does not)
    changes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def touched(self) -> int:
        """Units renamed or retired (each counted once)."""
        return len(set(self.renamed) | set(self.retired))

    @property
    def big_change(self) -> bool:
        """More than a fifth of the units in force renamed or retired (or another city)."""
        if not self.active_before:
            return False
        share = self.touched / self.active_before
        return bool(self.other_city) or (
            share > BIG_CHANGE_SHARE and self.touched >= BIG_CHANGE_MIN_UNITS
        )

    def big_change_message(self) -> str:
        """What a big change would do, in Chinese, and what to do about it."""
        share = self.touched / self.active_before if self.active_before else 0.0
        what = "、".join(
            f"{verb} {len(codes):,} 个"
            for verb, codes in (("更名", self.renamed), ("撤销", self.retired))
            if codes
        )
        text = (
            f"此次导入将{what}单位，占现有 {self.active_before:,} 个在册单位的 {share:.0%}"
            f"{'（超过五分之一）' if share > BIG_CHANGE_SHARE else ''}。"
        )
        if self.other_city:
            text = (
                f"新名册看起来是另一个地区的名册（{self.other_city}）：导入后原有各周数据会挂在"
                f"新名册的单位下。{text}若要换用另一地区的名册，请先新建活动（清空数据）再导入；"
            )
        return text + "若确为本地区名册的调整，请下载变动清单逐项核对后再确认导入。"

    def changes_frame(self) -> pd.DataFrame:
        """Every unit the import would change (变动, 单位编码, 原名称, 新名称, 原上级, 新上级, …)."""
        columns = ["变动", "单位编码", "原名称", "新名称", "原上级单位编码", "新上级单位编码"]
        columns += ["原类别", "新类别"]
        return pd.DataFrame(self.changes, columns=columns)

    @property
    def changed(self) -> bool:
        return any(
            (
                self.added,
                self.renamed,
                self.moved,
                self.recategorised,
                self.retired,
                self.restored,
                self.contacts,
            )
        )

    def counts(self) -> dict[str, int]:
        return {
            "新增": len(self.added),
            "更名": len(self.renamed),
            "调整上级": len(self.moved),
            "类别或别名变更": len(self.recategorised),
            "撤销": len(self.retired),
            "恢复": len(self.restored),
            "联络人或电话变更": len(self.contacts),
        }

    def message(self) -> str:
        parts = [f"{label} {n} 个" for label, n in self.counts().items() if n]
        detail = "，".join(parts) if parts else "与现有名册相同，未作改动"
        return f"单位名册已导入：共 {self.total} 个单位；{detail}。"


class ConfirmationNeededError(ValueError):
    """The import waits for the office's yes; ``summary`` says what it would do."""

    def __init__(self, message: str, summary: RegistrySummary) -> None:
        self.summary = summary
        super().__init__(message)


class NewCategoriesError(ConfirmationNeededError):
    """The registry uses categories the office's list does not have."""


class BigChangeError(ConfirmationNeededError):
    """The registry renames or retires more than a fifth of the units."""


def apply_registry(
    engine: Engine,
    registry: Registry,
    *,
    file_name: str = "单位名册.xlsx",
    content: bytes | None = None,
    uploaded_by: str = "",
    add_categories: bool = False,
    accept_big_change: bool = False,
) -> RegistrySummary:
    """Bring ``units`` in line with ``registry`` and record the upload (one transaction).

    Raises RegistryError when the registry has errors, NewCategoriesError when it uses
    categories not in the office's list (unless ``add_categories``: they are appended to the
    list in the same transaction), BigChangeError when it renames or retires more than a
    fifth of the units (unless ``accept_big_change``).  Nothing is changed when it raises.
    """
    if not registry.ok:
        raise RegistryError(registry.errors)
    with engine.begin() as conn:
        # Two registry imports at once: the second plans against what the first wrote.
        db.lock(conn, "registry")
        now = _stamp(conn)
        known = _categories(conn)
        summary, new_rows, changed = _plan(_existing(conn), registry, known)
        if summary.new_categories and not add_categories:
            raise NewCategoriesError(
                f"名册中有 {len(summary.new_categories)} 个类别不在本单位的类别清单中："
                f"{_category_text(summary.new_categories)}。请确认把它们加入类别清单后再导入"
                "（或在名册中改用清单中的类别）",
                summary,
            )
        if summary.big_change and not accept_big_change:
            raise BigChangeError(summary.big_change_message(), summary)
        if summary.new_categories:
            _write_categories(conn, [*known, *summary.new_categories])
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
        if summary.changed:
            detail = {"file": file_name, **summary.counts(), "import": summary.import_id}
            audit_repo.record(conn, "registry", user=uploaded_by, detail=detail)
    return summary


def preview_registry(engine: Engine, registry: Registry) -> RegistrySummary:
    """What ``apply_registry`` would change (new categories, big change), changing nothing."""
    with engine.connect() as conn:
        summary, _, _ = _plan(_existing(conn), registry, _categories(conn))
    return summary


def _plan(
    existing: dict[str, dict[str, Any]], registry: Registry, known: list[str]
) -> tuple[RegistrySummary, list[dict[str, Any]], list[dict[str, Any]]]:
    """The summary, the rows to insert and the rows to update."""
    summary = RegistrySummary(total=len(registry.frame))
    incoming = {row["code"]: _storable(row) for row in registry_rows(registry.frame)}
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
    active = {code: old for code, old in existing.items() if not old["retired"]}
    summary.retired = [code for code in active if code not in incoming]
    summary.active_before = len(active)
    summary.other_city = _other_city(active, incoming)
    summary.changes = _changes(summary, existing, incoming)
    for row in incoming.values():
        if row["category"] not in known:
            count = summary.new_categories.get(row["category"], 0)
            summary.new_categories[row["category"]] = count + 1
    return summary, new_rows, changed


def _storable(row: dict[str, Any]) -> dict[str, Any]:
    """A parsed row with only the columns the ``units`` table has."""
    return {k: v for k, v in row.items() if k == "code" or k in _COMPARED}


def _root(rows: dict[str, dict[str, Any]]) -> tuple[str, str] | None:
    for code, row in rows.items():
        if not row["parent_code"]:
            return code, str(row["name"])
    return None


def _other_city(active: dict[str, dict[str, Any]], incoming: dict[str, dict[str, Any]]) -> str:
    """Why ``incoming`` looks like another city's registry than ``active`` ("" if it does not):
    another root unit, or fewer than half of the codes in force kept."""
    if not active:
        return ""
    kept = sum(1 for code in active if code in incoming)
    old_root, new_root = _root(active), _root(incoming)
    reasons: list[str] = []
    if old_root and new_root and old_root[0] != new_root[0] and old_root[1] != new_root[1]:
        reasons.append(f"根单位由“{old_root[1]}”变为“{new_root[1]}”")
    if kept < OTHER_CITY_OVERLAP * len(active):
        reasons.append(f"现有 {len(active):,} 个在册单位中只有 {kept:,} 个的编码仍在新名册中")
    return "；".join(reasons)


_CHANGE_ORDER = ("撤销", "更名", "调整上级", "类别变更", "新增", "恢复")


def _changes(
    summary: RegistrySummary,
    existing: dict[str, dict[str, Any]],
    incoming: dict[str, dict[str, Any]],
) -> list[dict[str, Any]]:
    """One row per unit and kind of change, for the office to check before a big change."""
    kinds = {
        "撤销": summary.retired,
        "更名": summary.renamed,
        "调整上级": summary.moved,
        "类别变更": [
            c for c in summary.recategorised if existing[c]["category"] != incoming[c]["category"]
        ],
        "新增": summary.added,
        "恢复": summary.restored,
    }
    rows: list[dict[str, Any]] = []
    for kind in _CHANGE_ORDER:
        for code in kinds[kind]:
            old = existing.get(code, {})
            new = incoming.get(code, {})
            rows.append(
                {
                    "变动": kind,
                    "单位编码": code,
                    "原名称": old.get("name") or "",
                    "新名称": new.get("name") or "",
                    "原上级单位编码": old.get("parent_code") or "",
                    "新上级单位编码": new.get("parent_code") or "",
                    "原类别": old.get("category") or "",
                    "新类别": new.get("category") or "",
                }
            )
    return rows


def _category_text(counts: dict[str, int]) -> str:
    return "、".join(f"“{c}”（{n:,} 个单位）" for c, n in counts.items())


# --------------------------------------------------------------------------- categories


def load_categories(engine: Engine) -> list[str]:
    """The office's category list in its order (the defaults until the office edits it)."""
    with engine.connect() as conn:
        return _categories(conn)


def category_usage(engine: Engine) -> dict[str, int]:
    """Units (retired ones too) per stored category."""
    query = select(units.c.category, func.count()).group_by(units.c.category)
    with engine.connect() as conn:
        return {str(c): int(n) for c, n in conn.execute(query)}


def save_categories(engine: Engine, categories: list[str]) -> list[str]:
    """Store the list as given (add, reorder, drop an unused category); returns the list.

    Raises CategoryError (message in Chinese) when a name is blank, too long or twice, or
    when a category that still has units would disappear.
    """
    cleaned = [clean_category(c) for c in categories]
    with engine.begin() as conn:
        db.lock(conn, "registry")
        used = _used_categories(conn)
        problems = category_list_problems(cleaned, used)
        if problems:
            raise CategoryError("；".join(problems))
        _write_categories(conn, cleaned)
    return cleaned


def _stamp(conn: Connection) -> dt.datetime:
    """The time changed units are marked with, read under the registry lock: later than any
    mark already there, so the registry's version (``repo.data_version_parts``: the count
    and the latest mark) moves on with every change, even from a replica whose clock is
    behind or an import that read the clock before another committed."""
    now = dt.datetime.now(dt.UTC)
    latest = conn.execute(select(func.max(units.c.updated_at))).scalar()
    if latest is None:
        return now
    if latest.tzinfo is None:  # SQLite hands back the stored UTC time without its zone
        latest = latest.replace(tzinfo=dt.UTC)
    return max(now, latest + dt.timedelta(milliseconds=1))


def rename_category(engine: Engine, old: str, new: str) -> int:
    """Rename ``old`` to ``new`` — or merge it into ``new`` when the list has it already —
    moving every unit of ``old`` along (one transaction).  Returns the units moved."""
    target = clean_category(new)
    with engine.begin() as conn:
        db.lock(conn, "registry")
        current = _categories(conn)
        if old not in current:
            raise CategoryError(f"类别“{old}”不在类别清单中：请刷新页面后重试")
        if not target:
            raise CategoryError("新类别名称为空：请填写新的类别名称")
        if target == old:
            return 0
        merged = target in current
        listed = (
            [c for c in current if c != old]
            if merged
            else [target if c == old else c for c in current]
        )
        problems = category_list_problems(listed, set())
        if problems:
            raise CategoryError("；".join(problems))
        moved = conn.execute(
            update(units)
            .where(units.c.category == old)
            .values(category=target, updated_at=_stamp(conn))
        ).rowcount
        _write_categories(conn, listed)
    return int(moved or 0)


def load_contacts(engine: Engine) -> pd.DataFrame:
    """code, contact_name, contact_phone of every unit (empty columns before the schema has
    the contact columns)."""
    names = ["code", "contact_name", "contact_phone"]
    if "contact_name" not in units.c:
        return pd.DataFrame(columns=names)
    query = select(units.c.code, units.c["contact_name"], units.c["contact_phone"])
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=names)


def _categories(conn: Connection) -> list[str]:
    stored = conn.execute(
        select(settings.c.value).where(settings.c.key == CATEGORIES_KEY)
    ).scalar_one_or_none()
    if isinstance(stored, list) and stored:
        return [str(c) for c in stored]
    return list(settings_def.setting(CATEGORIES_KEY).default)


def _used_categories(conn: Connection) -> set[str]:
    return {str(c) for (c,) in conn.execute(select(units.c.category).distinct())}


def _write_categories(conn: Connection, categories: list[str]) -> None:
    conn.execute(delete(settings).where(settings.c.key == CATEGORIES_KEY))
    conn.execute(insert(settings).values(key=CATEGORIES_KEY, value=list(categories)))


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
    for row in conn.execute(select(*columns).order_by(units.c.sort_order)).mappings():
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
    if any(old.get(k) != new.get(k) for k in ("contact_name", "contact_phone") if k in old):
        summary.contacts.append(code)


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
