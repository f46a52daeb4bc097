"""A correct answer in another style: tf ops and tf.keras, a Loss subclass, list outputs and list losses,
Sequential towers, tf.where masking."""
import tensorflow as tf

MISSING_LABEL = -1.0


class MaskedLoss(tf.keras.losses.Loss):
    def __init__(self, loss_name, mask_value=MISSING_LABEL):
        super().__init__(name=f"masked_{loss_name}")
        self.loss_name, self.mask_value = loss_name, mask_value

    def __call__(self, y_true, y_pred, sample_weight=None):
        return self.call(y_true, y_pred)

    def call(self, y_true, y_pred):
        y_true = tf.cast(y_true, tf.float32)
        y_pred = tf.cast(y_pred, tf.float32)
        observed = tf.not_equal(y_true, self.mask_value)
        safe_true = tf.where(observed, y_true, tf.zeros_like(y_true))
        safe_pred = tf.where(observed, tf.clip_by_value(y_pred, 1e-7, 1 - 1e-7), tf.fill(tf.shape(y_pred), 0.5))
        if self.loss_name == "binary_crossentropy":
            per_entry = -(safe_true * tf.math.log(safe_pred) + (1 - safe_true) * tf.math.log(1 - safe_pred))
        else:
            per_entry = tf.square(safe_true - tf.where(observed, y_pred, tf.zeros_like(y_pred)))
        per_entry = tf.where(observed, per_entry, tf.zeros_like(per_entry))
        count = tf.reduce_sum(tf.cast(observed, tf.float32))
        return tf.math.divide_no_nan(tf.reduce_sum(per_entry), count)


def masked_loss(loss_name, mask_value=MISSING_LABEL):
    if loss_name not in {"binary_crossentropy", "mean_squared_error"}:
        raise ValueError("unknown loss " + str(loss_name))
    return MaskedLoss(loss_name, mask_value)


def masked_multitask_loss(labels, predictions, task_losses, task_weights=None, mask_value=MISSING_LABEL):
    weights = task_weights if task_weights is not None else {}
    return tf.add_n([weights.get(task, 1.0) * masked_loss(task_losses[task], mask_value)(labels[task], predictions[task])
                     for task in labels])


def build_shared_bottom(input_dim, task_losses, task_weights=None, *, shared_units=(32,), tower_units=(16,),
                        mask_value=MISSING_LABEL, learning_rate=1e-2):
    features = tf.keras.Input(shape=(input_dim,))
    shared = tf.keras.Sequential([tf.keras.layers.Dense(u, activation="relu") for u in shared_units] or
                                 [tf.keras.layers.Identity()])(features)
    tasks = list(task_losses)
    heads = []
    for task in tasks:
        tower = tf.keras.Sequential([tf.keras.layers.Dense(u, activation="relu") for u in tower_units])
        heads.append(tf.keras.layers.Dense(1, activation="sigmoid", name=task)(tower(shared)))
    model = tf.keras.Model(features, heads)
    weights = task_weights or {}
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=learning_rate),
                  loss=[masked_loss(task_losses[t], mask_value) for t in tasks],
                  loss_weights=[float(weights.get(t, 1.0)) for t in tasks])
    return model
