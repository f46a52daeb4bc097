"""Mistake: an assert where the docstring asks for ValueError."""
import numpy as np

from solutions.ex00_warmup import scale_ratings  # noqa: F401


def multi_hot(genre_lists, num_genres):
    rows = np.zeros((len(genre_lists), num_genres), dtype=np.float32)
    for row, ids in enumerate(genre_lists):
        for genre in ids:
            assert 0 <= genre < num_genres, f"bad genre id {genre}"
            rows[row, genre] = 1.0
    return rows
