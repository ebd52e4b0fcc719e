"""Archive, replace and undo: the storage promises of an upload, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, insert, select

from dashboard.store import repo, returns_repo
from dashboard.store.schema import blobs, figures, imports, units

FRI = dt.date(2023, 10, 27)
PREV = dt.date(2023, 10, 20)


def _add_units(engine, codes: list[str]) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(units),
            [
                {
                    "code": c,
                    "name": f"单位{c}",
                    "parent_code": None if i == 0 else codes[0],
                    "category": "党政机关",
                    "aliases": "",
                    "level": 1 if i == 0 else 2,
                    "sort_order": i,
                    "retired": False,
                }
                for i, c in enumerate(codes)
            ],
        )


def _row(code: str, day: dt.date, **values: int | None) -> returns_repo.FigureRow:
    return {
        "unit_code": code,
        "report_date": day,
        "figures": dict(values),
        "sheet": "Sheet1",
        "row": 3,
    }


def _count(engine, table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_save_stores_figures_and_archives_bytes(any_engine) -> None:
    _add_units(any_engine, ["01", "0101"])
    result = returns_repo.save_upload(
        any_engine,
        file_name="a.xlsx",
        content=b"bytes-a",
        status="imported",
        rows=[_row("0101", FRI, problems_found=5, problems_closed=2)],
        report_date=FRI,
    )
    assert not result.duplicate and result.stored_rows == 1
    frame = repo.load_figures(any_engine)
    assert frame.loc[0, "unit_code"] == "0101"
    assert frame.loc[0, "problems_found"] == 5 and frame.loc[0, "problems_closed"] == 2
    assert frame["reading_classes"].isna().all()
    assert returns_repo.blob_content(any_engine, returns_repo.sha256_of(b"bytes-a")) == b"bytes-a"


def test_same_bytes_again_change_nothing(any_engine) -> None:
    rows = [_row("0101", FRI, problems_found=5)]
    first = returns_repo.save_upload(
        any_engine, file_name="a.xlsx", content=b"x", status="imported", rows=rows
    )
    again = returns_repo.save_upload(
        any_engine, file_name="copy.xlsx", content=b"x", status="imported", rows=rows
    )
    assert again.duplicate and again.import_id == first.import_id
    assert _count(any_engine, imports) == 1 and _count(any_engine, figures) == 1
    assert _count(any_engine, blobs) == 1


def test_correction_replaces_current_and_history_keeps_both(any_engine) -> None:
    returns_repo.save_upload(
        any_engine,
        file_name="a.xlsx",
        content=b"v1",
        status="imported",
        rows=[_row("0101", FRI, problems_found=5)],
    )
    returns_repo.save_upload(
        any_engine,
        file_name="a2.xlsx",
        content=b"v2",
        status="imported",
        rows=[_row("0101", FRI, problems_found=7)],
    )
    frame = repo.load_figures(any_engine)
    assert list(frame["problems_found"]) == [7]
    assert _count(any_engine, figures) == 2


def test_undo_restores_the_replaced_figures(any_engine) -> None:
    returns_repo.save_upload(
        any_engine,
        file_name="a.xlsx",
        content=b"v1",
        status="imported",
        rows=[_row("0101", FRI, problems_found=5), _row("0102", FRI, problems_found=1)],
    )
    second = returns_repo.save_upload(
        any_engine,
        file_name="b.xlsx",
        content=b"v2",
        status="imported",
        rows=[_row("0101", FRI, problems_found=7)],
    )
    assert returns_repo.undo_import(any_engine, second.import_id) == 1
    frame = repo.load_figures(any_engine).set_index("unit_code")
    assert frame.loc["0101", "problems_found"] == 5 and frame.loc["0102", "problems_found"] == 1
    listing = returns_repo.list_imports(any_engine).set_index("id")
    assert listing.loc[second.import_id, "status"] == "undone"
    assert returns_repo.undo_import(any_engine, second.import_id) == 0  # undo twice: no-op
    # the undone file may be imported again
    again = returns_repo.save_upload(
        any_engine,
        file_name="b.xlsx",
        content=b"v2",
        status="imported",
        rows=[_row("0101", FRI, problems_found=7)],
    )
    assert not again.duplicate


def test_rejected_upload_is_archived_without_figures(any_engine) -> None:
    result = returns_repo.save_upload(
        any_engine,
        file_name="bad.xlsx",
        content=b"junk",
        status="rejected",
        problems=[{"code": "not_excel", "message": "不是 Excel 文件"}],
    )
    assert _count(any_engine, figures) == 0
    listing = returns_repo.list_imports(any_engine).set_index("id")
    assert listing.loc[result.import_id, "status"] == "rejected"
    assert listing.loc[result.import_id, "problem_total"] == 1
    assert returns_repo.import_problems(any_engine, result.import_id)[0]["code"] == "not_excel"


def test_previous_figures_takes_each_units_latest_earlier_week(any_engine) -> None:
    returns_repo.save_upload(
        any_engine,
        file_name="w1.xlsx",
        content=b"w1",
        status="imported",
        rows=[
            _row("0101", PREV - dt.timedelta(days=7), problems_found=1),
            _row("0101", PREV, problems_found=3),
            _row("0102", PREV - dt.timedelta(days=7), problems_found=4),
        ],
    )
    returns_repo.save_upload(
        any_engine,
        file_name="w2.xlsx",
        content=b"w2",
        status="imported",
        rows=[_row("0101", FRI, problems_found=9)],
    )
    previous = returns_repo.previous_figures(any_engine, FRI)
    assert previous["0101"]["problems_found"] == 3
    assert previous["0102"]["problems_found"] == 4
    assert returns_repo.previous_figures(any_engine, FRI, ["0102"]) == {
        "0102": {"problems_found": 4}
    }


def test_data_version_changes_on_import_and_undo(any_engine) -> None:
    v0 = repo.data_version(any_engine)
    r = returns_repo.save_upload(
        any_engine,
        file_name="a.xlsx",
        content=b"a",
        status="imported",
        rows=[_row("0101", FRI, problems_found=1)],
    )
    v1 = repo.data_version(any_engine)
    returns_repo.undo_import(any_engine, r.import_id)
    v2 = repo.data_version(any_engine)
    assert len({v0, v1, v2}) == 3


def test_data_version_changes_when_an_earlier_version_is_reinstated(any_engine) -> None:
    """Another app process's caches see the reinstate too: it reads the same token."""
    first = returns_repo.save_upload(
        any_engine, file_name="a.xlsx", content=b"a", status="imported",
        rows=[_row("0101", FRI, problems_found=1)],
    )  # fmt: skip
    returns_repo.save_upload(
        any_engine, file_name="b.xlsx", content=b"b", status="imported",
        rows=[_row("0101", FRI, problems_found=2)],
    )  # fmt: skip
    before = repo.data_version(any_engine)
    assert returns_repo.reinstate_import(any_engine, first.import_id) == 1
    assert list(repo.load_figures(any_engine)["problems_found"]) == [1]
    assert repo.data_version(any_engine) != before


