"""``users``: passwords from standard input (never an argument), roles, scope, disable."""

from __future__ import annotations

import io

import pytest

from dashboard.auth import accounts
from dashboard.cli import main
from tests.ingest.builders import seed_registry


def run(args: list[str], monkeypatch, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(args)


def test_add_list_disable_passwd(engine, monkeypatch, capsys) -> None:
    url = str(engine.url)
    seed_registry(engine)
    assert (
        run(
            ["users", "add", "张三", "--role", "admin", "--db", url],
            monkeypatch,
            "long-password-1\n",
        )
        == 0
    )
    assert accounts.verify(engine, "张三", "long-password-1") is not None
    assert (
        run(
            ["users", "add", "李四", "--role", "liaison", "--db", url],
            monkeypatch,
            "long-password-2\n",
        )
        == 1
    )
    assert "须指定所辖单位" in capsys.readouterr().err
    assert (
        run(
            ["users", "add", "李四", "--role", "liaison", "--scope", "9999", "--db", url],
            monkeypatch,
            "long-password-2\n",
        )
        == 1
    )
    assert "不在单位名册中" in capsys.readouterr().err
    assert (
        run(
            ["users", "add", "李四", "--role", "liaison", "--scope", "0101", "--db", url],
            monkeypatch,
            "long-password-2\n",
        )
        == 0
    )
    assert (
        run(
            ["users", "add", "王五", "--role", "viewer", "--scope", "0101", "--db", url],
            monkeypatch,
            "short\n",
        )
        == 1
    )
    assert "至少" in capsys.readouterr().err
    capsys.readouterr()
    assert run(["users", "list", "--db", url], monkeypatch) == 0
    listed = capsys.readouterr().out
    assert "张三\tadmin" in listed and "李四\tliaison\t0101" in listed
    assert run(["users", "disable", "李四", "--db", url], monkeypatch) == 0
    assert accounts.verify(engine, "李四", "long-password-2") is None
    assert run(["users", "passwd", "张三", "--db", url], monkeypatch, "new-password-99\n") == 0
    assert accounts.verify(engine, "张三", "new-password-99") is not None
    assert run(["users", "sessions", "--db", url], monkeypatch) == 0


def test_password_is_never_an_argument() -> None:
    with pytest.raises(SystemExit):
        main(["users", "add", "x", "--role", "admin", "--password", "secret-secret"])
