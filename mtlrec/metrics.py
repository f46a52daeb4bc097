"""Evaluation metrics in vectorized numpy, used by every notebook and by the quality checks.

Conventions: `y_true` first, then scores or predictions. Empty input raises ValueError. AUC of a
single-class `y_true` is undefined and raises ValueError (callers that loop over labels skip those).
Ranking metrics take a relevance matrix and a score matrix of shape (num_users, num_items); users
with no relevant item are left out of the mean, k above the number of items is clipped to it.
The course's decisions where Keras-RS (keras_rs.metrics) differs, taught in notebook 12 and pinned in
tests/test_metrics.py: an item is relevant when its relevance is > 0 (Keras-RS: >= 1 for recall and MRR);
users with no relevant item are dropped (Keras-RS: scored 0 and counted); a negative relevance raises
ValueError (Keras-RS: the item is padding, removed from the list); tied scores keep column order, the
first column ranked first (Keras-RS: shuffled at random; 0.4.0 shuffles even with shuffle_ties=False).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "auc",
    "expected_auc",
    "log_loss",
    "rmse",
    "mae",
    "precision_at_k",
    "recall_at_k",
    "ndcg_at_k",
    "mean_reciprocal_rank",
    "micro_f1",
    "macro_f1",
    "hamming_loss",
]


def _pair(y_true, y_other, name: str):
    """Flatten two arrays to float64, check they are non-empty and of the same length."""
    y_true = np.asarray(y_true, dtype=np.float64).ravel()
    y_other = np.asarray(y_other, dtype=np.float64).ravel()
    if y_true.size == 0:
        raise ValueError(f"{name}: empty input")
    if y_true.shape != y_other.shape:
        raise ValueError(f"{name}: y_true has {y_true.size} values but the other array has {y_other.size}")
    return y_true, y_other


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks, ties sharing their average rank (as in the Mann-Whitney U statistic)."""
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    is_new = np.r_[True, sorted_values[1:] != sorted_values[:-1]]
    group = np.cumsum(is_new) - 1
    starts = np.flatnonzero(is_new)
    ends = np.r_[starts[1:], values.size]
    average = (starts + ends + 1) / 2.0  # mean of ranks start+1 .. end
    ranks = np.empty(values.size)
    ranks[order] = average[group]
    return ranks


def auc(y_true, y_score) -> float:
    """Area under the ROC curve: P(score of a random positive > score of a random negative)."""
    y_true, y_score = _pair(y_true, y_score, "auc")
    positives = y_true > 0.5
    num_pos, num_neg = int(positives.sum()), int((~positives).sum())
    if num_pos == 0 or num_neg == 0:
        raise ValueError("auc is undefined when y_true holds only one class")
    ranks = _average_ranks(y_score)
    return float((ranks[positives].sum() - num_pos * (num_pos + 1) / 2.0) / (num_pos * num_neg))


def expected_auc(true_probability, y_score) -> float:
    """AUC against known probabilities: the AUC expected when each label is drawn from its true probability.

    Every pair (i, j), i != j, counts with weight p_i (1 - p_j) (i positive, j negative): the weighted
    share of pairs with score_i > score_j, ties counting half. With 0/1 probabilities it is `auc`.
    Notebook 08 scores CVR models against the true p(convert | click) of every impression, clicked or not.
    """
    p, score = _pair(true_probability, y_score, "expected_auc")
    if np.any(p < 0.0) or np.any(p > 1.0):
        raise ValueError("expected_auc: true_probability must lie in [0, 1]")
    order = np.argsort(score, kind="mergesort")
    p, score = p[order], score[order]
    q = 1.0 - p
    group = np.cumsum(np.r_[True, score[1:] != score[:-1]]) - 1  # tied scores share a group
    negatives_in_group = np.bincount(group, weights=q)
    negatives_below = np.cumsum(negatives_in_group) - negatives_in_group  # in strictly lower-scored groups
    concordant = p * (negatives_below[group] + 0.5 * (negatives_in_group[group] - q))  # a row never pairs with itself
    pairs = p.sum() * q.sum() - np.sum(p * q)
    if pairs <= 0.0:
        raise ValueError("expected_auc is undefined when no pair can have a positive and a negative")
    return float(concordant.sum() / pairs)


def expected_calibration_error(y_true, y_probability, bins: int = 10) -> float:
    """ECE: the impression-weighted mean |mean prediction - positive rate| over equal-width bins of the prediction."""
    labels, probabilities = np.asarray(y_true, np.float64), np.asarray(y_probability, np.float64)
    which = np.minimum((probabilities * bins).astype(int), bins - 1)
    count = np.bincount(which, minlength=bins)
    gap = np.abs(np.bincount(which, probabilities, bins) - np.bincount(which, labels, bins))
    return float(gap.sum() / count.sum())


def log_loss(y_true, y_probability, eps: float = 1e-7) -> float:
    """Mean binary cross-entropy, probabilities clipped to [eps, 1 - eps]."""
    y_true, p = _pair(y_true, y_probability, "log_loss")
    p = np.clip(p, eps, 1.0 - eps)
    return float(-np.mean(y_true * np.log(p) + (1.0 - y_true) * np.log(1.0 - p)))