def test_settings_roundtrip_over_defaults(any_engine) -> None:
    assert repo.get_settings(any_engine)["report_weekday"] == 5
    repo.set_settings(any_engine, {"report_weekday": 3, "level_names": ["市", "县", "乡", "村"]})
    values = repo.get_settings(any_engine)
    assert values["report_weekday"] == 3 and values["level_names"][3] == "村"


def test_many_rows_are_stored_in_order_with_every_field(any_engine) -> None:
    """Row counts around the 150-row statements of the bulk insert: none lost or reordered."""
    codes = ["01", *[f"01{i:03d}" for i in range(301)]]
    _add_units(any_engine, codes)
    rows: list[returns_repo.FigureRow] = [
        {
            "unit_code": code,
            "report_date": FRI,
            "figures": {"problems_found": i, "problems_closed": None},
            "sheet": "汇总",
            "row": i + 3,
        }
        for i, code in enumerate(codes[1:])
    ]
    for count in (151, 150, 1):  # three imports: 151 rows, then corrections of fewer
        result = returns_repo.save_upload(
            any_engine,
            file_name=f"{count}.xlsx",
            content=f"bytes-{count}".encode(),
            status="imported",
            rows=rows[:count],
            report_date=FRI,
        )
        assert result.stored_rows == count
        query = (
            select(
                figures.c.unit_code,
                figures.c.report_date,
                figures.c.figures,
                figures.c.is_current,
                figures.c.sheet,
                figures.c.row,
            )
            .where(figures.c.import_id == result.import_id)
            .order_by(figures.c.id)
        )
        with any_engine.connect() as conn:
            stored = [tuple(r) for r in conn.execute(query)]
        assert stored == [
            (r["unit_code"], FRI, r["figures"], True, "汇总", r["row"]) for r in rows[:count]
        ]
    frame = repo.load_figures(any_engine)
    assert len(frame) == 151  # units 0..149 replaced by later imports, unit 150 kept
    assert frame.set_index("unit_code").loc["01150", "problems_found"] == 150


def test_data_version_is_two_statements_and_sees_every_kind_of_change(any_engine) -> None:
    """The token every rerun reads: the counters at once, then the settings; it changes with
    the registry, the settings, a 填报 task, a round of entries and a deadline passing."""
    import datetime as dt

    from sqlalchemy import event

    from dashboard.entry import entries, tasks
    from tests.entry.helpers import add_units

    ran: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if not statement.startswith("BEGIN"):
            ran.append(statement)

    event.listen(any_engine, "before_cursor_execute", count)
    seen = [repo.data_version(any_engine)]
    event.remove(any_engine, "before_cursor_execute", count)
    assert len(ran) == 2
    add_units(any_engine)
    seen.append(repo.data_version(any_engine))
    repo.set_settings(any_engine, {"campaign_name": "版本测试"})
    seen.append(repo.data_version(any_engine))
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
    task = tasks.open_task(any_engine, FRI, opens_at=later - dt.timedelta(days=60), deadline=later)
    seen.append(repo.data_version(any_engine))
    entries.save_drafts(
        any_engine, task, entries.Actor("office", "office"), {"101": {"deeds_done": 1}}, {"101": 0}
    )
    seen.append(repo.data_version(any_engine))
    tasks.update_task(any_engine, task.id, deadline=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    seen.append(repo.data_version(any_engine))
    assert len(set(seen)) == len(seen)
    assert repo.data_version(any_engine) == seen[-1]  # and nothing else moves it
