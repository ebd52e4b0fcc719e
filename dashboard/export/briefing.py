"""The 简报: from one week's report to Word, PowerPoint or Excel bytes.

``compose`` writes the briefing once as data (sentences from ``dashboard.core.narrative``,
so the numbers are the ones the pages show); the writers only lay it out.  ``build_briefing``
is the one call the page and the CLI make.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from sqlalchemy import Engine

from dashboard.core import narrative
from dashboard.core.catalogue import BRIEFING_STUDY_TOTALS
from dashboard.core.flags import REASONS
from dashboard.core.settings import Settings, level_name
from dashboard.export import briefing_charts as bc
from dashboard.export import charts, images, slides, word, workbook
from dashboard.export.document import (
    SECTION_KEYS,
    SECTION_LABELS,
    BriefingDoc,
    ChartItem,
    Section,
    resolve_fonts,
)

__all__ = [
    "CHART_PLANS",
    "DOC_IMAGE_SCALE",
    "DOC_IMAGE_WIDTH",
    "FORMATS",
    "GRADIENT_LINES",
    "IMAGE_FORMATS",
    "IMAGE_RENDERERS",
    "NUMERALS",
    "RENDERERS",
    "TABLE_LIMIT",
    "TIE_NAMES",
    "BriefingError",
    "BriefingOptions",
    "ChartPlan",
    "Renderer",
    "board_charts",
    "build_briefing",
    "chart_items",
    "choices_text",
    "compose",
    "document_pngs",
    "extreme",
    "file_name",
    "gradient_paragraphs",
    "headline_bottom",
    "image_renderer",
    "lagging_paragraphs",
    "lagging_table",
    "load_report",
    "masthead",
    "paper_name",
    "render_charts",
    "render_report",
    "renderer",
    "tied",
    "untitled_charts",
]

NUMERALS = "一二三四五六七八九十"
DOC_IMAGE_WIDTH = 760  # CSS px of a chart placed in Word (15.5 cm): text stays legible
DOC_IMAGE_SCALE = 2
TABLE_LIMIT = 30


class BriefingError(ValueError):
    """A request the user can fix (unknown week, unknown scope…); message in Chinese."""


@dataclass(frozen=True)
class BriefingOptions:
    """What the office configures once and the app remembers (see settings ``briefing_*``)."""

    office_name: str = "主题教育领导小组办公室"
    issue: int = 1
    title_font: str = "方正小标宋简体"
    body_font: str = "仿宋_GB2312"
    sections: tuple[str, ...] = SECTION_KEYS
    campaign_name: str = "主题教育"
    start_date: dt.date | None = None
    level_names: tuple[str, ...] = ("市级", "县级", "乡镇级", "村级")
    low_closure_rate: float = 0.5
    gradient_threshold: float = 10.0
    stall_weeks: int = 2
    issued_for: dt.date | None = None  # the report week of issue ``issue``, if known
    report_to: tuple[str, ...] = ()  # 版记 报
    copy_to: tuple[str, ...] = ()  # 版记 送
    send_to: tuple[str, ...] = ()  # 版记 发
    printer: str = ""  # 版记 印发机关 (empty: the office)
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, values: Mapping[str, Any]) -> BriefingOptions:
        start = values.get("start_date")
        return cls(
            office_name=str(values.get("office_name") or cls.office_name),
            issue=int(values.get("briefing_issue") or 1),
            title_font=str(values.get("briefing_font_title") or cls.title_font),
            body_font=str(values.get("briefing_font_body") or cls.body_font),
            sections=tuple(
                s for s in values.get("briefing_sections", SECTION_KEYS) if s in SECTION_KEYS
            ),
            campaign_name=str(values.get("campaign_name") or cls.campaign_name),
            start_date=dt.date.fromisoformat(str(start)) if start else None,
            level_names=tuple(values.get("level_names") or cls.level_names),
            low_closure_rate=float(values.get("low_closure_rate", 0.5)),
            gradient_threshold=float(values.get("gradient_threshold", 10.0)),
            stall_weeks=Settings.of(values).stall_weeks,
            issued_for=_date_or_none(values.get("briefing_issue_date")),
            report_to=_names(values.get("briefing_report_to", _default("briefing_report_to"))),
            copy_to=_names(values.get("briefing_copy_to", _default("briefing_copy_to"))),
            send_to=_names(values.get("briefing_send_to", _default("briefing_send_to"))),
            printer=str(values.get("briefing_printer") or "").strip(),
        )

    def for_week(self, report_date: dt.date) -> BriefingOptions:
        """The options for the briefing of ``report_date``: a later week than the one the
        remembered issue was made for gets the next number; that week or an earlier one
        keeps it (the same briefing again, in another format or after a correction)."""
        issue = self.issue
        if self.issued_for is not None and report_date > self.issued_for:
            issue += 1
        return replace(self, issue=issue, issued_for=report_date)

    def to_settings(self) -> dict[str, Any]:
        """The values to remember with ``repo.set_settings``."""
        return {
            "office_name": self.office_name,
            "briefing_issue": self.issue,
            "briefing_font_title": self.title_font,
            "briefing_font_body": self.body_font,
            "briefing_sections": list(self.sections),
            "briefing_issue_date": self.issued_for.isoformat() if self.issued_for else "",
        }

    def with_changes(self, **changes: Any) -> BriefingOptions:
        return replace(self, **changes)


def _default(key: str) -> Any:
    from dashboard.core.settings import setting

    return setting(key).default


def _names(value: object) -> tuple[str, ...]:
    """A 版记 list from its setting: a list, or text typed with commas."""
    if isinstance(value, str):
        value = value.replace("，", ",").split(",")
    if not isinstance(value, list | tuple):
        return ()
    return tuple(str(v).strip() for v in value if str(v).strip())


def _date_or_none(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value).strip()) if value else None
    except ValueError:  # typed by hand on the settings page: ignore what is not a date
        return None


def paper_name(options: BriefingOptions) -> str:
    """ "主题教育工作简报", the name printed in red in the 版头."""
    short = "主题教育" if "主题教育" in options.campaign_name else options.campaign_name
    return f"{short}工作简报"


def masthead(options: BriefingOptions) -> str:
    """ "主题教育工作简报（第8期）"."""
    return f"{paper_name(options)}（第{options.issue}期）"


def _week_number(report_date: dt.date, start: dt.date | None) -> int | None:
    if start is None or report_date < start:
        return None
    return (report_date - start).days // 7 + 1


def _float(value: Any) -> float | None:
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        return None
    return float(value)


# ---------------------------------------------------------------- paragraphs


def _coverage_paragraphs(report: Any, options: BriefingOptions) -> list[str]:
    out = [narrative.coverage_sentence(report.report_date, report.scope_name, report.coverage)]
    groups = bc.by_child_group(report)
    missing = groups.assign(missing=groups["expected"] - groups["reported"])
    missing = missing[missing["missing"] > 0].sort_values("missing", ascending=False, kind="stable")
    not_reported = len(report.not_reported)
    if not_reported and not missing.empty:
        listed = "、".join(f"{r.name}{int(r.missing)}个" for r in missing.head(6).itertuples())
        more = "等" if len(missing) > 6 else ""
        out.append(f"未报送的{narrative.number(not_reported)}个单位中，{listed}{more}。")
    elif not_reported:
        out.append(f"尚有{narrative.number(not_reported)}个单位未报送。")
    if report.stalled:
        out.append(
            f"已报送单位中，有{narrative.number(len(report.stalled))}个单位连续"
            f"{options.stall_weeks}周以上各项累计数未增长，需督促加快进度。"
        )
    return out


def _totals_paragraphs(report: Any) -> list[str]:
    out = [narrative.totals_sentence(report.totals, report.rates)]
    totals = report.totals.set_index("code")
    parts: list[str] = []
    for code in BRIEFING_STUDY_TOTALS:
        if code not in totals.index:
            continue
        row = totals.loc[code]
        value = _float(row["value"])
        if value is None:
            continue
        change = _float(row.get("change"))
        added = f"（本周新增{narrative.number(change)}{row['unit']}）" if change else ""
        parts.append(f"{row['label']}{narrative.number(value)}{row['unit']}{added}")
    if parts:
        out.append("各项工作累计：" + "，".join(parts) + "。")
    rate_parts = []
    for row in report.rates.itertuples():
        if row.code == "closure_rate":
            continue
        value = _float(row.value)
        if value is None:
            continue
        moved = narrative.change_points(value, _float(row.previous)).lstrip("，")
        rate_parts.append(
            f"{row.label}{narrative.percent(value)}" + (f"（{moved}）" if moved else "")
        )
    if rate_parts:
        out.append("；".join(rate_parts) + "。")
    return out


def gradient_paragraphs(report: Any, options: BriefingOptions) -> list[str]:
    out = []
    levels = narrative.levels_sentence(report.levels, getattr(report, "city_pattern", ""))
    if levels:
        out.append(levels)
    gradient = narrative.gradient_sentence(report.subtrees)
    if gradient:
        out.append(gradient)
    subtrees = report.subtrees
    if "flagged" in subtrees.columns and "transmission" in subtrees.columns:
        flagged = subtrees[subtrees["flagged"].astype(bool)].dropna(subset=["transmission"])
        if "pattern" in flagged.columns:  # fading systems only, most heat lost first
            flagged = flagged[flagged["pattern"] != "整体偏冷"]
        flagged = flagged.head(3)
        if not flagged.empty:
            listed = "、".join(f"{r.name}{float(r.transmission):.2f}" for r in flagged.itertuples())
            out.append(
                f"热度传导比（最基层平均热度与系统本级热度之比）较低的有：{listed}，"
                "压力传导层层递减，建议列为下一步督导重点。"
            )
    return out


def lagging_paragraphs(report: Any, table_rows: int, total: int) -> list[str]:
    out = [narrative.lagging_sentence(report.lagging, REASONS)]
    if total:
        tail = (
            "名单及原因见附表"
            if table_rows == total
            else f"附表按严重程度列出最需督导的{narrative.number(table_rows)}个单位"
        )
        out.append(f"请相关单位对照原因逐项整改，边挂账、边销账，{tail}。")
    return out


# ---------------------------------------------------------------- lagging table


def lagging_table(
    report: Any, options: BriefingOptions, limit: int | None = TABLE_LIMIT
) -> pd.DataFrame:
    """序号, 单位, 层级, 上级单位, 落后原因 — one row per lagging unit."""
    lag = report.lagging
    columns = ["序号", "单位", "层级", "上级单位", "落后原因"]
    if lag is None or lag.empty:
        return pd.DataFrame(columns=columns)
    rows = workbook.ordered_lagging(lag)
    rows = rows.head(limit) if limit else rows
    parent_col = next((c for c in ("parent_name", "parent", "上级单位") if c in rows.columns), None)
    if "level_name" in rows.columns:
        levels = rows["level_name"].astype(str)
    else:
        levels = rows["level"].map(lambda v: level_name(int(v), list(options.level_names)))
    return pd.DataFrame(
        {
            "序号": range(1, len(rows) + 1),
            "单位": rows["name"].astype(str).to_numpy(),
            "层级": levels.to_numpy(),
            "上级单位": rows[parent_col].fillna("").astype(str).to_numpy() if parent_col else "",
            "落后原因": rows["reasons"].map(lambda r: "；".join(map(str, r or []))).to_numpy(),
        }
    )


# ---------------------------------------------------------------- charts


TIE_NAMES = 3  # up to this many tied units are named; more are counted


def tied(
    frame: pd.DataFrame, column: str, shown: Callable[[float], str], word: str
) -> tuple[list[str], str]:
    """The names holding the extreme ``word`` ("最低"/"最高") of ``column`` and its text; values
    compare as the reader sees them (``shown``), so 99.12% and 99.14% tie at 99.1%."""
    values = frame.dropna(subset=[column])
    if values.empty:
        return [], ""
    texts = values[column].map(lambda v: shown(float(v)))
    best = values[column].min() if word == "最低" else values[column].max()
    target = shown(float(best))
    return [str(n) for n in values.loc[texts == target, "name"]], target


def extreme(
    frame: pd.DataFrame, column: str, shown: Callable[[float], str], word: str, noun: str
) -> str:
    """Who holds the extreme, ties named as ties: "枫林县最低（99.1%）", "枫林县、芦源县并列
    最低（99.1%）", "6个系统并列最低（99.1%）"."""
    names, target = tied(frame, column, shown, word)
    if not names:
        return ""
    if len(names) == 1:
        return f"{names[0]}{word}（{target}）"
    if len(names) <= TIE_NAMES:
        return f"{'、'.join(names)}并列{word}（{target}）"
    return f"{narrative.number(len(names))}个{noun}并列{word}（{target}）"


