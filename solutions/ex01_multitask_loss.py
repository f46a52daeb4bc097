"""Multi-task loss and hard parameter sharing (notebook 01): the pieces every multi-task recommender needs.

Reference solution. The stub with the same functions is exercises/ex01_multitask_loss.py.

Real logs rarely label every row for every task: a rating exists only where the user clicked (and
rated). The labels of a task that a row lacks are stored as MISSING_LABEL, and the loss must skip
them: the per-task loss is the mean over the observed rows only, and a batch in which a task has no
label at all contributes 0 for that task (not NaN). The total is the weighted sum over tasks,

    L = sum_t  w_t * ( sum_i m_ti * loss_t(y_ti, p_ti) ) / max(sum_i m_ti, 1),   m_ti = [y_ti != MISSING_LABEL].
"""

import keras
from keras import layers, ops

MISSING_LABEL = -1.0  # the label value that means "this row has no label for this task"
_EPSILON = 1e-7  # predictions are clipped to [_EPSILON, 1 - _EPSILON] before the log, as Keras does


def masked_loss(loss_name, mask_value=MISSING_LABEL):
    """Make one task's loss that ignores missing labels, usable in `model.compile(loss=...)`.

    Args:
        loss_name: "binary_crossentropy" (clicks, 0/1 labels) or "mean_squared_error" (ratings
            scaled to [0, 1]).
        mask_value: the label value that marks a missing label (default MISSING_LABEL = -1.0).

    Returns:
        A function `loss(y_true, y_pred)` taking two tensors (or numpy arrays) of the same shape,
        e.g. (batch, 1) or (batch,), and returning a scalar tensor: the mean of the element-wise loss
        over the entries whose label is not `mask_value`, and 0.0 when every entry is masked (or
        the batch is empty). It must be written with `keras.ops`, so that gradients flow through
        it and it works inside model.fit, which traces it into a graph (no Python `if`, float()
        or numpy on a tensor); a masked entry must get a gradient of exactly 0 even when its
        prediction is exactly 0 or 1.
        Binary cross-entropy per entry is -(y log p + (1 - y) log(1 - p)) with p clipped to
        [1e-7, 1 - 1e-7]; squared error is (y - p) ** 2.

    Raises:
        ValueError: for any other loss_name.

    TODO:
        1. Check loss_name and raise ValueError for an unknown one.
        2. Inside the returned function: turn y_true and y_pred into float32 tensors.
        3. Build the mask: 1.0 where y_true != mask_value, else 0.0.
        4. Replace the masked labels by a harmless value (e.g. 0) and compute the element-wise loss.
        5. Sum the masked element-wise losses and divide by the number of observed entries, never
           by less than 1.

    Hints:
        1. keras.ops.convert_to_tensor(y, dtype="float32"), keras.ops.not_equal, keras.ops.cast.
        2. Dividing by the batch size instead of the number of observed labels shrinks the loss of a
           sparse task in proportion to how sparse it is: a silent down-weighting.
        3. keras.ops.maximum(ops.sum(mask), 1.0) as the denominator makes an all-missing batch give 0
           instead of 0 / 0 = NaN; an `if count == 0:` on a tensor works when called directly but
           fails inside model.fit.
        4. Do not use `y_true > 0` as the mask: a click label of 0 is a real label (a non-click).
        5. Clip p with keras.ops.clip(p, 1e-7, 1 - 1e-7) before the log: log(0) = -inf, and
           0 * inf is NaN, even in a row you multiply by a zero mask.
    """
    if loss_name not in ("binary_crossentropy", "mean_squared_error"):
        raise ValueError(f"loss_name must be 'binary_crossentropy' or 'mean_squared_error', got {loss_name!r}")

    def loss(y_true, y_pred):
        y_true = ops.convert_to_tensor(y_true, dtype="float32")
        y_pred = ops.convert_to_tensor(y_pred, dtype="float32")
        mask = ops.cast(ops.not_equal(y_true, mask_value), "float32")  # same shape as y_true
        labels = y_true * mask  # masked labels become 0: finite, and their loss is multiplied by 0 below
        if loss_name == "binary_crossentropy":
            probability = ops.clip(y_pred, _EPSILON, 1.0 - _EPSILON)
            per_entry = -(labels * ops.log(probability) + (1.0 - labels) * ops.log(1.0 - probability))
        else:
            per_entry = ops.square(labels - y_pred)
        return ops.sum(per_entry * mask) / ops.maximum(ops.sum(mask), 1.0)  # scalar

    loss.__name__ = f"masked_{loss_name}"
    return loss


