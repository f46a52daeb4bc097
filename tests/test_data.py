"""mtlrec.data: shapes, determinism, the known truth, task correlation, splits without leakage, errors."""

import numpy as np
import pytest

from mtlrec import data


@pytest.fixture(scope="module")
def interactions():
    return data.make_interactions(num_users=300, num_items=200, num_interactions=8000, seed=3)


def test_shapes_ranges_and_no_repeated_pairs(interactions):
    d = interactions
    assert len(d) == 8000 and d.num_users == 300 and d.num_items == 200
    assert d.user_features.shape == (300, 16) and d.item_features.shape == (200, 16)
    assert set(np.unique(d.click)) <= {0.0, 1.0}
    assert set(np.unique(d.rating)) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    np.testing.assert_allclose(d.rating_scaled, (d.rating - 1) / 4)
    assert len(np.unique(d.user_id.astype(np.int64) * d.num_items + d.item_id)) == len(d)
    assert np.all(d.item_genres.sum(axis=1) >= 1)
    assert len(np.unique(d.user_id)) == d.num_users  # every user has an interaction
    assert d.density == pytest.approx(8000 / 60000)


def test_same_seed_same_data_other_seed_other_data():
    a = data.make_interactions(100, 80, 1500, seed=1)
    b = data.make_interactions(100, 80, 1500, seed=1)
    c = data.make_interactions(100, 80, 1500, seed=2)
    np.testing.assert_array_equal(a.user_id, b.user_id)
    np.testing.assert_array_equal(a.rating, b.rating)
    assert not np.array_equal(a.click, c.click)


def test_truth_drives_the_targets(interactions):
    d = interactions
    affinity = np.einsum("nd,nd->n", d.user_factors[d.user_id], d.item_factors[d.item_id])
    assert np.corrcoef(affinity, d.click)[0, 1] > 0.3  # clicks follow the latent affinity
    assert np.corrcoef(affinity, d.rating)[0, 1] > 0.3
    # content features reveal the factors: a least-squares map recovers most of their variance
    coef, *_ = np.linalg.lstsq(d.item_features, d.item_factors, rcond=None)
    explained = 1 - np.var(d.item_features @ coef - d.item_factors) / np.var(d.item_factors)
    assert explained > 0.3


def test_task_correlation_knob_orders_click_rating_correlation():
    def corr(rho):
        d = data.make_interactions(400, 300, 20000, task_correlation=rho, noise=0.1, seed=0)
        return np.corrcoef(d.click_probability, d.rating)[0, 1]

    low, high = corr(0.0), corr(1.0)
    assert high > low + 0.3, (low, high)


def test_genres_are_imbalanced(interactions):
    frequency = interactions.item_genres.mean(axis=0)
    assert frequency[0] > 2 * frequency[-1]


def test_generates_100k_interactions_fast():
    import time

    start = time.perf_counter()
    d = data.make_interactions(num_users=2000, num_items=1000, num_interactions=100_000, seed=0)
    assert len(d) == 100_000
    assert time.perf_counter() - start < 3.0  # typically 0.25 s here; generous for slow CI


def test_mmoe_tasks_follow_the_cosine():
    x, y1, y2 = data.make_mmoe_tasks(4000, task_correlation=1.0, seed=0)
    assert x.shape == (4000, 100) and y1.shape == (4000,)
    assert np.corrcoef(y1, y2)[0, 1] > 0.95  # identical weights: only the noise differs
    label_corr = [np.corrcoef(*data.make_mmoe_tasks(4000, p, seed=0)[1:])[0, 1] for p in (0.0, 0.5, 0.9)]
    assert label_corr[0] < label_corr[1] < label_corr[2]


def test_cross_domain_shares_users_and_is_sparse_in_target():
    cd = data.make_cross_domain(num_users=200, source_interactions=8000, target_interactions=600, seed=0)
    assert cd.source.num_users == cd.target.num_users == 200
    assert len(cd.target) < len(cd.source) / 5
    np.testing.assert_array_equal(cd.source.user_features, cd.target.user_features)
    same = data.make_cross_domain(num_users=200, source_interactions=8000, target_interactions=600,
                                  domain_similarity=1.0, seed=0)
    np.testing.assert_allclose(same.target.user_factors, same.source.user_factors, atol=1e-6)


