"""Helpers for notebooks 01 (what is multi-task transfer learning) and 03 (how it improves results).

Both notebooks train the same few architectures many times (several seeds, several label budgets,
several loss weights), and each run is small: a few thousand interactions, a few epochs. At that
size `model.fit` spends most of its time on overhead, not on learning: tracing the training step of
every newly built model (about 3 s of CPU here) and preparing the data for every call. `Retrainer`
keeps one model per architecture and one traced training step for it:

- before each run it loads the initial weights of a model freshly built under that run's seed and
  restores the optimizer's initial state, so each run starts exactly as a new model would;
- each step is the same computation as `model.fit`'s: the compiled loss (its per-task losses, loss
  weights, sample weights and the regularization losses, via `model.compute_loss`), its gradient,
  and the compiled optimizer; batches are drawn by a seeded shuffle.
"""

from __future__ import annotations

import numpy as np

import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras
import tensorflow as tf

from mtlrec import metrics
from mtlrec.data import Interactions

MISSING_LABEL = -1.0  # "no label for this task on this row" (as in ex01_multitask_loss and ex03_label_budget)


class Retrainer:
    """Train one compiled architecture many times from fresh, seeded starts, tracing it once (notebooks 01, 03).

    build: a function of no arguments returning a compiled keras.Model; it is called under
    keras.utils.set_random_seed(seed) once per seed, so a run's initial weights depend on its seed only.
    seeds: the seeds to prepare now (optional; others are prepared when first used).
    """

    def __init__(self, build, seeds=()):
        self.build = build
        self.model: keras.Model | None = None
        self._optimizer_start: list[np.ndarray] = []
        self._starts: dict[int, list[np.ndarray]] = {}  # initial weights per seed
        self._steps: dict = {}  # one traced step per input structure
        for seed in seeds:  # seeding TensorFlow clears its kernel caches: do it for every seed up front
            self._start(seed)

    def _start(self, seed: int) -> list[np.ndarray]:
        """The initial weights of a model built under `seed` (built once per seed)."""
        if seed not in self._starts:
            keras.utils.set_random_seed(int(seed))
            new = self.build()
            self._starts[seed] = new.get_weights()
            if self.model is None:
                self.model = new
                self.model.optimizer.build(self.model.trainable_variables)
                self._optimizer_start = [np.array(v.numpy()) for v in self.model.optimizer.variables]
        return self._starts[seed]

    def fresh(self, seed: int, initial_weights=None) -> keras.Model:
        """The model reset to a new model's start under `seed` (or to `initial_weights`), optimizer reset."""
        if initial_weights is None or self.model is None:
            weights = self._start(seed)
        if initial_weights is not None:
            weights = initial_weights
        self.model.set_weights(weights)
        for variable, value in zip(self.model.optimizer.variables, self._optimizer_start):
            variable.assign(value)
        return self.model

    def _make_step(self, inputs: dict, targets: dict, sample_weight: dict | None):
        """One traced training step for batches shaped like these (any batch size), traced once."""
        model = self.model

        def spec(arrays):
            return {k: tf.TensorSpec((None,) + v.shape[1:], tf.as_dtype(v.dtype)) for k, v in arrays.items()}

        signature = [spec(inputs), spec(targets), None if sample_weight is None else spec(sample_weight)]

        @tf.function(input_signature=[s for s in signature if s is not None])
        def step(inputs, targets, sample_weight=None):
            with tf.GradientTape() as tape:
                predictions = model(inputs, training=True)
                loss = model.compute_loss(x=inputs, y=targets, y_pred=predictions,
                                          sample_weight=sample_weight, training=True)
            variables = model.trainable_variables
            model.optimizer.apply(tape.gradient(loss, variables), variables)
            return loss

        return step

    def fit(self, seed: int, inputs: dict, targets: dict, *, epochs: int, batch_size: int,
            sample_weight: dict | None = None, initial_weights=None) -> keras.Model:
        """A fresh start under `seed`, then `epochs` passes over seeded shuffled batches; returns the model.

        inputs, targets, sample_weight: dicts of numpy arrays with one row per training example.
        initial_weights: start from these weights (model.get_weights() of a pre-trained model) instead.
        """
        model = self.fresh(seed, initial_weights)
        targets = {k: np.asarray(v, dtype=np.float32) for k, v in targets.items()}
        if sample_weight is not None:
            sample_weight = {k: np.asarray(v, dtype=np.float32) for k, v in sample_weight.items()}
        key = (tuple((k, v.dtype.str, v.shape[1:]) for k, v in sorted(inputs.items())),
               tuple((k, v.shape[1:]) for k, v in sorted(targets.items())),
               None if sample_weight is None else tuple(sorted(sample_weight)))
        if key not in self._steps:
            self._steps[key] = self._make_step(inputs, targets, sample_weight)
        step = self._steps[key]
        size = len(next(iter(inputs.values())))
        rng = np.random.default_rng(int(seed))
        for _ in range(epochs):
            order = rng.permutation(size)
            for start in range(0, size, batch_size):
                rows = order[start:start + batch_size]
                batch = [{k: v[rows] for k, v in inputs.items()}, {k: v[rows] for k, v in targets.items()}]
                if sample_weight is not None:
                    batch.append({k: v[rows] for k, v in sample_weight.items()})
                step(*batch)
        return model