def _percent(value: float) -> str:
    return narrative.percent(value)


def _headline_coverage(report: Any) -> str:
    groups = bc.by_child_group(report)
    text = f"{report.scope_name}报送率{narrative.percent(_float(report.coverage['rate']))}"
    short = groups[groups["coverage"] < 1]
    noun = bc.group_label(report)[1:]
    if not short.empty:
        low = extreme(short, "coverage", _percent, "最低", noun)
        text += f"，{narrative.number(len(short))}个{noun}未全部报送，{low}"
    return text


def _headline_closure(report: Any) -> str:
    rates = report.rates.set_index("code")
    value = _float(rates.at["closure_rate", "value"]) if "closure_rate" in rates.index else None
    text = f"问题销号率{narrative.percent(value)}"
    groups = bc.by_child_group(report).dropna(subset=["closure"])
    if len(groups) > 1:
        noun = bc.group_label(report)[1:]
        high = extreme(groups, "closure", _percent, "最高", noun)
        low = extreme(groups, "closure", _percent, "最低", noun)
        text += f"：{high}，{low}"
    return text


def headline_bottom(report: Any) -> str:
    units = report.units.dropna(subset=["heat"])
    if units.empty:
        return "热度排名"
    names, value = tied(units, "heat", lambda v: f"{v:.1f}", "最低")
    if len(names) == 1:
        return f"热度排名靠后单位：{names[0]}热度{value}，为本范围最低"
    if len(names) <= TIE_NAMES:
        return f"热度排名靠后单位：{'、'.join(names)}热度均为{value}，并列最低"
    return f"热度排名靠后单位：{narrative.number(len(names))}个单位热度为{value}，并列最低"


