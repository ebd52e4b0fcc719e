"""热度指数 (0–100): how hot the campaign runs in a unit, fair ACROSS levels.

Each component compares a unit with what can be expected at its level (its peer pool, or the
office's per-level targets), on a 0–100 scale, and the components are combined with the
configurable weights ``settings["heat_weights"]`` (study, survey, rectify, activity, targets):

- ``study`` 理论学习 = mean of (a) reading classes against the pool's median (at least 1 is
  always expected, so 1 of an expected 2 scores 50: graded, not all-or-nothing) and (b) the
  volume score of 读书班天数, 集中学习次数, 专题党课次数.
- ``survey`` 调查研究 = mean of (a) 调研报告完成率 × 100 and (b) the volume score of 调研课题数,
  完成调研报告数, 典型案例剖析数.
- ``rectify`` 检视整改 = mean of (a) 问题销号率 × 100, (b) 措施落实率 × 100 and (c) the volume
  score of 检视问题数, 整改措施数, 征求意见建议数, 为民办实事件数, 建章立制数.
- ``activity`` 活跃度 = indicators that rose over the last ``stall_weeks`` report weeks against
  the pool's median count (at least 1), capped at 100 (0 when the unit did not report).
- ``targets`` 任务完成 = only where the office set per-level targets (``level_targets``): mean
  over the targeted indicators of value ÷ (target × share of the campaign elapsed), capped.

A *volume score* is 100 × (value + 1) / (median of the unit's peer pool + 1), capped at 100
(the +1 keeps the lumpy small counts of small units fair).  Parts that do
not apply to a unit are left out, never scored 0: a rate whose denominator is 0 (no survey topic
set, nothing found yet) and a volume of 0 in a pool whose median is 0 (nobody at that level does
it).  A component with no part left (or activity before there is enough history, targets
without a target) is left out and the remaining weights are renormalised.

The *peer pool* is the unit's level (optionally level × category); ranks are within it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.core.catalogue import INDICATOR_CODES, heat_graded, heat_rates, heat_volumes
from dashboard.core.metrics import FIGS
from dashboard.core.settings import Settings

__all__ = [
    "COMPONENTS",
    "COMP_COLUMNS",
    "DEFAULT_WEIGHTS",
    "HEAT_COMPONENTS",
    "MIN_ELAPSED",
    "SMOOTHING",
    "STATUS_LABELS",
    "HeatComponent",
    "add_heat",
    "level_targets",
    "pool_labels",
    "status",
    "targets_score",
    "volume_scores",
    "weights",
]


@dataclass(frozen=True)
class HeatComponent:
    """One component of the 热度指数: its key (``comp_<key>``, the ``heat_weights`` key), its
    label, its default weight and its 口径 text (given the settings).  The indicator-based
    components (``from_catalogue``) take their parts from the catalogue: each indicator and
    rate declares the component it counts toward."""

    key: str
    label: str
    weight: float
    text: Callable[[Settings], str]
    from_catalogue: bool = False


def _catalogue_text(key: str, label: str) -> Callable[[Settings], str]:
    """``**理论学习分** = （读书班期数得分 ＋ …的数量分）÷ 2；…``: the parts as declared."""

    def text(_settings: Settings) -> str:
        graded, rates, volumes = heat_graded(key), heat_rates(key), heat_volumes(key)
        parts = [f"{i.words}得分" for i in graded] + [f"{r.label} ×100" for r in rates]
        if volumes:
            parts.append("、".join(i.words for i in volumes) + "的数量分")
        line = f"**{label}分** = （{' ＋ '.join(parts)}）÷ {len(parts)}"
        for i in graded:
            line += (
                f"；{i.words}得分 =（本单位{i.unit}数 ＋ 1）÷（同组中位数（至少 1 {i.unit}）＋ 1）"
                "×100，封顶 100，按比例给分，不是“有或无”"
            )
        return line

    return text


def _activity_text(settings: Settings) -> str:
    return (
        f"**活跃度分** = 近 {settings['stall_weeks']} 周有增长的指标数 ÷ 同组中位数"
        "（至少 1 项）×100，封顶 100；本周未报为 0"
    )


def _targets_text(settings: Settings) -> str:
    return (
        "**任务完成分**：只在“设置”页填了各层级任务清单时计入，= 各项累计数 ÷（目标数 × "
        "已过时间比例），封顶 100"
        + ("（当前未设任务清单，不计入）" if not settings.get("level_targets") else "")
    )


HEAT_COMPONENTS: tuple[HeatComponent, ...] = (
    HeatComponent("study", "理论学习", 0.3, _catalogue_text("study", "理论学习"), True),
    HeatComponent("survey", "调查研究", 0.25, _catalogue_text("survey", "调查研究"), True),
    HeatComponent("rectify", "检视整改", 0.3, _catalogue_text("rectify", "检视整改"), True),
    HeatComponent("activity", "活跃度", 0.15, _activity_text),
    HeatComponent("targets", "任务完成", 0.2, _targets_text),
)
COMPONENTS: dict[str, str] = {c.key: c.label for c in HEAT_COMPONENTS}
COMP_COLUMNS: list[str] = [f"comp_{name}" for name in COMPONENTS]
DEFAULT_WEIGHTS: dict[str, float] = {c.key: c.weight for c in HEAT_COMPONENTS}
SMOOTHING = 1.0  # volumes compare (value + 1) with (median + 1): small counts are lumpy
MIN_ELAPSED = 0.05  # targets are pro-rated from 5% of the campaign on (not from zero)


def weights(settings: Mapping[str, object]) -> dict[str, float]:
    """The component weights from settings, unknown keys ignored, missing ones defaulted."""
    raw = settings.get("heat_weights") or {}
    out = dict(DEFAULT_WEIGHTS)
    if isinstance(raw, Mapping):
        for key, value in raw.items():
            if key in out:
                try:
                    out[key] = max(float(value), 0.0)
                except (TypeError, ValueError):
                    continue
    return out


def level_targets(settings: Mapping[str, object]) -> dict[str, dict[str, float]]:
    """任务清单: level (name or number, as text) → {indicator code: minimum by the end date}.

    Unknown indicators and values that are not positive numbers are ignored."""
    raw = settings.get("level_targets") or {}
    out: dict[str, dict[str, float]] = {}
    if not isinstance(raw, Mapping):
        return out
    for level, items in raw.items():
        if not isinstance(items, Mapping):
            continue
        clean: dict[str, float] = {}
        for code, value in items.items():
            try:
                number = float(value)
            except (TypeError, ValueError):
                continue
            if code in INDICATOR_CODES and number > 0:
                clean[str(code)] = number
        if clean:
            out[str(level).strip()] = clean
    return out


def pool_labels(frame: pd.DataFrame, by_category: bool) -> pd.Series:
    """The peer pool of each row: its level name, or level name · category."""
    label = frame["level_name"].astype(str)
    if by_category:
        label = label + "·" + frame["category"].astype(str)
    return label


def volume_scores(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """100 × (carried value + 1) / (pool median + 1), capped at 100 (per report day and pool).

    The +1 keeps small counts fair: with a median of 1, a unit with none scores 50, not 0.
    With a pool median of 0, a positive value scores 100 and a value of 0 is left out (NaN):
    nobody at that level is expected to have any.
    """
    cur = frame[[f"cur_{c}" for c in FIGS]].astype("float64")
    medians = cur.groupby([frame[k] for k in keys]).transform("median")
    values = cur.fillna(0.0).to_numpy()
    med = medians.to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        smoothed = (values + SMOOTHING) / (med + SMOOTHING)
        ratio = np.where(med > 0, smoothed, np.where(values > 0, 1.0, np.nan))
    scores = np.clip(ratio, 0.0, 1.0) * 100.0
    return pd.DataFrame(scores, columns=FIGS, index=frame.index)


def _against_expected(values: pd.Series, groups: list[pd.Series]) -> np.ndarray:
    """100 × (value + 1) / (max(pool median, 1) + 1), capped: at least one is always
    expected, and (as for volumes) the +1 keeps small counts fair."""
    filled = values.astype("float64").fillna(0.0)
    expected = filled.groupby(groups).transform("median").clip(lower=1.0).to_numpy()
    ratio = (filled.to_numpy() + SMOOTHING) / (expected + SMOOTHING)
    return np.clip(ratio, 0.0, 1.0) * 100.0


def _catalogue_component(
    frame: pd.DataFrame, key: str, groups: list[pd.Series], vol: pd.DataFrame
) -> np.ndarray:
    """Mean of the parts the catalogue declares for ``key``: graded figures, rates × 100,
    and the mean of the volume scores."""
    parts = [_against_expected(frame[f"cur_{i.code}"], groups) for i in heat_graded(key)]
    parts += [_rate_score(frame, r.code) for r in heat_rates(key)]
    volumes = heat_volumes(key)
    if volumes:
        parts.append(_mean_parts(*(vol[i.code].to_numpy() for i in volumes)))
    return _mean_parts(*parts)


def _mean_parts(*parts: np.ndarray) -> np.ndarray:
    """Row-wise mean of the parts that apply (NaN parts left out; NaN when none applies)."""
    stack = np.vstack([np.asarray(p, dtype="float64") for p in parts])
    present = ~np.isnan(stack)
    count = present.sum(axis=0)
    total = np.where(present, stack, 0.0).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _rate_score(frame: pd.DataFrame, code: str) -> np.ndarray:
    """Rate × 100; NaN (left out) when the rate's denominator is 0."""
    return frame[code].astype("float64").clip(0.0, 1.0).to_numpy() * 100.0


