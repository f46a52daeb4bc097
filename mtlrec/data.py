"""Synthetic recommender data with a known truth (numpy only, offline, deterministic by seed).

Every lesson trains on these generators, so a model's quality can be compared with the truth that
made the data: the latent user and item factors (the collaborative signal), the content features
that partly reveal them, and two correlated targets per interaction (click and rating).

Generative story of `make_interactions` (all draws from one `numpy.random.Generator(seed)`):

    user_factors  u_i ~ N(0, I / latent_dim)            item_factors v_j ~ N(0, I / latent_dim)
    user_features = u_i A + content_noise * e            item_features = v_j B + content_noise * e
    affinity      s_ij = sqrt(latent_dim) * u_i . v_j    (standardised collaborative signal)
    other         t_ij = sqrt(latent_dim) * u_i M v_j    (a second, independent user-item signal)
    rating_signal r_ij = rho * s_ij + sqrt(1 - rho^2) * t_ij          rho = task_correlation
    click         ~ Bernoulli(sigmoid(2 s_ij + user_bias + item_bias - 0.5 + noise))
    rating        = clip(round(3 + 1.1 r_ij + noise), 1, 5);   rating_scaled = (rating - 1) / 4
    item_genres   = multi-hot, genre g on with probability sigmoid(4 v_j . G_g + genre_bias_g),
                    genre_bias falling with g so the later genres are rare (label imbalance)

Which users meet which items is drawn with popularity skew (a few items and users are busy), without
repeated pairs. A share of items is flagged cold-start: `split_cold_items` holds all their
interactions out of training.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import numpy as np

__all__ = [
    "Interactions",
    "CrossDomain",
    "make_interactions",
    "make_mmoe_tasks",
    "make_loss_scale_tasks",
    "make_conflicting_tasks",
    "make_cross_domain",
    "Funnel",
    "make_funnel",
    "Feed",
    "FeedLog",
    "make_feed",
    "make_feed_log",
    "SequenceWorld",
    "make_sequence_world",
    "split_random",
    "split_by_user",
    "split_cold_items",
    "MovieLensError",
    "load_movielens",
]


# --------------------------------------------------------------------------------------- checks
def _check_int(name: str, value, low: int, high: int | None = None) -> int:
    """Raise ValueError naming the parameter unless low <= value (<= high)."""
    allowed = f"an integer in [{low}, {high}]" if high is not None else f"an integer >= {low}"
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    if value < low or (high is not None and value > high):
        raise ValueError(f"{name} must be {allowed}, got {value}")
    return int(value)


def _check_float(name: str, value, low: float, high: float, *, high_open: bool = False) -> float:
    """Raise ValueError naming the parameter unless low <= value <= high (or < high)."""
    bracket = ")" if high_open else "]"
    allowed = f"a number in [{low}, {high}{bracket}"
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be {allowed}, got {value!r}") from None
    if not np.isfinite(number) or number < low or number > high or (high_open and number >= high):
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    return number


# ------------------------------------------------------------------------------------ containers
@dataclass
class Interactions:
    """One table of user-item interactions plus the user/item side tables they index into.

    Per interaction (length n): user_id, item_id, click (0/1), rating (1..5), rating_scaled (0..1).
    Side tables: user_features (num_users, user_feature_dim), item_features (num_items,
    item_feature_dim), item_genres (num_items, num_genres) multi-hot.
    Known truth: user_factors, item_factors (latent_dim), click_probability per interaction,
    cold_items (item ids flagged cold-start). Used from notebook 00 on.
    """

    user_id: np.ndarray
    item_id: np.ndarray
    click: np.ndarray
    rating: np.ndarray
    rating_scaled: np.ndarray
    click_probability: np.ndarray
    user_features: np.ndarray
    item_features: np.ndarray
    item_genres: np.ndarray
    user_factors: np.ndarray
    item_factors: np.ndarray
    cold_items: np.ndarray
    meta: dict = field(default_factory=dict)

    _PER_ROW = ("user_id", "item_id", "click", "rating", "rating_scaled", "click_probability")

    def __len__(self) -> int:
        return int(self.user_id.shape[0])

    @property
    def num_users(self) -> int:
        return int(self.user_features.shape[0])

    @property
    def num_items(self) -> int:
        return int(self.item_features.shape[0])

    @property
    def density(self) -> float:
        """Share of the user x item matrix that is observed."""
        return len(self) / (self.num_users * self.num_items)

    @property
    def genre_engagement(self) -> np.ndarray:
        """(n, num_genres) float32 multi-label targets: 1 where the interaction is a click on an item of
        that genre (the multi-label task of notebooks 02 and 07 and of ex07's checks)."""
        return (self.click[:, None] * self.item_genres[self.item_id]).astype(np.float32)

    def subset(self, rows) -> "Interactions":
        """The interactions at `rows` (indices, a boolean mask or a slice); side tables are shared."""
        rows = rows if isinstance(rows, slice) else np.asarray(rows)
        return replace(self, **{name: getattr(self, name)[rows] for name in self._PER_ROW})

    def model_inputs(self) -> dict:
        """The dict of model inputs used from notebook 01 on: ids and the rows' content features."""
        return {
            "user_id": self.user_id,
            "item_id": self.item_id,
            "user_features": self.user_features[self.user_id],
            "item_features": self.item_features[self.item_id],
        }

    def to_frame(self):
        """A pandas DataFrame of the per-interaction columns (notebook 00's tour)."""
        import pandas as pd

        return pd.DataFrame({name: getattr(self, name) for name in self._PER_ROW})


@dataclass
class CrossDomain:
    """Two domains that share their users: a rich `source` and a sparse `target` (notebook 02)."""

    source: Interactions
    target: Interactions
    domain_similarity: float


@dataclass
class Funnel:
    """Impressions -> click -> conversion, with the truth of every impression known (notebook 08, ESMM).

    Per impression (length n): user_id, item_id, click (0/1) and conversion (0/1). A conversion is
    observed only after a click, so conversion is 1 only on clicked impressions; an unclicked
    impression has conversion 0 whatever it would have done. Known truth, for EVERY impression,
    clicked or not: click_probability = p(click | impression) (the true CTR) and
    conversion_probability = p(convert | click, impression) (the true CVR: what the impression would
    convert at if it were clicked). Side tables: user_features (num_users, user_feature_dim),
    item_features (num_items, item_feature_dim), and the latent user_factors, item_factors.
    """

    user_id: np.ndarray
    item_id: np.ndarray
    click: np.ndarray
    conversion: np.ndarray
    click_probability: np.ndarray
    conversion_probability: np.ndarray
    user_features: np.ndarray
    item_features: np.ndarray
    user_factors: np.ndarray
    item_factors: np.ndarray
    meta: dict = field(default_factory=dict)

    _PER_ROW = ("user_id", "item_id", "click", "conversion", "click_probability", "conversion_probability")

    def __len__(self) -> int:
        return int(self.user_id.shape[0])

    @property
    def num_users(self) -> int:
        return int(self.user_features.shape[0])

    @property
    def num_items(self) -> int:
        return int(self.item_features.shape[0])

    @property
    def ctcvr_probability(self) -> np.ndarray:
        """p(click and convert | impression) = true CTR x true CVR (the CTCVR truth), per impression."""
        return (self.click_probability * self.conversion_probability).astype(np.float32)

    def subset(self, rows) -> "Funnel":
        """The impressions at `rows` (indices, a boolean mask or a slice); side tables are shared."""
        rows = rows if isinstance(rows, slice) else np.asarray(rows)
        return replace(self, **{name: getattr(self, name)[rows] for name in self._PER_ROW})

    def clicked(self) -> "Funnel":
        """The clicked impressions only: the rows on which a conversion label exists."""
        return self.subset(self.click > 0.5)

    def model_inputs(self) -> dict:
        """The dict of model inputs (as Interactions.model_inputs): ids and the rows' content features."""
        return {
            "user_id": self.user_id,
            "item_id": self.item_id,
            "user_features": self.user_features[self.user_id],
            "item_features": self.item_features[self.item_id],
        }


@dataclass
class SequenceWorld:
    """Behaviour sequences driven by tastes, in order, and a sparse multi-task target (notebook 11, 大模型).

    One item universe of num_items items (latent item_factors, content item_features) is shared by two
    domains. Source: source_sequences (num_source, source_length) int32, each user's items in the order they
    were consumed, with the truth of the LAST step (source_last_probability (num_source, num_items): the
    distribution the last item was drawn from, given the user's taste and the items before it) and the
    users' tastes (source_user_factors). Target: other users of the same kind, each with a history
    (target_history (n, history_length) int32, drawn as the source sequences are) and one candidate item
    (target_candidate (n,)), labelled with click (0/1) and rating (1..5; rating_scaled in [0, 1]); known truth
    click_probability and target_user_factors. Cold items (cold_items) never occur in any sequence; a target
    row whose candidate is cold has candidate_is_cold True (cold-start rows).
    """

    source_sequences: np.ndarray
    source_last_probability: np.ndarray
    source_user_factors: np.ndarray
    target_history: np.ndarray
    target_candidate: np.ndarray
    click: np.ndarray
    rating: np.ndarray
    rating_scaled: np.ndarray
    click_probability: np.ndarray
    target_user_factors: np.ndarray
    item_factors: np.ndarray
    item_features: np.ndarray
    cold_items: np.ndarray
    meta: dict = field(default_factory=dict)

    _PER_ROW = ("target_history", "target_candidate", "click", "rating", "rating_scaled", "click_probability",
                "target_user_factors")

    def __len__(self) -> int:
        return int(self.target_candidate.shape[0])

    @property
    def num_items(self) -> int:
        return int(self.item_factors.shape[0])

    @property
    def candidate_is_cold(self) -> np.ndarray:
        """(n,) bool: the target row's candidate is a cold item (never seen in any sequence)."""
        return np.isin(self.target_candidate, self.cold_items)

    def target_sequences(self) -> np.ndarray:
        """(n, history_length + 1) int32: the history, then the candidate as the LAST entry (BST style)."""
        return np.concatenate([self.target_history, self.target_candidate[:, None]], axis=1).astype(np.int32)

    def subset(self, rows) -> "SequenceWorld":
        """The target rows at `rows` (indices, a boolean mask or a slice); the source and items are shared."""
        rows = rows if isinstance(rows, slice) else np.asarray(rows)
        return replace(self, **{name: getattr(self, name)[rows] for name in self._PER_ROW})


# -------------------------------------------------------------------------------------- helpers
def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _popularity(rng: np.random.Generator, count: int, skew: float) -> np.ndarray:
    """Sampling weights with a long tail: weight_k proportional to (rank_k + 1) ** -skew."""
    weights = (rng.permutation(count) + 1.0) ** -skew
    return weights / weights.sum()


def _sample_pairs(rng, num_users, num_items, num_interactions, popularity_skew):
    """Distinct (user, item) pairs drawn with popularity skew; every user gets at least one."""
    user_weights = _popularity(rng, num_users, popularity_skew)
    item_weights = _popularity(rng, num_items, popularity_skew)
    # each user's first pair guarantees nobody is empty; then top up with skewed draws
    first = np.arange(num_users) * num_items + rng.choice(num_items, num_users, p=item_weights)
    chosen = np.unique(first)
    while chosen.size < num_interactions:
        draw = int((num_interactions - chosen.size) * 1.3) + 64
        users = rng.choice(num_users, draw, p=user_weights)
        items = rng.choice(num_items, draw, p=item_weights)
        fresh = np.setdiff1d(users.astype(np.int64) * num_items + items, chosen)
        chosen = np.concatenate([chosen, rng.permutation(fresh)[: num_interactions - chosen.size]])
    chosen = rng.permutation(chosen)
    return (chosen // num_items).astype(np.int32), (chosen % num_items).astype(np.int32)


def _content(rng, factors, feature_dim, content_noise):
    """Content features that reveal the latent factors through a random linear map plus noise."""
    latent_dim = factors.shape[1]
    projection = rng.normal(0.0, 1.0, (latent_dim, feature_dim)) * np.sqrt(latent_dim / feature_dim)
    clean = factors @ projection * np.sqrt(feature_dim / latent_dim)
    clean = clean / (clean.std() + 1e-12)
    return (clean + content_noise * rng.normal(0.0, 1.0, clean.shape)).astype(np.float32)


def _genres(rng, item_factors, num_genres):
    """Multi-hot genres from the item factors; genre biases fall so later genres are rare."""
    latent_dim = item_factors.shape[1]
    directions = rng.normal(0.0, 1.0, (latent_dim, num_genres))
    bias = np.linspace(0.0, -4.0, num_genres)
    logits = 4.0 * np.sqrt(latent_dim) * item_factors @ directions / np.sqrt(latent_dim) + bias
    genres = (rng.random(logits.shape) < _sigmoid(logits)).astype(np.float32)
    empty = genres.sum(axis=1) == 0
    genres[empty, np.argmax(logits[empty], axis=1)] = 1.0  # every item has at least one genre
    return genres


# ---------------------------------------------------------------------------------- generators
def make_interactions(
    num_users: int = 500,
    num_items: int = 300,
    num_interactions: int = 20_000,
    *,
    latent_dim: int = 8,
    user_feature_dim: int = 16,
    item_feature_dim: int = 16,
    num_genres: int = 8,
    task_correlation: float = 0.8,
    noise: float = 0.5,
    content_noise: float = 1.0,
    cold_item_fraction: float = 0.1,
    popularity_skew: float = 0.6,
    seed: int = 0,
) -> Interactions:
    """Recommender interactions with a known truth; see the module docstring. Notebook 00 on.

    Knobs: sizes (`num_users`, `num_items`, `num_interactions`, so density), `task_correlation` in
    [0, 1] between the click and rating signals, `noise` on both targets, `content_noise` (how
    much the content features hide the factors), `cold_item_fraction` of items flagged cold-start,
    `popularity_skew` of who meets what, `seed`.
    """
    num_users = _check_int("num_users", num_users, 2, 1_000_000)
    num_items = _check_int("num_items", num_items, 2, 1_000_000)
    max_pairs = (num_users * num_items) // 2
    num_interactions = _check_int("num_interactions", num_interactions, num_users, max(max_pairs, num_users))
    latent_dim = _check_int("latent_dim", latent_dim, 1, 256)
    user_feature_dim = _check_int("user_feature_dim", user_feature_dim, 1, 4096)
    item_feature_dim = _check_int("item_feature_dim", item_feature_dim, 1, 4096)
    num_genres = _check_int("num_genres", num_genres, 1, 256)
    rho = _check_float("task_correlation", task_correlation, 0.0, 1.0)
    noise = _check_float("noise", noise, 0.0, 10.0)
    content_noise = _check_float("content_noise", content_noise, 0.0, 10.0)
    cold_item_fraction = _check_float("cold_item_fraction", cold_item_fraction, 0.0, 0.9)
    popularity_skew = _check_float("popularity_skew", popularity_skew, 0.0, 3.0)
    seed = _check_int("seed", seed, 0, 2**32 - 1)

    rng = np.random.default_rng(seed)
    user_factors = rng.normal(0.0, 1.0 / np.sqrt(latent_dim), (num_users, latent_dim))
    item_factors = rng.normal(0.0, 1.0 / np.sqrt(latent_dim), (num_items, latent_dim))
    user_features = _content(rng, user_factors, user_feature_dim, content_noise)
    item_features = _content(rng, item_factors, item_feature_dim, content_noise)
    item_genres = _genres(rng, item_factors, num_genres)
    user_bias = rng.normal(0.0, 0.3, num_users)
    item_bias = rng.normal(0.0, 0.3, num_items)
    mixing = rng.normal(0.0, 1.0, (latent_dim, latent_dim)) / np.sqrt(latent_dim)

    user_id, item_id = _sample_pairs(rng, num_users, num_items, num_interactions, popularity_skew)
    u, v = user_factors[user_id], item_factors[item_id]
    affinity = np.sqrt(latent_dim) * np.einsum("nd,nd->n", u, v)
    other = np.sqrt(latent_dim) * np.einsum("nd,de,ne->n", u, mixing, v)
    other = other / (other.std() + 1e-12) * (affinity.std() + 1e-12)
    rating_signal = rho * affinity + np.sqrt(1.0 - rho**2) * other

    click_logit = 2.0 * affinity + user_bias[user_id] + item_bias[item_id] - 0.5
    click_probability = _sigmoid(click_logit + noise * rng.normal(0.0, 1.0, len(user_id)))
    click = (rng.random(len(user_id)) < click_probability).astype(np.float32)
    rating_real = 3.0 + 1.1 * rating_signal + 0.5 * user_bias[user_id] + noise * rng.normal(0, 1, len(user_id))
    rating = np.clip(np.round(rating_real), 1, 5).astype(np.float32)

    num_cold = int(round(cold_item_fraction * num_items))
    cold_items = np.sort(rng.choice(num_items, num_cold, replace=False)).astype(np.int32)
    return Interactions(
        user_id=user_id,
        item_id=item_id,
        click=click,
        rating=rating,
        rating_scaled=((rating - 1.0) / 4.0).astype(np.float32),
        click_probability=_sigmoid(click_logit).astype(np.float32),
        user_features=user_features,
        item_features=item_features,
        item_genres=item_genres,
        user_factors=user_factors.astype(np.float32),
        item_factors=item_factors.astype(np.float32),
        cold_items=cold_items,
        meta={"task_correlation": rho, "noise": noise, "seed": seed, "latent_dim": latent_dim},
    )


def make_mmoe_tasks(
    num_samples: int = 10_000,
    task_correlation: float = 0.5,
    *,
    input_dim: int = 100,
    num_sin: int = 10,
    scale: float = 1.0,
    noise_std: float = 0.1,
    seed: int = 0,
):
    """The MMoE paper's two synthetic regression tasks (Ma et al., KDD 2018, section 3.2). Notebook 04.

    w1 = c u1,  w2 = c (p u1 + sqrt(1 - p^2) u2) with u1, u2 orthogonal unit vectors, x ~ N(0, I),
    y_t = w_t . x + sum_i sin(alpha_i w_t . x + beta_i) + eps,  eps ~ N(0, noise_std^2).
    The paper leaves m, c, alpha, beta open; we use the paper's d = 100 and its noise 0.01 variance
    (noise_std = 0.1), m = num_sin = 10 sine terms so the tasks are clearly non-linear, c = 1 so the
    linear and the sine parts have the same scale, and alpha_i, beta_i ~ N(0, 1) drawn once per
    seed and shared by both tasks (as in the paper), so p = task_correlation alone sets relatedness.
    Returns (x, y1, y2) as float32 arrays of shapes (n, input_dim), (n,), (n,).
    """
    num_samples = _check_int("num_samples", num_samples, 2, 10_000_000)
    p = _check_float("task_correlation", task_correlation, -1.0, 1.0)
    input_dim = _check_int("input_dim", input_dim, 2, 100_000)
    num_sin = _check_int("num_sin", num_sin, 0, 1000)
    scale = _check_float("scale", scale, 0.0, 100.0)
    noise_std = _check_float("noise_std", noise_std, 0.0, 100.0)
    seed = _check_int("seed", seed, 0, 2**32 - 1)

    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.normal(size=(input_dim, 2)))  # two orthonormal columns
    u1, u2 = basis[:, 0], basis[:, 1]
    w1 = scale * u1
    w2 = scale * (p * u1 + np.sqrt(1.0 - p**2) * u2)
    alpha, beta = rng.normal(size=num_sin), rng.normal(size=num_sin)
    x = rng.normal(size=(num_samples, input_dim))

    def target(w):
        projected = x @ w
        waves = np.sin(np.outer(projected, alpha) + beta).sum(axis=1)
        return projected + waves + rng.normal(0.0, noise_std, num_samples)

    return x.astype(np.float32), target(w1).astype(np.float32), target(w2).astype(np.float32)


def _standardised_signals(num_samples, task_correlation, input_dim, seed):
    """make_mmoe_tasks' two noise-free signals, each standardised to mean 0 and std 1 (notebook 10)."""
    x, first, second = make_mmoe_tasks(num_samples, task_correlation, input_dim=input_dim, noise_std=0.0, seed=seed)
    first, second = (first.astype(np.float64), second.astype(np.float64))
    first = (first - first.mean()) / (first.std() + 1e-12)
    second = (second - second.mean()) / (second.std() + 1e-12)
    return x, first, second


def make_loss_scale_tasks(
    num_samples: int = 4000,
    *,
    watch_scale: float = 30.0,
    task_correlation: float = 0.3,
    input_dim: int = 20,
    watch_noise: float = 0.5,
    seed: int = 0,
) -> dict:
    """Two tasks whose losses differ in scale: a click and a watch time in seconds (notebook 10).

    Two noise-free non-linear signals f1, f2 of the same inputs x come from make_mmoe_tasks (its
    construction: task_correlation between their linear parts), each standardised to mean 0, std 1:
        click ~ Bernoulli(sigmoid(2 f1)),   watch_time = watch_scale * (f2 + watch_noise * eps)
    watch_time is centred (seconds above the average watch time). A click's cross-entropy lies below
    log 2 ~ 0.69 while the watch time's squared error is of the order of watch_scale^2, so an equally
    weighted sum of the two losses is almost all watch time. Known truth: click_probability =
    sigmoid(2 f1) and expected_watch_time = watch_scale * f2 (the best possible squared error is
    (watch_scale * watch_noise)^2). Returns a dict of float32 arrays: x (n, input_dim), click (n,) 0/1,
    watch_time (n,), click_probability (n,), expected_watch_time (n,).
    """
    watch_scale = _check_float("watch_scale", watch_scale, 1e-3, 1e4)
    watch_noise = _check_float("watch_noise", watch_noise, 0.0, 100.0)
    x, first, second = _standardised_signals(num_samples, task_correlation, input_dim, seed)
    rng = np.random.default_rng([_check_int("seed", seed, 0, 2**32 - 1), 10])  # not make_mmoe_tasks' stream
    click_probability = _sigmoid(2.0 * first)
    click = (rng.random(len(x)) < click_probability).astype(np.float32)
    expected_watch_time = watch_scale * second
    watch_time = expected_watch_time + watch_scale * watch_noise * rng.normal(size=len(x))
    return {"x": x, "click": click, "watch_time": watch_time.astype(np.float32),
            "click_probability": click_probability.astype(np.float32),
            "expected_watch_time": expected_watch_time.astype(np.float32)}


def make_conflicting_tasks(
    num_samples: int = 4000,
    *,
    task_correlation: float = -0.8,
    input_dim: int = 20,
    noise_std: float = 0.3,
    seed: int = 0,
) -> dict:
    """Two regression tasks of the same scale that pull shared weights apart (notebook 10).

    The two noise-free signals f1, f2 of make_mmoe_tasks with a negative task_correlation (the linear
    parts point in nearly opposite directions), each standardised to mean 0, std 1:
        target_a = f1 + noise_std * eps_a,   target_b = f2 + noise_std * eps_b
    A step that lowers one task's error tends to raise the other's on a small shared bottom (notebook 10
    measures the cosine of the two tasks' gradients). Known truth: expected_a = f1, expected_b = f2 (best
    possible normalised squared error noise_std^2 / (1 + noise_std^2)). Returns a dict of float32 arrays:
    x (n, input_dim), target_a (n,), target_b (n,), expected_a (n,), expected_b (n,).
    """
    noise_std = _check_float("noise_std", noise_std, 0.0, 100.0)
    x, first, second = _standardised_signals(num_samples, task_correlation, input_dim, seed)
    rng = np.random.default_rng([_check_int("seed", seed, 0, 2**32 - 1), 11])
    return {"x": x, "target_a": (first + noise_std * rng.normal(size=len(x))).astype(np.float32),
            "target_b": (second + noise_std * rng.normal(size=len(x))).astype(np.float32),
            "expected_a": first.astype(np.float32), "expected_b": second.astype(np.float32)}


def make_cross_domain(
    num_users: int = 400,
    source_items: int = 300,
    target_items: int = 200,
    source_interactions: int = 24_000,
    target_interactions: int = 1_200,
    *,
    domain_similarity: float = 0.9,
    latent_dim: int = 8,
    seed: int = 0,
) -> CrossDomain:
    """Two domains sharing users: a rich source and a sparse target (cross-domain, notebook 02).

    Target user factors = domain_similarity * source factors + sqrt(1 - s^2) * fresh factors, so
    s = 1 means one taste across domains and s = 0 means nothing to transfer.
    """
    s = _check_float("domain_similarity", domain_similarity, 0.0, 1.0)
    for name, value in (("source_interactions", source_interactions), ("target_interactions", target_interactions)):
        _check_int(name, value, 1)
    seed = _check_int("seed", seed, 0, 2**32 - 1)
    source = make_interactions(
        num_users, source_items, source_interactions, latent_dim=latent_dim, cold_item_fraction=0.0, seed=seed
    )
    target = make_interactions(
        num_users, target_items, target_interactions, latent_dim=latent_dim, cold_item_fraction=0.0, seed=seed + 1
    )
    # rebuild the target's clicks from user factors that are a blend of the source's
    rng = np.random.default_rng(seed + 2)
    fresh = rng.normal(0.0, 1.0 / np.sqrt(latent_dim), source.user_factors.shape)
    user_factors = (s * source.user_factors + np.sqrt(1.0 - s**2) * fresh).astype(np.float32)
    affinity = np.sqrt(latent_dim) * np.einsum(
        "nd,nd->n", user_factors[target.user_id], target.item_factors[target.item_id]
    )
    click_probability = _sigmoid(2.0 * affinity - 0.5)
    click = (rng.random(len(target)) < click_probability).astype(np.float32)
    rating = np.clip(np.round(3.0 + 1.1 * affinity + 0.5 * rng.normal(size=len(target))), 1, 5).astype(np.float32)
    target = replace(
        target,
        user_factors=user_factors,
        user_features=source.user_features,  # the same people, so the same profile
        click=click,
        click_probability=click_probability.astype(np.float32),
        rating=rating,
        rating_scaled=((rating - 1.0) / 4.0).astype(np.float32),
    )
    return CrossDomain(source=source, target=target, domain_similarity=s)


def _offset_for_mean(logits: np.ndarray, target: float) -> float:
    """The shift c with mean(sigmoid(logits + c)) = target (bisection; the mean rises with c)."""
    low, high = -30.0, 30.0
    for _ in range(80):
        middle = 0.5 * (low + high)
        low, high = (middle, high) if _sigmoid(logits + middle).mean() < target else (low, middle)
    return 0.5 * (low + high)


def make_funnel(
    num_users: int = 400,
    num_items: int = 300,
    num_impressions: int = 40_000,
    *,
    conversion_rate: float = 0.1,
    click_rate: float = 0.15,
    funnel_correlation: float = 0.5,
    clickbait: float = 0.6,
    latent_dim: int = 8,
    user_feature_dim: int = 16,
    item_feature_dim: int = 16,
    content_noise: float = 0.5,
    popularity_skew: float = 0.6,
    seed: int = 0,
) -> Funnel:
    """Impressions -> click -> conversion with the true CTR and CVR of every impression (notebook 08, ESMM).

    Users and items, their latent factors and content features, and which user sees which item
    (distinct pairs, popularity skew) are drawn as in make_interactions. Per impression (user i, item j):

        affinity      s_ij = sqrt(latent_dim) u_i . v_j           (what drives clicks)
        other         t_ij = sqrt(latent_dim) u_i M v_j           (a second user-item signal, scaled like s)
        click logit   = 1.5 s_ij + a_i + b_j + c_click            a_i, b_j ~ N(0, 0.5^2)
        CVR logit     = 1.5 (rho s_ij + sqrt(1 - rho^2) t_ij) + a'_i + b'_j + c_conversion
                        a'_i ~ N(0, 0.3^2);  b'_j = -k b_j + sqrt(1 - k^2) N(0, 0.5^2)
        click         ~ Bernoulli(sigmoid(click logit))
        conversion    = click * Bernoulli(sigmoid(CVR logit))     (observed only after a click)

    rho = funnel_correlation: how much the conversion propensity shares the click signal; k = clickbait:
    items that draw clicks convert less (their item terms are anti-correlated). So the conversion
    propensity depends on the features differently from the click propensity, and the clicked
    impressions are not a random sample of all impressions: a CVR model trained on clicked rows only
    meets a different population than the one it must score (sample selection bias). c_click and
    c_conversion are solved so that the mean true CTR over the impressions is click_rate and the mean
    true CVR over ALL impressions is conversion_rate: the sparsity knob (conversions observed ~
    num_impressions x click_rate x the CVR of clicked impressions). The same seed with another
    conversion_rate gives the same impressions and clicks; conversions are drawn from the same
    uniforms, so a lower rate keeps a subset of them.
    """
    num_users = _check_int("num_users", num_users, 2, 1_000_000)
    num_items = _check_int("num_items", num_items, 2, 1_000_000)
    max_pairs = (num_users * num_items) // 2
    num_impressions = _check_int("num_impressions", num_impressions, num_users, max(max_pairs, num_users))
    conversion_rate = _check_float("conversion_rate", conversion_rate, 1e-4, 0.99)
    click_rate = _check_float("click_rate", click_rate, 1e-4, 0.99)
    rho = _check_float("funnel_correlation", funnel_correlation, -1.0, 1.0)
    clickbait = _check_float("clickbait", clickbait, -1.0, 1.0)
    latent_dim = _check_int("latent_dim", latent_dim, 1, 256)
    user_feature_dim = _check_int("user_feature_dim", user_feature_dim, 1, 4096)
    item_feature_dim = _check_int("item_feature_dim", item_feature_dim, 1, 4096)
    content_noise = _check_float("content_noise", content_noise, 0.0, 10.0)
    popularity_skew = _check_float("popularity_skew", popularity_skew, 0.0, 3.0)
    seed = _check_int("seed", seed, 0, 2**32 - 1)

    rng = np.random.default_rng(seed)
    user_factors = rng.normal(0.0, 1.0 / np.sqrt(latent_dim), (num_users, latent_dim))
    item_factors = rng.normal(0.0, 1.0 / np.sqrt(latent_dim), (num_items, latent_dim))
    user_features = _content(rng, user_factors, user_feature_dim, content_noise)
    item_features = _content(rng, item_factors, item_feature_dim, content_noise)
    user_click_bias, item_click_bias = rng.normal(0.0, 0.5, num_users), rng.normal(0.0, 0.5, num_items)
    user_conversion_bias = rng.normal(0.0, 0.3, num_users)
    item_conversion_bias = -clickbait * item_click_bias + np.sqrt(1.0 - clickbait**2) * rng.normal(0.0, 0.5, num_items)
    mixing = rng.normal(0.0, 1.0, (latent_dim, latent_dim)) / np.sqrt(latent_dim)

    user_id, item_id = _sample_pairs(rng, num_users, num_items, num_impressions, popularity_skew)
    u, v = user_factors[user_id], item_factors[item_id]
    affinity = np.sqrt(latent_dim) * np.einsum("nd,nd->n", u, v)
    other = np.sqrt(latent_dim) * np.einsum("nd,de,ne->n", u, mixing, v)
    other = other / (other.std() + 1e-12) * (affinity.std() + 1e-12)
    click_logit = 1.5 * affinity + user_click_bias[user_id] + item_click_bias[item_id]
    conversion_logit = (1.5 * (rho * affinity + np.sqrt(1.0 - rho**2) * other)
                        + user_conversion_bias[user_id] + item_conversion_bias[item_id])
    click_probability = _sigmoid(click_logit + _offset_for_mean(click_logit, click_rate))
    conversion_probability = _sigmoid(conversion_logit + _offset_for_mean(conversion_logit, conversion_rate))
    click = (rng.random(len(user_id)) < click_probability).astype(np.float32)
    would_convert = rng.random(len(user_id)) < conversion_probability  # drawn for every impression
    conversion = (click * would_convert).astype(np.float32)  # ... but seen only after a click
    return Funnel(
        user_id=user_id,
        item_id=item_id,
        click=click,
        conversion=conversion,
        click_probability=click_probability.astype(np.float32),
        conversion_probability=conversion_probability.astype(np.float32),
        user_features=user_features,
        item_features=item_features,
        user_factors=user_factors.astype(np.float32),
        item_factors=item_factors.astype(np.float32),
        meta={"conversion_rate": conversion_rate, "click_rate": click_rate, "funnel_correlation": rho,
              "clickbait": clickbait, "seed": seed, "latent_dim": latent_dim},
    )


def _taste_sequences(rng, user_factors, item_factors, item_bias, length, allowed, taste_strength, order_strength):
    """Items drawn one after another: logit_j = taste u.v_j + order v_prev.v_j + b_j (scaled by sqrt(latent_dim)),
    over the allowed items not yet in the sequence. Returns (sequences (n, length) int32, last step's
    probabilities (n, num_items))."""
    num_users, latent_dim = user_factors.shape
    scale = np.sqrt(latent_dim)
    taste = taste_strength * scale * user_factors @ item_factors.T + item_bias  # (n, num_items)
    similarity = order_strength * scale * item_factors @ item_factors.T  # (num_items, num_items)
    sequences = np.zeros((num_users, length), dtype=np.int32)
    seen = np.zeros(taste.shape, dtype=bool)
    rows = np.arange(num_users)
    probability = None
    for step in range(length):
        logits = taste + (similarity[sequences[:, step - 1]] if step > 0 else 0.0)
        logits = np.where(seen | ~allowed[None, :], -np.inf, logits)
        logits = logits - logits.max(axis=1, keepdims=True)
        probability = np.exp(logits)
        probability /= probability.sum(axis=1, keepdims=True)
        cumulative = np.cumsum(probability, axis=1)
        draws = (cumulative < rng.random((num_users, 1)) * cumulative[:, -1:]).sum(axis=1)
        sequences[:, step] = np.minimum(draws, taste.shape[1] - 1)
        seen[rows, sequences[:, step]] = True
    return sequences, probability.astype(np.float32)


def make_sequence_world(
    num_items: int = 200,
    num_source: int = 3000,
    num_target: int = 6000,
    *,
    source_length: int = 11,
    history_length: int = 9,
    latent_dim: int = 8,
    num_clusters: int = 8,
    cluster_share: float = 0.8,
    item_feature_dim: int = 16,
    content_noise: float = 0.5,
    taste_strength: float = 2.0,
    order_strength: float = 1.0,
    task_correlation: float = 0.8,
    noise: float = 0.5,
    cold_item_fraction: float = 0.2,
    seed: int = 0,
) -> SequenceWorld:
    """A source domain of behaviour sequences and a target with click and rating labels (notebook 11, 大模型).

    Generative story (one numpy Generator(seed)); items j and users i, latent_dim d:

        item_factors  v_j = sqrt(a) c_k(j) + sqrt(1 - a) e_j with a = cluster_share: each item belongs to one
                      of num_clusters categories (centres c_k ~ N(0, I/d), e_j ~ N(0, I/d));
                      item_features = v_j B + content_noise * e (content vectors)
        item_bias     b_j ~ N(0, 0.5^2)    (popularity)
        user tastes   u_i ~ N(0, I/d)      (source and target users: different people, same kind)
        sequence      item_t ~ softmax_j( sqrt(d) (taste_strength u_i.v_j + order_strength v_{t-1}.v_j) + b_j )
                      over the warm items not yet in the sequence: tastes drive what a user consumes, and
                      each item pulls the next towards similar items (the order matters)
        target row    a history of history_length items drawn the same way, then one candidate item drawn
                      uniformly from ALL items (warm and cold); s = sqrt(d) u.v_c, t = sqrt(d) u M v_c
                      (scaled like s), r = rho s + sqrt(1 - rho^2) t with rho = task_correlation
        propensity    a_i = sqrt(d) w.u_i for a fixed unit direction w: how much a user clicks and how kindly
                      they rate, a part of their taste (so visible through their history)
        click         ~ Bernoulli(sigmoid(2 s + a_i + b_c - 0.5 + noise * e))
                      click_probability = sigmoid(2 s + a_i + b_c - 0.5)   (b_c: the candidate's popularity)
        rating        = clip(round(3 + 1.1 r + 0.5 a_i + noise * e), 1, 5);  rating_scaled = (rating - 1) / 4

    So a target label depends on the user's taste, which a model sees only through the history: what a
    next-item model pre-trained on the source learns about items and tastes is what the target needs.
    A cold_item_fraction of items never occurs in any sequence (cold-start items, with content only).
    """
    num_items = _check_int("num_items", num_items, 4, 100_000)
    num_source = _check_int("num_source", num_source, 1, 10_000_000)
    num_target = _check_int("num_target", num_target, 1, 10_000_000)
    latent_dim = _check_int("latent_dim", latent_dim, 1, 256)
    num_clusters = _check_int("num_clusters", num_clusters, 1, num_items)
    cluster_share = _check_float("cluster_share", cluster_share, 0.0, 1.0)
    item_feature_dim = _check_int("item_feature_dim", item_feature_dim, 1, 4096)
    content_noise = _check_float("content_noise", content_noise, 0.0, 10.0)
    taste_strength = _check_float("taste_strength", taste_strength, 0.0, 100.0)
    order_strength = _check_float("order_strength", order_strength, 0.0, 100.0)
    rho = _check_float("task_correlation", task_correlation, 0.0, 1.0)
    noise = _check_float("noise", noise, 0.0, 10.0)
    cold_item_fraction = _check_float("cold_item_fraction", cold_item_fraction, 0.0, 0.9)
    seed = _check_int("seed", seed, 0, 2**32 - 1)
    num_cold = int(round(cold_item_fraction * num_items))
    longest = max(_check_int("source_length", source_length, 2, 1000),
                  _check_int("history_length", history_length, 1, 1000))
    if longest > num_items - num_cold:
        raise ValueError(f"sequences of {longest} distinct items need at least that many warm items, "
                         f"got {num_items - num_cold} (num_items={num_items}, cold_item_fraction={cold_item_fraction})")

    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, 1.0 / np.sqrt(latent_dim), (num_clusters, latent_dim))
    item_cluster = rng.permutation(np.arange(num_items) % num_clusters).astype(np.int32)
    own = rng.normal(0.0, 1.0 / np.sqrt(latent_dim), (num_items, latent_dim))
    item_factors = np.sqrt(cluster_share) * centres[item_cluster] + np.sqrt(1.0 - cluster_share) * own
    item_features = _content(rng, item_factors, item_feature_dim, content_noise)
    item_bias = rng.normal(0.0, 0.5, num_items)
    cold_items = np.sort(rng.choice(num_items, num_cold, replace=False)).astype(np.int32)
    warm = np.ones(num_items, dtype=bool)
    warm[cold_items] = False
    mixing = rng.normal(0.0, 1.0, (latent_dim, latent_dim)) / np.sqrt(latent_dim)

    source_users = rng.normal(0.0, 1.0 / np.sqrt(latent_dim), (num_source, latent_dim))
    source_sequences, last_probability = _taste_sequences(rng, source_users, item_factors, item_bias, source_length,
                                                          warm, taste_strength, order_strength)
    target_users = rng.normal(0.0, 1.0 / np.sqrt(latent_dim), (num_target, latent_dim))
    history, _ = _taste_sequences(rng, target_users, item_factors, item_bias, history_length, warm,
                                  taste_strength, order_strength)
    candidate = rng.integers(0, num_items, num_target).astype(np.int32)
    u, v = target_users, item_factors[candidate]
    affinity = np.sqrt(latent_dim) * np.einsum("nd,nd->n", u, v)
    other = np.sqrt(latent_dim) * np.einsum("nd,de,ne->n", u, mixing, v)
    other = other / (other.std() + 1e-12) * (affinity.std() + 1e-12)
    rating_signal = rho * affinity + np.sqrt(1.0 - rho**2) * other
    direction = rng.normal(size=latent_dim)
    propensity = np.sqrt(latent_dim) * target_users @ (direction / np.linalg.norm(direction))
    click_logit = 2.0 * affinity + propensity + item_bias[candidate] - 0.5
    click = (rng.random(num_target) < _sigmoid(click_logit + noise * rng.normal(size=num_target))).astype(np.float32)
    rating_real = 3.0 + 1.1 * rating_signal + 0.5 * propensity + noise * rng.normal(size=num_target)
    rating = np.clip(np.round(rating_real), 1, 5)
    rating = rating.astype(np.float32)
    return SequenceWorld(
        source_sequences=source_sequences,
        source_last_probability=last_probability,
        source_user_factors=source_users.astype(np.float32),
        target_history=history,
        target_candidate=candidate,
        click=click,
        rating=rating,
        rating_scaled=((rating - 1.0) / 4.0).astype(np.float32),
        click_probability=_sigmoid(click_logit).astype(np.float32),
        target_user_factors=target_users.astype(np.float32),
        item_factors=item_factors.astype(np.float32),
        item_features=item_features,
        cold_items=cold_items,
        meta={"seed": seed, "latent_dim": latent_dim, "item_cluster": item_cluster, "taste_strength": taste_strength,
              "order_strength": order_strength, "task_correlation": rho, "noise": noise},
    )


