"""A correct answer, functional: ONE ID table for users and items (item ids offset by num_users), a shared
Dense layer below the two towers (sharing more than the embeddings is allowed), loss objects and unequal
loss weights, the product in a custom layer with keras.ops; esmm_targets vectorised, float64 out."""
import numpy as np
import keras
from keras import layers, ops


def esmm_targets(click, conversion):
    click = np.asarray(click, dtype=np.float64)
    conversion = np.asarray(conversion, dtype=np.float64)
    if click.shape != conversion.shape:
        raise ValueError("click and conversion must have one label per impression each")
    labels = np.concatenate([click, conversion])
    if np.any((labels != 0.0) & (labels != 1.0)):  # NaN != 0 and NaN != 1: rejected too
        raise ValueError("labels must be 0 or 1")
    if np.any((conversion == 1.0) & (click == 0.0)):
        raise ValueError("a conversion without a click")
    return {"ctr": np.where(click == 1.0, 1.0, 0.0), "ctcvr": np.where((click == 1.0) & (conversion == 1.0), 1.0, 0.0)}


class Product(layers.Layer):
    def call(self, inputs):
        return ops.multiply(inputs[0], inputs[1])


def _joined(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim):
    inputs = {"item_features": keras.Input(shape=(item_feature_dim,), name="item_features"),
              "user_id": keras.Input(shape=(), dtype="int32", name="user_id"),
              "item_id": keras.Input(shape=(), dtype="int32", name="item_id"),
              "user_features": keras.Input(shape=(user_feature_dim,), name="user_features")}
    table = layers.Embedding(num_users + num_items, embedding_dim)  # users first, then items
    user_vector = table(inputs["user_id"])
    item_vector = table(layers.Lambda(lambda ids: ids + num_users)(inputs["item_id"]))
    joined = layers.Concatenate()([user_vector, item_vector, inputs["user_features"], inputs["item_features"]])
    return inputs, joined


def build_esmm(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim=16):
    inputs, joined = _joined(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim)
    shared = layers.Dense(48, activation="relu")(joined)
    ctr = layers.Dense(1, activation="sigmoid", name="ctr")(layers.Dense(16, activation="relu")(shared))
    cvr = layers.Dense(1, activation="sigmoid", name="cvr")(layers.Dense(16, activation="relu")(shared))
    ctcvr = Product(name="ctcvr")([ctr, cvr])
    model = keras.Model(inputs, {"ctcvr": ctcvr, "cvr": cvr, "ctr": ctr})
    model.compile(optimizer=keras.optimizers.Adam(4e-3),
                  loss={"ctr": keras.losses.BinaryCrossentropy(), "ctcvr": keras.losses.BinaryCrossentropy()},
                  loss_weights={"ctr": 0.5, "ctcvr": 2.0})
    return model


def build_naive_cvr(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim=16):
    inputs, joined = _joined(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim)
    hidden = layers.Dense(16, activation="relu")(layers.Dense(48, activation="relu")(joined))
    cvr = layers.Dense(1, activation="sigmoid", name="cvr")(hidden)
    model = keras.Model(inputs, cvr)
    model.compile(optimizer=keras.optimizers.Adam(4e-3), loss="binary_crossentropy")
    return model