@dataclass(frozen=True)
class ChartPlan:
    name: str
    section: str
    build: Callable[[Any, BriefingOptions], go.Figure]
    headline: Callable[[Any, BriefingOptions], str]
    usable: Callable[[Any], bool]


def _has_groups(report: Any) -> bool:
    return not bc.by_child_group(report).empty


GRADIENT_LINES = 8  # more lines than this make an unreadable tangle on a page


def _gradient_chart(report: Any) -> go.Figure:
    """Each system's heat level by level; with many systems, the flagged ones whose heat
    reaches the grassroots worst (lowest transmission ratio)."""
    subtrees = report.subtrees
    if len(subtrees) <= GRADIENT_LINES:
        return charts.subtree_gradient_lines(report)
    flagged = subtrees[subtrees["flagged"].astype(bool)]
    pool = flagged if len(flagged) else subtrees
    worst = pool.sort_values(["transmission", "code"], kind="stable").head(GRADIENT_LINES)
    fig = charts.subtree_gradient_lines(replace(report, subtrees=worst))
    day = narrative.day_text(report.report_date)
    fig.update_layout(title_text=f"截至{day}传导比最低的{len(worst)}个系统逐级平均热度")
    return fig


def _gradient_usable(report: Any) -> bool:
    heat_cols = [c for c in report.subtrees.columns if str(c).startswith("heat_l")]
    return not report.subtrees.empty and len(heat_cols) >= 2


