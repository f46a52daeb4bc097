"""From offline model to online system (notebook 12): AUC and GAUC by hand, fusing the tasks, reading an A/B test.

Four small numpy functions that interviews for ranking roles ask to write or explain:
- auc: the probability that a random positive outscores a random negative, from ranks in O(n log n);
- gauc: group AUC, the impression-weighted mean of the per-user AUCs (what a feed ranks: each user's list);
- fuse_scores: one ranking score from several task heads (click, conversion, ...), after calibration;
- ab_test: the lift of a ratio metric (CTR) between two arms and its delta-method interval, users as the unit.

Reference solution. The stub with the same functions is exercises/ex12_online.py.
"""

from statistics import NormalDist

import numpy as np

FUSION_KINDS = ("product", "sum")  # the fusion rules fuse_scores knows


def auc(labels, scores):
    """Area under the ROC curve, by ranks in O(n log n) (notebook 12, "AUC by hand").

    AUC is the probability that a randomly drawn positive row scores higher than a randomly drawn
    negative row; a tie between a positive and a negative counts one half. Counting every
    (positive, negative) pair does this in O(n_pos * n_neg) time (hours for a day of impressions);
    ranks do it in O(n log n): sort the scores, give each row its 1-based rank, tied scores sharing
    the average of their ranks; the positives' rank sum R_pos gives the Mann-Whitney U statistic

        U = R_pos - n_pos (n_pos + 1) / 2        AUC = U / (n_pos * n_neg)

    (U counts the pairs a positive wins, plus one half per tied pair). Only the ranks of the scores
    matter: any increasing transform of the scores gives the same AUC; reversed scores give 1 - AUC.

    Args:
        labels: array-like (n,) of 0/1 labels: ints, floats 0.0/1.0 or bools (True is positive);
            the rows in any order (not sorted by score).
        scores: array-like (n,) of float scores (logits or probabilities: any monotone scale), the
            same length as labels; many may be equal.

    Returns:
        A float in [0, 1]: the AUC.

    Raises:
        ValueError: if labels and scores are not 1-D of the same length, if a label is not 0 or 1,
            or if the labels hold only one class (no positive or no negative: AUC is undefined).

    TODO:
        1. labels = np.asarray(labels); scores = np.asarray(scores, dtype=float); check the shapes.
        2. Check that every label is 0 or 1; positives = labels == 1; count n_pos and n_neg; raise if
           either is 0.
        3. Rank the scores: order = np.argsort(scores, kind="stable"); find the runs of equal values in
           scores[order]; each run gets the average of its 1-based ranks (start + end + 1) / 2.
        4. U = ranks[positives].sum() - n_pos * (n_pos + 1) / 2; return U / (n_pos * n_neg).

    Hints:
        1. Plain argsort ranks break ties by position: a tie then counts as a win or a loss depending on
           where the row happens to be. Many equal scores (a model that outputs a constant for new users,
           rounded probabilities) make that a large error: tied scores must share one average rank.
        2. Runs of equal sorted values start where sorted[1:] != sorted[:-1]; np.flatnonzero(np.r_[True,
           that]) gives the starts, and np.repeat(average, run_lengths) spreads each run's rank back.
        3. No double loop over positives and negatives, not even a vectorised one
           (scores[pos][:, None] > scores[neg][None, :]): 200,000 rows would make 10^10 pairs.
    """
    labels = np.asarray(labels)
    scores = np.asarray(scores, dtype=float)
    if labels.ndim != 1 or scores.shape != labels.shape:
        raise ValueError(f"labels and scores must be 1-D of the same length, got shapes {labels.shape} "
                         f"and {scores.shape}")
    if not np.all((labels == 0) | (labels == 1)):
        raise ValueError(f"labels must be 0 or 1, got the values {np.unique(labels)[:10].tolist()}")
    positives = labels == 1  # (n,) bool
    num_positives = int(positives.sum())
    num_negatives = labels.size - num_positives
    if num_positives == 0 or num_negatives == 0:
        raise ValueError(f"AUC needs both classes; the labels hold {num_positives} positives and "
                         f"{num_negatives} negatives")
    order = np.argsort(scores, kind="stable")
    sorted_scores = scores[order]
    starts = np.flatnonzero(np.r_[True, sorted_scores[1:] != sorted_scores[:-1]])  # first index of each run
    ends = np.r_[starts[1:], scores.size]  # one past the last index of each run
    average_ranks = (starts + ends + 1) / 2.0  # mean of the 1-based ranks start+1 .. end
    ranks = np.empty(scores.size)
    ranks[order] = np.repeat(average_ranks, ends - starts)  # (n,) each row's rank
    wins = ranks[positives].sum() - num_positives * (num_positives + 1) / 2.0  # Mann-Whitney U
    return float(wins / (num_positives * num_negatives))