# ------------------------------------------------------------------------- the feed (notebook 12)
@dataclass
class Feed:
    """A feed whose truth is known for EVERY (user, item) pair, shown or not (notebook 12: online metrics).

    Side tables: user_features (num_users, user_feature_dim), item_features (num_items, item_feature_dim),
    the latent user_factors and item_factors, and user_activity (num_users,): how much each user clicks
    whatever is shown (an offset of the click logit) and how often the user visits. The truth of any pairs
    is computed on demand (see make_feed): click_probability (at the top position; times examination(position)
    lower down), conversion_probability (p(convert | click)), rating_probability (the expected rating
    scaled to (0, 1)).
    """

    user_features: np.ndarray
    item_features: np.ndarray
    user_factors: np.ndarray
    item_factors: np.ndarray
    user_activity: np.ndarray
    item_click_bias: np.ndarray
    user_conversion_bias: np.ndarray
    item_conversion_bias: np.ndarray
    item_rating_bias: np.ndarray
    mixing: np.ndarray
    click_offset: float
    conversion_offset: float
    position_bias: float
    meta: dict = field(default_factory=dict)

    @property
    def num_users(self) -> int:
        return int(self.user_features.shape[0])

    @property
    def num_items(self) -> int:
        return int(self.item_features.shape[0])

    def _signals(self, user_id, item_id, which=("affinity", "other", "third")):
        """The signals named in `which` of the pairs: affinity s, a second signal t, a third w (each scaled like s)."""
        u, v = self.user_factors[np.asarray(user_id)], self.item_factors[np.asarray(item_id)]
        scale = np.sqrt(u.shape[-1])
        formulas = {"affinity": lambda: np.sum(u * v, axis=-1),
                    "other": lambda: np.sum((u @ self.mixing) * v, axis=-1),
                    "third": lambda: np.sum(u * (v @ self.mixing), axis=-1)}  # the transposed mixing
        return tuple(scale * formulas[name]() for name in which)

    def click_logit(self, user_id, item_id) -> np.ndarray:
        """The true click logit of the pairs at the top position: 1.5 s + user activity + item term + offset."""
        (affinity,) = self._signals(user_id, item_id, ("affinity",))
        return (1.5 * affinity + self.user_activity[np.asarray(user_id)] + self.item_click_bias[np.asarray(item_id)]
                + self.click_offset)

    def examination(self, position) -> np.ndarray:
        """p(the user looks at a 0-based position) = 1 / (1 + position) ** position_bias (1 at the top)."""
        return 1.0 / (1.0 + np.asarray(position, dtype=np.float64)) ** self.position_bias

    def click_probability(self, user_id, item_id, position=None) -> np.ndarray:
        """The true p(click) of the pairs: at the top position, or times examination(position) when given."""
        probability = _sigmoid(self.click_logit(user_id, item_id))
        return probability if position is None else probability * self.examination(position)

    def conversion_logit(self, user_id, item_id) -> np.ndarray:
        """The true conversion logit of the pairs: 1.5 (rho s + sqrt(1 - rho^2) t) + user and item terms + offset."""
        affinity, other = self._signals(user_id, item_id, ("affinity", "other"))
        rho = self.meta["funnel_correlation"]
        return (1.5 * (rho * affinity + np.sqrt(1.0 - rho**2) * other) + self.user_conversion_bias[np.asarray(user_id)]
                + self.item_conversion_bias[np.asarray(item_id)] + self.conversion_offset)

    def conversion_probability(self, user_id, item_id) -> np.ndarray:
        """The true p(convert | click) of the pairs (whether they were shown or not)."""
        return _sigmoid(self.conversion_logit(user_id, item_id))

    def rating_probability(self, user_id, item_id) -> np.ndarray:
        """The true expected rating of the pairs after a click, scaled to (0, 1): (rating - 1) / 4."""
        affinity, third = self._signals(user_id, item_id, ("affinity", "third"))
        return _sigmoid(0.4 * affinity + 0.9 * third + self.item_rating_bias[np.asarray(item_id)])


