"""Alternative: pure Python loops with sorted(), dict grouping, math and statistics.NormalDist (numpy only at the end).

Correct in another style: every check must accept it.
"""

import math
from statistics import NormalDist

import numpy as np


def _rows(*columns):
    """The columns as Python lists of one length (numpy arrays, lists, tensors), or ValueError."""
    lists = []
    for column in columns:
        if hasattr(column, "tolist"):
            column = np.asarray(column)
            if column.ndim != 1:
                raise ValueError(f"expected a 1-D array, got shape {column.shape}")
            column = column.tolist()
        column = list(column)
        if any(isinstance(value, (list, tuple)) for value in column):
            raise ValueError("expected a flat sequence")
        lists.append(column)
    if len({len(column) for column in lists}) != 1:
        raise ValueError("the arrays have different lengths")
    return lists


def _check_labels(labels):
    for label in labels:
        if label not in (0, 1):  # True == 1 and 1.0 == 1 too
            raise ValueError(f"labels must be 0 or 1, got {label!r}")


def _auc_lists(labels, scores):
    pairs = sorted(zip((float(s) for s in scores), labels), key=lambda pair: pair[0])
    num_positives = sum(1 for label in labels if label == 1)
    num_negatives = len(labels) - num_positives
    if num_positives == 0 or num_negatives == 0:
        raise ValueError("AUC needs both a positive and a negative label")
    positive_rank_sum, start = 0.0, 0
    while start < len(pairs):
        end = start
        while end < len(pairs) and pairs[end][0] == pairs[start][0]:
            end += 1
        average_rank = (start + 1 + end) / 2  # ranks start+1 .. end share their mean
        positive_rank_sum += average_rank * sum(1 for _, label in pairs[start:end] if label == 1)
        start = end
    return (positive_rank_sum - num_positives * (num_positives + 1) / 2) / (num_positives * num_negatives)


def auc(labels, scores):
    labels, scores = _rows(labels, scores)
    _check_labels(labels)
    return _auc_lists(labels, scores)


def gauc(labels, scores, users):
    labels, scores, users = _rows(labels, scores, users)
    _check_labels(labels)
    groups = {}
    for label, score, user in zip(labels, scores, users):
        group = groups.setdefault(user, ([], []))
        group[0].append(label)
        group[1].append(score)
    total, weight = 0.0, 0
    for user_labels, user_scores in groups.values():
        positives = sum(1 for label in user_labels if label == 1)
        if 0 < positives < len(user_labels):
            total += len(user_labels) * _auc_lists(user_labels, user_scores)
            weight += len(user_labels)
    if weight == 0:
        raise ValueError("no user has both classes")
    return total / weight


def _log_sigmoid(x):
    return -math.log1p(math.exp(-x)) if x >= 0 else x - math.log1p(math.exp(x))


def fuse_scores(logits, weights, kind="product", negative_rates=None):
    if kind not in ("product", "sum"):
        raise ValueError(f"unknown kind {kind!r}")
    if not logits or sorted(weights) != sorted(logits):
        raise ValueError("weights must have exactly the keys of logits, and logits at least one")
    negative_rates = negative_rates or {}
    for task, rate in negative_rates.items():
        if task not in logits or not 0 < rate <= 1:
            raise ValueError(f"bad negative rate {task!r}: {rate!r}")
    tasks = list(logits)
    columns = _rows(*[logits[task] for task in tasks])
    fused = []
    for row in range(len(columns[0])):
        value = 1.0 if kind == "product" else 0.0
        for task, column in zip(tasks, columns):
            logit = float(column[row])
            if task in negative_rates:
                logit += math.log(negative_rates[task])
            if kind == "product":
                value *= math.exp(weights[task] * _log_sigmoid(logit))
            else:
                value += weights[task] * math.exp(_log_sigmoid(logit))
        fused.append(value)
    return np.array(fused, dtype=float)


def _ratio_and_variance(clicks, views):
    n = len(clicks)
    mean_clicks, mean_views = sum(clicks) / n, sum(views) / n
    ratio = mean_clicks / mean_views
    s_cc = sum((c - mean_clicks) ** 2 for c in clicks) / (n - 1)
    s_vv = sum((v - mean_views) ** 2 for v in views) / (n - 1)
    s_cv = sum((c - mean_clicks) * (v - mean_views) for c, v in zip(clicks, views)) / (n - 1)
    return ratio, (s_cc - 2 * ratio * s_cv + ratio ** 2 * s_vv) / (n * mean_views ** 2)


def ab_test(clicks_a, views_a, clicks_b, views_b, confidence=0.95):
    if not 0 < confidence < 1:
        raise ValueError("confidence must lie in (0, 1)")
    arms = []
    for clicks, views in ((clicks_a, views_a), (clicks_b, views_b)):
        clicks, views = _rows(clicks, views)
        clicks, views = [float(c) for c in clicks], [float(v) for v in views]
        if len(clicks) < 2 or min(clicks) < 0 or min(views) < 0 or sum(views) == 0:
            raise ValueError("each arm needs >= 2 users, counts >= 0 and some views")
        arms.append(_ratio_and_variance(clicks, views))
    (ctr_a, variance_a), (ctr_b, variance_b) = arms
    if ctr_a == 0:
        raise ValueError("arm a has no clicks")
    lift = ctr_b / ctr_a - 1
    error = math.sqrt(variance_b / ctr_a ** 2 + ctr_b ** 2 * variance_a / ctr_a ** 4)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    return {"ctr_a": ctr_a, "ctr_b": ctr_b, "lift": lift, "low": lift - z * error, "high": lift + z * error}
