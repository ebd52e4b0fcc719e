"""口径说明: the definitions each board page documents (one text per topic, shared)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from dashboard.core.metrics import PACE_WEEKS

COVERAGE = (
    "- **应报单位**：名册中未撤销的单位（含本级）。\n"
    "- **已报**：本周有一行报表且至少一项数字非空；整行空白视同未报。\n"
    "- **零报告**：已报，但填写的各项数字均为 0。\n"
    "- **报送率** = 已报单位数 ÷ 应报单位数。**连续未报周数**：截至本周连续未报送的周数。"
)

TOTALS = (
    "- 各项数字为**累计数**。合计时，本周未报的单位沿用其最近一次报送的数字。\n"
    "- **本周新增** = 本周累计 − 上一报告周累计。\n"
    "- **调研报告完成率** = 完成调研报告数 ÷ 调研课题数；**问题销号率** = 已整改销号问题数 ÷ 检视问题数；"
    "**措施落实率** = 已落实整改措施数 ÷ 整改措施数（分子分母均为合计数）；"
    "**读书班覆盖率** = 至少办过 1 期读书班的单位占应报单位的比例。"
)


def heat_text(settings: Mapping[str, Any]) -> str:
    weights = settings.get("heat_weights") or {}
    w = {k: weights.get(k, "") for k in ("study", "survey", "rectify", "activity")}
    return (
        "**热度指数**（0–100）由四个分量加权而成（权重可在“设置”页调整，当前："
        f"理论学习 {w['study']}、调查研究 {w['survey']}、检视整改 {w['rectify']}、活跃度 {w['activity']}）：\n"
        "- **理论学习分** = （是否办过读书班 ×100 ＋ 读书班期数、天数、集中学习、专题党课的数量分）÷ 2；\n"
        "- **调查研究分** = （调研报告完成率 ×100 ＋ 调研课题、调研报告、典型案例的数量分）÷ 2；\n"
        "- **检视整改分** = （问题销号率 ×100 ＋ 措施落实率 ×100 ＋ 检视问题、整改措施、征求意见、办实事、建章立制的数量分）÷ 3；\n"
        f"- **活跃度分** = 近 {settings.get('stall_weeks', 2)} 周有增长的指标数 ÷ 14 ×100；本周未报为 0。\n\n"
        "**数量分** = 本单位累计数 ÷ 同组中位数 ×100，封顶 100（达到同组中位数即满分，不鼓励堆数字）。"
        "比率的分母为 0 时该项记 0 分；历史不足时活跃度不计，其余权重按比例放大。"
        "各分量都在同一绝对尺度上，因此不同层级的热度可以直接比较。\n"
        "- **比较组**：同层级（打开“按类别分组比较”后为同层级同类别）；排名在全市同组内进行，"
        "名次变化 = 上周名次 − 本周名次（正数为上升）。\n"
        f"- **分档**：热度 ≥ {settings.get('rank_green', 60)} 为绿，≥ {settings.get('rank_yellow', 40)} 为黄，其余为红。"
    )


def lagging_text(settings: Mapping[str, Any]) -> str:
    return (
        "一个单位满足下列任一条即列为落后单位，所有原因一并列出：\n"
        "- **未报送**：本周没有有效报表；\n"
        f"- **停滞**：本周已报，但近 {settings.get('stall_weeks', 2)} 周各项累计数均无增长；\n"
        f"- **排名末位**：热度位于同组最后 {float(settings.get('bottom_share', 0.1)) * 100:.0f}%（组内单位数 × 比例，四舍五入；并列者一并列入；全组并列时不列）；\n"
        f"- **销号率偏低**：已检视出问题，但问题销号率低于 {float(settings.get('low_closure_rate', 0.5)) * 100:.0f}%；\n"
        "- **两张皮**：理论学习分居同组前 25%，而问题销号率比同组中位数低 10 个百分点以上（组内不少于 4 个单位）；\n"
        f"- **不能按期完成**：仍有未销号问题，按近 {PACE_WEEKS} 个报告周的平均每周销号数，到结束日期（{settings.get('end_date')}）前销不完。"
    )


def gradient_text(settings: Mapping[str, Any]) -> str:
    t = settings.get("gradient_threshold", 10)
    return (
        "- **系统**：每个县级单位（县市区、市直部门）连同其全部下属单位。\n"
        "- **逐级平均热度**：系统内每一层级单位热度的平均（含未报单位）；县级一栏即牵头单位本身。\n"
        "- **传导系数** = 下一级平均热度 ÷ 上一级平均热度；**总传导** = 最下一级 ÷ 牵头单位。\n"
        f"- **上热中温下冷**：至少三个层级，且每下一级都比上一级低 {t} 分以上。\n"
        f"- **上热下冷**：最下一级是各层级中最冷的，且比上一级低 {t} 分以上，或以下各级都比牵头单位低 {t} 分以上。\n"
        f"- 某一层级不足 {settings.get('gradient_min_units', 3)} 个单位时，其平均热度偶然性大，不参与判定（牵头单位本身除外）。\n"
        "阈值可在“设置”页调整（层级递减阈值）。"
    )


def show(*texts: str) -> None:
    """The page's 口径说明 expander."""
    with st.expander("口径说明"):
        st.markdown("\n\n".join(texts))
