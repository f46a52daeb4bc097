"""Mistake: the right formula, but a 0 or a 6 is scaled silently."""
import numpy as np
from solutions.ex00_warmup import multi_hot  # noqa: F401


def scale_ratings(ratings):
    return (np.asarray(ratings, dtype=np.float32) - 1.0) / 4.0
