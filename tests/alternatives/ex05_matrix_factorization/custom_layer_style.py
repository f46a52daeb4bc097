"""A correct answer in another style: tensorflow.keras names, a custom dot-product layer written with
keras.ops (with get_config), a trainable global bias that starts at global_mean, a loss object."""
from tensorflow import keras
from tensorflow.keras import layers


@keras.utils.register_keras_serializable(package="alternatives")
class BiasedDot(layers.Layer):
    """mu + b_u + b_i + p_u . q_i from the four looked-up tensors."""

    def __init__(self, global_mean=0.0, **kwargs):
        super().__init__(**kwargs)
        self.global_mean = float(global_mean)

    def build(self, input_shape):
        self.mu = self.add_weight(shape=(1,), initializer=keras.initializers.Constant(self.global_mean), name="mu")

    def call(self, inputs):
        p, q, b_u, b_i = inputs
        dot = keras.ops.sum(p * q, axis=-1, keepdims=True)  # (batch, 1)
        return dot + b_u + b_i + self.mu

    def get_config(self):
        return {**super().get_config(), "global_mean": self.global_mean}


def build_matrix_factorization(num_users, num_items, embedding_dim=8, *, global_mean=3.0, l2=1e-4,
                               learning_rate=0.01):
    users = keras.Input(shape=(), dtype="int32", name="user_id")
    items = keras.Input(shape=(), dtype="int32", name="item_id")
    init = keras.initializers.RandomNormal(stddev=0.1)
    reg = keras.regularizers.l2(l2)
    p = layers.Embedding(num_users, embedding_dim, embeddings_initializer=init, embeddings_regularizer=reg)(users)
    q = layers.Embedding(num_items, embedding_dim, embeddings_initializer=init, embeddings_regularizer=reg)(items)
    b_u = layers.Embedding(num_users, 1, embeddings_initializer="zeros")(users)
    b_i = layers.Embedding(num_items, 1, embeddings_initializer="zeros")(items)
    out = BiasedDot(global_mean, name="rating")([p, q, b_u, b_i])
    model = keras.Model(inputs={"user_id": users, "item_id": items}, outputs={"rating": out})
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss={"rating": keras.losses.MeanSquaredError()})
    return model
