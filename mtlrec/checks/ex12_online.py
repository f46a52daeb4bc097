"""Checks for ex12_online (notebook 12): auc, gauc, fuse_scores and ab_test.

Numpy only (no TensorFlow is imported; an answer written with keras.ops is accepted, its tensors are read
with np.asarray). auc is compared with the definition written out here (every positive-negative pair, ties
one half) on shuffled rows with many ties, constant and reversed scores, bool/int/float labels, lists and
float32; its ValueErrors; and a size probe: 20,000 rows must not allocate memory quadratic in n, and
200,000 rows must finish within a few seconds (an O(n_pos * n_neg) answer is stopped with a message).
gauc is compared with its definition on interleaved users with string ids, impression counts that differ
a lot, users with one class, and a model that learned user activity (global AUC and GAUC disagree), with
the likely mistake named (unweighted mean, click weights, skipped users weighed, global AUC, ...).
fuse_scores is compared with sigmoid / downsampling correction / product or sum written out here, with
weights and rates in dict orders other than the logits', rates for some tasks only, r = 1, zero weights,
large logits, the default kind, untouched inputs and its ValueErrors. ab_test is compared with the delta
method written as the variance of each user's linearised contribution, on users whose views differ a lot
(the impression-level z-test is far too narrow there), unequal arms, confidence 0.90 / 0.99 and a negative
lift, and its ValueErrors.
"""

from __future__ import annotations

import copy
import signal
import threading
import time
import tracemalloc
from statistics import NormalDist

import numpy as np

from mtlrec.checks import expect_value_error, learner_line, short

EXACT = 1e-6  # AUC: float32 answers round at ~1e-7; a mistake moves a probe's AUC by >= 1 / (n_pos n_neg) > 2e-5
LARGE_ATOL = 1e-6  # AUC over 200,000 rows: float32 ties among 10^10 pairs move it by about 1e-8
RTOL = 2e-5  # fused scores: float32 arithmetic on values of order 1e-6..1
INTERVAL_RTOL = 2e-3  # ab_test: variances with ddof=0 or ddof=1 differ by 1/n (n >= 1,500 users here)
LARGE_N = 200_000  # rows of the timing probe (a day of impressions is far more)
SIZE_PROBE_N = 20_000  # rows of the memory probe: 10^8 positive-negative pairs
TIME_LIMIT = 3.0  # seconds for 200,000 rows: the reference takes 0.05 s, pure Python 0.6 s on a loaded machine;
#                  pairs compared in numpy blocks take 10-40 s, a Python double loop hours
MEMORY_LIMIT = 64 * 2 ** 20  # bytes numpy may allocate for 20,000 rows (O(n) needs < 3 MB; pairs need >= 100 MB)


class _TooSlow(BaseException):
    """Raised inside a probe that ran past its own time limit (BaseException: `except Exception` lets it go)."""


def _within(seconds: float, function, *args):
    """(function(*args), seconds taken); raise _TooSlow when it runs longer than `seconds`.

    In the main thread of a POSIX process an interval timer interrupts the call (the part's own time limit,
    set by the grader with the same timer, is restored afterwards); elsewhere the call is timed only.
    """
    start = time.perf_counter()
    if not (hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()):
        value = function(*args)
        elapsed = time.perf_counter() - start
        if elapsed > seconds:
            raise _TooSlow()
        return value, elapsed
    outer_left, _ = signal.getitimer(signal.ITIMER_REAL)

    def on_alarm(signum, frame):
        raise _TooSlow()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds if outer_left <= 0 else min(seconds, outer_left))
    try:
        value = function(*args)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_left > 0:  # the grader's timer goes on with what it had left
            signal.setitimer(signal.ITIMER_REAL, max(outer_left - (time.perf_counter() - start), 0.001))
    return value, time.perf_counter() - start


def _peak_allocation(function, *args) -> tuple[object, int]:
    """(function(*args), the peak of memory allocated by Python and numpy during the call, in bytes)."""
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base, _ = tracemalloc.get_traced_memory()
    try:
        value = function(*args)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return value, peak - base


def _call(function, args, what: str, kwargs: dict | None = None):
    """function(*args, **kwargs); a learner's exception becomes a message naming the probe."""
    try:
        return function(*args, **(kwargs or {}))
    except (NotImplementedError, AssertionError, _TooSlow):
        raise
    except Exception as error:
        raise AssertionError(f"{what} raised {type(error).__name__}: {error}{learner_line(error)}") from None


def _same(before, after) -> bool:
    """True when an argument (array, list, dict of arrays, number, string) is as it was."""
    if isinstance(before, dict):
        return isinstance(after, dict) and list(before) == list(after) and all(
            _same(before[key], after[key]) for key in before)
    if isinstance(before, (np.ndarray, list, tuple)):
        return np.array_equal(np.asarray(before), np.asarray(after))
    return before == after


def _call_untouched(function, args, what: str, kwargs: dict | None = None):
    """_call, then demand that the arguments are as they were (a copy of each is kept for the comparison)."""
    kwargs = kwargs or {}
    copies = [copy.deepcopy(argument) for argument in args]
    keyword_copies = copy.deepcopy(kwargs)
    value = _call(function, args, what, kwargs)
    for index, (argument, before) in enumerate(zip(args, copies)):
        if not _same(before, argument):
            where = f"argument number {index + 1}"
            if isinstance(before, dict) and isinstance(argument, dict) and list(before) == list(argument):
                key = next(key for key in before if not _same(before[key], argument[key]))
                where, before, argument = f"{where}'s entry {key!r}", before[key], argument[key]
            raise AssertionError(f"{what} changed its {where} (now {short(argument)}, was "
                                 f"{short(before)}); leave the caller's data as it is: sort, correct or shift a copy "
                                 "(np.sort(x), x[order], x + c) instead of x.sort(), x[:] = ... or x += c (np.asarray "
                                 "does not copy an array that already has the dtype asked for)")
    for key, before in keyword_copies.items():
        if not _same(before, kwargs[key]):
            raise AssertionError(f"{what} changed its argument {key} (now {short(kwargs[key])}); leave it as it is")
    return value


def _number(value, what: str) -> float:
    """Demand one finite real number (a Python or numpy float, a 0-d array or tensor)."""
    if isinstance(value, (bool, np.bool_)) or value is None or isinstance(value, (str, bytes, dict, list, tuple)):
        raise AssertionError(f"{what} returned {type(value).__name__} {short(value)}; expected a float")
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise AssertionError(f"{what} returned {type(value).__name__} {short(value)}; expected a float") from None
    if array.size != 1:
        raise AssertionError(f"{what} returned {short(value)} (shape {array.shape}); expected one number, a float")
    number = float(array.reshape(()))
    if not np.isfinite(number):
        raise AssertionError(f"{what} returned {number}; expected a finite float")
    return number


