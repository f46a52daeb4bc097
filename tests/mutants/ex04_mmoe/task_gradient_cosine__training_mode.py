"""Mistake: runs the model with training=True (copied from a training step): Dropout and BatchNorm then
behave as in training, not as the docstring's model(inputs, training=False)."""
import numpy as np
import tensorflow as tf

from solutions.ex04_mmoe import MMoE  # noqa: F401


def task_gradient_cosine(model, inputs, targets, shared_variables):
    with tf.GradientTape(persistent=True) as tape:
        predictions = model(inputs, training=True)
        losses = [tf.reduce_mean(tf.square(tf.reshape(tf.cast(y, tf.float32), [-1]) - tf.reshape(p, [-1])))
                  for p, y in zip(predictions, targets)]
    vectors = []
    for loss in losses:
        gradients = tape.gradient(loss, shared_variables)
        vectors.append(np.concatenate([np.zeros(v.shape).ravel() if g is None else np.ravel(g)
                                       for v, g in zip(shared_variables, gradients)]))
    norms = np.linalg.norm(vectors[0]) * np.linalg.norm(vectors[1])
    return float(vectors[0] @ vectors[1] / norms) if norms > 0 else 0.0
