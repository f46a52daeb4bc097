"""Multi-label recommendation (notebook 07, exercise ex07_multilabel): the task's data and helpers.

The task, built on `mtlrec.data.make_interactions` (known truth): for an interaction (user i, item j)
predict, for every genre g, whether the user engaged with the item under that genre,

    label[n, g] = click[n] AND item_genres[j, g]          (genre-level engagement, "tags clicked")

so a row can have no label (no click), one, or several (a click on a multi-genre item). Both inputs
matter and both are learnable from content: the item features reveal the item factors that drew the
genres (sigmoid(4 v_j . G_g + bias_g)), and the user and item features together reveal the affinity
u_i . v_j that drives the click. Later genres are rarer (falling genre bias), and the click factor is
shared by every label, so the labels co-occur: the shared structure a multi-task model can exploit.

Numpy only at import; the Keras helpers import Keras when called.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mtlrec import metrics
from mtlrec.data import Interactions, make_interactions

__all__ = [
    "MultiLabelSet",
    "genre_engagement_labels",
    "make_genre_engagement",
    "head_names",
    "head_targets",
    "predict_labels",
    "per_label_auc",
    "positive_weights_from_frequency",
    "evaluate_multilabel",
    "build_label_model",
]


@dataclass
class MultiLabelSet:
    """Rows of a multi-label task: the two model inputs and the 0/1 label matrix (notebook 07)."""

    user_features: np.ndarray  # (n, user_feature_dim)
    item_features: np.ndarray  # (n, item_feature_dim)
    labels: np.ndarray  # (n, num_labels) float32 0/1
    item_genres: np.ndarray | None = None  # (n, num_genres) the rows' item genres (known truth, for analysis)
    click: np.ndarray | None = None  # (n,) the rows' clicks (known truth, for analysis)

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    @property
    def inputs(self) -> list[np.ndarray]:
        """[user_features, item_features], the input list of the ex07 models."""
        return [self.user_features, self.item_features]

    @property
    def num_labels(self) -> int:
        return int(self.labels.shape[1])


def genre_engagement_labels(data: Interactions) -> np.ndarray:
    """(n, num_genres) float32: 1 where the interaction is a click on an item of that genre."""
    return (data.click[:, None] * data.item_genres[data.item_id]).astype(np.float32)


def _rows(data: Interactions) -> MultiLabelSet:
    return MultiLabelSet(
        user_features=data.user_features[data.user_id],
        item_features=data.item_features[data.item_id],
        labels=genre_engagement_labels(data),
        item_genres=data.item_genres[data.item_id],
        click=data.click,
    )


def make_genre_engagement(
    num_users: int = 300,
    num_items: int = 200,
    num_interactions: int = 4000,
    *,
    num_genres: int = 4,
    validation_fraction: float = 0.2,
    test_fraction: float = 0.2,
    seed: int = 0,
    **interaction_settings,
) -> dict[str, MultiLabelSet]:
    """{"train", "validation", "test"} genre-engagement sets, rows split at random (seeded).

    Extra keyword arguments go to make_interactions (e.g. user_feature_dim, content_noise).
    The validation set is for decisions (thresholds, early stopping); the test set only reports.
    """
    if not (0.0 < validation_fraction and 0.0 < test_fraction and validation_fraction + test_fraction < 1.0):
        raise ValueError("validation_fraction and test_fraction must be positive and sum below 1")
    data = make_interactions(num_users, num_items, num_interactions, num_genres=num_genres,
                             cold_item_fraction=0.0, seed=seed, **interaction_settings)
    draw = np.random.default_rng(seed + 7919).random(len(data))
    is_test = draw < test_fraction
    is_validation = (draw >= test_fraction) & (draw < test_fraction + validation_fraction)
    return {
        "train": _rows(data.subset(~is_test & ~is_validation)),
        "validation": _rows(data.subset(is_validation)),
        "test": _rows(data.subset(is_test)),
    }


# ------------------------------------------------------------------------------ per-label heads
def head_names(num_labels: int) -> list[str]:
    """['label_output_0', ..., 'label_output_{num_labels-1}'], the per-label heads' names."""
    return [f"label_output_{label}" for label in range(num_labels)]


def head_targets(labels: np.ndarray, output_names=None) -> list[np.ndarray]:
    """The label matrix as one (n, 1) column per head, in the order of `output_names` (label_output_i)."""
    labels = np.asarray(labels, dtype=np.float32)
    names = list(output_names) if output_names is not None else head_names(labels.shape[1])
    return [labels[:, [int(name.rsplit("_", 1)[1])]] for name in names]


def predict_labels(model, inputs) -> np.ndarray:
    """(n, num_labels) probabilities from either model style: one `labels` output or label_output_i heads.

    Calls the model directly (one batch): for the few thousand rows of a lesson this avoids the
    prediction graph that model.predict builds on its first call.
    """
    raw = model(inputs, training=False)
    names = list(model.output_names)
    if isinstance(raw, dict):
        raw = [raw[name] for name in names]
    if not isinstance(raw, (list, tuple)):
        return np.asarray(raw, dtype=np.float64).reshape(len(inputs[0]), -1)
    columns = dict(zip(names, raw))
    ordered = sorted(names, key=lambda name: int(name.rsplit("_", 1)[1]))
    return np.concatenate([np.asarray(columns[name], dtype=np.float64).reshape(-1, 1) for name in ordered], axis=1)


