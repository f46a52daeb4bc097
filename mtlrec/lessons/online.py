"""From offline model to online system (notebook 12): GAUC, calibration and fusion, A/B tests, cold start.

Every model here is a logistic regression fitted in numpy (Newton steps; a few milliseconds), so the
notebook can run every comparison over seeds live. The world is `mtlrec.data.make_feed`: the true click,
conversion and rating of every (user, item) pair are known, so a ranking can be scored "online" exactly:
the expected clicks and conversions its users would produce.

- AUC: `pairwise_auc` (the definition, pair by pair). Features and models: `pair_features`, `fit_logistic`
  (plain, weighted, focal), `logit`, `platt_scaling`.
- GAUC: `activity_scores` (a model that learns who clicks, not what they like), `gauc_seed`.
- Calibration and fusion: `expected_calibration_error`, `calibration_predictions`, `downsample_negatives`,
  `candidate_slate`, `slate_value`, `fusion_seed`, `frontier`.
- A/B tests: `user_outcomes`, `ab_experiment`, `impression_interval` (the wrong test), `users_needed`, `power`,
  `aa_seed`.
- Offline vs online: `position_seed`. Cold start: `cold_start_seed`.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

from mtlrec.data import Feed, FeedLog, make_feed, make_feed_log
from mtlrec.metrics import expected_calibration_error  # noqa: F401  (lesson.expected_calibration_error in notebook 12)

# The world and the sizes of notebook 12
FEED = dict(num_users=1000, num_items=400)
NUM_IMPRESSIONS = 30_000  # logged impressions per seed
TEST_FRACTION = 0.3  # of the impressions (or of the users, where users are split)
L2 = 1e-3  # ridge penalty of every logistic regression
HESSIAN_ROWS = 6000  # rows that estimate the curvature of a Newton step
SLATE = 10  # items shown per visit, at positions 0..9
CANDIDATES = 50  # candidates the ranker orders per visit


# ------------------------------------------------------------------------------ features, models
def pair_features(feed: Feed, user_id, item_id) -> np.ndarray:
    """(n, d_u d_i + d_u + d_i + 1) features of (user, item) pairs: the content outer product (it can
    express the bilinear affinity), both content vectors and a constant. No user or item id: no activity."""
    user = feed.user_features[np.asarray(user_id)]  # (n, d_u)
    item = feed.item_features[np.asarray(item_id)]  # (n, d_i)
    outer = (user[:, :, None] * item[:, None, :]).reshape(len(user), -1)  # (n, d_u * d_i)
    return np.concatenate([outer, user, item, np.ones((len(user), 1), np.float32)], axis=1).astype(np.float64)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40.0, 40.0)))


def _focal_gradient_and_curvature(z, y, gamma):
    """d(focal loss)/dz and a positive curvature bound, per row (gamma = 0 gives the cross-entropy's)."""
    p = np.clip(_sigmoid(z), 1e-7, 1.0 - 1e-7)
    if gamma == 0.0:
        return p - y, p * (1.0 - p)
    positive = gamma * p * (1.0 - p) ** gamma * np.log(p) - (1.0 - p) ** (gamma + 1.0)
    negative = p ** (gamma + 1.0) - gamma * (1.0 - p) * p**gamma * np.log(1.0 - p)
    gradient = y * positive + (1.0 - y) * negative  # soft labels mix the two
    return gradient, p * (1.0 - p)


def fit_logistic(features, targets, *, sample_weight=None, focal_gamma: float = 0.0, l2: float = L2,
                 iterations: int = 10, seed: int = 0) -> np.ndarray:
    """Weights of a logistic regression minimising the mean (weighted) cross-entropy, or the focal loss
    (focal_gamma > 0), plus l2 |w|^2 / 2, by damped Newton steps from seeded random initial weights."""
    x = np.asarray(features, np.float64)
    y = np.asarray(targets, np.float64)
    weight = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, np.float64)
    weight = weight / weight.mean()
    w = np.random.default_rng(seed).normal(0.0, 0.01, x.shape[1])
    step = 1.0 if focal_gamma == 0.0 else 0.5  # the focal loss's curvature is only bounded: smaller steps
    # the curvature from at most HESSIAN_ROWS rows (the gradient uses all): same optimum, much less work
    sample = np.random.default_rng(seed + 1).permutation(len(y))[:HESSIAN_ROWS]
    for _ in range(iterations if focal_gamma == 0.0 else 3 * iterations):
        # einsum, not @: single-threaded C loops, which on a shared 2-core machine beat threaded BLAS by far
        gradient_z, curvature = _focal_gradient_and_curvature(np.einsum("nd,d->n", x, w), y, focal_gamma)
        gradient = np.einsum("nd,n->d", x, weight * gradient_z) / len(y) + l2 * w
        scaled = x[sample] * (weight[sample] * curvature[sample])[:, None]
        hessian = np.einsum("nd,ne->de", scaled, x[sample]) / len(sample) + l2 * np.eye(x.shape[1])
        w = w - step * np.linalg.solve(hessian, gradient)
    return w


