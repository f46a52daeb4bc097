"""Mistake: checks only the single-task array; numpy broadcasts a (4, 1) or (1, 3) multi-task array silently
(a (4, 2) one happens to fail inside numpy with a ValueError)."""
import numpy as np

from solutions.ex03_label_budget import MISSING_LABEL, subsample_labels  # noqa: F401


def relative_gain(single_task_error, multi_task_error):
    single, multi = np.asarray(single_task_error, float), np.asarray(multi_task_error, float)
    if single.ndim != 2 or single.shape[1] < 2:
        raise ValueError("bad shapes")
    gain = 100 * (single - multi) / single
    return gain.mean(axis=1), gain.std(axis=1, ddof=1)
