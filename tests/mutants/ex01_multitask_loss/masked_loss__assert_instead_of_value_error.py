"""Mistake: checks loss_name with `assert`, which raises AssertionError (and vanishes under python -O),
where the docstring asks for ValueError."""
from keras import ops

from solutions.ex01_multitask_loss import MISSING_LABEL, build_shared_bottom, masked_multitask_loss  # noqa: F401


def masked_loss(loss_name, mask_value=MISSING_LABEL):
    assert loss_name in ("binary_crossentropy", "mean_squared_error")

    def loss(y_true, y_pred):
        y_true = ops.convert_to_tensor(y_true, dtype="float32")
        y_pred = ops.convert_to_tensor(y_pred, dtype="float32")
        mask = ops.cast(ops.not_equal(y_true, mask_value), "float32")
        labels = y_true * mask
        if loss_name == "binary_crossentropy":
            p = ops.clip(y_pred, 1e-7, 1 - 1e-7)
            per_entry = -(labels * ops.log(p) + (1 - labels) * ops.log(1 - p))
        else:
            per_entry = ops.square(labels - y_pred)
        return ops.sum(per_entry * mask) / ops.maximum(ops.sum(mask), 1.0)

    return loss