def gauc(labels, scores, users):
    """Group AUC: the per-user AUCs, averaged with each user's number of impressions as weight (notebook 12).

    A feed ranks each user's candidates against each other, never one user's against another's. The
    global AUC also compares rows of different users, so a model that only learns who clicks a lot
    (user activity) raises it without ranking any user's list better. GAUC scores each user's own list:

        GAUC = sum_u n_u * AUC_u / sum_u n_u

    over the users u whose rows hold both a positive and a negative, n_u being the number of rows
    (impressions) of user u. A user with one class only has no AUC and is skipped: left out of both
    sums (not counted as 0.5, not counted in the weights).

    Args:
        labels: array-like (n,) of 0/1 labels (ints, floats or bools), as in auc.
        scores: array-like (n,) of float scores.
        users: array-like (n,) of user ids of any kind numpy can sort (ints or strings); a user's rows
            need not be next to each other (rows of several users interleaved).

    Returns:
        A float in [0, 1]: the GAUC.

    Raises:
        ValueError: if the three arrays are not 1-D of the same length, if a label is not 0 or 1,
            or if no user has both a positive and a negative row.

    TODO:
        1. Turn the three into numpy arrays and check their shapes and the labels.
        2. Group the rows by user: np.unique(users, return_inverse=True) numbers the users 0..U-1.
        3. For every user with both classes: that user's AUC (your auc on the user's rows) and n_u.
        4. Raise if no user was kept; return the weighted mean sum(n_u * AUC_u) / sum(n_u).

    Hints:
        1. The weight is every row of the user (clicks and non-clicks), not the number of clicks.
        2. np.average(values, weights=weights) is the weighted mean; a plain np.mean of the per-user
           AUCs gives a user with 3 impressions as much say as a user with 3,000.
        3. Sorting the rows by user once (np.argsort(user_index, kind="stable")) and splitting at the
           boundaries is faster than a mask users == u per user.
    """
    labels, scores, users = np.asarray(labels), np.asarray(scores, dtype=float), np.asarray(users)
    if labels.ndim != 1 or scores.shape != labels.shape or users.shape != labels.shape:
        raise ValueError(f"labels, scores and users must be 1-D of the same length, got shapes {labels.shape}, "
                         f"{scores.shape} and {users.shape}")
    if not np.all((labels == 0) | (labels == 1)):
        raise ValueError(f"labels must be 0 or 1, got the values {np.unique(labels)[:10].tolist()}")
    _, user_index = np.unique(users, return_inverse=True)  # (n,) users numbered 0..U-1
    order = np.argsort(user_index, kind="stable")
    boundaries = np.flatnonzero(np.diff(user_index[order])) + 1
    user_aucs, impressions = [], []
    for rows in np.split(order, boundaries):  # the rows of one user
        user_labels = labels[rows]
        num_positives = int(np.sum(user_labels == 1))
        if 0 < num_positives < rows.size:  # both classes: the user's AUC is defined
            user_aucs.append(auc(user_labels, scores[rows]))
            impressions.append(rows.size)
    if not user_aucs:
        raise ValueError("no user has both a positive and a negative row: GAUC is undefined")
    return float(np.average(user_aucs, weights=impressions))


