"""Checks for ex00_warmup (notebook 00): scale_ratings and multi_hot."""

import copy

import numpy as np

from mtlrec.checks import as_array, expect_value_error, short

ATOL = 1e-6  # scaled ratings lie in [0, 1]; float32 is exact to about 6e-8 there


def _empty_reduction(error: Exception) -> bool:
    """True when `error` is what min()/max() of nothing raise (numpy's or Python's)."""
    return "zero-size array" in str(error) or "empty sequence" in str(error) or "empty iterable" in str(error)


def _scaled(impl, ratings, what: str, shape) -> np.ndarray:
    return as_array(impl.scale_ratings(ratings), what, shape=shape, dtype_kind="f")


def check_scale_ratings(impl) -> None:
    """Fixed scale 1..5 -> 0..1, half stars, any shape, lists, empty batch, input untouched, out of range rejected."""
    ratings = np.array([1, 2, 3, 4, 5])
    got = _scaled(impl, ratings, "scale_ratings(np.array([1, 2, 3, 4, 5]))", (5,))
    expected = (ratings - 1) / 4
    if not np.allclose(got, expected, atol=ATOL):
        cause = ""
        if np.allclose(got, ratings / 5):
            cause = " Likely cause: dividing by 5; a 1-star rating must map to 0, so use (rating - 1) / 4."
        elif np.allclose(got, (ratings - 1) / 5):
            cause = " Likely cause: dividing by 5 after subtracting 1; the range 1..5 spans 4."
        raise AssertionError(f"scale_ratings([1, 2, 3, 4, 5]) returned {short(got)}; "
                             f"expected [0, 0.25, 0.5, 0.75, 1].{cause}")

    middle = _scaled(impl, [2.0, 3.0, 4.0], "scale_ratings([2.0, 3.0, 4.0])", (3,))
    if not np.allclose(middle, [0.25, 0.5, 0.75], atol=ATOL):
        cause = (" Likely cause: scaling by this batch's smallest and largest rating; the scale is fixed by "
                 "the 1..5 stars." if np.allclose(middle, [0, 0.5, 1]) else "")
        raise AssertionError(f"scale_ratings([2.0, 3.0, 4.0]) returned {short(middle)}; "
                             f"expected [0.25, 0.5, 0.75].{cause}")

    # half stars, given as a float32 array that must come back untouched
    half = np.array([1.5, 4.5, 2.5, 5.0, 1.0, 3.5], dtype=np.float32)
    given = half.copy()
    what = "scale_ratings(np.array([1.5, 4.5, 2.5, 5.0, 1.0, 3.5], dtype=np.float32))"
    got = _scaled(impl, half, what, (6,))
    if not np.array_equal(half, given):
        raise AssertionError(f"{what} changed the array it was given into {short(half)}; return a new array "
                             "((ratings - 1) / 4 makes one) instead of `ratings -= 1; ratings /= 4` on the caller's "
                             "data (np.asarray does not copy an array that already has the dtype asked for)")
    expected = (given.astype(np.float64) - 1) / 4
    if not np.allclose(got, expected, atol=ATOL):
        cause = ""
        if np.allclose(got, (np.floor(given) - 1) / 4) or np.allclose(got, (np.round(given) - 1) / 4):
            cause = (" Likely cause: the ratings were made whole stars (an int dtype, astype(int) or rounding); "
                     "half stars are ratings too: use a float dtype")
        raise AssertionError(f"{what} returned {short(got)}; expected {short(expected)}.{cause}")

    stars = np.array([[4.5, 1.0], [2.0, 5.0]])  # the same in float64, numpy's default float dtype
    impl.scale_ratings(stars)
    if not np.array_equal(stars, [[4.5, 1.0], [2.0, 5.0]]):
        raise AssertionError(f"scale_ratings on a float64 (2, 2) array changed the array it was given into "
                             f"{short(stars)}; return a new array instead of scaling in place")

    grid = np.array([[1, 5], [3, 4], [2, 2]], dtype=np.int64)
    got = _scaled(impl, grid, "scale_ratings(a (3, 2) int array)", (3, 2))
    if not np.allclose(got, (grid - 1) / 4, atol=ATOL):
        raise AssertionError(f"scale_ratings on a (3, 2) int array returned {short(got)}; "
                             f"expected {short((grid - 1) / 4)} (int input must give floats, not 0s)")
    cube = np.array([[[1.5, 3.0, 5.0]], [[2.5, 4.0, 1.0]]])
    got = _scaled(impl, cube.tolist(), "scale_ratings(a nested list of shape (2, 1, 3))", (2, 1, 3))
    if not np.allclose(got, (cube - 1) / 4, atol=ATOL):
        raise AssertionError(f"scale_ratings on a nested list of shape (2, 1, 3) returned {short(got)}; "
                             f"expected {short((cube - 1) / 4)}")

    for empty, shape in (([], (0,)), (np.zeros((0, 2)), (0, 2))):
        what = f"scale_ratings({short(empty)}) (an empty batch)"
        try:
            answer = impl.scale_ratings(empty)
        except ValueError as error:
            cause = (" Likely cause: ratings.min() or max() on an empty array; check ratings.size first or test "
                     "np.any((ratings < 1) | (ratings > 5))" if _empty_reduction(error) else "")
            raise AssertionError(f"{what} raised ValueError ({error}); an empty batch holds no rating outside "
                                 f"[1, 5], so it must give an empty float array of shape {shape}.{cause}") from None
        as_array(answer, what, shape=shape, dtype_kind="f")

    bad_batches = ([0, 3], [3, 6], [0.5], [3, 5.25, 4], [2, 0.99, 3], [[3, 4], [6, 2]],
                   np.array([3.0, 5.5, 2.0], dtype=np.float32), np.array([[2, 0], [4, 5]]))  # numpy input too
    for bad in bad_batches:
        shown = bad if isinstance(bad, list) else f"np.array({bad.tolist()}, dtype={bad.dtype})"
        expect_value_error(impl.scale_ratings, (bad,), f"scale_ratings({shown})",
                           "ratings outside [1, 5] must be rejected, not silently scaled (or rounded into range), "
                           "whether they come as a list or a numpy array")


