"""Alternative: UncertaintyWeighting as a subclassed keras.Model with tf ops; DWA and PCGrad in plain Python loops.

Correct in another style: every check must accept it.
"""

import math
import random

import numpy as np

import mtlrec  # noqa: F401
import keras
import tensorflow as tf


class UncertaintyWeighting(keras.Model):
    """Kendall et al.'s objective, sum_t c_t exp(-s_t) L_t + 0.5 s_t, as a keras.Model (a Model is a Layer)."""

    def __init__(self, task_kinds, **kwargs):
        super().__init__(**kwargs)
        task_kinds = list(task_kinds)
        if len(task_kinds) == 0:
            raise ValueError("need at least one task")
        for kind in task_kinds:
            if kind not in ("regression", "classification"):
                raise ValueError(f"unknown task kind {kind!r}")
        self.task_kinds = task_kinds
        self.log_variances = self.add_weight(name="log_variances", shape=(len(task_kinds),),
                                             initializer=keras.initializers.Zeros())

    def call(self, task_losses):
        losses = tf.reshape(tf.cast(tf.convert_to_tensor(task_losses), tf.float32), [-1])
        if losses.shape[0] != len(self.task_kinds):
            raise ValueError(f"expected {len(self.task_kinds)} losses, got {losses.shape[0]}")
        total = tf.constant(0.0)
        for t, kind in enumerate(self.task_kinds):
            s = tf.cast(self.log_variances[t], tf.float32)
            factor = 0.5 if kind == "regression" else 1.0
            total = total + factor * tf.exp(-s) * losses[t] + 0.5 * s
        return total

    def task_weights(self):
        s = self.log_variances.numpy()
        return np.array([(0.5 if kind == "regression" else 1.0) * math.exp(-float(v))
                         for kind, v in zip(self.task_kinds, s)])

    def get_config(self):
        return {**super().get_config(), "task_kinds": self.task_kinds}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def dwa_weights(loss_history, temperature=2.0):
    rows = [list(map(float, row)) for row in np.asarray(loss_history, dtype=float)] if np.ndim(loss_history) == 2 else None
    if rows is None or np.shape(loss_history)[1] == 0:
        raise ValueError("loss_history must be 2-D with at least one task")
    if not isinstance(temperature, (int, float, np.floating, np.integer)) or not math.isfinite(temperature) \
            or temperature <= 0:
        raise ValueError("temperature must be a positive number")
    num_tasks = np.shape(loss_history)[1]
    if len(rows) < 2:
        return np.ones(num_tasks)
    newer, older = rows[-1], rows[-2]
    for value in newer + older:
        if not (math.isfinite(value) and value > 0):
            raise ValueError("losses must be positive")
    logits = [n / o / temperature for n, o in zip(newer, older)]
    top = max(logits)
    exps = [math.exp(z - top) for z in logits]
    return np.array([num_tasks * e / sum(exps) for e in exps])


def pcgrad(task_gradients, seed):
    if not task_gradients:
        raise ValueError("no tasks")
    counts = {len(g) for g in task_gradients}
    if len(counts) != 1:
        raise ValueError("tasks have different numbers of pieces")
    shapes = []
    for k in range(counts.pop()):
        present = [tuple(np.shape(g[k])) for g in task_gradients if g[k] is not None]
        if not present or len(set(present)) != 1:
            raise ValueError(f"piece {k} has inconsistent shapes")
        shapes.append(present[0])
    vectors = []
    for pieces in task_gradients:
        flat = []
        for piece, shape in zip(pieces, shapes):
            values = np.zeros(shape) if piece is None else np.array(piece, dtype=float)
            flat.extend(values.ravel().tolist())
        vectors.append(flat)
    generator = random.Random(seed)

    def dot(a, b):
        return sum(x * y for x, y in zip(a, b))

    total = [0.0] * (len(vectors[0]) if vectors else 0)
    for i, own in enumerate(vectors):
        current = list(own)
        others = [j for j in range(len(vectors)) if j != i]
        generator.shuffle(others)
        for j in others:
            d = dot(current, vectors[j])
            if d < 0:
                scale = d / dot(vectors[j], vectors[j])
                current = [c - scale * g for c, g in zip(current, vectors[j])]
        total = [a + b for a, b in zip(total, current)]
    result, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        result.append(np.array(total[start:start + size]).reshape(shape))
        start += size
    return result
