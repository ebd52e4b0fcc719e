"""Command line: ``python -m dashboard COMMAND``.

The CLI is thin: each command module in ``dashboard.commands`` registers its subcommand,
builds its inputs, calls one core/ingest/export function and turns a known error into a
Chinese message with exit code 1.  argparse reports wrong usage with exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from sqlalchemy.exc import SQLAlchemyError

from dashboard import commands
from dashboard.ingest import formats

__all__ = [
    "CliError",
    "Handler",
    "add_db_option",
    "build_parser",
    "main",
    "problem_line",
    "read_input_file",
    "terminal_text",
]

Handler = Callable[[argparse.Namespace], int]


class CliError(Exception):
    """A bad input the user can fix; the message is shown as-is (Chinese)."""


class _ChineseParser(argparse.ArgumentParser):
    """argparse with Chinese headings and help line."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", help="显示本帮助并退出")

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"用法错误：{message}\n（使用 --help 查看说明）\n")


_CONTROL = {code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0))}
_CONTROL.update({0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"})


def terminal_text(text: object) -> str:
    """Text from a file or the database, safe to print: control characters (CR, LF, ESC…)
    are shown as escapes, so a file name cannot rewrite the terminal or fake a line."""
    return str(text).translate(_CONTROL)


def read_input_file(path: Path) -> bytes:
    """A file named on the command line, refused before it is read when over the size cap."""
    if not path.is_file():
        raise CliError(f"找不到文件“{terminal_text(path)}”，请检查路径是否正确")
    size = path.stat().st_size
    if size > formats.MAX_FILE_BYTES:
        raise CliError(
            f"文件“{terminal_text(path.name)}”过大（{size / 1048576:.1f} MB，上限 "
            f"{formats.MAX_FILE_BYTES // 1048576} MB），未读取、未存档：请只保留周报工作表后重新导入"
        )
    return path.read_bytes()


def problem_line(
    severity: str, sheet: str | None, row: int | None, column: str | None, message: str
) -> str:
    """One problem as the CLI prints it: "[错误] 工作表“周报”，第 5 行，“读书班”列：…"."""
    where = "，".join(
        part
        for part in (
            f"工作表“{terminal_text(sheet)}”" if sheet else "",
            f"第 {row} 行" if row else "",
            f"“{terminal_text(column)}”列" if column else "",
        )
        if part
    )
    level = "错误" if severity == "error" else "提醒"
    return f"[{level}] {where + '：' if where else ''}{terminal_text(message)}"


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="URL",
        default=None,
        help="数据库地址（SQLAlchemy URL），默认取环境变量 DATABASE_URL，再默认 data/dashboard.sqlite3",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _ChineseParser(
        prog="python -m dashboard",
        description="主题教育调度看板命令行工具",
    )
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=_ChineseParser)
    sub.required = True
    for module_info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{module_info.name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except CliError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        print(
            "错误：数据库暂时无法完成这次操作（"
            f"{terminal_text(type(exc).__name__)}），数据未作改动。请稍后重试；"
            "如一再出现，请检查数据库地址（--db / DATABASE_URL）与数据库服务是否正常",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print("已中断", file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into head & co.
        return 0


if __name__ == "__main__":
    sys.exit(main())