def _vector(value, what: str, length: int) -> np.ndarray:
    """Demand a float array (numpy, or a tensor numpy can read) of shape (length,) with finite values."""
    if isinstance(value, (list, tuple, dict)) or not hasattr(value, "__array__"):
        raise AssertionError(f"{what} returned {type(value).__name__} {short(value)}; expected a numpy float array "
                             f"of shape ({length},)")
    array = np.asarray(value)
    if array.shape != (length,):
        raise AssertionError(f"{what} returned shape {array.shape}; expected ({length},): one fused score per "
                             "candidate (row i fuses the tasks' row i)")
    if array.dtype.kind != "f":
        raise AssertionError(f"{what} returned dtype {array.dtype}; expected a float array (probabilities are not "
                             "whole numbers)")
    if not np.all(np.isfinite(array)):
        raise AssertionError(f"{what} returned NaN or infinite values: {short(array)}")
    return array.astype(np.float64)


# ------------------------------------------------------------------------------ auc
def _auc_pairs(labels, scores) -> float:
    """The definition: the share of (positive, negative) pairs the positive wins, ties one half."""
    labels, scores = np.asarray(labels, dtype=float), np.asarray(scores, dtype=float)
    positive, negative = scores[labels == 1], scores[labels == 0]
    wins = (positive[:, None] > negative[None, :]).sum() + 0.5 * (positive[:, None] == negative[None, :]).sum()
    return float(wins / (positive.size * negative.size))


def _auc_counts(labels, scores, tie: float = 0.5) -> float:
    """The same by counting, for each positive, the negatives below it (O(n log n)); a tie counts `tie`."""
    labels, scores = np.asarray(labels, dtype=float), np.asarray(scores, dtype=float)
    negative = np.sort(scores[labels == 0])
    positive = scores[labels == 1]
    below = np.searchsorted(negative, positive, side="left")
    below_or_tied = np.searchsorted(negative, positive, side="right")
    return float((below.sum() + tie * (below_or_tied - below).sum()) / (positive.size * negative.size))


def _auc_cause(labels, scores, got: float) -> str:
    """Name the usual mistake whose AUC matches the learner's answer."""
    expected = _auc_counts(labels, scores)
    labels, scores = np.asarray(labels, dtype=float), np.asarray(scores, dtype=float)
    order = np.argsort(scores, kind="stable")
    ordinal = np.empty(scores.size)
    ordinal[order] = np.arange(1, scores.size + 1)
    positives = labels == 1
    num_pos, num_neg = int(positives.sum()), int((~positives).sum())
    by_position = (np.arange(1, scores.size + 1)[positives].sum() - num_pos * (num_pos + 1) / 2) / (num_pos * num_neg)
    candidates = [
        (1.0 - expected, "the labels or the ranks are inverted (this is 1 - AUC): the positives are the rows with "
                         "label 1, and a higher score must give a higher rank"),
        (_auc_counts(labels, scores, tie=1.0), "every positive-negative tie is counted as a win for the positive (a "
                                               ">= comparison, or ranks that do not share ties); a tie counts one "
                                               "half: tied scores share the average of their ranks"),
        (_auc_counts(labels, scores, tie=0.0), "every positive-negative tie is counted as a loss for the positive (a "
                                               "strict > without the half, or ranks from np.argsort, which break "
                                               "ties); a tie counts one half: tied scores share the average of their "
                                               "ranks"),
        ((ordinal[positives].sum() - num_pos * (num_pos + 1) / 2) / (num_pos * num_neg),
         "tied scores get different ranks (np.argsort ranks, broken by the rows' order); tied scores must share "
         "the average of their ranks"),
        (by_position, "the rows are assumed to be sorted by score already (the position used as the rank); sort "
                      "the scores first, the rows come in any order"),
    ]
    causes = [cause for value, cause in candidates if abs(got - value) <= EXACT and abs(value - expected) > EXACT]
    return f" Likely cause: {'; or '.join(causes)}." if causes else ""


def _expect_auc(impl, labels, scores, what: str, *, atol: float = EXACT, expected: float | None = None) -> None:
    got = _number(_call_untouched(impl.auc, (labels, scores), what), what)
    expected = _auc_pairs(labels, scores) if expected is None else expected
    if abs(got - expected) > atol:
        raise AssertionError(f"{what} returned {got:.6f}; expected {expected:.6f} (the share of positive-negative "
                             "pairs where the positive scores higher, ties one half)."
                             + _auc_cause(labels, scores, got))


