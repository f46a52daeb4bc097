"""Held-out WRONG answer dwa_weights__validates_every_row (from correct/c1_ops_canonical.py); one mistake in the named part."""

import numbers

import numpy as np
import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras
from keras import layers, ops
TASK_KINDS = ("regression", "classification")  # the kinds UncertaintyWeighting knows
KIND_FACTORS = {"regression": 0.5, "classification": 1.0}  # c_t: 1/(2 sigma^2) or 1/sigma^2 in front of L_t


class UncertaintyWeighting(layers.Layer):
    """Loss weights learned from each task's uncertainty (Kendall, Gal and Cipolla, CVPR 2018)."""

    def __init__(self, task_kinds, **kwargs):
        """Check and keep task_kinds; create the log-variances (see the class docstring)."""
        super().__init__(**kwargs)
        task_kinds = tuple(task_kinds)
        if len(task_kinds) == 0:
            raise ValueError("task_kinds is empty: give one kind per task")
        for kind in task_kinds:
            if kind not in TASK_KINDS:
                raise ValueError(f"unknown task kind {kind!r}: expected one of {TASK_KINDS}")
        self.task_kinds = task_kinds
        self.num_tasks = len(task_kinds)
        self.factors = np.array([KIND_FACTORS[kind] for kind in task_kinds], dtype="float32")  # (num_tasks,)
        self.log_variances = self.add_weight(
            shape=(self.num_tasks,), initializer="zeros", trainable=True, name="log_variances"
        )

    def call(self, task_losses):
        """The objective sum_t c_t exp(-s_t) L_t + 0.5 s_t, a float32 scalar."""
        if isinstance(task_losses, (list, tuple)):
            losses = ops.stack([ops.reshape(ops.cast(loss, "float32"), ()) for loss in task_losses])
        else:
            losses = ops.reshape(ops.cast(task_losses, "float32"), (-1,))
        num_losses = losses.shape[0]
        if num_losses != self.num_tasks:
            raise ValueError(f"got {num_losses} losses for {self.num_tasks} tasks")
        s = ops.cast(self.log_variances, "float32")  # (num_tasks,)
        factors = ops.convert_to_tensor(self.factors)
        return ops.sum(factors * ops.exp(-s) * losses + 0.5 * s)

    def task_weights(self):
        """The current weights c_t * exp(-s_t) on the losses, a numpy array (num_tasks,)."""
        s = ops.convert_to_numpy(self.log_variances).astype("float64")
        return self.factors.astype("float64") * np.exp(-s)

    def get_config(self):
        """The base config plus task_kinds."""
        config = super().get_config()
        config.update({"task_kinds": list(self.task_kinds)})
        return config


def dwa_weights(loss_history, temperature=2.0):
    """Dynamic weight average (Liu, Johns and Davison, CVPR 2019): next epoch's loss weights."""
    history = np.asarray(loss_history, dtype=float)
    if history.ndim != 2 or history.shape[1] < 1:
        raise ValueError(f"loss_history must be (num_epochs, num_tasks) with num_tasks >= 1, got {history.shape}")
    if not isinstance(temperature, numbers.Real):
        raise ValueError(f"temperature must be a finite number > 0, got {temperature!r}")
    temperature = float(temperature)
    if not np.isfinite(temperature) or temperature <= 0:
        raise ValueError(f"temperature must be a finite number > 0, got {temperature!r}")
    num_epochs, num_tasks = history.shape
    if num_epochs < 2:
        return np.ones(num_tasks)
    last_two = history  # every epoch's losses must be valid
    if not np.all(np.isfinite(last_two)) or np.any(last_two <= 0):
        raise ValueError("the last two epochs' losses must be finite numbers > 0")
    rates = history[-1] / history[-2]  # (num_tasks,)
    logits = rates / temperature
    logits = logits - np.max(logits)
    exps = np.exp(logits)
    return num_tasks * exps / np.sum(exps)


def pcgrad(task_gradients, seed):
    """PCGrad (Yu et al., NeurIPS 2020): project each task's gradient off the gradients it conflicts with."""
    if task_gradients is None or len(task_gradients) == 0:
        raise ValueError("task_gradients is empty")
    num_tasks = len(task_gradients)
    num_pieces = len(task_gradients[0])
    for grads in task_gradients:
        if len(grads) != num_pieces:
            raise ValueError("the tasks have different numbers of gradient pieces")
    shapes = []
    for k in range(num_pieces):
        piece_shapes = {tuple(np.shape(grads[k])) for grads in task_gradients if grads[k] is not None}
        if not piece_shapes:
            raise ValueError(f"every task has None for variable {k}")
        if len(piece_shapes) > 1:
            raise ValueError(f"variable {k} has different shapes between tasks: {piece_shapes}")
        shapes.append(piece_shapes.pop())
    rows = []
    for grads in task_gradients:
        flat = [
            np.zeros(int(np.prod(shape)), dtype=float) if piece is None else np.ravel(np.asarray(piece, dtype=float))
            for piece, shape in zip(grads, shapes)
        ]
        rows.append(np.concatenate(flat) if flat else np.zeros(0))
    original = np.stack(rows)  # (num_tasks, num_weights)
    rng = np.random.default_rng(seed)
    projected = original.copy()
    for i in range(num_tasks):
        others = [j for j in range(num_tasks) if j != i]
        for j in rng.permutation(others):
            dot = projected[i] @ original[j]
            if dot < 0:
                projected[i] = projected[i] - dot / (original[j] @ original[j]) * original[j]
    update = projected.sum(axis=0)  # (num_weights,)
    sizes = [int(np.prod(shape)) for shape in shapes]
    pieces = np.split(update, np.cumsum(sizes)[:-1]) if sizes else []
    return [piece.reshape(shape) for piece, shape in zip(pieces, shapes)]
