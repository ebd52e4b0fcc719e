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

SECTION_KEYS: tuple[str, ...] = ("coverage", "totals", "gradient", "lagging", "charts")
SECTION_LABELS: dict[str, str] = {
    "coverage": "报送情况",
    "totals": "主要指标",
    "gradient": "层级传导",
    "lagging": "落后单位",
    "charts": "图表",
}

# Fallbacks when the official fonts are not installed (Debian's fonts-noto-cjk).
SERIF_FALLBACK = "Noto Serif CJK SC"
SANS_FALLBACK = "Noto Sans CJK SC"


@dataclass(frozen=True)
class Fonts:
    """Font names written into the documents (east-Asian and latin alike)."""

    title: str = SERIF_FALLBACK  # 方正小标宋简体 when installed
    body: str = SERIF_FALLBACK  # 仿宋_GB2312 when installed
    heading: str = SANS_FALLBACK  # 黑体 when installed
    caption: str = SERIF_FALLBACK  # 楷体_GB2312 when installed


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
    """The configured fonts where installed, else the Noto CJK fallbacks."""

    def pick(wanted: tuple[str, ...], fallback: str) -> str:
        for name in wanted:
            if name and font_available(name):
                return name
        return fallback

    return Fonts(
        title=pick((title, "方正小标宋简体", "方正小标宋_GBK"), SERIF_FALLBACK),
        body=pick((body, "仿宋_GB2312", "仿宋", "FangSong"), SERIF_FALLBACK),
        heading=pick(("黑体", "SimHei"), SANS_FALLBACK),
        caption=pick(("楷体_GB2312", "楷体", "KaiTi"), SERIF_FALLBACK),
    )
