"""Mistake: the fast sort-and-cumsum search scores every prefix of the sorted rows, also cuts between
rows of equal probability, which no threshold can make: with ties it can return a worse threshold."""
import numpy as np
from solutions.ex07_multilabel import build_model, build_vectorized_model, weighted_binary_crossentropy  # noqa: F401


def tune_thresholds(y_true, y_probability):
    truth = np.asarray(y_true) > 0.5
    probability = np.asarray(y_probability, dtype=np.float64)
    thresholds = np.full(truth.shape[1], 0.5)
    for label in range(truth.shape[1]):
        if not truth[:, label].any():
            continue
        order = np.argsort(-probability[:, label], kind="stable")
        scores, hits = probability[order, label], truth[order, label]
        f1 = 2.0 * np.cumsum(hits) / (np.arange(1, len(scores) + 1) + hits.sum())
        thresholds[label] = scores[int(np.argmax(f1))]
    return thresholds
