"""Mistake: the right formula in numpy, so the value is right but no gradient flows to the model."""
import numpy as np

from solutions.ex01_multitask_loss import MISSING_LABEL, build_shared_bottom, masked_multitask_loss  # noqa: F401


def masked_loss(loss_name, mask_value=MISSING_LABEL):
    if loss_name not in ("binary_crossentropy", "mean_squared_error"):
        raise ValueError(loss_name)

    def loss(y_true, y_pred):
        y_true, y_pred = np.asarray(y_true, np.float32), np.asarray(y_pred, np.float32)
        observed = y_true != mask_value
        if not observed.any():
            return np.float32(0.0)
        y, p = y_true[observed], y_pred[observed]
        if loss_name == "binary_crossentropy":
            p = np.clip(p, 1e-7, 1 - 1e-7)
            return np.float32(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))
        return np.float32(np.mean((y - p) ** 2))

    return loss
