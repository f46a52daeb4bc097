"""Mistake: a subclassed model that unpacks the input dict by position (`user_id, item_id = inputs.values()`),
so a dict written in the order {"item_id": ..., "user_id": ...} swaps users and items."""
import keras
from keras import layers


class MatrixFactorization(keras.Model):
    def __init__(self, num_users, num_items, embedding_dim, global_mean, l2, **kwargs):
        super().__init__(**kwargs)
        self.global_mean = float(global_mean)
        self.user_factors = layers.Embedding(num_users, embedding_dim,
                                             embeddings_regularizer=keras.regularizers.L2(l2))
        self.item_factors = layers.Embedding(num_items, embedding_dim,
                                             embeddings_regularizer=keras.regularizers.L2(l2))
        self.user_bias = layers.Embedding(num_users, 1, embeddings_initializer="zeros")
        self.item_bias = layers.Embedding(num_items, 1, embeddings_initializer="zeros")

    def call(self, inputs):
        user_id, item_id = inputs.values()  # the mistake: the dict's order, not its keys
        affinity = keras.ops.sum(self.user_factors(user_id) * self.item_factors(item_id), axis=-1, keepdims=True)
        return self.global_mean + self.user_bias(user_id) + self.item_bias(item_id) + affinity


def build_matrix_factorization(num_users, num_items, embedding_dim=8, *, global_mean=3.0, l2=1e-4,
                               learning_rate=0.01):
    model = MatrixFactorization(num_users, num_items, embedding_dim, global_mean, l2)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mean_squared_error")
    return model