@dataclass
class FeedLog:
    """Logged impressions of a Feed (notebook 12). Per impression (length n): user_id, item_id, position
    (0-based), click (0/1), conversion (0/1, only after a click), rating (1..5 after a click, 0 without one),
    and the truth of that impression: click_probability (at its position), conversion_probability, rating_probability."""

    user_id: np.ndarray
    item_id: np.ndarray
    position: np.ndarray
    click: np.ndarray
    conversion: np.ndarray
    rating: np.ndarray
    click_probability: np.ndarray
    conversion_probability: np.ndarray
    rating_probability: np.ndarray

    _PER_ROW = ("user_id", "item_id", "position", "click", "conversion", "rating", "click_probability",
                "conversion_probability", "rating_probability")

    def __len__(self) -> int:
        return int(self.user_id.shape[0])

    def subset(self, rows) -> "FeedLog":
        """The impressions at `rows` (indices, a boolean mask or a slice)."""
        rows = rows if isinstance(rows, slice) else np.asarray(rows)
        return replace(self, **{name: getattr(self, name)[rows] for name in self._PER_ROW})


def make_feed(
    num_users: int = 1000,
    num_items: int = 400,
    *,
    latent_dim: int = 4,
    user_feature_dim: int = 6,
    item_feature_dim: int = 6,
    content_noise: float = 0.7,
    activity_spread: float = 1.0,
    click_rate: float = 0.1,
    conversion_rate: float = 0.1,
    funnel_correlation: float = 0.5,
    position_bias: float = 1.0,
    seed: int = 0,
) -> Feed:
    """A feed with the truth of every (user, item) pair known (notebook 12: GAUC, fusion, A/B tests, cold start).

    Users, items, latent factors and content features are drawn as in make_funnel. For user i and item j:

        s, t, w       = sqrt(latent_dim) u_i . v_j, sqrt(latent_dim) u_i M v_j, sqrt(latent_dim) v_j M u_i
        click logit   = 1.5 s + a_i + b_j + c_click        a_i ~ N(0, activity_spread^2): the user's activity
        CVR logit     = 1.5 (rho s + sqrt(1 - rho^2) t) + a'_i + b'_j + c_conversion      rho = funnel_correlation
        rating        = sigmoid(0.4 s + 0.9 w + b''_j), the expected rating scaled to (0, 1)
        examination   = 1 / (1 + position) ** position_bias      p(click at a position) = p(click) x examination

    The user activity a_i is seen in no feature: a model can learn it only from the user's history. c_click
    and c_conversion set the mean true CTR (top position) and CVR over (50,000 random) pairs to click_rate
    and conversion_rate. Logs of impressions: make_feed_log.
    """
    num_users = _check_int("num_users", num_users, 2, 1_000_000)
    num_items = _check_int("num_items", num_items, 2, 1_000_000)
    latent_dim = _check_int("latent_dim", latent_dim, 1, 256)
    user_feature_dim = _check_int("user_feature_dim", user_feature_dim, 1, 4096)
    item_feature_dim = _check_int("item_feature_dim", item_feature_dim, 1, 4096)
    content_noise = _check_float("content_noise", content_noise, 0.0, 10.0)
    activity_spread = _check_float("activity_spread", activity_spread, 0.0, 5.0)
    click_rate = _check_float("click_rate", click_rate, 1e-4, 0.99)
    conversion_rate = _check_float("conversion_rate", conversion_rate, 1e-4, 0.99)
    rho = _check_float("funnel_correlation", funnel_correlation, -1.0, 1.0)
    position_bias = _check_float("position_bias", position_bias, 0.0, 5.0)
    seed = _check_int("seed", seed, 0, 2**32 - 1)

    rng = np.random.default_rng(seed)
    user_factors = rng.normal(0.0, 1.0 / np.sqrt(latent_dim), (num_users, latent_dim))
    item_factors = rng.normal(0.0, 1.0 / np.sqrt(latent_dim), (num_items, latent_dim))
    feed = Feed(
        user_features=_content(rng, user_factors, user_feature_dim, content_noise),
        item_features=_content(rng, item_factors, item_feature_dim, content_noise),
        user_factors=user_factors.astype(np.float32),
        item_factors=item_factors.astype(np.float32),
        user_activity=rng.normal(0.0, activity_spread, num_users),
        item_click_bias=rng.normal(0.0, 0.5, num_items),
        user_conversion_bias=rng.normal(0.0, 0.3, num_users),
        item_conversion_bias=rng.normal(0.0, 0.5, num_items),
        item_rating_bias=rng.normal(0.0, 0.3, num_items),
        mixing=rng.normal(0.0, 1.0, (latent_dim, latent_dim)) / np.sqrt(latent_dim),
        click_offset=0.0,
        conversion_offset=0.0,
        position_bias=position_bias,
        meta={"funnel_correlation": rho, "seed": seed, "latent_dim": latent_dim, "click_rate": click_rate,
              "conversion_rate": conversion_rate, "activity_spread": activity_spread},
    )
    users, items = rng.integers(0, num_users, 50_000), rng.integers(0, num_items, 50_000)  # pairs for the offsets
    feed.click_offset = _offset_for_mean(feed.click_logit(users, items), click_rate)
    feed.conversion_offset = _offset_for_mean(feed.conversion_logit(users, items), conversion_rate)
    return feed