def fuse_scores(logits, weights, kind="product", negative_rates=None):
    """One ranking score from several task heads: calibrated probabilities, fused (notebook 12, "fusion").

    A ranking model with several heads (click, conversion, rating, ...) gives one logit per task and
    candidate; the feed sorts by ONE score. Fusion works on probabilities, not logits: the weights mean
    something only on a calibrated scale (a logit can be negative, and a power of a negative number,
    or a weighted sum of numbers of different scales, ranks nothing sensible).

    For each task t: q_t = sigmoid(logit_t). A head trained with negative downsampling (only a fraction
    r_t of the negatives kept, all the positives) over-predicts: its odds are the true odds divided by
    r_t. If negative_rates names task t, its probability is corrected back:

        p_t = q_t r_t / (q_t r_t + 1 - q_t)          (the same as sigmoid(logit_t + log r_t))

    otherwise p_t = q_t. Then

        kind="product":  score = prod_t p_t ** w_t     (e.g. pCTR * pCVR ** 2: multiplicative fusion)
        kind="sum":      score = sum_t w_t * p_t       (weighted-sum fusion)

    Weights are paired with the tasks by name, never by their order in the dicts. A weight of 0 leaves
    a task out of both kinds; r = 1 is no downsampling (no change).

    Args:
        logits: dict task name -> array-like (n,) of that head's logits for the same n candidates
            (at least one task; every array of the same length n).
        weights: dict task name -> float weight w_t, with exactly the keys of logits, in any order.
        kind: "product" or "sum".
        negative_rates: None, or a dict task name -> r in (0, 1], the fraction of negatives kept when
            that head was trained; it may name only some tasks (the others were not downsampled).

    Returns:
        A numpy float array (n,): the fused score of each candidate (row i fuses the tasks' row i). It is
        exact for extreme logits too: a logit of -800 is a tiny probability (about e^-800), not 0, and
        with a weight of 0.01 its share of a product is e^-8, a score of the same order. The inputs are
        left unchanged.

    Raises:
        ValueError: if kind is not "product" or "sum"; if logits is empty; if the keys of weights are not
            the keys of logits; if the logits' arrays are not 1-D of one length; if negative_rates names a
            task that logits lacks or gives a rate outside (0, 1].

    TODO:
        1. Check kind, the keys of weights against logits, and negative_rates (keys and range).
        2. For every task: p = the sigmoid of its logits, corrected if negative_rates names the task.
        3. kind="product": multiply p ** weights[task] over the tasks; kind="sum": add weights[task] * p.

    Hints:
        1. Loop over the task NAMES (for task in logits: ... weights[task]); zip(logits.values(),
           weights.values()) pairs a weight with the wrong task as soon as the dicts are ordered
           differently.
        2. The correction is the sigmoid of logit + log(r): the odds q / (1 - q) times r. Only the
           tasks named in negative_rates are corrected.
        3. prod p ** w = exp(sum w * log p), and log sigmoid(x) = -np.logaddexp(0, -x) stays finite for
           large |x|; 1 / (1 + np.exp(-x)) overflows (a warning) for x below about -710.
    """
    if kind not in FUSION_KINDS:
        raise ValueError(f"kind must be one of {FUSION_KINDS}, got {kind!r}")
    if not logits:
        raise ValueError("logits must name at least one task")
    if set(weights) != set(logits):
        raise ValueError(f"weights must have the keys of logits {sorted(logits)}, got {sorted(weights)}")
    negative_rates = {} if negative_rates is None else dict(negative_rates)
    unknown = set(negative_rates) - set(logits)
    if unknown:
        raise ValueError(f"negative_rates names tasks that logits lacks: {sorted(unknown)}")
    for task, rate in negative_rates.items():
        if not 0.0 < float(rate) <= 1.0:
            raise ValueError(f"negative_rates[{task!r}] must lie in (0, 1], got {rate!r}")
    arrays = {task: np.asarray(values, dtype=float) for task, values in logits.items()}
    shapes = {array.shape for array in arrays.values()}
    if len(shapes) != 1 or len(next(iter(shapes))) != 1:
        raise ValueError(f"every task's logits must be 1-D of one length, got the shapes {sorted(shapes)}")
    (num_candidates,) = next(iter(shapes))
    log_fused = np.zeros(num_candidates)  # kind="product": sum_t w_t log p_t
    summed = np.zeros(num_candidates)  # kind="sum": sum_t w_t p_t
    for task, task_logits in arrays.items():
        corrected = task_logits + np.log(float(negative_rates.get(task, 1.0)))  # logit of p_t
        log_probability = -np.logaddexp(0.0, -corrected)  # log sigmoid, finite for large |logit|
        log_fused += weights[task] * log_probability
        summed += weights[task] * np.exp(log_probability)
    return np.exp(log_fused) if kind == "product" else summed


