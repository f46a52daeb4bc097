"""Mistake: returns the dot product of the two gradients, not divided by their norms."""
import numpy as np
import tensorflow as tf

from solutions.ex04_mmoe import MMoE  # noqa: F401


def task_gradient_cosine(model, inputs, targets, shared_variables):
    with tf.GradientTape(persistent=True) as tape:
        predictions = model(inputs, training=False)
        losses = [tf.reduce_mean(tf.square(tf.reshape(y, [-1]) - tf.reshape(p, [-1])))
                  for p, y in zip(predictions, targets)]
    vectors = []
    for loss in losses:
        gradients = tape.gradient(loss, shared_variables)
        vectors.append(np.concatenate([np.zeros(int(np.prod(v.shape))) if g is None else np.ravel(g)
                                       for v, g in zip(shared_variables, gradients)]))
    return float(vectors[0] @ vectors[1])
