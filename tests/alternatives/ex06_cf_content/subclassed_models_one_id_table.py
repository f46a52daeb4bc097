"""A correct answer with every builder a subclassed keras.Model whose call() returns a dict of named
outputs: the dict inputs read by key; ONE ID table for users and items (item ids offset by num_users);
Huber losses with deltas other than 1; build_model's dict outputs in another order than its list of
losses (Keras pairs a list with a dict's sorted keys); optimizers created inside each builder."""
import keras
from keras import layers, ops


class ContentModel(keras.Model):
    """build_model: user and item towers, a shared layer, the two heads (dict outputs)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.user_tower = keras.Sequential([layers.Dense(32, activation="relu"), layers.Dense(16, activation="relu")])
        self.item_tower = keras.Sequential([layers.Dense(32, activation="relu"), layers.Dense(16, activation="relu")])
        self.shared = layers.Dense(32, activation="relu")
        self.click_head = layers.Dense(1, activation="sigmoid")
        self.rating_head = layers.Dense(1, activation="sigmoid")

    def call(self, inputs, training=False):
        user_features, item_features = inputs
        hidden = self.shared(ops.concatenate([self.user_tower(user_features), self.item_tower(item_features)], -1))
        return {"reg_output": self.rating_head(hidden), "class_output": self.click_head(hidden)}


def build_model(user_dim, item_dim):
    model = ContentModel()
    model([ops.zeros((1, user_dim)), ops.zeros((1, item_dim))])
    # a list of losses goes with the outputs' sorted names: class_output, then reg_output
    model.compile(optimizer=keras.optimizers.Adam(2e-3),
                  loss=[keras.losses.BinaryCrossentropy(), keras.losses.MeanSquaredError()])
    return model


class HybridModel(keras.Model):
    """One (num_users + num_items, embedding_dim) table, a shared bottom, and a tower per task."""

    def __init__(self, num_users, num_items, embedding_dim, tasks=("click", "rating"), **kwargs):
        super().__init__(**kwargs)
        self.num_users = num_users
        self.id_table = layers.Embedding(num_users + num_items, embedding_dim)  # items from row num_users on
        self.bottom = layers.Dense(48, activation="relu")
        self.towers = {task: layers.Dense(16, activation="relu") for task in tasks}
        self.heads = {task: layers.Dense(1, activation="sigmoid") for task in tasks}

    def call(self, inputs, training=False):
        user_vector = self.id_table(inputs["user_id"])  # (batch, embedding_dim)
        item_vector = self.id_table(ops.add(inputs["item_id"], self.num_users))  # (batch, embedding_dim)
        joined = ops.concatenate([user_vector, item_vector, user_vector * item_vector,
                                  inputs["user_features"], inputs["item_features"]], axis=-1)
        shared = self.bottom(joined)
        return {task: self.heads[task](self.towers[task](shared)) for task in self.heads}


def _example(user_feature_dim, item_feature_dim):
    return {"user_id": ops.zeros((1,), "int32"), "item_id": ops.zeros((1,), "int32"),
            "user_features": ops.zeros((1, user_feature_dim)), "item_features": ops.zeros((1, item_feature_dim))}


def build_hybrid_model(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim=32):
    model = HybridModel(num_users, num_items, embedding_dim)
    model(_example(user_feature_dim, item_feature_dim))
    model.compile(optimizer=keras.optimizers.Adam(3e-3),
                  loss={"click": keras.losses.BinaryCrossentropy(), "rating": keras.losses.Huber(delta=0.25)},
                  loss_weights={"click": 1.0, "rating": 8.0})
    return model


def build_single_task_model(num_users, num_items, user_feature_dim, item_feature_dim, task, embedding_dim=32):
    losses = {"click": keras.losses.BinaryCrossentropy(), "rating": keras.losses.Huber(delta=0.1)}
    if task not in losses:
        raise ValueError(f"task must be 'click' or 'rating', got {task!r}")
    model = HybridModel(num_users, num_items, embedding_dim, tasks=(task,))
    model(_example(user_feature_dim, item_feature_dim))
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss={task: losses[task]})
    return model
