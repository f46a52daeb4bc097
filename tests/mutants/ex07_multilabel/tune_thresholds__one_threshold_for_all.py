"""Mistake: one threshold shared by all labels (the one with the best micro F1), not one per label."""
import numpy as np
from solutions.ex07_multilabel import build_model, build_vectorized_model, weighted_binary_crossentropy  # noqa: F401


def tune_thresholds(y_true, y_probability):
    truth = np.asarray(y_true) > 0.5
    best, best_f1 = 0.5, -1.0
    for candidate in np.unique(y_probability):
        predicted = y_probability >= candidate
        f1 = 2 * np.sum(truth & predicted) / (predicted.sum() + truth.sum())
        if f1 > best_f1:
            best, best_f1 = candidate, f1
    thresholds = np.full(truth.shape[1], float(best))
    thresholds[~truth.any(axis=0)] = 0.5
    return thresholds
