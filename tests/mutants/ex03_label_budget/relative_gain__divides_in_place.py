"""Mistake: the ratio is computed in the caller's multi-task array (np.asarray does not copy a float64 array)."""
import numpy as np

from solutions.ex03_label_budget import MISSING_LABEL, subsample_labels  # noqa: F401


def relative_gain(single_task_error, multi_task_error):
    single, ratio = np.asarray(single_task_error, float), np.asarray(multi_task_error, float)
    if single.shape != ratio.shape or single.ndim != 2 or single.shape[1] < 2:
        raise ValueError("bad shapes")
    ratio /= single
    gain = 100 * (1 - ratio)
    return gain.mean(axis=1), gain.std(axis=1, ddof=1)