def logit(weights, features) -> np.ndarray:
    """The model's logits (n,)."""
    return np.einsum("nd,d->n", np.asarray(features, np.float64), weights)


def platt_scaling(logits_validation, labels_validation):
    """Platt scaling (校准 after training): a, b so that sigmoid(a z + b) is calibrated on validation rows;
    returns a function of new logits."""
    z = np.asarray(logits_validation, np.float64)
    ab = fit_logistic(np.c_[z, np.ones_like(z)], labels_validation, l2=1e-6)
    return lambda new_logits: ab[0] * np.asarray(new_logits, np.float64) + ab[1]


def pairwise_auc(labels, scores) -> float:
    """AUC by its definition, every (positive, negative) pair: wins + ties / 2 over pairs. O(n_pos n_neg): small n only."""
    labels, scores = np.asarray(labels), np.asarray(scores, np.float64)
    positive, negative = scores[labels == 1][:, None], scores[labels == 0][None, :]
    return float(((positive > negative).sum() + 0.5 * (positive == negative).sum()) / (positive.size * negative.size))


def split_log(log: FeedLog, seed: int, fraction: float = TEST_FRACTION):
    """(train, test) impressions at random."""
    is_test = np.random.default_rng(seed + 7).random(len(log)) < fraction
    return log.subset(~is_test), log.subset(is_test)


# ------------------------------------------------------------------------------------------ GAUC
def _smoothed_rate(train: FeedLog, key: str, size: int, prior_strength: float = 5.0) -> np.ndarray:
    """Training click rate per user (or item), shrunk towards the global rate by `prior_strength` views."""
    ids = getattr(train, key)
    clicks, views = np.bincount(ids, weights=train.click, minlength=size), np.bincount(ids, minlength=size)
    return (clicks + prior_strength * train.click.mean()) / (views + prior_strength)


def activity_scores(train: FeedLog, test: FeedLog, num_users: int, num_items: int) -> np.ndarray:
    """The 'activity model': logit of the user's training click rate + logit of the item's. It learns who
    clicks a lot and what is clicked a lot, nothing about who likes what."""
    user = _smoothed_rate(train, "user_id", num_users)[test.user_id]
    item = _smoothed_rate(train, "item_id", num_items)[test.item_id]
    return np.log(user / (1.0 - user)) + np.log(item / (1.0 - item))


def gauc_seed(seed: int, auc, gauc, *, activity_spread: float = 1.5) -> list[dict]:
    """One seed: a new feed and log; the preference model (content features) and the activity model,
    scored on the test impressions by AUC and GAUC (observed clicks), and by GAUC of the truth itself."""
    feed = make_feed(**FEED, activity_spread=activity_spread, seed=seed)
    train, test = split_log(make_feed_log(feed, NUM_IMPRESSIONS, seed=seed), seed)
    preference = fit_logistic(pair_features(feed, train.user_id, train.item_id), train.click, seed=seed)
    scores = {"preference model": logit(preference, pair_features(feed, test.user_id, test.item_id)),
              "activity model": activity_scores(train, test, feed.num_users, feed.num_items),
              "truth": test.click_probability}
    return [{"seed": seed, "model": name, "AUC": auc(test.click, score), "GAUC": gauc(test.click, score, test.user_id)}
            for name, score in scores.items()]


