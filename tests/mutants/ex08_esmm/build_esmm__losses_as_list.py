"""Mistake: the losses compiled as a list in the outputs' order [ctr, None, ctcvr]; Keras pairs a list with a
dict output's sorted keys (ctcvr, ctr, cvr) and wants a target for every output: fit on the esmm_targets
(ctr and ctcvr only) fails."""
import keras
from keras import layers
from solutions.ex08_esmm import esmm_targets, build_naive_cvr  # noqa: F401


def build_esmm(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim=16):
    inputs = {"user_id": keras.Input(shape=(), dtype="int32", name="user_id"),
              "item_id": keras.Input(shape=(), dtype="int32", name="item_id"),
              "user_features": keras.Input(shape=(user_feature_dim,), name="user_features"),
              "item_features": keras.Input(shape=(item_feature_dim,), name="item_features")}
    user_vector = layers.Embedding(num_users, embedding_dim)(inputs["user_id"])
    item_vector = layers.Embedding(num_items, embedding_dim)(inputs["item_id"])
    joined = layers.Concatenate()([user_vector, item_vector, inputs["user_features"], inputs["item_features"]])
    ctr = layers.Dense(1, activation="sigmoid", name="ctr")(layers.Dense(32, activation="relu")(joined))
    cvr = layers.Dense(1, activation="sigmoid", name="cvr")(layers.Dense(32, activation="relu")(joined))
    ctcvr = layers.Multiply(name="ctcvr")([ctr, cvr])
    model = keras.Model(inputs, {"ctr": ctr, "cvr": cvr, "ctcvr": ctcvr})
    model.compile(optimizer="adam", loss=["binary_crossentropy", None, "binary_crossentropy"])
    return model