def _elapsed(frame: pd.DataFrame, settings: Mapping[str, object]) -> np.ndarray:
    """Share of the campaign elapsed at each row's report day (MIN_ELAPSED … 1)."""
    typed = Settings.of(settings)
    start, end = pd.Timestamp(typed.start_date), pd.Timestamp(typed.end_date)
    span = max((end - start).days, 1)
    days = (pd.to_datetime(frame["report_date"]) - start).dt.days.to_numpy(dtype="float64")
    return np.clip(days / span, MIN_ELAPSED, 1.0)


def targets_score(frame: pd.DataFrame, settings: Mapping[str, object]) -> np.ndarray:
    """任务完成: mean over the level's targets of value ÷ pro-rated target, capped at 100;
    NaN for units whose level has no target."""
    targets = level_targets(settings)
    out = np.full(len(frame), np.nan)
    if not targets or frame.empty:
        return out
    elapsed = _elapsed(frame, settings)
    names = frame["level_name"].astype(str).to_numpy()
    numbers = (
        frame["level"].astype("int64").astype(str).to_numpy()
        if "level" in frame.columns
        else np.full(len(frame), "")
    )
    for level, items in targets.items():
        rows = (names == level) | (numbers == level)
        if not rows.any():
            continue
        parts = [
            np.clip(
                frame.loc[rows, f"cur_{code}"].astype("float64").fillna(0.0).to_numpy()
                / (target * elapsed[rows]),
                0.0,
                1.0,
            )
            for code, target in items.items()
        ]
        out[rows] = np.mean(parts, axis=0) * 100.0
    return out


