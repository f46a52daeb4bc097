"""Mistake: compiled with RMSprop although the docstring asks for Adam (it learns, but it is not the
optimizer the contract names)."""
import keras
from keras import layers
from solutions.ex07_multilabel import build_vectorized_model, tune_thresholds, weighted_binary_crossentropy  # noqa: F401


def build_model(user_dim, item_dim, num_labels):
    user_input = keras.Input(shape=(user_dim,))
    item_input = keras.Input(shape=(item_dim,))
    user_vector = layers.Dense(32, activation="relu")(layers.Dense(64, activation="relu")(user_input))
    item_vector = layers.Dense(32, activation="relu")(layers.Dense(64, activation="relu")(item_input))
    shared = layers.Dense(64, activation="relu")(layers.Concatenate()([user_vector, item_vector]))
    heads = [layers.Dense(1, activation="sigmoid", name=f"label_output_{i}")(shared) for i in range(num_labels)]
    model = keras.Model([user_input, item_input], heads)
    model.compile(optimizer="rmsprop", loss={f"label_output_{i}": "binary_crossentropy" for i in range(num_labels)})
    return model
