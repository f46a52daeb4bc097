"""Mistake: ctcvr is computed and returned, but the loss is on ctr and cvr: the CVR is supervised directly, ctcvr trains nothing."""
import keras
from keras import layers, ops
from solutions.ex08_esmm import esmm_targets, build_naive_cvr  # noqa: F401


def _joined(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim):
    inputs = {"user_id": keras.Input(shape=(), dtype="int32", name="user_id"),
              "item_id": keras.Input(shape=(), dtype="int32", name="item_id"),
              "user_features": keras.Input(shape=(user_feature_dim,), name="user_features"),
              "item_features": keras.Input(shape=(item_feature_dim,), name="item_features")}
    user_vector = layers.Embedding(num_users, embedding_dim)(inputs["user_id"])
    item_vector = layers.Embedding(num_items, embedding_dim)(inputs["item_id"])
    joined = layers.Concatenate()([user_vector, item_vector, layers.Multiply()([user_vector, item_vector]),
                                   inputs["user_features"], inputs["item_features"]])
    return inputs, joined


def _tower(joined, name, activation="sigmoid"):
    hidden = layers.Dense(32, activation="relu")(layers.Dense(64, activation="relu")(joined))
    return layers.Dense(1, activation=activation, name=name)(hidden)


def build_esmm(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim=16):
    inputs, joined = _joined(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim)
    ctr = _tower(joined, "ctr")
    cvr = _tower(joined, "cvr")
    ctcvr = layers.Multiply(name="ctcvr")([ctr, cvr])
    model = keras.Model(inputs, {"ctr": ctr, "cvr": cvr, "ctcvr": ctcvr})
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss={"ctr": "binary_crossentropy", "cvr": "binary_crossentropy"})
    return model
