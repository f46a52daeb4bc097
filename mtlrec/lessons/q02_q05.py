"""Helpers for notebooks 02 (applications) and 05 (against traditional collaborative filtering).

Notebook 02 transfers user vectors between two matrix-factorization click models (cross-domain
recommendation, exercise ex02_transfer); notebook 05 sets a plain matrix factorization (exercise
ex05_matrix_factorization) and an item-based k-nearest-neighbour recommender against the multi-task
hybrid. The models here are small on purpose: every comparison runs over several seeds within the
notebook's minute, and repeated trainings reuse one traced model through
`mtlrec.lessons.q01_q03.Retrainer`.
"""

from __future__ import annotations

import logging

import numpy as np

import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras
from keras import layers

from mtlrec import metrics
from mtlrec.data import Interactions

# Reusing one model across seeds makes TensorFlow print "triggered tf.function retracing" advice
# for the prediction step; it is harmless here and would clutter the notebooks' outputs.
logging.getLogger("tensorflow").setLevel(logging.ERROR)

__all__ = [
    "id_inputs",
    "build_click_mf",
    "predict_scores",
    "click_auc",
    "split_users",
    "item_knn_predict",
    "compare",
    "verdict",
    "say",
    "with_named_output",
    "train",
]


def id_inputs(data: Interactions) -> dict:
    """{"user_id", "item_id"}: the inputs of the ID-only models of notebooks 02 and 05."""
    return {"user_id": data.user_id.astype("int32"), "item_id": data.item_id.astype("int32")}


def build_click_mf(num_users: int, num_items: int, *, embedding_dim: int = 8, l2: float = 1e-4,
                   learning_rate: float = 0.02) -> keras.Model:
    """Logistic matrix factorization for clicks, the source and target models of notebook 02.

    click probability = sigmoid(w * (p_u . q_i) + b_i + b): layers named `user_embedding` (p),
    `item_embedding` (q), `item_bias` (b_i) and `click` (w, b), so that `transfer_layers` can move
    `user_embedding` from one domain's model to another's. Dict inputs user_id, item_id; dict output
    {"click": (batch, 1)}; compiled with Adam and binary cross-entropy.
    """
    user_id = keras.Input(shape=(), dtype="int32", name="user_id")
    item_id = keras.Input(shape=(), dtype="int32", name="item_id")
    regularizer = keras.regularizers.L2(l2)
    start = keras.initializers.RandomNormal(stddev=0.1)
    user_vector = layers.Embedding(num_users, embedding_dim, embeddings_initializer=start,
                                   embeddings_regularizer=regularizer, name="user_embedding")(user_id)
    item_vector = layers.Embedding(num_items, embedding_dim, embeddings_initializer=start,
                                   embeddings_regularizer=regularizer, name="item_embedding")(item_id)
    item_bias = layers.Embedding(num_items, 1, embeddings_initializer="zeros", name="item_bias")(item_id)
    affinity = layers.Dot(axes=1, name="affinity")([user_vector, item_vector])  # (batch, 1)
    logit = layers.Add(name="logit")([affinity, item_bias])  # (batch, 1)
    click = layers.Dense(1, activation="sigmoid", name="click")(logit)  # (batch, 1)
    model = keras.Model({"user_id": user_id, "item_id": item_id}, {"click": click}, name="click_mf")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss={"click": "binary_crossentropy"})
    return model


def predict_scores(model: keras.Model, inputs, output: str | None = None) -> np.ndarray:
    """(n,) predictions of one output, by calling the model directly (no predict() trace per model)."""
    raw = model(inputs, training=False)
    if isinstance(raw, dict):
        raw = raw[output or list(raw)[0]]
    elif isinstance(raw, (list, tuple)):
        raw = raw[list(model.output_names).index(output) if output else 0]
    return np.asarray(raw, dtype=np.float64).reshape(-1)


def click_auc(model: keras.Model, data: Interactions, inputs=None) -> float:
    """Click AUC of a model on an Interactions table (inputs default to the ID inputs)."""
    inputs = id_inputs(data) if inputs is None else inputs
    return metrics.auc(data.click, predict_scores(model, inputs, "click"))


def split_users(data: Interactions, cold_fraction: float, seed: int):
    """(warm rows, cold rows, cold user ids): every interaction of a random share of users held out.

    Notebook 02's cross-domain lesson: the held-out users have no target-domain history at all.
    """
    rng = np.random.default_rng(seed)
    cold_users = np.sort(rng.choice(data.num_users, int(round(cold_fraction * data.num_users)), replace=False))
    is_cold = np.isin(data.user_id, cold_users)
    return data.subset(~is_cold), data.subset(is_cold), cold_users