# ------------------------------------------------------------------------------ calibration
def reliability_table(labels, probabilities, bins: int = 10):
    """Per bin of the prediction: rows, mean prediction, positive rate (the reliability diagram's points)."""
    import pandas as pd

    labels, probabilities = np.asarray(labels, np.float64), np.asarray(probabilities, np.float64)
    which = np.minimum((probabilities * bins).astype(int), bins - 1)
    frame = pd.DataFrame({"bin": which, "prediction": probabilities, "label": labels})
    return frame.groupby("bin").agg(rows=("label", "size"), mean_prediction=("prediction", "mean"),
                                    positive_rate=("label", "mean"))


def downsample_negatives(labels, rate: float, seed: int) -> np.ndarray:
    """Row mask keeping every positive and a `rate` share of the negatives (负采样, negative downsampling)."""
    labels = np.asarray(labels)
    return (labels > 0.5) | (np.random.default_rng(seed + 11).random(len(labels)) < rate)



def calibration_predictions(seed: int, fuse_scores, *, negative_rate: float = 0.1, focal_gamma: float = 2.0,
                            sparse_click_rate: float = 0.03):
    """One seed: (test clicks, {variant: predicted p(click)}) of click heads trained six ways on a sparse-click feed.

    cross-entropy (plain); downsampled (negatives kept at `negative_rate`), then corrected back with
    fuse_scores(..., negative_rates=...); reweighted (positives weighted n_neg / n_pos); focal (gamma);
    reweighted then Platt-scaled on a validation split of the training impressions.
    """
    feed = make_feed(**FEED, click_rate=sparse_click_rate, seed=seed)
    train, test = split_log(make_feed_log(feed, NUM_IMPRESSIONS, seed=seed), seed)
    fit_part, validation = split_log(train, seed + 1, fraction=0.25)
    x_train = pair_features(feed, train.user_id, train.item_id)
    x_test = pair_features(feed, test.user_id, test.item_id)
    probabilities = {}

    plain = fit_logistic(x_train, train.click, seed=seed)
    probabilities["cross-entropy"] = _sigmoid(logit(plain, x_test))

    kept = downsample_negatives(train.click, negative_rate, seed)
    z = logit(fit_logistic(x_train[kept], train.click[kept], seed=seed), x_test)
    probabilities["downsampled"] = _sigmoid(z)
    probabilities["downsampled, corrected"] = fuse_scores({"click": z}, {"click": 1.0}, kind="product",
                                                          negative_rates={"click": negative_rate})

    positive_weight = (1.0 - train.click.mean()) / train.click.mean()
    reweighted = fit_logistic(x_train, train.click, sample_weight=np.where(train.click > 0.5, positive_weight, 1.0),
                              seed=seed)
    probabilities["reweighted"] = _sigmoid(logit(reweighted, x_test))
    probabilities["focal"] = _sigmoid(logit(fit_logistic(x_train, train.click, focal_gamma=focal_gamma, seed=seed),
                                            x_test))

    x_fit = pair_features(feed, fit_part.user_id, fit_part.item_id)
    reweighted_fit = fit_logistic(x_fit, fit_part.click,
                                  sample_weight=np.where(fit_part.click > 0.5, positive_weight, 1.0), seed=seed)
    calibrate = platt_scaling(logit(reweighted_fit, pair_features(feed, validation.user_id, validation.item_id)),
                              validation.click)
    probabilities["reweighted, Platt"] = _sigmoid(calibrate(logit(reweighted_fit, x_test)))
    return test.click, probabilities


