"""Label budgets (notebook 03): the two tools behind the "how much does the auxiliary task help?" curve.

Reference solution. The stub with the same functions is exercises/ex03_label_budget.py.

The experiment keeps every label of the auxiliary task (clicks) and only a budget of the target
task's labels (ratings), from about 1 % to 100 %, then compares a single-task model with a multi-task
one at each budget, over several seeds. `subsample_labels` makes the budget: which training rows keep
their target label. `relative_gain` turns the two models' test errors into the curve: how much lower
the multi-task error is, in percent, with its spread over seeds.
"""

import numpy as np

MISSING_LABEL = -1.0  # the label value that means "this row has no label for this task"


def subsample_labels(labels, num_kept, seed, mask_value=MISSING_LABEL):
    """Keep exactly `num_kept` of the observed target labels, chosen at random; mark the rest missing.

    Args:
        labels: 1-D array-like (n,) of training labels of the target task; entries equal to
            `mask_value` are already missing (e.g. no rating without a click) and are never kept.
        num_kept: how many observed labels to keep, an int in [0, number of observed labels].
        seed: the seed of the draw: the same seed gives the same rows, different seeds other rows.
        mask_value: the value that marks a missing label.

    Returns:
        (budget_labels, kept):
        budget_labels: a new float32 array (n,): the original label on the kept rows, `mask_value`
            everywhere else (a dropped label must not survive anywhere in it);
        kept: a boolean array (n,), True exactly on the `num_kept` kept rows.
        The rows are drawn uniformly among the observed rows, without replacement, and nested:
        with the same seed, the rows kept for a smaller budget are a subset of those kept for a larger
        one (so a budget curve compares nested label sets, not unrelated draws). `labels` itself is
        left unchanged.

    Raises:
        ValueError: if num_kept is negative or larger than the number of observed labels.

    TODO:
        1. Find the indices of the observed rows (label != mask_value).
        2. Check num_kept against their number.
        3. Shuffle those indices with np.random.default_rng(seed) and keep the first num_kept.
        4. Build `kept` and a float32 copy of the labels with mask_value outside the kept rows.

    Hints:
        1. np.flatnonzero(labels != mask_value) gives the observed rows' indices.
        2. rng.permutation(observed)[:num_kept] is uniform, without replacement, exact in count and
           nested across budgets; rng.random(n) < fraction is none of the first two.
        3. np.where(kept, labels, mask_value).astype(np.float32) makes a new array; writing into
           `labels` would change the caller's data (and its next budget).
    """
    labels = np.asarray(labels)
    observed = np.flatnonzero(labels != mask_value)  # (num_observed,)
    if not 0 <= num_kept <= observed.size:
        raise ValueError(f"num_kept must lie in [0, {observed.size}] (the observed labels), got {num_kept}")
    chosen = np.random.default_rng(seed).permutation(observed)[:num_kept]
    kept = np.zeros(labels.shape[0], dtype=bool)
    kept[chosen] = True
    return np.where(kept, labels, mask_value).astype(np.float32), kept


def relative_gain(single_task_error, multi_task_error):
    """The relative error reduction of the multi-task model, per budget, paired by seed, in percent.

    Args:
        single_task_error: array-like (num_budgets, num_seeds) of a lower-is-better test metric (e.g.
            rating RMSE) of the single-task model; row b, column s is budget b trained with seed s.
        multi_task_error: the same for the multi-task model, on the same budgets, seeds, splits and
            label subsets (entry [b, s] of both arrays comes from the same data).

    Returns:
        (gain_mean, gain_std): two float arrays (num_budgets,). For every budget and seed the gain is
        100 * (single - multi) / single (positive when multi-task is better); gain_mean is its mean
        over seeds and gain_std its standard deviation over seeds with ddof=1 (as
        mtlrec.experiments.mean_spread). A single budget (shape (1, num_seeds)) is fine. The two
        inputs are left unchanged.

    Raises:
        ValueError: if the shapes differ (even where numpy could broadcast them), are not exactly
            2-D, or there are fewer than 2 seeds.

    TODO:
        1. Turn both inputs into float arrays and check their shapes.
        2. Compute the per-seed relative gain in percent.
        3. Average it over the seeds (axis 1), and take its standard deviation with ddof=1.

    Hints:
        1. Pair by seed: compute the gain of each (budget, seed) cell first, then average. The seeds
           share the split and the label subset, so pairing removes the variation they share.
        2. Divide by the single-task error: the gain is relative to the baseline.
        3. np.std defaults to ddof=0; pass ddof=1 for the sample standard deviation.
    """
    single = np.asarray(single_task_error, dtype=np.float64)
    multi = np.asarray(multi_task_error, dtype=np.float64)
    if single.shape != multi.shape or single.ndim != 2:
        raise ValueError(f"expected two arrays of the same 2-D shape (num_budgets, num_seeds), got "
                         f"{single.shape} and {multi.shape}")
    if single.shape[1] < 2:
        raise ValueError(f"a spread needs at least 2 seeds, got {single.shape[1]}")
    gain = 100.0 * (single - multi) / single  # (num_budgets, num_seeds)
    return gain.mean(axis=1), gain.std(axis=1, ddof=1)
