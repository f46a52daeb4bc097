"""Mistake: sorts the caller's probability columns in place (and their labels too), corrupting the inputs."""
import numpy as np
from solutions.ex07_multilabel import build_model, build_vectorized_model, weighted_binary_crossentropy  # noqa: F401


def tune_thresholds(y_true, y_probability):
    thresholds = np.full(y_true.shape[1], 0.5)
    for label in range(y_true.shape[1]):
        order = np.argsort(-y_probability[:, label], kind="stable")
        y_probability[:, label] = y_probability[order, label]
        y_true[:, label] = y_true[order, label]
        hits = y_true[:, label] > 0.5
        if not hits.any():
            continue
        scores = y_probability[:, label]
        f1 = 2.0 * np.cumsum(hits) / (np.arange(1, len(hits) + 1) + hits.sum())
        last_of_tie = np.r_[scores[1:] != scores[:-1], True]
        thresholds[label] = scores[int(np.argmax(np.where(last_of_tie, f1, -1.0)))]
    return thresholds