def make_feed_log(feed: Feed, num_impressions: int = 20_000, *, visits_follow_activity: float = 0.7,
                  positions=None, seed: int = 0) -> FeedLog:
    """Impressions of a Feed drawn at random (notebook 12): users in proportion to exp(visits_follow_activity x
    activity) (the active users visit more), items with a mild popularity skew; then a click from the true
    p(click) at the impression's position (`positions`: an array of 0-based positions, default all 0), a
    conversion after a click from the true CVR, and a rating (1..5) after a click around the true rating."""
    num_impressions = _check_int("num_impressions", num_impressions, 1, 50_000_000)
    rng = np.random.default_rng(_check_int("seed", seed, 0, 2**32 - 1))
    visit_weights = np.exp(visits_follow_activity * feed.user_activity)
    user_id = rng.choice(feed.num_users, num_impressions, p=visit_weights / visit_weights.sum()).astype(np.int32)
    item_id = rng.choice(feed.num_items, num_impressions, p=_popularity(rng, feed.num_items, 0.6)).astype(np.int32)
    position = np.zeros(num_impressions, np.int32) if positions is None else np.asarray(positions, np.int32)
    click_probability = feed.click_probability(user_id, item_id, position)
    conversion_probability = feed.conversion_probability(user_id, item_id)
    rating_probability = feed.rating_probability(user_id, item_id)
    click = (rng.random(num_impressions) < click_probability).astype(np.float32)
    conversion = (click * (rng.random(num_impressions) < conversion_probability)).astype(np.float32)
    rating = np.clip(np.round(1.0 + 4.0 * rating_probability + 0.6 * rng.normal(0.0, 1.0, num_impressions)), 1, 5)
    return FeedLog(user_id=user_id, item_id=item_id, position=position, click=click, conversion=conversion,
                   rating=(rating * click).astype(np.float32),
                   click_probability=click_probability.astype(np.float32),
                   conversion_probability=conversion_probability.astype(np.float32),
                   rating_probability=rating_probability.astype(np.float32))


