"""Mistake: only the click head; the rating task is missing."""
import keras
from keras import layers
from solutions.ex06_cf_content import build_hybrid_model, build_single_task_model  # noqa: F401


def build_model(user_dim, item_dim):
    user_input = keras.Input(shape=(user_dim,))
    item_input = keras.Input(shape=(item_dim,))
    user_vector = layers.Dense(32, activation="relu")(user_input)
    item_vector = layers.Dense(32, activation="relu")(item_input)
    hidden = layers.Dense(64, activation="relu")(layers.Concatenate()([user_vector, item_vector]))
    click = layers.Dense(1, activation="sigmoid", name="class_output")(hidden)
    model = keras.Model([user_input, item_input], click)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model
