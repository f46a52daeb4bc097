"""Alternative: keras.ops for auc (sort and searchsorted) and fuse_scores (log_sigmoid, a tensor returned);
gauc sorts by user with numpy and calls auc per user; ab_test with keras.ops sums.

Correct in another style: every check must accept it.
"""

from statistics import NormalDist

import numpy as np

import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
from keras import ops


def _labels_scores(labels, scores):
    labels, scores = np.asarray(labels), np.asarray(scores, dtype="float64")
    if labels.ndim != 1 or labels.shape != scores.shape:
        raise ValueError("labels and scores must be 1-D of one length")
    if not np.all((labels == 0) | (labels == 1)):
        raise ValueError("labels must be 0 or 1")
    return labels.astype(bool), scores


def auc(labels, scores):
    positives, scores = _labels_scores(labels, scores)
    num_positives, num_negatives = int(positives.sum()), int((~positives).sum())
    if num_positives == 0 or num_negatives == 0:
        raise ValueError("AUC needs both classes")
    negative_scores = ops.sort(ops.convert_to_tensor(scores[~positives]))
    positive_scores = ops.convert_to_tensor(scores[positives])
    below = ops.searchsorted(negative_scores, positive_scores, side="left")
    below_or_tied = ops.searchsorted(negative_scores, positive_scores, side="right")
    wins = ops.sum(ops.cast(below, "float64")) + 0.5 * ops.sum(ops.cast(below_or_tied - below, "float64"))
    return wins / (num_positives * num_negatives)  # a scalar tensor


def gauc(labels, scores, users):
    positives, scores = _labels_scores(labels, scores)
    users = np.asarray(users)
    if users.shape != scores.shape:
        raise ValueError("users must have the labels' shape")
    _, index = np.unique(users, return_inverse=True)
    order = np.argsort(index, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(index[order]) != 0])
    ends = np.r_[starts[1:], order.size]
    total = weight = 0.0
    for start, end in zip(starts, ends):
        rows = order[start:end]
        if 0 < positives[rows].sum() < rows.size:
            total += rows.size * float(auc(positives[rows], scores[rows]))
            weight += rows.size
    if weight == 0:
        raise ValueError("no user has both classes")
    return total / weight


def fuse_scores(logits, weights, kind="product", negative_rates=None):
    if kind not in ("product", "sum"):
        raise ValueError(f"unknown kind {kind!r}")
    if not logits or set(weights) != set(logits):
        raise ValueError("weights must have the keys of logits")
    negative_rates = dict(negative_rates or {})
    if any(task not in logits or not 0 < rate <= 1 for task, rate in negative_rates.items()):
        raise ValueError("negative_rates: unknown task or rate outside (0, 1]")
    shapes = {np.shape(values) for values in logits.values()}
    if len(shapes) != 1 or len(shapes.pop()) != 1:
        raise ValueError("the logits must be 1-D of one length")
    total = None
    for task, values in logits.items():
        shifted = ops.convert_to_tensor(np.asarray(values, dtype="float32")) + np.log(negative_rates.get(task, 1.0))
        log_probability = ops.log_sigmoid(shifted)
        term = weights[task] * (log_probability if kind == "product" else ops.exp(log_probability))
        total = term if total is None else total + term
    return ops.exp(total) if kind == "product" else total  # a float32 tensor


def ab_test(clicks_a, views_a, clicks_b, views_b, confidence=0.95):
    if not 0 < confidence < 1:
        raise ValueError("confidence must lie in (0, 1)")
    results = []
    for clicks, views in ((clicks_a, views_a), (clicks_b, views_b)):
        clicks, views = np.asarray(clicks, dtype="float64"), np.asarray(views, dtype="float64")
        if clicks.ndim != 1 or clicks.shape != views.shape or clicks.size < 2:
            raise ValueError("each arm: clicks and views 1-D of one length, at least 2 users")
        if np.any(clicks < 0) or np.any(views < 0) or views.sum() == 0:
            raise ValueError("negative counts or no views")
        c, v = ops.convert_to_tensor(clicks), ops.convert_to_tensor(views)
        ratio = ops.sum(c) / ops.sum(v)
        residual = (c - ratio * v) / ops.mean(v)
        variance = ops.sum((residual - ops.mean(residual)) ** 2) / (clicks.size - 1) / clicks.size
        results.append((float(ratio), float(variance)))
    (ctr_a, variance_a), (ctr_b, variance_b) = results
    if ctr_a == 0:
        raise ValueError("arm a has no clicks")
    lift = ctr_b / ctr_a - 1
    error = float(np.sqrt(variance_b / ctr_a ** 2 + ctr_b ** 2 * variance_a / ctr_a ** 4))
    z = NormalDist().inv_cdf((1 + confidence) / 2)
    return {"ctr_a": ctr_a, "ctr_b": ctr_b, "lift": lift, "low": lift - z * error, "high": lift + z * error}
