"""Mistake: min-max scaling by the batch, not by the fixed 1..5 scale."""
import numpy as np
from solutions.ex00_warmup import multi_hot  # noqa: F401


def scale_ratings(ratings):
    ratings = np.asarray(ratings, dtype=np.float32)
    if ratings.min() < 1 or ratings.max() > 5:
        raise ValueError("out of range")
    return (ratings - ratings.min()) / (ratings.max() - ratings.min())
