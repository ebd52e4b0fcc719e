"""Entries of a 填报 task: save a draft, submit, 退回, resubmit, forward a batch, approve a
late change. Every action is one transaction and one round in ``fill_rounds``.

Compare-and-set: each call carries the ``version`` of every entry as the caller read it;
an entry changed since (by anyone) stops the whole call with ``ConflictError`` and nothing
is written, so two people saving the same unit never lose an update silently.

A submission lands in the same ``figures`` table through the same write path as an uploaded
return (``returns_repo.save_upload_on``): one import row (file name 在线填报…, the canonical
JSON of what was submitted archived as its bytes), ``is_current`` replacement, undo on
导入记录, 上传人 = the signed-in user, audit rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
import pandas as pd
from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from dashboard.core.units import UnitTree
from dashboard.entry import rules
from dashboard.entry.errors import ConflictError, EntryError
from dashboard.entry.status import TaskInfo
from dashboard.entry.tasks import OFFICE_TZ
from dashboard.store import audit_repo, db, repo, returns_repo
from dashboard.store.schema import figures, fill_entries, fill_rounds, notices, users

__all__ = [
    "Actor",
    "Entry",
    "Outcome",
    "actor_for",
    "attach_import",
    "decide_change",
    "enterable_units",
    "forward_batch",
    "forwarded",
    "load_entries",
    "return_entry",
    "reviewable_units",
    "rounds",
    "save_drafts",
    "submit",
    "REVIEW_ROLES",
]

ONLINE_FILE = "在线填报"
REVIEW_ROLES = frozenset({"admin", "office"})

ROUND_LABELS: dict[str, str] = {
    "save": "保存草稿",
    "submit": "提交",
    "resubmit": "退回后重新提交",
    "late_change": "逾期修改",
    "change_request": "截止后修改（待批准）",
    "approve": "批准修改",
    "reject_change": "不批准修改",
    "return": "退回",
    "forward": "上报（汇总）",
    "upload": "上传模板",
}


@dataclass(frozen=True)
class Actor:
    """Who acts: office/admin for every unit; a liaison for its subtree, or for its own unit
    only (``entry_mode`` 'self'); a viewer enters nothing. Local mode acts as the office."""

    name: str
    role: str
    scope_code: str | None = None
    entry_mode: str = "subtree"

    @property
    def reviews_all(self) -> bool:
        return self.role in REVIEW_ROLES


def actor_for(engine: Engine, name: str, role: str, scope_code: str | None) -> Actor:
    """The actor of a signed-in user, with the entry mode stored on the account."""
    with engine.connect() as conn:
        mode = conn.execute(select(users.c.entry_mode).where(users.c.name == name)).scalar()
    return Actor(name, role, scope_code, str(mode or "subtree"))


def enterable_units(units: pd.DataFrame, actor: Actor) -> list[str]:
    """The units ``actor`` may enter figures for, in registry order."""
    codes = [str(c) for c in units["code"]]
    if actor.reviews_all:
        return codes
    if actor.role != "liaison" or actor.scope_code not in set(codes):
        return []
    if actor.entry_mode == "self":
        return [actor.scope_code]
    inside = set(UnitTree(units).subtree(actor.scope_code))
    return [c for c in codes if c in inside]


def reviewable_units(units: pd.DataFrame, actor: Actor) -> list[str]:
    """The units whose entries ``actor`` may return: every unit for the office; the units
    below a liaison's own (a county liaison reviews its townships, 多级上报)."""
    codes = [str(c) for c in units["code"]]
    if actor.reviews_all:
        return codes
    if actor.role != "liaison" or actor.scope_code not in set(codes):
        return []
    below = set(UnitTree(units).subtree(actor.scope_code)[1:])
    return [c for c in codes if c in below]


@dataclass(frozen=True)
class Entry:
    unit_code: str
    status: str  # draft | submitted | returned | pending
    figures: dict[str, int | None]
    version: int
    saved_by: str
    saved_at: dt.datetime | None
    submitted_by: str | None
    submitted_at: dt.datetime | None
    late: bool
    import_id: int | None
    return_reason: str | None
    cell_reasons: dict[str, str]


@dataclass
class Outcome:
    """What a save or submit did: the units written, the problems found, whether warnings
    still wait for a confirmation, the import that carried the figures."""

    written: list[str] = field(default_factory=list)
    checked: rules.Checked | None = None
    needs_confirmation: bool = False
    import_id: int | None = None
    pending: list[str] = field(default_factory=list)  # late changes waiting for the office

    @property
    def blocked(self) -> bool:
        """A submission stopped by errors (a draft is saved whatever its problems)."""
        return bool(self.checked and self.checked.errors) and not self.written


