"""Mistake: reports the standard error of the mean (std / sqrt(num_seeds)) as the spread over seeds."""
import numpy as np

from solutions.ex03_label_budget import MISSING_LABEL, subsample_labels  # noqa: F401


def relative_gain(single_task_error, multi_task_error):
    single, multi = np.asarray(single_task_error, float), np.asarray(multi_task_error, float)
    if single.shape != multi.shape or single.ndim != 2 or single.shape[1] < 2:
        raise ValueError("bad shapes")
    gain = 100 * (single - multi) / single
    return gain.mean(axis=1), gain.std(axis=1, ddof=1) / np.sqrt(single.shape[1])
