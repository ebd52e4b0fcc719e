"""简报: choose week (sidebar) and scope, set issue, office, fonts and sections; download
the briefing as Word, PowerPoint or Excel.  Files are made only when a download is clicked."""

from __future__ import annotations

import functools

import streamlit as st

from dashboard.export import briefing
from dashboard.export.document import SECTION_KEYS, SECTION_LABELS, font_available
from dashboard.export.word import colophon_lines
from dashboard.store import repo
from dashboard.ui import filters, report_cache, session, state
from dashboard.ui.charts import show_chart
from dashboard.ui.text import plain

# A page script, run by st.navigation: it offers nothing to other modules.
__all__: list[str] = []

st.title("简报")
if filters.no_data():
    st.stop()

values = state.settings()
scope_labels = dict(state.scopes())
scopes = [filters.ALL, *scope_labels]
whole = filters.whole_label()
week = state.selected_report_date()
remembered = briefing.BriefingOptions.from_settings(values)
if week is not None:
    remembered = remembered.for_week(week)
st.session_state.setdefault("briefing_office_name", remembered.office_name)
if st.session_state.get("briefing_issue_week") != week:  # a new week: its own number
    st.session_state["briefing_issue"] = remembered.issue
    st.session_state["briefing_issue_week"] = week
st.session_state.setdefault("briefing_title_font", remembered.title_font)
st.session_state.setdefault("briefing_body_font", remembered.body_font)
st.session_state.setdefault("briefing_sections", list(remembered.sections))

left, right = st.columns(2)
with left:
    scope = st.selectbox(
        "范围",
        scopes,
        format_func=lambda c: whole if c == filters.ALL else scope_labels.get(c, c),
        key="briefing_scope",
        help=f"{whole}，或某个县（市、区）、市直部门、乡镇（街道）及其下属单位",
    )
    st.text_input("发文单位", key="briefing_office_name")
    st.number_input("期号", min_value=1, step=1, key="briefing_issue")
with right:
    st.multiselect(
        "包含部分",
        list(SECTION_KEYS),
        format_func=lambda k: SECTION_LABELS[k],
        key="briefing_sections",
    )
    st.text_input("标题字体", key="briefing_title_font")
    st.text_input("正文字体", key="briefing_body_font")
    missing = [
        f
        for f in (st.session_state.briefing_title_font, st.session_state.briefing_body_font)
        if f and not font_available(f)
    ]
    if missing:
        st.caption(
            f"本机未安装 {'、'.join(missing)}：Word 与幻灯片中仍写明该字体，"
            "在装有该字体的办公电脑上即按其显示；本机的图表图片使用 Noto CJK 字体。"
        )

options = remembered.with_changes(
    office_name=st.session_state.briefing_office_name.strip() or "主题教育领导小组办公室",
    issue=int(st.session_state.briefing_issue),
    title_font=st.session_state.briefing_title_font.strip(),
    body_font=st.session_state.briefing_body_font.strip(),
    sections=tuple(st.session_state.briefing_sections),
)
report = report_cache.week_report(None if scope == filters.ALL else str(scope))
assert report is not None


def _remember() -> None:
    """The office's defaults for the next briefing; a liaison's or viewer's download (read
    only in settings) changes nothing."""
    who = session.viewer()
    if who is not None and who.role not in ("admin", "office"):
        return
    repo.set_settings(state.engine(), options.to_settings(), actor=session.actor())


st.subheader("下载")
st.caption(
    "点击后生成文件（Word 与幻灯片含图表，约需数秒）；当前的发文单位、期号、字体和包含部分会记为默认。"
)
cols = st.columns(len(briefing.RENDERERS))
for col, renderer in zip(cols, briefing.RENDERERS, strict=True):
    fmt = renderer.suffix
    with col:
        st.download_button(
            renderer.label,
            data=session.audited(
                functools.partial(briefing.render_report, report, fmt, options),
                "export",
                briefing.file_name(report, fmt, options),
            ),
            file_name=briefing.file_name(report, fmt, options),
            mime=renderer.mime,
            key=f"briefing_download_{fmt}",
            on_click=_remember,
            icon=":material/download:",
            width="stretch",
        )

st.subheader("预览")
doc = briefing.compose(report, options)
st.markdown(f"#### :red[{plain(doc.masthead)}]")
st.caption(plain(f"{doc.office}　{doc.date_text}"))
st.markdown(f"**{plain(doc.heading)}**")
st.markdown(plain(doc.lead))
for section in doc.sections:
    st.markdown(f"**{plain(section.heading)}**")
    for text in section.paragraphs:
        st.markdown(plain(text))
for number, chart in enumerate(doc.charts, start=1):
    st.markdown(f"**图{number}**　{plain(chart.headline)}")
    show_chart(
        chart.figure, f"{chart.name}_{report.report_date:%Y%m%d}", key=f"briefing_chart_{number}"
    )
if len(doc.lagging_table):
    st.markdown("**附表　落后单位及原因**")
    st.dataframe(doc.lagging_table, hide_index=True, width="stretch")
st.caption(
    "版记："
    + "　".join(line.replace("\t", " ") for line in colophon_lines(doc))
    + "（报、送、发名单和印发机关在“设置”页修改）"
)
