"""Mistake: inputs=[item_input, user_input], the opposite of the documented order."""
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
    rating = layers.Dense(1, activation="sigmoid", name="reg_output")(hidden)
    model = keras.Model([item_input, user_input], [click, rating])
    model.compile(optimizer="adam", loss={"class_output": "binary_crossentropy", "reg_output": "mse"})
    return model
