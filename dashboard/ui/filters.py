"""The board pages' shared filters: subtree (scope), level, category and peer pools.

The week is picked in the sidebar (``state.selected_report_date``).  The filter choices are
shared by every board page (keys prefixed ``board_``, each kept under a key of its own since
Streamlit drops a widget's value with its page), so moving from 排名 to 落后单位 keeps them.
Subtree changes the report's scope (cached per scope); level and category only cut the rows
shown.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.core.settings import level_name
from dashboard.ui import state

__all__ = [
    "ALL",
    "CATEGORY_KEY",
    "LEVEL_KEY",
    "POOL_KEY",
    "SCOPE_KEY",
    "UNIT_DETAIL_KEY",
    "Filters",
    "board_filters",
    "no_data",
    "open_unit",
    "unit_picker",
    "whole_label",
]

SCOPE_KEY = "board_scope"
LEVEL_KEY = "board_levels"
CATEGORY_KEY = "board_categories"
POOL_KEY = "board_by_category"
UNIT_DETAIL_KEY = "unit_detail_code"
ALL = "__all__"


@dataclass(frozen=True)
class Filters:
    scope: str | None
    levels: tuple[int, ...]
    categories: tuple[str, ...]
    by_category: bool

    def apply(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Rows of a unit table (columns level, category) that pass the level/category filters."""
        mask = pd.Series(True, index=frame.index)
        if self.levels and "level" in frame.columns:
            mask &= frame["level"].isin(self.levels)
        if self.categories and "category" in frame.columns:
            mask &= frame["category"].isin(self.categories)
        return frame[mask]

    def describe(self) -> str:
        parts = []
        if self.levels:
            parts.append("层级筛选")
        if self.categories:
            parts.append("类别：" + "、".join(self.categories))
        return "；".join(parts)


def whole_label() -> str:
    """What "every unit" means to this viewer: 全市, or for a scoped account its own units."""
    viewer = st.session_state.get("viewer")
    return "所辖全部单位" if viewer is not None and viewer.scope_code else "全市"


@dataclass(frozen=True)
class _Choices:
    scope_options: list[str]
    labels: dict[str, str]
    levels: list[int]
    level_labels: dict[int, str]
    categories: list[str]


_CHOICES: OrderedDict[Hashable, _Choices] = OrderedDict()
_CHOICES_LOCK = threading.Lock()


def _choices() -> _Choices:
    """What the filter row offers: the same for every rerun of a registry, settings and
    viewer's subtree, so made once per process for them (read only)."""
    viewer = st.session_state.get("viewer")
    key = (
        state.url(),
        state.registry_version(),
        viewer.scope_code if viewer is not None else None,
    )
    with _CHOICES_LOCK:
        hit = _CHOICES.get(key)
    if hit is not None:
        return hit
    units = state.units()
    settings = state.typed_settings()
    names = list(settings.get("level_names") or [])
    labels = dict(state.scopes())
    levels = sorted(int(v) for v in units["level"].unique())
    present = {str(v) for v in units["category"].dropna().unique()}
    listed = [str(c) for c in settings.get("categories") or []]
    made = _Choices(
        scope_options=[ALL, *labels],
        labels=labels,
        levels=levels,
        level_labels={lv: level_name(lv, names) for lv in levels},
        # the office's own order (设置 → 单位类别), then any category not (yet) in its list
        categories=[c for c in listed if c in present] + sorted(present - set(listed)),
    )
    with _CHOICES_LOCK:
        _CHOICES[key] = made
        while len(_CHOICES) > 32:
            _CHOICES.popitem(last=False)
    return made


_KEPT = {key: f"kept_{key}" for key in (SCOPE_KEY, LEVEL_KEY, CATEGORY_KEY, POOL_KEY)}


