"""口径说明: the definitions each board page documents (one text per topic, shared)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from dashboard.core import flags, heat
from dashboard.core.settings import Settings

__all__ = ["COVERAGE", "TOTALS", "gradient_text", "heat_text", "lagging_text", "show"]

COVERAGE = (
    "- **应报单位**：名册中未撤销的单位（含本级）。\n"
    "- **已报**：本周有一行报表且至少一项数字非空；整行空白视同未报。\n"
    "- **零报告**：已报，但填写的各项数字均为 0。\n"
    "- **报送率** = 已报单位数 ÷ 应报单位数。**连续未报周数**：截至本周连续未报送的周数。\n"
    "- **按时报送率**（本周开放了在线填报任务时）= 在填报截止时间前已提交（在线填报或上传周报）"
    "的单位数 ÷ 应报单位数；截止后才提交的记为**逾期补报**，截止后仍未报送的记为**逾期未报**"
    "（也是落后原因之一）。"
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
    current = "、".join(f"{c.label} {weights.get(c.key, '')}" for c in heat.HEAT_COMPONENTS)
    return (
        "**热度指数**（0–100）由各分量加权而成，每个分量都与“本层级可以期望的水平”相比（权重可在“设置”页调整，当前："
        f"{current}）：\n"
        + "".join(f"- {c.text(settings)}；\n" for c in heat.HEAT_COMPONENTS[:-1])
        + f"- {heat.HEAT_COMPONENTS[-1].text(settings)}。\n\n"
        "**数量分** = （本单位累计数 ＋ 1）÷（同组中位数 ＋ 1）×100，封顶 100（达到同组中位数即满分，不鼓励堆数字；"
        "加 1 让小单位的零星数字不致忽高忽低）。\n"
        "**不适用的项不计分，也不记 0 分**：比率的分母为 0（未立调研课题、尚未检视出问题）时该比率不计；"
        "同组中位数为 0 的数量项，本单位也为 0 时不计；某分量各项都不适用、历史不足以计算活跃度、未设任务清单时，"
        "该分量不计，其余权重按比例放大。\n"
        "- **比较组**：同层级（打开“按类别分组比较”后为同层级同类别）；排名在所看范围的同组单位内进行（联络员、只读账号只在所辖单位内），"
        "名次变化 = 上周名次 − 本周名次（正数为上升）。\n"
        f"- **分档**：热度 ≥ {Settings.of(settings)['rank_green']} 为绿，≥ {Settings.of(settings)['rank_yellow']} 为黄，其余为红。"
    )


def lagging_text(settings: Mapping[str, Any]) -> str:
    return (
        "一个单位满足下列任一条即列为落后单位，所有原因一并列出；各条都与**同组单位**（同层级，或同层级同类别）相比，而不是一条固定线：\n"
        + flags.reasons_text(settings)
        + f"页面默认列出最需督导的前 {Settings.of(settings)['lagging_focus']} 个（“设置”页可改），可切换显示全部。"
    )


def gradient_text(settings: Mapping[str, Any]) -> str:
    e = Settings.of(settings)["gradient_effect"]
    return (
        "- **系统**：每个县级单位（县市区、市直部门）连同其全部下属单位，层级多少不限。\n"
        "- **逐级平均热度**：系统内每一层级单位热度的平均（含未报单位）；县级一栏即牵头单位本身。\n"
        "- **传导系数** = 下一级平均热度 ÷ 上一级平均热度；**总传导** = 最下一级 ÷ 牵头单位。\n"
        f"- **明显下降**：两级平均热度之差既超过这两级单位热度离散度（全市同级的稳健标准差）的 {e} 倍，"
        "又超出平均数的偶然波动（1.645 倍标准误），才算数；差几分而离散度大，不算。\n"
        "- **上热中温下冷**：牵头单位到最下一级明显下降，且中间各级处在两者之间，逐级递减；\n"
        "- **上热下冷**：明显下降集中在最下一级；**中梗阻**：明显下降集中在中间层级（中间层级已接近或低于最下一级）；\n"
        "- **整体偏冷**：牵头单位本身热度就位于同级后 25%（且低于同级平均一个以上标准差），各层级也都低于全市同级平均——"
        "这是“从上就冷”，不是“上热”；\n"
        "- 系统按**热度损失**排序（牵头单位到最冷一级的落差；整体偏冷为各级低于全市同级的平均差），"
        "并说明哪两级之间降幅最大、哪些分量降得最多。\n"
        f"- 某一层级不足 {Settings.of(settings)['gradient_min_units']} 个单位时，其平均热度偶然性大，不参与判定（牵头单位本身除外）。\n"
        "- 全市一句同样判断全市各层级（单位不少于上述数目的层级）是否逐级递减。阈值可在“设置”页调整（层级落差倍数）。"
    )


def show(*texts: str) -> None:
    """The page's 口径说明 expander."""
    with st.expander("口径说明"):
        st.markdown("\n\n".join(texts))
