"""Mistake: content features only: the ids are never embedded."""
import keras
from keras import layers
from solutions.ex08_esmm import esmm_targets, build_esmm  # noqa: F401


def build_naive_cvr(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim=16):
    inputs = {"user_id": keras.Input(shape=(), dtype="int32", name="user_id"),
              "item_id": keras.Input(shape=(), dtype="int32", name="item_id"),
              "user_features": keras.Input(shape=(user_feature_dim,), name="user_features"),
              "item_features": keras.Input(shape=(item_feature_dim,), name="item_features")}
    joined = layers.Concatenate()([inputs["user_features"], inputs["item_features"]])
    hidden = layers.Dense(32, activation="relu")(layers.Dense(64, activation="relu")(joined))
    output = layers.Dense(1, activation="sigmoid", name="cvr")(hidden)
    model = keras.Model(inputs, {"cvr": output})
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss={"cvr": "binary_crossentropy"})
    return model
