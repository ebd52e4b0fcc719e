"""The week's findings as a few plain Chinese sentences with exact numbers."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from dashboard.core.catalogue import DEEDS_DONE, PROBLEMS_CLOSED, PROBLEMS_FOUND

__all__ = [
    "change_points",
    "coverage_sentence",
    "day_text",
    "findings",
    "gradient_sentence",
    "lagging_sentence",
    "levels_sentence",
    "number",
    "percent",
    "reminder_text",
    "tied_names",
    "timeliness_clause",
    "totals_sentence",
]


def day_text(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def number(value: float | int | None) -> str:
    """``1,532`` for counts; ``—`` for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{int(round(float(value))):,}"


def percent(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value * 100:.1f}%"


def change_points(now: float | None, before: float | None) -> str:
    """``较上周提高0.5个百分点`` (empty when either side is missing)."""
    if now is None or before is None:
        return ""
    diff = (now - before) * 100
    if abs(diff) < 0.05:
        return "，与上周持平"
    word = "提高" if diff > 0 else "下降"
    return f"，较上周{word}{abs(diff):.1f}个百分点"


def coverage_sentence(day: dt.date, scope_name: str, coverage: dict[str, Any]) -> str:
    text = (
        f"截至{day_text(day)}，{scope_name}应报单位{number(coverage['expected'])}个，"
        f"已报{number(coverage['reported'])}个，报送率{percent(coverage['rate'])}"
    )
    text += change_points(coverage["rate"], coverage.get("previous_rate"))
    return text + timeliness_clause(coverage) + "。"


def timeliness_clause(coverage: dict[str, Any]) -> str:
    """'，按时报送率…' when the week had a 填报 task with a deadline (else '')."""
    if coverage.get("on_time_rate") is None:
        return ""
    text = f"；按期限报送{number(coverage['on_time'])}个，按时报送率{percent(coverage['on_time_rate'])}"
    if coverage.get("late"):
        text += f"，逾期补报{number(coverage['late'])}个"
    if coverage.get("overdue"):
        text += f"，逾期未报{number(coverage['overdue'])}个"
    return text


def totals_sentence(totals: pd.DataFrame, rates: pd.DataFrame) -> str:
    values = dict(zip(totals["code"], totals["value"], strict=True))
    changes = dict(zip(totals["code"], totals["change"], strict=True))
    rate_values = dict(zip(rates["code"], rates["value"], strict=True))

    def val(code: str) -> Any:
        return values.get(code)

    def chg(code: str) -> Any:
        return changes.get(code)

    parts = [
        f"累计检视问题{number(val(PROBLEMS_FOUND))}个，已整改销号{number(val(PROBLEMS_CLOSED))}个",
    ]
    if "closure_rate" in rate_values:
        parts.append(f"问题销号率{percent(_float(rate_values['closure_rate']))}")
    closed_change = chg(PROBLEMS_CLOSED)
    if closed_change is not None and not pd.isna(closed_change):
        parts.append(f"本周新增销号{number(closed_change)}个")
    deeds = val(DEEDS_DONE)
    if deeds is not None and not pd.isna(deeds):
        parts.append(f"累计为民办实事{number(deeds)}件")
    return "，".join(parts) + "。"


def _float(value: Any) -> float | None:
    if value is None or pd.isna(value):
        return None
    return float(value)


def levels_sentence(levels: pd.DataFrame, pattern: str = "") -> str:
    """各层级平均热度…, and the scope's own pattern (``WeekReport.city_pattern``) when any."""
    rows = [
        (name, heat)
        for name, heat in zip(levels["name"], levels["mean_heat"], strict=True)
        if not pd.isna(heat)
    ]
    if not rows:
        return ""
    listed = "、".join(f"{name}{heat:.1f}" for name, heat in rows)
    text = f"各层级平均热度：{listed}"
    if pattern:
        text += f"，整体呈“{pattern}”态势"
    else:
        text += "，未见逐级明显递减"
    return text + "。"


