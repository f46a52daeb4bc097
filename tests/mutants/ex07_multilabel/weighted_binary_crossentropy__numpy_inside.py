"""Mistake: numpy inside the loss: right numbers eagerly, but it breaks inside model.fit's compiled graph."""
import numpy as np
from solutions.ex07_multilabel import build_model, build_vectorized_model, tune_thresholds  # noqa: F401


def weighted_binary_crossentropy(positive_weights):
    weights = np.asarray(positive_weights, dtype=np.float32)

    def loss(y_true, y_pred):
        y_true = np.asarray(y_true, dtype=np.float32)
        p = np.clip(np.asarray(y_pred, dtype=np.float32), 1e-7, 1 - 1e-7)
        return np.mean(-(weights * y_true * np.log(p) + (1 - y_true) * np.log(1 - p)), axis=-1)

    return loss
