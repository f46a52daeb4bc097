from statistics import NormalDist
import numpy as np
FUSION_KINDS = ("product", "sum")


def _check_labels(labels):
    if not np.all((labels == 0) | (labels == 1)):
        raise ValueError("labels must be 0 or 1")
    return labels == 1


def auc(labels, scores):
    labels = np.asarray(labels)
    scores = np.asarray(scores, dtype=np.float32)
    if labels.ndim != 1 or scores.ndim != 1 or labels.shape != scores.shape:
        raise ValueError("labels and scores must be 1-D of one length")
    positives = _check_labels(labels)
    n_pos = int(positives.sum())
    n_neg = labels.size - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("need both classes")
    order = np.argsort(scores, kind="stable")
    s = scores[order]
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    ends = np.r_[starts[1:], s.size]
    avg = (starts + ends + 1) / 2.0
    ranks = np.empty(s.size)
    ranks[order] = np.repeat(avg, ends - starts)
    u = ranks[positives].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def gauc(labels, scores, users):
    labels = np.asarray(labels)
    scores = np.asarray(scores, dtype=float)
    users = np.asarray(users)
    if labels.ndim != 1 or scores.shape != labels.shape or users.shape != labels.shape:
        raise ValueError("arrays must be 1-D of one length")
    positives = _check_labels(labels)
    _, idx = np.unique(users, return_inverse=True)
    idx = idx.ravel()
    order = np.argsort(idx, kind="stable")
    bounds = np.flatnonzero(np.diff(idx[order])) + 1
    values, weights = [], []
    for rows in np.split(order, bounds):
        p = positives[rows]
        if p.all() or not p.any():
            continue
        values.append(auc(p, scores[rows]))
        weights.append(rows.size)
    if not values:
        raise ValueError("no user has both classes")
    return float(np.average(values, weights=weights))


def fuse_scores(logits, weights, kind="product", negative_rates=None):
    if kind not in FUSION_KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    if not logits:
        raise ValueError("no tasks")
    if set(weights) != set(logits):
        raise ValueError("weights must have the keys of logits")
    rates = dict(negative_rates or {})
    for task, r in rates.items():
        if task not in logits:
            raise ValueError(f"unknown task {task!r}")
        if not (0 < r <= 1):
            raise ValueError("rate outside (0, 1]")
    arrays = {t: np.asarray(x, dtype=float) for t, x in logits.items()}
    n = None
    for x in arrays.values():
        if x.ndim != 1 or (n is not None and x.shape[0] != n):
            raise ValueError("logits must be 1-D of one length")
        n = x.shape[0]
    total = np.zeros(n)
    for task, x in arrays.items():
        if task in rates:
            x = x + np.log(rates[task])
        w = weights[task]
        if kind == "product":
            total = total + w * (-np.logaddexp(0.0, -x))
        else:
            total = total + w * np.exp(-np.logaddexp(0.0, -x))
    return np.exp(total) if kind == "product" else total


def _arm(clicks, views):
    c = np.asarray(clicks, dtype=float)
    v = np.asarray(views, dtype=float)
    if c.ndim != 1 or v.ndim != 1 or c.shape != v.shape:
        raise ValueError("clicks and views must be 1-D of one length")
    if c.size < 2:
        raise ValueError("an arm needs at least 2 users")
    if (c < 0).any() or (v < 0).any():
        raise ValueError("negative count")
    if v.sum() <= 0:
        raise ValueError("an arm has no views")
    n = c.size
    r = c.sum() / v.sum()
    cov = np.cov(c, v)
    var = (cov[0, 0] - 2 * r * cov[0, 1] + r * r * cov[1, 1]) / (n * v.mean() ** 2)
    return r, var


def ab_test(clicks_a, views_a, clicks_b, views_b, confidence=0.95):
    if not (0 < confidence < 1):
        raise ValueError("confidence must be strictly between 0 and 1")
    ra, va = _arm(clicks_a, views_a)
    rb, vb = _arm(clicks_b, views_b)
    if ra == 0:
        raise ValueError("arm a has no clicks")
    z = NormalDist().inv_cdf((1 + confidence) / 2)
    lift = rb / ra - 1
    var = vb / ra ** 2 + rb ** 2 * va / ra ** 4
    se = float(np.sqrt(max(var, 0.0)))
    return {"ctr_a": float(ra), "ctr_b": float(rb), "lift": float(lift),
            "low": float(lift - z * se), "high": float(lift + z * se)}
