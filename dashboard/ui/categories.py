"""设置 → 单位类别: the office's category list (add, order, rename, merge).

Renaming or merging moves the units along in the same transaction
(``registry_repo.rename_category``); a category that still has units cannot be dropped.
"""

from __future__ import annotations

import streamlit as st

from dashboard.core.registry import CategoryError
from dashboard.store import registry_repo
from dashboard.ui import state

__all__ = ["KEY", "category_editor"]

KEY = "categories"


def category_editor() -> None:
    """The 单位类别 section of 设置."""
    engine = state.engine()
    st.subheader("单位类别")
    st.caption(
        "名册“类别”列可用的类别。排名、热度和落后原因在同层级内（选择“按类别分组比较”时再按类别）"
        "比较，新类别无需其他设置。导入名册时遇到清单以外的类别，会列出并请您确认加入。"
    )
    if message := st.session_state.pop(f"{KEY}_message", None):
        st.success(message)
    categories = registry_repo.load_categories(engine)
    usage = registry_repo.category_usage(engine)
    st.dataframe(
        {
            "顺序": list(range(1, len(categories) + 1)),
            "类别": categories,
            "单位数": [usage.get(c, 0) for c in categories],
        },
        hide_index=True,
    )
    _order_and_add(categories)
    _rename_or_merge(categories, usage)


def _order_and_add(categories: list[str]) -> None:
    with st.form(f"{KEY}_order_form"):
        text = st.text_area(
            "类别清单（每行一个，按显示顺序排列）",
            value="\n".join(categories),
            height=max(120, 28 * (len(categories) + 2)),
            help="调整行的先后即调整顺序；在末尾另起一行即增加类别；删除一行即删除该类别"
            "（只能删除没有单位的类别，有单位的请用下方“改名或合并”）",
            key=f"{KEY}_order_text",
        )
        if st.form_submit_button("保存类别清单"):
            wanted = [line.strip() for line in text.splitlines() if line.strip()]
            try:
                saved = registry_repo.save_categories(state.engine(), wanted)
            except CategoryError as exc:
                st.error(str(exc))
                return
            _done(f"类别清单已保存：共 {len(saved)} 个类别。")


def _rename_or_merge(categories: list[str], usage: dict[str, int]) -> None:
    with st.form(f"{KEY}_rename_form"):
        st.markdown(
            "**改名或合并**：新名称是清单中已有的类别时即合并，原类别的单位全部归入该类别。"
        )
        left, right = st.columns(2)
        old = left.selectbox(
            "原类别",
            categories,
            format_func=lambda c: f"{c}（{usage.get(c, 0):,} 个单位）",
            key=f"{KEY}_rename_old",
        )
        new = right.text_input(
            "新名称（或要并入的类别）", key=f"{KEY}_rename_new", placeholder="如：村民小组"
        )
        if st.form_submit_button("改名或合并"):
            target = new.strip()
            merging = target in categories
            try:
                moved = registry_repo.rename_category(state.engine(), str(old), target)
            except CategoryError as exc:
                st.error(str(exc))
                return
            verb = "合并到" if merging else "改名为"
            _done(f"已把类别“{old}”{verb}“{target}”，{moved:,} 个单位随之更新。")


def _done(message: str) -> None:
    state.clear_caches()
    st.session_state[f"{KEY}_message"] = message
    for key in (f"{KEY}_order_text", f"{KEY}_rename_new", f"{KEY}_rename_old"):
        st.session_state.pop(key, None)
    st.rerun()
