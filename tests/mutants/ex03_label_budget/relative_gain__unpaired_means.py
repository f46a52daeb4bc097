"""Mistake: compares the means over seeds (unpaired) and takes the spread of the single-task errors."""
import numpy as np

from solutions.ex03_label_budget import MISSING_LABEL, subsample_labels  # noqa: F401


def relative_gain(single_task_error, multi_task_error):
    single, multi = np.asarray(single_task_error, float), np.asarray(multi_task_error, float)
    if single.shape != multi.shape or single.ndim != 2 or single.shape[1] < 2:
        raise ValueError("bad shapes")
    baseline = single.mean(axis=1)
    gain = 100 * (baseline - multi.mean(axis=1)) / baseline
    spread = 100 * np.sqrt(single.var(axis=1, ddof=1) + multi.var(axis=1, ddof=1)) / baseline
    return gain, spread
