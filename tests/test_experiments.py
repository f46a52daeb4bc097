"""The one evidence rule: paired 95 % t-intervals, verdict words, and claim(...)."""

import numpy as np
import pandas as pd
import pytest

from mtlrec import experiments
from mtlrec.experiments import ClaimNotSupported, claim, compare, paired, t_quantile_975


def test_t_quantiles_match_the_table_and_interpolate_monotonically():
    assert t_quantile_975(4) == pytest.approx(2.776)
    assert t_quantile_975(30) == pytest.approx(2.042)
    values = [t_quantile_975(df) for df in range(1, 500)]
    assert all(a >= b for a, b in zip(values, values[1:])) and values[-1] > 1.96
    assert t_quantile_975(22) == pytest.approx(2.074, abs=0.002)  # tables: 2.074
    with pytest.raises(ValueError):
        t_quantile_975(0)


def test_interval_is_the_paired_t_interval():
    differences = np.array([0.02, 0.01, 0.03, 0.015, 0.025])
    result = paired(differences + 0.5, np.full(5, 0.5), metric="auc", candidate="a", baseline="b")
    # literal formula: mean ± t_{0.975}(n-1) * s / sqrt(n)
    half = 2.776 * differences.std(ddof=1) / np.sqrt(5)
    assert result.interval == pytest.approx((differences.mean() - half, differences.mean() + half))
    assert result.verdict == "better"


@pytest.mark.parametrize("differences, higher_is_better, verdict", [
    ([0.02, 0.01, 0.03, 0.015, 0.025], True, "better"),
    ([0.02, 0.01, 0.03, 0.015, 0.025], False, "worse"),
    ([-0.02, -0.01, -0.03, -0.015, -0.025], False, "better"),
    ([0.05, -0.04, 0.03, -0.02, 0.01], True, "no clear difference"),
    ([0.3, 0.01, 0.01, 0.01, 0.01], True, "no clear difference"),  # every seed agrees, interval still has 0
])
def test_verdict_follows_from_the_interval_alone(differences, higher_is_better, verdict):
    result = paired(np.array(differences), np.zeros(5), metric="m", candidate="a", baseline="b",
                    higher_is_better=higher_is_better)
    assert result.verdict == verdict
    low, high = result.interval
    assert (low <= 0 <= high) == (verdict == "no clear difference")


def test_compare_pairs_rows_by_seed_not_by_order():
    frame = pd.DataFrame({"model": ["a"] * 5 + ["b"] * 5, "seed": [0, 1, 2, 3, 4, 4, 3, 2, 1, 0],
                          "auc": [0.71, 0.72, 0.73, 0.74, 0.75, 0.74, 0.73, 0.72, 0.71, 0.70]})
    result = compare(frame, "auc", "a", "b")
    assert result.differences == pytest.approx((0.01,) * 5)
    with pytest.raises(ValueError, match="no rows"):
        compare(frame, "auc", "a", "c")


def test_claim_passes_supported_sentences_and_fails_the_others(capsys):
    better = paired(np.arange(5) * 0.001 + 0.02, np.zeros(5), metric="m", candidate="a", baseline="b")
    assert claim(better, "better") is better
    assert "claim: a vs b" in capsys.readouterr().out
    with pytest.raises(ClaimNotSupported, match="gives 'better'"):
        claim(better, "no clear difference")
    few = paired([0.1, 0.2, 0.3], [0, 0, 0], metric="m", candidate="a", baseline="b")
    with pytest.raises(ClaimNotSupported, match=f"at least {experiments.MIN_SEEDS}"):
        claim(few, "better")
    with pytest.raises(ValueError):
        claim(better, "improved")
