"""A correct answer with a subclassed keras.Model for build_model (dict outputs) and a custom layer
with get_config (a dot-product interaction written with keras.ops) in the hybrid; MSE as a function."""
import keras
from keras import layers, ops


class TwoHeadContentModel(keras.Model):
    """User and item towers, a shared layer, a click head and a scaled-rating head."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.user_tower = layers.Dense(16, activation="relu")
        self.item_tower = layers.Dense(16, activation="relu")
        self.shared = layers.Dense(32, activation="relu")
        self.click_head = layers.Dense(1, activation="sigmoid")
        self.rating_head = layers.Dense(1, activation="sigmoid")

    def call(self, inputs, training=False):
        user_features, item_features = inputs
        joined = ops.concatenate([self.user_tower(user_features), self.item_tower(item_features)], axis=-1)
        hidden = self.shared(joined)
        return {"class_output": self.click_head(hidden), "reg_output": self.rating_head(hidden)}


def build_model(user_dim, item_dim):
    model = TwoHeadContentModel()
    model([ops.zeros((1, user_dim)), ops.zeros((1, item_dim))])  # build the weights
    model.compile(optimizer="adam", loss={"class_output": "binary_crossentropy",
                                          "reg_output": keras.losses.mean_squared_error})
    return model


class DotInteraction(layers.Layer):
    """<user, item> per row, shape (batch, 1): the matrix-factorization score."""

    def call(self, user_vector, item_vector):
        return ops.sum(user_vector * item_vector, axis=-1, keepdims=True)

    def get_config(self):
        return super().get_config()


def _body(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim):
    user_id = keras.Input(shape=(), dtype="int32", name="user_id")
    item_id = keras.Input(shape=(), dtype="int32", name="item_id")
    user_features = keras.Input(shape=(user_feature_dim,), name="user_features")
    item_features = keras.Input(shape=(item_feature_dim,), name="item_features")
    user_vector = layers.Embedding(num_users, embedding_dim)(user_id)
    item_vector = layers.Embedding(num_items, embedding_dim)(item_id)
    user_side = layers.concatenate([user_vector, user_features])
    item_side = layers.concatenate([item_vector, item_features])
    joined = layers.concatenate([user_side, item_side, DotInteraction()(user_vector, item_vector)])
    shared = layers.Dense(32, activation="relu")(layers.Dense(64, activation="relu")(joined))
    inputs = [user_id, item_id, user_features, item_features]
    return inputs, shared


def build_hybrid_model(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim=32):
    inputs, shared = _body(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim)
    click_tower = layers.Dense(16, activation="relu")(layers.Dense(16, activation="relu")(shared))
    click = layers.Dense(1, activation="sigmoid", name="click")(click_tower)
    rating = layers.Dense(1, activation="sigmoid", name="rating")(layers.Dense(8, activation="relu")(shared))
    model = keras.Model(inputs, [click, rating])
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss={"click": "binary_crossentropy", "rating": keras.losses.mean_squared_error},
                  loss_weights={"click": 1.0, "rating": 1.0})
    return model


def build_single_task_model(num_users, num_items, user_feature_dim, item_feature_dim, task, embedding_dim=32):
    if task not in ("click", "rating"):
        raise ValueError(task)
    inputs, shared = _body(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim)
    output = layers.Dense(1, activation="sigmoid", name=task)(shared)
    model = keras.Model(inputs, output)
    model.compile(optimizer="adam", loss="binary_crossentropy" if task == "click" else "mean_squared_error")
    return model
