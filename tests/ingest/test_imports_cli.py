"""``imports list|undo|reinstate``, the size cap before archiving, and safe terminal output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from dashboard.cli import main, terminal_text
from dashboard.ingest import formats
from dashboard.store import repo
from dashboard.store.schema import blobs, imports
from tests.ingest.builders import figures as figs
from tests.ingest.builders import seed_registry, template_return, xlsx


@pytest.fixture
def setup(engine: Engine, tmp_path: Path) -> tuple[Engine, str, Path, Path]:
    seed_registry(engine)
    first = tmp_path / "原始.xlsx"
    first.write_bytes(xlsx(template_return([("0101", "东城县", figs(1))])))
    fixed = tmp_path / "更正.xlsx"
    fixed.write_bytes(xlsx(template_return([("0101", "东城县", figs(4))])))
    return engine, str(engine.url), first, fixed


def _found(engine: Engine) -> int:
    return int(repo.load_figures(engine).set_index("unit_code").loc["0101", "problems_found"])


def test_list_undo_and_reinstate(setup, capsys) -> None:
    engine, url, first, fixed = setup
    assert main(["import", str(first), "--db", url]) == 0
    assert main(["import", str(fixed), "--db", url]) == 0
    assert _found(engine) == figs(4)[7]
    capsys.readouterr()
    assert main(["import", str(first), "--db", url]) == 0  # the earlier version again
    out = capsys.readouterr().out
    assert "早先的版本" in out and "imports reinstate 1" in out
    assert main(["imports", "reinstate", "1", "--db", url]) == 0
    assert _found(engine) == figs(1)[7]
    assert "已以 #1 为准" in capsys.readouterr().out
    assert main(["imports", "list", "--db", url, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["imports"]
    assert [r["id"] for r in listed] == [2, 1] and listed[0]["status"] == "imported"
    assert main(["imports", "undo", "1", "--db", url]) == 0
    assert _found(engine) == figs(4)[7]  # the correction comes back
    assert main(["imports", "undo", "1", "--db", url]) == 1  # already undone: a clear refusal
    assert "只有“已入库”" in capsys.readouterr().err
    assert main(["imports", "undo", "99", "--db", url]) == 1


def test_a_file_over_the_cap_is_refused_before_it_is_archived(setup, monkeypatch, capsys) -> None:
    engine, url, first, _ = setup
    monkeypatch.setattr(formats, "MAX_FILE_BYTES", 100)
    assert main(["import", str(first), "--db", url, "--json"]) == 1
    assert "过大" in capsys.readouterr().err
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(blobs)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(imports)).scalar_one() == 0


def test_control_characters_from_files_are_escaped_on_the_terminal(setup, capsys) -> None:
    _, url, _, _ = setup
    assert terminal_text("a\x1b[31mb\r\nc\x07") == "a\\x1b[31mb\\r\\nc\\x07"
    odd = setup[2].with_name("恶意\x1b[2J\r名.xlsx")
    odd.write_bytes(b"junk")
    assert main(["import", str(odd), "--db", url]) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\r" not in out and "\\x1b[2J\\r" in out


def test_a_database_failure_is_the_files_answer_and_the_json_stays_whole(
    setup, monkeypatch, capsys
) -> None:
    from sqlalchemy.exc import OperationalError

    from dashboard.store import returns_repo

    _, url, first, _ = setup

    def broken(*_args, **_kwargs):
        raise OperationalError("INSERT", {}, Exception("deadlock detected"))

    monkeypatch.setattr(returns_repo, "save_upload", broken)
    assert main(["import", str(first), "--db", url, "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["files"][0]["status"] == "rejected"
    assert document["files"][0]["problems"][0]["code"] == "storage_failed"
