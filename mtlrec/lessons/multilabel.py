"""Multi-label recommendation (notebook 07, exercise ex07_multilabel): the task's data and helpers.

The task, built on `mtlrec.data.make_interactions` (known truth): for an interaction (user i, item j)
predict, for every genre g, whether the user engaged with the item under that genre,

    label[n, g] = click[n] AND item_genres[j, g]          (genre-level engagement, "tags clicked")

so a row can have no label (no click), one, or several (a click on a multi-genre item). Later genres
are rarer (falling genre bias), and the click is shared by every label, so the labels co-occur.

Two parts make up each label: the item's genre, which serving knows (it is catalogue data), and the
click, which is the recommendation. A model that is not given the genres must recognise them from the item
features, and its per-label AUC then mostly measures that (a scorer that knows only the genres already
scores high). So notebook 07 gives the model the item's genres (`MultiLabelSet.inputs_with_genres` appends
them to the item features) and headlines `within_genre_auc`: for label g, the AUC among rows whose item has
genre g, where the label is the click alone. In this generator the click has no term of the genre's own, so
every label's within-genre part is the same click event: the best case for sharing across labels.

Numpy only at import; the Keras helpers import Keras when called.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mtlrec import metrics
from mtlrec.data import Interactions, make_interactions

__all__ = [
    "MultiLabelSet",
    "make_genre_engagement",
    "head_names",
    "head_targets",
    "predict_labels",
    "per_label_auc",
    "within_genre_auc",
    "positive_weights_from_frequency",
    "evaluate_multilabel",
    "build_label_model",
    "model_inputs",
    "fit_over_seeds",
    "ARTICLE_CODE",
    "undefined_names",
    "run_article_code",
]


@dataclass
class MultiLabelSet:
    """Rows of a multi-label task: the two model inputs and the 0/1 label matrix (notebook 07)."""

    user_features: np.ndarray  # (n, user_feature_dim)
    item_features: np.ndarray  # (n, item_feature_dim)
    labels: np.ndarray  # (n, num_labels) float32 0/1
    item_genres: np.ndarray | None = None  # (n, num_genres) the rows' item genres (catalogue data)
    click: np.ndarray | None = None  # (n,) the rows' clicks (known truth, for analysis)
    click_probability: np.ndarray | None = None  # (n,) the generator's noise-free click probability (known truth)

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    @property
    def inputs(self) -> list[np.ndarray]:
        """[user_features, item_features], the input list of the ex07 models."""
        return [self.user_features, self.item_features]

    @property
    def inputs_with_genres(self) -> list[np.ndarray]:
        """[user_features, item_features + the item's genres]: what serving knows about the pair."""
        item = np.concatenate([self.item_features, self.item_genres], axis=1)  # (n, item_feature_dim + num_genres)
        return [self.user_features, item.astype(np.float32)]

    @property
    def num_labels(self) -> int:
        return int(self.labels.shape[1])


def _rows(data: Interactions) -> MultiLabelSet:
    return MultiLabelSet(
        user_features=data.user_features[data.user_id],
        item_features=data.item_features[data.item_id],
        labels=data.genre_engagement,
        item_genres=data.item_genres[data.item_id],
        click=data.click,
        click_probability=data.click_probability,
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

    Extra keyword arguments go to make_interactions
(e.g. user_feature_dim,
    content_noise). The validation set is for decisions (thresholds, early stopping); the test set only reports.
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


# ------------------------------------------------------------------------------ the article's code
# The article's answer to coding problem 2, character for character (../shared/seed/, second code block).
ARTICLE_CODE = '''import tensorflow as tf
from tensorflow.keras.models import Model
from tensorflow.keras.layers import Input, Dense, concatenate, Conv2D, MaxPooling2D

# 假设用户和物品的特征向量维度分别为 user_dim 和 item_dim
user_input = Input(shape=(user_dim,))
item_input = Input(shape=(item_dim,))

# 分别对用户和物品进行特征提取
user_embedding = Dense(64, activation='relu')(user_input)
item_embedding = Dense(64, activation='relu')(item_input)

# 将用户和物品的特征向量拼接
combined = concatenate([user_embedding, item_embedding])

# 对拼接后的特征向量进行分类和回归
label_outputs = []
for label in range(num_labels):
    label_output = Dense(1, activation='sigmoid', name=f'label_output_{label}')(combined)
    label_outputs.append(label_output)

# 构建模型
model = Model(inputs=[user_input, item_input], outputs=label_outputs)

# 编译模型
model.compile(optimizer='adam', loss={'label_output_0': 'binary_crossentropy', 'label_output_1': 'binary_crossentropy', ...})

# 模型训练
model.fit([user_data, item_data], label_labels, epochs=10, batch_size=32)
'''


def undefined_names(code: str) -> list[str]:
    """Names a piece of code reads but never defines, imports or binds (sorted); builtins excluded."""
    import ast
    import builtins

    tree = ast.parse(code)
    bound = {alias.asname or alias.name.split(".")[0] for node in ast.walk(tree)
             if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names}
    bound |= {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
    read = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
    return sorted(read - bound - set(dir(builtins)))


def run_article_code(code: str, **names):
    """Run `code` as a script with `names` defined; returns (its namespace, the exception or None).

    What it prints (Keras's progress lines) is captured, not shown.
    """
    import contextlib
    import io

    namespace = dict(names)
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            exec(compile(code, "article.py", "exec"), namespace)
        except Exception as error:  # the point is to see which error the article's code raises
            return namespace, error
    return namespace, None


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

    Built on mtlrec.training.predict_outputs (one eager call, no prediction graph to trace).
    """
    from mtlrec.training import predict_outputs

    outputs = predict_outputs(model, inputs)  # {output name: array}
    if len(outputs) == 1:
        (values,) = outputs.values()
        return np.asarray(values, dtype=np.float64).reshape(len(values), -1)
    ordered = sorted(outputs, key=lambda name: int(name.rsplit("_", 1)[1]))
    return np.concatenate([np.asarray(outputs[name], dtype=np.float64).reshape(-1, 1) for name in ordered], axis=1)


# ------------------------------------------------------------------------------ metrics
def per_label_auc(y_true, y_score) -> np.ndarray:
    """(num_labels,) AUC of each label column; NaN where a label has a single class in y_true or a NaN score."""
    y_true, y_score = np.asarray(y_true), np.asarray(y_score)
    values = []
    for label in range(y_true.shape[1]):
        column = y_true[:, label] > 0.5
        defined = 0 < column.sum() < column.size and not np.isnan(y_score[:, label]).any()
        values.append(metrics.auc(column, y_score[:, label]) if defined else np.nan)
    return np.asarray(values)


def within_genre_auc(y_true, y_score, item_genres) -> np.ndarray:
    """(num_labels,) for label g, the AUC among rows whose item has genre g (there the label is the click).

    The recommendation part of a genre-engagement label: does the model rank, among items of genre g,
    the ones the user engages with first? A score that only knows the genre is constant there (AUC 0.5).
    NaN where those rows hold a single class, or where the label's scores are NaN (a model without that label).
    """
    y_true, y_score = np.asarray(y_true), np.asarray(y_score)
    has_genre = np.asarray(item_genres) > 0.5
    values = []
    for label in range(y_true.shape[1]):
        rows = has_genre[:, label]
        column = y_true[rows, label] > 0.5
        defined = 0 < column.sum() < column.size and not np.isnan(y_score[rows, label]).any()
        values.append(metrics.auc(column, y_score[rows, label]) if defined else np.nan)
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
    tower_units=(64, 32),
    shared_units: int = 64,
    label_units: int = 0,
    loss=None,
    learning_rate: float = 1e-3,
):
    """The exercise's architecture (towers 64 -> 32, a shared Dense 64, sigmoid heads), configurable for
    notebook 07's comparisons. (The article's own model is smaller: one Dense 64 per side, heads on the
    concatenation.)

    output="vector": one sigmoid Dense(num_labels) named `labels` (binary cross-entropy);
    output="heads": one sigmoid Dense(1) per label named label_output_i (binary cross-entropy each);
    output="softmax": one softmax Dense(num_labels) named `labels` with categorical cross-entropy
    (the multi-class mistake). A separate network per label (binary relevance, no sharing) is this
    model with num_labels=1, trained on that label alone. label_units > 0 gives every label its own
    small relu layer of that width between the shared layer and its sigmoid (shared bottom + per-label
    towers). `loss` overrides the loss of the vector output (e.g. a weighted binary cross-entropy).
    """
    import keras
    from keras import layers

    if output not in ("vector", "heads", "softmax"):
        raise ValueError(f"output must be 'vector', 'heads' or 'softmax', got {output!r}")
    user_features = keras.Input(shape=(user_dim,), name="user_features")
    item_features = keras.Input(shape=(item_dim,), name="item_features")

    user_vector, item_vector = user_features, item_features
    for depth, units in enumerate(tower_units):
        user_vector = layers.Dense(units, activation="relu", name=f"user_tower_{depth}")(user_vector)
        item_vector = layers.Dense(units, activation="relu", name=f"item_tower_{depth}")(item_vector)
    joined = layers.Concatenate(name="joined")([user_vector, item_vector])  # (batch, 2 * last units)
    hidden = layers.Dense(shared_units, activation="relu", name="shared")(joined)  # (batch, shared_units)
    optimizer = keras.optimizers.Adam(learning_rate)
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


# ------------------------------------------------------------------------------ training over seeds
def model_inputs(rows: MultiLabelSet, genres: bool = True) -> list[np.ndarray]:
    """The two model inputs of `rows`: with the item's genres appended to its features, or without."""
    return rows.inputs_with_genres if genres else rows.inputs


def fit_over_seeds(build, sets_by_seed: dict, *, epochs: int, batch_size: int, genres: bool = True,
                   columns=None) -> dict:
    """{seed: {"validation": p, "test": p}}: one architecture trained on every seed's data (notebook 07).

    build: no-argument function returning a compiled model (mtlrec.training.Retrainer builds it under
    each seed: new initial weights per seed); sets_by_seed: {seed: make_genre_engagement(..., seed=seed)}
    (new data per seed). columns: the label columns the model predicts (None: all). p: (n, num_labels)
    probabilities, NaN in the columns the model does not predict.
    """
    from mtlrec.training import Retrainer

    trainer = Retrainer(build)
    results = {}
    for seed, sets in sets_by_seed.items():
        num_labels = sets["train"].num_labels
        chosen = list(range(num_labels)) if columns is None else list(columns)
        labels = sets["train"].labels[:, chosen]
        names = list(trainer.fresh(seed).output_names)  # (the model is built on first use)
        targets = head_targets(labels, names) if len(names) > 1 else labels
        model = trainer.fit(seed, model_inputs(sets["train"], genres), targets, epochs=epochs, batch_size=batch_size)
        results[seed] = {}
        for part in ("validation", "test"):
            full = np.full((len(sets[part]), num_labels), np.nan)
            full[:, chosen] = predict_labels(model, model_inputs(sets[part], genres))
            results[seed][part] = full
    return results
