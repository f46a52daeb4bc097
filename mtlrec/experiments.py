"""Run a comparison over seeds and report mean and spread (every notebook's evidence tables)."""

from __future__ import annotations

import time

import numpy as np


def over_seeds(run, seeds, **settings):
    """Call run(seed=s, **settings) -> dict of metrics for every seed; a pandas DataFrame, one row per seed."""
    import pandas as pd

    rows = []
    for seed in seeds:
        start = time.perf_counter()
        row = dict(run(seed=seed, **settings))
        rows.append({**settings, "seed": seed, **row, "seconds": time.perf_counter() - start})
    return pd.DataFrame(rows)


def mean_spread(frame, by, metrics, digits: int = 3):
    """A table of 'mean ± std' strings per group, for the metrics named (std over seeds, ddof=1)."""
    grouped = frame.groupby(by, sort=False)[list(metrics)]
    mean, std = grouped.mean(), grouped.std(ddof=1).fillna(0.0)
    return mean.round(digits).astype(str) + " ± " + std.round(digits).astype(str)


def plot_mean_spread(ax, frame, x, y, by=None, label=None, **kwargs):
    """Mean of y against x with a band of one standard deviation over seeds, one line per `by` group."""
    groups = [(label, frame)] if by is None else list(frame.groupby(by, sort=False))
    for name, part in groups:
        stats = part.groupby(x)[y].agg(["mean", "std"]).fillna(0.0)
        xs = np.asarray(stats.index, dtype=float)
        ax.plot(xs, stats["mean"], marker="o", label=str(name), **kwargs)
        ax.fill_between(xs, stats["mean"] - stats["std"], stats["mean"] + stats["std"], alpha=0.2)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    if by is not None or label is not None:
        ax.legend(fontsize="small")
    return ax