def gradient_sentence(subtrees: pd.DataFrame) -> str:
    """The flagged subtrees, the most heat lost first (the order ``gradient.subtrees`` gives)."""
    if subtrees.empty or "flagged" not in subtrees.columns:
        return ""
    marked = subtrees["flagged"].to_numpy(dtype=bool)
    if not marked.any():
        return f"{len(subtrees)}个下辖系统均未出现热度逐级明显递减。"
    flagged = subtrees[marked]
    fading = flagged[flagged["pattern"] != "整体偏冷"] if "pattern" in flagged else flagged
    cold = flagged[flagged["pattern"] == "整体偏冷"] if "pattern" in flagged else flagged.iloc[:0]
    parts = []
    if len(fading):
        named = "、".join(f"{r.name}（{r.pattern}）" for r in fading.head(5).itertuples())
        more = "等" if len(fading) > 5 else ""
        parts.append(f"{len(fading)}个系统热度逐级递减、传导不足：{named}{more}")
        first = fading.iloc[0]
        if str(first.get("detail", "") or ""):
            parts.append(f"其中{first['name']}{first['detail']}")
    if len(cold):
        named = "、".join(str(n) for n in cold["name"].head(5))
        more = "等" if len(cold) > 5 else ""
        parts.append(f"{len(cold)}个系统各层级热度整体偏冷：{named}{more}")
    return "；".join(parts) + "。"


def tied_names(frame: pd.DataFrame, value: str, fmt: str = "{:.1f}", limit: int = 5) -> str:
    """The first ``limit`` rows by name with their ``value``, ties said as ties:
    ``甲村（热度12.0）、6个单位热度为0.0``.  ``frame`` is already in the order wanted."""
    head = frame.head(limit)
    if head.empty:
        return ""
    values = head[value].map(lambda v: fmt.format(v) if v == v else "—")
    whole = frame[value].map(lambda v: fmt.format(v) if v == v else "—")
    sizes = whole.value_counts()
    parts: list[str] = []
    seen: set[str] = set()
    for name, shown in zip(head["name"], values, strict=True):
        if shown in seen:
            continue
        if sizes[shown] > 1:
            parts.append(f"{sizes[shown]}个单位热度为{shown}")
            seen.add(shown)
        else:
            parts.append(f"{name}（热度{shown}）")
    return "、".join(parts)


def lagging_sentence(lagging: pd.DataFrame, reasons: Sequence[str]) -> str:
    if lagging.empty:
        return "本周无落后单位。"
    counts = dict.fromkeys(reasons, 0)
    for listed_reasons in lagging["reasons"]:
        for reason in counts:
            if reason in listed_reasons:
                counts[reason] += 1
    listed = "、".join(f"{reason}{n}个" for reason, n in counts.items() if n > 0)
    text = f"落后单位{number(len(lagging))}个，其中{listed}"
    if "severity" in lagging.columns and "heat" in lagging.columns and "name" in lagging.columns:
        worst = (
            lagging  # the core's lagging lists come most severe first already
            if lagging["severity"].is_monotonic_decreasing
            else lagging.sort_values("severity", ascending=False, kind="stable")
        )
        text += f"；最需督导的是{tied_names(worst, 'heat', limit=3)}"
    return text + "。"


def findings(
    day: dt.date,
    scope_name: str,
    coverage: dict[str, Any],
    totals: pd.DataFrame,
    rates: pd.DataFrame,
    levels: pd.DataFrame,
    subtrees: pd.DataFrame,
    lagging: pd.DataFrame,
    reasons: Sequence[str],
    city_pattern: str = "",
) -> list[str]:
    sentences = [
        coverage_sentence(day, scope_name, coverage),
        totals_sentence(totals, rates),
        levels_sentence(levels, city_pattern),
        gradient_sentence(subtrees),
        lagging_sentence(lagging, reasons),
    ]
    return [s for s in sentences if s]


def reminder_text(day: dt.date, missing: pd.DataFrame, subtree_names: dict[str, str]) -> str:
    """A 催报 message to paste into a chat group, grouped by subtree.

    ``missing`` rows: name, root_l2 (subtree root code, NaN for the city itself),
    missing_weeks.
    """
    if missing.empty:
        return f"截至{day_text(day)}，各单位均已报送，感谢支持！"
    data = missing.assign(
        group=missing["root_l2"].map(subtree_names).fillna("市本级"),
        label=missing["name"]
        + missing["missing_weeks"].map(lambda n: f"（连续{int(n)}周）" if int(n) > 1 else ""),
    )
    lines = [
        f"【催报】截至{day_text(day)}，以下{len(data):,}个单位尚未报送本周进展统计表，请抓紧报送："
    ]
    for group, rows in data.groupby("group", sort=False):
        lines.append(f"{group}：{'、'.join(rows['label'])}")
    return "\n".join(lines)
