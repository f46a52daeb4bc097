"""Mistake: the best candidate is taken with max() before the label is known to have positives, so an
empty validation set (no rows) raises instead of giving every label the default 0.5."""
import numpy as np
from solutions.ex07_multilabel import build_model, build_vectorized_model, weighted_binary_crossentropy  # noqa: F401


def _f1(truth, predicted):
    return 2 * np.sum(truth & predicted) / (predicted.sum() + truth.sum())


def tune_thresholds(y_true, y_probability):
    truth = np.asarray(y_true) > 0.5
    probability = np.asarray(y_probability)
    thresholds = []
    for label in range(truth.shape[1]):
        column = probability[:, label]
        best = max(np.unique(column), key=lambda t: _f1(truth[:, label], column >= t))
        thresholds.append(float(best) if truth[:, label].any() else 0.5)
    return np.array(thresholds)