def pair_keys(d):
    return set(zip(d.user_id.tolist(), d.item_id.tolist()))


def test_random_split_partitions_without_leakage(interactions):
    train, test = data.split_random(interactions, 0.25, seed=0)
    assert len(train) + len(test) == len(interactions)
    assert not pair_keys(train) & pair_keys(test)
    assert 0.2 < len(test) / len(interactions) < 0.3


def test_user_split_keeps_every_test_user_in_train(interactions):
    train, test = data.split_by_user(interactions, 0.2, seed=0)
    assert len(train) + len(test) == len(interactions)
    assert not pair_keys(train) & pair_keys(test)
    assert set(test.user_id) <= set(train.user_id)
    per_user = np.bincount(test.user_id, minlength=300) / np.bincount(interactions.user_id, minlength=300)
    assert np.median(per_user) == pytest.approx(0.2, abs=0.07)


def test_cold_item_split_holds_items_out_entirely(interactions):
    train, test = data.split_cold_items(interactions)
    assert len(train) + len(test) == len(interactions)
    assert not set(train.item_id) & set(test.item_id)
    assert set(test.item_id) <= set(interactions.cold_items)
    with pytest.raises(ValueError, match="cold_item_fraction"):
        data.split_cold_items(data.make_interactions(50, 40, 300, cold_item_fraction=0.0))


@pytest.mark.parametrize("kwargs, name", [
    (dict(num_users=1), "num_users"),
    (dict(num_users=10, num_items=10, num_interactions=90), "num_interactions"),
    (dict(task_correlation=1.5), "task_correlation"),
    (dict(noise=-1), "noise"),
    (dict(cold_item_fraction=0.95), "cold_item_fraction"),
    (dict(seed=-3), "seed"),
    (dict(num_genres=2.5), "num_genres"),
])
def test_invalid_arguments_name_the_parameter_and_range(kwargs, name):
    with pytest.raises(ValueError, match=rf"{name} must be .*(\[|>=)"):
        data.make_interactions(**kwargs)


def test_invalid_split_and_task_arguments():
    d = data.make_interactions(50, 40, 300)
    with pytest.raises(ValueError, match="test_fraction"):
        data.split_random(d, 1.0)
    with pytest.raises(ValueError, match="task_correlation"):
        data.make_mmoe_tasks(100, task_correlation=2.0)
    with pytest.raises(ValueError, match="domain_similarity"):
        data.make_cross_domain(domain_similarity=-0.1)


# ------------------------------------------------------------------------------ notebooks 08 and 10
def test_funnel_truth_and_the_bias_it_is_built_for():
    funnel = data.make_funnel(400, 300, 20_000, conversion_rate=0.1, seed=3)
    assert len(funnel) == 20_000
    assert np.all(funnel.conversion <= funnel.click), "a conversion is observed only after a click"
    assert abs(funnel.conversion_probability.mean() - 0.1) < 0.01  # the sparsity knob: mean true CVR
    # the observed click rate and the conversion rate among clicks follow the known probabilities
    assert abs(funnel.click.mean() - funnel.click_probability.mean()) < 0.01
    clicked = funnel.click == 1
    assert abs(funnel.conversion[clicked].mean() - funnel.conversion_probability[clicked].mean()) < 0.02
    # sample selection bias: the true CVR of clicked impressions differs from that of all impressions
    assert funnel.conversion_probability[clicked].mean() != pytest.approx(funnel.conversion_probability.mean(), abs=0.005)
    again = data.make_funnel(400, 300, 20_000, conversion_rate=0.1, seed=3)
    assert np.array_equal(funnel.conversion, again.conversion)


