"""A correct answer in the functional style with a list of inputs (Keras matches a dict to them by name),
global_mean stored in the user bias table (initialised to it, so b_u starts at mu), keras.ops in a Lambda
for the dot product, the loss as a function, and the penalty on the factors through a shared regularizer."""
import keras
from keras import layers


def build_matrix_factorization(num_users, num_items, embedding_dim=8, *, global_mean=3.0, l2=1e-4,
                               learning_rate=0.01):
    user = keras.Input(shape=(), dtype="int32", name="user_id")
    item = keras.Input(shape=(), dtype="int32", name="item_id")
    penalty = keras.regularizers.l2(l2)
    p_u = layers.Embedding(num_users, embedding_dim, embeddings_initializer="normal",
                           embeddings_regularizer=penalty)(user)  # (batch, embedding_dim)
    q_i = layers.Embedding(num_items, embedding_dim, embeddings_initializer="normal",
                           embeddings_regularizer=penalty)(item)  # (batch, embedding_dim)
    mu_plus_b_u = layers.Embedding(num_users, 1,
                                   embeddings_initializer=keras.initializers.Constant(global_mean))(user)
    b_i = layers.Embedding(num_items, 1, embeddings_initializer="zeros")(item)
    dot = layers.Lambda(lambda pq: keras.ops.sum(pq[0] * pq[1], axis=-1, keepdims=True),
                        output_shape=(1,))([p_u, q_i])  # (batch, 1)
    rating = layers.Add()([mu_plus_b_u, b_i, dot])
    model = keras.Model([user, item], rating)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss=keras.losses.mean_squared_error)
    return model
