"""Held-out WRONG answer pcgrad__shape_checked_by_size_only (from correct/c3_vectorised_gram.py); one mistake in the named part."""

import numpy as np
import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras
from keras import layers, ops
TASK_KINDS = ("regression", "classification")  # the kinds UncertaintyWeighting knows
KIND_FACTORS = {"regression": 0.5, "classification": 1.0}  # c_t: 1/(2 sigma^2) or 1/sigma^2 in front of L_t


class UncertaintyWeighting(layers.Layer):
    """Learned homoscedastic-uncertainty loss weights."""

    def __init__(self, task_kinds, **kwargs):
        super().__init__(**kwargs)
        if isinstance(task_kinds, str):
            raise ValueError("task_kinds must be a sequence of kinds, not one string")
        self.task_kinds = tuple(task_kinds)
        if len(self.task_kinds) < 1 or not set(self.task_kinds) <= set(TASK_KINDS):
            raise ValueError(f"task_kinds must be a non-empty sequence of {TASK_KINDS}, got {task_kinds!r}")
        self.log_variances = self.add_weight(
            shape=(len(self.task_kinds),), initializer="zeros", name="log_variances"
        )

    @property
    def _factors(self):
        return np.asarray([KIND_FACTORS[kind] for kind in self.task_kinds], dtype="float32")

    def call(self, task_losses):
        if isinstance(task_losses, (list, tuple)):
            losses = ops.stack([ops.cast(ops.convert_to_tensor(loss), "float32") for loss in task_losses])
            losses = ops.reshape(losses, (-1,))
        else:
            losses = ops.reshape(ops.cast(task_losses, "float32"), (-1,))  # (num_tasks,)
        if ops.shape(losses)[0] != len(self.task_kinds):
            raise ValueError(
                f"UncertaintyWeighting has {len(self.task_kinds)} tasks but got {ops.shape(losses)[0]} losses"
            )
        log_variances = ops.cast(self.log_variances, "float32")
        precision = ops.exp(ops.negative(log_variances))  # 1 / sigma^2
        data_term = ops.sum(self._factors * precision * losses)
        regulariser = ops.sum(log_variances) / 2.0  # sum_t log sigma_t
        return ops.cast(data_term + regulariser, "float32")

    def task_weights(self):
        return ops.convert_to_numpy(self._factors * ops.exp(-ops.cast(self.log_variances, "float32")))

    def get_config(self):
        config = super().get_config()
        config["task_kinds"] = self.task_kinds
        return config


def dwa_weights(loss_history, temperature=2.0):
    history = np.asarray(loss_history, dtype=np.float64)
    if history.ndim != 2 or history.shape[-1] == 0:
        raise ValueError(f"loss_history must have shape (num_epochs, num_tasks >= 1); got {history.shape}")
    if isinstance(temperature, (str, bytes)) or not (np.ndim(temperature) == 0 and np.isrealobj(temperature)):
        raise ValueError("temperature must be a number")
    temperature = float(temperature)
    if not (np.isfinite(temperature) and temperature > 0.0):
        raise ValueError(f"temperature must be finite and positive; got {temperature}")
    num_tasks = history.shape[1]
    if history.shape[0] < 2:
        return np.full(num_tasks, 1.0)
    older, newer = history[-2], history[-1]
    recent = np.stack([older, newer])
    if not np.isfinite(recent).all() or not (recent > 0).all():
        raise ValueError("the losses of the last two epochs must be finite and > 0")
    with np.errstate(over="ignore"):
        logits = (newer / older) / temperature  # may overflow to inf for a tiny temperature
    if np.isinf(logits).any():  # the limit of the softmax: all the weight on the largest logit(s)
        top = logits == logits.max()
        return num_tasks * top / top.sum()
    log_normaliser = logits.max() + np.log(np.exp(logits - logits.max()).sum())  # log-sum-exp
    return num_tasks * np.exp(logits - log_normaliser)


def pcgrad(task_gradients, seed):
    task_gradients = list(task_gradients) if task_gradients is not None else []
    if len(task_gradients) == 0:
        raise ValueError("task_gradients must hold at least one task")
    lengths = [len(g) for g in task_gradients]
    if len(set(lengths)) != 1:
        raise ValueError(f"numbers of pieces differ between tasks: {lengths}")
    num_tasks, num_pieces = len(task_gradients), lengths[0]
    shapes = []
    for k in range(num_pieces):
        present = [np.shape(g[k]) for g in task_gradients if g[k] is not None]
        if len({int(np.prod(s)) for s in present}) > 1:
            raise ValueError(f"variable {k}: sizes differ between tasks {present}")
        if present:
            present = [present[0]] * len(present)  # same size: reshaped to the first task's shape
        if not present:
            raise ValueError(f"variable {k}: no task has a gradient")
        if any(s != present[0] for s in present):
            raise ValueError(f"variable {k}: shapes differ between tasks {present}")
        shapes.append(tuple(present[0]))
    sizes = np.array([int(np.prod(s)) for s in shapes], dtype=np.int64)
    num_weights = int(sizes.sum())
    grads = np.zeros((num_tasks, num_weights))  # (num_tasks, num_weights)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    for t, pieces in enumerate(task_gradients):
        for k, piece in enumerate(pieces):
            if piece is not None:
                grads[t, offsets[k]:offsets[k + 1]] = np.reshape(np.asarray(piece, dtype=np.float64), -1)
    gram = grads @ grads.T  # (num_tasks, num_tasks): g_i . g_j
    rng = np.random.default_rng(seed)
    coefficients = np.eye(num_tasks)  # projected[i] = coefficients[i] @ grads
    for i in range(num_tasks):
        order = rng.permutation(num_tasks)
        for j in order[order != i]:
            dot = coefficients[i] @ gram[:, j]  # projected[i] . g_j
            if dot < 0:
                coefficients[i, j] -= dot / gram[j, j]
    update = coefficients.sum(axis=0) @ grads  # sum_i g_i^PC, (num_weights,)
    return [update[offsets[k]:offsets[k + 1]].reshape(shapes[k]) for k in range(num_pieces)]
