"""Mistake: draws among all rows, so rows without a label can use up the budget."""
import numpy as np

from solutions.ex03_label_budget import MISSING_LABEL, relative_gain  # noqa: F401


def subsample_labels(labels, num_kept, seed, mask_value=MISSING_LABEL):
    labels = np.asarray(labels)
    if not 0 <= num_kept <= np.sum(labels != mask_value):
        raise ValueError("bad budget")
    chosen = np.random.default_rng(seed).permutation(labels.shape[0])[:num_kept]
    kept = np.zeros(labels.shape[0], dtype=bool)
    kept[chosen] = True
    return np.where(kept, labels, mask_value).astype(np.float32), kept
