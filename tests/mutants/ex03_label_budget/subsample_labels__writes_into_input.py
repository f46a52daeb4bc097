"""Mistake: masks the caller's array in place, so the next budget starts from already-dropped labels."""
import numpy as np

from solutions.ex03_label_budget import MISSING_LABEL, relative_gain  # noqa: F401


def subsample_labels(labels, num_kept, seed, mask_value=MISSING_LABEL):
    labels = np.asarray(labels, dtype=np.float32)
    observed = np.flatnonzero(labels != mask_value)
    if not 0 <= num_kept <= observed.size:
        raise ValueError("bad budget")
    chosen = np.random.default_rng(seed).permutation(observed)[:num_kept]
    kept = np.zeros(labels.shape[0], dtype=bool)
    kept[chosen] = True
    labels[~kept] = mask_value
    return labels, kept
