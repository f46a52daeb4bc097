"""The course's one rule for evidence: runs over seeds, a paired comparison, and `claim(...)`.

The rule (CONVENTIONS.md, "Notebooks"): at least MIN_SEEDS seeds, each drawing new data and new
initial weights; the mean paired difference (candidate minus baseline, seed by seed) with its 95 %
t-interval; the verdict word follows from the interval alone:
- "better": the whole interval lies on the candidate's good side of zero;
- "worse": the whole interval lies on its bad side;
- "no clear difference": the interval contains zero.
A notebook cell that states a direction calls `claim(comparison, "better")`, which prints the
verdict with its interval and raises ClaimNotSupported (failing the cell, nbval and CI) when a
re-run no longer supports the sentence that follows it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

MIN_SEEDS = 5
VERDICTS = ("better", "worse", "no clear difference")
# two-sided 95 % quantiles of Student's t, t_{0.975}(df) (any statistics table; no scipy needed)
_T_975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262,
          10: 2.228, 11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120, 17: 2.110, 18: 2.101,
          19: 2.093, 20: 2.086, 25: 2.060, 30: 2.042, 40: 2.021, 60: 2.000, 120: 1.980}


def t_quantile_975(df: int) -> float:
    """t_{0.975}(df): from the table, linear in 1/df between its rows, 1.960 in the limit."""
    if df < 1:
        raise ValueError(f"a t-interval needs at least 2 paired values (df >= 1), got df={df}")
    if df in _T_975:
        return _T_975[df]
    rows = sorted(_T_975) + [math.inf]
    upper = next(r for r in rows if r > df)
    lower = max(r for r in rows if r < df)
    value_upper = 1.960 if upper == math.inf else _T_975[upper]
    share = (1 / lower - 1 / df) / (1 / lower - (0 if upper == math.inf else 1 / upper))
    return _T_975[lower] + share * (value_upper - _T_975[lower])


class ClaimNotSupported(AssertionError):
    """A notebook's sentence about a direction is no longer supported by its own re-run."""


@dataclass(frozen=True)
class Comparison:
    """A paired comparison over seeds: candidate minus baseline on one metric."""

    metric: str
    candidate: str
    baseline: str
    differences: tuple[float, ...]  # one per seed, candidate - baseline
    higher_is_better: bool = True

    @property
    def seeds(self) -> int:
        return len(self.differences)

    @property
    def mean(self) -> float:
        return float(np.mean(self.differences))

    @property
    def half_width(self) -> float:
        """Half the width of the 95 % paired t-interval."""
        spread = float(np.std(self.differences, ddof=1))
        return t_quantile_975(self.seeds - 1) * spread / math.sqrt(self.seeds)

    @property
    def interval(self) -> tuple[float, float]:
        return self.mean - self.half_width, self.mean + self.half_width

    @property
    def verdict(self) -> str:
        low, high = self.interval
        if low > 0 or high < 0:
            return "better" if (low > 0) == self.higher_is_better else "worse"
        return "no clear difference"

    def __str__(self) -> str:
        low, high = self.interval
        direction = "higher" if self.higher_is_better else "lower"
        return (f"{self.candidate} vs {self.baseline}, {self.metric} ({direction} is better): "
                f"{self.mean:+.4f}, 95% CI [{low:+.4f}, {high:+.4f}] over {self.seeds} seeds -> {self.verdict}")


def paired(candidate_values, baseline_values, *, metric: str, candidate: str, baseline: str,
           higher_is_better: bool = True) -> Comparison:
    """Compare two equally long sequences of per-seed results, paired by position (seed i with seed i)."""
    candidate_values = np.asarray(candidate_values, dtype=float).reshape(-1)
    baseline_values = np.asarray(baseline_values, dtype=float).reshape(-1)
    if candidate_values.shape != baseline_values.shape:
        raise ValueError(f"paired results need one value per seed on both sides: "
                         f"{candidate_values.size} vs {baseline_values.size}")
    if candidate_values.size < 2 or not np.all(np.isfinite(candidate_values - baseline_values)):
        raise ValueError(f"a paired comparison needs at least 2 finite differences, got "
                         f"{candidate_values - baseline_values}")
    return Comparison(metric, candidate, baseline, tuple(float(d) for d in candidate_values - baseline_values),
                      higher_is_better)


def compare(frame, metric: str, candidate: str, baseline: str, *, by: str = "model", pair_on="seed",
            higher_is_better: bool = True) -> Comparison:
    """The paired comparison of two groups of a results table (one row per group and seed).

    frame: a pandas DataFrame with columns `by` (which model or method), `pair_on` (the seed, or a list
    of columns that identify one paired run) and `metric`. Rows are paired on `pair_on`, never by order.
    """
    keys = [pair_on] if isinstance(pair_on, str) else list(pair_on)
    sides = {}
    for name in (candidate, baseline):
        rows = frame[frame[by] == name]
        if rows.empty:
            raise ValueError(f"no rows with {by} == {name!r}; present: {sorted(set(frame[by]))}")
        if rows.duplicated(keys).any():
            raise ValueError(f"{by} == {name!r} has several rows per {keys}: filter the frame first")
        sides[name] = rows.set_index(keys)[metric]
    joined = sides[candidate].to_frame("candidate").join(sides[baseline].to_frame("baseline"), how="inner")
    return paired(joined["candidate"], joined["baseline"], metric=metric, candidate=candidate,
                  baseline=baseline, higher_is_better=higher_is_better)


def claim(comparison: Comparison, expected: str) -> Comparison:
    """Print the comparison; raise ClaimNotSupported unless its verdict is `expected` over >= MIN_SEEDS seeds.

    Call it in the cell before any sentence that states a direction: the sentence is then true of
    every re-run that passes, and a re-run that no longer supports it fails the notebook.
    """
    if expected not in VERDICTS:
        raise ValueError(f"expected must be one of {VERDICTS}, got {expected!r}")
    print(f"claim: {comparison}  (claimed: {expected})")
    if comparison.seeds < MIN_SEEDS:
        raise ClaimNotSupported(f"{comparison.seeds} seeds; the course's rule asks for at least {MIN_SEEDS}")
    if comparison.verdict != expected:
        raise ClaimNotSupported(f"the notebook claims '{expected}' but this run gives '{comparison.verdict}': "
                                f"{comparison}")
    return comparison


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