def predict(model: keras.Model, data: Interactions) -> dict[str, np.ndarray]:
    """{task: predictions (n,)} from one eager call (no predict-function tracing); rating in stars 1..5."""
    outputs = model(data.model_inputs(), training=False)
    if not isinstance(outputs, dict):
        outputs = dict(zip(model.output_names, outputs if isinstance(outputs, (list, tuple)) else [outputs]))
    out = {task: np.asarray(value).reshape(-1) for task, value in outputs.items()}
    if "rating" in out:
        out["rating"] = 1.0 + 4.0 * out["rating"]
    return out


def evaluate(model: keras.Model, data: Interactions) -> dict[str, float]:
    """Click AUC and rating RMSE (stars) for whichever tasks the model has (as mtlrec.models.evaluate)."""
    predictions = predict(model, data)
    scores = {}
    if "click" in predictions:
        scores["click_auc"] = metrics.auc(data.click, predictions["click"])
    if "rating" in predictions:
        scores["rating_rmse"] = metrics.rmse(data.rating, predictions["rating"])
    return scores


def targets(data: Interactions, tasks=("click", "rating")) -> dict[str, np.ndarray]:
    """{task: labels (n, 1) float32}: clicks 0/1 and ratings scaled to [0, 1] (as mtlrec.models.task_targets)."""
    columns = {"click": data.click, "rating": data.rating_scaled}
    return {task: columns[task].astype(np.float32).reshape(-1, 1) for task in tasks}


def task_weights(size: int, **weights: float | np.ndarray) -> dict[str, np.ndarray]:
    """Per-row sample weights {task: (n,) float32}: a number weights every row, an array row by row.

    A weight of 0 switches a task's label off on that row: Keras multiplies the row's loss by it and
    still divides by the batch size, so a task whose labels are mostly switched off weighs less.
    """
    return {task: np.broadcast_to(np.asarray(value, dtype=np.float32), (size,)).copy() for task, value in weights.items()}


def paired_difference(frame, metric: str, baseline: str, candidate: str, *, by: str = "model",
                      within: str | None = None):
    """Mean and std (ddof=1) over seeds of candidate - baseline on `metric`, paired by seed (and by `within`).

    frame: one row per (model, seed[, within]) with columns `by`, "seed", `metric` (and `within`).
    Returns a pandas DataFrame indexed by `within` (or a one-row frame) with columns mean and std.
    """
    keys = ["seed"] + ([within] if within else [])
    left = frame[frame[by] == baseline].set_index(keys)[metric]
    right = frame[frame[by] == candidate].set_index(keys)[metric]
    difference = (right - left).dropna().rename("difference").reset_index()
    grouped = difference.groupby(within if within else (lambda _: metric))["difference"]
    return grouped.agg(mean="mean", std=lambda values: values.std(ddof=1))


def judge(mean: float, std: float, *, higher_is_better: bool) -> str:
    """'better', 'worse' or 'no clear difference': a paired difference counts when it exceeds its spread."""
    if abs(mean) <= std:
        return "no clear difference"
    return "better" if (mean > 0) == higher_is_better else "worse"