def load_entries(
    engine: Engine | Connection, task_id: int, codes: Sequence[str] | None = None
) -> dict[str, Entry]:
    query = select(fill_entries).where(fill_entries.c.task_id == task_id)
    if codes is not None:
        query = query.where(fill_entries.c.unit_code.in_(list(codes)))
    if isinstance(engine, Connection):
        rows = engine.execute(query).mappings().all()
    else:
        with engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
    return {str(r["unit_code"]): _entry(r) for r in rows}


def _entry(row: Any) -> Entry:
    return Entry(
        str(row["unit_code"]),
        str(row["status"]),
        dict(row["figures"] or {}),
        int(row["version"]),
        str(row["saved_by"] or ""),
        row["saved_at"],
        row["submitted_by"],
        row["submitted_at"],
        bool(row["late"]),
        row["import_id"],
        row["return_reason"],
        dict(row["cell_reasons"] or {}),
    )


def rounds(engine: Engine, task_id: int, unit_code: str | None = None) -> pd.DataFrame:
    """Every round of a task (one unit's when given), oldest first."""
    query = select(
        fill_rounds.c.unit_code,
        fill_rounds.c.action,
        fill_rounds.c.actor,
        fill_rounds.c.at,
        fill_rounds.c.reason,
        fill_rounds.c.figures,
        fill_rounds.c.cell_reasons,
    ).where(fill_rounds.c.task_id == task_id)
    if unit_code is not None:
        query = query.where(fill_rounds.c.unit_code == unit_code)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(fill_rounds.c.id)).all()
    columns = ["unit_code", "action", "actor", "at", "reason", "figures", "cell_reasons"]
    return pd.DataFrame(rows, columns=columns)


# --- checks shared by every action -----------------------------------------------------------
def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


def _check_open(task: TaskInfo, now: dt.datetime) -> None:
    if task.closed_at is not None:
        raise EntryError(
            f"{task.report_date.isoformat()} 这一周的填报任务已关闭：如需修改请联系办公室"
        )
    if now < task.opens_at:
        opens = task.opens_at.astimezone(OFFICE_TZ).strftime("%Y-%m-%d %H:%M")
        raise EntryError(f"本周填报尚未开放：{opens}（北京时间）开放后再填写")


def _check_may_enter(engine: Engine, actor: Actor, codes: Sequence[str]) -> dict[str, str]:
    """The names of ``codes``; an EntryError naming the units ``actor`` may not enter for."""
    units = repo.load_units(engine)
    names = dict(zip(units["code"].astype(str), units["name"].astype(str), strict=True))
    allowed = set(enterable_units(units, actor))
    refused = [c for c in codes if c not in allowed]
    if refused:
        listed = "、".join(names.get(c, c) for c in refused[:5])
        raise EntryError(f"您的账号不能为这些单位填报：{listed}。请只填报本账号负责的单位")
    return names


def _check_may_review(engine: Engine, actor: Actor, code: str) -> dict[str, str]:
    units = repo.load_units(engine)
    names = dict(zip(units["code"].astype(str), units["name"].astype(str), strict=True))
    if code not in set(reviewable_units(units, actor)):
        raise EntryError(
            f"您的账号不能审核“{names.get(code, code)}”：办公室审核全部单位，"
            "县级联络员审核其下级单位"
        )
    return names


def _conflict(names: Mapping[str, str], codes: Sequence[str]) -> ConflictError:
    listed = "、".join(names.get(c, c) for c in codes[:5])
    return ConflictError(
        f"保存冲突：{listed} 的填报在您打开之后已被他人修改或提交，您的修改未保存。"
        "请刷新页面查看最新数据后再修改"
    )


def _lock(conn: Connection, task: TaskInfo) -> dict[str, Entry]:
    """Take the week's write locks (writers of one task and of its figures take turns) and
    read the task's entries as they are now."""
    db.lock(conn, f"fill:{task.id}", *returns_repo.week_lock_names([task.report_date]))
    return load_entries(conn, task.id)


def _compare(
    current: Mapping[str, Entry],
    versions: Mapping[str, int],
    codes: Sequence[str],
    names: Mapping[str, str],
) -> None:
    stale = [c for c in codes if (current[c].version if c in current else 0) != versions.get(c, 0)]
    if stale:
        raise _conflict(names, stale)


