"""One Chinese form widget per setting, chosen by the setting's declared kind.

``dashboard.core.settings`` declares every setting (key, label, kind, default, help,
options); the 设置 page loops over the declaration and calls ``draw`` for each, so a setting
added there appears on the page with a fitting widget without editing the page:
dates get a date picker, the report day a weekday list, shares and scores a slider, lists an
editable table, choices a checkbox each, weights a slider each.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.core import settings as settings_def
from dashboard.core.settings import Setting

__all__ = [
    "DRAWERS",
    "KEY_COLUMN",
    "LEVEL_COLUMN",
    "LIST_COLUMN",
    "VALUE_COLUMN",
    "WEEKDAYS",
    "draw",
    "groups",
    "key_for",
    "list_from_table",
    "mapping_from_table",
    "targets_from_table",
]

WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
LIST_COLUMN = "内容"
KEY_COLUMN = "项目"
VALUE_COLUMN = "值"


def key_for(item: Setting, part: str = "", prefix: str = "settings") -> str:
    """The widget key of ``item`` (``settings_<key>``, or ``settings_<key>_<option>``)."""
    return f"{prefix}_{item.key}" + (f"_{part}" if part else "")


def groups() -> list[tuple[str, list[Setting]]]:
    """The declared settings by group, groups in the order they first appear."""
    out: dict[str, list[Setting]] = {}
    for item in settings_def.SETTINGS:
        out.setdefault(item.group, []).append(item)
    return list(out.items())


def draw(item: Setting, value: Any, prefix: str = "settings") -> Any:
    """Draw ``item``'s widget(s) holding ``value``; return what the user entered, typed
    (or, for a ``json`` setting shown as text, the text for ``parse_value``).  ``prefix``
    keeps the keys of another page's copy of a widget apart."""
    if prefix != "settings":
        item = replace(item, key=f"{prefix}__{item.key}")
    return DRAWERS.get(item.kind, _json)(item, value)


def _text(item: Setting, value: Any) -> Any:
    return st.text_input(item.label, value=str(value or ""), help=item.help, key=key_for(item))


def _secret(item: Setting, value: Any) -> Any:
    """A password box that never sends the stored secret to the browser: left empty, the
    stored value stays; ticking 清除 removes it."""
    typed = st.text_input(
        item.label,
        value="",
        type="password",
        placeholder="已保存，留空则不变" if value else "未设置",
        help=item.help,
        key=key_for(item),
    )
    if value and st.checkbox(f"清除已保存的{item.label}", key=key_for(item, "clear")):
        return ""
    return typed.strip() or value or ""


def _date(item: Setting, value: Any) -> Any:
    chosen = st.date_input(
        item.label,
        value=_as_date(value) or dt.date.today(),
        format="YYYY-MM-DD",
        help=item.help,
        key=key_for(item),
    )
    return chosen.isoformat() if isinstance(chosen, dt.date) else ""


def _optional_date(item: Setting, value: Any) -> Any:
    chosen = st.date_input(
        item.label,
        value=_as_date(value),
        format="YYYY-MM-DD",
        help=(item.help + "。清空此框即为不设置").lstrip("。"),
        key=key_for(item),
    )
    return chosen.isoformat() if isinstance(chosen, dt.date) else ""


def _int(item: Setting, value: Any) -> Any:
    return int(
        st.number_input(
            item.label, value=int(value), min_value=0, step=1, help=item.help, key=key_for(item)
        )
    )


def _float(item: Setting, value: Any) -> Any:
    return float(st.number_input(item.label, value=float(value), help=item.help, key=key_for(item)))


def _weekday(item: Setting, value: Any) -> Any:
    index = int(value) - 1 if str(value).isdigit() and 1 <= int(value) <= 7 else 4
    return st.selectbox(
        item.label,
        range(1, 8),
        index=index,
        format_func=lambda day: WEEKDAYS[day - 1],
        help=item.help,
        key=key_for(item),
    )


def _share(item: Setting, value: Any) -> Any:
    percent = st.slider(
        item.label,
        min_value=0.0,
        max_value=100.0,
        value=round(float(value) * 100, 4),  # a value typed on the CLI (12.5%) stays as it is
        step=1.0,
        format="%g%%",
        help=item.help,
        key=key_for(item),
    )
    return round(float(percent) / 100, 6)


def _score(item: Setting, value: Any) -> Any:
    return float(
        st.slider(
            item.label,
            min_value=0.0,
            max_value=100.0,
            value=float(value),
            step=1.0,
            format="%.0f 分",
            help=item.help,
            key=key_for(item),
        )
    )


def _list(item: Setting, value: Any) -> Any:
    frame = pd.DataFrame({LIST_COLUMN: [str(v) for v in (value or [])]}, dtype="str")
    edited = st.data_editor(
        frame,
        num_rows="dynamic",
        hide_index=True,
        column_config={LIST_COLUMN: st.column_config.TextColumn(item.label, help=item.help)},
        key=key_for(item),
    )
    st.caption(f"{item.label}：{item.help}。可直接修改、在末行添加，或选中行后删除。")
    return list_from_table(edited)


def list_from_table(frame: pd.DataFrame) -> list[str]:
    """The non-empty texts of an edited one-column table, in order."""
    if frame.empty:
        return []
    column = frame.iloc[:, 0]
    return [str(v).strip() for v in column if not pd.isna(v) and str(v).strip()]


