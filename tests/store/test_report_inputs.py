"""The window loader's starting values: each unit's latest CURRENT row before the window."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, insert

from dashboard.core.settings import Settings
from dashboard.store import repo, report_inputs, returns_repo
from dashboard.store.schema import units as units_table

D1, D2, D3, D4 = (dt.date(2024, 3, 1) + dt.timedelta(days=7 * k) for k in range(4))


def _store(
    engine: Engine, day: dt.date, rows: dict[str, dict[str, int | None]], tag: str = ""
) -> int:
    """One imported return for ``day``: unit code → its figures."""
    result = returns_repo.save_upload(
        engine,
        file_name=f"周报{day:%m%d}{tag}.xlsx",
        content=f"{day} {tag}".encode(),
        status="imported",
        rows=[
            {"unit_code": code, "report_date": day, "figures": values, "sheet": None, "row": None}
            for code, values in rows.items()
        ],
        report_date=day,
    )
    return result.import_id


def _upload(engine: Engine, day: dt.date, values: dict[str, int], tag: str = "") -> int:
    return _store(engine, day, {code: {"problems_found": v} for code, v in values.items()}, tag)


def _add_units(engine: Engine, codes: list[str], parent: str | None = None) -> None:
    """Units named by their codes (under ``parent``, which is added as the root)."""
    root = [(parent, None, 1)] if parent else []
    level = 2 if parent else 1
    with engine.begin() as conn:
        conn.execute(
            insert(units_table),
            [
                {"code": code, "name": code, "parent_code": up, "category": "党政机关",
                 "level": lv, "aliases": "", "sort_order": i, "retired": False}
                for i, (code, up, lv) in enumerate(root + [(c, parent, level) for c in codes])
            ],
        )  # fmt: skip


def _fill(engine: Engine) -> int:
    """Units A and B; A's only D3 row comes from an import that is then undone."""
    _add_units(engine, ["A", "B"])
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


def test_a_figure_left_blank_since_before_the_window_carries_its_older_value(
    any_engine: Engine,
) -> None:
    """A gave problems_found in D1 only and has left it blank since (it reports another
    figure); with a one-week window at D4 its starting row (D3) is blank: D1's value must
    still carry forward, as the full history would."""
    from dashboard.core.metrics import carried_values

    _add_units(any_engine, ["A", "B"])

    def upload(day: dt.date, rows: dict[str, dict[str, int | None]]) -> None:
        _store(any_engine, day, rows)

    upload(D1, {"A": {"problems_found": 5, "measures_set": 1}, "B": {"problems_found": 7}})
    upload(D2, {"A": {"problems_found": None, "measures_set": 2}, "B": {"problems_found": 8}})
    upload(D3, {"A": {"measures_set": 3}, "B": {"problems_found": 9}})
    upload(D4, {"A": {"measures_set": 4}, "B": {"problems_found": 10}})
    units = repo.load_units(any_engine)
    for indicators in (None, ["problems_found", "measures_set"]):
        figures, days = report_inputs.load_window(any_engine, D4, 1, indicators)
        carried = carried_values(units, figures, [D4], ["problems_found", "measures_set"])
        got = carried.set_index("unit_code")[["cur_problems_found", "cur_measures_set"]]
        assert got.loc["A"].tolist() == [5, 4]
        assert got.loc["B", "cur_problems_found"] == 10


def test_windowed_report_equals_the_full_history_with_figures_left_blank(
    any_engine: Engine,
) -> None:
    """Ten weeks of returns where units leave figures blank at random (as people do when a
    figure has not changed): every week's report from the window loader equals the one
    built from the whole history."""
    import random

    import pandas as pd

    from dashboard.core import report

    rng = random.Random(7)
    codes = [f"U{i:02d}" for i in range(30)]
    _add_units(any_engine, codes, parent="R")
    days = [dt.date(2023, 9, 8) + dt.timedelta(days=7 * k) for k in range(10)]
    totals = {c: {"problems_found": 0, "problems_closed": 0, "study_sessions": 0} for c in codes}
    for day in days:
        rows: dict[str, dict[str, int | None]] = {}
        for code in codes:
            if rng.random() < 0.1:
                continue  # not reported this week
            figures: dict[str, int | None] = {}
            for key in totals[code]:
                totals[code][key] += rng.randint(0, 3)
                figures[key] = None if rng.random() < 0.4 else totals[code][key]
            if figures["problems_closed"] is not None and figures["problems_found"] is not None:
                figures["problems_closed"] = min(
                    figures["problems_closed"], figures["problems_found"]
                )
            rows[code] = figures
        _store(any_engine, day, rows)
    units = repo.load_units(any_engine)
    values = Settings(repo.get_settings(any_engine))
    everything = repo.load_figures(any_engine)
    for day in days[3:]:
        figures, upto = report_inputs.load_window(any_engine, day, report.window_size(values))
        windowed = report.build_report(units, figures, values, day, all_dates=upto)
        full = report.build_report(units, everything, values, day)
        pd.testing.assert_frame_equal(windowed.totals, full.totals)
        pd.testing.assert_frame_equal(windowed.units, full.units)
        assert windowed.coverage == full.coverage
