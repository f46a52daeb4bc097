"""Mistake: pools every task's observed entries into one mean, so the task with most labels dominates."""
from keras import ops

from solutions.ex01_multitask_loss import MISSING_LABEL, build_shared_bottom, masked_loss  # noqa: F401


def masked_multitask_loss(labels, predictions, task_losses, task_weights=None, mask_value=MISSING_LABEL):
    total, count = 0.0, 0.0
    for task in labels:
        y = ops.convert_to_tensor(labels[task], dtype="float32")
        mask = ops.cast(ops.not_equal(y, mask_value), "float32")
        observed = ops.sum(mask)
        weight = 1.0 if task_weights is None else task_weights[task]
        total = total + weight * observed * masked_loss(task_losses[task], mask_value)(y, predictions[task])
        count = count + observed
    return total / ops.maximum(count, 1.0)
