"""mtlrec.metrics against slow, literal implementations of each definition (the formula in each comment)."""

import itertools

import numpy as np
import pytest

from mtlrec import metrics

rng = np.random.default_rng(7)


def brute_auc(y, s):
    # AUC = P(s+ > s-) + 0.5 P(s+ = s-) over all positive-negative pairs
    pos, neg = s[y == 1], s[y == 0]
    wins = sum((p > n) + 0.5 * (p == n) for p, n in itertools.product(pos, neg))
    return wins / (len(pos) * len(neg))


@pytest.mark.parametrize("trial", range(5))
def test_auc_matches_pairwise_definition_with_ties(trial):
    y = rng.integers(0, 2, 60)
    y[:2] = [0, 1]
    s = np.round(rng.random(60), 1)  # rounding creates ties
    assert metrics.auc(y, s) == pytest.approx(brute_auc(y, s), abs=1e-12)


def test_auc_edge_cases():
    assert metrics.auc([0, 1], [0.1, 0.9]) == 1.0
    assert metrics.auc([0, 1], [0.9, 0.1]) == 0.0
    assert metrics.auc([0, 1, 0, 1], [0.5] * 4) == 0.5
    with pytest.raises(ValueError, match="one class"):
        metrics.auc([1, 1, 1], [0.2, 0.3, 0.4])
    with pytest.raises(ValueError, match="empty"):
        metrics.auc([], [])
    with pytest.raises(ValueError, match="3 values"):
        metrics.auc([0, 1, 1], [0.1, 0.2])


def test_log_loss_rmse_mae_formulas():
    y = rng.integers(0, 2, 50).astype(float)
    p = rng.uniform(0.01, 0.99, 50)
    # log loss = -mean(y log p + (1 - y) log(1 - p))
    expected = -sum(t * np.log(q) + (1 - t) * np.log(1 - q) for t, q in zip(y, p)) / 50
    assert metrics.log_loss(y, p) == pytest.approx(expected)
    assert np.isfinite(metrics.log_loss([1, 0], [0.0, 1.0]))  # clipped, not infinite
    a, b = rng.normal(size=40), rng.normal(size=40)
    assert metrics.rmse(a, b) == pytest.approx(np.sqrt(sum((x - z) ** 2 for x, z in zip(a, b)) / 40))
    assert metrics.mae(a, b) == pytest.approx(sum(abs(x - z) for x, z in zip(a, b)) / 40)
    for function in (metrics.log_loss, metrics.rmse, metrics.mae):
        with pytest.raises(ValueError, match="empty"):
            function([], [])


def brute_ranking(relevance, scores, k):
    # per user with a relevant item: sort by score (stable), take k; precision = hits / k,
    # recall = hits / relevant, NDCG = sum (2^rel - 1) / log2(rank + 1) over the ideal order's sum
    precisions, recalls, ndcgs = [], [], []
    for rel, score in zip(relevance, scores):
        if rel.sum() == 0:
            continue
        kk = min(k, len(rel))
        order = sorted(range(len(rel)), key=lambda j: -score[j])[:kk]
        hits = sum(rel[j] > 0 for j in order)
        precisions.append(hits / kk)
        recalls.append(hits / sum(r > 0 for r in rel))
        dcg = sum((2 ** rel[j] - 1) / np.log2(rank + 2) for rank, j in enumerate(order))
        ideal = sorted(rel, reverse=True)[:kk]
        idcg = sum((2 ** r - 1) / np.log2(rank + 2) for rank, r in enumerate(ideal))
        ndcgs.append(dcg / idcg)
    return np.mean(precisions), np.mean(recalls), np.mean(ndcgs)


@pytest.mark.parametrize("k", [1, 3, 10, 50])  # 50 > the 12 items: clipped to 12
def test_ranking_metrics_match_definitions(k):
    relevance = (rng.random((20, 12)) < 0.3) * rng.integers(1, 4, (20, 12))
    relevance[0] = 0  # a user with nothing relevant is left out
    scores = rng.random((20, 12))
    precision, recall, ndcg = brute_ranking(relevance, scores, k)
    assert metrics.precision_at_k(relevance, scores, k) == pytest.approx(precision)
    assert metrics.recall_at_k(relevance, scores, k) == pytest.approx(recall)
    assert metrics.ndcg_at_k(relevance, scores, k) == pytest.approx(ndcg)


def test_ranking_edge_cases():
    perfect = np.eye(4)
    assert metrics.ndcg_at_k(perfect, perfect, 1) == 1.0
    with pytest.raises(ValueError, match="no user"):
        metrics.recall_at_k(np.zeros((3, 4)), np.ones((3, 4)), 2)
    with pytest.raises(ValueError, match="k must"):
        metrics.precision_at_k(perfect, perfect, 0)
    with pytest.raises(ValueError, match="empty"):
        metrics.ndcg_at_k(np.zeros((0, 3)), np.zeros((0, 3)), 2)