def calibration_rows(seed: int, labels, probabilities: dict, auc) -> list[dict]:
    """ECE, mean prediction over the click rate, and AUC of each variant of calibration_predictions."""
    return [{"seed": seed, "model": name, "ECE": expected_calibration_error(labels, p),
             "mean prediction / click rate": float(p.mean() / labels.mean()), "AUC": auc(labels, p)}
            for name, p in probabilities.items()]


# ---------------------------------------------------------------------------------------- fusion
def candidate_slate(feed: Feed, users, seed: int, candidates: int = CANDIDATES):
    """(users (v, c), items (v, c)): for each visit a user's `candidates` distinct random items."""
    rng = np.random.default_rng(seed + 13)
    users = np.asarray(users)
    items = np.argsort(rng.random((len(users), feed.num_items)), axis=1)[:, :candidates]
    return np.repeat(users[:, None], candidates, axis=1), items


def slate_value(feed: Feed, users, items, scores, slate: int = SLATE) -> dict:
    """Expected clicks, conversions and rating points per visit when each visit shows its top `slate` items
    by `scores` (v, c) at positions 0..slate-1 and users respond with their true probabilities."""
    top = np.argsort(-scores, axis=1, kind="stable")[:, :slate]  # (v, slate)
    shown_users, shown_items = np.take_along_axis(users, top, 1), np.take_along_axis(items, top, 1)
    click = feed.click_probability(shown_users, shown_items, np.arange(slate)[None, :])  # (v, slate)
    return {"clicks": float(click.sum(1).mean()),
            "conversions": float((click * feed.conversion_probability(shown_users, shown_items)).sum(1).mean()),
            "rating": float((click * feed.rating_probability(shown_users, shown_items)).sum(1).mean())}


def train_heads(feed: Feed, train: FeedLog, seed: int) -> dict:
    """Three heads as logistic regressions: click (all impressions), conversion (p(convert | click), on the
    clicked ones), rating (clicked ones, the scaled rating (rating - 1) / 4 as a soft label)."""
    x = pair_features(feed, train.user_id, train.item_id)
    clicked = train.click > 0.5
    return {"click": fit_logistic(x, train.click, seed=seed),
            "conversion": fit_logistic(x[clicked], train.conversion[clicked], seed=seed),
            "rating": fit_logistic(x[clicked], (train.rating[clicked] - 1.0) / 4.0, seed=seed)}


def head_logits(feed: Feed, heads: dict, users, items) -> dict:
    """{task: (v, c) logits} of the heads on candidate slates."""
    x = pair_features(feed, users.ravel(), items.ravel())
    return {task: logit(weights, x).reshape(users.shape) for task, weights in heads.items()}


def value(outcome: dict, conversion_value: float, rating_value: float) -> float:
    """The business objective per visit: clicks + conversion_value x conversions + rating_value x rating points."""
    return outcome["clicks"] + conversion_value * outcome["conversions"] + rating_value * outcome["rating"]


VISITS_PER_SEED = 1  # validation visits and test visits per user in fusion_seed
FUSION_VALUES = {"conversion": 10.0, "rating": 2.0}  # a conversion is worth 10 clicks, a rating point 2
PRODUCT_GRID = [(a, b) for a in (0.0, 0.25, 0.5, 1.0, 2.0) for b in (0.0, 0.5, 1.0)]
SUM_GRID = [(a, b) for a in (0.0, 0.25, 0.5, 1.0, 2.0) for b in (0.0, 0.25, 0.5)]


def _fused_value(feed, logits, users, items, fuse_scores, kind, a, b, negative_rates=None):
    flat = {task: value.ravel() for task, value in logits.items()}
    scores = fuse_scores(flat, {"click": 1.0, "conversion": a, "rating": b}, kind=kind,
                         negative_rates=negative_rates).reshape(users.shape)
    return slate_value(feed, users, items, scores)


