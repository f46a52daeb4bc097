"""Mistake: guards the id check on the items, not the ids: min() of no ids at all raises for [[], []]."""
import numpy as np

from solutions.ex00_warmup import scale_ratings  # noqa: F401


def multi_hot(genre_lists, num_genres):
    all_ids = [g for ids in genre_lists for g in ids]
    if genre_lists and (min(all_ids) < 0 or max(all_ids) >= num_genres):
        raise ValueError("bad genre id")
    rows = np.zeros((len(genre_lists), num_genres), dtype=np.float32)
    for row, ids in enumerate(genre_lists):
        rows[row, list(ids)] = 1.0
    return rows
