"""Checks for ex03_label_budget (notebook 03): subsample_labels and relative_gain (numpy only)."""

from __future__ import annotations

from math import comb

import numpy as np

from mtlrec.checks import as_array, expect_value_error, short

MISSING = -1.0  # the exercise's default MISSING_LABEL


# ------------------------------------------------------------------------------ subsample_labels
def _probe_labels(size: int = 40, missing_every: int = 4, seed: int = 7) -> np.ndarray:
    """Scaled ratings (a few of them 0.0, a real label) with every `missing_every`-th row missing."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 5, size) / 4.0  # 0, 0.25, ..., 1
    labels[::missing_every] = MISSING
    return labels.astype(np.float32)


def _pair(answer, what: str, names: str):
    """Unpack a (first, second) answer; a list of two is accepted as well as a tuple."""
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        raise AssertionError(f"{what} returned {type(answer).__name__} {short(answer)}; expected a tuple ({names})")
    return answer


def _draw(impl, labels, num_kept, seed, what=None, **kwargs):
    """Call subsample_labels and check the form of its answer; returns (budget_labels, kept)."""
    what = what or f"subsample_labels(labels, {num_kept}, seed={seed})"
    given = np.array(labels, copy=True)
    budget_labels, kept = _pair(impl.subsample_labels(labels, num_kept, seed, **kwargs), what, "budget_labels, kept")
    if not np.array_equal(np.asarray(labels), given):
        raise AssertionError(f"{what} changed the labels it was given; return a new array (np.where(...) or "
                             "labels.copy()) so the caller's data stay intact (its next budget starts from them)")
    size = len(labels)
    budget_labels = as_array(budget_labels, f"{what}[0] (budget_labels)", shape=(size,), dtype_kind="f")
    kept = as_array(kept, f"{what}[1] (kept)", shape=(size,))
    if kept.dtype != bool:
        raise AssertionError(f"{what}[1] (kept) has dtype {kept.dtype}; expected a boolean mask (dtype bool): "
                             "an int array of 0s and 1s would pick rows 0 and 1 when used as an index")
    if isinstance(labels, np.ndarray) and np.shares_memory(budget_labels, labels):
        raise AssertionError(f"{what}[0] (budget_labels) shares its memory with the labels given; return a new array "
                             "(np.where(...) or labels.copy()), or masking it later changes the caller's labels")
    return budget_labels, kept


def _check_one_draw(labels, budget_labels, kept, num_kept, what, mask_value=MISSING) -> None:
    labels = np.asarray(labels)
    observed = labels != mask_value
    if int(kept.sum()) != num_kept:
        raise AssertionError(
            f"{what}: kept has {int(kept.sum())} True entries; expected exactly {num_kept}. Likely cause: a draw per "
            "row (rng.random(n) < fraction) meets the budget only on average, and a draw with replacement repeats "
            "rows; shuffle the observed rows and keep the first num_kept")
    if np.any(kept & ~observed):
        rows = np.flatnonzero(kept & ~observed)[:5].tolist()
        raise AssertionError(f"{what}: rows {rows} are kept although their label is missing ({mask_value}); draw "
                             "only among the observed rows (label != mask_value, with the mask_value given)")
    if not np.allclose(budget_labels[kept], labels[kept].astype(np.float64), rtol=1e-6, atol=0):
        raise AssertionError(f"{what}: the kept rows must carry their original labels; got "
                             f"{short(budget_labels[kept])} for {short(labels[kept])}")
    if not np.all(budget_labels[~kept] == mask_value):
        leaked = np.flatnonzero((budget_labels != mask_value) & ~kept)[:5].tolist()
        raise AssertionError(f"{what}: rows {leaked} are not kept but hold {short(budget_labels[leaked])} in "
                             f"budget_labels; every row outside the budget must be the mask_value given "
                             f"({mask_value}), or the dropped labels leak into training")


def check_subsample_labels(impl) -> None:
    """Exact count among observed rows, labels kept/masked, input untouched, seeded, nested, uniform, errors."""
    labels = _probe_labels()
    budget_labels, kept = _draw(impl, labels, 7, 3)
    _check_one_draw(labels, budget_labels, kept, 7, "subsample_labels(labels, 7, seed=3) on 40 rows, 10 missing")

    again = _draw(impl, labels, 7, 3)[1]
    if not np.array_equal(kept, again):
        raise AssertionError("subsample_labels(labels, 7, seed=3) kept different rows on a second call; the draw "
                             "must depend on `seed` only: use np.random.default_rng(seed), not the global random state")
    others = [_draw(impl, labels, 7, seed)[1] for seed in (4, 5, 6)]
    if all(np.array_equal(kept, other) for other in others):
        raise AssertionError("subsample_labels(labels, 7, seed) keeps the same rows for seeds 3, 4, 5 and 6; other "
                             "seeds must draw other rows (is the seed used, and are the rows shuffled?)")

    small = _draw(impl, labels, 3, 3)[1]
    large = _draw(impl, labels, 20, 3)[1]
    for fewer, more, a, b in ((small, kept, 3, 7), (kept, large, 7, 20)):
        if np.any(fewer & ~more):
            raise AssertionError(
                f"subsample_labels(labels, {a}, seed=3) keeps rows that subsample_labels(labels, {b}, seed=3) drops; "
                "budgets of one seed must be nested (a smaller budget keeps a subset of a larger one's rows). Shuffle "
                "the observed indices once with np.random.default_rng(seed).permutation and keep the first "
                "num_kept (Generator.choice(..., replace=False) is not nested)")

    # uniform among the observed rows: each is kept with probability num_kept / num_observed, and every set of
    # num_kept rows is possible (a random start followed by neighbouring rows has the right frequencies too)
    uniform_labels = _probe_labels(16, missing_every=4, seed=1)  # 12 observed rows
    counts = np.zeros(16)
    row_sets = set()
    num_seeds = 300
    for seed in range(num_seeds):
        draw = _draw(impl, uniform_labels, 3, seed)[1]
        counts += draw
        row_sets.add(tuple(np.flatnonzero(draw)))
    frequency = counts[uniform_labels != MISSING] / num_seeds  # expected 0.25, sd 0.025
    if frequency.min() < 0.13 or frequency.max() > 0.37:
        raise AssertionError(
            f"subsample_labels(labels, 3, seed) over seeds 0..{num_seeds - 1} on 12 observed rows keeps the observed "
            f"rows with frequencies from {frequency.min():.2f} to {frequency.max():.2f}; each should be kept about "
            "3/12 = 0.25 of the time. Likely cause: taking the first rows instead of a random draw, or a biased draw")
    # a uniform draw meets about 164 of the comb(12, 3) = 220 possible sets in 300 seeds (at least 147 in
    # 2,000 simulated runs of 300 seeds); a random start with its neighbours meets at most 12
    if len(row_sets) < 60:
        raise AssertionError(
            f"subsample_labels(labels, 3, seed) over seeds 0..{num_seeds - 1} on 12 observed rows kept only "
            f"{len(row_sets)} different sets of rows, of the {comb(12, 3)} possible; a uniform draw meets about 160 of "
            "them. Likely cause: a random starting point followed by neighbouring rows (or a fixed stride); "
            "shuffle the observed rows and keep the first num_kept")

    none_labels, none_kept = _draw(impl, labels, 0, 3)
    if none_kept.any() or not np.all(none_labels == MISSING):
        raise AssertionError("subsample_labels(labels, 0, seed=3) must keep no row and mark every label missing; got "
                             f"{int(none_kept.sum())} kept rows (rng.permutation(...)[-0:] is every row, not none)")
    observed = labels != MISSING
    all_labels, all_kept = _draw(impl, labels, int(observed.sum()), 3)
    if not np.array_equal(all_kept, observed) or not np.array_equal(all_labels, labels):
        raise AssertionError("subsample_labels(labels, 30, seed=3) on 30 observed labels must keep all of them and "
                             "return the labels unchanged")

    # boundary cases: no label missing (float64, not on a grid), nearly all missing, all missing
    full = np.random.default_rng(5).uniform(0.05, 0.95, 9)
    what = "subsample_labels(<9 float64 labels, none missing>, 4, seed=2)"
    _check_one_draw(full, *_draw(impl, full, 4, 2, what=what), 4, what)
    sparse = np.full(25, MISSING)
    sparse[[3, 11, 17, 24]] = [0.5, 0.0, 1.0, 0.75]
    what = "subsample_labels(<25 labels, 4 observed>, 4, seed=1)"
    _check_one_draw(sparse, *_draw(impl, sparse, 4, 1, what=what), 4, what)
    what = "subsample_labels(<6 labels, all missing>, 0, seed=0)"
    _check_one_draw(np.full(6, MISSING), *_draw(impl, np.full(6, MISSING), 0, 0, what=what), 0, what)

    # another mask value, integer labels given as a list: 9 marks missing, -1 (the default) is an ordinary label
    stars = [9, 1, 5, 9, -1, 3, 9, 4, 2, 9, 5, 1]  # 8 observed
    for num_kept in (5, 8):
        what = f"subsample_labels(<list of 12 ints, 9 = missing, 8 observed>, {num_kept}, seed=0, mask_value=9)"
        star_labels, star_kept = _draw(impl, stars, num_kept, 0, what=what, mask_value=9)
        _check_one_draw(stars, star_labels, star_kept, num_kept, what, mask_value=9)
    expect_value_error(impl.subsample_labels, (stars, 9, 0), "subsample_labels(<12 ints, 8 observed>, 9, seed=0, "
                       "mask_value=9)", "only 8 labels are observed when 9 marks missing (is mask_value used when "
                       "counting the observed rows?)", kwargs={"mask_value": 9})

    expect_value_error(impl.subsample_labels, (labels, 31, 0), "subsample_labels(labels, 31, seed=0) with 30 observed "
                       "labels", "asking for more labels than are observed must be an error, not a smaller budget")
    expect_value_error(impl.subsample_labels, (labels, -1, 0), "subsample_labels(labels, -1, seed=0)",
                       "a negative budget must be rejected")
    expect_value_error(impl.subsample_labels, (np.full(6, MISSING), 1, 0), "subsample_labels(<6 labels, all missing>, "
                       "1, seed=0)", "there is no observed label to keep")


# ------------------------------------------------------------------------------ relative_gain
# The gain is in percent; float32 answers differ from float64 by about 1e-5 percent (the difference of two
# errors near 1 loses digits), every wrong answer below by far more.
GAIN_RTOL, GAIN_ATOL = 1e-5, 1e-4


def _close(a, b) -> bool:
    return np.allclose(a, b, rtol=GAIN_RTOL, atol=GAIN_ATOL)


def _expected_gain(single, multi):
    gain = 100.0 * (single - multi) / single
    return gain.mean(axis=1), gain.std(axis=1, ddof=1)


def _diagnose_gain(single, multi, got_mean, got_std) -> str:
    mean, std = _expected_gain(single, multi)
    gain = 100.0 * (single - multi) / single
    by_multi = 100.0 * (single - multi) / multi
    num_seeds = single.shape[1]
    candidates = [
        ("the sign is flipped: the gain is (single - multi) / single, positive when multi-task is better",
         -mean, std),
        ("the difference is divided by the multi-task error; the gain is relative to the single-task baseline",
         by_multi.mean(axis=1), by_multi.std(axis=1, ddof=1)),
        ("a fraction, not percent: multiply by 100", mean / 100.0, std / 100.0),
        ("np.std with its default ddof=0; use ddof=1 over the seeds", mean, gain.std(axis=1)),
        ("the standard error (std / sqrt(num_seeds)) instead of the standard deviation over seeds", mean,
         std / np.sqrt(num_seeds)),
        ("the variance instead of the standard deviation", mean, gain.var(axis=1, ddof=1)),
        ("the two results are swapped; return (gain_mean, gain_std)", std, mean),
        ("the gain is computed from the means over seeds (unpaired); compute it per seed, then average",
         100.0 * (single.mean(axis=1) - multi.mean(axis=1)) / single.mean(axis=1), None),
    ]
    for cause, cand_mean, cand_std in candidates:
        if _close(got_mean, cand_mean) and (cand_std is None or _close(got_std, cand_std)):
            return f" Likely cause: {cause}."
    return ""


def _check_gain(impl, single, multi, what: str, given=None) -> None:
    """Call relative_gain(given or the arrays) and compare with the definition; inputs must stay unchanged."""
    single_before, multi_before = single.copy(), multi.copy()
    args = given if given is not None else (single, multi)
    got_mean, got_std = _pair(impl.relative_gain(*args), what, "gain_mean, gain_std")
    if not (np.array_equal(single, single_before) and np.array_equal(multi, multi_before)):
        raise AssertionError(f"{what} changed the error arrays it was given; compute new arrays (for example "
                             "ratio = multi / single, not multi /= single), the caller still needs its errors")
    num_budgets = single.shape[0]
    got_mean = as_array(got_mean, f"{what}[0] (gain_mean)", dtype_kind="f")
    got_std = as_array(got_std, f"{what}[1] (gain_std)", dtype_kind="f")
    for name, value in (("gain_mean", got_mean), ("gain_std", got_std)):
        if value.shape != (num_budgets,):
            raise AssertionError(f"{what}: {name} has shape {value.shape}; expected ({num_budgets},), one value per "
                                 "budget. Likely cause: averaging over the wrong axis; the seeds are axis 1")
    mean, std = _expected_gain(single, multi)
    if not (_close(got_mean, mean) and _close(got_std, std)):
        raise AssertionError(
            f"{what} returned gain_mean {short(got_mean)}, gain_std {short(got_std)}; expected {short(mean)} and "
            f"{short(std)}: per (budget, seed) 100 * (single - multi) / single, then mean and std (ddof=1) over "
            f"seeds.{_diagnose_gain(single, multi, got_mean, got_std)}")


def check_relative_gain(impl) -> None:
    """Per-seed relative gain in percent, mean and ddof=1 std over seeds (axis 1); lists work; errors raised."""
    rng = np.random.default_rng(11)
    single = rng.uniform(0.8, 1.2, (4, 3))  # (num_budgets, num_seeds): more budgets than seeds
    multi = single * (1.0 - rng.uniform(-0.1, 0.2, (4, 3)))
    multi[1] = single[1]  # a budget where the two models tie: gain 0, spread 0
    _check_gain(impl, single, multi, "relative_gain(single (4 budgets, 3 seeds), multi (4, 3))")

    wide_single = rng.uniform(0.5, 2.0, (2, 5))  # fewer budgets than seeds
    wide_multi = wide_single * (1.0 - rng.uniform(-0.3, 0.3, (2, 5)))
    _check_gain(impl, wide_single, wide_multi, "relative_gain(single (2 budgets, 5 seeds), multi (2, 5))")
    try:
        _check_gain(impl, wide_single[:1], wide_multi[:1], "relative_gain(single (1 budget, 5 seeds), multi (1, 5))")
    except ValueError as error:
        raise AssertionError(
            f"relative_gain on one budget and five seeds (shape (1, 5)) raised ValueError ({error}); one budget is "
            "valid, only fewer than 2 seeds (axis 1) is an error. Likely cause: len(single) or min(shape) counts the "
            "budgets (axis 0), not the seeds (single.shape[1])") from None

    single_list, multi_list = [[1.0, 2.0], [0.5, 0.5]], [[0.9, 1.5], [0.55, 0.45]]
    _check_gain(impl, np.array(single_list), np.array(multi_list), "relative_gain on nested lists (2, 2)",
                given=(single_list, multi_list))

    expect_value_error(impl.relative_gain, (single, multi[:, :2]), "relative_gain on shapes (4, 3) and (4, 2)",
                       "errors of different shapes cannot be paired")
    for other in (multi[:, :1], multi[:1]):
        expect_value_error(impl.relative_gain, (single, other), f"relative_gain on shapes (4, 3) and {other.shape}",
                           f"errors of different shapes cannot be paired; numpy broadcasts {other.shape} against "
                           "(4, 3) without a word, so compare the two shapes yourself")
    expect_value_error(impl.relative_gain, (single[:, :1], multi[:, :1]), "relative_gain with one seed (shape (4, 1))",
                       "a spread over seeds needs at least two seeds")
    expect_value_error(impl.relative_gain, (single[0], multi[0]), "relative_gain on 1-D arrays",
                       "the inputs must be 2-D (num_budgets, num_seeds)")
    cube = rng.uniform(0.8, 1.2, (2, 3, 2))
    expect_value_error(impl.relative_gain, (cube, cube * 0.9), "relative_gain on 3-D arrays of shape (2, 3, 2)",
                       "the inputs must be exactly 2-D (num_budgets, num_seeds), not at least 2-D")


PARTS = {"subsample_labels": check_subsample_labels, "relative_gain": check_relative_gain}
TIMEOUTS = {"subsample_labels": 10, "relative_gain": 10}
