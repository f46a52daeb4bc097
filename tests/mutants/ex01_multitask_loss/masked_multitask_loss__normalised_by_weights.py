"""Mistake: a weighted average (divides by the sum of the weights) instead of the weighted sum."""
from solutions.ex01_multitask_loss import MISSING_LABEL, build_shared_bottom, masked_loss  # noqa: F401


def masked_multitask_loss(labels, predictions, task_losses, task_weights=None, mask_value=MISSING_LABEL):
    weights = task_weights or {task: 1.0 for task in labels}
    total = 0.0
    for task in labels:
        total = total + weights[task] * masked_loss(task_losses[task], mask_value)(labels[task], predictions[task])
    return total / sum(weights[task] for task in labels)
