"""Concurrent writers, as separate processes, on SQLite and PostgreSQL.

Each case runs the real CLI in several processes at the same moment and checks that the
final state equals a serial run: one current row per unit and report day, the latest import
holding them, one archived blob per distinct file, and every process answering with exit
code 0 or 1 and (with ``--json``) one valid JSON document — never a traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from dashboard.store import repo
from dashboard.store.schema import blobs, figures, imports, units
from tests.core.test_registry import GOOD, workbook
from tests.ingest.builders import REGISTRY, seed_registry, template_return, xlsx
from tests.ingest.builders import figures as figs

ROOT = Path(__file__).resolve().parents[2]
UNIT_ROWS = [(code, name) for code, name, *_ in REGISTRY]


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _start(args: list[str], url: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.Popen(
        [sys.executable, "-m", "dashboard", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _run_together(commands: list[list[str]], url: str) -> list[tuple[int, str, str]]:
    processes = [_start(args, url) for args in commands]
    out = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=180)
        out.append((process.returncode, stdout.decode(), stderr.decode()))
    return out


def _assert_clean(results: list[tuple[int, str, str]], json_out: bool) -> None:
    for code, stdout, stderr in results:
        assert code in (0, 1), stderr
        assert "Traceback" not in stderr and "Traceback" not in stdout
        if json_out:
            json.loads(stdout)


def _version(tmp_path: Path, name: str, seed: int, resave: int = 0) -> Path:
    rows = template_return([(code, name_, figs(seed)) for code, name_ in UNIT_ROWS])
    if resave:  # the same figures saved again: other bytes
        rows[1] = [f"填报说明：数字为累计数（第{resave}次保存）"]
    path = tmp_path / name
    path.write_bytes(xlsx(rows))
    return path


def _current_per_unit_day(engine: Engine) -> list[int]:
    query = (
        select(func.count())
        .where(figures.c.is_current.is_(True))
        .group_by(figures.c.unit_code, figures.c.report_date)
    )
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(query)]


@pytest.fixture
def empty_db(engine: Engine) -> Engine:
    return engine


@pytest.fixture
def shared_db(empty_db: Engine) -> Engine:
    seed_registry(empty_db)
    return empty_db


def test_four_versions_of_one_week_at_once_leave_one_current_row(shared_db, tmp_path) -> None:
    paths = [
        _version(tmp_path, "原始.xlsx", 0),
        _version(tmp_path, "更正1.xlsx", 3),
        _version(tmp_path, "更正2.xlsx", 5),
        _version(tmp_path, "另存.xlsx", 0, resave=1),
    ]
    seeds = {"原始.xlsx": 0, "更正1.xlsx": 3, "更正2.xlsx": 5, "另存.xlsx": 0}
    results = _run_together([["import", str(p), "--json"] for p in paths], _url(shared_db))
    _assert_clean(results, json_out=True)
    assert _current_per_unit_day(shared_db) == [1] * len(UNIT_ROWS)
    # As in a serial run, the import that landed last holds every current row.
    with shared_db.connect() as conn:
        last = conn.execute(
            select(imports.c.file_name).order_by(imports.c.id.desc()).limit(1)
        ).scalar_one()
        holders = conn.execute(
            select(func.count(func.distinct(figures.c.import_id))).where(
                figures.c.is_current.is_(True)
            )
        ).scalar_one()
    assert holders == 1
    frame = repo.load_figures(shared_db)
    assert len(frame) == len(UNIT_ROWS)
    assert int(frame["problems_found"].sum()) == len(UNIT_ROWS) * figs(seeds[last])[7]


def test_same_file_five_times_at_once_is_stored_once(shared_db, tmp_path) -> None:
    path = _version(tmp_path, "周报.xlsx", 2)
    results = _run_together([["import", str(path), "--json"]] * 5, _url(shared_db))
    _assert_clean(results, json_out=True)
    assert all(code == 0 for code, _, _ in results)
    with shared_db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(blobs)).scalar_one() == 1
        statuses = conn.execute(select(imports.c.status)).scalars().all()
    assert statuses == ["imported"]  # the other four found it and changed nothing
    assert _current_per_unit_day(shared_db) == [1] * len(UNIT_ROWS)


def test_two_registry_imports_at_once_both_answer_cleanly(empty_db, tmp_path) -> None:
    path = tmp_path / "名册.xlsx"
    path.write_bytes(workbook(GOOD))
    results = _run_together([["registry", "import", str(path)]] * 2, _url(empty_db))
    _assert_clean(results, json_out=False)
    assert all(code == 0 for code, _, _ in results), results
    with empty_db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(units)).scalar_one() == len(GOOD)
        assert conn.execute(select(func.count()).select_from(blobs)).scalar_one() == 1
