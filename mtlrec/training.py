"""The course's one training loop for experiments over seeds, and one way to read a model's outputs.

Lessons train the same small architecture many times (seeds x settings). At that size `model.fit`
spends most of its time tracing a new training graph for every new model and preparing data.
`Retrainer` keeps one model per architecture and one traced training step:

- before each run it loads the initial weights of a model freshly built under that run's seed and
  resets the optimizer, so each run starts exactly as a new model would;
- each step is the computation of `model.fit`: the compiled loss (per-task losses, loss weights,
  sample weights and regularization losses, via `model.compute_loss`), its gradient and the
  compiled optimizer; batches come from a seeded shuffle;
- `fit(..., validation=..., patience=...)` stops on the validation loss and restores the best epoch.
"""

from __future__ import annotations

import numpy as np

import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras
import tensorflow as tf


def predict_outputs(model: keras.Model, inputs) -> dict[str, np.ndarray]:
    """{output name: numpy array} from one eager call in inference mode (dict, list or single outputs)."""
    outputs = model(inputs, training=False)
    if isinstance(outputs, dict):
        return {name: np.asarray(value) for name, value in outputs.items()}
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return {name: np.asarray(value) for name, value in zip(model.output_names, outputs)}


def _as_float32(structure):
    return tf.nest.map_structure(lambda a: np.asarray(a, dtype=np.float32), structure)


def _spec(structure):
    return tf.nest.map_structure(lambda a: tf.TensorSpec((None,) + np.shape(a)[1:], tf.as_dtype(a.dtype)),
                                 structure)


def _signature(structure) -> tuple:
    flat = tf.nest.flatten(structure)
    paths = tf.nest.flatten(tf.nest.map_structure(lambda a: (a.dtype.str, np.shape(a)[1:]), structure))
    return (str(tf.nest.map_structure(lambda _: 0, structure)), tuple(paths), len(flat))


def _rows(structure, rows):
    return tf.nest.map_structure(lambda a: a[rows], structure)


class Retrainer:
    """Train one compiled architecture many times from fresh, seeded starts, traced once.

    build: a function of no arguments returning a compiled keras.Model; it is called under
    keras.utils.set_random_seed(seed) once per seed, so a run's initial weights depend on its seed only.
    seeds: seeds to prepare now (optional; others are prepared when first used).
    """

    def __init__(self, build, seeds=()):
        self.build = build
        self.model: keras.Model | None = None
        self._optimizer_start: list[np.ndarray] = []
        self._starts: dict[int, list[np.ndarray]] = {}  # initial weights per seed
        self._steps: dict = {}  # traced training and loss steps, per input structure
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
        weights = self._start(seed) if initial_weights is None or self.model is None else None
        if initial_weights is not None:
            weights = initial_weights
        self.model.set_weights(weights)
        for variable, value in zip(self.model.optimizer.variables, self._optimizer_start):
            variable.assign(value)
        return self.model

    def _traced(self, inputs, targets, sample_weight):
        """(train step, loss step) for batches shaped like these (any batch size), traced once."""
        key = (_signature(inputs), _signature(targets), None if sample_weight is None else _signature(sample_weight))
        if key in self._steps:
            return self._steps[key]
        model = self.model
        specs = [_spec(inputs), _spec(targets)] + ([] if sample_weight is None else [_spec(sample_weight)])

        def loss_of(x, y, weight=None, training=False):
            predictions = model(x, training=training)
            return model.compute_loss(x=x, y=y, y_pred=predictions, sample_weight=weight, training=training)

        @tf.function(input_signature=specs)
        def train_step(x, y, weight=None):
            with tf.GradientTape() as tape:
                loss = loss_of(x, y, weight, training=True)
            variables = model.trainable_variables
            gradients = tape.gradient(loss, variables)
            pairs = [(g, v) for g, v in zip(gradients, variables) if g is not None]
            model.optimizer.apply([g for g, _ in pairs], [v for _, v in pairs])
            return loss

        @tf.function(input_signature=specs)
        def loss_step(x, y, weight=None):
            return loss_of(x, y, weight, training=False)

        self._steps[key] = (train_step, loss_step)
        return self._steps[key]

    def fit(self, seed: int, inputs, targets, *, epochs: int, batch_size: int, sample_weight=None,
            initial_weights=None, validation=None, patience: int | None = None) -> keras.Model:
        """A fresh start under `seed`, then up to `epochs` passes over seeded shuffled batches.

        inputs, targets, sample_weight: numpy arrays, or dicts/lists of them, one row per example, in
        the structure the model's compiled loss expects. initial_weights: start from these weights
        (e.g. a pre-trained model's get_weights()). validation: (inputs, targets[, sample_weight]) to
        stop on: after each epoch the compiled loss on it is computed, and with `patience` the run
        stops once it has not improved for that many epochs; the best epoch's weights are restored.
        Returns the model; `self.epochs_run` and `self.best_epoch` say what happened.
        """
        model = self.fresh(seed, initial_weights)
        targets = _as_float32(targets)
        sample_weight = None if sample_weight is None else _as_float32(sample_weight)
        train_step, loss_step = self._traced(inputs, targets, sample_weight)
        if validation is not None:
            validation = (validation[0], _as_float32(validation[1]),
                          *[_as_float32(v) for v in validation[2:]])
            if (len(validation) > 2) != (sample_weight is not None):
                raise ValueError("give validation sample weights exactly when training has them")
        size = len(tf.nest.flatten(inputs)[0])
        rng = np.random.default_rng(int(seed))
        best_loss, best_weights, waited = np.inf, None, 0
        self.epochs_run, self.best_epoch = 0, None
        for epoch in range(epochs):
            order = rng.permutation(size)
            for start in range(0, size, batch_size):
                rows = order[start:start + batch_size]
                batch = [_rows(inputs, rows), _rows(targets, rows)]
                if sample_weight is not None:
                    batch.append(_rows(sample_weight, rows))
                train_step(*batch)
            self.epochs_run = epoch + 1
            if validation is None:
                continue
            loss = float(loss_step(*validation))
            if loss < best_loss:
                best_loss, best_weights, waited, self.best_epoch = loss, model.get_weights(), 0, epoch + 1
            else:
                waited += 1
                if patience is not None and waited >= patience:
                    break
        if best_weights is not None:
            model.set_weights(best_weights)
        return model
