"""Mistake: searches a fixed grid np.linspace(0, 1, 101) instead of the label's own probabilities."""
import numpy as np
from solutions.ex07_multilabel import build_model, build_vectorized_model, weighted_binary_crossentropy  # noqa: F401


def tune_thresholds(y_true, y_probability):
    truth = np.asarray(y_true) > 0.5
    thresholds = np.full(truth.shape[1], 0.5)
    for label in range(truth.shape[1]):
        if not truth[:, label].any():
            continue
        scores = [2 * np.sum(truth[:, label] & (y_probability[:, label] >= t))
                  / ((y_probability[:, label] >= t).sum() + truth[:, label].sum()) for t in np.linspace(0, 1, 101)]
        thresholds[label] = np.linspace(0, 1, 101)[int(np.argmax(scores))]
    return thresholds
