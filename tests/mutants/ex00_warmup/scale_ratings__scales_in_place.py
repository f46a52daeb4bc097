"""Mistake: scales in place; np.asarray does not copy a float32 array, so the caller's ratings change."""
import numpy as np

from solutions.ex00_warmup import multi_hot  # noqa: F401


def scale_ratings(ratings):
    ratings = np.asarray(ratings, dtype=np.float32)
    if np.any((ratings < 1) | (ratings > 5)):
        raise ValueError("out of range")
    ratings -= 1.0
    ratings /= 4.0
    return ratings
