"""Mistake: the range check runs only when the ratings come as a list; a numpy array is trusted."""
import numpy as np

from solutions.ex00_warmup import multi_hot  # noqa: F401


def scale_ratings(ratings):
    if isinstance(ratings, np.ndarray):
        return (ratings.astype(np.float64) - 1.0) / 4.0
    ratings = np.asarray(ratings, dtype=np.float64)
    if ratings.size and (ratings.min() < 1 or ratings.max() > 5):
        raise ValueError("ratings must lie in [1, 5]")
    return (ratings - 1.0) / 4.0