CHART_PLANS: tuple[ChartPlan, ...] = (
    ChartPlan(
        "报送率_分系统",
        "coverage",
        lambda r, o: bc.coverage_by_group(r),
        lambda r, o: _headline_coverage(r),
        _has_groups,
    ),
    ChartPlan(
        "问题销号率_分系统",
        "totals",
        lambda r, o: bc.closure_by_group(r, o.low_closure_rate),
        lambda r, o: _headline_closure(r),
        lambda r: not bc.by_child_group(r).dropna(subset=["closure"]).empty,
    ),
    ChartPlan(
        "各层级平均热度",
        "gradient",
        lambda r, o: charts.heat_by_level(r),
        lambda r, o: (
            narrative.levels_sentence(r.levels, getattr(r, "city_pattern", "")).rstrip("。")
            or "各层级平均热度"
        ),
        lambda r: len(r.levels.dropna(subset=["mean_heat"])) > 0,
    ),
    ChartPlan(
        "各系统逐级平均热度",
        "gradient",
        lambda r, o: _gradient_chart(r),
        lambda r, o: narrative.gradient_sentence(r.subtrees).rstrip("。") or "各系统逐级平均热度",
        _gradient_usable,
    ),
    ChartPlan(
        "热度排名后10位",
        "lagging",
        lambda r, o: charts.ranking_bars(r, "bottom", 10),
        lambda r, o: headline_bottom(r),
        lambda r: "heat" in r.units.columns and r.units["heat"].notna().any(),
    ),
    ChartPlan(
        "落后原因分布",
        "lagging",
        lambda r, o: bc.lagging_reasons(r, REASONS),
        lambda r, o: narrative.lagging_sentence(r.lagging, REASONS).rstrip("。"),
        lambda r: not r.lagging.empty,
    ),
)


