"""A correct answer in the older tutorial style: ids of shape (1,), Flatten after each Embedding,
a Dense-free sum, the global mean added with a Lambda, the loss as the string 'mse'."""
import keras
from keras import layers


def build_matrix_factorization(num_users, num_items, embedding_dim=8, *, global_mean=3.0, l2=1e-4,
                               learning_rate=0.01):
    user_input = keras.Input(shape=(1,), dtype="int32", name="user_id")
    item_input = keras.Input(shape=(1,), dtype="int32", name="item_id")
    user_vec = layers.Flatten()(layers.Embedding(num_users, embedding_dim,
                                                 embeddings_regularizer=keras.regularizers.L2(l2))(user_input))
    item_vec = layers.Flatten()(layers.Embedding(num_items, embedding_dim,
                                                 embeddings_regularizer=keras.regularizers.L2(l2))(item_input))
    user_b = layers.Flatten()(layers.Embedding(num_users, 1, embeddings_initializer="zeros")(user_input))
    item_b = layers.Flatten()(layers.Embedding(num_items, 1, embeddings_initializer="zeros")(item_input))
    dot = layers.Dot(axes=1)([user_vec, item_vec])
    total = layers.Add()([dot, user_b, item_b])
    out = layers.Lambda(lambda t: t + global_mean, output_shape=(1,))(total)
    model = keras.Model(inputs={"user_id": user_input, "item_id": item_input}, outputs=out)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mse")
    return model
