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
    "split_random",
    "split_by_user",
    "split_cold_items",
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
