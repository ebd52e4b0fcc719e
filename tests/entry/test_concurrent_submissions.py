"""Twenty people submit overlapping units of one week at once, through the entry core, each
on an engine of its own (as app processes would): no lock error, one current row per unit
and week, and the final state is the state of a serial run of the same submissions in the
order they committed. The load driver's own functions run it (``scripts/load_driver.py``
prints the same figures under load)."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import pytest
from sqlalchemy import Engine

from dashboard.store import db
from tests.conftest import engine_url, pg_url
from tests.entry.helpers import FRI, add_units, at
from tests.scripts.test_benchmarks import load

PEOPLE = [("office", "office", None), ("jia", "liaison", "101"), ("yi", "liaison", "102")]


@pytest.fixture(scope="module")
def driver() -> ModuleType:
    return load("load_driver")


@pytest.fixture
def second_url(engine: Engine, request, tmp_path) -> Iterator[str]:
    """Another database of the same backend, holding the same registry (the serial run's)."""
    if engine.dialect.name == "postgresql":
        databases = request.getfixturevalue("pg_databases")
        name = databases.fresh()
        url = pg_url(name)
    else:
        url = f"sqlite:///{tmp_path / 'serial.sqlite3'}"
    other = db.connect(url)
    add_units(other)
    other.dispose()
    yield url
    if engine.dialect.name == "postgresql":
        databases.drop(name)


def test_twenty_parallel_submissions_end_as_a_serial_run(
    driver: ModuleType, engine: Engine, second_url: str
) -> None:
    add_units(engine)
    url = engine_url(engine)
    plan = driver.plan_submissions(url, FRI, PEOPLE, 20, per_person=3, now=at(FRI, 1))
    codes = [c for s in plan.submissions for c in s.cells]
    assert len(codes) > len(set(codes)), "the submissions overlap"
    driver.open_submission_task(url, plan)

    results = driver.run_submissions(url, plan)

    assert [r.error for r in results if r.error] == []
    assert not any(r.lock_error for r in results)
    landed = sorted(r.import_id for r in results)
    assert len(set(landed)) == 20, "every submission landed, each in an import of its own"
    parallel = driver.week_state(url, FRI)
    assert parallel["doubled"] == 0, "one current row per unit and week"
    assert set(parallel["figures"]) == set(codes)
    assert {status for status, _figures in parallel["entries"].values()} == {"submitted"}

    driver.replay_serially(second_url, plan, results)
    serial = driver.week_state(second_url, FRI)
    assert driver.rows_differing(parallel, serial) == 0
    assert parallel["figures"] == serial["figures"]
    # The last submission to commit for a unit is what the board holds for it.
    last = {}
    for _result, submission in sorted(
        zip(results, plan.submissions, strict=True), key=lambda pair: pair[0].import_id
    ):
        last.update({c: submission.cells[c] for c in submission.cells})
    assert {c: {k: v for k, v in f.items() if v is not None} for c, f in last.items()} == {
        c: {k: v for k, v in f.items() if v is not None} for c, f in parallel["figures"].items()
    }
