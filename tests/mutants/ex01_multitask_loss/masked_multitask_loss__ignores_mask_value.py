"""Mistake: calls masked_loss without the mask_value argument, so the default -1 is always the mask."""
from keras import ops

from solutions.ex01_multitask_loss import MISSING_LABEL, build_shared_bottom, masked_loss  # noqa: F401


def masked_multitask_loss(labels, predictions, task_losses, task_weights=None, mask_value=MISSING_LABEL):
    total = 0.0
    for task in labels:
        weight = 1.0 if task_weights is None else task_weights[task]
        total = total + weight * masked_loss(task_losses[task])(labels[task], predictions[task])
    return ops.convert_to_tensor(total, dtype="float32")
