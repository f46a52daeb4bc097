"""A shared bottom against single-task models, losses balanced, training stopped on validation loss.

The experiment set-up of notebooks 01 (what multi-task transfer learning is) and 03 (how it improves
results), and of bench/task_correlation.py and bench/label_budget.py: one data recipe with a validation
split, the hybrid recommender at the lessons' sizes, per-task losses measured as training measures them,
balanced loss weights, one training call that stops on the validation loss, and notebook 03's sweep.

Why balance the losses: a click's cross-entropy starts near 0.69 and ends near 0.6, while the squared
error of a rating on the [0, 1] scale starts near 0.07 and ends near 0.02. With "equal" loss weights the
clicks dominate the gradient of the shared layers, and the rating task is underfitted: a loss-scale
artifact, not a property of sharing. `balanced_weights` divides each task's loss by the validation loss
that task's own single-task model reaches, so each task's term is about 1 where training ends.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras

from mtlrec import metrics, models
from mtlrec.data import Interactions, make_interactions, split_random
from mtlrec.training import predict_outputs

MISSING_LABEL = models.MISSING_LABEL  # "no label for this task on this row"
TASKS = ("click", "rating")

# the data: a cleaner signal than make_interactions' defaults, so that a few epochs can learn it
DATA = dict(num_users=300, num_items=200, num_interactions=16_000, noise=0.3, content_noise=0.3)
TEST_FRACTION = 0.2        # random interactions held out for testing
VALIDATION_FRACTION = 0.2  # of the rest, held out to stop training and to measure the task losses

# the model and its training, the same for every variant
EMBEDDING_DIM = 16    # user and item ID embeddings
SHARED_UNITS = (64,)  # the shared bottom
TOWER_UNITS = (8,)    # each task's tower
LEARNING_RATE = 1e-2  # Adam
BATCH_SIZE = 1024
MAX_EPOCHS = 40       # an upper bound: training stops on the validation loss
PATIENCE = 3          # epochs without a better validation loss before stopping


@dataclass
class Splits:
    """One seed's data: training, validation and test interactions (side tables shared)."""

    train: Interactions
    validation: Interactions
    test: Interactions


def make_splits(seed: int, task_correlation: float = 0.8, **settings) -> Splits:
    """make_interactions(**DATA, **settings) drawn under `seed`, split at random into train / validation / test."""
    data = make_interactions(**{**DATA, **settings}, task_correlation=task_correlation, seed=seed)
    rest, test = split_random(data, TEST_FRACTION, seed=seed)
    train, validation = split_random(rest, VALIDATION_FRACTION, seed=seed + 1)
    return Splits(train, validation, test)


def build_hybrid(train: Interactions, masked_loss=None, *, freeze_bottom: bool = False):
    """The two-task hybrid recommender (IDs + content, shared bottom) at the lessons' sizes, compiled.

    masked_loss: ex01_multitask_loss.masked_loss; given, both task losses skip MISSING_LABEL entries.
    freeze_bottom: the ID embeddings and the shared layers do not train (transfer by freezing).
    """
    model = models.build_recommender(
        train.num_users, train.num_items, train.user_features.shape[1], train.item_features.shape[1],
        tasks=TASKS, embedding_dim=EMBEDDING_DIM, shared_units=SHARED_UNITS, tower_units=TOWER_UNITS,
        learning_rate=LEARNING_RATE)
    for layer in model.layers:
        if freeze_bottom and layer.name.startswith(("user_embedding", "item_embedding", "shared_")):
            layer.trainable = False
    if masked_loss is not None or freeze_bottom:
        masked_loss = masked_loss or (lambda name: name)
        model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE),
                      loss={task: masked_loss(models.TASK_LOSSES[task]) for task in TASKS})
    return model


def predictions(model, inputs) -> dict[str, np.ndarray]:
    """{task: (n,)} raw outputs: click probability, rating on the [0, 1] scale."""
    return {task: value.reshape(-1) for task, value in predict_outputs(model, inputs).items()}