def _tuned(feed, logits, users, items, fuse_scores, kind, grid, negative_rates=None):
    """The (a, b) of `grid` with the highest business value on these (validation) slates."""
    values = [value(_fused_value(feed, logits, users, items, fuse_scores, kind, a, b, negative_rates),
                    FUSION_VALUES["conversion"], FUSION_VALUES["rating"]) for a, b in grid]
    return grid[int(np.argmax(values))]


def fusion_seed(seed: int, fuse_scores, *, negative_rate: float = 0.2) -> list[dict]:
    """One seed: three heads trained on a new log; fusion weights tuned on validation visits (each user's
    candidates) for the business value; every strategy scored on new test visits against the truth. Also: the
    conversion head trained on downsampled negatives, used without and with the correction."""
    feed = make_feed(**FEED, seed=seed)
    log = make_feed_log(feed, NUM_IMPRESSIONS, seed=seed)
    heads = train_heads(feed, log, seed)
    clicked = log.click > 0.5
    kept = clicked & downsample_negatives(log.conversion, negative_rate, seed)  # every conversion, a share of the rest
    downsampled = dict(heads, conversion=fit_logistic(pair_features(feed, log.user_id[kept], log.item_id[kept]),
                                                      log.conversion[kept], seed=seed))
    visits = np.repeat(np.arange(feed.num_users), VISITS_PER_SEED)  # every user visits, on two sets of visits:
    slates = {"validation": candidate_slate(feed, visits, seed), "test": candidate_slate(feed, visits, seed + 1)}
    logits = {name: head_logits(feed, heads, *slate) for name, slate in slates.items()}
    logits_downsampled = head_logits(feed, downsampled, *slates["test"])
    product = _tuned(feed, logits["validation"], *slates["validation"], fuse_scores, "product", PRODUCT_GRID)
    weighted = _tuned(feed, logits["validation"], *slates["validation"], fuse_scores, "sum", SUM_GRID)
    strategies = {
        "click only": ("product", (0.0, 0.0), logits["test"], None),
        "product 1/1/1": ("product", (1.0, 1.0), logits["test"], None),
        "product, tuned": ("product", product, logits["test"], None),
        "sum, tuned": ("sum", weighted, logits["test"], None),
        "product, tuned, downsampled CVR": ("product", product, logits_downsampled, None),
        "product, tuned, downsampled CVR, corrected": ("product", product, logits_downsampled,
                                                       {"conversion": negative_rate}),
        "sum, tuned, downsampled CVR": ("sum", weighted, logits_downsampled, None),
        "sum, tuned, downsampled CVR, corrected": ("sum", weighted, logits_downsampled, {"conversion": negative_rate}),
    }
    rows = []
    for name, (kind, (a, b), these, rates) in strategies.items():
        outcome = _fused_value(feed, these, *slates["test"], fuse_scores, kind, a, b, rates)
        rows.append({"seed": seed, "model": name, "conversion weight": a, "rating weight": b, **outcome,
                     "value": value(outcome, FUSION_VALUES["conversion"], FUSION_VALUES["rating"])})
    return rows


def frontier(seed: int, fuse_scores, exponents=(0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 8.0)) -> list[dict]:
    """Clicks and conversions per visit (test users' slates) as the conversion exponent of product fusion grows."""
    feed = make_feed(**FEED, seed=seed)
    heads = train_heads(feed, make_feed_log(feed, NUM_IMPRESSIONS, seed=seed), seed)
    users, items = candidate_slate(feed, np.arange(feed.num_users), seed + 1)
    logits = head_logits(feed, heads, users, items)
    return [{"seed": seed, "conversion exponent": a, **_fused_value(feed, logits, users, items, fuse_scores, "product", a, 0.0)}
            for a in exponents]


# ----------------------------------------------------------------------------------------- A/B tests
VISITS_PER_USER = 3.0  # mean visits of a user during the test; active users visit more


