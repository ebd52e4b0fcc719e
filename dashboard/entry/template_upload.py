"""The 填报 page's other path: the pre-filled template downloaded, filled and uploaded. It
goes through the importer (same checks, same store) and lands in the same task: the units
it carried become submitted, with that import as their figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import Engine

from dashboard.entry import entries
from dashboard.entry.errors import EntryError
from dashboard.entry.status import TaskInfo
from dashboard.export import template
from dashboard.ingest import pipeline
from dashboard.store import repo

__all__ = [
    "check_template",
    "store_template",
    "template_for",
    "template_name",
]


def template_name(task: TaskInfo) -> str:
    """The file name of the task's template (known without building it)."""
    return template.template_file_name(task.report_date)


def template_for(
    engine: Engine,
    task: TaskInfo,
    actor: entries.Actor,
    drafts: Mapping[str, Mapping[str, object]],
) -> tuple[str, bytes]:
    """(file name, bytes) of the week's template for the actor's units, pre-filled with
    what is saved in the grid."""
    units = repo.load_units(engine)
    codes = set(entries.enterable_units(units, actor))
    mine = units[units["code"].isin(codes)]
    values = repo.get_settings(engine)
    book = template.build_workbook(
        mine,
        task.report_date,
        title_prefix=str(values.get("city_name") or ""),
        report_weekday=int(values["report_weekday"]),
        values={code: dict(v) for code, v in drafts.items()},
    )
    return template_name(task), template.workbook_bytes(book)


def check_template(
    engine: Engine, task: TaskInfo, actor: entries.Actor, file_name: str, content: bytes
) -> pipeline.FileResult:
    """The importer's check, rows outside the actor's units refused."""
    result = pipeline.check_file(engine, file_name, content, report_date=task.report_date)
    units = repo.load_units(engine)
    names = dict(zip(units["code"].astype(str), units["name"].astype(str), strict=True))
    allowed = entries.enterable_units(units, actor)
    scope = names.get(actor.scope_code or "", "本账号负责的单位")
    return pipeline.keep_inside(result, allowed, scope, names)


def store_template(
    engine: Engine,
    task: TaskInfo,
    actor: entries.Actor,
    result: pipeline.FileResult,
    content: bytes,
    now: dt.datetime | None = None,
) -> pipeline.FileResult:
    """Store the checked file as the importer does, then mark its units of the task's week
    submitted. The two steps are two transactions: should the second fail, the figures are
    on the board (as an upload, which counts as submitted) and the page says so."""
    now = now or dt.datetime.now(dt.UTC)
    if task.closed_at is not None:
        raise EntryError("这一周的填报任务已关闭：如需修改请联系办公室")
    if now > task.deadline and not task.allow_late:
        raise EntryError("本周填报已截止，且不允许逾期补报：请联系办公室")
    stored = pipeline.store_result(engine, result, content, uploaded_by=actor.name)
    if stored.status != "imported" or stored.duplicate or stored.import_id is None:
        return stored
    rows = [r for r in stored.accepted if r["report_date"] == task.report_date]
    typed = {r["unit_code"]: dict(r["values"]) for r in rows}
    entries.attach_import(engine, task, actor, stored.import_id, list(typed), typed, now)
    return stored