def check_auc(impl) -> None:
    """Definition on small shuffled probes (ties, constant, reversed, separated), label and score types,
    untouched inputs, ValueErrors, then memory at 20,000 rows and time at 200,000 rows."""
    # a hand example: 4 positives, 6 negatives, three positive-negative ties (two with the negative first)
    labels = [0, 1, 1, 0, 1, 0, 0, 1, 0, 0]
    scores = [0.5, 0.8, 0.2, 0.9, 0.5, 0.2, 0.1, 0.9, 0.4, 0.7]
    _expect_auc(impl, labels, scores, f"auc({labels}, {scores})")
    # float64 scores closer than float32 can tell apart (a cast to float32 turns them into ties)
    close = [1.0, 1.0 + 1e-9, 0.0, 2.0]
    _expect_auc(impl, [0, 1, 0, 1], close, "auc([0, 1, 0, 1], [1.0, 1.0 + 1e-9, 0.0, 2.0]) (two scores 1e-9 apart: "
                                          "float32 cannot tell them apart, so keep the scores' float64 precision)")

    rng = np.random.default_rng(12)
    # many ties: scores on a coarse grid, rows shuffled, labels correlated with the score
    grid = rng.integers(0, 4, 300).astype(float)
    tied_labels = (rng.random(300) < 0.15 + 0.2 * grid).astype(int)
    _expect_auc(impl, tied_labels, grid, "auc(<300 shuffled rows, scores in {0, 1, 2, 3}: many ties>)")
    constant = np.full(40, 0.7)
    _expect_auc(impl, tied_labels[:40], constant, "auc(<40 rows, every score 0.7>)")

    # a continuous probe, its reversed scores (1 - AUC) and an increasing transform (the same AUC)
    labels_continuous = (rng.random(257) < 0.3).astype(int)
    scores = rng.normal(size=257) + 0.8 * labels_continuous
    _expect_auc(impl, labels_continuous, scores, "auc(<257 shuffled rows, normal scores>)")
    _expect_auc(impl, labels_continuous, -scores, "auc(<the same rows, scores reversed (negated)>)")
    _expect_auc(impl, labels_continuous, 1 / (1 + np.exp(-3 * scores)), "auc(<the same rows, sigmoid(3 x scores)>)")
    separated = np.where(labels_continuous == 1, 2.0 + rng.random(257), rng.random(257))
    _expect_auc(impl, labels_continuous, separated, "auc(<257 rows, every positive above every negative>)")
    _expect_auc(impl, labels_continuous, -separated, "auc(<257 rows, every positive below every negative>)")
    # sorted by score ascending with the positives first among ties, and descending
    order = np.lexsort((-tied_labels, grid))
    _expect_auc(impl, tied_labels[order], grid[order], "auc(<the 300 tied rows sorted by score, positives first>)")
    _expect_auc(impl, tied_labels[order[::-1]], grid[order[::-1]], "auc(<the 300 tied rows sorted by score, "
                                                                   "descending>)")

    # label and score types: bool, float, lists, float32, int scores (every call: the caller's arrays untouched)
    bool_labels = labels_continuous.astype(bool)
    _expect_auc(impl, bool_labels, scores, "auc(<bool labels (True = positive)>, <float scores>)")
    _expect_auc(impl, labels_continuous.astype(float), scores.astype(np.float32),
                "auc(<float labels 0.0/1.0>, <float32 scores>)", expected=_auc_pairs(labels_continuous,
                                                                                     scores.astype(np.float32)))
    _expect_auc(impl, tied_labels.tolist(), grid.astype(int).tolist(),
                "auc(<labels as a list>, <int scores as a list>)")

    for bad_labels, bad_scores, why in (
            ([0, 0, 0, 0], [0.1, 0.4, 0.2, 0.3], "the labels hold no positive: AUC is undefined"),
            (np.ones(5, dtype=bool), np.arange(5.0), "the labels hold no negative (all True): AUC is undefined"),
            ([1.0, 1.0, 1.0], [0.3, 0.2, 0.1], "the labels hold no negative: AUC is undefined"),
            ([0, 1, 2, 0], [0.1, 0.4, 0.2, 0.3], "a label is 2: labels must be 0 or 1"),
            ([0, 1, -1, 1], [0.1, 0.4, 0.2, 0.3], "a label is -1: labels must be 0 or 1"),
            ([0.0, 1.0, 0.5, 1.0], [0.1, 0.4, 0.2, 0.3], "a label is 0.5: labels must be 0 or 1"),
            ([0, 1, 0, 1], [0.1, 0.4, 0.2], "4 labels but 3 scores: the lengths differ"),
            (np.array([[0], [1], [0], [1]]), np.array([0.1, 0.4, 0.2, 0.3]),
             "labels of shape (4, 1) and scores of shape (4,): the shapes differ (== would broadcast them to 4 x 4)")):
        expect_value_error(impl.auc, (bad_labels, bad_scores), f"auc({short(bad_labels, 60)}, {short(bad_scores, 60)})",
                           f"{why}; the docstring asks for ValueError")

    _check_auc_size(impl, rng)


def _size_labels_scores(rng, n: int) -> tuple[np.ndarray, np.ndarray]:
    labels = (rng.random(n) < 0.5).astype(np.int64)
    scores = np.round(rng.normal(size=n) + 0.6 * labels, 3)  # rounded: thousands of ties
    return labels, scores


def _check_auc_size(impl, rng) -> None:
    labels, scores = _size_labels_scores(rng, SIZE_PROBE_N)
    what = f"auc(<{SIZE_PROBE_N:,} rows, about half positive>)"
    try:
        (got, peak), _ = _within(TIME_LIMIT, _peak_allocation, _call, impl.auc, (labels, scores), what)
    except _TooSlow:
        raise AssertionError(f"{what} did not finish within {TIME_LIMIT:.0f} s (the reference takes about 0.005 s). "
                             "Likely cause: a loop over every (positive, negative) pair, O(n_pos * n_neg) = 10^8 "
                             "pairs here; compute AUC from the ranks of the scores in O(n log n)") from None
    got = _number(got, what)
    if peak > MEMORY_LIMIT:
        raise AssertionError(f"{what} allocated {peak / 2 ** 20:.0f} MB (the reference: under 3 MB). Likely cause: "
                             "a matrix of every (positive, negative) pair (scores[pos][:, None] > scores[neg]); at "
                             f"{LARGE_N:,} rows it would need {peak * (LARGE_N / SIZE_PROBE_N) ** 2 / 2 ** 30:.0f} GB. "
                             "Compute AUC from the ranks of the scores in O(n log n)")
    expected = _auc_counts(labels, scores)
    if abs(got - expected) > LARGE_ATOL:
        raise AssertionError(f"{what} returned {got:.6f}; expected {expected:.6f}.{_auc_cause(labels, scores, got)}")

    labels, scores = _size_labels_scores(rng, LARGE_N)
    what = f"auc(<{LARGE_N:,} rows, about half positive>)"
    try:
        got, seconds = _within(TIME_LIMIT, _call, impl.auc, (labels, scores), what)
    except _TooSlow:
        raise AssertionError(f"{what} did not finish within {TIME_LIMIT:.0f} s (the reference takes about 0.05 s). "
                             "Likely cause: work that grows like n_pos * n_neg (10^10 pairs here: a double loop, or "
                             "a Python loop over the positives comparing each with all the negatives); compute AUC "
                             "from the ranks of the scores, O(n log n)") from None
    got = _number(got, what)
    expected = _auc_counts(labels, scores)
    if abs(got - expected) > LARGE_ATOL:
        raise AssertionError(f"{what} returned {got:.6f}; expected {expected:.6f}.{_auc_cause(labels, scores, got)}")


# ------------------------------------------------------------------------------ gauc
def _per_user(labels, scores, users) -> list[tuple[float | None, int, int]]:
    """(AUC or None when one class, impressions, positives) of each user, by the definition."""
    labels, scores, users = np.asarray(labels, dtype=float), np.asarray(scores, dtype=float), np.asarray(users)
    result = []
    for user in np.unique(users):
        rows = users == user
        user_labels = labels[rows]
        both = 0 < user_labels.sum() < rows.sum()
        value = _auc_pairs(user_labels, scores[rows]) if both else None
        result.append((value, int(rows.sum()), int(user_labels.sum())))
    return result


def _gauc_definition(labels, scores, users) -> float:
    kept = [(value, count) for value, count, _ in _per_user(labels, scores, users) if value is not None]
    return float(sum(value * count for value, count in kept) / sum(count for _, count in kept))