def task_losses(model, inputs, labels: dict) -> dict[str, float]:
    """Each task's loss as training computes it (click cross-entropy, scaled-rating squared error).

    labels: {task: (n, 1) or (n,)}; entries equal to MISSING_LABEL are skipped (a masked mean).
    """
    predicted = predictions(model, inputs)
    losses = {}
    for task in TASKS:
        y = np.asarray(labels[task], dtype=np.float64).reshape(-1)
        p = predicted[task].astype(np.float64)
        observed = y != MISSING_LABEL
        y, p = y[observed], p[observed]
        if task == "click":
            p = np.clip(p, 1e-7, 1 - 1e-7)  # as Keras' binary cross-entropy
            losses[task] = float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
        else:
            losses[task] = float(np.mean((y - p) ** 2))
    return losses


def balanced_weights(click_loss: float, rating_loss: float) -> dict[str, float]:
    """Loss weights {task: 1 / the validation loss that task's single-task model reaches}."""
    return {"click": 1.0 / click_loss, "rating": 1.0 / rating_loss}


def fit_weighted(trainer, seed: int, splits: Splits, weights: dict, *, labels=None, validation_labels=None,
                 validation_weights: dict | None = None, inputs=None, validation_inputs=None,
                 epochs: int = MAX_EPOCHS, patience: int | None = PATIENCE, initial_weights=None):
    """trainer.fit with every row of task t weighted weights[t] (0 switches a task off), stopped on validation.

    labels / validation_labels default to models.task_targets(...) of the splits, inputs to model_inputs().
    Training stops where the validation loss weighted by `validation_weights` stops improving: by default
    the training weights (the weighted sum of both tasks); {"click": 0, "rating": 1} stops on the ratings alone.
    """
    train, validation = splits.train, splits.validation

    def weight_rows(size, task_weights=weights):
        return {task: np.full(size, task_weights[task], dtype=np.float32) for task in TASKS}

    return trainer.fit(
        seed, train.model_inputs() if inputs is None else inputs,
        models.task_targets(train) if labels is None else labels, epochs=epochs, batch_size=BATCH_SIZE,
        sample_weight=weight_rows(len(train)), initial_weights=initial_weights,
        validation=(validation.model_inputs() if validation_inputs is None else validation_inputs,
                    models.task_targets(validation) if validation_labels is None else validation_labels,
                    weight_rows(len(validation), validation_weights or weights)),
        patience=patience)


def scores(model, data: Interactions, inputs=None) -> dict[str, float]:
    """Click AUC (NaN when `data` holds one class only) and rating RMSE in stars (output mapped back to 1..5)."""
    predicted = predictions(model, data.model_inputs() if inputs is None else inputs)
    both_classes = 0 < data.click.sum() < len(data)
    return {"click_auc": metrics.auc(data.click, predicted["click"]) if both_classes else float("nan"),
            "rating_rmse": metrics.rmse(data.rating, 1.0 + 4.0 * predicted["rating"])}


