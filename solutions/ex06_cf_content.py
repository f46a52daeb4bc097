"""Coding problem 1 (notebook 06): collaborative filtering + content recommendation in one multi-task model.

The interview asks: "编写一个简单的多任务迁移学习模型，实现协同过滤和内容推荐的结合" (write a simple
multi-task transfer learning model that combines collaborative filtering and content recommendation).
Three builders, each returning a compiled keras.Model:

- build_model: the article's answer made to run (content features only, two heads);
- build_hybrid_model: the real answer: user/item ID embeddings (the collaborative signal) joined with
  the content features, a shared bottom, one tower per task, outputs `click` and `rating`;
- build_single_task_model: the same hybrid with one task only, the baseline of the comparison.

Reference solution. The stub with the same functions is exercises/ex06_cf_content.py.
"""

import mtlrec  # noqa: F401  (silences TensorFlow's log noise before Keras is imported)
import keras
from keras import layers


def build_model(user_dim, item_dim):
    """The article's content-only two-task model, made to run (notebook 06, "the article's code").

    The article gives the user's and the item's feature vectors one Dense(64, activation='relu')
    layer each, concatenates the two, and puts two heads directly on the concatenation:
    `class_output`, the click probability, and `reg_output`, the rating scaled to [0, 1]
    ((rating - 1) / 4, see ex00's scale_ratings). The article uses a sigmoid on the rating head
    too, which is why the ratings must be scaled; a linear rating head is also accepted, since the
    targets are scaled either way. Any hidden sizes, extra layers, dropout, optimizer, loss weights
    and metrics are fine.

    Args:
        user_dim: width of the user feature vector.
        item_dim: width of the item feature vector.

    Returns:
        A compiled keras.Model with two inputs, in this order:
            [user_features (batch, user_dim), item_features (batch, item_dim)]
        and two outputs, named by the name= of their layers:
            class_output: click probability in (0, 1), shape (batch, 1);
            reg_output: predicted rating scaled to [0, 1], shape (batch, 1).
        Compiled with binary cross-entropy on class_output and mean squared error on reg_output.
        Each input must change both outputs, and the model must learn a small synthetic task.

    TODO:
        1. Make the two inputs with keras.Input(shape=(user_dim,)) and keras.Input(shape=(item_dim,)).
        2. Give each input its own Dense tower (the article: one Dense layer of 64 units, ReLU).
        3. Concatenate the two towers and add a shared Dense layer (the article has none: its heads read
           the concatenation, so each logit is a user term plus an item term; notebook 06 shows the cost).
        4. Add the heads: Dense(1, activation="sigmoid", name="class_output") and
           Dense(1, activation="sigmoid", name="reg_output").
        5. Build keras.Model(inputs=[user input, item input], outputs=[the two heads]).
        6. Compile with an optimizer (e.g. "adam") and one loss per output.

    Hints:
        1. The article's code fails first because `user_dim` and `item_dim` are undefined: here they
           are the function's arguments.
        2. An output is named by the `name=` of the layer that produces it.
        3. A probability needs activation="sigmoid" on a one-unit head; softmax over one unit is
           always 1, and ReLU is not bounded by 1.
        4. loss={"class_output": "binary_crossentropy", "reg_output": "mean_squared_error"} (a list in
           the outputs' order works too).
    """
    user_features = keras.Input(shape=(user_dim,), name="user_features")  # (batch, user_dim)
    item_features = keras.Input(shape=(item_dim,), name="item_features")  # (batch, item_dim)

    user_vector = layers.Dense(64, activation="relu")(user_features)
    user_vector = layers.Dense(32, activation="relu")(user_vector)  # (batch, 32)
    item_vector = layers.Dense(64, activation="relu")(item_features)
    item_vector = layers.Dense(32, activation="relu")(item_vector)  # (batch, 32)

    joined = layers.Concatenate()([user_vector, item_vector])  # (batch, 64)
    shared = layers.Dense(64, activation="relu")(joined)  # (batch, 64)
    click_probability = layers.Dense(1, activation="sigmoid", name="class_output")(shared)  # (batch, 1)
    rating_scaled = layers.Dense(1, activation="sigmoid", name="reg_output")(shared)  # (batch, 1)

    model = keras.Model([user_features, item_features], [click_probability, rating_scaled])
    model.compile(
        optimizer="adam",
        loss={"class_output": "binary_crossentropy", "reg_output": "mean_squared_error"},
    )
    return model


