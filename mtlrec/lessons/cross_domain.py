"""Cross-domain recommendation (notebook 02, exercise ex02_transfer): transfer user vectors between
two matrix-factorization click models that share their users, and map vectors to users a domain has
never seen (EMCDR).

The models are small on purpose: every comparison runs over several seeds within the notebook's
minute, trained with `mtlrec.training.Retrainer`.
"""

from __future__ import annotations

import numpy as np

import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras
from keras import layers

from mtlrec import metrics
from mtlrec.data import Interactions
from mtlrec.training import predict_outputs


def id_inputs(data: Interactions) -> dict:
    """{"user_id", "item_id"}: the inputs of the ID-only models of notebooks 02 and 05."""
    return {"user_id": data.user_id.astype("int32"), "item_id": data.item_id.astype("int32")}


def build_click_mf(num_users: int, num_items: int, *, embedding_dim: int = 8, l2: float = 1e-4,
                   learning_rate: float = 0.02) -> keras.Model:
    """Logistic matrix factorization for clicks, the source and target models of notebook 02.

    click probability = sigmoid(w * (p_u . q_i) + b_i + b): layers named `user_embedding` (p),
    `item_embedding` (q), `item_bias` (b_i) and `click` (w, b), so that `transfer_layers` can move
    `user_embedding` from one domain's model to another's. Dict inputs user_id, item_id; dict output
    {"click": (batch, 1)}; compiled with Adam and binary cross-entropy.
    """
    user_id = keras.Input(shape=(), dtype="int32", name="user_id")
    item_id = keras.Input(shape=(), dtype="int32", name="item_id")
    regularizer = keras.regularizers.L2(l2)
    start = keras.initializers.RandomNormal(stddev=0.1)
    user_vector = layers.Embedding(num_users, embedding_dim, embeddings_initializer=start,
                                   embeddings_regularizer=regularizer, name="user_embedding")(user_id)
    item_vector = layers.Embedding(num_items, embedding_dim, embeddings_initializer=start,
                                   embeddings_regularizer=regularizer, name="item_embedding")(item_id)
    item_bias = layers.Embedding(num_items, 1, embeddings_initializer="zeros", name="item_bias")(item_id)
    affinity = layers.Dot(axes=1, name="affinity")([user_vector, item_vector])  # (batch, 1)
    logit = layers.Add(name="logit")([affinity, item_bias])  # (batch, 1)
    click = layers.Dense(1, activation="sigmoid", name="click")(logit)  # (batch, 1)
    model = keras.Model({"user_id": user_id, "item_id": item_id}, {"click": click}, name="click_mf")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss={"click": "binary_crossentropy"})
    return model


def click_auc(model: keras.Model, data: Interactions, inputs=None) -> float:
    """Click AUC of a model on an Interactions table (inputs default to the ID inputs)."""
    inputs = id_inputs(data) if inputs is None else inputs
    return metrics.auc(data.click, predict_outputs(model, inputs)["click"].reshape(-1))


def split_users(data: Interactions, cold_fraction: float, seed: int):
    """(warm rows, cold rows, cold user ids): every interaction of a random share of users held out.

    Notebook 02's cross-domain lesson: the held-out users have no target-domain history at all.
    """
    rng = np.random.default_rng(seed)
    cold_users = np.sort(rng.choice(data.num_users, int(round(cold_fraction * data.num_users)), replace=False))
    is_cold = np.isin(data.user_id, cold_users)
    return data.subset(~is_cold), data.subset(is_cold), cold_users


def transferred_weights(transfer_layers, source_model: keras.Model, build_target, seed: int, *, freeze: bool,
                        layer_names=("user_embedding",)) -> list[np.ndarray]:
    """A target model's initial weights after `transfer_layers` copied the source's layers into it (notebook 02).

    transfer_layers: ex02_transfer.transfer_layers (the learner's or the reference). The target is
    `build_target()` under `seed`; the returned weights go to `Retrainer.fit(initial_weights=...)` of a
    trainer whose model has the same layers frozen (or not), so each seed's run starts as a model built
    and transferred by hand would.
    """
    keras.utils.set_random_seed(int(seed))
    target = build_target()
    transfer_layers(source_model, target, list(layer_names), freeze=freeze)
    return target.get_weights()


def user_vectors(model: keras.Model) -> np.ndarray:
    """(num_users, embedding_dim): the model's `user_embedding` table (a copy)."""
    return np.array(model.get_layer("user_embedding").get_weights()[0])


def map_cold_users(model: keras.Model, source_vectors: np.ndarray, fit_mapping, warm_users, cold_users,
                   l2: float = 1.0) -> keras.Model:
    """EMCDR for users without target history (notebook 02): cold users get s_u W + b, in place.

    (W, b) = fit_mapping(source vectors, the model's user vectors) over the warm users (fit_mapping:
    ex02_transfer.fit_embedding_mapping); the warm users' vectors are left as they are. Returns model.
    """
    vectors = user_vectors(model)
    weights, bias = fit_mapping(source_vectors[warm_users], vectors[warm_users], l2)
    vectors[cold_users] = source_vectors[cold_users] @ weights + bias
    model.get_layer("user_embedding").set_weights([vectors])
    return model


def mean_vector_length(vectors: np.ndarray, users) -> float:
    """Mean Euclidean length of the rows `users` of a user-vector table (notebook 02's fine-tuning diagnosis)."""
    return float(np.linalg.norm(np.asarray(vectors)[users], axis=1).mean())