def label_budget_runs(trainer, seed: int, splits: Splits, budgets, aux_weights, subsample_labels) -> list[dict]:
    """Notebook 03's label-budget sweep for one seed (also bench/label_budget.py): a list of result rows.

    One click-only run gives the click loss L_click. Then for each budget b, ratings are kept on round(b * n) of
    the training rows and of the validation rows (subsample_labels: ex03_label_budget's function, seeded by
    `seed` and `seed + 1`), and three kinds of run follow, each stopped on the rating validation loss:
    "single-task" (click weight 0; gives L_rating) and, for each lambda in aux_weights,
    "multi-task, λ = lambda" with weights {"rating": 1 / L_rating, "click": lambda / L_click}.
    Row columns: model, seed, budget, aux_weight (0 for single-task), ratings (kept), rating_rmse (test),
    train_rmse (on the rated training rows), validation_loss (rating), click_loss (L_click), best_epoch.
    """
    train, validation, test = splits.train, splits.validation, splits.test
    validation_inputs = validation.model_inputs()
    model = fit_weighted(trainer, seed, splits, {"click": 1.0, "rating": 0.0})
    click_loss = task_losses(model, validation_inputs, models.task_targets(validation))["click"]
    rows = []
    for budget in budgets:
        ratings, kept = subsample_labels(train.rating_scaled, round(budget * len(train)), seed)
        validation_ratings, _ = subsample_labels(validation.rating_scaled, round(budget * len(validation)), seed + 1)
        labels = {"click": train.click.reshape(-1, 1), "rating": np.reshape(ratings, (-1, 1))}
        validation_labels = {"click": validation.click.reshape(-1, 1),
                             "rating": np.reshape(validation_ratings, (-1, 1))}
        rated = train.subset(kept)
        rating_loss = None
        for aux_weight in (0.0, *aux_weights):
            weights = ({"click": 0.0, "rating": 1.0} if aux_weight == 0.0
                       else balanced_weights(click_loss / aux_weight, rating_loss))
            model = fit_weighted(trainer, seed, splits, weights, labels=labels, validation_labels=validation_labels,
                                 validation_weights={"click": 0.0, "rating": 1.0})
            validation_loss = task_losses(model, validation_inputs, validation_labels)["rating"]
            rating_loss = validation_loss if aux_weight == 0.0 else rating_loss
            rows.append({"model": "single-task" if aux_weight == 0.0 else f"multi-task, λ = {aux_weight:g}",
                         "seed": seed, "budget": budget, "aux_weight": aux_weight, "ratings": int(kept.sum()),
                         "rating_rmse": scores(model, test)["rating_rmse"],
                         "train_rmse": scores(model, rated)["rating_rmse"],
                         "validation_loss": validation_loss, "click_loss": click_loss,
                         "best_epoch": trainer.best_epoch})
    return rows


def choose_on_validation(frame):
    """frame plus "multi-task (tuned)" rows: per seed and budget, the multi-task run of lowest validation loss."""
    import pandas as pd

    multi = frame[frame.model.str.startswith("multi-task, λ")]
    tuned = multi.loc[multi.groupby(["seed", "budget"]).validation_loss.idxmin()].assign(model="multi-task (tuned)")
    return pd.concat([frame, tuned], ignore_index=True)


def content_only_inputs(data: Interactions) -> dict:
    """The model inputs with the ID view switched off: every user and item id 0 (a constant carries no information)."""
    return {**data.model_inputs(), "user_id": np.zeros(len(data), dtype="int32"),
            "item_id": np.zeros(len(data), dtype="int32")}


def content_only_run(trainer, seed: int, splits: Splits, chosen: dict, subsample_labels) -> dict:
    """Notebook 03's multi-view check (bench/label_budget.py): the tuned run of one budget, retrained without IDs.

    chosen: the "multi-task (tuned)" row of label_budget_runs for this seed and budget, and
    chosen["single_validation_loss"]: that budget's single-task rating validation loss (the balanced weights).
    The same labels, weights and stopping rule as the chosen run; only the ID inputs are constant.
    """
    train, validation, budget = splits.train, splits.validation, chosen["budget"]
    ratings, _ = subsample_labels(train.rating_scaled, round(budget * len(train)), seed)
    validation_ratings, _ = subsample_labels(validation.rating_scaled, round(budget * len(validation)), seed + 1)
    weights = balanced_weights(chosen["click_loss"] / chosen["aux_weight"], chosen["single_validation_loss"])
    model = fit_weighted(
        trainer, seed, splits, weights, inputs=content_only_inputs(train),
        validation_inputs=content_only_inputs(validation),
        labels={"click": train.click.reshape(-1, 1), "rating": np.reshape(ratings, (-1, 1))},
        validation_labels={"click": validation.click.reshape(-1, 1), "rating": np.reshape(validation_ratings, (-1, 1))},
        validation_weights={"click": 0.0, "rating": 1.0})
    return {"model": "content only (tuned)", "seed": seed, "budget": budget, "aux_weight": chosen["aux_weight"],
            "rating_rmse": scores(model, splits.test, content_only_inputs(splits.test))["rating_rmse"],
            "best_epoch": trainer.best_epoch}