def item_knn_predict(train: Interactions, query: Interactions, *, k: int = 20, shrinkage: float = 10.0) -> np.ndarray:
    """Item-based k-nearest-neighbour ratings (Sarwar et al., 2001), the classic CF of notebook 05.

    Similarity of items i, j: cosine of their rating columns after removing each user's mean
    (adjusted cosine), shrunk by n_ij / (n_ij + shrinkage) where n_ij users rated both. A query
    (u, i) predicts mean_u + sum_j s_ij (r_uj - mean_u) / sum_j |s_ij| over the k items j most
    similar to i among those u rated (positive similarities only); with no such neighbour (a
    cold-start item, say) it falls back to the user's mean. Returns (len(query),) stars.
    """
    num_users, num_items = train.num_users, train.num_items
    rated = np.zeros((num_users, num_items), dtype=bool)
    rated[train.user_id, train.item_id] = True
    counts = np.bincount(train.user_id, minlength=num_users)
    sums = np.bincount(train.user_id, weights=train.rating, minlength=num_users)
    global_mean = float(train.rating.mean())
    user_mean = np.where(counts > 0, sums / np.maximum(counts, 1), global_mean)
    centred = np.zeros((num_users, num_items))
    centred[train.user_id, train.item_id] = train.rating - user_mean[train.user_id]

    norms = np.sqrt((centred**2).sum(axis=0)) + 1e-9  # (num_items,)
    similarity = (centred.T @ centred) / np.outer(norms, norms)  # (num_items, num_items)
    together = rated.T.astype(np.float64) @ rated.astype(np.float64)  # users who rated both
    similarity *= together / (together + shrinkage)
    np.fill_diagonal(similarity, 0.0)
    similarity = np.clip(similarity, 0.0, None)

    weights = similarity[query.item_id] * rated[query.user_id]  # (n_query, num_items)
    if k < num_items:  # keep the k largest weights of every row
        cut = np.partition(weights, num_items - k, axis=1)[:, num_items - k][:, None]
        weights = np.where(weights >= cut, weights, 0.0)
    numerator = (weights * centred[query.user_id]).sum(axis=1)
    denominator = weights.sum(axis=1)
    offset = np.divide(numerator, denominator, out=np.zeros_like(numerator), where=denominator > 1e-9)
    return np.clip(user_mean[query.user_id] + offset, 1.0, 5.0)


def compare(frame, metric: str, column: str, candidate: str, baseline: str, *, lower_is_better: bool = False) -> dict:
    """Seed-by-seed gain of `candidate` over `baseline` (rows of `frame` told apart by `column`).

    Returns {"gain": mean, "spread": std over seeds, "wins": seeds where the candidate is better,
    "seeds": number of seeds}; the gain is positive when the candidate is better (for an error
    metric, pass lower_is_better=True). Pairing by seed removes the data-set-to-data-set variation.
    """
    pivot = frame.pivot_table(index="seed", columns=column, values=metric)
    gain = pivot[candidate] - pivot[baseline]
    if lower_is_better:
        gain = -gain
    return {"gain": float(gain.mean()), "spread": float(gain.std(ddof=1)) if len(gain) > 1 else 0.0,
            "wins": int((gain > 0).sum()), "seeds": int(len(gain))}


def verdict(result: dict) -> str:
    """'holds', 'reversed' or 'not shown': all seeds agree and the mean gain exceeds its spread, or not."""
    if result["wins"] == result["seeds"] and result["gain"] > result["spread"]:
        return "holds"
    if result["wins"] == 0 and -result["gain"] > result["spread"]:
        return "reversed"
    return "not shown (within the seed-to-seed spread)"


def say(result: dict, candidate: str, baseline: str, metric: str) -> str:
    """One sentence for a notebook: the paired gain, how many seeds agree, and the verdict."""
    return (f"{candidate} vs {baseline}, {metric}: gain {result['gain']:+.3f} ± {result['spread']:.3f} "
            f"(better on {result['wins']}/{result['seeds']} seeds) -> {verdict(result)}")


def with_named_output(model: keras.Model, name: str = "rating") -> keras.Model:
    """The same model with its single output under a name (dict output), compiled with squared error.

    `Retrainer` feeds targets as a dict {output name: labels}; a learner's matrix factorization may
    return a bare tensor. The wrapper shares the layers (and so the weights) of `model` and gets a
    fresh optimizer of the same class and settings (notebook 05).
    """
    if isinstance(model.output, dict):
        return model
    wrapped = keras.Model(model.input, {name: model.outputs[0]}, name=f"{model.name}_named")
    optimizer = type(model.optimizer).from_config(model.optimizer.get_config())
    wrapped.compile(optimizer=optimizer, loss={name: "mean_squared_error"})
    return wrapped


def train(model: keras.Model, inputs: dict, targets: dict, *, epochs: int, batch_size: int, seed: int) -> keras.Model:
    """One seeded training run of a built, compiled model, as `model.fit` would do it (notebook 02).

    It goes through `Retrainer`'s lean loop (the compiled loss and optimizer, the model's current
    trainable variables, seeded shuffled batches), whose one-off trace costs about a third of
    `fit`'s; the model keeps its weights as the starting point. Returns the trained model.
    """
    from mtlrec.lessons.q01_q03 import Retrainer

    return Retrainer(lambda: model).fit(seed, inputs, targets, epochs=epochs, batch_size=batch_size)
