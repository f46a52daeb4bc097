"""Mistake: += 1, so a repeated genre id gives 2."""
import numpy as np
from solutions.ex00_warmup import scale_ratings  # noqa: F401


def multi_hot(genre_lists, num_genres):
    rows = np.zeros((len(genre_lists), num_genres), dtype=np.float32)
    for row, ids in enumerate(genre_lists):
        for genre in ids:
            if not 0 <= genre < num_genres:
                raise ValueError("bad id")
            rows[row, genre] += 1.0
    return rows
