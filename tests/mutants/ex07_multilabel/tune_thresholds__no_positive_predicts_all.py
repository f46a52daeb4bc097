"""Mistake: a label without positives gets the lowest probability as threshold (predicts every row), not 0.5."""
import numpy as np
from solutions.ex07_multilabel import build_model, build_vectorized_model, weighted_binary_crossentropy  # noqa: F401


def tune_thresholds(y_true, y_probability):
    truth = np.asarray(y_true) > 0.5
    thresholds = np.zeros(truth.shape[1])
    for label in range(truth.shape[1]):
        best_f1 = -1.0
        for t in np.unique(y_probability[:, label]):
            predicted = y_probability[:, label] >= t
            denominator = predicted.sum() + truth[:, label].sum()
            f1 = 2 * np.sum(truth[:, label] & predicted) / denominator if denominator else 0.0
            if f1 > best_f1:
                thresholds[label], best_f1 = t, f1
    return thresholds
