"""Mistake: skips a variable whenever one task's gradient is None, instead of counting zeros."""
import numpy as np
import tensorflow as tf

from solutions.ex04_mmoe import MMoE  # noqa: F401


def task_gradient_cosine(model, inputs, targets, shared_variables):
    with tf.GradientTape(persistent=True) as tape:
        predictions = model(inputs, training=False)
        losses = [tf.reduce_mean(tf.square(tf.reshape(y, [-1]) - tf.reshape(p, [-1])))
                  for p, y in zip(predictions, targets)]
    pairs = [(a, b) for a, b in zip(tape.gradient(losses[0], shared_variables),
                                    tape.gradient(losses[1], shared_variables)) if a is not None and b is not None]
    first = np.concatenate([np.ravel(a) for a, _ in pairs])
    second = np.concatenate([np.ravel(b) for _, b in pairs])
    return float(first @ second / (np.linalg.norm(first) * np.linalg.norm(second)))