def ab_test(clicks_a, views_a, clicks_b, views_b, confidence=0.95):
    """The lift of CTR in an A/B test and its confidence interval, users as the unit (notebook 12, "A/B").

    Users are randomised to arm a (control) or b (treatment), so users are the independent units: each
    user i contributes clicks c_i and views v_i. The metric is a ratio of sums, CTR = sum c / sum v
    (not the mean of the users' own CTRs, which weighs a user with 1 view like one with 1,000). Per arm,
    with the users' means mc, mv, sample variances s_cc, s_vv and covariance s_cv over n users (ddof=1;
    ddof=0, np.var's default, is accepted too), the delta method gives the variance of R = mc / mv:

        var(R) = (s_cc - 2 R s_cv + R^2 s_vv) / (n mv^2)

    and, the arms being independent, lift = R_b / R_a - 1 has

        var(lift) = var(R_b) / R_a^2 + R_b^2 var(R_a) / R_a^4

    The interval is lift -/+ z sqrt(var(lift)) with z the normal quantile at (1 + confidence) / 2
    (1.96 for 0.95). A z-test that treats every view as an independent Bernoulli trial ignores that
    one user's views move together: when users differ (heavy and light users, each with their own
    CTR) its interval is much too narrow and "significant" results are noise.

    Args:
        clicks_a: array-like (n_a,) of each control user's clicks (>= 0).
        views_a: array-like (n_a,) of each control user's views (>= 0), same length as clicks_a.
        clicks_b: array-like (n_b,) of each treatment user's clicks; n_b may differ from n_a.
        views_b: array-like (n_b,) of each treatment user's views.
        confidence: the two-sided confidence level, strictly between 0 and 1.

    Returns:
        A dict of floats {"ctr_a", "ctr_b", "lift", "low", "high"}: each arm's CTR (sum of clicks over
        sum of views), the relative lift ctr_b / ctr_a - 1 and the interval's ends (low <= lift <= high).
        Arm b may have no clicks at all: then the lift is -1 and, every user's linearised contribution
        being 0, the interval has zero width (low = high = -1).

    Raises:
        ValueError: if an arm's clicks and views are not 1-D of one length, if an arm has fewer than 2
            users, if a count is negative, if an arm has no views or arm a no clicks (the lift is
            undefined), or if confidence is not strictly between 0 and 1.

    TODO:
        1. Check the inputs and confidence; z = statistics.NormalDist().inv_cdf((1 + confidence) / 2).
        2. For each arm: R = sum(clicks) / sum(views), var(R) by the formula above.
        3. lift, its standard error sqrt(var(lift)), and the interval lift -/+ z * standard error.

    Hints:
        1. np.cov(clicks, views) is the 2x2 matrix [[s_cc, s_cv], [s_cv, s_vv]] (ddof=1).
        2. Leaving out the covariance term assumes clicks and views unrelated; but a user who views more
           clicks more, and dropping -2 R s_cv makes the interval far too wide.
        3. The lift is relative (ctr_b / ctr_a - 1), not the difference ctr_b - ctr_a; b is the treatment.
    """
    if not 0.0 < float(confidence) < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")
    ratios, variances = [], []
    for arm, clicks, views in (("a", clicks_a, views_a), ("b", clicks_b, views_b)):
        clicks, views = np.asarray(clicks, dtype=float), np.asarray(views, dtype=float)
        if clicks.ndim != 1 or views.shape != clicks.shape:
            raise ValueError(f"arm {arm}: clicks and views must be 1-D of one length, got shapes {clicks.shape} "
                             f"and {views.shape}")
        if clicks.size < 2:
            raise ValueError(f"arm {arm} needs at least 2 users, got {clicks.size}")
        if np.any(clicks < 0) or np.any(views < 0):
            raise ValueError(f"arm {arm}: clicks and views must be >= 0")
        if views.sum() == 0:
            raise ValueError(f"arm {arm} has no views: its CTR is undefined")
        ratio = clicks.sum() / views.sum()
        covariance = np.cov(clicks, views)  # (2, 2), ddof=1
        variance = ((covariance[0, 0] - 2 * ratio * covariance[0, 1] + ratio ** 2 * covariance[1, 1])
                    / (clicks.size * views.mean() ** 2))
        ratios.append(ratio)
        variances.append(variance)
    (ctr_a, ctr_b), (variance_a, variance_b) = ratios, variances
    if ctr_a == 0:
        raise ValueError("arm a has no clicks: the relative lift ctr_b / ctr_a - 1 is undefined")
    lift = ctr_b / ctr_a - 1.0
    standard_error = np.sqrt(variance_b / ctr_a ** 2 + ctr_b ** 2 * variance_a / ctr_a ** 4)
    z = NormalDist().inv_cdf((1.0 + float(confidence)) / 2.0)
    return {"ctr_a": float(ctr_a), "ctr_b": float(ctr_b), "lift": float(lift),
            "low": float(lift - z * standard_error), "high": float(lift + z * standard_error)}
