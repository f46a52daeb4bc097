"""Alternative: tf everywhere (PCGrad on tensors, returning tf tensors), DWA in float32 numpy.

Correct in another style: every check must accept it.
"""

import numpy as np

import mtlrec  # noqa: F401
import keras
import tensorflow as tf

FACTOR = {"regression": 0.5, "classification": 1.0}


class UncertaintyWeighting(keras.layers.Layer):
    def __init__(self, task_kinds, **kwargs):
        super().__init__(**kwargs)
        self.task_kinds = tuple(task_kinds)
        if not self.task_kinds or not set(self.task_kinds) <= set(FACTOR):
            raise ValueError(f"bad task_kinds {task_kinds!r}")
        self._factors = tf.constant([FACTOR[k] for k in self.task_kinds], tf.float32)
        self.log_variances = self.add_weight(shape=(len(self.task_kinds),), initializer="zeros",
                                             name="log_variances", trainable=True)

    def call(self, task_losses):
        if isinstance(task_losses, (list, tuple)):
            if len(task_losses) != len(self.task_kinds):
                raise ValueError("one loss per task")
            losses = tf.stack([tf.cast(tf.reshape(l, []), tf.float32) for l in task_losses])
        else:
            losses = tf.cast(task_losses, tf.float32)
            if losses.shape.rank != 1 or losses.shape[0] != len(self.task_kinds):
                raise ValueError("one loss per task")
        precision = tf.exp(-tf.convert_to_tensor(self.log_variances))
        return tf.reduce_sum(self._factors * precision * losses) + 0.5 * tf.reduce_sum(
            tf.convert_to_tensor(self.log_variances))

    def task_weights(self):
        return (self._factors * tf.exp(-tf.convert_to_tensor(self.log_variances))).numpy()

    def get_config(self):
        config = super().get_config()
        config["task_kinds"] = list(self.task_kinds)
        return config


def dwa_weights(loss_history, temperature=2.0):
    history = np.array(loss_history, dtype=np.float32)
    if history.ndim != 2 or history.shape[1] < 1:
        raise ValueError("loss_history must be (num_epochs, num_tasks)")
    temperature = np.float32(temperature)
    if not np.isfinite(temperature) or temperature <= 0:
        raise ValueError("temperature must be > 0")
    if history.shape[0] < 2:
        return np.ones(history.shape[1], dtype=np.float32)
    last_two = history[-2:]
    if np.any(~np.isfinite(last_two)) or np.any(last_two <= 0):
        raise ValueError("losses must be > 0")
    rate = last_two[1] / last_two[0]
    z = rate / temperature
    z = z - z.max()
    weights = np.exp(z)
    return (history.shape[1] * weights / weights.sum()).astype(np.float32)


def pcgrad(task_gradients, seed):
    if len(task_gradients) == 0:
        raise ValueError("empty")
    if len({len(g) for g in task_gradients}) != 1:
        raise ValueError("different numbers of pieces")
    shapes = []
    for k in range(len(task_gradients[0])):
        seen = {tuple(tf.convert_to_tensor(g[k]).shape) for g in task_gradients if g[k] is not None}
        if len(seen) != 1:
            raise ValueError("inconsistent shapes")
        shapes.append(seen.pop())
    flat = tf.stack([tf.concat([tf.zeros([int(np.prod(s))], tf.float64) if p is None
                                else tf.reshape(tf.cast(p, tf.float64), [-1]) for p, s in zip(g, shapes)], axis=0)
                     for g in task_gradients])  # (tasks, weights)
    rng = np.random.default_rng(seed)
    num_tasks = int(flat.shape[0])
    update = tf.zeros_like(flat[0])
    for i in range(num_tasks):
        vector = flat[i]
        others = rng.permutation([j for j in range(num_tasks) if j != i])
        for j in others:
            other = flat[int(j)]
            d = tf.reduce_sum(vector * other)
            if d < 0:
                vector = vector - d / tf.reduce_sum(other * other) * other
        update = update + vector
    pieces = tf.split(update, [int(np.prod(s)) for s in shapes]) if shapes else []
    return [tf.cast(tf.reshape(p, s), tf.float32) for p, s in zip(pieces, shapes)]
