"""Imports of overlapping units and weeks at the same moment, from threads and processes.

Six returns, each covering a band of units over two of three report weeks (a 日期 column), so
every pair of files shares units, weeks or both. Three are imported by threads of this
process and three by separate processes, all released at one moment. Then:

- every import answers ``imported`` (no lock error, no retry needed);
- one current row per unit and report day (no duplicate current row);
- each current row comes from the latest import that holds that unit and day (no lost
  update), and no stored row went missing from the history;
- the current figures equal a serial run of the same files, in the order they landed,
  into a fresh database of the same backend.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select

from dashboard.ingest import pipeline
from dashboard.store import db, repo
from dashboard.store.schema import figures, imports
from tests.conftest import engine_url
from tests.ingest.builders import TEMPLATE_HEADERS, seed_registry, xlsx
from tests.ingest.builders import figures as consistent_figures

ROOT = Path(__file__).resolve().parents[2]
WEEKS = (dt.date(2023, 10, 13), dt.date(2023, 10, 20), dt.date(2023, 10, 27))  # Fridays
UNITS = [(f"01{i:02d}", f"第{i}单位") for i in range(1, 41)]
REGISTRY = [("01", "示范市", None, "党政机关", "", 1)] + [
    (code, name, "01", "党政机关", "", 2) for code, name in UNITS
]
FILES = 6
THREADS = (0, 2, 4)  # the other files go to processes

# A child process: open the database, say it is ready, wait for the go file, import once.
CHILD = """
import json, os, sys, time
from pathlib import Path
from dashboard.ingest import pipeline
from dashboard.store import db
url, path, go = sys.argv[1:4]
engine = db.make_engine(url)
content = Path(path).read_bytes()
print("ready", flush=True)
while not os.path.exists(go):
    time.sleep(0.005)
result = pipeline.import_file(engine, Path(path).name, content)
print(json.dumps({"status": result.status, "import_id": result.import_id}), flush=True)
"""


def _return(index: int) -> tuple[str, bytes]:
    """File ``index``: 15 units from 5 × index (wrapping), weeks index and index + 1."""
    band = [UNITS[(5 * index + k) % len(UNITS)] for k in range(15)]
    weeks = [WEEKS[index % 3], WEEKS[(index + 1) % 3]]
    rows: list[list[object]] = [["单位编码", "单位名称", "日期", *TEMPLATE_HEADERS]]
    for week in sorted(weeks):
        for code, name in band:
            rows.append([code, name, week, *consistent_figures(10 * index + WEEKS.index(week))])
    return f"第{index}份.xlsx", xlsx(rows)


@pytest.fixture
def files() -> list[tuple[str, bytes]]:
    return [_return(i) for i in range(FILES)]


@pytest.fixture
def serial_engine(engine: Engine, tmp_path: Path, request) -> Iterator[Engine]:
    """A second, empty database on the same backend, for the serial run."""
    if engine.dialect.name == "sqlite":
        other = db.connect(f"sqlite:///{tmp_path / 'serial.sqlite3'}")
    else:
        other = db.make_engine(request.getfixturevalue("fresh_pg_url"))
    yield other
    other.dispose()


def _start_child(url: str, path: Path, go: Path) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, url, str(path), str(go)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    line = child.stdout.readline().strip()
    assert line == "ready", child.stderr.read() if child.stderr else line
    return child


def _import_all_at_once(
    engine: Engine, files: list[tuple[str, bytes]], tmp_path: Path
) -> list[str]:
    go = tmp_path / "go"
    children = []
    for index, (name, content) in enumerate(files):
        if index not in THREADS:
            path = tmp_path / name
            path.write_bytes(content)
            children.append(_start_child(engine_url(engine), path, go))
    barrier = threading.Barrier(len(THREADS) + 1)
    statuses: list[str] = []
    errors: list[BaseException] = []

    def run(name: str, content: bytes) -> None:
        barrier.wait()
        try:
            statuses.append(pipeline.import_file(engine, name, content).status)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=run, args=files[i]) for i in THREADS]
    for thread in threads:
        thread.start()
    barrier.wait()
    go.touch()  # the processes and the threads start together
    for thread in threads:
        thread.join(timeout=300)
    for child in children:
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0 and "Traceback" not in err, err
        statuses.append(json.loads(out.strip().splitlines()[-1])["status"])
    assert errors == []
    return statuses


def _landing_order(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(imports.c.file_name).order_by(imports.c.id)).scalars())


def _current(engine: Engine) -> pd.DataFrame:
    frame = repo.load_figures(engine)
    return frame.sort_values(["unit_code", "report_date"], ignore_index=True)


def test_overlapping_imports_at_once_end_as_a_serial_run(
    engine: Engine, serial_engine: Engine, files: list[tuple[str, bytes]], tmp_path: Path
) -> None:
    seed_registry(engine, REGISTRY)
    statuses = _import_all_at_once(engine, files, tmp_path)
    assert statuses == ["imported"] * FILES

    with engine.connect() as conn:
        per_key = conn.execute(
            select(figures.c.unit_code, figures.c.report_date, func.count())
            .where(figures.c.is_current.is_(True))
            .group_by(figures.c.unit_code, figures.c.report_date)
        ).all()
        holders = conn.execute(
            select(figures.c.unit_code, figures.c.report_date, figures.c.import_id).where(
                figures.c.is_current.is_(True)
            )
        ).all()
        latest = conn.execute(
            select(
                figures.c.unit_code, figures.c.report_date, func.max(figures.c.import_id)
            ).group_by(figures.c.unit_code, figures.c.report_date)
        ).all()
        stored = conn.execute(select(func.count()).select_from(figures)).scalar_one()
        accepted = conn.execute(select(func.sum(imports.c.accepted_rows))).scalar_one()
    assert {count for *_, count in per_key} == {1}, "one current row per unit and day"
    assert sorted(holders) == sorted(latest), "the latest import holds every current row"
    assert stored == accepted == FILES * 30, "every accepted row is stored"

    order = _landing_order(engine)
    by_name = dict(files)
    seed_registry(serial_engine, REGISTRY)
    for name in order:
        assert pipeline.import_file(serial_engine, name, by_name[name]).status == "imported"
    pd.testing.assert_frame_equal(_current(engine), _current(serial_engine))
    assert len(_current(engine)) == len({(u, d) for u, d, _ in per_key})
