"""The indicator catalogue: the one place that says what a weekly return holds.

The template, the importer, the pages and the exports all read this module.  Adding an
indicator, a header wording, a consistency rule or a derived rate is a change here only.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "BRIEFING_STUDY_TOTALS",
    "COUNT_HINTS",
    "DEEDS_DONE",
    "DERIVED_WORDS",
    "GROUPS",
    "INDICATORS",
    "INDICATOR_CODES",
    "META_COLUMNS",
    "NOT_FIGURE_WORDS",
    "OVERVIEW_TOTALS",
    "PLACEHOLDER_RE",
    "PROBLEMS_CLOSED",
    "PROBLEMS_FOUND",
    "RATES",
    "READING_CLASSES",
    "RULES",
    "TOTAL_ROW_WORDS",
    "ZERO_TOKENS",
    "Indicator",
    "PairRule",
    "Rate",
    "Severity",
    "by_group",
    "disambiguate_by_unit",
    "header_index",
    "header_unit",
    "heat_graded",
    "heat_rates",
    "heat_volumes",
    "indicator",
    "indicator_for_header",
    "meta_index",
    "normalise_header",
    "rate",
]

Severity = Literal["error", "warning"]

GROUPS: tuple[str, ...] = ("理论学习", "调查研究", "检视整改", "推动发展", "建章立制")


@dataclass(frozen=True)
class Indicator:
    """One cumulative figure every unit reports each week."""

    code: str
    label: str
    unit: str
    group: str
    aliases: tuple[str, ...] = field(default_factory=tuple)
    help: str = ""
    # Words that name the indicator together, in any order (措施 + 落实 → measures_done): a
    # header holding every word of one set names it when no wording matches.  Sets of one
    # word need a count hint in the header (数, 个, a unit in brackets) to count.
    parts: tuple[tuple[str, ...], ...] = field(default_factory=tuple)
    # The 热度指数 component this figure counts toward ("" for none: a figure that enters
    # only through a rate, such as problems closed): as a volume against the pool median,
    # or ``graded`` against the pool median with at least one always expected.
    heat: str = ""
    graded: bool = False
    short: str = ""  # the shorter name the 口径 text uses (the label when empty)

    @property
    def words(self) -> str:
        """The name the 口径 text uses."""
        return self.short or self.label

    @property
    def header(self) -> str:
        """The column header the template writes, e.g. ``读书班期数（期）``."""
        return f"{self.label}（{self.unit}）"

    def wordings(self) -> tuple[str, ...]:
        """Every wording that names this indicator, the label first."""
        return (self.label, self.header, *self.aliases)


@dataclass(frozen=True)
class PairRule:
    """``lhs <= rhs`` must hold for a unit's figures in one return."""

    code: str
    lhs: str
    rhs: str
    severity: Severity
    message: str