def chart_items(report: Any, options: BriefingOptions | None = None) -> list[ChartItem]:
    """The briefing's key charts for the chosen sections (empty when "charts" is off)."""
    options = options or BriefingOptions()
    if "charts" not in options.sections:
        return []
    items: list[ChartItem] = []
    for plan in CHART_PLANS:
        if plan.section not in options.sections or not plan.usable(report):
            continue
        figure = plan.build(report, options)
        title = str(figure.layout.title.text or plan.name)
        items.append(
            ChartItem(plan.name, title, plan.headline(report, options), figure, plan.section)
        )
    return items


def _for_document(fig: go.Figure, height: int | None = None) -> go.Figure:
    """The figure without its title (the caption under it carries the title in Word), at the
    height the page plan gives it."""
    out = go.Figure(fig)
    out.update_layout(title_text="", margin={"t": 30}, width=DOC_IMAGE_WIDTH)
    if height:
        out.update_layout(height=height)
    return out


def board_charts(report: Any, options: BriefingOptions | None = None) -> list[ChartItem]:
    """The briefing's key charts plus the board's ranking top 10 and heat treemap."""
    options = options or BriefingOptions()
    options = options.with_changes(sections=SECTION_KEYS)
    items = chart_items(report, options)
    if "heat" in report.units.columns and report.units["heat"].notna().any():
        top = charts.ranking_bars(report, "top", 10)
        items.append(ChartItem("热度排名前10位", str(top.layout.title.text), "", top, "lagging"))
        tree = charts.heat_treemap(report)
        items.append(ChartItem("单位热度分布", str(tree.layout.title.text), "", tree, "gradient"))
    return items


