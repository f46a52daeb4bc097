"""A correct answer in float32: an explicit copy scaled in place; np.eye rows combined with max for multi-hot."""
import numpy as np


def scale_ratings(ratings):
    values = np.array(ratings, dtype=np.float32, copy=True)  # a private copy: scaling it in place is safe
    if np.logical_or(values < 1, values > 5).any():
        raise ValueError("ratings must lie in [1, 5]")
    values -= np.float32(1)
    values *= np.float32(0.25)
    return values


def multi_hot(genre_lists, num_genres):
    identity = np.eye(num_genres, dtype=np.float32)
    rows = np.zeros((len(genre_lists), num_genres), dtype=np.float32)
    for row, genre_ids in enumerate(genre_lists):
        for genre in genre_ids:
            if genre < 0 or genre >= num_genres:
                raise ValueError(f"genre id {genre} is not in [0, {num_genres})")
        if len(genre_ids):
            rows[row] = identity[list(genre_ids)].max(axis=0)
    return rows
