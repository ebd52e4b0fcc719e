"""``settings show`` and ``settings set KEY VALUE``."""

from __future__ import annotations

import argparse
import json

from dashboard.cli import CliError, add_db_option
from dashboard.core import settings as settings_def
from dashboard.store import db, repo

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("settings", help="查看或修改活动设置", description="查看或修改活动设置")
    actions = parser.add_subparsers(dest="action", metavar="操作")
    actions.required = True
    show = actions.add_parser(
        "show", help="列出全部设置及当前值", description="列出全部设置及当前值"
    )
    add_db_option(show)
    show.set_defaults(handler=_show)
    setp = actions.add_parser(
        "set",
        help="修改一项设置",
        description="修改一项设置，例如 settings set end_date 2024-01-31",
    )
    setp.add_argument("key", help="设置项名称（见 settings show）")
    setp.add_argument("value", help="新的值")
    add_db_option(setp)
    setp.set_defaults(handler=_set)


def _show(args: argparse.Namespace) -> int:
    engine = db.connect(args.db)
    values = repo.get_settings(engine)
    for item in (*settings_def.SETTINGS, *settings_def.DATA_SETTINGS):
        shown = values[item.key]
        if item.kind == "secret":  # never printed: only whether one is stored
            shown = "（已设置）" if shown else "（未设置）"
        print(f"{item.key}\t{item.label}\t{json.dumps(shown, ensure_ascii=False)}")
    return 0


def _set(args: argparse.Namespace) -> int:
    try:
        value = settings_def.parse_value(args.key, args.value)
    except settings_def.SettingError as exc:
        raise CliError(str(exc)) from None
    engine = db.connect(args.db)
    repo.set_settings(engine, {args.key: value})
    item = settings_def.setting(args.key)
    shown = "（已保存，不显示）" if item.kind == "secret" else json.dumps(value, ensure_ascii=False)
    print(f"已设置 {item.label}（{args.key}）= {shown}")
    return 0