def render_charts(
    report: Any, fmt: str = "png", options: BriefingOptions | None = None
) -> dict[str, bytes]:
    """Every chart of the briefing and the board's overview as PNG or SVG, keyed by file stem."""
    render = image_renderer(fmt).render
    return {item.name: render(item.figure) for item in board_charts(report, options)}


def document_pngs(
    charts: list[ChartItem], heights: Mapping[str, int] | None = None
) -> dict[str, bytes]:
    """The PNGs placed in Word: untitled (the caption says it), 1520 px wide, each as tall as
    ``heights`` says (the page plan) or its natural height."""
    heights = heights or {}
    return {
        c.name: images.to_png(_for_document(c.figure, heights.get(c.name)), scale=DOC_IMAGE_SCALE)
        for c in charts
    }


def untitled_charts(doc: BriefingDoc) -> BriefingDoc:
    """The document with its charts as placed in Word (untitled, 760 px wide) for the plan."""
    charts = [replace(c, figure=_for_document(c.figure)) for c in doc.charts]
    return replace(doc, charts=charts)


# ---------------------------------------------------------------- compose & build


def compose(report: Any, options: BriefingOptions | None = None) -> BriefingDoc:
    """The briefing as data: masthead, sections of plain sentences, charts, lagging table."""
    options = options or BriefingOptions()
    day = report.report_date
    week = _week_number(day, options.start_date)
    heading = f"{report.scope_name}主题教育{'第' + str(week) + '周' if week else ''}调度情况"
    lead = (
        f"本周，{report.scope_name}各级党组织持续推进理论学习、调查研究、检视整改等重点工作。"
        f"现将截至{narrative.day_text(day)}的调度情况通报如下。"
    )
    full_table = lagging_table(report, options, limit=None)
    table = full_table.head(TABLE_LIMIT)
    writers: dict[str, Callable[[], list[str]]] = {
        "coverage": lambda: _coverage_paragraphs(report, options),
        "totals": lambda: _totals_paragraphs(report),
        "gradient": lambda: gradient_paragraphs(report, options),
        "lagging": lambda: lagging_paragraphs(report, len(table), len(full_table)),
    }
    sections: list[Section] = []
    for key in SECTION_KEYS:
        if key in options.sections and key in writers:
            paragraphs = [p for p in writers[key]() if p]
            if paragraphs:
                heading_text = f"{NUMERALS[len(sections)]}、{SECTION_LABELS[key]}"
                sections.append(Section(key, heading_text, paragraphs))
    return BriefingDoc(
        masthead=masthead(options),
        office=options.office_name,
        date_text=f"{day.year}年{day.month}月{day.day}日",
        heading=heading,
        lead=lead,
        sections=sections,
        charts=chart_items(report, options),
        lagging_table=table if "lagging" in options.sections else table.iloc[0:0],
        fonts=resolve_fonts(options.title_font, options.body_font),
        paper=paper_name(options),
        issue_line=f"第{options.issue}期",
        report_to=options.report_to,
        copy_to=options.copy_to,
        send_to=options.send_to,
        printer=options.printer,
    )


def _render_docx(report: Any, options: BriefingOptions) -> bytes:
    doc = compose(report, options)
    plan = word.plan(untitled_charts(doc))
    heights = {name: p.height_px for name, p in plan.charts.items()}
    starts = {name for name, p in plan.charts.items() if p.new_page}
    ahead = {name: p.ahead for name, p in plan.charts.items() if p.ahead}
    pngs = document_pngs(doc.charts, heights)
    return word.write_docx(doc, pngs, starts, ahead, plan.colophon_new_page)


