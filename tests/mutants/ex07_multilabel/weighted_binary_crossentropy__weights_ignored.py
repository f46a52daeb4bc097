"""Mistake: returns Keras's plain binary cross-entropy; the weights are never used."""
import keras
from solutions.ex07_multilabel import build_model, build_vectorized_model, tune_thresholds  # noqa: F401


def weighted_binary_crossentropy(positive_weights):
    return keras.losses.binary_crossentropy