def _round(
    conn: Connection,
    task: TaskInfo,
    code: str,
    action: str,
    actor: str,
    now: dt.datetime,
    figures_: Mapping[str, int | None] | None = None,
    reason: str | None = None,
    cell_reasons: Mapping[str, str] | None = None,
) -> None:
    conn.execute(
        insert(fill_rounds).values(
            task_id=task.id,
            unit_code=code,
            action=action,
            actor=actor,
            at=now,
            figures=dict(figures_) if figures_ is not None else None,
            reason=reason,
            cell_reasons=dict(cell_reasons) if cell_reasons else None,
        )
    )


def _write(
    conn: Connection,
    task: TaskInfo,
    code: str,
    current: Entry | None,
    values: dict[str, Any],
) -> None:
    """Insert or compare-and-set one entry (the version read under the lock)."""
    if current is None:
        conn.execute(
            insert(fill_entries).values(task_id=task.id, unit_code=code, version=1, **values)
        )
        return
    done = conn.execute(
        update(fill_entries)
        .where(
            fill_entries.c.task_id == task.id,
            fill_entries.c.unit_code == code,
            fill_entries.c.version == current.version,
        )
        .values(version=current.version + 1, **values)
    )
    if done.rowcount != 1:  # the lock makes this unreachable; kept as the database's word
        raise ConflictError("保存冲突：这条填报刚被他人修改，您的修改未保存。请刷新页面后再修改")


def _run(engine: Engine, names: Mapping[str, str], codes: Sequence[str], work: Any) -> Any:
    """Run ``work(conn)`` in one write transaction; a unique-key race becomes a conflict."""
    try:
        with engine.begin() as conn:
            return work(conn)
    except IntegrityError:
        raise _conflict(names, list(codes)) from None


# --- drafts and submissions ------------------------------------------------------------------
def save_drafts(
    engine: Engine,
    task: TaskInfo,
    actor: Actor,
    cells: Mapping[str, Mapping[str, object]],
    versions: Mapping[str, int],
    now: dt.datetime | None = None,
) -> Outcome:
    """Save what was typed as drafts (problems are reported, never block a draft). A cell
    that cannot be read (X, 12.5) is kept blank in the draft and named in the problems."""
    now = _now(now)
    _check_open(task, now)
    codes = list(cells)
    names = _check_may_enter(engine, actor, codes)
    checked = rules.check_entries(engine, task.report_date, cells)

    def work(conn: Connection) -> list[str]:
        current = _lock(conn, task)
        _compare(current, versions, codes, names)
        for code in codes:
            entry = current.get(code)
            if entry is not None and entry.status in ("submitted", "pending"):
                raise EntryError(
                    f"“{names.get(code, code)}”已提交：修改已提交的数字请直接改后重新提交"
                )
            status = "returned" if entry is not None and entry.status == "returned" else "draft"
            values = {
                "status": status,
                "figures": checked.figures[code],
                "saved_by": actor.name,
                "saved_at": now,
            }
            _write(conn, task, code, entry, values)
            _round(conn, task, code, "save", actor.name, now, checked.figures[code])
        audit_repo.record(conn, "fill", user=actor.name, detail={"task": task.id, "draft": codes})
        return codes

    written = _run(engine, names, codes, work)
    return Outcome(written=written, checked=checked)


