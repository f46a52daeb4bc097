"""A correct answer in another Keras 3 style: Sequential sub-towers used as layers, dropout, loss
objects, dict outputs whose keys name them (the head layers carry other names), heads directly on
the shared layer (the minimal tower: each task's own output layer), Huber on the rating, RMSprop."""
import keras
from keras import layers

CLICK_LOSS = keras.losses.BinaryCrossentropy()


def build_model(user_dim, item_dim):
    user_features = keras.Input(shape=(user_dim,))
    item_features = keras.Input(shape=(item_dim,))
    user_tower = keras.Sequential([layers.Dense(48, activation="relu"), layers.Dropout(0.1), layers.Dense(24)])
    item_tower = keras.Sequential([layers.Dense(48, activation="relu"), layers.Dropout(0.1), layers.Dense(24)])
    joined = layers.concatenate([user_tower(user_features), item_tower(item_features)])
    shared = layers.Dense(32, activation="tanh")(layers.BatchNormalization()(joined))
    class_output = layers.Dense(1, activation="sigmoid", name="class_output")(shared)
    reg_output = layers.Dense(1, name="reg_output")(shared)  # linear: the targets are scaled already
    model = keras.Model(inputs=[user_features, item_features], outputs=[class_output, reg_output])
    model.compile(optimizer=keras.optimizers.RMSprop(1e-3), loss=[CLICK_LOSS, keras.losses.MeanSquaredError()],
                  loss_weights=[0.5, 2.0], metrics=[[keras.metrics.AUC()], [keras.metrics.MeanAbsoluteError()]])
    return model


def _joined(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim):
    inputs = {"user_id": keras.Input(shape=(), dtype="int64", name="user_id"),
              "item_id": keras.Input(shape=(), dtype="int64", name="item_id"),
              "user_features": keras.Input(shape=(user_feature_dim,), name="user_features"),
              "item_features": keras.Input(shape=(item_feature_dim,), name="item_features")}
    regularizer = keras.regularizers.L2(1e-6)
    user_vector = layers.Embedding(num_users, embedding_dim, embeddings_regularizer=regularizer)(inputs["user_id"])
    item_vector = layers.Embedding(num_items, embedding_dim, embeddings_regularizer=regularizer)(inputs["item_id"])
    content = layers.Dense(embedding_dim, activation="relu")(
        layers.concatenate([inputs["user_features"], inputs["item_features"]]))
    return inputs, layers.concatenate([user_vector, item_vector, content])


def build_hybrid_model(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim=32):
    inputs, joined = _joined(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim)
    shared = layers.Dense(48, activation="relu")(joined)
    shared = layers.Dropout(0.2)(shared)
    outputs = {"click": layers.Dense(1, activation="sigmoid", name="click_head")(shared),
               "rating": layers.Dense(1, activation="sigmoid", name="rating_head")(shared)}
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="rmsprop", loss={"click": CLICK_LOSS, "rating": keras.losses.Huber()},
                  loss_weights={"click": 1.0, "rating": 10.0})
    return model


def build_single_task_model(num_users, num_items, user_feature_dim, item_feature_dim, task, embedding_dim=32):
    losses = {"click": "binary_crossentropy", "rating": "mae"}
    if task not in losses:
        raise ValueError(f"unknown task {task}")
    inputs, joined = _joined(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim)
    hidden = layers.Dense(32, activation="relu")(joined)
    output = layers.Dense(1, activation="sigmoid", name=f"{task}_head")(hidden)
    model = keras.Model(inputs, {task: output})
    model.compile(optimizer="adam", loss={task: losses[task]})
    return model
