"""Checks for ex00_warmup (notebook 00): scale_ratings and multi_hot."""

import numpy as np

from mtlrec.checks import as_array, short


def _expect_value_error(function, args, what: str, why: str) -> None:
    try:
        function(*args)
    except ValueError:
        return
    raise AssertionError(f"{what} did not raise ValueError; {why}")


def check_scale_ratings(impl) -> None:
    """Fixed scale 1..5 -> 0..1, any shape, lists too, out-of-range rejected."""
    ratings = np.array([1, 2, 3, 4, 5])
    got = as_array(impl.scale_ratings(ratings), "scale_ratings([1, 2, 3, 4, 5])", shape=(5,), dtype_kind="f")
    expected = (ratings - 1) / 4
    if not np.allclose(got, expected, atol=1e-6):
        cause = ""
        if np.allclose(got, ratings / 5):
            cause = " Likely cause: dividing by 5; a 1-star rating must map to 0, so use (rating - 1) / 4."
        elif np.allclose(got, (ratings - 1) / 5):
            cause = " Likely cause: dividing by 5 after subtracting 1; the range 1..5 spans 4."
        raise AssertionError(f"scale_ratings([1, 2, 3, 4, 5]) returned {short(got)}; "
                             f"expected [0, 0.25, 0.5, 0.75, 1].{cause}")

    middle = as_array(impl.scale_ratings([2.0, 3.0, 4.0]), "scale_ratings([2.0, 3.0, 4.0])", shape=(3,))
    if not np.allclose(middle, [0.25, 0.5, 0.75], atol=1e-6):
        cause = (" Likely cause: scaling by this batch's smallest and largest rating; the scale is fixed by "
                 "the 1..5 stars." if np.allclose(middle, [0, 0.5, 1]) else "")
        raise AssertionError(f"scale_ratings([2.0, 3.0, 4.0]) returned {short(middle)}; "
                             f"expected [0.25, 0.5, 0.75].{cause}")

    grid = np.array([[1, 5], [3, 4], [2, 2]], dtype=np.int64)
    got = as_array(impl.scale_ratings(grid), "scale_ratings(a (3, 2) int array)", shape=(3, 2), dtype_kind="f")
    if not np.allclose(got, (grid - 1) / 4, atol=1e-6):
        raise AssertionError(f"scale_ratings on a (3, 2) int array returned {short(got)}; "
                             f"expected {short((grid - 1) / 4)} (int input must give floats, not 0s)")

    for bad in ([0, 3], [3, 6], [0.5]):
        _expect_value_error(impl.scale_ratings, (bad,), f"scale_ratings({bad})",
                            "ratings outside [1, 5] must be rejected, not silently scaled")


def check_multi_hot(impl) -> None:
    """0/1 rows of the right width; repeats count once; empty rows stay zero; bad ids rejected."""
    genre_lists = [[0, 2], [1], [], [3, 3, 0]]
    what = "multi_hot([[0, 2], [1], [], [3, 3, 0]], 4)"
    got = as_array(impl.multi_hot(genre_lists, 4), what, shape=(4, 4), dtype_kind="f")
    expected = np.array([[1, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 0], [1, 0, 0, 1]], dtype=np.float32)
    if not np.array_equal(got, expected):
        cause = ""
        if got.max() > 1:
            cause = " Likely cause: adding 1 per id, so a repeated genre gives 2; set the entry to 1 instead."
        elif np.array_equal(np.roll(got, 1, axis=1), expected) or np.array_equal(np.roll(got, -1, axis=1), expected):
            cause = " Likely cause: an off-by-one shift of the genre columns (ids start at 0)."
        raise AssertionError(f"{what} returned\n{got}\nexpected\n{expected}.{cause}")

    wide = as_array(impl.multi_hot([[9], [0, 5]], 10), "multi_hot([[9], [0, 5]], 10)", shape=(2, 10))
    if wide.sum() != 3 or wide[0, 9] != 1 or wide[1, 0] != 1 or wide[1, 5] != 1:
        raise AssertionError(f"multi_hot([[9], [0, 5]], 10) returned {short(wide)}; expected ones at "
                             "(0, 9), (1, 0) and (1, 5) only")

    as_array(impl.multi_hot([], 3), "multi_hot([], 3)", shape=(0, 3))  # no items: an empty (0, 3) matrix
    for bad in ([[4]], [[-1]]):
        _expect_value_error(impl.multi_hot, (bad, 4), f"multi_hot({bad}, 4)",
                            "genre ids must lie in [0, num_genres); a wrong id must not pass silently "
                            "(a negative id would even set the last column)")


PARTS = {"scale_ratings": check_scale_ratings, "multi_hot": check_multi_hot}
TIMEOUTS = {"scale_ratings": 10, "multi_hot": 10}