def test_loss_scale_and_conflicting_tasks_truth():
    tasks = data.make_loss_scale_tasks(4000, watch_scale=30.0, watch_noise=0.5, seed=1)
    residual = tasks["watch_time"] - tasks["expected_watch_time"]
    assert residual.std() == pytest.approx(30.0 * 0.5, rel=0.05)  # the documented best squared error
    assert abs(tasks["click"].mean() - tasks["click_probability"].mean()) < 0.03
    conflicting = data.make_conflicting_tasks(4000, task_correlation=-0.8, noise_std=0.3, seed=1)
    assert (conflicting["target_a"] - conflicting["expected_a"]).std() == pytest.approx(0.3, rel=0.05)
    for signal in ("expected_a", "expected_b"):  # standardised, as documented
        assert conflicting[signal].mean() == pytest.approx(0.0, abs=1e-3)
        assert conflicting[signal].std() == pytest.approx(1.0, rel=1e-3)
    with pytest.raises(ValueError, match="watch_scale"):
        data.make_loss_scale_tasks(100, watch_scale=0.0)


# ------------------------------------------------------------------------------------------ notebook 11
def test_sequence_world_shapes_order_and_cold_items():
    world = data.make_sequence_world(num_items=60, num_source=400, num_target=800, source_length=8,
                                     history_length=5, seed=4)
    assert world.source_sequences.shape == (400, 8) and world.target_sequences().shape == (800, 6)
    assert world.source_last_probability.shape == (400, 60)
    np.testing.assert_allclose(world.source_last_probability.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(world.target_sequences()[:, -1], world.target_candidate)  # candidate last
    # no item twice in a sequence; cold items never in a sequence, but they are candidates
    assert all(len(set(row)) == len(row) for row in world.source_sequences)
    assert not np.isin(world.source_sequences, world.cold_items).any()
    assert not np.isin(world.target_history, world.cold_items).any()
    assert 0.05 < world.candidate_is_cold.mean() < 0.4
    # the last item was drawn from the documented distribution: it has positive probability, never a seen item
    rows = np.arange(400)
    assert np.all(world.source_last_probability[rows, world.source_sequences[:, -1]] > 0)
    assert np.all(world.source_last_probability[rows[:, None], world.source_sequences[:, :-1]] == 0)
    again = data.make_sequence_world(num_items=60, num_source=400, num_target=800, source_length=8,
                                     history_length=5, seed=4)
    np.testing.assert_array_equal(world.source_sequences, again.source_sequences)
    np.testing.assert_array_equal(world.click, again.click)
    sub = world.subset(world.candidate_is_cold)
    assert len(sub) == int(world.candidate_is_cold.sum()) and sub.candidate_is_cold.all()


def test_sequence_world_tastes_drive_sequences_and_labels():
    world = data.make_sequence_world(num_items=100, num_source=1500, num_target=3000, seed=2)
    # the items a user consumed match their taste better than random items do
    taste_fit = np.einsum("nd,ntd->nt", world.source_user_factors, world.item_factors[world.source_sequences])
    assert taste_fit.mean() > 0.1 > abs((world.source_user_factors @ world.item_factors.T).mean())
    # the truth's top 10 contains the actual last item far more often than the 10 most popular items do
    top = np.argsort(-world.source_last_probability, axis=1)[:, :10]
    truth_recall = (top == world.source_sequences[:, -1:]).any(axis=1).mean()
    popular = np.argsort(-np.bincount(world.source_sequences[:, :-1].ravel(), minlength=100))[:10]
    assert truth_recall > 2 * np.isin(world.source_sequences[:, -1], popular).mean()
    # clicks follow the known probability; a taste estimated from the history predicts them
    assert abs(world.click.mean() - world.click_probability.mean()) < 0.03
    affinity = np.einsum("nd,nd->n", world.target_user_factors, world.item_factors[world.target_candidate])
    assert np.corrcoef(affinity, world.click)[0, 1] > 0.2 and np.corrcoef(affinity, world.rating)[0, 1] > 0.2
    estimate = world.item_factors[world.target_history].mean(axis=1)
    assert np.corrcoef(estimate.ravel(), world.target_user_factors.ravel())[0, 1] > 0.3
    np.testing.assert_allclose(world.rating_scaled, (world.rating - 1) / 4)


def test_sequence_world_invalid_arguments():
    with pytest.raises(ValueError, match="warm items"):
        data.make_sequence_world(num_items=10, source_length=11)
    with pytest.raises(ValueError, match="order_strength"):
        data.make_sequence_world(order_strength=-1.0)
