"""The briefing as plain data, written once and rendered by the Word and PowerPoint writers.

``dashboard.export.briefing`` fills a ``BriefingDoc`` from a week's report; ``word`` and
``slides`` only lay it out, so the two files always carry the same sentences and numbers.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

__all__ = [
    "ALT_NAMES",
    "BODY_FONT",
    "HEADING2_FONT",
    "HEADING_FONT",
    "SANS_FALLBACK",
    "SECTION_KEYS",
    "SECTION_LABELS",
    "SERIF_FALLBACK",
    "TITLE_FONT",
    "BriefingDoc",
    "ChartItem",
    "Fonts",
    "Section",
    "font_available",
    "installed_families",
    "resolve_fonts",
]

SECTION_KEYS: tuple[str, ...] = ("coverage", "totals", "gradient", "lagging", "charts")
SECTION_LABELS: dict[str, str] = {
    "coverage": "报送情况",
    "totals": "主要指标",
    "gradient": "层级传导",
    "lagging": "落后单位",
    "charts": "图表",
}

# The fonts of an official document (GB/T 9704), written into Word and PowerPoint BY NAME
# whatever this server has: an office PC with them installed uses them.  The server's Noto
# CJK fonts only draw previews and chart images.
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
HEADING2_FONT = "楷体_GB2312"
# What Word may use on a PC without them (w:altName in the font table).
ALT_NAMES: dict[str, str] = {
    TITLE_FONT: "宋体",
    BODY_FONT: "仿宋",
    HEADING_FONT: "SimHei",
    HEADING2_FONT: "楷体",
}
SERIF_FALLBACK = "Noto Serif CJK SC"
SANS_FALLBACK = "Noto Sans CJK SC"


@dataclass(frozen=True)
class Fonts:
    """Font names written into the documents (east-Asian and latin alike)."""

    title: str = TITLE_FONT  # 标题 and 版头
    body: str = BODY_FONT  # 正文, 三号
    heading: str = HEADING_FONT  # 一级标题 "一、"
    caption: str = HEADING2_FONT  # 二级标题 "（一）", figure captions


@dataclass
class ChartItem:
    """One key chart: its figure, the caption under it and the finding it supports."""

    name: str  # file stem, e.g. "问题销号率_各县"
    caption: str  # "截至10月27日各县（市、区）问题销号率"
    headline: str  # one sentence for the slide
    figure: go.Figure
    section: str = ""  # placed after this section's paragraphs in Word; else at the end


@dataclass
class Section:
    key: str  # one of SECTION_KEYS
    heading: str  # "一、报送情况"
    paragraphs: list[str]


@dataclass
class BriefingDoc:
    masthead: str  # "主题教育工作简报（第8期）"
    office: str
    date_text: str  # "2023年10月27日"
    heading: str  # the article title, "全市主题教育第8周调度情况"
    lead: str  # opening paragraph
    sections: list[Section]
    charts: list[ChartItem]
    lagging_table: pd.DataFrame  # 序号, 单位, 层级, 上级单位, 落后原因
    fonts: Fonts = field(default_factory=Fonts)
    paper: str = ""  # 版头's name, "主题教育工作简报" (empty: taken from the masthead)
    issue_line: str = ""  # "第8期"
    # 版记 (GB/T 9704): 报 / 送 / 发 lines and the 印发机关
    report_to: tuple[str, ...] = ()
    copy_to: tuple[str, ...] = ()
    send_to: tuple[str, ...] = ()
    printer: str = ""


@functools.lru_cache(maxsize=1)
def installed_families() -> frozenset[str] | None:
    """Font family names fontconfig knows (None when fc-list is not available)."""
    if shutil.which("fc-list") is None:
        return None
    try:
        out = subprocess.run(
            ["fc-list", ":", "family"], capture_output=True, text=True, timeout=20, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    names: set[str] = set()
    for line in out.splitlines():
        names.update(part.strip() for part in line.split(",") if part.strip())
    return frozenset(names)


def font_available(name: str) -> bool:
    families = installed_families()
    return True if families is None else name in families


def resolve_fonts(title: str, body: str) -> Fonts:
    """The fonts named in the files: the configured title and body fonts (方正小标宋简体 and
    仿宋_GB2312 unless the office chose others), 黑体 and 楷体_GB2312 for headings.  Names
    are written whether or not this server has them; see ``font_available`` for a note."""
    return Fonts(title=title.strip() or TITLE_FONT, body=body.strip() or BODY_FONT)