def _gauc_cause(labels, scores, users, got: float) -> str:
    per_user = _per_user(labels, scores, users)
    kept = [(value, count, positives) for value, count, positives in per_user if value is not None]
    expected = _gauc_definition(labels, scores, users)
    total = sum(count for _, count, _ in per_user)
    candidates = [
        (float(np.mean([value for value, _, _ in kept])),
         "an unweighted mean of the per-user AUCs; weigh each user's AUC by the user's number of impressions (rows)"),
        (sum(v * p for v, _, p in kept) / sum(p for _, _, p in kept),
         "the weights count only the clicks (positives); the weight is every row of the user, clicks or not"),
        (sum(v * (c - p) for v, c, p in kept) / sum(c - p for _, c, p in kept),
         "the weights count only the negatives; the weight is every row of the user"),
        (sum(v * p * (c - p) for v, c, p in kept) / sum(p * (c - p) for _, c, p in kept),
         "the weights are the users' numbers of positive-negative pairs; the weight is the number of impressions"),
        (sum(v * c for v, c, _ in kept) / total,
         "the users who were skipped (one class only) still count in the weights' sum; leave them out of both sums"),
        (sum((0.5 if v is None else v) * c for v, c, _ in per_user) / total,
         "the users with one class are kept with AUC 0.5; skip them (they have no AUC)"),
        (float(np.mean([0.5 if v is None else v for v, _, _ in per_user])),
         "an unweighted mean over all users, the one-class ones counted as 0.5; skip those users and weigh by "
         "impressions"),
        (_gauc_runs(labels, scores, users),
         "the rows of a user are assumed to come together (a new user wherever the id changes from one row to the "
         "next); rows of several users are interleaved: group by the id (np.unique(users, return_inverse=True))"),
        (_auc_pairs(labels, scores),
         "this is the global AUC over all rows; GAUC computes an AUC per user (each user's rows only) and averages "
         "them"),
    ]
    for value, cause in candidates:
        if abs(got - value) <= EXACT and abs(value - expected) > EXACT:
            return f" Likely cause: {cause}."
    return ""


def _gauc_runs(labels, scores, users) -> float:
    """The impression-weighted GAUC over runs of consecutive equal ids (the mistake of assuming grouped rows)."""
    labels, scores, users = np.asarray(labels, dtype=float), np.asarray(scores, dtype=float), np.asarray(users)
    starts = np.flatnonzero(np.r_[True, users[1:] != users[:-1]])
    total, weight = 0.0, 0
    for start, end in zip(starts, np.r_[starts[1:], users.size]):
        if 0 < labels[start:end].sum() < end - start:
            total += (end - start) * _auc_pairs(labels[start:end], scores[start:end])
            weight += end - start
    return total / weight if weight else float("nan")


def _expect_gauc(impl, labels, scores, users, what: str, *, atol: float = EXACT) -> float:
    got = _call_untouched(impl.gauc, (labels, scores, users), what)
    try:
        not_finite = np.size(got) == 1 and not np.isfinite(float(np.asarray(got, dtype=float).reshape(())))
    except (TypeError, ValueError):
        not_finite = False  # not a number at all: _number says so
    if not_finite:
        raise AssertionError(f"{what} returned {float(np.asarray(got, dtype=float).reshape(()))}; expected a finite "
                             "float. Likely cause: the users with one class were kept (their AUC is NaN, or a "
                             "division by zero); skip them")
    got = _number(got, what)
    expected = _gauc_definition(labels, scores, users)
    if abs(got - expected) > atol:
        raise AssertionError(f"{what} returned {got:.6f}; expected {expected:.6f} (sum_u n_u AUC_u / sum_u n_u over "
                             "the users with both classes, n_u = rows of user u)."
                             + _gauc_cause(labels, scores, users, got))
    return got


def _gauc_world(rng, num_users: int, *, string_ids: bool, mean_rows: float):
    """Users whose impression counts differ a lot, each with an own click rate; scores that learned activity."""
    impressions = 1 + rng.lognormal(np.log(mean_rows), 1.0, num_users).astype(int)  # (num_users,) 1 .. hundreds
    activity = rng.normal(size=num_users)  # how much each user clicks
    user_rows = np.repeat(np.arange(num_users), impressions)
    rate = 1 / (1 + np.exp(-(activity[user_rows] - 1.0)))
    labels = (rng.random(user_rows.size) < rate).astype(np.int64)
    # the score knows the user's activity well and the user's own preferences only a little
    scores = np.round(1.5 * activity[user_rows] + 0.4 * labels + rng.normal(size=user_rows.size), 2)
    order = rng.permutation(user_rows.size)  # users interleaved
    ids = rng.choice(10 ** 6, num_users, replace=False) * 7 - 3_000_000  # not 0..U-1, some negative
    users = np.array([f"user-{i}" for i in ids]) if string_ids else ids
    return labels[order], scores[order], users[user_rows][order]


