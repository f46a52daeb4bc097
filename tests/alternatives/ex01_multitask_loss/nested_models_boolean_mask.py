"""A correct answer in another style: tf.boolean_mask picks the observed entries, Python's sum() adds the
tasks up, and the model nests keras.Sequential blocks (the shared bottom, each tower with separate ReLU
layers, each head with a separate sigmoid Activation) in a functional model with dict outputs whose
keys alone name the outputs."""
import keras
import tensorflow as tf
from keras import layers

MISSING_LABEL = -1.0


def masked_loss(loss_name, mask_value=MISSING_LABEL):
    if loss_name == "binary_crossentropy":
        def elementwise(y, p):
            p = tf.clip_by_value(p, 1e-7, 1.0 - 1e-7)
            return -(y * tf.math.log(p) + (1.0 - y) * tf.math.log(1.0 - p))
    elif loss_name == "mean_squared_error":
        def elementwise(y, p):
            return tf.square(y - p)
    else:
        raise ValueError(f"unknown loss {loss_name!r}")

    def loss(y_true, y_pred):
        y_true = tf.reshape(tf.cast(y_true, tf.float32), [-1])
        y_pred = tf.reshape(tf.cast(y_pred, tf.float32), [-1])
        observed = tf.not_equal(y_true, mask_value)
        per_entry = elementwise(tf.boolean_mask(y_true, observed), tf.boolean_mask(y_pred, observed))
        return tf.math.divide_no_nan(tf.reduce_sum(per_entry), tf.cast(tf.size(per_entry), tf.float32))

    return loss


def masked_multitask_loss(labels, predictions, task_losses, task_weights=None, mask_value=MISSING_LABEL):
    weights = task_weights or {}
    return sum(weights.get(task, 1.0) * masked_loss(task_losses[task], mask_value)(labels[task], predictions[task])
               for task in labels)


def build_shared_bottom(input_dim, task_losses, task_weights=None, *, shared_units=(32,), tower_units=(16,),
                        mask_value=MISSING_LABEL, learning_rate=1e-2):
    features = keras.Input(shape=(input_dim,))
    shared = keras.Sequential([layers.Dense(units, activation="relu") for units in shared_units])(features)
    outputs = {}
    for task in task_losses:
        tower = keras.Sequential([layer for units in tower_units for layer in (layers.Dense(units), layers.ReLU())]
                                 + [layers.Dense(1), layers.Activation("sigmoid")])
        outputs[task] = tower(shared)
    model = keras.Model(features, outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss={task: masked_loss(name, mask_value) for task, name in task_losses.items()},
                  loss_weights={task: (task_weights or {}).get(task, 1.0) for task in task_losses})
    return model
