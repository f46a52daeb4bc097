"""Mistake: averages the weighted task losses over the tasks instead of adding them up (1/T of the loss)."""
from keras import ops

from solutions.ex01_multitask_loss import MISSING_LABEL, build_shared_bottom, masked_loss  # noqa: F401


def masked_multitask_loss(labels, predictions, task_losses, task_weights=None, mask_value=MISSING_LABEL):
    terms = [(1.0 if task_weights is None else task_weights[t]) * masked_loss(task_losses[t], mask_value)(
        labels[t], predictions[t]) for t in labels]
    return ops.mean(ops.stack(terms))
