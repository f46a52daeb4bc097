"""Mistake: a random start and the next num_kept observed rows: exact, seeded, nested, each row as often as it
should be, yet only 12 of the 220 possible sets of 3 out of 12 rows can ever be drawn."""
import numpy as np

from solutions.ex03_label_budget import MISSING_LABEL, relative_gain  # noqa: F401


def subsample_labels(labels, num_kept, seed, mask_value=MISSING_LABEL):
    labels = np.asarray(labels)
    observed = np.flatnonzero(labels != mask_value)
    if not 0 <= num_kept <= observed.size:
        raise ValueError("bad budget")
    start = np.random.default_rng(seed).integers(max(observed.size, 1))
    chosen = np.roll(observed, -start)[:num_kept]
    kept = np.zeros(labels.shape[0], dtype=bool)
    kept[chosen] = True
    return np.where(kept, labels, mask_value).astype(np.float32), kept
