"""Mistake: weights the stock Keras losses, which treat the missing labels (-1) as real ones."""
import keras
from keras import ops

from solutions.ex01_multitask_loss import MISSING_LABEL, build_shared_bottom, masked_loss  # noqa: F401


def masked_multitask_loss(labels, predictions, task_losses, task_weights=None, mask_value=MISSING_LABEL):
    total = 0.0
    for task in labels:
        weight = 1.0 if task_weights is None else task_weights[task]
        function = keras.losses.get(task_losses[task])
        y = ops.convert_to_tensor(labels[task], dtype="float32")
        total = total + weight * ops.mean(function(ops.reshape(y, (-1, 1)), ops.reshape(predictions[task], (-1, 1))))
    return total