# --------------------------------------------------------------------------------------- splits
def split_random(data: Interactions, test_fraction: float = 0.2, seed: int = 0):
    """(train, test): a random share of interactions held out. Notebooks 01 on."""
    test_fraction = _check_float("test_fraction", test_fraction, 0.0, 1.0, high_open=True)
    rng = np.random.default_rng(_check_int("seed", seed, 0, 2**32 - 1))
    is_test = rng.random(len(data)) < test_fraction
    return data.subset(~is_test), data.subset(is_test)


def split_by_user(data: Interactions, test_fraction: float = 0.2, seed: int = 0):
    """(train, test): within each user, a share of their interactions held out.

    Every user keeps at least one training interaction, so every test user is a known user.
    """
    test_fraction = _check_float("test_fraction", test_fraction, 0.0, 1.0, high_open=True)
    rng = np.random.default_rng(_check_int("seed", seed, 0, 2**32 - 1))
    order = np.lexsort((rng.random(len(data)), data.user_id))  # shuffled within each user
    users = data.user_id[order]
    starts = np.searchsorted(users, users, side="left")
    position = np.arange(len(data)) - starts  # rank of the row within its user
    counts = np.bincount(users, minlength=data.num_users)[users]
    num_test = np.minimum(np.round(counts * test_fraction), counts - 1)
    is_test = np.zeros(len(data), dtype=bool)
    is_test[order] = position < num_test
    return data.subset(~is_test), data.subset(is_test)


