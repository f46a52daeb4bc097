"""Warm-up (notebook 00): two small data preparations every later model needs.

Reference solution. The stub with the same functions is exercises/ex00_warmup.py.
"""

import numpy as np


def scale_ratings(ratings):
    """Map star ratings 1..5 onto [0, 1], so that a sigmoid head can predict them (notebooks 00, 06).

    Args:
        ratings: array-like of numbers in [1, 5], half stars too (4.5), any shape (a list works too;
            an empty batch gives an empty array).

    Returns:
        A new numpy float array of the same shape: 1 -> 0.0, 2 -> 0.25, 3 -> 0.5, 4 -> 0.75, 5 -> 1.0
        (4.5 -> 0.875). `ratings` itself is left unchanged.

    Raises:
        ValueError: if any rating lies outside [1, 5].

    TODO:
        1. Turn `ratings` into a float numpy array.
        2. Raise ValueError if a value is below 1 or above 5.
        3. Shift and divide so that 1 maps to 0 and 5 maps to 1.

    Hints:
        1. np.asarray(ratings, dtype=np.float32) accepts lists and arrays alike.
        2. The scale is fixed by the rating scale (1..5), not by the smallest and largest rating in
           this batch: a batch holding only 2s and 4s must still give 0.25 and 0.75.
        3. (rating - 1) / 4.
    """
    ratings = np.asarray(ratings, dtype=np.float32)
    if ratings.size and (ratings.min() < 1 or ratings.max() > 5):
        raise ValueError(f"ratings must lie in [1, 5], got values in [{ratings.min()}, {ratings.max()}]")
    return (ratings - 1.0) / 4.0


def multi_hot(genre_lists, num_genres):
    """Encode each item's list of genre ids as one multi-hot row (notebooks 00, 07).

    Args:
        genre_lists: a list with one list of genre ids (ints in [0, num_genres)) per item; a list may
            be empty and may repeat an id.
        num_genres: the number of genres, the width of the result (a genre that no item has still
            gets its column, of zeros).

    Returns:
        A numpy float array of shape (len(genre_lists), num_genres) with 1.0 where the item has that
        genre and 0.0 elsewhere (a repeated id still gives 1.0).

    Raises:
        ValueError: if a genre id is negative or not below num_genres.

    TODO:
        1. Start from a zero matrix of shape (number of items, num_genres).
        2. For each item, check its genre ids and set the matching columns to 1.
        3. Return the matrix.

    Hints:
        1. np.zeros((len(genre_lists), num_genres), dtype=np.float32).
        2. Assigning 1.0 (rather than adding 1) makes a repeated id harmless.
        3. rows[i, ids] = 1.0 sets several columns of row i at once; an empty list sets none.
    """
    rows = np.zeros((len(genre_lists), num_genres), dtype=np.float32)
    for row, genre_ids in enumerate(genre_lists):
        genre_ids = np.asarray(genre_ids, dtype=np.int64)
        if genre_ids.size and (genre_ids.min() < 0 or genre_ids.max() >= num_genres):
            raise ValueError(f"item {row}: genre ids must lie in [0, {num_genres}), got {genre_ids.tolist()}")
        rows[row, genre_ids] = 1.0
    return rows
