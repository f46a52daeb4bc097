"""Checks for ex03_label_budget (notebook 03): subsample_labels and relative_gain (numpy only)."""

from __future__ import annotations

import numpy as np

from mtlrec.checks import as_array, short

MISSING = -1.0  # the exercise's default MISSING_LABEL


def _expect_value_error(function, args, what: str, why: str) -> None:
    try:
        function(*args)
    except ValueError:
        return
    raise AssertionError(f"{what} did not raise ValueError; {why}")


# ------------------------------------------------------------------------------ subsample_labels
def _probe_labels(size: int = 40, missing_every: int = 4, seed: int = 7) -> np.ndarray:
    """Scaled ratings (a few of them 0.0, a real label) with every `missing_every`-th row missing."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 5, size) / 4.0  # 0, 0.25, ..., 1
    labels[::missing_every] = MISSING
    return labels.astype(np.float32)


def _draw(impl, labels, num_kept, seed, what=None, **kwargs):
    """Call subsample_labels and check the form of its answer; returns (budget_labels, kept)."""
    what = what or f"subsample_labels(labels, {num_kept}, seed={seed})"
    answer = impl.subsample_labels(labels, num_kept, seed, **kwargs)
    if not isinstance(answer, tuple) or len(answer) != 2:
        raise AssertionError(f"{what} returned {type(answer).__name__} {short(answer)}; expected a tuple "
                             "(budget_labels, kept)")
    budget_labels, kept = answer
    size = len(labels)
    budget_labels = as_array(budget_labels, f"{what}[0] (budget_labels)", shape=(size,), dtype_kind="f")
    kept = as_array(kept, f"{what}[1] (kept)", shape=(size,))
    if kept.dtype != bool:
        raise AssertionError(f"{what}[1] (kept) has dtype {kept.dtype}; expected a boolean mask (dtype bool): "
                             "an int array of 0s and 1s would pick rows 0 and 1 when used as an index")
    return budget_labels, kept


def _check_one_draw(labels, budget_labels, kept, num_kept, what, mask_value=MISSING) -> None:
    observed = labels != mask_value
    if int(kept.sum()) != num_kept:
        raise AssertionError(
            f"{what}: kept has {int(kept.sum())} True entries; expected exactly {num_kept}. Likely cause: a draw per "
            "row (rng.random(n) < fraction) meets the budget only on average, and a draw with replacement repeats "
            "rows; shuffle the observed rows and keep the first num_kept")
    if np.any(kept & ~observed):
        rows = np.flatnonzero(kept & ~observed)[:5].tolist()
        raise AssertionError(f"{what}: rows {rows} are kept although their label is missing ({mask_value}); draw "
                             "only among the observed rows (label != mask_value)")
    if not np.array_equal(budget_labels[kept], labels[kept].astype(np.float32)):
        raise AssertionError(f"{what}: the kept rows must carry their original labels; got "
                             f"{short(budget_labels[kept])} for {short(labels[kept])}")
    if not np.all(budget_labels[~kept] == mask_value):
        leaked = np.flatnonzero((budget_labels != mask_value) & ~kept)[:5].tolist()
        raise AssertionError(f"{what}: rows {leaked} are not kept but still hold a label in budget_labels; every row "
                             f"outside the budget must be {mask_value}, or the dropped labels leak into training")


def check_subsample_labels(impl) -> None:
    """Exact count among observed rows, labels kept/masked, input untouched, seeded, nested, uniform, errors."""
    labels = _probe_labels()
    original = labels.copy()
    budget_labels, kept = _draw(impl, labels, 7, 3)
    if not np.array_equal(labels, original):
        raise AssertionError("subsample_labels(labels, 7, seed=3) changed the labels array it was given; return a "
                             "new array (np.where(...) or labels.copy()) so the caller's data stay intact")
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

    # uniform among the observed rows: each is kept with probability num_kept / num_observed
    uniform_labels = _probe_labels(16, missing_every=4, seed=1)  # 12 observed rows
    counts = np.zeros(16)
    num_seeds = 300
    for seed in range(num_seeds):
        counts += _draw(impl, uniform_labels, 3, seed)[1]
    frequency = counts[uniform_labels != MISSING] / num_seeds  # expected 0.25, sd 0.025
    if frequency.min() < 0.13 or frequency.max() > 0.37:
        raise AssertionError(
            f"subsample_labels(labels, 3, seed) over seeds 0..{num_seeds - 1} on 12 observed rows keeps the observed rows "
            f"with frequencies from {frequency.min():.2f} to {frequency.max():.2f}; each should be kept about "
            "3/12 = 0.25 of the time. Likely cause: taking the first rows instead of a random draw, or a biased draw")

    none_labels, none_kept = _draw(impl, labels, 0, 3)
    if none_kept.any() or not np.all(none_labels == MISSING):
        raise AssertionError("subsample_labels(labels, 0, seed=3) must keep no row and mark every label missing")
    observed = labels != MISSING
    all_labels, all_kept = _draw(impl, labels, int(observed.sum()), 3)
    if not np.array_equal(all_kept, observed) or not np.array_equal(all_labels, labels):
        raise AssertionError("subsample_labels(labels, 30, seed=3) on 30 observed labels must keep all of them and "
                             "return the labels unchanged")

    # another mask value, integer labels given as a list
    stars = [9, 1, 5, 9, -1, 3, 9, 4, 2, 9, 5, 1]  # 9 marks missing; -1 is an ordinary (odd) label here
    what = "subsample_labels(<list of 12 ints, 9 = missing>, 5, seed=0, mask_value=9)"
    star_labels, star_kept = _draw(impl, stars, 5, 0, what=what, mask_value=9)
    _check_one_draw(np.asarray(stars, dtype=np.float32), star_labels, star_kept, 5, what, mask_value=9)

    _expect_value_error(impl.subsample_labels, (labels, 31, 0), "subsample_labels(labels, 31, seed=0) with 30 observed "
                        "labels", "asking for more labels than are observed must be an error, not a smaller budget")
    _expect_value_error(impl.subsample_labels, (labels, -1, 0), "subsample_labels(labels, -1, seed=0)",
                        "a negative budget must be rejected")


# ------------------------------------------------------------------------------ relative_gain
def _expected_gain(single, multi):
    gain = 100.0 * (single - multi) / single
    return gain.mean(axis=1), gain.std(axis=1, ddof=1)


def _diagnose_gain(single, multi, got_mean, got_std) -> str:
    mean, std = _expected_gain(single, multi)
    by_multi = 100.0 * (single - multi) / multi
    candidates = [
        ("the sign is flipped: the gain is (single - multi) / single, positive when multi-task is better",
         -mean, std),
        ("the difference is divided by the multi-task error; the gain is relative to the single-task baseline",
         by_multi.mean(axis=1), by_multi.std(axis=1, ddof=1)),
        ("a fraction, not percent: multiply by 100", mean / 100.0, std / 100.0),
        ("np.std with its default ddof=0; use ddof=1 over the seeds", mean,
         (100.0 * (single - multi) / single).std(axis=1)),
        ("the gain is computed from the means over seeds (unpaired); compute it per seed, then average",
         100.0 * (single.mean(axis=1) - multi.mean(axis=1)) / single.mean(axis=1), None),
    ]
    for cause, cand_mean, cand_std in candidates:
        if np.allclose(got_mean, cand_mean, rtol=1e-6, atol=1e-9) and (
                cand_std is None or np.allclose(got_std, cand_std, rtol=1e-6, atol=1e-9)):
            return f" Likely cause: {cause}."
    return ""


def check_relative_gain(impl) -> None:
    """Per-seed relative gain in percent, mean and ddof=1 std over seeds (axis 1); lists work; errors raised."""
    rng = np.random.default_rng(11)
    single = rng.uniform(0.8, 1.2, (4, 3))  # (num_budgets, num_seeds)
    multi = single * (1.0 - rng.uniform(-0.1, 0.2, (4, 3)))
    what = "relative_gain(single (4 budgets, 3 seeds), multi (4, 3))"
    answer = impl.relative_gain(single, multi)
    if not isinstance(answer, tuple) or len(answer) != 2:
        raise AssertionError(f"{what} returned {type(answer).__name__} {short(answer)}; expected a tuple "
                             "(gain_mean, gain_std)")
    got_mean = as_array(np.asarray(answer[0]) if np.isscalar(answer[0]) else answer[0], f"{what}[0] (gain_mean)")
    got_std = as_array(np.asarray(answer[1]) if np.isscalar(answer[1]) else answer[1], f"{what}[1] (gain_std)")
    for name, value in (("gain_mean", got_mean), ("gain_std", got_std)):
        if value.shape != (4,):
            raise AssertionError(f"{what}: {name} has shape {value.shape}; expected (4,), one value per budget. "
                                 "Likely cause: averaging over the wrong axis; the seeds are axis 1")
    mean, std = _expected_gain(single, multi)
    if not (np.allclose(got_mean, mean, rtol=1e-6, atol=1e-9) and np.allclose(got_std, std, rtol=1e-6, atol=1e-9)):
        raise AssertionError(
            f"{what} returned gain_mean {short(got_mean)}, gain_std {short(got_std)}; expected {short(mean)} and "
            f"{short(std)}: per (budget, seed) 100 * (single - multi) / single, then mean and std (ddof=1) over "
            f"seeds.{_diagnose_gain(single, multi, got_mean, got_std)}")

    lists = impl.relative_gain([[1.0, 2.0], [0.5, 0.5]], [[0.9, 1.5], [0.55, 0.45]])
    expected_mean, expected_std = _expected_gain(np.array([[1.0, 2.0], [0.5, 0.5]]), np.array([[0.9, 1.5], [0.55, 0.45]]))
    if not (np.allclose(lists[0], expected_mean) and np.allclose(lists[1], expected_std)):
        raise AssertionError(f"relative_gain on nested lists returned {short(lists)}; expected "
                             f"({short(expected_mean)}, {short(expected_std)}): convert the inputs with np.asarray")

    _expect_value_error(impl.relative_gain, (single, multi[:, :2]), "relative_gain on shapes (4, 3) and (4, 2)",
                        "errors of different shapes cannot be paired")
    _expect_value_error(impl.relative_gain, (single[:, :1], multi[:, :1]), "relative_gain with one seed (shape (4, 1))",
                        "a spread over seeds needs at least two seeds")
    _expect_value_error(impl.relative_gain, (single[0], multi[0]), "relative_gain on 1-D arrays",
                        "the inputs must be 2-D (num_budgets, num_seeds)")


PARTS = {"subsample_labels": check_subsample_labels, "relative_gain": check_relative_gain}
TIMEOUTS = {"subsample_labels": 10, "relative_gain": 10}
