"""Mistake: one gradient of the summed loss (what a training step uses) stands for both tasks."""
import numpy as np
import tensorflow as tf

from solutions.ex04_mmoe import MMoE  # noqa: F401


def task_gradient_cosine(model, inputs, targets, shared_variables):
    with tf.GradientTape() as tape:
        predictions = model(inputs, training=False)
        total = sum(tf.reduce_mean(tf.square(tf.reshape(y, [-1]) - tf.reshape(p, [-1])))
                    for p, y in zip(predictions, targets))
    gradients = tape.gradient(total, shared_variables)
    vector = np.concatenate([np.ravel(g) for g in gradients if g is not None])
    first, second = vector, vector
    return float(first @ second / (np.linalg.norm(first) * np.linalg.norm(second)))
