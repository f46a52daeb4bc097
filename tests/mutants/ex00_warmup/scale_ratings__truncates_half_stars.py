"""Mistake: reads the ratings as ints, so a half star is cut (4.5 -> 4 -> 0.75) and 5.25 passes the range check."""
import numpy as np

from solutions.ex00_warmup import multi_hot  # noqa: F401


def scale_ratings(ratings):
    ratings = np.asarray(ratings, dtype=np.int64)
    if ratings.size and (ratings.min() < 1 or ratings.max() > 5):
        raise ValueError("out of range")
    return (ratings - 1) / 4.0
