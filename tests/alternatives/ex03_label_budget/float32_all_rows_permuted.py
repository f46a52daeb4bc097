"""A correct answer in float32: permute all rows and keep the first num_kept observed ones; the gain in float32."""
import numpy as np

MISSING_LABEL = -1.0


def subsample_labels(labels, num_kept, seed, mask_value=MISSING_LABEL):
    values = np.array(labels, dtype=np.float32)
    is_observed = values != np.float32(mask_value)
    if num_kept < 0 or num_kept > int(is_observed.sum()):
        raise ValueError(f"num_kept={num_kept} is outside [0, {int(is_observed.sum())}]")
    order = np.random.default_rng(seed).permutation(values.shape[0])  # every row, observed or not
    chosen = order[is_observed[order]][:num_kept]  # the first num_kept observed rows in that order
    kept = np.zeros(values.shape[0], dtype=bool)
    kept[chosen] = True
    values[~kept] = np.float32(mask_value)  # `values` is a private copy
    return values, kept


def relative_gain(single_task_error, multi_task_error):
    single = np.asarray(single_task_error, dtype=np.float32)
    multi = np.asarray(multi_task_error, dtype=np.float32)
    if single.ndim != 2 or single.shape != multi.shape:
        raise ValueError(f"shapes {single.shape} and {multi.shape}: expected one 2-D shape")
    if single.shape[1] < 2:
        raise ValueError("need at least two seeds")
    gain = np.float32(100) * (np.float32(1) - multi / single)  # (num_budgets, num_seeds), float32
    return gain.mean(axis=1, dtype=np.float32), gain.std(axis=1, ddof=1, dtype=np.float32)
