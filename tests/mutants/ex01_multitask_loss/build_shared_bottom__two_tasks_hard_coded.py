"""Mistake: always builds the click and rating heads, whatever task_losses asks for."""
import keras
from keras import layers

from solutions.ex01_multitask_loss import MISSING_LABEL, masked_loss, masked_multitask_loss  # noqa: F401


def build_shared_bottom(input_dim, task_losses, task_weights=None, *, shared_units=(32,), tower_units=(16,),
                        mask_value=MISSING_LABEL, learning_rate=1e-2):
    inputs = keras.Input(shape=(input_dim,))
    hidden = layers.Dense(shared_units[0], activation="relu")(inputs)
    click = layers.Dense(1, activation="sigmoid", name="click")(layers.Dense(16, activation="relu")(hidden))
    rating = layers.Dense(1, activation="sigmoid", name="rating")(layers.Dense(16, activation="relu")(hidden))
    model = keras.Model(inputs, {"click": click, "rating": rating})
    weights = task_weights or {}
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss={"click": masked_loss("binary_crossentropy", mask_value),
                        "rating": masked_loss("mean_squared_error", mask_value)},
                  loss_weights={"click": weights.get("click", 1.0), "rating": weights.get("rating", 1.0)})
    return model
