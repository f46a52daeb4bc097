"""Mistake: an assert where the docstring asks for ValueError."""
import numpy as np

from solutions.ex03_label_budget import MISSING_LABEL, relative_gain  # noqa: F401


def subsample_labels(labels, num_kept, seed, mask_value=MISSING_LABEL):
    labels = np.asarray(labels)
    observed = np.flatnonzero(labels != mask_value)
    assert 0 <= num_kept <= observed.size, "num_kept out of range"
    chosen = np.random.default_rng(seed).permutation(observed)[:num_kept]
    kept = np.zeros(labels.shape[0], dtype=bool)
    kept[chosen] = True
    return np.where(kept, labels, mask_value).astype(np.float32), kept