def split_cold_items(data: Interactions):
    """(train, test): every interaction of the cold-start items (data.cold_items) is held out."""
    if data.cold_items.size == 0:
        raise ValueError("split_cold_items needs cold items: generate with cold_item_fraction > 0")
    is_test = np.isin(data.item_id, data.cold_items)
    return data.subset(~is_test), data.subset(is_test)


# ---------------------------------------------------------------------- real data: MovieLens (notebook 12)
MOVIELENS_FILES = {"MovieLens 100K": ("u.data", "u.item", "u.user"),
                   "MovieLens 1M": ("ratings.dat", "movies.dat", "users.dat")}
MOVIELENS_GENRES = {  # the genre columns of u.item (100K, in file order) and the genre names of movies.dat (1M)
    "MovieLens 100K": ("unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
                       "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi",
                       "Thriller", "War", "Western"),
    "MovieLens 1M": ("Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama",
                     "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War",
                     "Western"),
}
LIKED_RATING = 4  # load_movielens' click stand-in: a rating of 4 or 5 stars counts as a click ("liked")


class MovieLensError(ValueError):
    """A MovieLens folder that is missing, incomplete or in another format; the message names the file expected."""


def _movielens_lines(path, name: str) -> list[str]:
    """The non-empty lines of one MovieLens file (latin-1, as GroupLens ships them)."""
    try:
        text = path.read_text(encoding="latin-1")
    except OSError as error:
        raise MovieLensError(f"cannot read {name}: {error.strerror or error}") from None
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise MovieLensError(f"{name} is empty")
    return lines