def check_gauc(impl) -> None:
    """Definition on interleaved string ids, one-class users, very unequal impressions, a world where global AUC
    and GAUC disagree; types, untouched inputs, one user, ValueErrors; 200,000 rows in a few seconds."""
    # a hand example: 6 users interleaved; "cy" (5 rows) and "dee" (2 rows) have one class; ann 12 rows, bob 3
    rows = [("ann", 1, 0.9), ("cy", 0, 0.2), ("bob", 0, 0.95), ("ann", 0, 0.4), ("eve", 0, 0.35), ("ann", 0, 0.6),
            ("dee", 1, 0.1), ("cy", 0, 0.8), ("ann", 1, 0.6), ("eve", 1, 0.3), ("bob", 1, 0.97), ("ann", 0, 0.3),
            ("cy", 0, 0.5), ("ann", 0, 0.7), ("eve", 0, 0.2), ("dee", 1, 0.3), ("ann", 0, 0.95), ("bob", 0, 0.05),
            ("ann", 1, 0.2), ("cy", 0, 0.1), ("ann", 0, 0.1), ("eve", 0, 0.6), ("ann", 0, 0.65), ("cy", 0, 0.6),
            ("ann", 0, 0.05), ("ann", 1, 0.5)]
    users = np.array([user for user, _, _ in rows])
    labels = np.array([label for _, label, _ in rows])
    scores = np.array([score for _, _, score in rows])
    _expect_gauc(impl, labels, scores, users, "gauc(<26 rows of 5 users with string ids, interleaved; ann has 12 rows, "
                                              "bob 3, eve 4; cy and dee hold one class>)")
    close = np.array([1.0, 1.0 + 1e-9, 0.0, 2.0, 0.3, 0.3 + 1e-10, 0.9])
    _expect_gauc(impl, [0, 1, 0, 1, 1, 0, 0], close, [7, 7, 7, 7, 8, 8, 8],
                 "gauc([0, 1, 0, 1, 1, 0, 0], [1.0, 1.0 + 1e-9, 0.0, 2.0, 0.3, 0.3 + 1e-10, 0.9], users [7, 7, 7, 7, 8, 8, "
                 "8]) (scores 1e-9 and 1e-10 apart: float32 cannot tell them apart, so keep float64)")

    rng = np.random.default_rng(1212)
    labels, scores, users = _gauc_world(rng, 300, string_ids=False, mean_rows=12)
    what = "gauc(<300 users, int ids, 1 to several hundred rows each, interleaved; scores that learned activity>)"
    _expect_gauc(impl, labels, scores, users, what)
    labels_s, scores_s, users_s = _gauc_world(rng, 120, string_ids=True, mean_rows=20)
    _expect_gauc(impl, labels_s.astype(bool), scores_s, users_s,
                 "gauc(<bool labels>, <scores>, <120 users with string ids>)")
    _expect_gauc(impl, labels_s.astype(float).tolist(), scores_s.astype(np.float32), users_s.tolist(),
                 "gauc(<float labels as a list>, <float32 scores>, <string ids as a list>)", atol=1e-7)

    # one user: GAUC is that user's AUC
    one = np.full(9, "solo")
    one_labels, one_scores = np.array([0, 1, 0, 0, 1, 0, 1, 0, 0]), np.array([.1, .9, .5, .5, .5, .2, .3, .8, .05])
    _expect_gauc(impl, one_labels, one_scores, one, "gauc(<9 rows of one user>)")

    for bad_labels, bad_scores, bad_users, why in (
            ([1, 0, 1, 0], [0.5, 0.2, 0.3, 0.9], ["a", "b", "a", "b"],
             "user a holds only positives and user b only negatives: no user has both classes (GAUC is undefined, "
             "although the rows as a whole hold both)"),
            ([0, 0, 0], [0.5, 0.2, 0.3], [1, 2, 3], "no user has a positive"),
            ([1, 0, 1, 0], [0.5, 0.2, 0.3, 0.9], ["a", "a", "b"],
             "4 labels and scores but 3 users: the lengths differ"),
            ([1, 0, 1, 0], [0.5, 0.2, 0.9], ["a", "a", "b", "b"], "4 labels but 3 scores: the lengths differ"),
            ([1, 0, 2, 0], [0.5, 0.2, 0.3, 0.9], ["a", "a", "b", "b"], "a label is 2: labels must be 0 or 1")):
        expect_value_error(impl.gauc, (bad_labels, bad_scores, bad_users),
                           f"gauc({bad_labels}, {bad_scores}, {bad_users})",
                           f"{why}; the docstring asks for ValueError")

    # size: about 200,000 rows of 200 users, some of them with thousands of impressions
    labels, scores, users = _gauc_world(rng, 200, string_ids=False, mean_rows=600)
    heaviest = np.unique(users, return_counts=True)[1].max()
    what = f"gauc(<{labels.size:,} rows of 200 users, up to {heaviest:,} rows each>)"
    try:
        got, _ = _within(TIME_LIMIT, _call, impl.gauc, (labels, scores, users), what)
    except _TooSlow:
        raise AssertionError(f"{what} did not finish within {TIME_LIMIT:.0f} s (the reference takes about 0.05 s). "
                             "Likely cause: a per-user AUC that compares every positive-negative pair (a heavy user's "
                             "thousands of rows make millions of pairs); use a rank-based AUC per user, O(n_u log "
                             "n_u), and group the rows by user once (np.unique(users, return_inverse=True))") from None
    got = _number(got, what)
    expected = _gauc_fast(labels, scores, users)
    if abs(got - expected) > LARGE_ATOL:
        raise AssertionError(f"{what} returned {got:.6f}; expected {expected:.6f}")


def _gauc_fast(labels, scores, users) -> float:
    """The definition with the rows grouped by one sort (for the size probe)."""
    _, index = np.unique(users, return_inverse=True)
    order = np.argsort(index, kind="stable")
    total, weight = 0.0, 0
    for rows in np.split(order, np.flatnonzero(np.diff(index[order])) + 1):
        user_labels = labels[rows]
        if 0 < user_labels.sum() < rows.size:
            total += rows.size * _auc_counts(user_labels, scores[rows])
            weight += rows.size
    return total / weight


# ------------------------------------------------------------------------------ fuse_scores
def _log_sigmoid(x):
    """log sigmoid(x), finite for every finite x."""
    return -np.logaddexp(0.0, -np.asarray(x, dtype=float))


def _fuse(logits: dict, weights: dict, kind: str, negative_rates: dict | None = None,
          *, correction: str = "right", pair_by_position: bool = False) -> np.ndarray:
    """The definition (and, for the messages, its usual mistakes)."""
    negative_rates = negative_rates or {}
    weight_list = list(weights.values()) if pair_by_position else [weights[task] for task in logits]
    log_probabilities = []  # in logs, so that extreme logits stay exact (the docstring asks for it)
    for task, values in logits.items():
        logit = np.asarray(values, dtype=float)
        if correction == "every" and negative_rates:
            rate = next(iter(negative_rates.values()))
        elif correction == "none":
            rate = None
        else:
            rate = negative_rates.get(task)
        if rate is not None:  # the odds times r (right) or divided by r (inverted)
            logit = logit + np.log(rate) if correction != "inverted" else logit - np.log(rate)
        log_probabilities.append(_log_sigmoid(logit))
    if kind == "product":
        return np.exp(np.sum([w * lp for lp, w in zip(log_probabilities, weight_list)], axis=0))
    return np.sum([w * np.exp(lp) for lp, w in zip(log_probabilities, weight_list)], axis=0)


def _fuse_cause(logits, weights, kind, negative_rates, got) -> str:
    expected = _fuse(logits, weights, kind, negative_rates)
    raw = [np.asarray(v, dtype=float) for v in logits.values()]
    task_weights = [weights[task] for task in logits]
    other_kind = "sum" if kind == "product" else "product"
    candidates = [
        (_fuse(logits, weights, kind, negative_rates, pair_by_position=True),
         "the weights are paired with the tasks by position (zip of the two dicts' values), and the weights dict is "
         "in another order than logits; look each weight up by its task's name"),
        (_fuse(logits, weights, kind, negative_rates, correction="none"),
         "the downsampling correction is skipped; a task named in negative_rates needs p = q r / (q r + 1 - q)"),
        (_fuse(logits, weights, kind, negative_rates, correction="inverted"),
         "the downsampling correction is inverted (the odds divided by r); a downsampled head over-predicts, so its "
         "odds are multiplied by r: p = q r / (q r + 1 - q)"),
        (_fuse(logits, weights, kind, negative_rates, correction="every"),
         "the downsampling correction is applied to every task; only the tasks named in negative_rates were "
         "downsampled"),
        (_fuse(logits, weights, other_kind, negative_rates), f"the {other_kind} fusion was computed for kind={kind!r}"),
        (np.sum([w * x for w, x in zip(task_weights, raw)], axis=0),
         "the weights are applied to the logits; turn each logit into a probability (sigmoid) first"),
        (np.exp(np.sum([w * x for w, x in zip(task_weights, raw)], axis=0)),
         "the weights are applied to the logits (exp of the weighted sum of logits); fuse the probabilities"),
        (np.exp(_log_sigmoid(np.sum([w * x for w, x in zip(task_weights, raw)], axis=0))),
         "the sigmoid of the weighted sum of the logits; turn each logit into a probability first, then fuse"),
        (np.log(np.maximum(expected, 1e-300)) if kind == "product" else np.nan,
         "this is the log of the product (sum_t w_t log p_t); exponentiate it: the product is exp(sum_t w_t log p_t)"),
    ]
    for value, cause in candidates:
        value = np.asarray(value, dtype=float)
        if (value.shape == got.shape and np.allclose(got, value, rtol=RTOL, atol=1e-12)
                and not np.allclose(value, expected, rtol=RTOL, atol=1e-12)):
            return f" Likely cause: {cause}."
    return ""


