"""Mistake: subtracts (batch,) labels from (batch, 1) predictions, which broadcasts to (batch, batch)."""
import numpy as np
import tensorflow as tf

from solutions.ex04_mmoe import MMoE  # noqa: F401


def task_gradient_cosine(model, inputs, targets, shared_variables):
    with tf.GradientTape(persistent=True) as tape:
        predictions = model(inputs, training=False)
        losses = [tf.reduce_mean(tf.square(tf.cast(y, tf.float32) - p)) for p, y in zip(predictions, targets)]
    vectors = []
    for loss in losses:
        gradients = tape.gradient(loss, shared_variables)
        vectors.append(np.concatenate([np.zeros(int(np.prod(v.shape))) if g is None else np.ravel(g)
                                       for v, g in zip(shared_variables, gradients)]))
    first, second = vectors
    return float(first @ second / (np.linalg.norm(first) * np.linalg.norm(second)))