def brute_f1(t, p):
    # F1 = 2 TP / (2 TP + FP + FN), 0 when the denominator is 0
    tp = sum(a and b for a, b in zip(t, p))
    fp = sum((not a) and b for a, b in zip(t, p))
    fn = sum(a and (not b) for a, b in zip(t, p))
    return 2 * tp / (2 * tp + fp + fn) if (2 * tp + fp + fn) else 0.0


def test_multilabel_metrics_match_definitions():
    t = rng.random((30, 5)) < 0.3
    p = rng.random((30, 5)) < 0.3
    t[:, 4] = False
    p[:, 4] = False  # a label never true nor predicted: F1 0 for that label
    assert metrics.micro_f1(t, p) == pytest.approx(brute_f1(t.ravel(), p.ravel()))
    assert metrics.macro_f1(t, p) == pytest.approx(np.mean([brute_f1(t[:, j], p[:, j]) for j in range(5)]))
    assert metrics.hamming_loss(t, p) == pytest.approx(sum(a != b for a, b in zip(t.ravel(), p.ravel())) / t.size)
    assert metrics.micro_f1(np.zeros((2, 2)), np.zeros((2, 2))) == 0.0
    with pytest.raises(ValueError, match="shape"):
        metrics.hamming_loss(np.zeros((2, 3)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="empty"):
        metrics.macro_f1([], [])


def test_expected_auc_is_auc_on_labels_and_the_mean_of_sampled_aucs():
    rng = np.random.default_rng(0)
    labels, scores = rng.integers(0, 2, 300).astype(float), rng.normal(size=300).round(1)  # ties included
    assert metrics.expected_auc(labels, scores) == pytest.approx(metrics.auc(labels, scores), abs=1e-12)
    probability = rng.uniform(0.05, 0.95, 60)
    score = probability + rng.normal(0, 0.2, 60)
    sampled = [metrics.auc(labels, score) for labels in (rng.random((4000, 60)) < probability).astype(float)
               if 0 < labels.sum() < 60]
    assert metrics.expected_auc(probability, score) == pytest.approx(np.mean(sampled), abs=0.005)
    with pytest.raises(ValueError):
        metrics.expected_auc([0.5, 1.5], [0.1, 0.2])


# ------------------------------------------------- ranking metrics: MRR, and the course against Keras-RS
def brute_mrr(relevance, scores, k):
    # per user with a relevant item: 1 / (1-based rank of the first relevant item in the top k), else 0
    values = []
    for rel, score in zip(relevance, scores):
        if rel.sum() == 0:
            continue
        order = sorted(range(len(rel)), key=lambda j: -score[j])[:k]
        values.append(next((1.0 / (rank + 1) for rank, j in enumerate(order) if rel[j] > 0), 0.0))
    return np.mean(values)


@pytest.mark.parametrize("k", [1, 3, 12, 50])
def test_mean_reciprocal_rank_matches_definition(k):
    relevance = (rng.random((25, 12)) < 0.2) * 1.0
    relevance[0] = 0  # left out
    scores = rng.random((25, 12))
    assert metrics.mean_reciprocal_rank(relevance, scores, k) == pytest.approx(brute_mrr(relevance, scores, k))
    if k >= 12:
        assert metrics.mean_reciprocal_rank(relevance, scores) == pytest.approx(brute_mrr(relevance, scores, 12))


def test_negative_relevance_is_rejected_by_every_ranking_metric():
    relevance = np.array([[1.0, -1.0, 0.0]])
    for function in (metrics.precision_at_k, metrics.recall_at_k, metrics.ndcg_at_k, metrics.mean_reciprocal_rank):
        with pytest.raises(ValueError, match="padding"):
            function(relevance, np.array([[0.3, 0.2, 0.1]]), 2)


def keras_rs_value(metric_class, relevance, scores, k, **options):
    """One Keras-RS ranking metric over the whole matrix (float32 inside)."""
    import keras_rs

    metric = metric_class(k=k, **options)
    metric.update_state(np.asarray(relevance, np.float32), np.asarray(scores, np.float32))
    return float(metric.result())


def keras_rs_metrics():
    import keras_rs

    return {"recall": (metrics.recall_at_k, keras_rs.metrics.RecallAtK),
            "ndcg": (metrics.ndcg_at_k, keras_rs.metrics.NDCG),
            "mrr": (metrics.mean_reciprocal_rank, keras_rs.metrics.MeanReciprocalRank)}


@pytest.mark.parametrize("k", [1, 5, 20])
def test_course_ranking_metrics_agree_with_keras_rs_where_the_definitions_agree(k):
    # integer relevance 0..3 (so "> 0" and ">= 1" pick the same items), every user has a relevant
    # item, no negative labels, continuous scores (no ties): the two libraries compute the same thing
    local = np.random.default_rng(11 + k)
    relevance = (local.random((30, 15)) < 0.25) * local.integers(1, 4, (30, 15))
    relevance[np.arange(30), local.integers(0, 15, 30)] = 1
    scores = local.normal(size=(30, 15))
    for name, (course, keras_metric) in keras_rs_metrics().items():
        assert course(relevance, scores, k) == pytest.approx(keras_rs_value(keras_metric, relevance, scores, k),
                                                             abs=1e-5), name


def test_difference_users_with_no_relevant_item_dropped_here_scored_zero_in_keras_rs():
    local = np.random.default_rng(1)
    relevance = (local.random((10, 8)) < 0.3) * 1.0
    relevance[:3] = 0  # three users with nothing relevant
    relevance[3:, 0] = 1
    scores = local.normal(size=(10, 8))
    for name, (course, keras_metric) in keras_rs_metrics().items():
        ours, theirs = course(relevance, scores, 3), keras_rs_value(keras_metric, relevance, scores, 3)
        # Keras-RS averages over all 10 users with 0 for the three: its value is ours x 7 / 10
        assert theirs == pytest.approx(ours * 7 / 10, abs=1e-5), name


def test_difference_relevance_threshold_above_zero_here_at_least_one_in_keras_rs():
    relevance = np.array([[0.5, 0.0, 1.0, 0.0]])  # a half-relevant item (e.g. a scaled rating)
    scores = np.array([[0.9, 0.8, 0.1, 0.0]])
    import keras_rs

    assert metrics.recall_at_k(relevance, scores, 1) == 0.5  # 0.5 counts: one of two relevant items found
    assert keras_rs_value(keras_rs.metrics.RecallAtK, relevance, scores, 1) == 0.0  # 0.5 < 1: not relevant
    assert metrics.mean_reciprocal_rank(relevance, scores) == 1.0
    assert keras_rs_value(keras_rs.metrics.MeanReciprocalRank, relevance, scores, 4) == pytest.approx(1 / 3)
    # NDCG uses the gain 2^rel - 1 in both: no threshold, they agree
    assert metrics.ndcg_at_k(relevance, scores, 2) == pytest.approx(
        keras_rs_value(keras_rs.metrics.NDCG, relevance, scores, 2), abs=1e-6)


def test_difference_negative_label_is_an_error_here_padding_in_keras_rs():
    import keras_rs

    relevance = np.array([[0.0, -1.0, 1.0, 0.0]])
    scores = np.array([[0.9, 0.8, 0.7, 0.1]])
    with pytest.raises(ValueError, match="padding"):
        metrics.recall_at_k(relevance, scores, 2)
    # Keras-RS removes the -1 item from the list: the same as the course on the list without it
    kept = [0, 2, 3]
    for name, (course, keras_metric) in keras_rs_metrics().items():
        assert keras_rs_value(keras_metric, relevance, scores, 2) == pytest.approx(
            course(relevance[:, kept], scores[:, kept], 2), abs=1e-6), name


def test_difference_ties_keep_column_order_here_shuffled_in_keras_rs():
    import keras_rs

    relevance = np.array([[0.0, 0.0, 0.0, 1.0]])  # the relevant item is the last column
    tied = np.zeros((1, 4))  # a model that scores every item the same
    assert metrics.recall_at_k(relevance, tied, 1) == 0.0  # column order: the relevant item ranks last
    assert metrics.mean_reciprocal_rank(relevance, tied) == 0.25
    # Keras-RS breaks ties at random; in 0.4.0 even with shuffle_ties=False, because update_state always
    # passes a mask and sort_by_scores then shuffles (keras-team/keras-rs pull request #205, open)
    for options in ({}, {"shuffle_ties": False}):
        values = {round(keras_rs_value(keras_rs.metrics.MeanReciprocalRank, relevance, tied, 4, seed=seed, **options), 4)
                  for seed in range(12)}
        assert len(values) > 1 and values <= {1.0, 0.5, 0.3333, 0.25}, (options, values)


def test_expected_calibration_error_weighs_each_bin_by_its_rows():
    labels = [0, 0, 1, 1]
    probabilities = [0.15, 0.15, 0.15, 0.95]
    # bin [0.1, 0.2): predictions sum to 0.45, 1 positive -> |0.45 - 1| = 0.55; bin [0.9, 1]: |0.95 - 1| = 0.05;
    # the sum of the per-bin gaps over all 4 rows is the row-weighted mean |mean prediction - positive rate|
    assert metrics.expected_calibration_error(labels, probabilities) == pytest.approx((0.55 + 0.05) / 4)
    assert metrics.expected_calibration_error([0, 1], [0.0, 1.0]) == pytest.approx(0.0)
    assert metrics.expected_calibration_error([1, 1], [1.0, 1.0], bins=5) == pytest.approx(0.0)
