"""Mistake: an assert where the docstring asks for ValueError."""
import numpy as np

from solutions.ex00_warmup import multi_hot  # noqa: F401


def scale_ratings(ratings):
    ratings = np.asarray(ratings, dtype=np.float32)
    assert np.all((ratings >= 1) & (ratings <= 5)), "ratings must lie in [1, 5]"
    return (ratings - 1.0) / 4.0
