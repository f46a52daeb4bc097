"""mtlrec.lessons.retrieval (two towers with Keras-RS) and mtlrec.lessons.serving (parameters, FLOPs, latency)
against literal computations; the Keras-RS 0.4.0 behaviour the lesson works around, pinned."""

import importlib

import numpy as np
import pytest


class _OnFirstUse:
    """A module imported when first used: a learner's plain `pytest` collects this file only to deselect it,
    and must not pay for importing TensorFlow."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attribute):
        if attribute.startswith("_"):  # pytest's collection looks for fixture markers: no import for those
            raise AttributeError(attribute)
        return getattr(importlib.import_module(self._name), attribute)


keras, keras_rs = _OnFirstUse("keras"), _OnFirstUse("keras_rs")
retrieval, serving = _OnFirstUse("mtlrec.lessons.retrieval"), _OnFirstUse("mtlrec.lessons.serving")


def tiny_world():
    from mtlrec import data

    return data.make_interactions(num_users=30, num_items=20, num_interactions=300, seed=4)


def test_remove_accidental_hits_of_keras_rs_0_4_changes_nothing():
    # keras-team/keras-rs pull request #206: the layer adds ~1e-40 to the accidental hits' logits. When this
    # test fails, Keras-RS has fixed it and the lesson can use the layer instead of mask_accidental_hits.
    logits = np.array([[1.0, 2.0, 3.0], [0.5, 0.5, 0.5]], np.float32)
    labels = np.eye(2, 3, dtype=np.float32)
    out = np.asarray(keras_rs.layers.RemoveAccidentalHits()(logits, labels, np.array([7, 9, 7], np.int32)))
    np.testing.assert_array_equal(out, logits)


def test_mask_accidental_hits_masks_only_other_rows_holding_the_same_item():
    logits = np.arange(16, dtype=np.float32).reshape(4, 4)
    out = np.asarray(retrieval.mask_accidental_hits(logits, np.array([5, 6, 5, 7])))
    expected = logits.copy()
    expected[0, 2] = expected[2, 0] = retrieval.MASKED_LOGIT
    np.testing.assert_array_equal(out, expected)


def test_two_tower_loss_is_the_weighted_in_batch_softmax_plus_squared_error():
    d = tiny_world()
    keras.utils.set_random_seed(0)
    model = retrieval.build_two_tower(d, log_q_correction=True, retrieval_weight=0.7, rating_weight=2.0)
    batch = d.subset(slice(0, 8))
    inputs, y = retrieval.model_inputs(batch), retrieval.targets(batch, probability=retrieval.item_probability(d))
    outputs = model(inputs)
    loss = float(model.compute_loss(x=inputs, y=y, y_pred=outputs))
    # literal: logits_ij = q_i . c_j - log q_j, accidental hits masked, cross-entropy of row i to column i,
    # averaged over the clicked rows; plus the mean squared error of the scaled rating
    q, c = np.asarray(outputs["query"], np.float64), np.asarray(outputs["candidate"], np.float64)
    logits = q @ c.T - np.log(y["candidate_probability"].reshape(1, -1))
    items = inputs["item_id"]
    logits[(items[:, None] == items[None, :]) & ~np.eye(8, dtype=bool)] = -1e9
    cross_entropy = -np.diag(logits) + np.log(np.exp(logits).sum(axis=1))
    clicked = y["positive"].reshape(-1)
    expected = 0.7 * (cross_entropy * clicked).sum() / max(clicked.sum(), 1.0) + 2.0 * np.mean(
        (y["rating"] - np.asarray(outputs["rating"])) ** 2)
    assert loss == pytest.approx(expected, rel=1e-4)
    assert q.shape == (8, retrieval.EMBEDDING_DIM + 1)  # the item-bias column


def test_brute_force_retrieval_returns_the_best_scoring_items():
    d = tiny_world()
    keras.utils.set_random_seed(1)
    model = retrieval.build_two_tower(d)
    query, candidate = retrieval.all_embeddings(model, d)
    top = retrieval.top_k_items(model, d, [0, 5, 9], k=4)
    expected = np.argsort(-(query[[0, 5, 9]] @ candidate.T), axis=1)[:, :4]
    np.testing.assert_array_equal(np.sort(top, axis=1), np.sort(expected, axis=1))


def test_recall_unseen_never_counts_training_items_and_popularity_scores_clicks():
    d = tiny_world()
    from mtlrec import data

    train, test = data.split_by_user(d, 0.3, seed=0)
    popularity = retrieval.popularity_scores(train)
    counts = np.bincount(train.item_id[train.click > 0.5], minlength=d.num_items)
    np.testing.assert_array_equal(popularity[3], counts)
    assert 0.0 <= retrieval.recall_unseen(popularity, train, test, 5) <= 1.0
    assert retrieval.recall_unseen(retrieval.held_out_clicks(test), train, test, d.num_items) == 1.0


def test_flops_and_parameters_follow_the_layer_shapes():
    d, e, u, t, tasks = 64, 3, 16, 8, 2
    bottom = serving.build_shared_bottom(d, num_tasks=tasks, bottom_units=(32, u), tower_units=t)
    assert serving.flops_per_candidate(bottom) == 2 * (d * 32 + 32 * u + tasks * (u * t + t))
    mmoe = serving.build_mmoe(d, num_tasks=tasks, num_experts=e, expert_units=u, tower_units=t)
    mmoe(np.zeros((1, d), np.float32))
    experts, gates, mixing, towers = d * e * u, tasks * d * e, tasks * e * u, tasks * (u * t + t)
    assert serving.flops_per_candidate(mmoe) == 2 * (experts + gates + mixing + towers)
    assert mmoe.count_params() == (d * e * u + e * u) + tasks * (d * e + e) + tasks * (u * t + t + t + 1)
    cgc = serving.build_cgc(d, num_tasks=tasks, num_shared_experts=2, num_task_experts=1, expert_units=u, tower_units=t)
    cgc(np.zeros((1, d), np.float32))
    per_task_experts = 2 + 1  # each task's gate mixes the 2 shared experts and its own one
    assert serving.flops_per_candidate(cgc) == 2 * (d * (2 + tasks * 1) * u + tasks * (d * per_task_experts + per_task_experts * u) + towers)


def test_latency_reports_the_median_and_spread_of_repeated_traced_calls():
    model = serving.build_mmoe(32, num_tasks=2, num_experts=2, expert_units=8, tower_units=4)
    timing = serving.latency(model, 50, warmup=1, repeats=4)
    assert timing["repeats"] == 4 and 0 < timing["p10_ms"] <= timing["median_ms"] <= timing["p90_ms"]
