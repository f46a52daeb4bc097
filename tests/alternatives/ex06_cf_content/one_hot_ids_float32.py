"""A correct answer in another functional style: int64 ids of shape (1,) one-hot encoded and fed to a
bias-free Dense layer (an embedding written as a one-hot product), float32 casts, list inputs in
another order than the documented dict, dict outputs compiled with lists of losses and loss weights
(Keras pairs them with the sorted output names), Huber as the string "huber" and mean absolute error,
Adagrad and Nadam optimizers."""
import keras
from keras import layers


def build_model(user_dim, item_dim):
    user_features = keras.Input(shape=(user_dim,), dtype="float32")
    item_features = keras.Input(shape=(item_dim,), dtype="float32")
    joined = layers.Concatenate()([layers.Dense(24, activation="elu")(user_features),
                                   layers.Dense(24, activation="elu")(item_features)])
    shared = layers.Dense(24, activation="relu")(joined)
    class_output = layers.Dense(1, activation="sigmoid", name="class_output")(shared)
    reg_output = layers.Dense(1, activation="sigmoid", name="reg_output")(shared)
    model = keras.Model([user_features, item_features], [class_output, reg_output])
    model.compile(optimizer=keras.optimizers.Nadam(2e-3), loss=["binary_crossentropy", "mse"], loss_weights=[1, 2])
    return model


def _shared(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim):
    item_features = keras.Input(shape=(item_feature_dim,), name="item_features")
    user_features = keras.Input(shape=(user_feature_dim,), name="user_features")
    item_id = keras.Input(shape=(1,), dtype="int64", name="item_id")
    user_id = keras.Input(shape=(1,), dtype="int64", name="user_id")
    one_hot_user = layers.CategoryEncoding(num_tokens=num_users, output_mode="one_hot")(user_id)
    one_hot_item = layers.CategoryEncoding(num_tokens=num_items, output_mode="one_hot")(item_id)
    user_vector = layers.Dense(embedding_dim, use_bias=False)(one_hot_user)  # (batch, embedding_dim)
    item_vector = layers.Dense(embedding_dim, use_bias=False)(one_hot_item)  # (batch, embedding_dim)
    joined = layers.Concatenate()([user_vector, item_vector, user_features, item_features])
    bottom = layers.Dense(40, activation="relu")(joined)
    return [item_features, user_features, item_id, user_id], bottom


def build_hybrid_model(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim=32):
    inputs, bottom = _shared(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim)
    rating = layers.Dense(1, name="rating_head")(layers.Dense(12, activation="relu")(bottom))
    click = layers.Dense(1, activation="sigmoid", name="click_head")(layers.Dense(12, activation="relu")(bottom))
    model = keras.Model(inputs, {"rating": rating, "click": click})
    # lists go with the sorted output names: click, then rating
    model.compile(optimizer=keras.optimizers.Adagrad(0.05), loss=["binary_crossentropy", "huber"],
                  loss_weights=[1.0, 6.0])
    return model


def build_single_task_model(num_users, num_items, user_feature_dim, item_feature_dim, task, embedding_dim=32):
    if task == "click":
        activation, loss = "sigmoid", "binary_crossentropy"
    elif task == "rating":
        activation, loss = None, "mean_absolute_error"
    else:
        raise ValueError("unknown task " + repr(task))
    inputs, bottom = _shared(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim)
    output = layers.Dense(1, activation=activation, name=task)(layers.Dense(12, activation="relu")(bottom))
    model = keras.Model(inputs, [output])
    model.compile(optimizer="adagrad", loss=[loss])
    return model