def rmse(y_true, y_pred) -> float:
    """Root mean squared error."""
    y_true, y_pred = _pair(y_true, y_pred, "rmse")
    return float(np.sqrt(np.mean((y_true - y_pred) ** 2)))


def mae(y_true, y_pred) -> float:
    """Mean absolute error."""
    y_true, y_pred = _pair(y_true, y_pred, "mae")
    return float(np.mean(np.abs(y_true - y_pred)))


# --------------------------------------------------------------------------------- ranking @ k
def _top_k_hits(relevance, scores, k: int, name: str):
    """(hits in each user's top k, relevant count per user, k used), users without relevance dropped."""
    relevance = np.asarray(relevance, dtype=np.float64)
    scores = np.asarray(scores, dtype=np.float64)
    if relevance.ndim != 2 or relevance.shape != scores.shape:
        raise ValueError(f"{name}: relevance and scores must be matrices of one shape (num_users, num_items)")
    if relevance.size == 0:
        raise ValueError(f"{name}: empty input")
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"{name}: k must be an integer >= 1, got {k!r}")
    if np.any(relevance < 0):
        raise ValueError(f"{name}: relevance must be >= 0, got {relevance.min()}: the course has no padding label "
                         "(Keras-RS reads -1 as padding); drop padded items, or give them relevance 0 and the lowest score")
    keep = (relevance > 0).any(axis=1)
    if not keep.any():
        raise ValueError(f"{name}: no user has a relevant item")
    relevance, scores = relevance[keep], scores[keep]
    k = min(int(k), relevance.shape[1])
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    gains = np.take_along_axis(relevance, top, axis=1)  # (users, k) relevance in rank order
    return gains, relevance, k


def precision_at_k(relevance, scores, k: int) -> float:
    """Mean over users of (relevant items in the top k) / k."""
    gains, _, k = _top_k_hits(relevance, scores, k, "precision_at_k")
    return float(np.mean((gains > 0).sum(axis=1) / k))


def recall_at_k(relevance, scores, k: int) -> float:
    """Mean over users of (relevant items in the top k) / (relevant items)."""
    gains, relevance, _ = _top_k_hits(relevance, scores, k, "recall_at_k")
    return float(np.mean((gains > 0).sum(axis=1) / (relevance > 0).sum(axis=1)))


def ndcg_at_k(relevance, scores, k: int) -> float:
    """Mean over users of DCG@k / ideal DCG@k, DCG = sum_r (2^rel_r - 1) / log2(r + 1)."""
    gains, relevance, k = _top_k_hits(relevance, scores, k, "ndcg_at_k")
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = ((2.0**gains - 1.0) * discounts).sum(axis=1)
    ideal = -np.sort(-relevance, axis=1)[:, :k]
    idcg = ((2.0**ideal - 1.0) * discounts).sum(axis=1)
    return float(np.mean(dcg / idcg))


def mean_reciprocal_rank(relevance, scores, k: int | None = None) -> float:
    """Mean over users of 1 / (rank of the first relevant item), 0 when none is in the top k (k=None: all items)."""
    k = np.shape(relevance)[-1] if k is None and np.ndim(relevance) == 2 else k
    gains, _, _ = _top_k_hits(relevance, scores, k, "mean_reciprocal_rank")
    hit = gains > 0  # (users, k) relevant at each rank
    first = np.argmax(hit, axis=1)  # index of the first hit (0 when there is none: masked below)
    return float(np.mean(np.where(hit.any(axis=1), 1.0 / (first + 1.0), 0.0)))


# ------------------------------------------------------------------------------ multi-label
def _label_matrices(y_true, y_pred, name: str):
    """Two 0/1 matrices (samples, labels); y_pred must already be thresholded decisions."""
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y_true.size == 0:
        raise ValueError(f"{name}: empty input")
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{name}: y_true has shape {y_true.shape} but y_pred has {y_pred.shape}")
    if y_true.ndim == 1:
        y_true, y_pred = y_true[:, None], y_pred[:, None]
    return y_true > 0.5, y_pred > 0.5


def micro_f1(y_true, y_pred) -> float:
    """F1 over all (sample, label) decisions pooled: 2 TP / (2 TP + FP + FN); 0 when all are empty."""
    t, p = _label_matrices(y_true, y_pred, "micro_f1")
    tp = np.sum(t & p)
    denominator = 2 * tp + np.sum(~t & p) + np.sum(t & ~p)
    return float(2 * tp / denominator) if denominator else 0.0


def macro_f1(y_true, y_pred) -> float:
    """Unweighted mean of per-label F1 (a label never true nor predicted scores 0, as scikit-learn)."""
    t, p = _label_matrices(y_true, y_pred, "macro_f1")
    tp = np.sum(t & p, axis=0)
    denominator = 2 * tp + np.sum(~t & p, axis=0) + np.sum(t & ~p, axis=0)
    per_label = np.divide(2 * tp, denominator, out=np.zeros(t.shape[1]), where=denominator > 0)
    return float(per_label.mean())


def hamming_loss(y_true, y_pred) -> float:
    """Share of (sample, label) decisions that are wrong."""
    t, p = _label_matrices(y_true, y_pred, "hamming_loss")
    return float(np.mean(t != p))
