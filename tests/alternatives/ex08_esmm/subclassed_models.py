"""A correct answer with both builders subclassed keras.Model whose call() returns a dict of named outputs;
ESMM's loss dict written in another order than the outputs, a loss object for ctcvr; the product with
keras.ops; esmm_targets written with Python loops, float32 out."""
import numpy as np
import keras
from keras import layers, ops


def esmm_targets(click, conversion):
    click, conversion = list(click), list(conversion)
    if len(click) != len(conversion):
        raise ValueError(f"{len(click)} clicks but {len(conversion)} conversions")
    ctr, ctcvr = [], []
    for row, (c, v) in enumerate(zip(click, conversion)):
        c, v = float(c), float(v)
        if c not in (0.0, 1.0) or v not in (0.0, 1.0):
            raise ValueError(f"row {row}: labels must be 0 or 1, got click={c}, conversion={v}")
        if v == 1.0 and c == 0.0:
            raise ValueError(f"row {row}: a conversion without a click")
        ctr.append(c)
        ctcvr.append(c * v)
    return {"ctcvr": np.array(ctcvr, dtype=np.float32), "ctr": np.array(ctr, dtype=np.float32)}


class Tower(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = layers.Dense(24, activation="relu")
        self.head = layers.Dense(1, activation="sigmoid")

    def call(self, inputs):
        return self.head(self.hidden(inputs))


class ESMM(keras.Model):
    def __init__(self, num_users, num_items, embedding_dim, **kwargs):
        super().__init__(**kwargs)
        self.user_table = layers.Embedding(num_users, embedding_dim)
        self.item_table = layers.Embedding(num_items, embedding_dim)
        self.ctr_tower, self.cvr_tower = Tower(), Tower()

    def call(self, inputs, training=False):
        user_vector = self.user_table(inputs["user_id"])  # (batch, embedding_dim), shared by both towers
        item_vector = self.item_table(inputs["item_id"])
        joined = ops.concatenate([user_vector, item_vector, inputs["user_features"], inputs["item_features"]], -1)
        ctr, cvr = self.ctr_tower(joined), self.cvr_tower(joined)
        return {"ctr": ctr, "cvr": cvr, "ctcvr": ops.multiply(ctr, cvr)}


class NaiveCVR(keras.Model):
    def __init__(self, num_users, num_items, embedding_dim, **kwargs):
        super().__init__(**kwargs)
        self.user_table = layers.Embedding(num_users, embedding_dim)
        self.item_table = layers.Embedding(num_items, embedding_dim)
        self.tower = Tower()

    def call(self, inputs, training=False):
        joined = ops.concatenate([self.user_table(inputs["user_id"]), self.item_table(inputs["item_id"]),
                                  inputs["user_features"], inputs["item_features"]], -1)
        return {"cvr": self.tower(joined)}


def _example(user_feature_dim, item_feature_dim):
    return {"user_id": ops.zeros((1,), "int32"), "item_id": ops.zeros((1,), "int32"),
            "user_features": ops.zeros((1, user_feature_dim)), "item_features": ops.zeros((1, item_feature_dim))}


def build_esmm(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim=16):
    model = ESMM(num_users, num_items, embedding_dim)
    model(_example(user_feature_dim, item_feature_dim))
    model.compile(optimizer=keras.optimizers.Adam(5e-3),
                  loss={"ctcvr": keras.losses.BinaryCrossentropy(), "ctr": "binary_crossentropy"})
    return model


def build_naive_cvr(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim=16):
    model = NaiveCVR(num_users, num_items, embedding_dim)
    model(_example(user_feature_dim, item_feature_dim))
    model.compile(optimizer="rmsprop", loss=keras.losses.BinaryCrossentropy())
    return model
