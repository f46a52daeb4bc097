"""Mistake: a subclassed model that calls its Dropout layer with training=True hard-coded, so its
predictions are random even in inference mode."""
import keras
from keras import layers, ops
from solutions.ex06_cf_content import build_model, build_single_task_model  # noqa: F401


class Hybrid(keras.Model):
    def __init__(self, num_users, num_items, embedding_dim, **kwargs):
        super().__init__(**kwargs)
        self.user_embedding = layers.Embedding(num_users, embedding_dim)
        self.item_embedding = layers.Embedding(num_items, embedding_dim)
        self.shared = layers.Dense(64, activation="relu")
        self.dropout = layers.Dropout(0.2)
        self.click_tower = layers.Dense(32, activation="relu")
        self.rating_tower = layers.Dense(32, activation="relu")
        self.click_head = layers.Dense(1, activation="sigmoid")
        self.rating_head = layers.Dense(1, activation="sigmoid")

    def call(self, inputs, training=False):
        joined = ops.concatenate([self.user_embedding(inputs["user_id"]), self.item_embedding(inputs["item_id"]),
                                  inputs["user_features"], inputs["item_features"]], axis=-1)
        shared = self.dropout(self.shared(joined), training=True)  # should be training=training
        return {"click": self.click_head(self.click_tower(shared)),
                "rating": self.rating_head(self.rating_tower(shared))}


def build_hybrid_model(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim=32):
    model = Hybrid(num_users, num_items, embedding_dim)
    model.compile(optimizer="adam", loss={"click": "binary_crossentropy", "rating": "mean_squared_error"},
                  loss_weights={"click": 1.0, "rating": 4.0})
    return model
