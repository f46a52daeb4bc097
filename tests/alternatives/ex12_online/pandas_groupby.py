"""Alternative: pandas (rank(method="average"), groupby), population variances (ddof=0) in ab_test.

Correct in another style: every check must accept it.
"""

from statistics import NormalDist

import numpy as np
import pandas as pd


def _frame(labels, scores, users=None):
    labels, scores = np.asarray(labels), np.asarray(scores, dtype=float)
    if labels.ndim != 1 or labels.shape != scores.shape:
        raise ValueError("labels and scores must be 1-D of one length")
    if users is not None and np.asarray(users).shape != labels.shape:
        raise ValueError("users must be 1-D of the labels' length")
    if not np.isin(labels, [0, 1]).all():
        raise ValueError("labels must be 0 or 1")
    frame = pd.DataFrame({"label": labels.astype(int), "score": scores})
    if users is not None:
        frame["user"] = np.asarray(users)
    return frame


def _auc_frame(frame):
    positives = int(frame["label"].sum())
    negatives = len(frame) - positives
    if positives == 0 or negatives == 0:
        return np.nan
    ranks = frame["score"].rank(method="average")
    return (ranks[frame["label"] == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives)


def auc(labels, scores):
    value = _auc_frame(_frame(labels, scores))
    if np.isnan(value):
        raise ValueError("AUC needs both classes")
    return float(value)


def gauc(labels, scores, users):
    frame = _frame(labels, scores, users)
    per_user = frame.groupby("user", sort=False).agg(rows=("label", "size"), positives=("label", "sum"))
    kept = per_user[(per_user["positives"] > 0) & (per_user["positives"] < per_user["rows"])]
    if kept.empty:
        raise ValueError("no user has both classes")
    rows = frame[frame["user"].isin(kept.index)]
    user_aucs = rows.groupby("user", sort=False)[["label", "score"]].apply(_auc_frame)
    return float(np.average(user_aucs, weights=kept.loc[user_aucs.index, "rows"]))


def fuse_scores(logits, weights, kind="product", negative_rates=None):
    if kind not in ("product", "sum"):
        raise ValueError(f"unknown kind {kind!r}")
    if not logits or set(weights) != set(logits):
        raise ValueError("weights must have the keys of logits")
    rates = pd.Series(1.0, index=list(logits))
    for task, rate in (negative_rates or {}).items():
        if task not in rates.index or not 0 < rate <= 1:
            raise ValueError(f"bad negative rate for {task!r}")
        rates[task] = rate
    if len({np.shape(values) for values in logits.values()}) != 1 or np.ndim(next(iter(logits.values()))) != 1:
        raise ValueError("the logits must be 1-D of one length")
    table = pd.DataFrame({task: np.asarray(values, dtype=float) for task, values in logits.items()})
    log_probabilities = -np.logaddexp(0.0, -(table + np.log(rates)))  # columns aligned by name
    weight_row = pd.Series(weights)[table.columns]
    if kind == "product":
        return np.exp((log_probabilities * weight_row).sum(axis=1)).to_numpy()
    return (np.exp(log_probabilities) * weight_row).sum(axis=1).to_numpy()


def ab_test(clicks_a, views_a, clicks_b, views_b, confidence=0.95):
    if not 0 < confidence < 1:
        raise ValueError("confidence must lie in (0, 1)")
    summary = {}
    for arm, clicks, views in (("a", clicks_a, views_a), ("b", clicks_b, views_b)):
        clicks, views = np.asarray(clicks, dtype=float), np.asarray(views, dtype=float)
        if clicks.ndim != 1 or clicks.shape != views.shape or clicks.size < 2:
            raise ValueError(f"arm {arm}: clicks and views must be 1-D of one length >= 2")
        if (clicks < 0).any() or (views < 0).any() or views.sum() == 0:
            raise ValueError(f"arm {arm}: negative counts or no views")
        users = pd.DataFrame({"clicks": clicks, "views": views})
        ratio = users["clicks"].sum() / users["views"].sum()
        linearised = (users["clicks"] - ratio * users["views"]) / users["views"].mean()
        summary[arm] = (ratio, linearised.var(ddof=0) / len(users))
    (ctr_a, variance_a), (ctr_b, variance_b) = summary["a"], summary["b"]
    if ctr_a == 0:
        raise ValueError("arm a has no clicks")
    lift = ctr_b / ctr_a - 1
    error = np.sqrt(variance_b / ctr_a ** 2 + ctr_b ** 2 * variance_a / ctr_a ** 4)
    z = NormalDist().inv_cdf((1 + confidence) / 2)
    return {"ctr_a": float(ctr_a), "ctr_b": float(ctr_b), "lift": float(lift), "low": float(lift - z * error),
            "high": float(lift + z * error)}
