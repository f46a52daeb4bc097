"""A correct answer in the tensorflow.keras spelling: Dropout and BatchNormalization in the towers, the loss
dict naming cvr with None, the product with tf.multiply in a custom layer, one-hot ids through Dense
kernels (a table by another name); esmm_targets through TensorFlow, float32 out."""
import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers


def esmm_targets(click, conversion):
    click = tf.reshape(tf.cast(np.asarray(click, dtype=np.float32), tf.float32), [-1])
    conversion = tf.reshape(tf.cast(np.asarray(conversion, dtype=np.float32), tf.float32), [-1])
    if click.shape[0] != conversion.shape[0]:
        raise ValueError("click and conversion differ in length")
    for labels in (click, conversion):
        if not bool(tf.reduce_all((labels == 0.0) | (labels == 1.0))):
            raise ValueError("labels must be 0 or 1")
    if bool(tf.reduce_any(conversion > click)):
        raise ValueError("conversion without click")
    return {"ctr": click.numpy(), "ctcvr": tf.multiply(click, conversion).numpy()}


class Multiply(layers.Layer):
    def call(self, inputs):
        return tf.multiply(inputs[0], inputs[1])


def _joined(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim):
    inputs = {"user_id": keras.Input(shape=(), dtype="int32", name="user_id"),
              "item_id": keras.Input(shape=(), dtype="int32", name="item_id"),
              "user_features": keras.Input(shape=(user_feature_dim,), name="user_features"),
              "item_features": keras.Input(shape=(item_feature_dim,), name="item_features")}
    user_one_hot = layers.Lambda(lambda ids: tf.one_hot(ids, num_users), output_shape=(num_users,))(inputs["user_id"])
    item_one_hot = layers.Lambda(lambda ids: tf.one_hot(ids, num_items), output_shape=(num_items,))(inputs["item_id"])
    user_vector = layers.Dense(embedding_dim, use_bias=False)(user_one_hot)  # kernel (num_users, embedding_dim)
    item_vector = layers.Dense(embedding_dim, use_bias=False)(item_one_hot)
    joined = layers.Concatenate()([user_vector, item_vector, inputs["user_features"], inputs["item_features"]])
    return inputs, joined


def _tower(joined, name):
    hidden = layers.Dense(32, activation="relu")(joined)
    hidden = layers.BatchNormalization()(hidden)
    hidden = layers.Dropout(0.1)(hidden)
    return layers.Dense(1, activation="sigmoid", name=name)(hidden)


def build_esmm(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim=16):
    inputs, joined = _joined(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim)
    ctr, cvr = _tower(joined, "ctr"), _tower(joined, "cvr")
    model = keras.Model(inputs, {"ctr": ctr, "cvr": cvr, "ctcvr": Multiply(name="ctcvr")([ctr, cvr])})
    model.compile(optimizer="adam", loss={"ctr": "binary_crossentropy", "cvr": None, "ctcvr": "binary_crossentropy"})
    return model


def build_naive_cvr(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim=16):
    inputs, joined = _joined(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim)
    model = keras.Model(inputs, {"cvr": _tower(joined, "cvr")})
    model.compile(optimizer="adam", loss={"cvr": keras.losses.BinaryCrossentropy()})
    return model