def user_outcomes(feed: Feed, ranker, seed: int, users=None, visits_per_user: float = VISITS_PER_USER):
    """Per user: (clicks, views, expected clicks) over their visits when `ranker(users, items) -> scores`
    orders each visit's candidates and the top SLATE are shown; clicks are drawn from the true p(click)
    at each position. Visits ~ Poisson(visits_per_user x exp(0.7 activity) / its mean); users without a
    visit are not in the test (they were never exposed)."""
    rng = np.random.default_rng(seed + 17)
    users = np.arange(feed.num_users) if users is None else np.asarray(users)
    rate = np.exp(0.7 * feed.user_activity[users])
    visits = rng.poisson(visits_per_user * rate / rate.mean())
    visit_user = np.repeat(users, visits)  # one row per visit
    slate_users, slate_items = candidate_slate(feed, visit_user, seed + 19)
    scores = ranker(slate_users, slate_items)
    top = np.argsort(-scores, axis=1, kind="stable")[:, :SLATE]
    probability = feed.click_probability(np.take_along_axis(slate_users, top, 1), np.take_along_axis(slate_items, top, 1),
                                         np.arange(SLATE)[None, :])  # (visits, SLATE)
    clicks = (rng.random(probability.shape) < probability).sum(1)
    index = np.searchsorted(users, visit_user) if np.all(np.diff(users) > 0) else visit_user
    size = len(users)
    per_user = (np.bincount(index, clicks, size), np.bincount(index, minlength=size) * float(SLATE),
                np.bincount(index, probability.sum(1), size))
    exposed = per_user[1] > 0
    return tuple(values[exposed] for values in per_user)


def impression_interval(clicks_a, views_a, clicks_b, views_b, confidence: float = 0.95) -> dict:
    """The WRONG test for a user-randomised experiment: every impression an independent Bernoulli trial
    (a two-proportion z-interval on the lift, by the delta method). Too narrow when users differ."""
    ctr_a, ctr_b = np.sum(clicks_a) / np.sum(views_a), np.sum(clicks_b) / np.sum(views_b)
    variance_a, variance_b = ctr_a * (1 - ctr_a) / np.sum(views_a), ctr_b * (1 - ctr_b) / np.sum(views_b)
    lift = ctr_b / ctr_a - 1.0
    half = NormalDist().inv_cdf(0.5 + confidence / 2) * np.sqrt(variance_b / ctr_a**2 + variance_a * ctr_b**2 / ctr_a**4)
    return {"ctr_a": ctr_a, "ctr_b": ctr_b, "lift": lift, "low": lift - half, "high": lift + half}


def users_needed(clicks, views, relative_lift: float, confidence: float = 0.95, power: float = 0.8) -> int:
    """Users per arm to detect a relative CTR lift with the given power (two-sided test, equal arms), from a
    pilot's per-user clicks and views: n = 2 (z_{1-alpha/2} + z_power)^2 var(c - r v) / (mean(v) r lift)^2."""
    clicks, views = np.asarray(clicks, np.float64), np.asarray(views, np.float64)
    ctr = clicks.sum() / views.sum()
    spread = np.var(clicks - ctr * views, ddof=1) / views.mean() ** 2  # per-user variance of the linearised CTR
    z = NormalDist().inv_cdf(0.5 + confidence / 2) + NormalDist().inv_cdf(power)
    return int(np.ceil(2 * z**2 * spread / (ctr * relative_lift) ** 2))


def aa_seed(seed: int, ab_test, replicates: int = 200) -> dict:
    """One seed: a new feed, one ranker for everyone; `replicates` random halvings of the users into two
    arms (an A/A test: no true difference). Share of intervals that exclude 0 (false positives) for the
    user-level delta method (ab_test) and for the impression z-test."""
    feed = make_feed(**FEED, seed=seed)
    log = make_feed_log(feed, NUM_IMPRESSIONS, seed=seed)
    click = fit_logistic(pair_features(feed, log.user_id, log.item_id), log.click, seed=seed)
    clicks, views, _ = user_outcomes(feed, lambda u, i: head_logits(feed, {"click": click}, u, i)["click"], seed)
    rng = np.random.default_rng(seed + 23)
    wrong = {"delta method, users": 0, "z-test, impressions": 0}
    for _ in range(replicates):
        arm = rng.random(len(clicks)) < 0.5
        for name, test in (("delta method, users", ab_test), ("z-test, impressions", impression_interval)):
            result = test(clicks[~arm], views[~arm], clicks[arm], views[arm])
            wrong[name] += int(result["low"] > 0 or result["high"] < 0)
    return {"seed": seed, **{name: count / replicates for name, count in wrong.items()}}