def _render_pptx(report: Any, options: BriefingOptions) -> bytes:
    doc = compose(report, options)
    pictures = [
        c
        for c, image in zip(
            doc.charts, slides.needs_image([c.figure for c in doc.charts]), strict=True
        )
        if image
    ]
    pngs = {c.name: images.to_png(c.figure, scale=2) for c in pictures}
    return slides.write_pptx(doc, pngs)


def _render_xlsx(report: Any, _options: BriefingOptions) -> bytes:
    return workbook.write_xlsx(report)


@dataclass(frozen=True)
class Renderer:
    """One export format: its file suffix, the page's button label, its MIME type, the
    words the CLI's help uses, and the function that makes the bytes."""

    suffix: str
    label: str
    mime: str
    help: str
    render: Callable[[Any, BriefingOptions], bytes]


RENDERERS: tuple[Renderer, ...] = (
    Renderer(
        "docx",
        "Word 简报",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Word 简报",
        _render_docx,
    ),
    Renderer(
        "pptx",
        "PowerPoint（16:9）",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "幻灯片",
        _render_pptx,
    ),
    Renderer(
        "xlsx",
        "Excel（排名、落后、催报）",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Excel 表格",
        _render_xlsx,
    ),
)
FORMATS: dict[str, str] = {r.suffix: r.mime for r in RENDERERS}
IMAGE_RENDERERS = images.IMAGE_RENDERERS
IMAGE_FORMATS: tuple[str, ...] = images.IMAGE_FORMATS


def choices_text(suffixes: Iterable[str]) -> str:
    """``docx、pptx 或 xlsx``: the formats as the messages and the CLI's help name them."""
    items = list(suffixes)
    return "、".join(items[:-1]) + f" 或 {items[-1]}" if len(items) > 1 else "".join(items)


def renderer(fmt: str) -> Renderer:
    """The briefing renderer of ``fmt``; BriefingError (Chinese) for an unknown one."""
    for entry in RENDERERS:
        if entry.suffix == fmt:
            return entry
    raise BriefingError(f"不支持的简报格式“{fmt}”，请选择 {choices_text(FORMATS)}。")


def image_renderer(fmt: str) -> images.ImageRenderer:
    """The chart image renderer of ``fmt``; BriefingError (Chinese) for an unknown one."""
    found = images.image_renderer(fmt)
    if found is None:
        raise BriefingError(f"不支持的图片格式“{fmt}”，请选择 {choices_text(IMAGE_FORMATS)}。")
    return found


def render_report(report: Any, fmt: str, options: BriefingOptions | None = None) -> bytes:
    """The briefing of an already built report as ``docx``, ``pptx`` or ``xlsx`` bytes."""
    return renderer(fmt).render(report, options or BriefingOptions())


def load_report(
    engine: Engine, report_date: dt.date, scope: str | None = None
) -> tuple[Any, dict[str, Any]]:
    """The week's report (through the one door), with the stored settings; BriefingError if
    the week or the scope is unknown."""
    from dashboard import door

    try:
        given = door.inputs(engine, report_date, 0)
        report = door.week_report(engine, report_date, scope, given=given)
    except door.DoorError as exc:
        raise BriefingError(str(exc)) from None
    return report, dict(given.settings)


def build_briefing(
    engine: Engine,
    report_date: dt.date,
    scope: str | None = None,
    fmt: str = "docx",
    options: BriefingOptions | None = None,
) -> bytes:
    """The week's briefing as file bytes, numbered for its week unless ``options`` are given."""
    renderer(fmt)  # an unknown format is refused before the report is built
    report, values = load_report(engine, report_date, scope)
    chosen = options or BriefingOptions.from_settings(values).for_week(report.report_date)
    return render_report(report, fmt, chosen)


def file_name(report: Any, fmt: str, options: BriefingOptions) -> str:
    day = report.report_date
    return f"{masthead(options)}_{report.scope_name}_{day:%Y%m%d}.{fmt}"
