"""The window loader's starting values: each unit's latest CURRENT row before the window."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, insert

from dashboard.store import repo, report_inputs, returns_repo
from dashboard.store.schema import units as units_table

D1, D2, D3, D4 = (dt.date(2024, 3, 1) + dt.timedelta(days=7 * k) for k in range(4))


def _upload(engine: Engine, day: dt.date, values: dict[str, int], tag: str = "") -> int:
    result = returns_repo.save_upload(
        engine,
        file_name=f"周报{day:%m%d}{tag}.xlsx",
        content=f"{day} {tag}".encode(),
        status="imported",
        rows=[
            {
                "unit_code": code,
                "report_date": day,
                "figures": {"problems_found": value},
                "sheet": None,
                "row": None,
            }
            for code, value in values.items()
        ],
        report_date=day,
    )
    return result.import_id


def _fill(engine: Engine) -> int:
    """Units A and B; A's only D3 row comes from an import that is then undone."""
    with engine.begin() as conn:
        conn.execute(
            insert(units_table),
            [
                {
                    "code": code,
                    "name": code,
                    "parent_code": None,
                    "category": "党政机关",
                    "level": 1,
                    "aliases": "",
                    "sort_order": i,
                    "retired": False,
                }
                for i, code in enumerate(("A", "B"))
            ],
        )
    _upload(engine, D1, {"A": 1, "B": 10})
    _upload(engine, D2, {"A": 2, "B": 20})
    undone = _upload(engine, D3, {"A": 99, "B": 30})
    _upload(engine, D4, {"B": 40})
    return undone


def test_starting_values_are_the_latest_rows_before_the_window(any_engine: Engine) -> None:
    _fill(any_engine)
    figures, days = report_inputs.load_window(any_engine, D4, 1)
    assert days == [D1, D2, D3, D4]
    got = {
        (row.unit_code, row.report_date.date()): int(row.problems_found)
        for row in figures.itertuples()
    }
    assert got == {("A", D3): 99, ("B", D3): 30, ("B", D4): 40}


def test_an_undone_latest_row_falls_back_to_the_one_before(any_engine: Engine) -> None:
    undone = _fill(any_engine)
    returns_repo.undo_import(any_engine, undone)  # D3 rows stay stored, not current
    for indicators in (None, ["problems_found"]):
        figures, _ = report_inputs.load_window(any_engine, D4, 1, indicators)
        got = {
            (row.unit_code, row.report_date.date()): int(row.problems_found)
            for row in figures.itertuples()
        }
        assert got == {("A", D2): 2, ("B", D2): 20, ("B", D4): 40}


def test_report_days_are_the_days_with_current_figures(any_engine: Engine) -> None:
    assert report_inputs.report_days(any_engine) == []
    undone = _fill(any_engine)
    assert report_inputs.report_days(any_engine) == repo.report_dates(any_engine)
    assert report_inputs.report_days(any_engine) == [D1, D2, D3, D4]
    returns_repo.undo_import(any_engine, undone)
    assert report_inputs.report_days(any_engine) == [D1, D2, D4]
