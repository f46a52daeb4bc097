"""Mistake: mu + p_u . q_i only; the user and item biases are left out."""
import keras
from keras import layers


def build_matrix_factorization(num_users, num_items, embedding_dim=8, *, global_mean=3.0, l2=1e-4,
                               learning_rate=0.01):
    user_id = keras.Input(shape=(), dtype="int32", name="user_id")
    item_id = keras.Input(shape=(), dtype="int32", name="item_id")
    p = layers.Embedding(num_users, embedding_dim, embeddings_regularizer=keras.regularizers.L2(l2))(user_id)
    q = layers.Embedding(num_items, embedding_dim, embeddings_regularizer=keras.regularizers.L2(l2))(item_id)
    rating = layers.Rescaling(1.0, offset=global_mean)(layers.Dot(axes=1)([p, q]))
    model = keras.Model({"user_id": user_id, "item_id": item_id}, rating)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mean_squared_error")
    return model
