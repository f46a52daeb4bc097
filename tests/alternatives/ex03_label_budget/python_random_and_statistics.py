"""A correct answer with the standard library: random.Random(seed).shuffle, a list as the pair, statistics.stdev."""
import random
import statistics

import numpy as np


def subsample_labels(labels, num_kept, seed, mask_value=-1.0):
    values = [float(value) for value in labels]
    observed = [row for row, value in enumerate(values) if value != mask_value]
    if not 0 <= num_kept <= len(observed):
        raise ValueError("num_kept must lie in [0, number of observed labels]")
    random.Random(seed).shuffle(observed)
    chosen = set(observed[:num_kept])
    kept = np.array([row in chosen for row in range(len(values))], dtype=bool)
    budget = np.array([value if row in chosen else mask_value for row, value in enumerate(values)], dtype=np.float32)
    return [budget, kept]


def relative_gain(single_task_error, multi_task_error):
    single, multi = np.asarray(single_task_error), np.asarray(multi_task_error)
    if single.shape != multi.shape or len(single.shape) != 2 or single.shape[1] < 2:
        raise ValueError("expected two arrays of one shape (num_budgets, num_seeds >= 2)")
    gains = [[100 * (s - m) / s for s, m in zip(row_s.tolist(), row_m.tolist())] for row_s, row_m in zip(single, multi)]
    return (np.array([statistics.fmean(row) for row in gains]),
            np.array([statistics.stdev(row) for row in gains]))