def masked_multitask_loss(labels, predictions, task_losses, task_weights=None, mask_value=MISSING_LABEL):
    """The weighted multi-task loss with missing labels skipped: sum over tasks of w_t * masked loss_t.

    Args:
        labels: dict {task name: labels}, each of shape (batch, 1) or (batch,), `mask_value` where
            the row has no label for that task (numpy arrays or tensors).
        predictions: dict {task name: predicted probabilities}, same keys and shapes as labels.
        task_losses: dict {task name: "binary_crossentropy" or "mean_squared_error"}.
        task_weights: dict {task name: weight w_t >= 0}, or None for 1.0 on every task.
        mask_value: the label value that marks a missing label.

    Returns:
        A scalar tensor, sum_t w_t * masked_loss(task_losses[t], mask_value)(labels[t],
        predictions[t]); differentiable with respect to the predictions (keras.ops only). A task
        whose labels are all missing adds 0.

    TODO:
        1. For each task in `labels`, evaluate its masked loss on its labels and predictions.
        2. Multiply by that task's weight (1.0 when task_weights is None) and add up.

    Hints:
        1. Reuse masked_loss: masked_loss(task_losses[task], mask_value)(labels[task], predictions[task]).
        2. Average each task over its own observed rows before weighting; pooling all tasks' rows
           into one mean lets the task with the most labels dominate whatever the weights say.
    """
    total = 0.0
    for task, task_labels in labels.items():
        weight = 1.0 if task_weights is None else float(task_weights[task])
        total = total + weight * masked_loss(task_losses[task], mask_value)(task_labels, predictions[task])
    return ops.convert_to_tensor(total, dtype="float32")  # scalar


def build_shared_bottom(input_dim, task_losses, task_weights=None, *, shared_units=(32,), tower_units=(16,),
                        mask_value=MISSING_LABEL, learning_rate=1e-2):
    """A compiled hard-parameter-sharing model: one shared bottom, one tower and one head per task.

    Args:
        input_dim: the number of input features; the model takes one float tensor (batch, input_dim).
        task_losses: dict {task name: "binary_crossentropy" or "mean_squared_error"}; one output
            per task, named after it, in this order.
        task_weights: dict {task name: loss weight w_t >= 0}, or None for 1.0 on every task.
        shared_units: sizes of the shared Dense layers (ReLU), used by every task, one layer per
            entry in this order.
        tower_units: sizes of each task's own Dense layers (ReLU), on top of the shared bottom, one
            layer per entry in this order.
        mask_value: the label value that marks a missing label.
        learning_rate: Adam's learning rate.

    Returns:
        A keras.Model compiled with Adam(learning_rate), one loss per task,
        masked_loss(task_losses[t], mask_value), and loss weights task_weights; each output
        (batch, 1) is a sigmoid probability (labels: 0/1 clicks, ratings scaled to [0, 1]).
        Every task's gradient must reach the shared layers, and each task must have variables of
        its own (its tower and head): the model's Dense layers are exactly the shared ones, each
        task's tower and its Dense(1) head (Dropout or BatchNormalization may be added, no other
        Dense layer). Add no weight regularizer or weight decay: with Adam even a tiny L2 term
        moves the tower of a task whose loss weight is 0, and the checks verify that a task with
        weight 0 (or with all labels missing) leaves its own tower untouched.

    TODO:
        1. One keras.Input of shape (input_dim,).
        2. The shared bottom: Dense(units, activation="relu") for each entry of shared_units.
        3. For each task: its tower (Dense layers of tower_units) on the shared output, then a
           Dense(1, activation="sigmoid", name=task) head.
        4. keras.Model(inputs, {task: head}) and compile with the masked losses and loss_weights.

    Hints:
        1. Every tower must start from the shared output, not from the input: a tower fed by the
           input directly shares nothing.
        2. loss={task: masked_loss(name, mask_value) for task, name in task_losses.items()}.
        3. loss_weights={task: weight, ...}; leaving it out weights every task 1.0.
    """
    inputs = keras.Input(shape=(input_dim,), name="features")
    hidden = inputs
    for i, units in enumerate(shared_units):
        hidden = layers.Dense(units, activation="relu", name=f"shared_{i}")(hidden)  # (batch, units)
    outputs = {}
    for task in task_losses:
        tower = hidden
        for i, units in enumerate(tower_units):
            tower = layers.Dense(units, activation="relu", name=f"{task}_tower_{i}")(tower)  # (batch, units)
        outputs[task] = layers.Dense(1, activation="sigmoid", name=task)(tower)  # (batch, 1)
    model = keras.Model(inputs, outputs, name="shared_bottom")
    weights = {task: 1.0 if task_weights is None else float(task_weights[task]) for task in task_losses}
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss={task: masked_loss(name, mask_value) for task, name in task_losses.items()},
        loss_weights=weights,
    )
    return model