def _hot(impl, genre_lists, num_genres, shape) -> np.ndarray:
    what = f"multi_hot({genre_lists}, {num_genres})"
    given = copy.deepcopy(genre_lists)
    got = as_array(impl.multi_hot(genre_lists, num_genres), what, dtype_kind="f")
    if genre_lists != given:
        raise AssertionError(f"{what} changed the genre lists it was given into {genre_lists}; leave them as they are")
    if got.shape != shape:
        cause = ""
        if len(shape) == 2 and got.ndim == 2 and got.shape[0] == shape[0] and got.shape[1] < shape[1]:
            cause = (" Likely cause: the width comes from the largest genre id in the data; it is num_genres, "
                     "whether or not some item has the last genres")
        raise AssertionError(f"{what} returned shape {got.shape}; expected {shape}, (number of items, "
                             f"num_genres).{cause}")
    return got


def _expected_hot(genre_lists, num_genres) -> np.ndarray:
    expected = np.zeros((len(genre_lists), num_genres))
    for row, genre_ids in enumerate(genre_lists):
        for genre in genre_ids:
            expected[row, genre] = 1.0
    return expected


def check_multi_hot(impl) -> None:
    """0/1 rows of the right width; repeats count once; empty rows stay zero; bad ids rejected."""
    genre_lists = [[0, 2], [1], [], [3, 3, 0]]
    what = "multi_hot([[0, 2], [1], [], [3, 3, 0]], 4)"
    got = _hot(impl, genre_lists, 4, (4, 4))
    expected = np.array([[1, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 0], [1, 0, 0, 1]], dtype=np.float32)
    if not np.array_equal(got, expected):
        cause = ""
        if got.max() > 1:
            cause = " Likely cause: adding 1 per id, so a repeated genre gives 2; set the entry to 1 instead."
        elif np.array_equal(np.roll(got, 1, axis=1), expected) or np.array_equal(np.roll(got, -1, axis=1), expected):
            cause = " Likely cause: an off-by-one shift of the genre columns (ids start at 0)."
        raise AssertionError(f"{what} returned\n{got}\nexpected\n{expected}.{cause}")

    # fewer genres than items, and a genre (2) that no item has; then more genres than items
    for genre_lists, num_genres in (([[1], [0, 1], [], [1, 1], [0]], 3), ([[9], [0, 5]], 10)):
        got = _hot(impl, genre_lists, num_genres, (len(genre_lists), num_genres))
        expected = _expected_hot(genre_lists, num_genres)
        if not np.array_equal(got, expected):
            raise AssertionError(f"multi_hot({genre_lists}, {num_genres}) returned {short(got)}; expected ones at "
                                 f"{[tuple(int(i) for i in cell) for cell in np.argwhere(expected)]} only")

    _hot(impl, [], 3, (0, 3))  # no items: an empty (0, 3) matrix
    try:
        no_genres = _hot(impl, [[], []], 3, (2, 3))
    except ValueError as error:
        cause = (" Likely cause: min() or max() of all the ids, which are none here; check only the ids there are"
                 if _empty_reduction(error) else "")
        raise AssertionError(f"multi_hot([[], []], 3) raised ValueError ({error}); two items without genres are "
                             f"valid and give two rows of zeros.{cause}") from None
    if no_genres.any():
        raise AssertionError(f"multi_hot([[], []], 3) returned {short(no_genres)}; expected zeros of shape (2, 3)")

    for bad in ([[4]], [[-1]], [[0], [1, 4]], [[2], [], [3, -1]]):
        expect_value_error(impl.multi_hot, (bad, 4), f"multi_hot({bad}, 4)",
                           "genre ids must lie in [0, num_genres); a wrong id must not pass silently "
                           "(a negative id would even set the last column)")


PARTS = {"scale_ratings": check_scale_ratings, "multi_hot": check_multi_hot}
TIMEOUTS = {"scale_ratings": 10, "multi_hot": 10}