@dataclass(frozen=True)
class Rate:
    """A derived ratio the office reads (numerator / denominator)."""

    code: str
    label: str
    numerator: str
    denominator: str
    heat: str = ""  # the 热度指数 component the rate (× 100) counts toward


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "reading_classes",
        "读书班期数",
        "期",
        "理论学习",
        ("读书班", "举办读书班期数", "举办读书班", "读书班（期）", "读书班次数", "开办读书班期数"),
        parts=(("读书班", "期"), ("读书班", "次")),
        heat="study",
        graded=True,
    ),
    Indicator(
        "reading_days",
        "读书班天数",
        "天",
        "理论学习",
        ("读书班（天）", "读书班累计天数", "举办读书班天数", "集中学习天数"),
        parts=(("读书班", "天"), ("集中学习", "天")),
        heat="study",
    ),
    Indicator(
        "study_sessions",
        "集中学习次数",
        "次",
        "理论学习",
        (
            "集中学习",
            "中心组学习、支部集中学习次数",
            "中心组学习次数",
            "支部集中学习次数",
            "开展集中学习次数",
            "集中学习研讨次数",
        ),
        parts=(("集中学习",), ("中心组学习",), ("学习", "次")),
        heat="study",
        short="集中学习",
    ),
    Indicator(
        "party_lectures",
        "专题党课次数",
        "次",
        "理论学习",
        ("专题党课", "讲专题党课次数", "讲授专题党课次数", "党课次数"),
        parts=(("党课",),),
        heat="study",
        short="专题党课",
    ),
    Indicator(
        "survey_topics",
        "调研课题数",
        "个",
        "调查研究",
        ("调研课题", "确定调研课题数", "调研题目数", "调研选题数", "确定调研题目"),
        parts=(("调研", "课题"), ("调研", "题目"), ("调研", "选题")),
        heat="survey",
        short="调研课题",
    ),
    Indicator(
        "survey_reports",
        "完成调研报告数",
        "篇",
        "调查研究",
        ("完成调研报告", "调研报告数", "形成调研报告数", "调研报告", "已完成调研报告数"),
        parts=(("调研", "报告"),),
        heat="survey",
        short="调研报告",
    ),
    Indicator(
        "typical_cases",
        "典型案例剖析数",
        "个",
        "调查研究",
        (
            "典型案例剖析",
            "正反面典型案例剖析数",
            "正反面典型案例数",
            "典型案例数",
            "剖析典型案例数",
        ),
        parts=(("典型案例",), ("案例", "剖析")),
        heat="survey",
        short="典型案例",
    ),
    Indicator(
        "problems_found",
        "检视问题数",
        "个",
        "检视整改",
        ("检视问题", "检视发现问题数", "查摆问题数", "检视查摆问题数", "发现问题数", "问题总数"),
        parts=(("问题",), ("检视", "问题"), ("查摆", "问题")),
        heat="rectify",
        short="检视问题",
    ),
    Indicator(
        "problems_closed",
        "已整改销号问题数",
        "个",
        "检视整改",
        (
            "已销号问题数",
            "问题整改销号数",
            "整改销号问题数",
            "已整改问题数",
            "销号问题数",
            "已整改销号",
            "已销号",
        ),
        parts=(("问题", "销号"), ("问题", "整改完成"), ("问题", "已整改"), ("销号",)),
    ),
    Indicator(
        "measures_set",
        "整改措施数",
        "条",
        "检视整改",
        ("整改措施", "制定整改措施数", "整改措施条数"),
        parts=(("措施",),),
        heat="rectify",
        short="整改措施",
    ),
    Indicator(
        "measures_done",
        "已落实整改措施数",
        "条",
        "检视整改",
        ("已落实整改措施", "落实整改措施数", "已落实措施数", "整改措施已落实数"),
        parts=(("措施", "落实"), ("措施", "完成"), ("措施", "已落实")),
    ),
    Indicator(
        "deeds_done",
        "为民办实事件数",
        "件",
        "推动发展",
        ("为民办实事", "办实事件数", "为群众办实事件数", "办实事数", "为民办实事数"),
        parts=(("实事",),),
        heat="rectify",
        short="办实事",
    ),
    Indicator(
        "opinions",
        "征求意见建议数",
        "条",
        "检视整改",
        ("征求意见建议", "征求意见数", "收集意见建议数", "征集意见建议数"),
        parts=(("意见",), ("意见", "建议")),
        heat="rectify",
        short="征求意见",
    ),
    Indicator(
        "rules_made",
        "建章立制数",
        "项",
        "建章立制",
        ("建章立制", "建立制度数", "新建制度数", "完善制度机制数", "建立完善制度数"),
        parts=(("制度",), ("建章立制",)),
        heat="rectify",
        short="建章立制",
    ),
)

RULES: tuple[PairRule, ...] = (
    PairRule(
        "closed_gt_found",
        "problems_closed",
        "problems_found",
        "error",
        "已整改销号问题数大于检视问题数，请核对两项数字后重新填报",
    ),
    PairRule(
        "done_gt_set",
        "measures_done",
        "measures_set",
        "error",
        "已落实整改措施数大于整改措施数，请核对两项数字后重新填报",
    ),
    PairRule(
        "reports_gt_topics",
        "survey_reports",
        "survey_topics",
        "warning",
        "完成调研报告数大于调研课题数，请确认是否有课题形成了多篇报告",
    ),
)

RATES: tuple[Rate, ...] = (
    Rate("report_rate", "调研报告完成率", "survey_reports", "survey_topics", heat="survey"),
    Rate("closure_rate", "问题销号率", "problems_closed", "problems_found", heat="rectify"),
    Rate("measure_rate", "措施落实率", "measures_done", "measures_set", heat="rectify"),
)


def heat_graded(component: str) -> tuple[Indicator, ...]:
    """The figures graded against the pool median in a 热度指数 component."""
    return tuple(i for i in INDICATORS if i.heat == component and i.graded)


def heat_rates(component: str) -> tuple[Rate, ...]:
    """The rates (× 100) a 热度指数 component reads."""
    return tuple(r for r in RATES if r.heat == component)


def heat_volumes(component: str) -> tuple[Indicator, ...]:
    """The figures a 热度指数 component scores as volumes against the pool median."""
    return tuple(i for i in INDICATORS if i.heat == component and not i.graded)


# Roles some indicators play in the board's judgments, named here so that no other module
# spells an indicator code: the problem ledger (flags, pace, 按期完成, the ledger chart),
# reading classes (读书班覆盖率), the overview's lead totals and the briefing's study line.
PROBLEMS_FOUND = "problems_found"
PROBLEMS_CLOSED = "problems_closed"
READING_CLASSES = "reading_classes"
DEEDS_DONE = "deeds_done"
OVERVIEW_TOTALS: tuple[str, ...] = (
    "problems_found",
    "problems_closed",
    "measures_done",
    "deeds_done",
    "survey_reports",
)
BRIEFING_STUDY_TOTALS: tuple[str, ...] = (
    "reading_classes",
    "study_sessions",
    "party_lectures",
    "survey_topics",
    "survey_reports",
)

# Text written into a figure cell that means "zero" (DOMAIN.md: an explicit zero).
ZERO_TOKENS: frozenset[str] = frozenset({"0", "无", "—", "-", "/", "－", "／", "——", "–", "没有"})
# The template's placeholder left unfilled: an error.
PLACEHOLDER_RE = re.compile(r"^[xX×Ｘｘ]+$")

