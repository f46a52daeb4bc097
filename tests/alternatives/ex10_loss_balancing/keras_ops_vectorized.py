"""Alternative: keras.ops with the factors from a boolean mask, a log-sum-exp DWA, a Gram-matrix PCGrad.

Correct in another style: every check must accept it.
"""

import numpy as np

import mtlrec  # noqa: F401
import keras
from keras import ops


class UncertaintyWeighting(keras.layers.Layer):
    def __init__(self, task_kinds, **kwargs):
        super().__init__(**kwargs)
        kinds = [str(k) for k in task_kinds]
        bad = [k for k in kinds if k not in ("regression", "classification")]
        if bad or not kinds:
            raise ValueError(f"task_kinds must be 'regression'/'classification', got {task_kinds!r}")
        self.task_kinds = kinds
        self.is_classification = np.array([k == "classification" for k in kinds])
        self.log_variances = self.add_weight(shape=(len(kinds),), initializer="zeros", name="s")

    def call(self, task_losses):
        losses = ops.convert_to_tensor(task_losses if not isinstance(task_losses, (list, tuple))
                                       else ops.stack([ops.cast(l, "float32") for l in task_losses]))
        losses = ops.cast(ops.reshape(losses, (-1,)), "float32")
        if int(losses.shape[0]) != len(self.task_kinds):
            raise ValueError("the number of losses must be the number of tasks")
        s = ops.convert_to_tensor(self.log_variances)
        factor = ops.where(self.is_classification, 1.0, 0.5)
        return ops.sum(factor * ops.exp(-s) * losses) + ops.sum(s) / 2.0

    def task_weights(self):
        return np.where(self.is_classification, 1.0, 0.5) * np.exp(-ops.convert_to_numpy(self.log_variances))

    def get_config(self):
        base = super().get_config()
        return dict(base, task_kinds=self.task_kinds)


def dwa_weights(loss_history, temperature=2.0):
    history = np.asarray(loss_history, dtype=np.float64)
    if history.ndim != 2 or history.shape[-1] == 0:
        raise ValueError("loss_history: (num_epochs, num_tasks)")
    if not (np.isscalar(temperature) and np.isfinite(temperature) and temperature > 0):
        raise ValueError("temperature > 0")
    k = history.shape[-1]
    if history.shape[0] <= 1:
        return np.full(k, 1.0)
    recent = history[-2:]
    if not np.all(np.isfinite(recent) & (recent > 0)):
        raise ValueError("losses > 0")
    logits = (recent[1] / recent[0]) / temperature
    log_norm = logits.max() + np.log(np.exp(logits - logits.max()).sum())
    return k * np.exp(logits - log_norm)


def pcgrad(task_gradients, seed):
    if len(task_gradients) < 1:
        raise ValueError("need gradients")
    lengths = [len(g) for g in task_gradients]
    if min(lengths) != max(lengths):
        raise ValueError("piece counts differ")
    shapes = []
    for k in range(lengths[0]):
        shape_set = {np.shape(g[k]) for g in task_gradients if g[k] is not None}
        if len(shape_set) != 1:
            raise ValueError("shapes differ")
        shapes.append(shape_set.pop())
    sizes = [int(np.prod(s)) for s in shapes]
    matrix = np.zeros((len(task_gradients), sum(sizes)))
    for t, pieces in enumerate(task_gradients):
        offset = 0
        for piece, size in zip(pieces, sizes):
            if piece is not None:
                matrix[t, offset:offset + size] = np.asarray(keras.ops.convert_to_numpy(piece), np.float64).ravel()
            offset += size
    gram = matrix @ matrix.T  # dot products of the original gradients
    rng = np.random.default_rng(seed)
    num_tasks = len(matrix)
    # g_i^PC = g_i - sum_j c_ij g_j: keep the coefficients, so a dot product with g_j is a row of the Gram matrix
    coefficients = np.eye(num_tasks)
    for i in range(num_tasks):
        for j in rng.permutation(num_tasks):
            if j == i:
                continue
            d = coefficients[i] @ gram[:, j]
            if d < 0:
                coefficients[i, j] -= d / gram[j, j]
    update = coefficients.sum(axis=0) @ matrix
    return [part.reshape(shape) for part, shape in zip(np.split(update, np.cumsum(sizes)[:-1]), shapes)]
