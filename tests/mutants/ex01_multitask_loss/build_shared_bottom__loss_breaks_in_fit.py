"""Mistake: compiles its own masked loss with a Python `if` on a tensor: evaluating the loss eagerly works,
but model.fit traces it into a graph, where a tensor has no truth value, and training stops with an error."""
import keras
from keras import layers, ops

from solutions.ex01_multitask_loss import MISSING_LABEL, masked_loss, masked_multitask_loss  # noqa: F401


def _loss(loss_name, mask_value):
    def loss(y_true, y_pred):
        mask = ops.cast(ops.not_equal(y_true, mask_value), "float32")
        count = ops.sum(mask)
        if count == 0:
            return ops.convert_to_tensor(0.0)
        labels = y_true * mask
        if loss_name == "binary_crossentropy":
            p = ops.clip(y_pred, 1e-7, 1 - 1e-7)
            per_entry = -(labels * ops.log(p) + (1 - labels) * ops.log(1 - p))
        else:
            per_entry = ops.square(labels - y_pred)
        return ops.sum(per_entry * mask) / count

    return loss


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
    weights = {task: 1.0 if task_weights is None else task_weights[task] for task in task_losses}
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss={task: _loss(name, mask_value) for task, name in task_losses.items()},
                  loss_weights=weights)
    return model
