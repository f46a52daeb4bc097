"""Held-out WRONG answer esmm_targets__lengths_not_checked: c1_functional_canonical.py with one mistake in esmm_targets.

ESMM (notebook 08): from correct answer 1, functional Keras following the TODOs."""

import numpy as np
import mtlrec  # noqa: F401  (silences TensorFlow's log noise before Keras is imported)
import keras
from keras import layers

TOWER_UNITS = (64, 32)


def esmm_targets(click, conversion):
    """The training targets of ESMM, one pair of labels per impression (notebook 08)."""
    click = np.asarray(click, dtype=np.float32)
    conversion = np.asarray(conversion, dtype=np.float32)
    if not np.isin(click, (0.0, 1.0)).all():
        raise ValueError("click must hold only 0 or 1")
    if not np.isin(conversion, (0.0, 1.0)).all():
        raise ValueError("conversion must hold only 0 or 1")
    if (conversion > click).any():
        raise ValueError("a conversion without a click: a logging error")
    return {"ctr": click, "ctcvr": (click * conversion).astype(np.float32)}


def _inputs(user_feature_dim, item_feature_dim):
    return {
        "user_id": keras.Input(shape=(), dtype="int32", name="user_id"),
        "item_id": keras.Input(shape=(), dtype="int32", name="item_id"),
        "user_features": keras.Input(shape=(user_feature_dim,), name="user_features"),
        "item_features": keras.Input(shape=(item_feature_dim,), name="item_features"),
    }


def _joined(inputs, num_users, num_items, embedding_dim):
    user_vector = layers.Embedding(num_users, embedding_dim, name="user_embedding")(inputs["user_id"])  # (batch, d)
    item_vector = layers.Embedding(num_items, embedding_dim, name="item_embedding")(inputs["item_id"])  # (batch, d)
    interaction = layers.Multiply()([user_vector, item_vector])
    return layers.Concatenate()([user_vector, item_vector, interaction,
                                 inputs["user_features"], inputs["item_features"]])


def _tower(x, prefix):
    for i, units in enumerate(TOWER_UNITS):
        x = layers.Dense(units, activation="relu", name=f"{prefix}_dense_{i}")(x)
    return x


def build_esmm(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim=16):
    """The Entire Space Multi-task Model: CTR and CVR towers on shared embeddings, pCTCVR = pCTR x pCVR."""
    inputs = _inputs(user_feature_dim, item_feature_dim)
    joined = _joined(inputs, num_users, num_items, embedding_dim)
    ctr = layers.Dense(1, activation="sigmoid", name="ctr")(_tower(joined, "ctr"))
    cvr = layers.Dense(1, activation="sigmoid", name="cvr")(_tower(joined, "cvr"))
    ctcvr = layers.Multiply(name="ctcvr")([ctr, cvr])
    model = keras.Model(inputs=inputs, outputs={"ctr": ctr, "cvr": cvr, "ctcvr": ctcvr})
    model.compile(optimizer=keras.optimizers.Adam(3e-3),
                  loss={"ctr": "binary_crossentropy", "ctcvr": "binary_crossentropy"})
    return model


def build_naive_cvr(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim=16):
    """The naive baseline: a CVR model alone, trained on the clicked impressions only (notebook 08)."""
    inputs = _inputs(user_feature_dim, item_feature_dim)
    joined = _joined(inputs, num_users, num_items, embedding_dim)
    cvr = layers.Dense(1, activation="sigmoid", name="cvr")(_tower(joined, "cvr"))
    model = keras.Model(inputs=inputs, outputs={"cvr": cvr})
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="binary_crossentropy")
    return model