def build_hybrid_model(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim=32):
    """The hybrid: ID embeddings (collaborative filtering) + content, shared bottom, two towers (notebook 06).

    The user and item ID embeddings carry what the interactions reveal (the collaborative
    signal); the content features carry what the catalogue says, and still work for an item no one
    has rated yet. Both tasks share the bottom layers (so each task's data trains the shared
    representation: the transfer), then each task has its own tower: task-specific layers ending
    in its output layer, trained by that task's loss only (the minimum tower is the output layer
    itself; a small Dense layer before it is usual). A layer that feeds both outputs is trained by
    both losses, so it belongs to the shared bottom whatever its name: a "click tower" layer that
    also feeds the rating tower is a shared layer, and the click tower is then the click head alone.

    Args:
        num_users: number of users; user ids are 0 .. num_users - 1.
        num_items: number of items; item ids are 0 .. num_items - 1.
        user_feature_dim: width of the user feature vector.
        item_feature_dim: width of the item feature vector.
        embedding_dim: size of each ID embedding (the width of the user and of the item table).

    Returns:
        A compiled keras.Model called with a dict of four inputs (Interactions.model_inputs()), read by
        key (a dict's order carries no meaning):
            user_id (batch,) int, item_id (batch,) int,
            user_features (batch, user_feature_dim), item_features (batch, item_feature_dim);
        and two outputs named
            click: click probability in (0, 1), shape (batch, 1);
            rating: predicted rating scaled to [0, 1], shape (batch, 1) (sigmoid or linear head).
        Compiled with binary cross-entropy on click, mean squared error on rating (mean absolute
        error or Huber, of any delta, are accepted too), and a positive loss weight for each. Each
        call makes a new model with its own optimizer (notebook 06 builds several).
        What the checks verify, following gradients from each output: every input changes both
        outputs; the user and item ID embeddings are trainable, embedding_dim wide, and reached by
        both outputs (two tables, or one table with the item ids offset by num_users); some other
        trainable layer is reached by both outputs (the shared bottom); each output reaches
        trainable weights that the other does not (its own tower); the model learns a small
        synthetic task and takes one step of its own fit. A subclassed keras.Model is fine: its
        call() returns the dict {"click": ..., "rating": ...}, which names the outputs.

    TODO:
        1. Make four named inputs: keras.Input(shape=(), dtype="int32", name="user_id"), the same for
           item_id, and keras.Input(shape=(dim,), name=...) for the two feature vectors.
        2. Embed the ids with layers.Embedding(num_users, embedding_dim) and
           layers.Embedding(num_items, embedding_dim): (batch, embedding_dim) each.
        3. Concatenate the embeddings (and, like matrix factorization, their element-wise product)
           with both feature vectors.
        4. Shared bottom: one or two Dense ReLU layers on the joined vector.
        5. One tower per task on the shared output: a Dense ReLU layer, then the head:
           Dense(1, activation="sigmoid", name="click") and Dense(1, activation="sigmoid", name="rating").
        6. keras.Model(inputs={name: input, ...}, outputs={"click": ..., "rating": ...}); compile with a
           loss and a loss weight per output.

    Hints:
        1. An Input of shape () gives ids of shape (batch,), and Embedding then gives
           (batch, embedding_dim); with shape=(1,) you would need a Flatten after the Embedding.
        2. layers.Multiply()([user_vector, item_vector]) is the matrix-factorization interaction;
           the MLP can then learn the dot product instead of having to discover it.
        3. The towers must branch from the SAME shared layer; a tower must not feed the other task's
           head (otherwise one task's loss trains the other task's tower).
        4. Scaled-rating MSE is about ten times smaller than click cross-entropy, so a loss weight
           above 1 on rating keeps it from being ignored; notebook 06 sweeps this weight.
    """
    user_id = keras.Input(shape=(), dtype="int32", name="user_id")  # (batch,)
    item_id = keras.Input(shape=(), dtype="int32", name="item_id")  # (batch,)
    user_features = keras.Input(shape=(user_feature_dim,), name="user_features")  # (batch, user_feature_dim)
    item_features = keras.Input(shape=(item_feature_dim,), name="item_features")  # (batch, item_feature_dim)

    user_vector = layers.Embedding(num_users, embedding_dim, name="user_embedding")(user_id)  # (batch, embedding_dim)
    item_vector = layers.Embedding(num_items, embedding_dim, name="item_embedding")(item_id)  # (batch, embedding_dim)
    id_interaction = layers.Multiply(name="id_interaction")([user_vector, item_vector])  # (batch, embedding_dim)
    joined = layers.Concatenate(name="joined")(
        [user_vector, item_vector, id_interaction, user_features, item_features]
    )  # (batch, 3 * embedding_dim + user_feature_dim + item_feature_dim)

    shared = layers.Dense(64, activation="relu", name="shared_bottom")(joined)  # (batch, 64)
    click_tower = layers.Dense(32, activation="relu", name="click_tower")(shared)  # (batch, 32)
    rating_tower = layers.Dense(32, activation="relu", name="rating_tower")(shared)  # (batch, 32)
    click = layers.Dense(1, activation="sigmoid", name="click")(click_tower)  # (batch, 1)
    rating = layers.Dense(1, activation="sigmoid", name="rating")(rating_tower)  # (batch, 1)

    inputs = {"user_id": user_id, "item_id": item_id, "user_features": user_features, "item_features": item_features}
    model = keras.Model(inputs, {"click": click, "rating": rating})
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=3e-3),
        loss={"click": "binary_crossentropy", "rating": "mean_squared_error"},
        loss_weights={"click": 1.0, "rating": 4.0},  # scaled-rating MSE is ~10x smaller than click BCE
    )
    return model