def ab_experiment(feed: Feed, control, treatment, seed: int) -> dict:
    """A simulated A/B test: every user's visits ranked by both rankers (the truth of both worlds), each user
    randomised to one arm. Returns the observed per-user (clicks, views) of each arm ("a", "b") and the true
    lift: the expected CTR of the whole population under the treatment over that under the control, - 1."""
    outcomes = {"a": user_outcomes(feed, control, seed), "b": user_outcomes(feed, treatment, seed)}  # same visits
    treated = np.random.default_rng(seed + 47).random(len(outcomes["a"][0])) < 0.5
    truth = {arm: true_ctr(expected, views) for arm, (_, views, expected) in outcomes.items()}
    return {"a": (outcomes["a"][0][~treated], outcomes["a"][1][~treated]),
            "b": (outcomes["b"][0][treated], outcomes["b"][1][treated]),
            "true lift": truth["b"] / truth["a"] - 1.0, "populations": outcomes}


def power(ab_test, population_a, population_b, users_per_arm: int, seed: int, replicates: int = 200) -> float:
    """Share of `replicates` A/B tests with `users_per_arm` users drawn from each population ((clicks, views) per
    user, with replacement) whose interval excludes 0: the test's power at that size (its false-positive rate
    when the two populations are the same)."""
    rng = np.random.default_rng(seed + 53)
    detected = 0
    for _ in range(replicates):
        a, b = rng.integers(0, len(population_a[0]), users_per_arm), rng.integers(0, len(population_b[0]), users_per_arm)
        result = ab_test(population_a[0][a], population_a[1][a], population_b[0][b], population_b[1][b])
        detected += int(result["low"] > 0 or result["high"] < 0)
    return detected / replicates


def true_ctr(expected_clicks, views) -> float:
    """The CTR the users would produce in expectation (from the true probabilities): the estimand of an A/B test."""
    return float(np.sum(expected_clicks) / np.sum(views))


# ----------------------------------------------------------------------------------- offline vs online
NUM_POSITIONS = SLATE


def logged_by_popularity(feed: Feed, seed: int, visits: int = 4000) -> FeedLog:
    """A log written by a production ranker that orders each visit's candidates by item popularity (the
    true item click term plus noise) and shows the top SLATE: clicks carry the position bias."""
    rng = np.random.default_rng(seed + 29)
    weights = np.exp(0.7 * feed.user_activity)
    visit_user = rng.choice(feed.num_users, visits, p=weights / weights.sum())
    users, items = candidate_slate(feed, visit_user, seed + 31)
    logger_score = feed.item_click_bias[items] + rng.normal(0.0, 0.5, items.shape)
    top = np.argsort(-logger_score, axis=1, kind="stable")[:, :SLATE]
    shown_users, shown_items = np.take_along_axis(users, top, 1).ravel(), np.take_along_axis(items, top, 1).ravel()
    position = np.tile(np.arange(SLATE), visits)
    probability = feed.click_probability(shown_users, shown_items, position)
    click = (rng.random(probability.shape) < probability).astype(np.float32)
    zeros = np.zeros_like(click)
    return FeedLog(user_id=shown_users.astype(np.int32), item_id=shown_items.astype(np.int32),
                   position=position.astype(np.int32), click=click, conversion=zeros, rating=zeros,
                   click_probability=probability.astype(np.float32),
                   conversion_probability=feed.conversion_probability(shown_users, shown_items).astype(np.float32),
                   rating_probability=feed.rating_probability(shown_users, shown_items).astype(np.float32))


