"""Mistake: ratings.min() on an empty batch raises ValueError although no rating is out of range."""
import numpy as np

from solutions.ex00_warmup import multi_hot  # noqa: F401


def scale_ratings(ratings):
    ratings = np.asarray(ratings, dtype=np.float32)
    if ratings.min() < 1 or ratings.max() > 5:
        raise ValueError("out of range")
    return (ratings - 1.0) / 4.0
