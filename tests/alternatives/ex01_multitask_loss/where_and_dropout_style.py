"""A correct answer in another style: ops.where and keras.losses per entry, dropout and batch
normalization inside, weights given as a list in compile()."""
import keras
from keras import layers, ops

MISSING_LABEL = -1.0


def masked_loss(loss_name, mask_value=MISSING_LABEL):
    functions = {"binary_crossentropy": keras.losses.binary_crossentropy,
                 "mean_squared_error": keras.losses.mean_squared_error}
    if loss_name not in functions:
        raise ValueError(f"unsupported loss {loss_name}")
    function = functions[loss_name]

    def loss(y_true, y_pred):
        y_true = ops.reshape(ops.cast(y_true, "float32"), (-1, 1))
        y_pred = ops.reshape(ops.cast(y_pred, "float32"), (-1, 1))
        observed = ops.not_equal(y_true, mask_value)
        # keras' losses average over the last axis, which has one entry: one value per row
        per_row = function(ops.where(observed, y_true, 0.0), ops.where(observed, y_pred, 0.5))
        per_row = ops.where(observed[:, 0], per_row, 0.0)
        count = ops.sum(ops.cast(observed, "float32"))
        return ops.where(count > 0, ops.sum(per_row) / ops.maximum(count, 1.0), 0.0)

    return loss


def masked_multitask_loss(labels, predictions, task_losses, task_weights=None, mask_value=MISSING_LABEL):
    terms = []
    for task in labels:
        weight = 1.0 if not task_weights else task_weights[task]
        terms.append(weight * masked_loss(task_losses[task], mask_value)(labels[task], predictions[task]))
    return ops.sum(ops.stack(terms))


def build_shared_bottom(input_dim, task_losses, task_weights=None, *, shared_units=(32,), tower_units=(16,),
                        mask_value=MISSING_LABEL, learning_rate=1e-2):
    inputs = keras.Input((input_dim,))
    x = layers.BatchNormalization()(inputs)
    for units in shared_units:
        x = layers.Dense(units, activation="relu")(x)
    names = list(task_losses)
    outputs = []
    for task in names:
        t = layers.Dropout(0.1)(x)
        for units in tower_units:
            t = layers.Dense(units, activation="relu")(t)
        outputs.append(layers.Dense(1, activation="sigmoid", name=task)(t))
    model = keras.Model(inputs=inputs, outputs=outputs)
    weights = [1.0 if task_weights is None else task_weights[t] for t in names]
    model.compile(optimizer="adam", loss=[masked_loss(task_losses[t], mask_value) for t in names], loss_weights=weights)
    model.optimizer.learning_rate = learning_rate
    return model
