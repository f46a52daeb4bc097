"""Held-out WRONG answer: fuse_scores carries one mistake (naive_sigmoid_power); every other part is correct."""

from statistics import NormalDist
import numpy as np
FUSION_KINDS = ("product", "sum")  # the fusion rules fuse_scores knows


def _check_labels(labels):
    if not np.all((labels == 0) | (labels == 1)):
        raise ValueError("labels must be 0 or 1")
    return labels == 1


def auc(labels, scores):
    labels = np.asarray(labels)
    scores = np.asarray(scores, dtype=float)
    if labels.ndim != 1 or scores.ndim != 1 or labels.shape != scores.shape:
        raise ValueError(f"labels {labels.shape} and scores {scores.shape} must be 1-D of one length")
    positives = _check_labels(labels)
    n_pos = int(positives.sum())
    n_neg = labels.size - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("AUC needs at least one positive and one negative")
    order = np.argsort(scores, kind="stable")
    sorted_scores = scores[order]
    starts = np.flatnonzero(np.r_[True, sorted_scores[1:] != sorted_scores[:-1]])
    ends = np.r_[starts[1:], scores.size] - 1          # last index of each run (inclusive)
    average = (starts + ends + 2) / 2.0                 # mean of 1-based ranks start+1 .. end+1
    ranks = np.empty(scores.size)
    ranks[order] = np.repeat(average, ends - starts + 1)
    u = ranks[positives].sum() - n_pos * (n_pos + 1) / 2
    return float(u / (n_pos * n_neg))


def gauc(labels, scores, users):
    labels = np.asarray(labels)
    scores = np.asarray(scores, dtype=float)
    users = np.asarray(users)
    if labels.ndim != 1 or scores.ndim != 1 or users.ndim != 1 or not (labels.shape == scores.shape == users.shape):
        raise ValueError("labels, scores and users must be 1-D of one length")
    positives = _check_labels(labels)
    _, user_index = np.unique(users, return_inverse=True)
    user_index = user_index.ravel()
    order = np.argsort(user_index, kind="stable")
    sorted_index = user_index[order]
    bounds = np.flatnonzero(sorted_index[1:] != sorted_index[:-1]) + 1
    values, weights = [], []
    for rows in np.split(order, bounds):
        n_pos = positives[rows].sum()
        if 0 < n_pos < rows.size:
            values.append(auc(labels[rows], scores[rows]))
            weights.append(rows.size)
    if not values:
        raise ValueError("no user has both a positive and a negative row")
    return float(np.average(values, weights=weights))


def fuse_scores(logits, weights, kind="product", negative_rates=None):
    if kind not in FUSION_KINDS:
        raise ValueError(f"kind must be one of {FUSION_KINDS}, got {kind!r}")
    if not logits:
        raise ValueError("logits is empty")
    if set(weights) != set(logits):
        raise ValueError("weights must have exactly the keys of logits")
    negative_rates = {} if negative_rates is None else dict(negative_rates)
    for task, rate in negative_rates.items():
        if task not in logits:
            raise ValueError(f"negative_rates names an unknown task {task!r}")
        if not 0 < rate <= 1:
            raise ValueError(f"rate {rate} of {task!r} is not in (0, 1]")
    arrays = {task: np.asarray(values, dtype=float) for task, values in logits.items()}
    lengths = {a.shape for a in arrays.values()}
    if any(a.ndim != 1 for a in arrays.values()) or len(lengths) != 1:
        raise ValueError("every task's logits must be 1-D of one length")
    n = next(iter(arrays.values())).shape[0]
    if kind == "product":
        score = np.ones(n)
        for task, x in arrays.items():
            if task in negative_rates:
                x = x + np.log(negative_rates[task])
            score *= (1.0 / (1.0 + np.exp(-x))) ** weights[task]
        return score
    score = np.zeros(n)
    for task, x in arrays.items():
        if task in negative_rates:
            x = x + np.log(negative_rates[task])
        score += weights[task] * np.exp(-np.logaddexp(0.0, -x))
    return score


def _ratio_and_variance(clicks, views):
    n = clicks.size
    ratio = clicks.sum() / views.sum()
    covariance = np.cov(clicks, views)                   # ddof=1
    s_cc, s_cv, s_vv = covariance[0, 0], covariance[0, 1], covariance[1, 1]
    mean_views = views.mean()
    variance = (s_cc - 2 * ratio * s_cv + ratio ** 2 * s_vv) / (n * mean_views ** 2)
    return ratio, variance


def ab_test(clicks_a, views_a, clicks_b, views_b, confidence=0.95):
    arms = []
    for name, clicks, views in (("a", clicks_a, views_a), ("b", clicks_b, views_b)):
        clicks = np.asarray(clicks, dtype=float)
        views = np.asarray(views, dtype=float)
        if clicks.ndim != 1 or views.ndim != 1 or clicks.shape != views.shape:
            raise ValueError(f"arm {name}: clicks and views must be 1-D of one length")
        if clicks.size < 2:
            raise ValueError(f"arm {name} needs at least 2 users")
        if (clicks < 0).any() or (views < 0).any():
            raise ValueError(f"arm {name}: counts must be >= 0")
        if views.sum() <= 0:
            raise ValueError(f"arm {name} has no views")
        arms.append((clicks, views))
    if arms[0][0].sum() <= 0:
        raise ValueError("arm a has no clicks: the lift is undefined")
    if not 0 < confidence < 1:
        raise ValueError("confidence must be strictly between 0 and 1")
    z = NormalDist().inv_cdf((1 + confidence) / 2)
    ratio_a, var_a = _ratio_and_variance(*arms[0])
    ratio_b, var_b = _ratio_and_variance(*arms[1])
    lift = ratio_b / ratio_a - 1
    var_lift = var_b / ratio_a ** 2 + ratio_b ** 2 * var_a / ratio_a ** 4
    half = z * np.sqrt(var_lift)
    return {"ctr_a": float(ratio_a), "ctr_b": float(ratio_b), "lift": float(lift),
            "low": float(lift - half), "high": float(lift + half)}