def _movielens_table(lines: list[str], name: str, separator: str, columns: int, what: str) -> list[list[str]]:
    """Split every line into at least `columns` fields, or raise naming the file, the line and the layout."""
    rows = [line.split(separator) for line in lines]
    for number, row in enumerate(rows, start=1):
        if len(row) < columns:
            shown = lines[number - 1][:80]
            raise MovieLensError(f"{name} line {number}: expected {columns} fields separated by {separator!r} "
                                 f"({what}), got {shown!r}: is this a MovieLens 100K or 1M file?")
    return rows


def _movielens_numbers(rows, column: int, name: str, what: str) -> np.ndarray:
    """Column `column` of `rows` as int64, or raise naming the file, the line and the field."""
    try:
        return np.array([int(row[column]) for row in rows], dtype=np.int64)
    except ValueError:
        number = next(i for i, row in enumerate(rows, start=1) if not row[column].strip().lstrip("-").isdigit())
        raise MovieLensError(f"{name} line {number}: the {what} {rows[number - 1][column]!r} is not an integer") from None


def _movielens_index(original_ids: np.ndarray, known: np.ndarray, name: str, table: str, what: str) -> np.ndarray:
    """Zero-based positions of `original_ids` in the sorted ids `known` of the side table, or raise."""
    position = np.clip(np.searchsorted(known, original_ids), 0, len(known) - 1)
    missing = known[position] != original_ids
    if missing.any():
        first = int(np.argmax(missing))
        raise MovieLensError(f"{name} line {first + 1}: {what} {original_ids[first]} is not in {table}")
    return position.astype(np.int32)


def _standardised(values: np.ndarray) -> np.ndarray:
    """(values - mean) / std over the finite values; missing (NaN) values become 0, the mean."""
    finite = np.isfinite(values)
    if not finite.any():
        return np.zeros_like(values)
    centred = (values - values[finite].mean()) / (values[finite].std() + 1e-12)
    return np.where(finite, centred, 0.0)


def _movielens_year(text: str) -> float:
    """The 4-digit year at the end of a date ("01-Jan-1995") or a title ("Toy Story (1995)"), NaN if none."""
    digits = text.strip().rstrip(")").strip()[-4:]
    return float(digits) if digits.isdigit() else np.nan