# ------------------------------------------------------------------------------ metrics
def per_label_auc(y_true, y_score) -> np.ndarray:
    """(num_labels,) AUC of each label column; NaN where a label has a single class in y_true."""
    y_true, y_score = np.asarray(y_true), np.asarray(y_score)
    values = []
    for label in range(y_true.shape[1]):
        column = y_true[:, label] > 0.5
        values.append(metrics.auc(column, y_score[:, label]) if 0 < column.sum() < column.size else np.nan)
    return np.asarray(values)


def positive_weights_from_frequency(labels, power: float = 1.0) -> np.ndarray:
    """(num_labels,) weights (negatives / positives) ** power per label, 1 where a label has no positive.

    power=1 balances the two classes' total weight; power=0.5 is a milder, common compromise.
    """
    labels = np.asarray(labels) > 0.5
    positives = labels.sum(axis=0).astype(np.float64)
    negatives = labels.shape[0] - positives
    ratio = np.divide(negatives, positives, out=np.ones_like(positives), where=positives > 0)
    return (ratio**power).astype(np.float32)


def evaluate_multilabel(y_true, y_probability, thresholds=0.5, k: int = 1) -> dict[str, float]:
    """The notebook's scoreboard: micro/macro F1, Hamming loss at the thresholds, mean per-label AUC,
    log loss, and precision@k over the rows that have at least one true label (tag recommendation)."""
    y_true = np.asarray(y_true, dtype=np.float64)
    y_probability = np.asarray(y_probability, dtype=np.float64)
    decisions = (y_probability >= np.asarray(thresholds, dtype=np.float64)).astype(np.float64)
    return {
        "micro_f1": metrics.micro_f1(y_true, decisions),
        "macro_f1": metrics.macro_f1(y_true, decisions),
        "hamming_loss": metrics.hamming_loss(y_true, decisions),
        "mean_auc": float(np.nanmean(per_label_auc(y_true, y_probability))),
        "log_loss": metrics.log_loss(y_true, y_probability),
        f"precision_at_{k}": metrics.precision_at_k(y_true, y_probability, k),
    }


# ------------------------------------------------------------------------------ the comparisons' model
def build_label_model(
    user_dim: int,
    item_dim: int,
    num_labels: int,
    *,
    output: str = "vector",
    share: bool = True,
    tower_units=(64, 32),
    shared_units: int = 64,
    label_units: int = 0,
    loss=None,
    learning_rate: float = 1e-3,
):
    """The article's architecture, configurable for notebook 07's side-by-side comparisons.

    output="vector": one sigmoid Dense(num_labels) named `labels` (binary cross-entropy);
    output="heads": one sigmoid Dense(1) per label named label_output_i (binary cross-entropy each);
    output="softmax": one softmax Dense(num_labels) named `labels` with categorical cross-entropy
    (the multi-class mistake). share=False gives every label its own towers and hidden layer
    (binary relevance: no sharing), outputs joined into one `labels` vector. label_units > 0 gives
    every label its own small relu layer of that width between the shared layer and its sigmoid
    (shared bottom + per-label towers). `loss` overrides the loss of the vector output (e.g. a
    weighted binary cross-entropy).
    """
    import keras
    from keras import layers

    if output not in ("vector", "heads", "softmax"):
        raise ValueError(f"output must be 'vector', 'heads' or 'softmax', got {output!r}")
    if not share and output != "vector":
        raise ValueError("share=False builds independent per-label networks with a vector output only")
    user_features = keras.Input(shape=(user_dim,), name="user_features")
    item_features = keras.Input(shape=(item_dim,), name="item_features")

    def trunk(prefix: str):
        user_vector, item_vector = user_features, item_features
        for depth, units in enumerate(tower_units):
            user_vector = layers.Dense(units, activation="relu", name=f"{prefix}user_tower_{depth}")(user_vector)
            item_vector = layers.Dense(units, activation="relu", name=f"{prefix}item_tower_{depth}")(item_vector)
        joined = layers.Concatenate(name=f"{prefix}joined")([user_vector, item_vector])  # (batch, 2 * last units)
        return layers.Dense(shared_units, activation="relu", name=f"{prefix}shared")(joined)  # (batch, shared_units)

    optimizer = keras.optimizers.Adam(learning_rate)
    if not share:
        columns = [layers.Dense(1, activation="sigmoid", name=f"label_{label}_head")(trunk(f"label_{label}_"))
                   for label in range(num_labels)]  # num_labels x (batch, 1)
        labels = layers.Concatenate(name="labels")(columns) if num_labels > 1 else columns[0]
        model = keras.Model([user_features, item_features], labels)
        model.compile(optimizer=optimizer, loss=loss or "binary_crossentropy")
        return model

    hidden = trunk("")
    if output == "heads":
        outputs = [layers.Dense(1, activation="sigmoid", name=name)(hidden) for name in head_names(num_labels)]
        model = keras.Model([user_features, item_features], outputs)
        model.compile(optimizer=optimizer, loss={name: "binary_crossentropy" for name in head_names(num_labels)})
        return model
    activation = "softmax" if output == "softmax" else "sigmoid"
    if label_units and output == "vector":
        columns = [layers.Dense(1, activation="sigmoid", name=f"label_{label}_head")(
            layers.Dense(label_units, activation="relu", name=f"label_{label}_tower")(hidden))
            for label in range(num_labels)]  # num_labels x (batch, 1)
        labels = layers.Concatenate(name="labels")(columns) if num_labels > 1 else columns[0]
    else:
        labels = layers.Dense(num_labels, activation=activation, name="labels")(hidden)  # (batch, num_labels)
    default_loss = "categorical_crossentropy" if output == "softmax" else "binary_crossentropy"
    model = keras.Model([user_features, item_features], labels)
    model.compile(optimizer=optimizer, loss=loss or default_loss)
    return model