def position_features(position, num_positions: int = NUM_POSITIONS) -> np.ndarray:
    """(n, num_positions - 1) one-hot of the position (position 0 is the reference: all zeros)."""
    return (np.asarray(position)[:, None] == np.arange(1, num_positions)[None, :]).astype(np.float64)


def position_seed(seed: int, auc) -> list[dict]:
    """One seed: a log written by a popularity ranker (with position bias); three click models trained on it:
    plain (content features), with the logged position as a feature (served at position 0), and with a
    leaked feature (the item's click rate over the whole log, test impressions included; served with the
    rate of the training impressions). Offline: AUC on held-out logged impressions (with their logged
    features). Online: the true expected clicks per visit when each model ranks fresh slates."""
    feed = make_feed(**FEED, seed=seed)
    log = logged_by_popularity(feed, seed)
    train, test = split_log(log, seed)
    x_train, x_test = (pair_features(feed, part.user_id, part.item_id) for part in (train, test))

    def item_rate(part):  # logit of the item's smoothed click rate in `part`
        rate = _smoothed_rate(part, "item_id", feed.num_items)
        return np.log(rate / (1.0 - rate))

    leaked, honest = item_rate(log), item_rate(train)
    models = {
        "plain": (x_train, x_test, lambda x, users, items: x),
        "position feature": (np.c_[x_train, position_features(train.position)],
                             np.c_[x_test, position_features(test.position)],
                             lambda x, users, items: np.c_[x, np.zeros((len(x), NUM_POSITIONS - 1))]),
        "leaked item rate": (np.c_[x_train, leaked[train.item_id]], np.c_[x_test, leaked[test.item_id]],
                             lambda x, users, items: np.c_[x, honest[items]]),
    }
    users, items = candidate_slate(feed, np.arange(feed.num_users), seed + 37)
    x_slate = pair_features(feed, users.ravel(), items.ravel())
    rows = []
    for name, (fit_x, test_x, serve) in models.items():
        weights = fit_logistic(fit_x, train.click, seed=seed)
        online = logit(weights, serve(x_slate, users.ravel(), items.ravel())).reshape(users.shape)
        rows.append({"seed": seed, "model": name, "offline AUC": auc(test.click, logit(weights, test_x)),
                     "online clicks per visit": slate_value(feed, users, items, online)["clicks"]})
    return rows


# ------------------------------------------------------------------------------------------- cold start
def cold_start_seed(seed: int, new_user_fraction: float = 0.3) -> list[dict]:
    """One seed: a share of the users and of the items never appear in training (new users, new items).
    For the new users' slates (candidates: old and new items), clicks per visit (truth) when ranked by:
    the content model (features only), item popularity (new items get the global rate, a default), and
    at random. Plus the share of new items among the shown ones (exposure: what exploration must give)."""
    feed = make_feed(**FEED, seed=seed)
    rng = np.random.default_rng(seed + 41)
    new_users = rng.random(feed.num_users) < new_user_fraction
    new_items = rng.random(feed.num_items) < new_user_fraction
    log = make_feed_log(feed, NUM_IMPRESSIONS, seed=seed)
    train = log.subset(~new_users[log.user_id] & ~new_items[log.item_id])
    content = fit_logistic(pair_features(feed, train.user_id, train.item_id), train.click, seed=seed)
    popularity = _smoothed_rate(train, "item_id", feed.num_items)  # new items: the global rate (no views)
    users, items = candidate_slate(feed, np.flatnonzero(new_users), seed + 43)
    scorers = {"content model": logit(content, pair_features(feed, users.ravel(), items.ravel())).reshape(users.shape),
               "popularity (default for new items)": popularity[items],
               "random": rng.random(users.shape)}
    rows = []
    for name, scores in scorers.items():
        top = np.argsort(-scores, axis=1, kind="stable")[:, :SLATE]
        rows.append({"seed": seed, "model": name, "clicks per visit": slate_value(feed, users, items, scores)["clicks"],
                     "share of new items shown": float(new_items[np.take_along_axis(items, top, 1)].mean())})
    return rows