def _expect_fused(impl, logits, weights, what, *, kind=None, negative_rates=None, length=None) -> None:
    kwargs = {} if kind is None else {"kind": kind}
    if negative_rates is not None:
        kwargs["negative_rates"] = negative_rates
    got = _call_untouched(impl.fuse_scores, (logits, weights), what, kwargs)
    length = len(next(iter(logits.values()))) if length is None else length
    if isinstance(got, (np.ndarray,)) or hasattr(got, "__array__") and not isinstance(got, (list, tuple)):
        array = np.asarray(got)
        if array.shape == (length,) and array.dtype.kind == "f" and not np.all(np.isfinite(array)):
            cause = ""
            if any(np.any(np.asarray(v, dtype=float) <= 0) for v in logits.values()):
                cause = (" Likely cause: a log or a fractional power of a logit (negative here); logits become "
                         "probabilities (sigmoid) before they are fused")
            raise AssertionError(f"{what} returned NaN or infinite values: {short(array)}.{cause}")
    got = _vector(got, what, length)
    kind_used = "product" if kind is None else kind
    expected = _fuse(logits, weights, kind_used, negative_rates)
    if not np.allclose(got, expected, rtol=RTOL, atol=1e-12):
        cause = _fuse_cause(logits, weights, kind_used, negative_rates, got)
        if not cause and kind is None and np.allclose(got, _fuse(logits, weights, "sum", negative_rates), rtol=RTOL):
            cause = " Likely cause: the default kind is not \"product\"."
        raise AssertionError(f"{what} returned {short(got)}; expected {short(expected)}.{cause}")


def check_fuse_scores(impl) -> None:
    """Product and sum against the definition, weights in another key order, rates for some tasks, r = 1, zero
    weight, the default kind, large logits, types, untouched inputs, ValueErrors."""
    rng = np.random.default_rng(2024)
    n = 7
    logits = {"click": rng.normal(-1.0, 1.5, n), "conversion": rng.normal(-3.0, 1.0, n),
              "rating": rng.normal(0.5, 1.0, n)}
    weights = {"rating": 0.5, "click": 1.0, "conversion": 2.0}  # another order than logits
    rates = {"conversion": 0.1}  # only the conversion head was trained on downsampled negatives
    for kind in ("product", "sum"):
        _expect_fused(impl, logits, weights, f"fuse_scores(<3 tasks click, conversion, rating; 7 candidates>, "
                                             f"{weights}, kind={kind!r})", kind=kind)
        _expect_fused(impl, logits, weights, f"fuse_scores(<the same 3 tasks>, {weights}, kind={kind!r}, "
                                             f"negative_rates={rates})", kind=kind, negative_rates=rates)
    two_rates = {"rating": 0.5, "click": 0.25}  # two tasks, in another order than logits
    _expect_fused(impl, logits, weights, f"fuse_scores(<3 tasks>, {weights}, kind='sum', negative_rates={two_rates})",
                  kind="sum", negative_rates=two_rates)
    _expect_fused(impl, logits, weights, f"fuse_scores(<3 tasks>, {weights}) (kind left at its default, product)")
    # r = 1 changes nothing; a zero weight leaves a task out
    got_one = np.asarray(_call_untouched(impl.fuse_scores, (logits, weights), "fuse_scores(..., negative_rates="
                                                                    "{'click': 1.0, 'conversion': 1.0})",
                               {"kind": "product", "negative_rates": {"click": 1.0, "conversion": 1.0}}), dtype=float)
    plain = _fuse(logits, weights, "product")
    if got_one.shape != plain.shape or not np.allclose(got_one, plain, rtol=RTOL, atol=1e-12):
        raise AssertionError(f"fuse_scores(<3 tasks>, {weights}, negative_rates={{'click': 1.0, 'conversion': 1.0}}) "
                             f"returned {short(got_one)}; expected {short(plain)}, the same as without negative_rates "
                             "(r = 1 keeps every negative: nothing to correct)")
    zero = {"click": 1.0, "conversion": 0.0, "rating": 3.0}
    for kind in ("product", "sum"):
        _expect_fused(impl, logits, zero, f"fuse_scores(<3 tasks>, {zero}, kind={kind!r}) (a zero weight)", kind=kind)

    # two tasks with a strong rate; one task; large logits; one candidate; lists and float32
    two = {"conversion": np.array([-2.0, 0.0, 3.0, -5.0, 1.0]), "click": np.array([1.0, -1.0, 0.5, 2.0, -3.0])}
    two_weights = {"click": 1.0, "conversion": 1.5}
    _expect_fused(impl, two, two_weights, f"fuse_scores({{'conversion': <5 logits>, 'click': <5 logits>}}, "
                                          f"{two_weights}, kind='product', negative_rates={{'conversion': 0.02}})",
                  kind="product", negative_rates={"conversion": 0.02})
    _expect_fused(impl, {"click": [0.3, -2.0, 4.0]}, {"click": 2.0}, "fuse_scores({'click': [0.3, -2.0, 4.0]}, "
                                                                     "{'click': 2.0}, kind='sum')", kind="sum")
    large = {"click": np.array([-40.0, 40.0, 0.0, -25.0]), "conversion": np.array([30.0, -30.0, -35.0, 2.0])}
    _expect_fused(impl, large, {"conversion": 0.5, "click": 1.0}, "fuse_scores(<logits up to +-40>, "
                                                                  "{'conversion': 0.5, 'click': 1.0}, kind='product', "
                                                                  "negative_rates={'click': 0.3})",
                  kind="product", negative_rates={"click": 0.3})
    extreme = {"click": np.array([-800.0, 3.0, -1.0]), "conversion": np.array([2.0, -760.0, 0.5])}
    extreme_weights = {"conversion": 0.01, "click": 0.02}
    expected = _fuse(extreme, extreme_weights, "product")
    got = np.asarray(_call_untouched(impl.fuse_scores, (extreme, extreme_weights), "fuse_scores(<logits down to "
                                     "-800>, {'conversion': 0.01, 'click': 0.02}, kind='product')",
                                     {"kind": "product"}), dtype=float)
    if got.shape == expected.shape and np.any(got[:2] == 0) and not np.allclose(got, expected, rtol=RTOL):
        raise AssertionError(f"fuse_scores(<logits -800 and -760 with weights 0.02 and 0.01>, kind='product') returned "
                             f"{short(got)}; expected {short(expected)}: e^-800 ** 0.02 is about e^-16, not 0. Likely "
                             "cause: 1 / (1 + exp(-x)) underflows to 0 for a logit below about -745 (after an "
                             "overflow warning); work in logs: log sigmoid(x) = -np.logaddexp(0, -x), and the "
                             "product is exp(sum w * log p)")
    _expect_fused(impl, extreme, extreme_weights, "fuse_scores(<logits down to -800>, {'conversion': 0.01, "
                                                  "'click': 0.02}, kind='product')", kind="product")
    _expect_fused(impl, {"click": [1.2], "conversion": [-0.7]}, {"conversion": 1.0, "click": 1.0},
                  "fuse_scores(<one candidate>, ..., kind='sum')", kind="sum")
    as_float32 = {task: values.astype(np.float32) for task, values in logits.items()}
    _expect_fused(impl, as_float32, weights, "fuse_scores(<float32 logits>, ..., kind='product', negative_rates="
                                             "{'conversion': 0.1})", kind="product", negative_rates=rates)
    as_lists = {task: values.tolist() for task, values in logits.items()}
    _expect_fused(impl, as_lists, weights, "fuse_scores(<logits as lists>, ..., kind='sum')", kind="sum")

    for args, kwargs, why in (
            ((logits, weights), {"kind": "mean"}, "kind='mean' is neither 'product' nor 'sum'"),
            ((logits, weights), {"kind": "Product"}, "kind='Product' is not 'product' (kinds are lower case)"),
            ((logits, {"click": 1.0, "rating": 0.5}), {}, "weights has no weight for 'conversion'"),
            ((logits, {**weights, "dwell": 1.0}), {}, "weights names a task 'dwell' that logits lacks"),
            (({}, {}), {}, "logits names no task"),
            ((logits, weights), {"negative_rates": {"purchase": 0.1}}, "negative_rates names a task 'purchase' that "
                                                                       "logits lacks"),
            ((logits, weights), {"negative_rates": {"conversion": 0.0}}, "a rate of 0 keeps no negative"),
            ((logits, weights), {"negative_rates": {"conversion": 1.5}}, "a rate of 1.5 is above 1"),
            ((logits, weights), {"negative_rates": {"click": -0.2}}, "a rate of -0.2 is negative"),
            (({"click": np.zeros(3), "conversion": np.zeros(4)}, {"click": 1.0, "conversion": 1.0}), {},
             "the tasks' logits have different lengths (3 and 4)")):
        shown = ", ".join([short(args[1], 70)] + [f"{key}={value!r}" for key, value in kwargs.items()])
        expect_value_error(impl.fuse_scores, args, f"fuse_scores(<logits of {sorted(args[0])}>, {shown})",
                           f"{why}; the docstring asks for ValueError", kwargs)


