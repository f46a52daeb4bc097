"""A correct answer built from Python lists: a comprehension per row, numpy only at the end (float64)."""
import numpy as np


def scale_ratings(ratings):
    values = np.array(ratings, dtype=float)
    outside = [value for value in values.ravel().tolist() if not 1 <= value <= 5]
    if outside:
        raise ValueError(f"ratings outside [1, 5]: {outside[:5]}")
    return values * 0.25 - 0.25


def multi_hot(genre_lists, num_genres):
    rows = []
    for genre_ids in genre_lists:
        present = set(genre_ids)
        if present and (min(present) < 0 or max(present) >= num_genres):
            raise ValueError("genre id out of range")
        rows.append([1.0 if genre in present else 0.0 for genre in range(num_genres)])
    return np.array(rows, dtype=float).reshape(len(genre_lists), num_genres)
