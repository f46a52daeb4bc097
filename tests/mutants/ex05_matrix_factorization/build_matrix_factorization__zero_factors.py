"""Mistake: the factors start at zero like the biases, so p_u . q_i has zero gradient and never learns."""
import keras
from keras import layers


def build_matrix_factorization(num_users, num_items, embedding_dim=8, *, global_mean=3.0, l2=1e-4,
                               learning_rate=0.01):
    user_id = keras.Input(shape=(), dtype="int32", name="user_id")
    item_id = keras.Input(shape=(), dtype="int32", name="item_id")
    p = layers.Embedding(num_users, embedding_dim, embeddings_initializer="zeros")(user_id)
    q = layers.Embedding(num_items, embedding_dim, embeddings_initializer="zeros")(item_id)
    b_u = layers.Embedding(num_users, 1, embeddings_initializer="zeros")(user_id)
    b_i = layers.Embedding(num_items, 1, embeddings_initializer="zeros")(item_id)
    total = layers.Add()([layers.Dot(axes=1)([p, q]), b_u, b_i])
    rating = layers.Rescaling(1.0, offset=global_mean)(total)
    model = keras.Model({"user_id": user_id, "item_id": item_id}, rating)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mean_squared_error")
    return model
