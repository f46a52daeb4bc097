"""Mistake: finds the observed rows with the module's MISSING_LABEL instead of the mask_value given
(the fill uses mask_value, so only another mask value shows it)."""
import numpy as np

from solutions.ex03_label_budget import MISSING_LABEL, relative_gain  # noqa: F401


def subsample_labels(labels, num_kept, seed, mask_value=MISSING_LABEL):
    labels = np.asarray(labels)
    observed = np.flatnonzero(labels != MISSING_LABEL)
    if not 0 <= num_kept <= observed.size:
        raise ValueError("bad budget")
    chosen = np.random.default_rng(seed).permutation(observed)[:num_kept]
    kept = np.zeros(labels.shape[0], dtype=bool)
    kept[chosen] = True
    return np.where(kept, labels, mask_value).astype(np.float32), kept
