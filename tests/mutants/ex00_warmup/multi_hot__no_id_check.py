"""Mistake: no check of the ids, so -1 silently sets the last column."""
import numpy as np
from solutions.ex00_warmup import scale_ratings  # noqa: F401


def multi_hot(genre_lists, num_genres):
    rows = np.zeros((len(genre_lists), num_genres), dtype=np.float32)
    for row, ids in enumerate(genre_lists):
        rows[row, list(ids)] = 1.0
    return rows
