"""Mistake: dict outputs, but losses and loss weights passed as lists in the order of task_losses.
Keras pairs a list with dict outputs in sorted key order, so the weights land on the wrong tasks
whenever the task names are not listed alphabetically."""
import keras
from keras import layers

from solutions.ex01_multitask_loss import MISSING_LABEL, masked_loss, masked_multitask_loss  # noqa: F401


def build_shared_bottom(input_dim, task_losses, task_weights=None, *, shared_units=(32,), tower_units=(16,),
                        mask_value=MISSING_LABEL, learning_rate=1e-2):
    inputs = keras.Input(shape=(input_dim,), name="features")
    hidden = inputs
    for i, units in enumerate(shared_units):
        hidden = layers.Dense(units, activation="relu", name=f"shared_{i}")(hidden)
    outputs = {}
    for task in task_losses:
        tower = hidden
        for i, units in enumerate(tower_units):
            tower = layers.Dense(units, activation="relu", name=f"{task}_tower_{i}")(tower)
        outputs[task] = layers.Dense(1, activation="sigmoid", name=task)(tower)
    model = keras.Model(inputs, outputs, name="shared_bottom")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=[masked_loss(name, mask_value) for name in task_losses.values()],
        loss_weights=[1.0 if task_weights is None else float(task_weights[task]) for task in task_losses],
    )
    return model
