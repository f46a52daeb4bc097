"""Mistake: a subclassed model whose call() returns a list [click, rating]: a subclassed model has no
output layers to take names from, so its outputs have no names (compile's loss dict, fit's targets
and the notebook's predictions by name cannot find them)."""
import keras
from keras import layers, ops
from solutions.ex06_cf_content import build_model, build_single_task_model  # noqa: F401


class Hybrid(keras.Model):
    def __init__(self, num_users, num_items, embedding_dim, **kwargs):
        super().__init__(**kwargs)
        self.user_embedding = layers.Embedding(num_users, embedding_dim)
        self.item_embedding = layers.Embedding(num_items, embedding_dim)
        self.shared = layers.Dense(64, activation="relu")
        self.click_tower = layers.Dense(32, activation="relu")
        self.rating_tower = layers.Dense(32, activation="relu")
        self.click_head = layers.Dense(1, activation="sigmoid", name="click")
        self.rating_head = layers.Dense(1, activation="sigmoid", name="rating")

    def call(self, inputs, training=False):
        joined = ops.concatenate([self.user_embedding(inputs["user_id"]), self.item_embedding(inputs["item_id"]),
                                  inputs["user_features"], inputs["item_features"]], axis=-1)
        shared = self.shared(joined)
        return [self.click_head(self.click_tower(shared)), self.rating_head(self.rating_tower(shared))]


def build_hybrid_model(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim=32):
    model = Hybrid(num_users, num_items, embedding_dim)
    model.compile(optimizer="adam", loss={"click": "binary_crossentropy", "rating": "mean_squared_error"},
                  loss_weights={"click": 1.0, "rating": 4.0})
    return model
