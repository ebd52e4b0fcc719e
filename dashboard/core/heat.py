"""热度指数 (0–100): how hot the campaign runs in a unit, comparable ACROSS levels.

Four components, each 0–100 on an absolute scale, combined with the configurable weights
``settings["heat_weights"]`` (study, survey, rectify, activity):

- ``study`` 理论学习 = mean of (a) reading-class coverage (100 if the unit has held at least
  one reading class, else 0) and (b) the volume score of 读书班期数, 读书班天数, 集中学习次数,
  专题党课次数.
- ``survey`` 调查研究 = mean of (a) 调研报告完成率 × 100 and (b) the volume score of 调研课题数,
  完成调研报告数, 典型案例剖析数.
- ``rectify`` 检视整改 = mean of (a) 问题销号率 × 100, (b) 措施落实率 × 100 and (c) the volume
  score of 检视问题数, 整改措施数, 征求意见建议数, 为民办实事件数, 建章立制数.
- ``activity`` 活跃度 = share of the 14 indicators that rose over the last ``stall_weeks``
  report weeks × 100 (0 when the unit did not report this week).

A *volume score* is 100 × value / median of the unit's peer pool, capped at 100: reaching
the peers' median earns full marks, so piling up numbers beyond it earns nothing, while
volumes of units at different levels stay comparable.  A rate whose denominator is 0 scores 0
(nothing found or planned yet).  A component that cannot be computed (activity before
there is enough history) is left out and the remaining weights are renormalised.

The *peer pool* is the unit's level (optionally level × category); ranks are within it.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from dashboard.core.metrics import FIGS

COMPONENTS: dict[str, str] = {
    "study": "理论学习",
    "survey": "调查研究",
    "rectify": "检视整改",
    "activity": "活跃度",
}
COMP_COLUMNS: list[str] = [f"comp_{name}" for name in COMPONENTS]
DEFAULT_WEIGHTS: dict[str, float] = {"study": 0.3, "survey": 0.25, "rectify": 0.3, "activity": 0.15}

STUDY_VOLUMES = ("reading_classes", "reading_days", "study_sessions", "party_lectures")
SURVEY_VOLUMES = ("survey_topics", "survey_reports", "typical_cases")
RECTIFY_VOLUMES = ("problems_found", "measures_set", "opinions", "deeds_done", "rules_made")


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


def pool_labels(frame: pd.DataFrame, by_category: bool) -> pd.Series:
    """The peer pool of each row: its level name, or level name · category."""
    label = frame["level_name"].astype(str)
    if by_category:
        label = label + "·" + frame["category"].astype(str)
    return label


def volume_scores(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """100 × carried value / pool median, capped at 100 (per report day and pool).

    With a pool median of 0 (or no values), any positive value scores 100 and 0 scores 0.
    """
    cur = frame[[f"cur_{c}" for c in FIGS]].astype("float64")
    medians = cur.groupby([frame[k] for k in keys]).transform("median")
    values = cur.fillna(0.0).to_numpy()
    med = medians.to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(med > 0, values / med, np.where(values > 0, 1.0, 0.0))
    scores = np.clip(ratio, 0.0, 1.0) * 100.0
    return pd.DataFrame(scores, columns=FIGS, index=frame.index)


def _rate_score(frame: pd.DataFrame, code: str) -> pd.Series:
    return (frame[code].astype("float64").fillna(0.0).clip(0.0, 1.0)) * 100.0


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
    vol = volume_scores(out, keys)
    reading = np.where(out["has_reading"].to_numpy(), 100.0, 0.0)
    out["comp_study"] = (reading + vol[list(STUDY_VOLUMES)].mean(axis=1).to_numpy()) / 2.0
    out["comp_survey"] = (
        _rate_score(out, "report_rate").to_numpy()
        + vol[list(SURVEY_VOLUMES)].mean(axis=1).to_numpy()
    ) / 2.0
    out["comp_rectify"] = (
        _rate_score(out, "closure_rate").to_numpy()
        + _rate_score(out, "measure_rate").to_numpy()
        + vol[list(RECTIFY_VOLUMES)].mean(axis=1).to_numpy()
    ) / 3.0
    out["comp_activity"] = out["moved"].astype("float64") / len(FIGS) * 100.0
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
        out[col] = out[col].round(1)
    grouped = out.groupby(keys, sort=False)["heat"]
    out["rank"] = grouped.rank(ascending=False, method="min").astype("Int64")
    out["rank_last"] = grouped.rank(ascending=False, method="max").astype("Int64")
    out["pool_size"] = grouped.transform("size").astype("int64")
    return out


def status(heat: pd.Series, settings: Mapping[str, object]) -> pd.Series:
    """green / yellow / red by the configured heat thresholds."""
    green = float(settings.get("rank_green", 60.0))  # type: ignore[arg-type]
    yellow = float(settings.get("rank_yellow", 40.0))  # type: ignore[arg-type]
    values = heat.astype("float64")
    labels = np.where(values >= green, "green", np.where(values >= yellow, "yellow", "red"))
    return pd.Series(labels, index=heat.index)


STATUS_LABELS: dict[str, str] = {"green": "绿", "yellow": "黄", "red": "红"}
