"""Alternative: numpy in float32 (the scores keep their own precision: a cast would make ties; ranks via np.unique's inverse and counts, a bincount GAUC
over all users at once), and a normal quantile found by bisection on math.erf (no scipy, no statistics).

Correct in another style: every check must accept it.
"""

import math

import numpy as np


def _inputs(labels, scores):
    labels, scores = np.asarray(labels), np.asarray(scores)
    if scores.dtype.kind != "f":  # ints become float32; float scores keep their precision (ties must be real)
        scores = scores.astype(np.float32)
    if labels.ndim != 1 or labels.shape != scores.shape:
        raise ValueError("labels and scores must be 1-D of one length")
    if not np.all((labels == 0) | (labels == 1)):
        raise ValueError("labels must be 0 or 1")
    return labels.astype(np.float32), scores


def auc(labels, scores):
    labels, scores = _inputs(labels, scores)
    num_positives = labels.sum(dtype=np.float64)
    num_negatives = labels.size - num_positives
    if num_positives == 0 or num_negatives == 0:
        raise ValueError("AUC needs both classes")
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    average_rank = (np.cumsum(counts) - (counts - 1) / 2).astype(np.float32)  # 1-based mean rank of each value
    rank_sum = np.sum(average_rank[inverse] * labels, dtype=np.float64)
    return np.float32((rank_sum - num_positives * (num_positives + 1) / 2) / (num_positives * num_negatives))


def gauc(labels, scores, users):
    labels, scores = _inputs(labels, scores)
    users = np.asarray(users)
    if users.shape != labels.shape:
        raise ValueError("users must have the labels' shape")
    _, user = np.unique(users, return_inverse=True)
    # ranks within each user: sort by (user, score); equal (user, score) pairs share their mean rank
    order = np.lexsort((scores, user))
    user_sorted, score_sorted = user[order], scores[order]
    new_value = np.r_[True, (user_sorted[1:] != user_sorted[:-1]) | (score_sorted[1:] != score_sorted[:-1])]
    value_id = np.cumsum(new_value) - 1
    value_counts = np.bincount(value_id)
    first_of_user = np.r_[0, np.flatnonzero(user_sorted[1:] != user_sorted[:-1]) + 1]
    user_start = np.repeat(first_of_user, np.diff(np.r_[first_of_user, order.size]))
    value_end = np.cumsum(value_counts)[value_id]  # one past the last position of the row's value
    rank = (value_end - (value_counts[value_id] - 1) / 2 - user_start).astype(np.float32)
    rows = np.bincount(user).astype(np.float32)
    positives = np.bincount(user, weights=labels).astype(np.float32)
    rank_sums = np.bincount(user_sorted, weights=rank * labels[order])
    negatives = rows - positives
    kept = (positives > 0) & (negatives > 0)
    if not kept.any():
        raise ValueError("no user has both classes")
    user_auc = (rank_sums[kept] - positives[kept] * (positives[kept] + 1) / 2) / (positives[kept] * negatives[kept])
    return np.float32(np.sum(user_auc * rows[kept]) / np.sum(rows[kept]))


def fuse_scores(logits, weights, kind="product", negative_rates=None):
    if kind not in ("product", "sum"):
        raise ValueError(f"unknown kind {kind!r}")
    if not logits or set(weights) != set(logits):
        raise ValueError("weights must have the keys of logits")
    rates = {task: 1.0 for task in logits}
    for task, rate in (negative_rates or {}).items():
        if task not in rates or not 0 < rate <= 1:
            raise ValueError(f"bad negative rate for {task!r}")
        rates[task] = rate
    arrays = {task: np.asarray(values).astype(np.float32) for task, values in logits.items()}
    if len({a.shape for a in arrays.values()}) != 1 or next(iter(arrays.values())).ndim != 1:
        raise ValueError("the logits must be 1-D of one length")
    log_probabilities = {}
    for task, x in arrays.items():  # log sigmoid(x + log r), in float32: the corrected head, in logs
        log_probabilities[task] = -np.logaddexp(np.float32(0), -(x + np.log(np.float32(rates[task]))))
    if kind == "product":
        total = np.zeros_like(next(iter(arrays.values())))
        for task, log_p in log_probabilities.items():
            total = total + np.float32(weights[task]) * log_p
        return np.exp(total)
    return sum(np.float32(weights[task]) * np.exp(log_p) for task, log_p in log_probabilities.items())


def _normal_quantile(probability):
    low, high = -10.0, 10.0
    for _ in range(100):
        middle = (low + high) / 2
        if 0.5 * (1 + math.erf(middle / math.sqrt(2))) < probability:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def ab_test(clicks_a, views_a, clicks_b, views_b, confidence=0.95):
    if not 0 < confidence < 1:
        raise ValueError("confidence must lie in (0, 1)")
    arms = []
    for clicks, views in ((clicks_a, views_a), (clicks_b, views_b)):
        clicks, views = np.asarray(clicks).astype(np.float32), np.asarray(views).astype(np.float32)
        if clicks.ndim != 1 or clicks.shape != views.shape or clicks.size < 2:
            raise ValueError("each arm: 1-D clicks and views of one length, at least 2 users")
        if (clicks < 0).any() or (views < 0).any() or views.sum() == 0:
            raise ValueError("negative counts or no views")
        ratio = clicks.sum() / views.sum()
        covariance = np.cov(np.stack([clicks, views])).astype(np.float32)
        variance = (covariance[0, 0] - 2 * ratio * covariance[0, 1] + ratio ** 2 * covariance[1, 1]) / (
            clicks.size * views.mean() ** 2)
        arms.append((ratio, variance))
    (ctr_a, variance_a), (ctr_b, variance_b) = arms
    if ctr_a == 0:
        raise ValueError("arm a has no clicks")
    lift = ctr_b / ctr_a - 1
    error = np.sqrt(variance_b / ctr_a ** 2 + ctr_b ** 2 * variance_a / ctr_a ** 4)
    z = _normal_quantile((1 + confidence) / 2)
    return {"ctr_a": ctr_a, "ctr_b": ctr_b, "lift": lift, "low": lift - z * error, "high": lift + z * error}