# Columns of the return that are not figures.
META_COLUMNS: dict[str, tuple[str, ...]] = {
    "unit_code": ("单位编码", "单位代码", "编码", "代码", "单位编号"),
    "unit_name": ("单位名称", "单位", "名称", "填报单位", "单位全称"),
    "report_date": ("统计截止日期", "截止日期", "统计日期", "填报日期", "报送日期"),
    "reporter": ("填报人", "联系人"),
    "phone": ("联系电话", "电话", "手机"),
    "note": ("备注", "说明"),
}

TOTAL_ROW_WORDS: tuple[str, ...] = ("合计", "总计", "小计", "累计合计")

# A header with one of these words is a figure worked out from others (a rate, a share, a
# row total, an average): set aside with a note, never read as an indicator.
DERIVED_WORDS: tuple[str, ...] = (
    "率",
    "%",
    "％",
    "百分比",
    "比例",
    "占比",
    "比重",
    "合计",
    "总计",
    "小计",
    "平均",
    "人均",
)
# Words saying a header counts something (数, a unit): a one-word part needs one of them.
COUNT_HINTS: tuple[str, ...] = ("数", "次", "期", "天", "个", "条", "件", "篇", "项")
# Columns of whole numbers that are not figures: no warning when they map to nothing.
NOT_FIGURE_WORDS: tuple[str, ...] = (
    "序号",
    "编号",
    "排名",
    "名次",
    "行次",
    "栏次",
    "序",
    "年份",
    "年度",
    "邮编",
)

_BY_CODE = {ind.code: ind for ind in INDICATORS}
INDICATOR_CODES: tuple[str, ...] = tuple(ind.code for ind in INDICATORS)


def indicator(code: str) -> Indicator:
    """The indicator with this code (KeyError names it if it is unknown)."""
    return _BY_CODE[code]


def rate(code: str) -> Rate:
    for item in RATES:
        if item.code == code:
            return item
    raise KeyError(code)


def by_group() -> dict[str, list[Indicator]]:
    """Indicators in catalogue order, grouped by their 工作板块."""
    groups: dict[str, list[Indicator]] = {g: [] for g in GROUPS}
    for ind in INDICATORS:
        groups[ind.group].append(ind)
    return {g: inds for g, inds in groups.items() if inds}


_BRACKETED_UNIT = re.compile(r"[（(][^（）()]{0,6}[)）]$")
_NOISE = re.compile(r"[\s_·:：*＊#№.、\"'“”]+")


def normalise_header(text: object) -> str:
    """Fold a header as written by hand onto a comparable key.

    Full-width characters become half-width (NFKC), blanks and line breaks vanish, and a
    trailing unit in brackets such as ``(期)`` or ``（篇）`` is dropped.
    """
    if text is None:
        return ""
    folded = unicodedata.normalize("NFKC", str(text)).strip()
    folded = _NOISE.sub("", folded)
    previous = None
    while previous != folded:
        previous = folded
        folded = _BRACKETED_UNIT.sub("", folded)
    return folded.lower()


_UNIT_IN_BRACKETS = re.compile(r"[（(]\s*([^（）()\s]{1,2})\s*[)）]\s*$")


def header_unit(text: object) -> str | None:
    """The unit written in trailing brackets of a header (``读书班（天）`` → ``天``), if any."""
    if text is None:
        return None
    found = _UNIT_IN_BRACKETS.search(unicodedata.normalize("NFKC", str(text)).strip())
    if not found:
        return None
    unit = found.group(1)
    return unit if unit in {ind.unit for ind in INDICATORS} else None


def disambiguate_by_unit(code: str, text: object) -> str:
    """Prefer the indicator whose unit the header writes when the stem alone is ambiguous.

    ``读书班（期）`` and ``读书班（天）`` share the stem ``读书班``: the unit tells reading classes
    from reading days.  Returns ``code`` unchanged when the unit agrees or settles nothing.
    """
    unit = header_unit(text)
    if unit is None or unit == indicator(code).unit:
        return code
    stem = normalise_header(text)
    candidates = {
        ind.code
        for ind in INDICATORS
        if ind.unit == unit and any(stem in normalise_header(w) for w in ind.wordings())
    }
    return candidates.pop() if len(candidates) == 1 else code


def indicator_for_header(text: object) -> str | None:
    """The indicator an exactly known header wording names (unit-aware), else None."""
    code = header_index().get(normalise_header(text))
    return None if code is None else disambiguate_by_unit(code, text)


def header_index() -> dict[str, str]:
    """Normalised wording -> indicator code, for every wording in the catalogue."""
    index: dict[str, str] = {}
    for ind in INDICATORS:
        for wording in ind.wordings():
            index.setdefault(normalise_header(wording), ind.code)
    return index


def meta_index() -> dict[str, str]:
    """Normalised wording -> meta column key (unit_code, unit_name, …)."""
    index: dict[str, str] = {}
    for key, wordings in META_COLUMNS.items():
        for wording in wordings:
            index.setdefault(normalise_header(wording), key)
    return index
