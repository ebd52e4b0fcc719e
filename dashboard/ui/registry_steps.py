"""单位名册 page parts: the level-name prompt, and the import's confirmation step (new
categories, big change) — the page stays a list of calls."""

from __future__ import annotations

import streamlit as st

from dashboard.core import settings as settings_def
from dashboard.core.registry import Registry
from dashboard.export.registry_changes import changes_file_name, changes_xlsx
from dashboard.store import registry_repo, repo
from dashboard.ui import session, state

__all__ = ["confirm_and_apply", "level_names_editor"]

# Names offered for levels the office has not named yet (by depth, 1 = root).
_SUGGESTED = {5: "第五级", 6: "第六级"}


def level_names_editor(depth: int, names: list[str], key: str, expanded: bool = False) -> None:
    """One name per level the registry actually has (``depth``); asks plainly when the
    registry is deeper than the named levels."""
    missing = settings_def.missing_level_names(depth, names)
    if missing:
        st.warning(
            f"名册共 {depth} 级，层级名称只设了 {len(names)} 个：请为第"
            f"{'、'.join(str(m) for m in missing)}级起名（如“村民小组”“网格”），"
            "否则页面、图表和简报中显示为“第N级”。"
        )
    with st.expander("层级名称", expanded=expanded or bool(missing)):
        st.caption(
            "按名册实际的层级逐级命名，第1级为根单位；保存后所有页面、图表、模板和简报使用新名称。"
        )
        with st.form(f"{key}_form"):
            cols = st.columns(min(depth, 6) or 1)
            entered = [
                cols[(level - 1) % len(cols)].text_input(
                    f"第{level}级",
                    value=names[level - 1] if level <= len(names) else "",
                    placeholder=_SUGGESTED.get(level, f"第{level}级"),
                    key=f"{key}_{level}",
                )
                for level in range(1, depth + 1)
            ]
            if st.form_submit_button("保存层级名称"):
                cleaned = [text.strip() for text in entered]
                if not all(cleaned):
                    st.error("有层级名称为空：请为每一级填写名称后再保存")
                elif len(set(cleaned)) < len(cleaned):
                    st.error("层级名称有重复：每一级的名称应各不相同")
                else:
                    repo.set_settings(
                        state.engine(), {"level_names": cleaned}, actor=session.actor()
                    )
                    state.clear_caches()
                    st.session_state["registry_message"] = "层级名称已保存：" + "、".join(cleaned)
                    st.rerun()


def confirm_and_apply(parsed: Registry, file_name: str, content: bytes) -> None:
    """Show what the import would do; ask once for new categories and for a big change;
    apply on the office's yes."""
    preview = registry_repo.preview_registry(state.engine(), parsed)
    counts = "，".join(f"{k} {v:,} 个" for k, v in preview.counts().items() if v) or "无变化"
    st.info(f"检查通过：共 {preview.total:,} 个单位，{parsed.depth} 级。导入后：{counts}。")
    if preview.new_categories:
        st.warning(
            f"名册中有 {len(preview.new_categories)} 个类别不在本单位的类别清单中。"
            "确认导入时会把它们全部加入清单（之后可在“设置”页改名、合并或调整顺序）；"
            "如是笔误，请在名册中改为清单中的类别后重新上传。"
        )
        st.dataframe(
            {"类别": list(preview.new_categories), "单位数": list(preview.new_categories.values())},
            hide_index=True,
        )
    accepted = True
    if preview.big_change:
        st.error(preview.big_change_message())
        table = preview.changes_frame()
        st.dataframe(table, hide_index=True, width="stretch", height=260)
        st.download_button(
            f"下载变动清单（{len(table):,} 行）",
            data=changes_xlsx(table),
            file_name=changes_file_name(file_name),
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key="registry_changes_download",
        )
        accepted = st.checkbox("我已核对变动清单，确认按此名册更新", key="registry_accept_big")
    label = (
        f"加入 {len(preview.new_categories)} 个新类别并导入名册"
        if preview.new_categories
        else "确认导入名册"
    )
    if st.button(label, key="registry_apply", type="primary", disabled=not accepted):
        try:
            summary = registry_repo.apply_registry(
                state.engine(),
                parsed,
                file_name=file_name,
                content=content,
                add_categories=True,  # the office saw the list above and said yes
                accept_big_change=accepted,
            )
        except registry_repo.ConfirmationNeededError as exc:  # the data changed meanwhile
            st.error(f"{exc}（名册在此期间已有变动，请重新核对后再确认）")
            return
        state.clear_caches()
        message = summary.message()
        if summary.new_categories:
            message += "已加入类别：" + "、".join(summary.new_categories) + "。"
        st.session_state["registry_message"] = message
        st.rerun()
