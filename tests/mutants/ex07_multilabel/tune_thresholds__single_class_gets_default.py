"""Mistake: a label positive on every row is treated like one without positives (the single-class
guard of a per-label AUC, 0 < positives < rows, copied here): it gets 0.5, although predicting every
row gives F1 1."""
import numpy as np
from solutions.ex07_multilabel import build_model, build_vectorized_model, weighted_binary_crossentropy  # noqa: F401


def tune_thresholds(y_true, y_probability):
    truth = np.asarray(y_true) > 0.5
    thresholds = np.full(truth.shape[1], 0.5)
    for label in range(truth.shape[1]):
        if not 0 < truth[:, label].sum() < len(truth):
            continue
        best_f1 = -1.0
        for t in np.unique(y_probability[:, label]):
            predicted = y_probability[:, label] >= t
            f1 = 2 * np.sum(truth[:, label] & predicted) / (predicted.sum() + truth[:, label].sum())
            if f1 > best_f1:
                thresholds[label], best_f1 = t, f1
    return thresholds
