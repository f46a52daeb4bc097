"""Mistake: returns the index of the best candidate instead of the candidate's probability."""
import numpy as np
from solutions.ex07_multilabel import build_model, build_vectorized_model, weighted_binary_crossentropy  # noqa: F401


def tune_thresholds(y_true, y_probability):
    truth = np.asarray(y_true) > 0.5
    thresholds = np.full(truth.shape[1], 0.5)
    for label in range(truth.shape[1]):
        if not truth[:, label].any():
            continue
        candidates = np.unique(y_probability[:, label])
        f1 = [2 * np.sum(truth[:, label] & (y_probability[:, label] >= t))
              / ((y_probability[:, label] >= t).sum() + truth[:, label].sum()) for t in candidates]
        thresholds[label] = float(np.argmax(f1))
    return thresholds
