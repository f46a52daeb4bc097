"""Mistake: the penalty is put on the looked-up vectors of each batch (activity_regularizer), not on P and Q."""
import keras
from keras import layers


def build_matrix_factorization(num_users, num_items, embedding_dim=8, *, global_mean=3.0, l2=1e-4,
                               learning_rate=0.01):
    user_id = keras.Input(shape=(), dtype="int32", name="user_id")
    item_id = keras.Input(shape=(), dtype="int32", name="item_id")
    regularizer = keras.regularizers.L2(l2)
    user_vector = layers.Embedding(num_users, embedding_dim, activity_regularizer=regularizer,
                                   name="user_factors")(user_id)  # (batch, embedding_dim)
    item_vector = layers.Embedding(num_items, embedding_dim, activity_regularizer=regularizer,
                                   name="item_factors")(item_id)  # (batch, embedding_dim)
    user_bias = layers.Embedding(num_users, 1, embeddings_initializer="zeros", name="user_bias")(user_id)  # (batch, 1)
    item_bias = layers.Embedding(num_items, 1, embeddings_initializer="zeros", name="item_bias")(item_id)  # (batch, 1)
    affinity = layers.Dot(axes=1, name="affinity")([user_vector, item_vector])  # (batch, 1)
    centred = layers.Add(name="centred_rating")([affinity, user_bias, item_bias])  # (batch, 1)
    rating = layers.Rescaling(1.0, offset=global_mean, name="rating")(centred)  # (batch, 1), + mu
    model = keras.Model({"user_id": user_id, "item_id": item_id}, rating, name="matrix_factorization")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mean_squared_error")
    return model
