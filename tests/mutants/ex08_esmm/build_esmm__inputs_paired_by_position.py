"""Mistake: a subclassed model that reads the input dict by position (list(inputs.values())), not by key."""
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


class PositionalESMM(keras.Model):
    def __init__(self, num_users, num_items, embedding_dim, **kwargs):
        super().__init__(**kwargs)
        self.user_table = layers.Embedding(num_users, embedding_dim)
        self.item_table = layers.Embedding(num_items, embedding_dim)
        self.towers = {name: [layers.Dense(32, activation="relu"), layers.Dense(1, activation="sigmoid")]
                       for name in ("ctr", "cvr")}

    def call(self, inputs, training=False):
        user_id, item_id, user_features, item_features = list(inputs.values())  # by position
        user_vector, item_vector = self.user_table(user_id), self.item_table(item_id)
        joined = ops.concatenate([user_vector, item_vector, user_features, item_features], axis=-1)
        out = {}
        for name, (hidden, head) in self.towers.items():
            out[name] = head(hidden(joined))
        out["ctcvr"] = out["ctr"] * out["cvr"]
        return out


def build_esmm(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim=16):
    model = PositionalESMM(num_users, num_items, embedding_dim)
    model({"user_id": ops.zeros((1,), "int32"), "item_id": ops.zeros((1,), "int32"),
           "user_features": ops.zeros((1, user_feature_dim)), "item_features": ops.zeros((1, item_feature_dim))})
    model.compile(optimizer="adam", loss={"ctr": "binary_crossentropy", "ctcvr": "binary_crossentropy"})
    return model