# ------------------------------------------------------------------------------ ab_test
KEYS = ("ctr_a", "ctr_b", "lift", "low", "high")


def _ratio_variance(clicks, views, ddof: int = 1, covariance: bool = True) -> tuple[float, float]:
    """(R, var(R)) with var(R) the variance of the users' linearised contributions (c_i - R v_i) / mean(v), / n."""
    clicks, views = np.asarray(clicks, dtype=float), np.asarray(views, dtype=float)
    ratio = clicks.sum() / views.sum()
    if covariance:
        contributions = (clicks - ratio * views) / views.mean()
        return ratio, float(np.var(contributions, ddof=ddof) / clicks.size)
    mean_views = views.mean()
    variance = (np.var(clicks, ddof=ddof) + ratio ** 2 * np.var(views, ddof=ddof)) / (clicks.size * mean_views ** 2)
    return ratio, float(variance)


def _expected_ab(clicks_a, views_a, clicks_b, views_b, confidence, control_exact: bool = False, **options) -> dict:
    ctr_a, variance_a = _ratio_variance(clicks_a, views_a, **options)
    ctr_b, variance_b = _ratio_variance(clicks_b, views_b, **options)
    variance_a = 0.0 if control_exact else variance_a
    lift = ctr_b / ctr_a - 1
    standard_error = np.sqrt(variance_b / ctr_a ** 2 + ctr_b ** 2 * variance_a / ctr_a ** 4)
    z = NormalDist().inv_cdf((1 + confidence) / 2)
    return {"ctr_a": ctr_a, "ctr_b": ctr_b, "lift": lift, "low": lift - z * standard_error,
            "high": lift + z * standard_error}


def _impressions_half_width(clicks_a, views_a, clicks_b, views_b, confidence) -> float:
    """Half-width of the lift's interval when every view is an independent Bernoulli trial."""
    total_a, total_b = float(np.sum(views_a)), float(np.sum(views_b))
    ctr_a, ctr_b = float(np.sum(clicks_a)) / total_a, float(np.sum(clicks_b)) / total_b
    variance_a, variance_b = ctr_a * (1 - ctr_a) / total_a, ctr_b * (1 - ctr_b) / total_b
    z = NormalDist().inv_cdf((1 + confidence) / 2)
    return z * np.sqrt(variance_b / ctr_a ** 2 + ctr_b ** 2 * variance_a / ctr_a ** 4)


def _ab_world(rng, num_users: int, click_rate: float):
    """Per-user clicks and views: views heavy-tailed (1 to thousands), each user with an own CTR, heavy users
    clicking less per view."""
    views = 1 + rng.lognormal(2.0, 1.4, num_users).astype(np.int64)  # (num_users,)
    own_rate = np.clip(rng.beta(2, 2 / click_rate - 2, num_users) * (1.6 - 0.3 * np.log10(views)), 0, 1)
    clicks = rng.binomial(views, own_rate)
    return clicks, views


