"""Mistake: the output is named 'conversion', not 'cvr'."""
import keras
from keras import layers
from solutions.ex08_esmm import esmm_targets, build_esmm  # noqa: F401


def build_naive_cvr(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim=16):
    inputs = {"user_id": keras.Input(shape=(), dtype="int32", name="user_id"),
              "item_id": keras.Input(shape=(), dtype="int32", name="item_id"),
              "user_features": keras.Input(shape=(user_feature_dim,), name="user_features"),
              "item_features": keras.Input(shape=(item_feature_dim,), name="item_features")}
    user_vector = layers.Embedding(num_users, embedding_dim)(inputs["user_id"])
    item_vector = layers.Embedding(num_items, embedding_dim)(inputs["item_id"])
    joined = layers.Concatenate()([user_vector, item_vector, inputs["user_features"], inputs["item_features"]])
    hidden = layers.Dense(32, activation="relu")(layers.Dense(64, activation="relu")(joined))
    output = layers.Dense(1, activation="sigmoid", name="conversion")(hidden)
    model = keras.Model(inputs, {"conversion": output})
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss={"conversion": "binary_crossentropy"})
    return model