def load_movielens(folder) -> Interactions:
    """A MovieLens 100K or 1M folder the learner downloaded, as the course's Interactions (notebook 12).

    100K: u.data (user, item, rating, timestamp; tab-separated), u.item (id|title|date|video date|URL|19 genre
    flags), u.user (id|age|gender|occupation|zip). 1M: ratings.dat (user::movie::rating::timestamp),
    movies.dat (id::title::genre|genre...), users.dat (id::gender::age::occupation::zip). Latin-1 text.
    The result is what make_interactions returns, so every lesson runs on it:
    - user_id, item_id: zero-based, in the order of the sorted original ids of u.user / u.item (users.dat /
      movies.dat), so users and items without a rating keep their row; the original ids are in
      meta["user_original_id"] and meta["item_original_id"], titles in meta["item_title"];
    - rating: 1..5 stars, rating_scaled = (rating - 1) / 4; rows sorted by timestamp (stable), so the last
      rows are the latest;
    - click: a stand-in, 1 where rating >= LIKED_RATING (4); real data has no click log;
    - item_genres: multi-hot (19 genres in 100K with "unknown", 18 in 1M; names in meta["genres"]);
      item_features: the genres plus the standardised release year; user_features: standardised age,
      gender (1 = F) and the occupation one-hot (names in meta["occupations"]);
    - the known truth does not exist on real data: click_probability is NaN on every row, user_factors and
      item_factors have zero columns, cold_items is empty (meta["known_truth"] is False).
    Raises MovieLensError (a ValueError) naming the file it expected when the folder is missing, lacks a
    file, or a file is not in the format above (the line is named). No download happens here.
    """
    from pathlib import Path

    folder = Path(folder)
    layouts = " or ".join(f"{', '.join(files)} ({source})" for source, files in MOVIELENS_FILES.items())
    if not folder.is_dir():
        raise MovieLensError(f"MovieLens folder not found: {folder} (expected a folder holding {layouts})")
    present = {source: [name for name in files if (folder / name).is_file()] for source, files in MOVIELENS_FILES.items()}
    source = next((s for s, files in MOVIELENS_FILES.items() if files[0] in present[s]), None)
    if source is None:
        hint = ""
        if (folder / "ratings.csv").is_file():
            hint = ": it holds ratings.csv, the layout of MovieLens 20M/25M/32M/latest, which this loader does not read"
        else:
            inside = [name for name in ("ml-100k", "ml-1m") if (folder / name).is_dir()]
            hint = f": did you mean its subfolder {inside[0]}?" if inside else ""
        raise MovieLensError(f"{folder} holds neither u.data (MovieLens 100K) nor ratings.dat (MovieLens 1M){hint} "
                             f"(expected {layouts})")
    files = MOVIELENS_FILES[source]
    for name in files:
        if name not in present[source]:
            raise MovieLensError(f"{source} folder {folder} has {files[0]} but no {name} (expected {', '.join(files)})")
    ratings_name, items_name, users_name = files
    genres = MOVIELENS_GENRES[source]

    if source == "MovieLens 100K":
        rating_rows = _movielens_table(_movielens_lines(folder / ratings_name, ratings_name), ratings_name, "\t", 4,
                                       "user id, item id, rating, timestamp")
        item_rows = _movielens_table(_movielens_lines(folder / items_name, items_name), items_name, "|",
                                     5 + len(genres), f"id|title|release date|video release date|URL|{len(genres)} genre flags")
        user_rows = _movielens_table(_movielens_lines(folder / users_name, users_name), users_name, "|", 5,
                                     "id|age|gender|occupation|zip code")
        flags = np.array([[field.strip() == "1" for field in row[5:5 + len(genres)]] for row in item_rows])
        item_years = np.array([_movielens_year(row[2]) for row in item_rows])
        ages = _movielens_numbers(user_rows, 1, users_name, "age")
        genders, occupations = [row[2].strip() for row in user_rows], [row[3].strip() for row in user_rows]
    else:
        rating_rows = _movielens_table(_movielens_lines(folder / ratings_name, ratings_name), ratings_name, "::", 4,
                                       "UserID::MovieID::Rating::Timestamp")
        item_rows = _movielens_table(_movielens_lines(folder / items_name, items_name), items_name, "::", 3,
                                     "MovieID::Title::Genres")
        user_rows = _movielens_table(_movielens_lines(folder / users_name, users_name), users_name, "::", 5,
                                     "UserID::Gender::Age::Occupation::Zip-code")
        lookup = {genre: column for column, genre in enumerate(genres)}
        flags = np.zeros((len(item_rows), len(genres)), dtype=bool)
        for row_number, row in enumerate(item_rows):
            for genre in row[2].strip().split("|"):
                if genre not in lookup:
                    raise MovieLensError(f"{items_name} line {row_number + 1}: unknown genre {genre!r} "
                                         f"(MovieLens 1M genres: {', '.join(genres)})")
                flags[row_number, lookup[genre]] = True
        item_years = np.array([_movielens_year(row[1]) for row in item_rows])
        ages = _movielens_numbers(user_rows, 2, users_name, "age")
        genders = [row[1].strip() for row in user_rows]
        occupations = [f"occupation {int(code)}" for code in _movielens_numbers(user_rows, 3, users_name, "occupation")]

    user_original = _movielens_numbers(rating_rows, 0, ratings_name, "user id")
    item_original = _movielens_numbers(rating_rows, 1, ratings_name, "item id")
    stars = _movielens_numbers(rating_rows, 2, ratings_name, "rating")
    timestamp = _movielens_numbers(rating_rows, 3, ratings_name, "timestamp")
    bad = (stars < 1) | (stars > 5)
    if bad.any():
        first = int(np.argmax(bad))
        raise MovieLensError(f"{ratings_name} line {first + 1}: rating {stars[first]} is not in 1..5")
    users_known = _movielens_numbers(user_rows, 0, users_name, "user id")
    items_known = _movielens_numbers(item_rows, 0, items_name, "item id")
    for known, name in ((users_known, users_name), (items_known, items_name)):
        if len(np.unique(known)) != len(known):
            raise MovieLensError(f"{name}: an id appears on two lines")
    user_order, item_order = np.argsort(users_known), np.argsort(items_known)
    user_id = _movielens_index(user_original, users_known[user_order], ratings_name, users_name, "user")
    item_id = _movielens_index(item_original, items_known[item_order], ratings_name, items_name, "item")
    pairs = user_id.astype(np.int64) * len(items_known) + item_id
    if len(np.unique(pairs)) != len(pairs):
        raise MovieLensError(f"{ratings_name}: a (user, item) pair is rated twice; MovieLens has one rating per pair")

    occupation_names = sorted(set(occupations))
    occupation_column = np.array([occupation_names.index(name) for name in occupations])
    user_features = np.column_stack([
        _standardised(ages.astype(np.float64)),
        np.array([gender == "F" for gender in genders], dtype=np.float64),
        np.eye(len(occupation_names))[occupation_column],
    ])[user_order]
    item_genres = flags[item_order].astype(np.float32)
    item_features = np.column_stack([item_genres, _standardised(item_years[item_order])])

    order = np.argsort(timestamp, kind="stable")  # rows in time order: the last rows are the latest
    rating = stars[order].astype(np.float32)
    titles = [row[1].strip() for row in item_rows]
    return Interactions(
        user_id=user_id[order],
        item_id=item_id[order],
        click=(rating >= LIKED_RATING).astype(np.float32),
        rating=rating,
        rating_scaled=((rating - 1.0) / 4.0).astype(np.float32),
        click_probability=np.full(len(rating), np.nan, dtype=np.float32),
        user_features=user_features.astype(np.float32),
        item_features=item_features.astype(np.float32),
        item_genres=item_genres,
        user_factors=np.zeros((len(users_known), 0), dtype=np.float32),
        item_factors=np.zeros((len(items_known), 0), dtype=np.float32),
        cold_items=np.zeros(0, dtype=np.int32),
        meta={"source": source, "known_truth": False, "click": f"rating >= {LIKED_RATING} (a stand-in)",
              "genres": genres, "occupations": tuple(occupation_names),
              "user_original_id": users_known[user_order], "item_original_id": items_known[item_order],
              "item_title": [titles[i] for i in item_order],
              "first_timestamp": int(timestamp.min()), "last_timestamp": int(timestamp.max())},
    )
