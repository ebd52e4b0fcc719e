"""表头写法对照: header wordings the office taught the importer, kept as the setting
``column_wordings`` ({header as written: indicator code, or "" to leave the column out}).

Two widgets: the upload page's form that maps a file's unread number columns (and the
columns that clash over one indicator) once, and the table on 设置 that shows and edits
every remembered wording.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from dashboard.core.catalogue import INDICATORS, normalise_header
from dashboard.store import repo
from dashboard.ui import session, state

__all__ = [
    "CHOICES",
    "KEY",
    "MAPPABLE",
    "NOT_SET",
    "SKIP",
    "SKIP_TEXT",
    "column_mapping_form",
    "mappable_columns",
    "save_wordings",
    "stored_wordings",
    "table_to_wordings",
    "wordings_editor",
]

KEY = "column_wordings"
SKIP = ""  # the stored code of a column the office leaves out
NOT_SET = "（暂不指定）"
SKIP_TEXT = "不读取此列"
CHOICES: dict[str, str] = {
    NOT_SET: "-",
    SKIP_TEXT: SKIP,
    **{f"{ind.label}（{ind.unit}）": ind.code for ind in INDICATORS},
}
_CODE_TEXT = {code: text for text, code in CHOICES.items() if code != "-"}
MAPPABLE = ("unknown_column", "duplicate_column")  # problems whose column can be mapped


def stored_wordings() -> dict[str, str]:
    value = repo.get_settings(state.engine()).get(KEY) or {}  # fresh: not the cached copy
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def save_wordings(wordings: dict[str, str]) -> None:
    repo.set_settings(state.engine(), {KEY: wordings}, actor=session.actor())
    st.cache_data.clear()


def mappable_columns(problems: Sequence[object]) -> list[str]:
    """The headers (as written) of a file's problems that a wording can settle."""
    labels: list[str] = []
    for problem in problems:
        label = getattr(problem, "column", None)
        if getattr(problem, "code", "") in MAPPABLE and label and label not in labels:
            labels.append(str(label))
    return labels


def column_mapping_form(labels: list[str], key: str) -> bool:
    """Let the office say which indicator each column is; True when wordings were saved
    (the caller checks the files again)."""
    if not labels:
        return False
    with st.form(f"{key}_form", border=True):
        st.markdown("**指定这些列对应的指标**（系统会记住这种表头写法，以后上传自动识别）")
        chosen = {
            label: st.selectbox(f"“{label}”列", list(CHOICES), key=f"{key}_{n}")
            for n, label in enumerate(labels)
        }
        saved = st.form_submit_button("记住并重新检查")
    if not saved:
        return False
    picked = {label: CHOICES[text] for label, text in chosen.items() if CHOICES[text] != "-"}
    if not picked:
        st.warning("没有为任何列选择指标：请在下拉框中选择后再点“记住并重新检查”。")
        return False
    save_wordings({**stored_wordings(), **picked})
    return True


def wordings_editor() -> None:
    """The remembered wordings on 设置: shown as a table, each row editable or deletable."""
    st.subheader("表头写法对照")
    st.caption(
        "上传周报时为无法识别的列指定过的指标。以后上传的周报中，表头写法相同（不计空格、"
        "全角半角和括号中的单位）的列按此读取。可修改对应指标，或选中行后删除。"
    )
    current = stored_wordings()
    frame = pd.DataFrame(
        {
            "表头写法": pd.Series(list(current), dtype="string"),
            "对应指标": pd.Series(
                [_CODE_TEXT.get(code, SKIP_TEXT) for code in current.values()], dtype="string"
            ),
        }
    )
    edited = st.data_editor(
        frame,
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        column_config={
            "表头写法": st.column_config.TextColumn(required=True),
            "对应指标": st.column_config.SelectboxColumn(
                options=[text for text in CHOICES if text != NOT_SET], required=True
            ),
        },
        key="settings_wordings_editor",
    )
    if st.button("保存表头写法对照", key="settings_wordings_save"):
        wordings, problems = table_to_wordings(edited)
        if problems:
            for message in problems:
                st.error(message)
            return
        save_wordings(wordings)
        st.success(f"已保存 {len(wordings)} 条表头写法。")


def table_to_wordings(frame: pd.DataFrame) -> tuple[dict[str, str], list[str]]:
    """The edited table as the setting's value, or the messages saying what to fix."""
    wordings: dict[str, str] = {}
    problems: list[str] = []
    seen: dict[str, str] = {}
    for text, choice in zip(frame["表头写法"], frame["对应指标"], strict=True):
        label = "" if text is None or pd.isna(text) else str(text).strip()
        if not label:
            continue
        if choice not in CHOICES or CHOICES[choice] == "-":
            problems.append(f"“{label}”没有选择对应指标：请选择一项，或删除这一行")
            continue
        folded = normalise_header(label)
        if folded in seen and seen[folded] != label:
            problems.append(f"“{label}”与“{seen[folded]}”是同一种写法：请只保留一行")
            continue
        seen[folded] = label
        wordings[label] = CHOICES[choice]
    return wordings, problems
