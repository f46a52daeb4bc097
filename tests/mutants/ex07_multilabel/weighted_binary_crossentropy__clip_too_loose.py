"""Mistake: probabilities clipped to [1e-6, 1 - 1e-6] instead of the docstring's EPSILON = 1e-7: a
confident mistake costs less than Keras's binary cross-entropy charges."""
import numpy as np
from keras import ops
from solutions.ex07_multilabel import build_model, build_vectorized_model, tune_thresholds  # noqa: F401


def weighted_binary_crossentropy(positive_weights):
    weights = np.asarray(positive_weights, dtype="float32")

    def loss(y_true, y_pred):
        y_pred = ops.convert_to_tensor(y_pred)
        y_true = ops.cast(y_true, y_pred.dtype)
        p = ops.clip(y_pred, 1e-6, 1.0 - 1e-6)
        return ops.mean(-(weights * y_true * ops.log(p) + (1.0 - y_true) * ops.log(1.0 - p)), axis=-1)

    return loss
