"""``users add|set|list|disable|enable|passwd|sessions``: the board's accounts.

The CLI is for whoever can read the database (the server's administrator): it needs no
sign-in. Passwords are read from a prompt, or from standard input when it is not a
terminal — never from the command line, where other users of the machine could see them.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from dashboard.auth import accounts, audit, sessions
from dashboard.cli import CliError, add_db_option, terminal_text
from dashboard.store import db

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "users",
        help="管理看板账号：添加、列出、停用、改密码、查看或注销登录会话",
        description=(
            "看板账号。建立第一个账号后，看板只对已登录的用户开放；没有任何账号时只允许本机访问。"
            "密码从提示输入（或从标准输入读取），不写在命令行上。"
        ),
    )
    actions = parser.add_subparsers(dest="action", metavar="操作")
    actions.required = True
    add = actions.add_parser("add", help="添加账号")
    add.add_argument("name", metavar="NAME", help="用户名（不含空格）")
    add.add_argument("--role", required=True, choices=list(accounts.ROLES), help="角色")
    add.add_argument(
        "--scope", metavar="UNIT_CODE", default=None, help="所辖单位编码（联络员、只读账号必填）"
    )
    _identity_options(add)
    add.add_argument(
        "--no-password",
        action="store_true",
        help="不设密码：只能通过单点登录（须有 --email 或 --subject）或受信任代理登录",
    )
    add_db_option(add)
    add.set_defaults(handler=_add)
    change = actions.add_parser(
        "set", help="修改账号的角色、所辖单位、电子邮箱、单点登录标识或填报方式"
    )
    change.add_argument("name", metavar="NAME", help="用户名")
    change.add_argument("--role", default=None, choices=list(accounts.ROLES), help="角色")
    change.add_argument(
        "--scope", metavar="UNIT_CODE", default=None, help="所辖单位编码；空字符串表示全部单位"
    )
    _identity_options(change, blank_clears=True)
    add_db_option(change)
    change.set_defaults(handler=_set)
    listing = actions.add_parser("list", help="列出账号")
    add_db_option(listing)
    listing.set_defaults(handler=_list)
    for action, text in (("disable", "停用账号（立即结束其全部会话）"), ("enable", "重新启用账号")):
        one = actions.add_parser(action, help=text)
        one.add_argument("name", metavar="NAME", help="用户名")
        add_db_option(one)
        one.set_defaults(handler=_disable if action == "disable" else _enable)
    passwd = actions.add_parser("passwd", help="修改密码（立即结束其全部会话）")
    passwd.add_argument("name", metavar="NAME", help="用户名")
    add_db_option(passwd)
    passwd.set_defaults(handler=_passwd)
    listed = actions.add_parser("sessions", help="列出登录会话；--revoke NAME 注销某人的全部会话")
    listed.add_argument("--revoke", metavar="NAME", default=None, help="注销该用户的全部会话")
    add_db_option(listed)
    listed.set_defaults(handler=_sessions)


def _identity_options(parser: argparse.ArgumentParser, blank_clears: bool = False) -> None:
    clears = "；空字符串表示清除" if blank_clears else ""
    parser.add_argument(
        "--email", metavar="ADDRESS", default=None, help=f"电子邮箱（单点登录时据此认人）{clears}"
    )
    parser.add_argument(
        "--subject",
        metavar="SUB",
        default=None,
        help=f"单点登录（OIDC）返回的用户标识 sub，比邮箱更稳定{clears}",
    )
    parser.add_argument(
        "--entry-mode",
        default=None,
        choices=list(accounts.ENTRY_MODES),
        help="在线填报方式：subtree 为所辖范围内各单位填报（默认），self 只为本单位填报",
    )


def _password(confirm: bool = True) -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("密码：")
    if confirm and getpass.getpass("再输入一次：") != first:
        raise CliError("两次输入的密码不一致")
    return first


def _add(args: argparse.Namespace) -> int:
    engine = db.connect(args.db)
    try:
        user = accounts.add_user(
            engine,
            args.name,
            args.role,
            None if args.no_password else _password(),
            args.scope,
            email=args.email,
            oidc_subject=args.subject,
            entry_mode=args.entry_mode or "subtree",
        )
    except accounts.AccountError as exc:
        raise CliError(str(exc)) from None
    audit.record(
        engine,
        "user",
        user="命令行",
        detail={
            "added": user.name,
            "role": user.role,
            "scope": user.scope_code,
            "email": user.email,
            "oidc_subject": user.oidc_subject,
            "entry_mode": user.entry_mode,
        },
    )
    scope = f"，所辖单位 {user.scope_code}" if user.scope_code else ""
    print(f"已添加账号 {terminal_text(user.name)}（{accounts.ROLES[user.role]}{scope}）")
    return 0


def _set(args: argparse.Namespace) -> int:
    """Change only the options given; a blank --scope/--email/--subject clears it."""
    options = (args.role, args.scope, args.email, args.subject, args.entry_mode)
    if all(value is None for value in options):
        raise CliError(
            "没有要修改的内容：请给出 --role、--scope、--email、--subject 或 --entry-mode"
        )
    engine = db.connect(args.db)
    try:
        user, changed = accounts.update_user(
            engine,
            args.name,
            role=_given(args.role),
            scope_code=_given(args.scope),
            email=_given(args.email),
            oidc_subject=_given(args.subject),
            entry_mode=_given(args.entry_mode),
        )
    except accounts.AccountError as exc:
        raise CliError(str(exc)) from None
    if changed:
        audit.record(engine, "user", user="命令行", detail={"changed": user.name, **changed})
        what = "、".join(_FIELD_NAMES[key] for key in changed)
        print(f"已修改 {terminal_text(user.name)} 的{what}（下次操作即生效）")
    else:
        print(f"{terminal_text(user.name)} 没有变化")
    return 0


def _given(value: str | None) -> str | accounts.Unset:
    return accounts.UNSET if value is None else value


_FIELD_NAMES = {
    "role": "角色",
    "scope_code": "所辖单位",
    "email": "电子邮箱",
    "oidc_subject": "单点登录标识",
    "entry_mode": "填报方式",
}


def _list(args: argparse.Namespace) -> int:
    users = accounts.list_users(db.connect(args.db))
    if not users:
        print("尚无账号：看板处于单机模式，只允许本机访问")
    for user in users:
        state = "已停用" if user.disabled else "正常"
        scope = user.scope_code or "全部单位"
        email = terminal_text(user.email or "-")
        print(
            f"{terminal_text(user.name)}\t{user.role}\t{scope}\t{state}\t{email}\t{user.entry_mode}"
        )
    return 0


def _disable(args: argparse.Namespace) -> int:
    return _set_disabled(args, True)


def _enable(args: argparse.Namespace) -> int:
    return _set_disabled(args, False)


def _set_disabled(args: argparse.Namespace, disabled: bool) -> int:
    """Disable (ending every session at once) or enable an account."""
    engine = db.connect(args.db)
    try:
        accounts.set_disabled(engine, args.name, disabled)
    except accounts.AccountError as exc:
        raise CliError(str(exc)) from None
    name = terminal_text(args.name)
    if disabled:
        ended = sessions.revoke_user(engine, args.name)
        audit.record(engine, "user", user="命令行", detail={"disabled": args.name})
        print(f"已停用 {name}，结束会话 {ended} 个")
    else:
        audit.record(engine, "user", user="命令行", detail={"enabled": args.name})
        print(f"已重新启用 {name}")
    return 0


def _passwd(args: argparse.Namespace) -> int:
    engine = db.connect(args.db)
    try:
        accounts.set_password(engine, args.name, _password())
    except accounts.AccountError as exc:
        raise CliError(str(exc)) from None
    ended = sessions.revoke_user(engine, args.name)
    audit.record(engine, "user", user="命令行", detail={"password_changed": args.name})
    print(f"已修改 {terminal_text(args.name)} 的密码，结束会话 {ended} 个")
    return 0


def _sessions(args: argparse.Namespace) -> int:
    engine = db.connect(args.db)
    if args.revoke:
        ended = sessions.revoke_user(engine, args.revoke)
        audit.record(engine, "user", user="命令行", detail={"sessions_revoked": args.revoke})
        print(f"已注销 {terminal_text(args.revoke)} 的会话 {ended} 个")
        return 0
    rows = sessions.open_sessions(engine)
    if not rows:
        print("没有未结束的登录会话")
    for name, started, seen, address in rows:
        print(f"{terminal_text(name)}\t登录 {started:%Y-%m-%d %H:%M}\t最近 {seen:%H:%M}\t{address}")
    return 0
