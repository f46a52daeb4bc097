"""A correct answer with subclassed keras.Model classes: call() returns a dict of named outputs (one
key per label head, or "labels"), layers created in __init__ and built lazily on the first call; Adam at
3e-3 and 5e-3, a loss dict of Loss objects and a single loss string. The loss clips with
ops.maximum/ops.minimum; the thresholds are computed in float32 (float32 result) by a vectorized
sort and cumulative sum, cutting only where the probability changes (np.unique's counts)."""
import numpy as np
import keras
from keras import layers, ops


class Trunk(keras.layers.Layer):
    """User tower, item tower, a shared layer on the two."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.user_tower = [layers.Dense(64, activation="relu"), layers.Dense(32, activation="relu")]
        self.item_tower = [layers.Dense(64, activation="relu"), layers.Dense(32, activation="relu")]
        self.shared = layers.Dense(64, activation="relu")

    def call(self, user, item):
        for layer in self.user_tower:
            user = layer(user)
        for layer in self.item_tower:
            item = layer(item)
        return self.shared(ops.concatenate([user, item], axis=-1))


class MultiLabelHeads(keras.Model):
    def __init__(self, num_labels, **kwargs):
        super().__init__(**kwargs)
        self.trunk = Trunk()
        self.heads = {f"label_output_{k}": layers.Dense(1, activation="sigmoid") for k in range(num_labels)}

    def call(self, inputs):
        user, item = inputs
        hidden = self.trunk(user, item)
        return {name: head(hidden) for name, head in self.heads.items()}


class VectorizedMultiLabel(keras.Model):
    def __init__(self, num_labels, **kwargs):
        super().__init__(**kwargs)
        self.trunk = Trunk()
        self.labels = layers.Dense(num_labels, activation="sigmoid")

    def call(self, inputs):
        user, item = inputs
        return {"labels": self.labels(self.trunk(user, item))}


def build_model(user_dim, item_dim, num_labels):
    model = MultiLabelHeads(num_labels)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=3e-3),
                  loss={f"label_output_{k}": keras.losses.BinaryCrossentropy() for k in range(num_labels)})
    return model


def build_vectorized_model(user_dim, item_dim, num_labels):
    model = VectorizedMultiLabel(num_labels)
    model.compile(optimizer=keras.optimizers.Adam(5e-3), loss="binary_crossentropy")
    return model


def weighted_binary_crossentropy(positive_weights):
    weights = ops.convert_to_tensor(np.array(positive_weights, dtype=np.float32))

    def loss(y_true, y_pred):
        y_pred = ops.cast(y_pred, "float32")
        y_true = ops.cast(y_true, "float32")
        p = ops.minimum(ops.maximum(y_pred, 1e-7), 1.0 - 1e-7)
        positive = weights * y_true * ops.log(p)
        negative = (1.0 - y_true) * ops.log(1.0 - p)
        return -ops.mean(positive + negative, axis=-1)

    return loss


def tune_thresholds(y_true, y_probability):
    truth = np.asarray(y_true).astype(np.float32) > 0.5
    probability = np.asarray(y_probability).astype(np.float32)
    thresholds = np.full(truth.shape[1], 0.5, dtype=np.float32)
    for label in range(truth.shape[1]):
        positives = truth[:, label].sum()
        if positives == 0:
            continue
        levels, inverse = np.unique(probability[:, label], return_inverse=True)  # ascending
        hits = np.bincount(inverse.ravel(), weights=truth[:, label], minlength=len(levels))[::-1]
        counts = np.bincount(inverse.ravel(), minlength=len(levels))[::-1]  # from the highest level down
        f1 = (2 * np.cumsum(hits) / (np.cumsum(counts) + positives)).astype(np.float32)
        thresholds[label] = levels[::-1][int(np.argmax(f1))]
    return thresholds
