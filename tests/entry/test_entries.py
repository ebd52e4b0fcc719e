"""Drafts, submissions, 退回, resubmission, late changes and the one store, on SQLite and
PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from dashboard.entry import entries, status, tasks
from dashboard.entry.errors import ConflictError, EntryError
from dashboard.store import repo, returns_repo
from dashboard.store.schema import audit_log, fill_rounds, imports, notices
from tests.entry.helpers import FRI, PREV, add_units, at

OFFICE = entries.Actor("office", "office")
COUNTY = entries.Actor("jia", "liaison", "101")
TOWN = entries.Actor("town1", "liaison", "10101", "self")


def _task(engine, deadline_hour: int = 12, allow_late: bool = True):
    return tasks.open_task(
        engine, FRI, opens_at=at(FRI, 0), deadline=at(FRI, deadline_hour), allow_late=allow_late
    )


def _submit(engine, task, actor, cells, now_hour=1, confirm=False, **kw):
    current = entries.load_entries(engine, task.id)
    versions = {c: current[c].version if c in current else 0 for c in cells}
    return entries.submit(
        engine, task, actor, cells, versions, confirm_warnings=confirm, now=at(FRI, now_hour), **kw
    )


def _count(engine, table, *where) -> int:
    with engine.connect() as conn:
        query = select(func.count()).select_from(table)
        for w in where:
            query = query.where(w)
        return int(conn.execute(query).scalar_one())


def test_who_enters_and_reviews_which_units(engine) -> None:
    add_units(engine)
    units = repo.load_units(engine)
    assert entries.enterable_units(units, OFFICE) == list(units["code"])
    assert entries.enterable_units(units, COUNTY) == ["101", "10101", "10102"]
    assert entries.enterable_units(units, TOWN) == ["10101"]
    assert entries.enterable_units(units, entries.Actor("v", "viewer", "101")) == []
    assert entries.enterable_units(units, entries.Actor("jia", "liaison", "101", "self")) == ["101"]
    assert entries.reviewable_units(units, COUNTY) == ["10101", "10102"]
    assert entries.reviewable_units(units, TOWN) == []


def test_draft_then_submit_lands_in_figures_with_import_and_audit(any_engine) -> None:
    add_units(any_engine)
    task = _task(any_engine)
    saved = entries.save_drafts(
        any_engine,
        task,
        TOWN,
        {"10101": {"problems_found": "１２", "problems_closed": "X"}},
        {"10101": 0},
        now=at(FRI, 1),
    )
    assert saved.written == ["10101"]
    assert [p.kind for p in saved.checked.errors] == ["placeholder"]  # a draft keeps it anyway
    assert (
        status.entry_status(any_engine, FRI, now=at(FRI, 2))
        .set_index("unit_code")
        .loc["10101", "status"]
        == "draft"
    )
    assert repo.load_figures(any_engine).empty  # a draft is not on the board
    blocked = _submit(
        any_engine, task, TOWN, {"10101": {"problems_found": 3, "problems_closed": 5}}
    )
    assert blocked.blocked and not blocked.written
    assert blocked.checked.errors[0].indicator == "problems_closed"
    done = _submit(any_engine, task, TOWN, {"10101": {"problems_found": 12, "problems_closed": 5}})
    assert done.written == ["10101"] and done.import_id
    frame = repo.load_figures(any_engine)
    assert frame.loc[0, "unit_code"] == "10101" and frame.loc[0, "problems_found"] == 12
    listed = returns_repo.list_imports(any_engine)
    assert listed.loc[0, "uploaded_by"] == "town1" and "在线填报" in listed.loc[0, "file_name"]
    blob = returns_repo.blob_content(any_engine, listed.loc[0, "sha256"])
    assert b'"problems_found": 12' in blob  # the submission archived as it came
    assert _count(any_engine, audit_log, audit_log.c.action == "upload") == 1
    assert _count(any_engine, fill_rounds) == 2  # save, submit
    grid = status.entry_status(any_engine, FRI, now=at(FRI, 2)).set_index("unit_code")
    assert grid.loc["10101", "label"] == "已提交" and grid.loc["10101", "source"] == "online"
    # undo on 导入记录 withdraws the figures, and the unit is no longer reported
    returns_repo.undo_import(any_engine, done.import_id, actor="office")
    assert repo.load_figures(any_engine).empty
    assert "10101" in status.not_submitted(any_engine, FRI, now=at(FRI, 2))


def test_warnings_need_confirmation_and_a_drop_asks_about_weekly_figures(any_engine) -> None:
    add_units(any_engine)
    returns_repo.save_upload(
        any_engine,
        file_name="prev.xlsx",
        content=b"p",
        status="imported",
        rows=[
            {
                "unit_code": "10101",
                "report_date": PREV,
                "figures": {"deeds_done": 9},
                "sheet": None,
                "row": 1,
            }
        ],
    )
    task = _task(any_engine)
    first = _submit(any_engine, task, TOWN, {"10101": {"deeds_done": 2}})
    assert first.needs_confirmation and not first.written
    assert "是否误填了本周新增数？" in first.checked.warnings[0].message
    assert first.checked.warnings[0].indicator == "deeds_done"
    confirmed = _submit(any_engine, task, TOWN, {"10101": {"deeds_done": 2}}, confirm=True)
    assert confirmed.written == ["10101"]


def test_return_and_resubmit_keep_every_round(any_engine) -> None:
    add_units(any_engine)
    task = _task(any_engine)
    _submit(any_engine, task, TOWN, {"10101": {"deeds_done": 2}})
    version = entries.load_entries(any_engine, task.id)["10101"].version
    with pytest.raises(EntryError, match="不能审核"):
        entries.return_entry(any_engine, task, TOWN, "10101", "x", version)
    entries.return_entry(
        any_engine,
        task,
        COUNTY,
        "10101",
        "为民办实事数偏低，请核对",
        version,
        {"deeds_done": "应为累计数"},
        now=at(FRI, 2),
    )
    entry = entries.load_entries(any_engine, task.id)["10101"]
    assert entry.status == "returned" and entry.cell_reasons == {"deeds_done": "应为累计数"}
    assert status.not_submitted(any_engine, FRI, "10101", now=at(FRI, 3)) == ["10101"]
    assert _count(any_engine, notices, notices.c.unit_code == "10101") == 1
    _submit(any_engine, task, TOWN, {"10101": {"deeds_done": 20}}, now_hour=3)
    actions = list(entries.rounds(any_engine, task.id, "10101")["action"])
    assert actions == ["submit", "return", "resubmit"]
    assert repo.load_figures(any_engine).loc[0, "deeds_done"] == 20
    history = _count(any_engine, imports)
    assert history == 2  # both submissions kept; the first replaced on the board


def test_late_entries_and_late_changes(any_engine) -> None:
    add_units(any_engine)
    task = _task(any_engine, deadline_hour=2)
    _submit(any_engine, task, TOWN, {"10101": {"deeds_done": 2}}, now_hour=1)
    late = _submit(any_engine, task, COUNTY, {"10102": {"deeds_done": 1}}, now_hour=5)
    assert late.written == ["10102"]
    grid = status.entry_status(any_engine, FRI, now=at(FRI, 6)).set_index("unit_code")
    assert grid.loc["10102", "label"] == "逾期补报" and grid.loc["10101", "label"] == "已提交"
    assert grid.loc["101", "label"] == "逾期未报"
    # a change after the deadline waits for the office (default policy)
    change = _submit(any_engine, task, TOWN, {"10101": {"deeds_done": 3}}, now_hour=6)
    assert change.pending == ["10101"]
    assert repo.load_figures(any_engine, unit_codes=["10101"]).loc[0, "deeds_done"] == 2
    version = entries.load_entries(any_engine, task.id)["10101"].version
    entries.decide_change(any_engine, task, OFFICE, "10101", version, approve=True)
    assert repo.load_figures(any_engine, unit_codes=["10101"]).loc[0, "deeds_done"] == 3
    # 记为逾期修改: lands at once, recorded as such
    _submit(
        any_engine,
        task,
        TOWN,
        {"10101": {"deeds_done": 4}},
        now_hour=7,
        late_change_policy="record",
    )
    assert repo.load_figures(any_engine, unit_codes=["10101"]).loc[0, "deeds_done"] == 4
    assert "late_change" in set(entries.rounds(any_engine, task.id, "10101")["action"])


def test_no_late_entries_when_not_allowed(any_engine) -> None:
    add_units(any_engine)
    task = _task(any_engine, deadline_hour=2, allow_late=False)
    with pytest.raises(EntryError, match="不允许逾期补报"):
        _submit(any_engine, task, TOWN, {"10101": {"deeds_done": 2}}, now_hour=5)


def test_a_stale_version_is_a_conflict_not_a_lost_update(any_engine) -> None:
    add_units(any_engine)
    task = _task(any_engine)
    entries.save_drafts(
        any_engine, task, TOWN, {"10101": {"deeds_done": 1}}, {"10101": 0}, now=at(FRI, 1)
    )
    with pytest.raises(ConflictError, match="保存冲突"):  # read before the first save
        entries.save_drafts(
            any_engine, task, COUNTY, {"10101": {"deeds_done": 5}}, {"10101": 0}, now=at(FRI, 1)
        )
    assert entries.load_entries(any_engine, task.id)["10101"].figures["deeds_done"] == 1


def test_forwarding_a_county_batch(any_engine) -> None:
    add_units(any_engine)
    task = _task(any_engine)
    _submit(any_engine, task, TOWN, {"10101": {"deeds_done": 2}})
    sent = entries.forward_batch(any_engine, task, COUNTY, now=at(FRI, 2))
    assert sent == ["10101"]
    assert entries.forwarded(any_engine, task.id)["10101"][0] == "jia"
    with pytest.raises(EntryError):
        entries.forward_batch(any_engine, task, OFFICE)


def test_concurrent_submissions_of_overlapping_units(any_engine) -> None:
    """Two people read the same entries, then submit overlapping units at once: one wins,
    the other is told of the conflict; the board holds exactly the winner's figures."""
    add_units(any_engine)
    task = _task(any_engine)
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def run(name: str, actor, cells) -> None:
        barrier.wait()
        try:
            results[name] = entries.submit(
                any_engine, task, actor, cells, dict.fromkeys(cells, 0), now=at(FRI, 1)
            )
        except ConflictError as exc:
            results[name] = exc

    a = threading.Thread(
        target=run, args=("a", COUNTY, {"10101": {"deeds_done": 1}, "10102": {"deeds_done": 1}})
    )
    b = threading.Thread(
        target=run, args=("b", OFFICE, {"10102": {"deeds_done": 7}, "102": {"deeds_done": 7}})
    )
    a.start(), b.start()
    a.join(), b.join()
    conflicts = [k for k, v in results.items() if isinstance(v, ConflictError)]
    assert len(conflicts) == 1, results
    winner = "b" if conflicts == ["a"] else "a"
    expected = 7 if winner == "b" else 1
    board = repo.load_figures(any_engine).set_index("unit_code")
    assert board.loc["10102", "deeds_done"] == expected
    assert len(board) == 2  # the loser wrote nothing, not even its other unit
    assert _count(any_engine, imports) == 1
    assert "保存冲突" in str(results[conflicts[0]])
