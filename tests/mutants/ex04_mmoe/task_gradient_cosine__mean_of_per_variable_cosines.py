"""Mistake: averages one cosine per variable instead of the cosine of the concatenated gradients."""
import numpy as np
import tensorflow as tf

from solutions.ex04_mmoe import MMoE  # noqa: F401


def task_gradient_cosine(model, inputs, targets, shared_variables):
    with tf.GradientTape(persistent=True) as tape:
        predictions = model(inputs, training=False)
        losses = [tf.reduce_mean(tf.square(tf.reshape(y, [-1]) - tf.reshape(p, [-1])))
                  for p, y in zip(predictions, targets)]
    first = tape.gradient(losses[0], shared_variables)
    second = tape.gradient(losses[1], shared_variables)
    cosines = []
    for a, b in zip(first, second):
        if a is None or b is None:
            continue
        a, b = np.ravel(a), np.ravel(b)
        cosines.append(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
    return float(np.mean(cosines))