def build_single_task_model(num_users, num_items, user_feature_dim, item_feature_dim, task, embedding_dim=32):
    """The single-task baseline: the hybrid's inputs and layers, one task only (notebook 06).

    Notebook 06 trains one of these per task and compares them with the multi-task hybrid.

    Args:
        num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim: as in
            build_hybrid_model.
        task: "click" or "rating".

    Returns:
        A compiled keras.Model with the same four dict inputs as build_hybrid_model and ONE output
        named `task`, shape (batch, 1): for "click" a probability in (0, 1) trained with binary
        cross-entropy; for "rating" the rating scaled to [0, 1] (not stars) trained with mean
        squared error (mean absolute error or Huber of any delta accepted). Every input must change
        the output; the user and item ID embeddings must be trainable, embedding_dim wide and
        reached by the output's gradient; each call makes a new model with its own optimizer, and
        the model takes one step of its own fit.

    Raises:
        ValueError: if task is neither "click" nor "rating".

    TODO:
        1. Raise ValueError for an unknown task.
        2. Build the same inputs, ID embeddings and joined vector as in build_hybrid_model.
        3. Add the hidden layers and a single head named `task`.
        4. Compile with that task's loss.

    Hints:
        1. A dict like {"click": "binary_crossentropy", "rating": "mean_squared_error"} picks the
           loss for the task.
        2. Both heads can use a sigmoid: the click is a probability, the scaled rating lies in [0, 1].
    """
    losses = {"click": "binary_crossentropy", "rating": "mean_squared_error"}
    if task not in losses:
        raise ValueError(f"task must be 'click' or 'rating', got {task!r}")
    user_id = keras.Input(shape=(), dtype="int32", name="user_id")  # (batch,)
    item_id = keras.Input(shape=(), dtype="int32", name="item_id")  # (batch,)
    user_features = keras.Input(shape=(user_feature_dim,), name="user_features")
    item_features = keras.Input(shape=(item_feature_dim,), name="item_features")

    user_vector = layers.Embedding(num_users, embedding_dim, name="user_embedding")(user_id)  # (batch, embedding_dim)
    item_vector = layers.Embedding(num_items, embedding_dim, name="item_embedding")(item_id)  # (batch, embedding_dim)
    id_interaction = layers.Multiply(name="id_interaction")([user_vector, item_vector])
    joined = layers.Concatenate(name="joined")([user_vector, item_vector, id_interaction, user_features, item_features])

    hidden = layers.Dense(64, activation="relu", name="hidden")(joined)  # (batch, 64)
    hidden = layers.Dense(32, activation="relu", name=f"{task}_tower")(hidden)  # (batch, 32)
    output = layers.Dense(1, activation="sigmoid", name=task)(hidden)  # (batch, 1)

    inputs = {"user_id": user_id, "item_id": item_id, "user_features": user_features, "item_features": item_features}
    model = keras.Model(inputs, {task: output})
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=3e-3), loss={task: losses[task]})
    return model
