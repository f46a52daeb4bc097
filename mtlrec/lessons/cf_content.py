"""Collaborative filtering + content in one two-task model: the helpers of coding problem 1 (notebook 06).

- The article's answer, character for character (ARTICLE_CODE), the names it assumes defined
  (`article_names`), and its model as printed, built by running its code up to the `fit` call
  (`article_model`).
- The warm / cold data of every comparison: cold items held out entirely, the warm rest split into
  training, validation (to stop training and to choose loss weights) and test rows.
- Loss weights that put the two tasks on one scale, and one training run of a variant, scored on
  warm and on cold items.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras

from mtlrec import metrics
from mtlrec.data import Interactions, make_interactions, split_cold_items, split_random
from mtlrec.training import predict_outputs

# The article's first code block (problem 1), exactly as printed in the source article.
ARTICLE_CODE = """\
import tensorflow as tf
from tensorflow.keras.models import Model
from tensorflow.keras.layers import Input, Dense, concatenate

# 假设用户和物品的特征向量维度分别为 user_dim 和 item_dim
user_input = Input(shape=(user_dim,))
item_input = Input(shape=(item_dim,))

# 分别对用户和物品进行特征提取
user_embedding = Dense(64, activation='relu')(user_input)
item_embedding = Dense(64, activation='relu')(item_input)

# 将用户和物品的特征向量拼接
combined = concatenate([user_embedding, item_embedding])

# 对拼接后的特征向量进行分类和回归
class_output = Dense(1, activation='sigmoid', name='class_output')(combined)
reg_output = Dense(1, activation='sigmoid', name='reg_output')(combined)

# 构建模型
model = Model(inputs=[user_input, item_input], outputs=[class_output, reg_output])

# 编译模型
model.compile(optimizer='adam', loss={'class_output': 'binary_crossentropy', 'reg_output': 'mean_squared_error'})

# 模型训练
model.fit([user_data, item_data], [class_labels, reg_labels], epochs=10, batch_size=32)
"""
_ARTICLE_FIT = "# 模型训练"  # the comment before the article's last statement, its fit call


def content_inputs(rows: Interactions) -> list[np.ndarray]:
    """[user features, item features] of each interaction: what the article's model reads (its user_data, item_data)."""
    return [rows.user_features[rows.user_id], rows.item_features[rows.item_id]]


def article_names(rows: Interactions) -> dict:
    """The six names the article's code assumes defined, made from the interactions `rows`.

    user_data, item_data: each interaction's feature vectors; class_labels: the clicks; reg_labels:
    the ratings scaled to [0, 1], (rating - 1) / 4, the only scale its sigmoid head can reach.
    """
    user_data, item_data = content_inputs(rows)
    return {"user_dim": user_data.shape[1], "item_dim": item_data.shape[1], "user_data": user_data,
            "item_data": item_data, "class_labels": rows.click, "reg_labels": rows.rating_scaled}


def article_model(user_dim: int, item_dim: int, learning_rate: float | None = None):
    """The article's model as printed: its code run up to (not including) its `fit` call.

    learning_rate: None keeps its compile call ('adam' with Keras' defaults); a number recompiles it
    with that Adam learning rate, same losses, for comparisons at the other variants' training settings.
    """
    namespace = {"user_dim": user_dim, "item_dim": item_dim}
    exec(ARTICLE_CODE.split(_ARTICLE_FIT)[0], namespace)  # noqa: S102  (the article's own code)
    model = namespace["model"]
    if learning_rate is not None:
        model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                      loss={"class_output": "binary_crossentropy", "reg_output": "mean_squared_error"})
    return model


def every_pair(data: Interactions) -> Interactions:
    """Every (user, item) pair, user-major (row u * num_items + i), labels 0: to score every item for every user."""
    user_id = np.repeat(np.arange(data.num_users, dtype=np.int32), data.num_items)
    item_id = np.tile(np.arange(data.num_items, dtype=np.int32), data.num_users)
    zeros = np.zeros(user_id.shape, dtype=np.float32)
    return replace(data, user_id=user_id, item_id=item_id, click=zeros, rating=zeros, rating_scaled=zeros,
                   click_probability=zeros)


def same_item_order(scores: np.ndarray, tolerance: float = 1e-6) -> bool:
    """True when every user (row of `scores`, users x items) ranks the items in the same order, up to float rounding.

    A score that is (a term of the user) + (a term of the item), through any increasing function,
    always gives True: it cannot personalise the ranking.
    """
    order = np.argsort(scores[0], kind="stable")
    return bool(np.all(np.diff(scores[:, order], axis=1) >= -tolerance))


@dataclass
class WarmCold:
    """One seed's sets: training and validation rows of warm items, held-out warm rows, all rows of cold items."""

    data: Interactions
    train: Interactions
    validation: Interactions
    warm_test: Interactions
    cold_test: Interactions


