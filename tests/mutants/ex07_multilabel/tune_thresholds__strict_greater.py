"""Mistake: searches with probability > t but returns t, while the decision rule is probability >= t."""
import numpy as np
from solutions.ex07_multilabel import build_model, build_vectorized_model, weighted_binary_crossentropy  # noqa: F401


def tune_thresholds(y_true, y_probability):
    truth = np.asarray(y_true) > 0.5
    thresholds = np.full(truth.shape[1], 0.5)
    for label in range(truth.shape[1]):
        if not truth[:, label].any():
            continue
        best_f1 = -1.0
        for t in np.unique(y_probability[:, label]):
            predicted = y_probability[:, label] > t
            f1 = 2 * np.sum(truth[:, label] & predicted) / (predicted.sum() + truth[:, label].sum())
            if f1 > best_f1:
                thresholds[label], best_f1 = t, f1
    return thresholds
