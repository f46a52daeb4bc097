"""A correct answer in another style: no towers (one MLP on the joined features, other sizes), dict
outputs with a list of Loss objects, Sequential pieces, Adam 5e-3; the loss written with ops.where;
thresholds as midpoints between consecutive distinct probabilities, found with vectorized numpy."""
import numpy as np
import keras
from keras import layers, ops


def _trunk(user_dim, item_dim):
    user_features = keras.Input(shape=(user_dim,), name="user")
    item_features = keras.Input(shape=(item_dim,), name="item")
    joined = layers.Concatenate()([user_features, item_features])
    hidden = keras.Sequential([layers.Dense(128, activation="relu"), layers.Dense(48, activation="relu")])(joined)
    return [user_features, item_features], hidden


def build_model(user_dim, item_dim, num_labels):
    inputs, hidden = _trunk(user_dim, item_dim)
    names = [f"label_output_{k}" for k in range(num_labels)]
    outputs = {name: layers.Dense(1, activation="sigmoid", name=name)(hidden) for name in names}
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(5e-3),
                  loss={name: keras.losses.BinaryCrossentropy() for name in names},
                  loss_weights={name: 1.0 for name in names})
    return model


def build_vectorized_model(user_dim, item_dim, num_labels):
    inputs, hidden = _trunk(user_dim, item_dim)
    logits = layers.Dense(num_labels)(hidden)
    labels = layers.Activation("sigmoid", name="labels")(logits)
    model = keras.Model(inputs, labels)
    model.compile(optimizer=keras.optimizers.Adam(5e-3), loss=[keras.losses.BinaryCrossentropy()])
    return model


def weighted_binary_crossentropy(positive_weights):
    weights = ops.convert_to_tensor(list(positive_weights), dtype="float32")

    def weighted_bce(y_true, y_pred):
        y_true = ops.cast(y_true, "float32")
        p = ops.clip(ops.cast(y_pred, "float32"), 1e-7, 1 - 1e-7)
        terms = ops.where(y_true > 0.5, -weights * ops.log(p), -ops.log(1 - p))
        return ops.mean(terms, axis=-1)

    return weighted_bce


def tune_thresholds(y_true, y_probability):
    truth = np.asarray(y_true).astype(bool)
    probability = np.asarray(y_probability, dtype=np.float64)
    result = np.full(truth.shape[1], 0.5)
    for label in np.flatnonzero(truth.any(axis=0)):
        values = np.unique(probability[:, label])
        cuts = np.r_[values[0], (values[1:] + values[:-1]) / 2]  # each cut keeps values[i:] and above
        predicted = probability[:, label][None, :] >= cuts[:, None]  # (cuts, rows)
        tp = (predicted & truth[:, label]).sum(axis=1)
        f1 = 2 * tp / (predicted.sum(axis=1) + truth[:, label].sum())
        result[label] = cuts[int(np.argmax(f1))]
    return result
