"""Mistake: the rating head predicts stars, 1 + 4 * sigmoid, instead of the rating scaled to [0, 1]."""
import keras
from keras import layers
from solutions.ex06_cf_content import build_hybrid_model, build_model  # noqa: F401


def build_single_task_model(num_users, num_items, user_feature_dim, item_feature_dim, task, embedding_dim=32):
    losses = {"click": "binary_crossentropy", "rating": "mean_squared_error"}
    if task not in losses:
        raise ValueError(f"unknown task {task!r}")
    user_id = keras.Input(shape=(), dtype="int32", name="user_id")
    item_id = keras.Input(shape=(), dtype="int32", name="item_id")
    user_features = keras.Input(shape=(user_feature_dim,), name="user_features")
    item_features = keras.Input(shape=(item_feature_dim,), name="item_features")
    user_vector = layers.Embedding(num_users, embedding_dim)(user_id)
    item_vector = layers.Embedding(num_items, embedding_dim)(item_id)
    joined = layers.Concatenate()([user_vector, item_vector, user_features, item_features])
    hidden = layers.Dense(32, activation="relu")(layers.Dense(64, activation="relu")(joined))
    output = layers.Dense(1, activation="sigmoid")(hidden)
    if task == "rating":
        output = layers.Rescaling(4.0, offset=1.0)(output)  # stars 1..5
    output = layers.Identity(name=task)(output)
    inputs = {"user_id": user_id, "item_id": item_id, "user_features": user_features, "item_features": item_features}
    model = keras.Model(inputs, {task: output})
    model.compile(optimizer="adam", loss={task: losses[task]})
    return model