def warm_cold_split(seed: int, test_fraction: float = 0.2, validation_fraction: float = 0.2, **sizes) -> WarmCold:
    """make_interactions(**sizes, seed=seed); cold items held out entirely; the warm rest split at random.

    The cold items' rows never reach training (no data gradient reaches their ID embedding rows), so
    the cold test measures what a model does for an item nobody has interacted with yet. Of the warm
    rows, `test_fraction` is held out for testing and `validation_fraction` of the rest for validation.
    """
    data = make_interactions(**sizes, seed=seed)
    warm, cold_test = split_cold_items(data)
    rest, warm_test = split_random(warm, test_fraction, seed=seed)
    train, validation = split_random(rest, validation_fraction, seed=seed + 1)
    return WarmCold(data=data, train=train, validation=validation, warm_test=warm_test, cold_test=cold_test)


def constant_losses(train: Interactions) -> dict[str, float]:
    """Each task's loss for a model that predicts the training mean: click cross-entropy, scaled-rating MSE."""
    click_rate = float(np.clip(train.click.mean(), 1e-7, 1 - 1e-7))
    return {"click": -(click_rate * np.log(click_rate) + (1 - click_rate) * np.log(1 - click_rate)),
            "rating": float(np.var(train.rating_scaled))}


def normalised_weights(train: Interactions) -> dict[str, float]:
    """Loss weights {task: 1 / constant_losses(train)[task]}: each task's term starts near 1.

    Without them the scaled-rating MSE (~0.07) is ~10x smaller than the click cross-entropy (~0.68),
    so the clicks dominate the gradient of everything the tasks share.
    """
    return {task: 1.0 / loss for task, loss in constant_losses(train).items()}


def fit_scored(trainer, seed: int, split: WarmCold, weights: dict, *, batch_size: int, max_epochs: int,
               patience: int, inputs=None, list_outputs: dict | None = None) -> dict[str, float]:
    """Train one variant on the seed's training rows, stopped on the weighted validation loss; score it.

    weights: {task: loss weight} for the tasks the model has (click, rating), applied as per-row sample
    weights (the same loss as compile(loss_weights=...)). inputs: a function of an Interactions giving
    the model's inputs (default: its model_inputs()). list_outputs: for a model with list outputs (the
    article's), {task: output name} in the model's output order; default: dict outputs named after the
    tasks. Returns click AUC and rating RMSE (stars) on the validation, warm and cold rows, and the
    epoch whose weights were kept.
    """
    inputs = inputs or (lambda rows: rows.model_inputs())
    names = list_outputs or {task: task for task in weights}
    columns = {"click": "click", "rating": "rating_scaled"}

    def labelled(rows):
        # (inputs, targets, sample weights) in the structure of the model's outputs
        targets = {task: getattr(rows, columns[task]).reshape(-1, 1) for task in weights}
        row_weights = {task: np.full(len(rows), weight, dtype=np.float32) for task, weight in weights.items()}
        if list_outputs is None:
            return inputs(rows), targets, row_weights
        return inputs(rows), [targets[task] for task in list_outputs], [row_weights[task] for task in list_outputs]

    train_inputs, train_targets, train_weights = labelled(split.train)
    model = trainer.fit(seed, train_inputs, train_targets, sample_weight=train_weights, epochs=max_epochs,
                        batch_size=batch_size, validation=labelled(split.validation), patience=patience)
    scores = {"best_epoch": trainer.best_epoch}
    parts = {"validation": split.validation, "warm": split.warm_test, "cold": split.cold_test}
    pieces = [inputs(rows) for rows in parts.values()]  # dicts or lists of arrays, one per part
    every_row = ({key: np.concatenate([piece[key] for piece in pieces]) for key in pieces[0]}
                 if isinstance(pieces[0], dict) else [np.concatenate(arrays) for arrays in zip(*pieces)])
    outputs = predict_outputs(model, every_row)  # one call for the three parts
    ends = np.cumsum([len(rows) for rows in parts.values()])
    for (part, rows), end in zip(parts.items(), ends):
        predicted = {task: outputs[names[task]].reshape(-1)[end - len(rows):end] for task in names}
        if "click" in predicted:
            scores[f"{part} click_auc"] = metrics.auc(rows.click, predicted["click"])
            scores[f"{part} click_logloss"] = metrics.log_loss(rows.click, predicted["click"])
        if "rating" in predicted:
            scores[f"{part} rating_rmse"] = metrics.rmse(rows.rating, 1.0 + 4.0 * predicted["rating"])
    return scores


def relative_validation_loss(scores: dict, train: Interactions) -> float:
    """Sum over the tasks of validation loss / constant_losses(train): one yardstick for any loss weights.

    Each term is 1 for a model no better than predicting the mean; lower is better. Choosing loss
    weights by it compares candidates on the same scale, whatever weights each was trained with.
    """
    constant = constant_losses(train)
    return (scores["validation click_logloss"] / constant["click"]
            + (scores["validation rating_rmse"] / 4.0) ** 2 / constant["rating"])
