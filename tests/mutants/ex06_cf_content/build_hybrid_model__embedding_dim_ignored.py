"""Mistake: the ID embeddings have a hard-coded width of 32; the embedding_dim argument is ignored."""
import keras
from keras import layers
from solutions.ex06_cf_content import build_model, build_single_task_model  # noqa: F401


def build_hybrid_model(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim=32):
    user_id = keras.Input(shape=(), dtype="int32", name="user_id")
    item_id = keras.Input(shape=(), dtype="int32", name="item_id")
    user_features = keras.Input(shape=(user_feature_dim,), name="user_features")
    item_features = keras.Input(shape=(item_feature_dim,), name="item_features")
    user_vector = layers.Embedding(num_users, 32)(user_id)
    item_vector = layers.Embedding(num_items, 32)(item_id)
    joined = layers.Concatenate()([user_vector, item_vector, layers.Multiply()([user_vector, item_vector]),
                                   user_features, item_features])
    shared = layers.Dense(64, activation="relu")(joined)
    click = layers.Dense(1, activation="sigmoid", name="click")(layers.Dense(32, activation="relu")(shared))
    rating = layers.Dense(1, activation="sigmoid", name="rating")(layers.Dense(32, activation="relu")(shared))
    inputs = {"user_id": user_id, "item_id": item_id, "user_features": user_features, "item_features": item_features}
    model = keras.Model(inputs, {"click": click, "rating": rating})
    model.compile(optimizer=keras.optimizers.Adam(3e-3),
                  loss={"click": "binary_crossentropy", "rating": "mean_squared_error"},
                  loss_weights={"click": 1.0, "rating": 4.0})
    return model
