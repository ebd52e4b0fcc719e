"""The ready-to-paste Chinese 催报 message of one liaison group."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dashboard.navigation import url_path
from dashboard.remind.pending import LiaisonGroup

__all__ = ["FILL_PAGE", "LISTED_UNITS", "Context", "compose", "subject"]

LISTED_UNITS = 30  # a message names at most this many units, then says how many more
FILL_PAGE = url_path("fill.py")  # the 填报 page's path under the board's address


@dataclass(frozen=True)
class Context:
    """What every message of one week says."""

    campaign: str
    office: str
    report_date: dt.date
    deadline: dt.datetime  # local time of the office
    board_url: str
    now: dt.datetime  # local time


def compose(group: LiaisonGroup, ctx: Context, max_bytes: int | None = None) -> str:
    """The message; with ``max_bytes`` (a robot's limit, UTF-8) fewer units are named, the
    rest counted, until it fits."""
    listed = LISTED_UNITS
    text = _compose(group, ctx, listed)
    while max_bytes is not None and len(text.encode("utf-8")) > max_bytes and listed > 1:
        listed = max(1, listed // 2 if listed > 8 else listed - 1)
        text = _compose(group, ctx, listed)
    return text


def _compose(group: LiaisonGroup, ctx: Context, listed: int) -> str:
    greeting = f"{group.contact_name}同志：" if group.contact_name else "各位联络人："
    count = len(group.units)
    lines = [
        f"【催报】{ctx.campaign}",
        f"{greeting}截至{_moment(ctx.now)}，以下{count}个单位尚未报送"
        f"{ctx.report_date.month}月{ctx.report_date.day}日（统计截止日）的周报：",
    ]
    for number, ((_code, name), via) in enumerate(
        zip(group.units[:listed], group.via[:listed], strict=True), 1
    ):
        lines.append(f"{number}. {name}" + (f"（由{via}联络人代报）" if via else ""))
    if count > listed:
        lines.append(f"……另有{count - listed}个单位，详见看板。")
    if ctx.now >= ctx.deadline:
        lines.append(f"报送截止时间{_moment(ctx.deadline)}已过，请尽快补报。")
    else:
        lines.append(f"请于{_moment(ctx.deadline)}前完成报送。")
    if ctx.board_url:
        lines.append(f"填报地址：{ctx.board_url.rstrip('/')}/{FILL_PAGE}")
    if not group.registered:
        lines.append("（以上单位未在单位名册登记联络人，请补充联络人和联系电话。）")
    lines.append(ctx.office)
    return "\n".join(lines)


def subject(ctx: Context) -> str:
    return f"【催报】{ctx.report_date.month}月{ctx.report_date.day}日周报尚未报送"


def _moment(moment: dt.datetime) -> str:
    return f"{moment.month}月{moment.day}日{moment:%H:%M}"
