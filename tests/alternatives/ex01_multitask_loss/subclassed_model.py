"""A correct answer in another style: a subclassed keras.Model (built lazily on its first call) whose
call() returns a dict of named outputs, ReLU and sigmoid applied with keras.ops in call(), a
keras.losses.Loss subclass, ops.where masking and a vectorised multi-task sum."""
import keras
from keras import layers, ops

MISSING_LABEL = -1.0
_LOSSES = ("binary_crossentropy", "mean_squared_error")


class MaskedLoss(keras.losses.Loss):
    """One task's loss over the observed labels only."""

    def __init__(self, loss_name, mask_value=MISSING_LABEL, **kwargs):
        super().__init__(name=f"masked_{loss_name}", **kwargs)
        self.loss_name, self.mask_value = loss_name, mask_value

    def call(self, y_true, y_pred):
        y_true = ops.convert_to_tensor(y_true, dtype="float32")
        y_pred = ops.convert_to_tensor(y_pred, dtype="float32")
        observed = ops.not_equal(y_true, self.mask_value)
        label = ops.where(observed, y_true, ops.zeros_like(y_true))
        if self.loss_name == "binary_crossentropy":
            p = ops.clip(y_pred, 1e-7, 1 - 1e-7)
            per_entry = -(label * ops.log(p) + (1 - label) * ops.log(1 - p))
        else:
            per_entry = ops.square(label - y_pred)
        per_entry = ops.where(observed, per_entry, ops.zeros_like(per_entry))
        count = ops.sum(ops.cast(observed, "float32"))
        return ops.divide_no_nan(ops.sum(per_entry), count)

    def get_config(self):
        return {**super().get_config(), "loss_name": self.loss_name, "mask_value": self.mask_value}


def masked_loss(loss_name, mask_value=MISSING_LABEL):
    if loss_name not in _LOSSES:
        raise ValueError(f"loss_name must be one of {_LOSSES}, not {loss_name!r}")
    return MaskedLoss(loss_name, mask_value)


def masked_multitask_loss(labels, predictions, task_losses, task_weights=None, mask_value=MISSING_LABEL):
    tasks = sorted(labels)
    weights = ops.convert_to_tensor([1.0 if task_weights is None else float(task_weights[t]) for t in tasks])
    per_task = ops.stack([masked_loss(task_losses[t], mask_value)(labels[t], predictions[t]) for t in tasks])
    return ops.sum(weights * per_task)


class SharedBottom(keras.Model):
    def __init__(self, tasks, shared_units, tower_units, **kwargs):
        super().__init__(**kwargs)
        self.tasks = list(tasks)
        self.shared = [layers.Dense(units) for units in shared_units]
        self.towers = [[layers.Dense(units) for units in tower_units] for _ in self.tasks]
        self.heads = [layers.Dense(1) for _ in self.tasks]

    def call(self, features):
        hidden = features
        for layer in self.shared:
            hidden = ops.relu(layer(hidden))  # (batch, units)
        outputs = {}
        for task, tower, head in zip(self.tasks, self.towers, self.heads):
            z = hidden
            for layer in tower:
                z = ops.relu(layer(z))
            outputs[task] = ops.sigmoid(head(z))  # (batch, 1)
        return outputs


def build_shared_bottom(input_dim, task_losses, task_weights=None, *, shared_units=(32,), tower_units=(16,),
                        mask_value=MISSING_LABEL, learning_rate=1e-2):
    model = SharedBottom(task_losses, shared_units, tower_units)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss={t: masked_loss(name, mask_value) for t, name in task_losses.items()},
                  loss_weights=None if task_weights is None else {t: float(w) for t, w in task_weights.items()})
    return model
