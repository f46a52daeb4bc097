"""Mistake: integer arithmetic, so an int array comes back as 0s and 1s."""
import numpy as np
from solutions.ex00_warmup import multi_hot  # noqa: F401


def scale_ratings(ratings):
    ratings = np.asarray(ratings)
    if ratings.min() < 1 or ratings.max() > 5:
        raise ValueError("out of range")
    return (ratings - 1) // 4 if ratings.dtype.kind in "iu" else (ratings - 1) / 4