def submit(
    engine: Engine,
    task: TaskInfo,
    actor: Actor,
    cells: Mapping[str, Mapping[str, object]],
    versions: Mapping[str, int],
    *,
    confirm_warnings: bool = False,
    late_change_policy: str | None = None,
    now: dt.datetime | None = None,
) -> Outcome:
    """Submit the units' figures. Errors block (nothing is written); warnings need
    ``confirm_warnings``. After the deadline a first submission needs the task's
    ``allow_late`` (then it is 逾期补报); a change to figures already submitted follows
    ``late_change_policy`` (default: the ``fill_late_change`` setting): 'approve' waits
    for the office (the office's own change lands at once), 'record' lands as 逾期修改."""
    now = _now(now)
    _check_open(task, now)
    codes = list(cells)
    names = _check_may_enter(engine, actor, codes)
    checked = rules.check_entries(engine, task.report_date, cells)
    if checked.errors:
        return Outcome(checked=checked)
    if checked.warnings and not confirm_warnings:
        return Outcome(checked=checked, needs_confirmation=True)
    past = now > task.deadline
    policy = late_change_policy or str(repo.get_settings(engine)["fill_late_change"])

    def work(conn: Connection) -> Outcome:
        current = _lock(conn, task)
        _compare(current, versions, codes, names)
        landing: list[str] = []
        pending: list[str] = []
        for code in codes:
            entry = current.get(code)
            was_sent = entry is not None and entry.status in ("submitted", "pending")
            if past and not was_sent and not task.allow_late and not _was_returned(entry):
                raise EntryError(
                    f"本周填报已于截止时间截止，且不允许逾期补报：“{names.get(code, code)}”"
                    "未能提交。请联系办公室"
                )
            if past and was_sent and policy == "approve" and not actor.reviews_all:
                pending.append(code)
            else:
                landing.append(code)
        outcome = Outcome(checked=checked, pending=pending)
        for code in pending:
            values = {
                "status": "pending",
                "figures": checked.figures[code],
                "saved_by": actor.name,
                "saved_at": now,
            }
            _write(conn, task, code, current[code], values)
            _round(conn, task, code, "change_request", actor.name, now, checked.figures[code])
        if landing:
            outcome.import_id = _land(conn, task, actor, landing, checked.figures, now)
            for code in landing:
                entry = current.get(code)
                action = _action(entry, past)
                late = entry.late if entry is not None and entry.status != "draft" else past
                values = {
                    "status": "submitted",
                    "figures": checked.figures[code],
                    "saved_by": actor.name,
                    "saved_at": now,
                    "submitted_by": actor.name,
                    "submitted_at": now,
                    "late": late,
                    "import_id": outcome.import_id,
                    "return_reason": None,
                    "cell_reasons": None,
                }
                _write(conn, task, code, entry, values)
                _round(conn, task, code, action, actor.name, now, checked.figures[code])
        outcome.written = landing + pending
        detail = {"task": task.id, "submitted": landing, "pending": pending}
        audit_repo.record(conn, "fill", user=actor.name, detail=detail)
        return outcome

    result: Outcome = _run(engine, names, codes, work)
    return result


def _was_returned(entry: Entry | None) -> bool:
    return entry is not None and entry.status == "returned"


def _action(entry: Entry | None, past: bool) -> str:
    if entry is None or entry.status == "draft":
        return "submit"
    if entry.status == "returned":
        return "resubmit"
    return "late_change" if past else "submit"


def _land(
    conn: Connection,
    task: TaskInfo,
    actor: Actor,
    codes: Sequence[str],
    typed: Mapping[str, Mapping[str, int | None]],
    now: dt.datetime,
) -> int:
    """The units' figures into ``figures`` through the upload write path; the import's id."""
    record = {
        "kind": "online",
        "report_date": task.report_date.isoformat(),
        "task": task.id,
        "by": actor.name,
        "at": now.isoformat(),
        "units": {code: dict(typed[code]) for code in codes},
    }
    content = orjson.dumps(record, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2)
    rows = returns_repo.FigureColumns(
        list(codes),
        [task.report_date] * len(codes),
        [{k: v for k, v in typed[c].items() if v is not None} for c in codes],
        [ONLINE_FILE] * len(codes),
        [None] * len(codes),
    )
    saved = returns_repo.save_upload_on(
        conn,
        file_name=f"{ONLINE_FILE}（{task.report_date.isoformat()}，{actor.name or '本机'}）.json",
        content=content,
        status="imported",
        rows=rows,
        report_date=task.report_date,
        uploaded_by=actor.name,
    )
    return saved.import_id


# --- review ----------------------------------------------------------------------------------
def return_entry(
    engine: Engine,
    task: TaskInfo,
    actor: Actor,
    code: str,
    reason: str,
    version: int,
    cell_reasons: Mapping[str, str] | None = None,
    now: dt.datetime | None = None,
) -> None:
    """退回 one unit's submission with a reason (and reasons per cell). Its figures stay on
    the board until the unit resubmits; the unit sees the reason on its page and a notice."""
    now = _now(now)
    names = _check_may_review(engine, actor, code)
    reason = reason.strip()
    if not reason:
        raise EntryError("请填写退回原因：说明哪里需要修改")
    cells = {k: v.strip() for k, v in (cell_reasons or {}).items() if v and v.strip()}

    def work(conn: Connection) -> None:
        current = _lock(conn, task)
        _compare(current, {code: version}, [code], names)
        entry = current.get(code)
        if entry is None or entry.status not in ("submitted", "pending"):
            raise EntryError(f"“{names.get(code, code)}”尚未提交，不能退回")
        values = {"status": "returned", "return_reason": reason, "cell_reasons": cells or None}
        _write(conn, task, code, entry, values)
        _round(conn, task, code, "return", actor.name, now, None, reason, cells)
        conn.execute(
            insert(notices).values(
                unit_code=code,
                task_id=task.id,
                message=f"{task.report_date.isoformat()} 这一周的填报被退回：{reason}",
                created_at=now,
            )
        )
        detail = {"task": task.id, "returned": code, "reason": reason}
        audit_repo.record(conn, "fill_review", user=actor.name, detail=detail)

    _run(engine, names, [code], work)


