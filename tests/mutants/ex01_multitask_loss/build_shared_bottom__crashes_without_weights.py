"""Mistake: reads task_weights[task] without handling the default None, so
build_shared_bottom(input_dim, task_losses) raises TypeError."""
import keras
from keras import layers

from solutions.ex01_multitask_loss import MISSING_LABEL, masked_loss, masked_multitask_loss  # noqa: F401


def build_shared_bottom(input_dim, task_losses, task_weights=None, *, shared_units=(32,), tower_units=(16,),
                        mask_value=MISSING_LABEL, learning_rate=1e-2):
    inputs = keras.Input(shape=(input_dim,))
    hidden = inputs
    for units in shared_units:
        hidden = layers.Dense(units, activation="relu")(hidden)
    outputs = {}
    for task in task_losses:
        tower = hidden
        for units in tower_units:
            tower = layers.Dense(units, activation="relu")(tower)
        outputs[task] = layers.Dense(1, activation="sigmoid", name=task)(tower)
    model = keras.Model(inputs, outputs)
    weights = {task: float(task_weights[task]) for task in task_losses}
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss={task: masked_loss(name, mask_value) for task, name in task_losses.items()},
                  loss_weights=weights)
    return model
