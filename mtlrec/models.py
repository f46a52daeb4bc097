"""Model builders, their targets and metrics, shared by the lessons (notebooks 01-06).

Training lives in mtlrec.training (one loop); comparisons in mtlrec.experiments.

`build_recommender` covers the family the lessons compare on one data set: content-only (the
article's model), ID-only (matrix-factorization-like), the hybrid (IDs + content), single-task or
multi-task with a shared bottom. The exercises ask learners to write some of these themselves; the
notebooks use this one, configurable builder for the side-by-side comparisons.
"""

from __future__ import annotations

import numpy as np

import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras
from keras import layers

from mtlrec import metrics
from mtlrec.data import Interactions

TASK_LOSSES = {"click": "binary_crossentropy", "rating": "mean_squared_error"}
MISSING_LABEL = -1.0  # "no label for this task on this row" (ex01_multitask_loss, ex03_label_budget)



def build_recommender(
    num_users: int,
    num_items: int,
    user_feature_dim: int,
    item_feature_dim: int,
    *,
    tasks=("click", "rating"),
    use_ids: bool = True,
    use_content: bool = True,
    embedding_dim: int = 16,
    shared_units=(64,),
    tower_units=(32,),
    loss_weights: dict | None = None,
    learning_rate: float = 3e-3,
    l2: float = 1e-5,
) -> keras.Model:
    """A compiled shared-bottom recommender with one sigmoid head per task (click, rating scaled).

    Dict inputs user_id, item_id, user_features, item_features (all four, used or not, so every
    variant takes Interactions.model_inputs()). Outputs named after `tasks`.
    """
    if not (use_ids or use_content):
        raise ValueError("use_ids and use_content cannot both be False")
    user_id = keras.Input(shape=(), dtype="int32", name="user_id")
    item_id = keras.Input(shape=(), dtype="int32", name="item_id")
    user_features = keras.Input(shape=(user_feature_dim,), name="user_features")
    item_features = keras.Input(shape=(item_feature_dim,), name="item_features")

    pieces = []
    if use_ids:
        regularizer = keras.regularizers.L2(l2)
        user_vector = layers.Embedding(num_users, embedding_dim, embeddings_regularizer=regularizer,
                                       name="user_embedding")(user_id)  # (batch, embedding_dim)
        item_vector = layers.Embedding(num_items, embedding_dim, embeddings_regularizer=regularizer,
                                       name="item_embedding")(item_id)
        pieces += [user_vector, item_vector, layers.Multiply(name="id_interaction")([user_vector, item_vector])]
    if use_content:
        pieces += [user_features, item_features]
    hidden = layers.Concatenate(name="joined")(pieces) if len(pieces) > 1 else pieces[0]
    for i, units in enumerate(shared_units):
        hidden = layers.Dense(units, activation="relu", name=f"shared_{i}")(hidden)  # (batch, units)

    outputs = {}
    for task in tasks:
        tower = hidden
        for i, units in enumerate(tower_units):
            tower = layers.Dense(units, activation="relu", name=f"{task}_tower_{i}")(tower)
        outputs[task] = layers.Dense(1, activation="sigmoid", name=task)(tower)  # (batch, 1)

    model = keras.Model([user_id, item_id, user_features, item_features], outputs)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss={task: TASK_LOSSES[task] for task in tasks},
        loss_weights={task: float((loss_weights or {}).get(task, 1.0)) for task in tasks},
    )
    return model


def task_targets(data: Interactions, tasks=("click", "rating")) -> dict:
    """The training targets per task: click (0/1) and rating scaled to [0, 1]."""
    columns = {"click": data.click, "rating": data.rating_scaled}
    return {task: columns[task].reshape(-1, 1) for task in tasks}


def task_weights(size: int, **weights: float | np.ndarray) -> dict[str, np.ndarray]:
    """Per-row sample weights {task: (n,) float32}: a number weights every row, an array row by row.

    A weight of 0 switches a task's label off on that row: Keras multiplies the row's loss by it and
    still divides by the batch size, so a task whose labels are mostly switched off weighs less.
    """
    return {task: np.broadcast_to(np.asarray(value, dtype=np.float32), (size,)).copy() for task, value in weights.items()}


def constant_prediction_losses(data: Interactions, tasks=("click", "rating")) -> dict[str, float]:
    """{task: the loss of predicting the task's mean label on `data`}, the scale normalised loss weights divide by.

    click: binary cross-entropy of the click rate p, -p log p - (1 - p) log(1 - p) (about 0.69 at p = 0.5);
    rating: variance of rating_scaled, the squared error of its mean (about 0.08 here). At equal loss
    weights the click term is then about ten times the rating term; weights {task: 1 / loss} start both
    near 1 (notebooks 02 and 05).
    """
    losses = {}
    for task in tasks:
        if task == "click":
            rate = float(np.clip(np.mean(data.click), 1e-7, 1 - 1e-7))
            losses[task] = -rate * np.log(rate) - (1 - rate) * np.log(1 - rate)
        else:
            losses[task] = float(np.var(data.rating_scaled))
    return losses



def predict_tasks(model: keras.Model, data: Interactions) -> dict[str, np.ndarray]:
    """{task: predictions (n,)}; rating predictions are mapped back to the 1..5 stars."""
    raw = model(data.model_inputs(), training=False)  # eager call: no retracing per model and size
    if not isinstance(raw, dict):
        raw = dict(zip(model.output_names, raw if isinstance(raw, list) else [raw]))
    out = {task: np.asarray(value).reshape(-1) for task, value in raw.items()}
    if "rating" in out:
        out["rating"] = 1.0 + 4.0 * out["rating"]
    return out


def evaluate(model: keras.Model, data: Interactions) -> dict[str, float]:
    """Click AUC and log loss, rating RMSE (stars), for whichever tasks the model has."""
    predictions = predict_tasks(model, data)
    scores = {}
    if "click" in predictions:
        scores["click_auc"] = metrics.auc(data.click, predictions["click"])
        scores["click_logloss"] = metrics.log_loss(data.click, predictions["click"])
    if "rating" in predictions:
        scores["rating_rmse"] = metrics.rmse(data.rating, predictions["rating"])
    return scores
