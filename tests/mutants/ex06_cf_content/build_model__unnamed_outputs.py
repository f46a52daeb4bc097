"""Mistake: the heads are not named, so the outputs are called dense_5 and dense_6."""
import keras
from keras import layers
from solutions.ex06_cf_content import build_hybrid_model, build_single_task_model  # noqa: F401


def build_model(user_dim, item_dim):
    user_input = keras.Input(shape=(user_dim,))
    item_input = keras.Input(shape=(item_dim,))
    user_vector = layers.Dense(32, activation="relu")(user_input)
    item_vector = layers.Dense(32, activation="relu")(item_input)
    hidden = layers.Dense(64, activation="relu")(layers.Concatenate()([user_vector, item_vector]))
    click = layers.Dense(1, activation="sigmoid")(hidden)
    rating = layers.Dense(1, activation="sigmoid")(hidden)
    model = keras.Model([user_input, item_input], [click, rating])
    model.compile(optimizer="adam", loss=["binary_crossentropy", "mean_squared_error"])
    return model
