"""新建活动 / 清空数据: the confirmation that names what goes, the backup, the reset."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from dashboard.store import reset
from dashboard.ui import state

__all__ = ["CONFIRM_WORD", "MESSAGE_KEY", "render", "show_message"]

CONFIRM_WORD = "清空"
MESSAGE_KEY = "reset_message"


def show_message() -> None:
    """What the last reset removed and where its backup is (once, after the rerun)."""
    if message := st.session_state.pop(MESSAGE_KEY, None):
        st.success(message)


def render() -> None:
    """The admin's reset panel (everyone for now; sign-in comes later)."""
    engine = state.engine()
    found = reset.counts(engine)
    where = "演示数据库" if state.demo_open() else "本单位的数据库"
    with st.expander("新建活动 / 清空数据", icon=":material/delete_forever:"):
        st.markdown(
            f"清空{where}中的单位名册、全部导入记录（含存档的原始文件）和周报数字，"
            "用于换一个活动或换一个地区重新开始。"
        )
        with_settings = st.checkbox(
            "同时把全部设置恢复为默认值（新建活动）",
            value=state.showing_demo_data(),  # the demo's name and dates are not the office's
            key="reset_with_settings",
            help="不勾选则保留活动名称、起止日期、阈值等设置，只清空数据",
        )
        if found.is_empty() and not (with_settings and found.settings):
            st.info("当前没有可清空的数据。")
            return
        st.warning(f"将删除：{found.describe(with_settings)}。")
        confirmed_backup = True
        if reset.is_sqlite(engine):
            if reset.sqlite_path(engine) is not None:
                st.caption(f"清空前会自动把整个数据库备份到 `{reset.backup_dir(engine)}`。")
        else:
            st.error(
                "本程序无法备份 PostgreSQL 等数据库服务器。请先在服务器上用 pg_dump 备份"
                "（例如 pg_dump -Fc -f 看板备份.dump 数据库名），确认备份成功后再清空。"
            )
            confirmed_backup = st.checkbox(
                "我已用 pg_dump 备份了数据库，确认清空", key="reset_pg_backup_done"
            )
        typed = st.text_input(
            f"请输入“{CONFIRM_WORD}”二字确认", key="reset_confirm_text", max_chars=10
        )
        if st.button("清空数据", key="reset_run", type="primary"):
            if typed.strip() != CONFIRM_WORD:
                st.error(f"请在上面的框中输入“{CONFIRM_WORD}”二字，再点“清空数据”。")
                return
            if not confirmed_backup:
                st.error("请先用 pg_dump 备份数据库，并勾选“我已用 pg_dump 备份了数据库”。")
                return
            _run(with_settings)


def _run(with_settings: bool) -> None:
    try:
        outcome = reset.reset(
            state.engine(), with_settings=with_settings, server_backup_confirmed=True
        )
    except reset.ResetError as exc:
        st.error(f"未能清空：{exc}。")
        return
    except OSError as exc:
        st.error(f"备份失败，数据没有改动：{exc}。请检查磁盘空间与目录权限后重试。")
        return
    except SQLAlchemyError:
        st.error("未能清空：数据库正忙（可能有人正在上传周报），数据没有改动。请稍后再试。")
        return
    state.clear_caches()
    for key in ("reset_confirm_text", "reset_with_settings", "reset_pg_backup_done"):
        st.session_state.pop(key, None)
    backup = f"清空前的备份：`{outcome.backup}`。" if outcome.backup else ""
    st.session_state[MESSAGE_KEY] = (
        f"已清空：{outcome.removed.describe(with_settings)}。{backup}"
        "下一步：按“开始使用”页的步骤设置活动并导入单位名册。"
    )
    st.rerun()
