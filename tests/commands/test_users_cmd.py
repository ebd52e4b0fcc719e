"""``users``: passwords from standard input (never an argument), roles, scope, disable."""

from __future__ import annotations

import io

import pytest

from dashboard.auth import accounts, audit
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


@pytest.mark.parametrize("any_engine", ["sqlite", "postgresql"], indirect=True)
def test_set_email_subject_entry_mode_and_scope(any_engine, monkeypatch, capsys) -> None:
    url = any_engine.url.render_as_string(hide_password=False)
    seed_registry(any_engine)
    assert (
        run(
            [
                "users",
                "add",
                "赵六",
                "--role",
                "liaison",
                "--scope",
                "0101",
                "--entry-mode",
                "self",
                "--email",
                " Zhao@Example.org ",
                "--db",
                url,
            ],
            monkeypatch,
            "long-password-6\n",
        )
        == 0
    )
    user = accounts.find_user(any_engine, "赵六")
    assert user is not None
    assert (user.email, user.entry_mode) == ("zhao@example.org", "self")
    assert (
        run(
            ["users", "set", "赵六", "--subject", "sub-77", "--entry-mode", "subtree", "--db", url],
            monkeypatch,
        )
        == 0
    )
    user = accounts.find_user(any_engine, "赵六")
    assert user is not None and (user.oidc_subject, user.entry_mode) == ("sub-77", "subtree")
    assert "单点登录标识" in capsys.readouterr().out
    # the same subject or e-mail cannot name two accounts
    assert (
        run(
            [
                "users",
                "add",
                "钱七",
                "--role",
                "office",
                "--no-password",
                "--subject",
                "sub-77",
                "--db",
                url,
            ],
            monkeypatch,
        )
        == 1
    )
    assert "已属于用户“赵六”" in capsys.readouterr().err
    assert (
        run(
            [
                "users",
                "add",
                "钱七",
                "--role",
                "office",
                "--no-password",
                "--email",
                "ZHAO@example.org",
                "--db",
                url,
            ],
            monkeypatch,
        )
        == 1
    )
    # an account without a password needs an identity to sign in with, and has no password
    assert (
        run(["users", "add", "钱七", "--role", "office", "--no-password", "--db", url], monkeypatch)
        == 1
    )
    assert "--email 或 --subject" in capsys.readouterr().err
    assert (
        run(
            [
                "users",
                "add",
                "钱七",
                "--role",
                "office",
                "--no-password",
                "--email",
                "qian@example.org",
                "--db",
                url,
            ],
            monkeypatch,
        )
        == 0
    )
    assert accounts.verify(any_engine, "钱七", "") is None
    # scope: a liaison cannot lose it, must stay inside the registry; blank clears an e-mail
    assert run(["users", "set", "赵六", "--scope", "", "--db", url], monkeypatch) == 1
    assert run(["users", "set", "赵六", "--scope", "9999", "--db", url], monkeypatch) == 1
    assert (
        run(["users", "set", "赵六", "--scope", "0102", "--email", "", "--db", url], monkeypatch)
        == 0
    )
    user = accounts.find_user(any_engine, "赵六")
    assert user is not None and (user.scope_code, user.email) == ("0102", None)
    assert run(["users", "set", "赵六", "--email", "not-an-address", "--db", url], monkeypatch) == 1
    assert run(["users", "set", "赵六", "--db", url], monkeypatch) == 1
    assert run(["users", "set", "无此人", "--entry-mode", "self", "--db", url], monkeypatch) == 1
    capsys.readouterr()
    assert run(["users", "list", "--db", url], monkeypatch) == 0
    assert "赵六\tliaison\t0102\t正常\t-\tsubtree" in capsys.readouterr().out
    changes = audit.entries(any_engine)
    assert any("sub-77" in str(detail) for detail in changes["detail"])