def _load_kept(key: str, valid: Callable[[Any], Any] = lambda value: value) -> None:
    """Give the widget of ``key`` the choice kept for it: Streamlit drops a widget's value
    with its page, so the filter row's choices live under keys of their own and follow the
    user from one board page to the next."""
    kept = _KEPT[key]
    if kept in st.session_state:
        st.session_state[key] = valid(st.session_state[kept])


def _keep(key: str) -> Callable[[], None]:
    """The widget's on_change: runs before the page, so the new choice is what is loaded."""

    def keep() -> None:
        st.session_state[_KEPT[key]] = st.session_state.get(key)

    return keep


def board_filters(show_pool_toggle: bool = False) -> Filters:
    """Draw the filter row at the top of a board page and return the choices (the same on
    every board page until changed)."""
    choices = _choices()
    labels = choices.labels
    whole = whole_label()
    scope_options = choices.scope_options
    levels = choices.levels
    categories = choices.categories
    _load_kept(SCOPE_KEY)
    if st.session_state.get(SCOPE_KEY) not in scope_options:
        st.session_state[SCOPE_KEY] = ALL
    _load_kept(LEVEL_KEY, lambda kept: [lv for lv in kept or [] if lv in levels])
    _load_kept(CATEGORY_KEY, lambda kept: [c for c in kept or [] if c in categories])
    cols = st.columns([3, 3, 3, 2] if show_pool_toggle else [3, 3, 3])
    with cols[0]:
        scope = st.selectbox(
            "系统（子树）",
            scope_options,
            format_func=lambda c: whole if c == ALL else labels.get(c, c),
            key=SCOPE_KEY,
            on_change=_keep(SCOPE_KEY),
            help="只看某个县（市、区）、市直部门或乡镇（街道）及其下属单位；可输入名称查找",
        )
    with cols[1]:
        chosen_levels = st.multiselect(
            "层级",
            levels,
            format_func=lambda lv: choices.level_labels.get(int(lv), str(lv)),
            key=LEVEL_KEY,
            on_change=_keep(LEVEL_KEY),
            placeholder="全部层级",
        )
    with cols[2]:
        chosen_categories = st.multiselect(
            "类别",
            categories,
            key=CATEGORY_KEY,
            on_change=_keep(CATEGORY_KEY),
            placeholder="全部类别",
        )
    by_category = False
    if show_pool_toggle:
        _load_kept(POOL_KEY, bool)
        with cols[3]:
            by_category = st.toggle(
                "按类别分组比较",
                key=POOL_KEY,
                on_change=_keep(POOL_KEY),
                help="打开后同层级内再按类别分组排名（学校不与村比较）",
            )
    else:
        by_category = bool(st.session_state.get(_KEPT[POOL_KEY], False))
    return Filters(
        scope=None if scope == ALL else str(scope),
        levels=tuple(int(v) for v in chosen_levels),
        categories=tuple(chosen_categories),
        by_category=by_category,
    )


def unit_picker(frame: pd.DataFrame, key: str, label: str = "查看单位详情") -> None:
    """A selectbox of the units in ``frame`` and a button that opens 单位详情 for the choice."""
    if frame.empty:
        return
    codes = frame["code"].astype(str).tolist()
    names = dict(zip(codes, frame["name"].tolist(), strict=True))
    cols = st.columns([4, 1])
    with cols[0]:
        code = st.selectbox(
            label,
            codes,
            format_func=lambda c: f"{names.get(c, c)}（{c}）",
            key=f"{key}_unit",
            index=None,
            placeholder="选择单位…",
        )
    with cols[1]:
        st.write("")
        if st.button("打开详情", key=f"{key}_open", disabled=code is None):
            open_unit(str(code))


def open_unit(code: str) -> None:
    st.session_state[UNIT_DETAIL_KEY] = code
    st.switch_page("app_pages/unit_detail.py")


def no_data() -> bool:
    """Show the 'nothing stored yet' hint; True when the page should stop."""
    if state.selected_report_date() is None:
        st.info("尚无周报数据。请先到“上传周报”页导入各单位的周报，再来查看。")
        return True
    return False