def _ab_cause(arms, confidence, got: dict, expected: dict) -> str:
    clicks_a, views_a, clicks_b, views_b = (np.asarray(a, dtype=float) for a in arms)
    half, got_half = (expected["high"] - expected["low"]) / 2, (got["high"] - got["low"]) / 2
    z = NormalDist().inv_cdf((1 + confidence) / 2)
    swapped = _expected_ab(clicks_b, views_b, clicks_a, views_a, confidence)
    no_covariance = _expected_ab(*arms, confidence, covariance=False)
    per_user_a = float(np.mean(clicks_a[views_a > 0] / views_a[views_a > 0]))
    treatment_only = _expected_ab(*arms, confidence, control_exact=True)
    checks = [
        (abs(got["lift"] - swapped["lift"]) < 1e-6 * max(1, abs(swapped["lift"])),
         "the arms are swapped: the lift is ctr_b / ctr_a - 1 (b, the treatment, over a, the control)"),
        (abs(got["lift"] - (expected["ctr_b"] - expected["ctr_a"])) < 1e-9,
         "the absolute difference ctr_b - ctr_a; the lift is relative: ctr_b / ctr_a - 1"),
        (abs(got.get("ctr_a", np.nan) - per_user_a) < 1e-9,
         "the mean of the users' own CTRs; CTR is a ratio of sums: sum(clicks) / sum(views)"),
        (confidence != 0.95 and abs(got_half / half - 1.959963984540054 / z) < 2 * INTERVAL_RTOL,
         f"the confidence argument is ignored (1.96 used for every level); z = NormalDist().inv_cdf((1 + confidence) "
         f"/ 2) = {z:.3f} here"),
        (abs(got_half - (no_covariance["high"] - no_covariance["low"]) / 2) < INTERVAL_RTOL * half * 5,
         "the covariance term is missing: var(R) = (s_cc - 2 R s_cv + R^2 s_vv) / (n mv^2); a user who views more "
         "clicks more, and leaving out -2 R s_cv makes the interval too wide"),
        (abs(got_half - _impressions_half_width(*arms, confidence)) < 0.05 * got_half or got_half < 0.6 * half,
         "a z-test on impressions (every view an independent trial); users are the randomisation unit and one "
         "user's views move together, so the variance must come from the users' totals (the delta method) and "
         "the interval is much wider"),
        (abs(got_half - (treatment_only["high"] - treatment_only["low"]) / 2) < INTERVAL_RTOL * half * 5,
         "the control arm's variance is left out (ctr_a taken as exact); both arms are samples: var(lift) = "
         "var(R_b) / R_a^2 + R_b^2 var(R_a) / R_a^4"),
    ]
    for matched, cause in checks:
        if matched:
            return f" Likely cause: {cause}."
    return ""


def _expect_ab(impl, arms, confidence, what, *, pass_confidence=True) -> None:
    kwargs = {"confidence": confidence} if pass_confidence else {}
    got = _call_untouched(impl.ab_test, arms, what, kwargs)
    if not isinstance(got, dict) or set(got) != set(KEYS):
        keys = sorted(got) if isinstance(got, dict) else None
        raise AssertionError(f"{what} returned {type(got).__name__} {short(got)}" + (f" with the keys {keys}" if keys
                             else "") + f"; expected a dict with exactly the keys {list(KEYS)}")
    got = {key: _number(got[key], f"{what}[{key!r}]") for key in KEYS}
    expected = _expected_ab(*arms, confidence)
    shown = ", ".join(f"{key}={expected[key]:.5f}" for key in KEYS)
    returned = ", ".join(f"{key}={got[key]:.5f}" for key in KEYS)
    for key in ("ctr_a", "ctr_b", "lift"):
        if abs(got[key] - expected[key]) > 1e-6 * max(1.0, abs(expected[key])):
            raise AssertionError(f"{what} returned {returned}; expected {shown}."
                                 + _ab_cause(arms, confidence, got, expected))
    half = max((expected["high"] - expected["low"]) / 2, 1e-9)  # zero when arm b has no clicks
    population = _expected_ab(*arms, confidence, ddof=0)  # ddof=0 variances: accepted too
    if all(abs(got[key] - population[key]) <= INTERVAL_RTOL * half for key in ("low", "high")):
        return
    for key in ("low", "high"):
        if abs(got[key] - expected[key]) > INTERVAL_RTOL * half:
            raise AssertionError(f"{what} returned {returned}; expected {shown} (the interval lift -/+ z * standard "
                                 "error, the delta method over users)." + _ab_cause(arms, confidence, got, expected))


def check_ab_test(impl) -> None:
    """Delta method over users on heavy-tailed views, unequal arms, several confidence levels, negative lift,
    lists; untouched inputs; ValueErrors."""
    rng = np.random.default_rng(77)
    control = _ab_world(rng, 3_000, 0.05)
    treatment = _ab_world(rng, 1_800, 0.056)
    arms = (*control, *treatment)
    description = "ab_test(<3,000 control users, 1,800 treatment users; views from 1 to thousands per user>"
    _expect_ab(impl, arms, 0.95, description + ")", pass_confidence=False)
    for confidence in (0.90, 0.99, 0.8):
        _expect_ab(impl, arms, confidence, description + f", confidence={confidence})")
    worse = (*treatment, *_ab_world(rng, 2_500, 0.045))  # the treatment is worse: a negative lift
    _expect_ab(impl, worse, 0.95, "ab_test(<1,800 control users, 2,500 treatment users with a lower CTR>, "
                                  "confidence=0.95)")
    small = ([3, 0, 5, 1, 2], [40, 10, 80, 9, 30], [4, 1, 0, 6], [35, 12, 5, 70])
    _expect_ab(impl, small, 0.95, f"ab_test{small} (lists of ints; 5 and 4 users)")
    no_clicks_b = ([3, 0, 5, 1], [40, 10, 80, 9], [0, 0, 0], [35, 12, 20])
    _expect_ab(impl, no_clicks_b, 0.95, f"ab_test{no_clicks_b} (arm b has no clicks: lift -1, low = high = -1)")

    good = ([3, 0, 5], [40, 10, 80], [4, 1, 2], [35, 12, 20])
    for args, kwargs, why in (
            (good, {"confidence": 1.0}, "confidence=1.0 is not strictly between 0 and 1 (an infinite interval)"),
            (good, {"confidence": 0.0}, "confidence=0.0 is not strictly between 0 and 1"),
            (good, {"confidence": 95}, "confidence=95 is not strictly between 0 and 1 (a level, not a percentage)"),
            (([3, 0, 5], [40, 10], [4, 1, 2], [35, 12, 20]), {}, "arm a has 3 clicks but 2 views"),
            (([3, 0, 5], [40, 10, 80], [4, 1, 2], [35, 12]), {}, "arm b has 3 clicks but 2 views"),
            (([3], [40], [4, 1, 2], [35, 12, 20]), {}, "arm a has 1 user: no variance"),
            (([3, 0, 5], [40, 10, 80], [4], [35]), {}, "arm b has 1 user: no variance"),
            (([3, -1, 5], [40, 10, 80], [4, 1, 2], [35, 12, 20]), {}, "a click count is negative"),
            (([3, 0, 5], [40, 10, 80], [4, 1, 2], [35, -12, 20]), {}, "a view count is negative"),
            (([0, 0, 0], [0, 0, 0], [4, 1, 2], [35, 12, 20]), {}, "arm a has no views: its CTR is undefined"),
            (([0, 0, 0], [40, 10, 80], [4, 1, 2], [35, 12, 20]), {},
             "arm a has no clicks: the relative lift ctr_b / ctr_a - 1 is undefined")):
        shown = ", ".join([str(list(a)) for a in args] + [f"{key}={value!r}" for key, value in kwargs.items()])
        expect_value_error(impl.ab_test, args, f"ab_test({shown})", f"{why}; the docstring asks for ValueError", kwargs)


PARTS = {"auc": check_auc, "gauc": check_gauc, "fuse_scores": check_fuse_scores, "ab_test": check_ab_test}
TIMEOUTS = {"auc": 20, "gauc": 20, "fuse_scores": 10, "ab_test": 10}
