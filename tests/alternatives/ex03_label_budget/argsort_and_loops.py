"""A correct answer in another style: random keys + argsort for the draw, lists and a loop for the gain."""
import numpy as np


def subsample_labels(labels, num_kept, seed, mask_value=-1.0):
    values = np.array(labels, dtype=np.float64)
    candidates = [i for i, value in enumerate(values) if value != mask_value]
    if num_kept < 0 or num_kept > len(candidates):
        raise ValueError(f"cannot keep {num_kept} of {len(candidates)} labels")
    keys = np.random.RandomState(seed).random_sample(len(candidates))
    chosen = [candidates[i] for i in np.argsort(keys, kind="stable")[:num_kept]]
    kept = np.isin(np.arange(len(values)), chosen)
    out = np.full(len(values), mask_value, dtype=np.float32)
    out[kept] = values[kept]
    return out, kept


def relative_gain(single_task_error, multi_task_error):
    single = np.array(single_task_error, dtype=float)
    multi = np.array(multi_task_error, dtype=float)
    if single.ndim != 2 or multi.shape != single.shape:
        raise ValueError("need two (num_budgets, num_seeds) arrays of one shape")
    if single.shape[1] < 2:
        raise ValueError("need at least two seeds")
    means, stds = [], []
    for single_row, multi_row in zip(single, multi):
        gains = [100.0 * (s - m) / s for s, m in zip(single_row, multi_row)]
        means.append(float(np.mean(gains)))
        stds.append(float(np.std(gains, ddof=1)))
    return np.array(means), np.array(stds)