def decide_change(
    engine: Engine,
    task: TaskInfo,
    actor: Actor,
    code: str,
    version: int,
    approve: bool,
    now: dt.datetime | None = None,
) -> None:
    """The office approves a change made after the deadline (it lands, 逾期修改) or refuses
    it (the submitted figures stay)."""
    now = _now(now)
    if not actor.reviews_all:
        raise EntryError("截止后的修改由办公室批准")
    names = _check_may_review(engine, actor, code)

    def work(conn: Connection) -> None:
        current = _lock(conn, task)
        _compare(current, {code: version}, [code], names)
        entry = current.get(code)
        if entry is None or entry.status != "pending":
            raise EntryError(f"“{names.get(code, code)}”没有待批准的修改")
        if approve:
            import_id = _land(conn, task, actor, [code], {code: entry.figures}, now)
            values: dict[str, Any] = {"status": "submitted", "import_id": import_id}
            _write(conn, task, code, entry, values)
            _round(conn, task, code, "approve", actor.name, now, entry.figures)
        else:
            kept = _landed(conn, entry)
            _write(conn, task, code, entry, {"status": "submitted", "figures": kept})
            _round(conn, task, code, "reject_change", actor.name, now, entry.figures)
        detail = {"task": task.id, "unit": code, "approved": approve}
        audit_repo.record(conn, "fill_review", user=actor.name, detail=detail)

    _run(engine, names, [code], work)


def _landed(conn: Connection, entry: Entry) -> dict[str, int | None]:
    """The figures the entry's import put on the board."""
    query = select(figures.c.figures).where(
        figures.c.import_id == entry.import_id, figures.c.unit_code == entry.unit_code
    )
    return dict(conn.execute(query).scalar() or {})


def forward_batch(
    engine: Engine, task: TaskInfo, actor: Actor, now: dt.datetime | None = None
) -> list[str]:
    """多级上报: a county liaison reports its townships' submitted entries up as one batch
    (a 'forward' round each; the office's grid shows who forwarded them and when)."""
    now = _now(now)
    units = repo.load_units(engine)
    below = reviewable_units(units, actor)
    if actor.reviews_all or not below:
        raise EntryError("汇总上报由县级联络员为其下级单位办理")

    def work(conn: Connection) -> list[str]:
        current = _lock(conn, task)
        sent = [c for c in below if c in current and current[c].status == "submitted"]
        if not sent:
            raise EntryError("下级单位还没有已提交的填报，暂无可上报的数据")
        for code in sent:
            _round(conn, task, code, "forward", actor.name, now)
        detail = {"task": task.id, "forwarded": sent}
        audit_repo.record(conn, "fill_review", user=actor.name, detail=detail)
        return sent

    result: list[str] = _run(engine, {}, below, work)
    return result


def forwarded(engine: Engine, task_id: int) -> dict[str, tuple[str, dt.datetime]]:
    """Each unit's latest forward (who reported it up, when)."""
    query = (
        select(fill_rounds.c.unit_code, fill_rounds.c.actor, fill_rounds.c.at)
        .where(fill_rounds.c.task_id == task_id, fill_rounds.c.action == "forward")
        .order_by(fill_rounds.c.id)
    )
    with engine.connect() as conn:
        return {str(code): (str(who), at) for code, who, at in conn.execute(query)}


def attach_import(
    engine: Engine,
    task: TaskInfo,
    actor: Actor,
    import_id: int,
    codes: Sequence[str],
    typed: Mapping[str, Mapping[str, int | None]],
    now: dt.datetime | None = None,
) -> None:
    """A template uploaded on the 填报 page (already stored by the importer) lands in the
    task: the units it carried become submitted, with that import as their figures."""
    now = _now(now)
    past = now > task.deadline

    def work(conn: Connection) -> None:
        current = _lock(conn, task)
        for code in codes:
            entry = current.get(code)
            late = entry.late if entry is not None and entry.status != "draft" else past
            values = {
                "status": "submitted",
                "figures": dict(typed.get(code, {})),
                "saved_by": actor.name,
                "saved_at": now,
                "submitted_by": actor.name,
                "submitted_at": now,
                "late": late,
                "import_id": import_id,
                "return_reason": None,
                "cell_reasons": None,
            }
            _write(conn, task, code, entry, values)
            _round(conn, task, code, "upload", actor.name, now, typed.get(code))

    _run(engine, {}, codes, work)