def _heading(item: Setting) -> None:
    st.markdown(f"**{item.label}**", help=item.help)


def _choices(item: Setting, value: Any) -> Any:
    _heading(item)
    chosen = set(value or [])
    columns = st.columns(max(len(item.options), 1))
    picked = [
        code
        for (code, label), column in zip(item.options, columns, strict=False)
        if column.checkbox(label, value=code in chosen, key=key_for(item, code))
    ]
    return picked


def _choice(item: Setting, value: Any) -> Any:
    codes = [code for code, _label in item.options]
    labels = dict(item.options)
    return st.selectbox(
        item.label,
        codes,
        index=codes.index(value) if value in codes else 0,
        format_func=lambda code: labels[code],
        help=item.help,
        key=key_for(item),
    )


def _weights(item: Setting, value: Any) -> Any:
    _heading(item)
    current = value if isinstance(value, dict) else {}
    total = sum(max(float(w), 0.0) for w in current.values()) or 1.0
    shares = "、".join(
        f"{label} {max(float(current.get(code, 0)), 0.0) / total:.0%}"
        for code, label in item.options
    )
    st.caption(f"当前各项折合比例：{shares}")
    columns = st.columns(max(len(item.options), 1))
    return {
        code: float(
            column.slider(
                label,
                min_value=0.0,
                max_value=1.0,
                value=float(current.get(code, 0.0)),
                step=0.05,
                format="%.2f",
                key=key_for(item, code),
            )
        )
        for (code, label), column in zip(item.options, columns, strict=False)
    }


def _json(item: Setting, value: Any) -> Any:
    """A flat mapping as a two-column table, a flat list as a one-column table; only other
    shapes fall back to text (parsed by ``parse_value``)."""
    if isinstance(value, dict) and all(not isinstance(v, dict | list) for v in value.values()):
        frame = pd.DataFrame(
            {KEY_COLUMN: list(map(str, value)), VALUE_COLUMN: [str(v) for v in value.values()]},
            dtype="str",
        )
        edited = st.data_editor(
            frame,
            num_rows="dynamic",
            hide_index=True,
            key=key_for(item),
        )
        st.caption(f"{item.label}：{item.help}")
        return mapping_from_table(edited)
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        return _list(item, value)
    return st.text_area(
        item.label,
        value=json.dumps(value, ensure_ascii=False, indent=1),
        help=f"{item.help}（JSON 格式）",
        key=key_for(item),
    )


def _targets(item: Setting, value: Any) -> Any:
    """Levels × indicators: one row per level name, one column per indicator, blank = none."""
    from dashboard.core.catalogue import INDICATORS
    from dashboard.ui import state

    names = [str(n) for n in state.settings().get("level_names") or []]
    current = value if isinstance(value, dict) else {}
    rows = list(dict.fromkeys([*names, *(_level_key(k, names) for k in current)]))
    frame = pd.DataFrame(
        {
            f"{ind.label}（{ind.unit}）": [
                _target_value(current, row, names, ind.code) for row in rows
            ]
            for ind in INDICATORS
        },
        index=pd.Index(rows, name=LEVEL_COLUMN),
        dtype="Float64",
    )
    _heading(item)
    edited = st.data_editor(frame, key=key_for(item), placeholder="")
    st.caption("每行一个层级，每列一项指标的目标累计数；不设目标的格子留空。")
    return targets_from_table(edited, {f"{i.label}（{i.unit}）": i.code for i in INDICATORS})


LEVEL_COLUMN = "层级"


def _level_key(key: object, names: list[str]) -> str:
    """A stored level key (name, or 1-based number) as the level's name."""
    text = str(key)
    if text.isdigit() and 1 <= int(text) <= len(names):
        return names[int(text) - 1]
    return text


def _target_value(current: dict, row: str, names: list[str], code: str) -> float | None:
    for key, targets in current.items():
        if _level_key(key, names) == row and isinstance(targets, dict) and code in targets:
            return float(targets[code])
    return None


def targets_from_table(frame: pd.DataFrame, codes: dict[str, str]) -> dict[str, dict[str, float]]:
    """An edited levels × indicators table as {level name: {indicator code: target}}."""
    out: dict[str, dict[str, float]] = {}
    for level, row in frame.iterrows():
        chosen = {
            codes[column]: float(v)
            for column, v in row.items()
            if column in codes and not pd.isna(v) and float(v) >= 0
        }
        if chosen:
            out[str(level)] = chosen
    return out


def mapping_from_table(frame: pd.DataFrame) -> dict[str, Any]:
    """An edited 项目/值 table as a mapping; numbers stay numbers."""
    out: dict[str, Any] = {}
    for key, raw in zip(frame[KEY_COLUMN], frame[VALUE_COLUMN], strict=True):
        if pd.isna(key) or not str(key).strip():
            continue
        text = "" if pd.isna(raw) else str(raw).strip()
        try:
            out[str(key).strip()] = json.loads(text) if text else ""
        except json.JSONDecodeError:
            out[str(key).strip()] = text
    return out


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


DRAWERS: dict[str, Callable[[Setting, Any], Any]] = {
    "text": _text,
    "date": _date,
    "optional_date": _optional_date,
    "int": _int,
    "float": _float,
    "weekday": _weekday,
    "share": _share,
    "score": _score,
    "list": _list,
    "choices": _choices,
    "choice": _choice,
    "weights": _weights,
    "targets": _targets,
    "json": _json,
    "secret": _secret,
}
