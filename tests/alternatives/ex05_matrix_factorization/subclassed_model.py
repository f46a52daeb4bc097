"""A correct answer written by subclassing keras.Model: Embedding layers as attributes, call() reads the
dict by key and returns the (batch, 1) rating; global_mean kept as a plain float; loss as a Loss object."""
import keras
from keras import layers


class MatrixFactorization(keras.Model):
    """r_hat = global_mean + b_u + b_i + p_u . q_i."""

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
        user_id, item_id = inputs["user_id"], inputs["item_id"]
        p_u = self.user_factors(user_id)  # (batch, embedding_dim)
        q_i = self.item_factors(item_id)  # (batch, embedding_dim)
        affinity = keras.ops.sum(p_u * q_i, axis=-1, keepdims=True)  # (batch, 1)
        return self.global_mean + self.user_bias(user_id) + self.item_bias(item_id) + affinity


def build_matrix_factorization(num_users, num_items, embedding_dim=8, *, global_mean=3.0, l2=1e-4,
                               learning_rate=0.01):
    model = MatrixFactorization(num_users, num_items, embedding_dim, global_mean, l2)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss=keras.losses.MeanSquaredError())
    return model
