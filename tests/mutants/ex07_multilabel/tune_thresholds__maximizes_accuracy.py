"""Mistake: picks the threshold with the best accuracy, which for a rare label predicts almost nothing."""
import numpy as np
from solutions.ex07_multilabel import build_model, build_vectorized_model, weighted_binary_crossentropy  # noqa: F401


def tune_thresholds(y_true, y_probability):
    truth = np.asarray(y_true) > 0.5
    thresholds = np.full(truth.shape[1], 0.5)
    for label in range(truth.shape[1]):
        if not truth[:, label].any():
            continue
        candidates = np.unique(y_probability[:, label])
        accuracy = [np.mean((y_probability[:, label] >= t) == truth[:, label]) for t in candidates]
        thresholds[label] = candidates[int(np.argmax(accuracy))]
    return thresholds
