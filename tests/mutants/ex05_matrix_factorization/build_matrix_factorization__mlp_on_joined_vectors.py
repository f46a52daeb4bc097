"""Mistake: a network on the joined user and item vectors (NCF-style MLP) instead of the dot product."""
import keras
from keras import layers


def build_matrix_factorization(num_users, num_items, embedding_dim=8, *, global_mean=3.0, l2=1e-4,
                               learning_rate=0.01):
    user_id = keras.Input(shape=(), dtype="int32", name="user_id")
    item_id = keras.Input(shape=(), dtype="int32", name="item_id")
    p = layers.Embedding(num_users, embedding_dim)(user_id)
    q = layers.Embedding(num_items, embedding_dim)(item_id)
    hidden = layers.Dense(16, activation="relu")(layers.Concatenate()([p, q]))
    rating = layers.Rescaling(1.0, offset=global_mean)(layers.Dense(1)(hidden))
    model = keras.Model({"user_id": user_id, "item_id": item_id}, rating)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mean_squared_error")
    return model