def add_heat(
    frame: pd.DataFrame,
    settings: Mapping[str, object],
    by_category: bool = False,
) -> pd.DataFrame:
    """Add comp_* columns, heat, pool, pool_size and rank to a metrics panel.

    ``frame`` needs the metrics panel columns plus level_name and category.  Works for one or
    many report days at once (grouped by report_date and pool).
    """
    out = frame.copy()
    out["pool"] = pool_labels(out, by_category)
    keys = ["report_date", "pool"]
    groups = [out[k] for k in keys]
    vol = volume_scores(out, keys)
    for component in HEAT_COMPONENTS:
        if component.from_catalogue:
            out[f"comp_{component.key}"] = _catalogue_component(out, component.key, groups, vol)
    moved = out["moved"].astype("float64")
    expected_moves = moved.groupby(groups).transform("median").fillna(1.0).clip(lower=1.0)
    out["comp_activity"] = (moved / expected_moves).clip(0.0, 1.0) * 100.0
    out["comp_targets"] = targets_score(out, settings)
    w = weights(settings)
    comps = out[COMP_COLUMNS].to_numpy(dtype="float64")
    wvec = np.array([w[name] for name in COMPONENTS])
    present = ~np.isnan(comps)
    weight_sum = (present * wvec).sum(axis=1)
    weighted = (np.nan_to_num(comps) * wvec).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        heat = np.where(weight_sum > 0, weighted / weight_sum, np.nan)
    out["heat"] = np.round(heat, 1)
    for col in COMP_COLUMNS:
        out[col] = out[col].astype("float64").round(1)
    grouped = out.groupby(keys, sort=False)["heat"]
    out["rank"] = grouped.rank(ascending=False, method="min").astype("Int64")
    out["rank_last"] = grouped.rank(ascending=False, method="max").astype("Int64")
    out["pool_size"] = grouped.transform("size").astype("int64")
    return out


def status(heat: pd.Series, settings: Mapping[str, object]) -> pd.Series:
    """green / yellow / red by the configured heat thresholds."""
    typed = Settings.of(settings)
    green, yellow = typed.rank_green, typed.rank_yellow
    values = heat.astype("float64")
    labels = np.where(values >= green, "green", np.where(values >= yellow, "yellow", "red"))
    return pd.Series(labels, index=heat.index)


STATUS_LABELS: dict[str, str] = {"green": "绿", "yellow": "黄", "red": "红"}
