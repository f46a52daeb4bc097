"""Classic collaborative filtering baselines (notebook 05, exercise ex05_matrix_factorization):
the mean rating, item-based k-nearest neighbours, and the helpers that train a learner's matrix
factorization under `mtlrec.training.Retrainer`, stopped on validation data.
"""

from __future__ import annotations

import numpy as np

import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras

from mtlrec import metrics
from mtlrec.data import Interactions
from mtlrec.lessons.cross_domain import id_inputs  # the ID-only models' inputs, defined once
from mtlrec.training import predict_outputs


def mean_rating_predict(train: Interactions, query: Interactions) -> np.ndarray:
    """(len(query),) the training mean rating for every query: the floor any rating model must beat."""
    return np.full(len(query), float(train.rating.mean()))


def item_knn_predict(train: Interactions, query: Interactions, *, k: int = 20, shrinkage: float = 10.0) -> np.ndarray:
    """Item-based k-nearest-neighbour ratings, the classic CF of notebook 05.

    Similarity of items i, j: cosine of their rating columns after removing each user's mean
    (the adjusted cosine of Sarwar et al., 2001), shrunk by n_ij / (n_ij + shrinkage) where n_ij
    users rated both (the shrinkage of Koren, 2008). A query (u, i) predicts
    mean_u + sum_j s_ij (r_uj - mean_u) / sum_j |s_ij| over the k items j most similar to i among
    those u rated (positive similarities only; a mean-centred form of Sarwar et al.'s weighted sum);
    with no such neighbour (a cold-start item, say) it falls back to the user's mean. Returns
    (len(query),) stars.
    """
    num_users, num_items = train.num_users, train.num_items
    rated = np.zeros((num_users, num_items), dtype=bool)
    rated[train.user_id, train.item_id] = True
    counts = np.bincount(train.user_id, minlength=num_users)
    sums = np.bincount(train.user_id, weights=train.rating, minlength=num_users)
    global_mean = float(train.rating.mean())
    user_mean = np.where(counts > 0, sums / np.maximum(counts, 1), global_mean)
    centred = np.zeros((num_users, num_items))
    centred[train.user_id, train.item_id] = train.rating - user_mean[train.user_id]

    norms = np.sqrt((centred**2).sum(axis=0)) + 1e-9  # (num_items,)
    similarity = (centred.T @ centred) / np.outer(norms, norms)  # (num_items, num_items)
    together = rated.T.astype(np.float64) @ rated.astype(np.float64)  # users who rated both
    similarity *= together / (together + shrinkage)
    np.fill_diagonal(similarity, 0.0)
    similarity = np.clip(similarity, 0.0, None)

    weights = similarity[query.item_id] * rated[query.user_id]  # (n_query, num_items)
    if k < num_items:  # keep the k largest weights of every row
        cut = np.partition(weights, num_items - k, axis=1)[:, num_items - k][:, None]
        weights = np.where(weights >= cut, weights, 0.0)
    numerator = (weights * centred[query.user_id]).sum(axis=1)
    denominator = weights.sum(axis=1)
    offset = np.divide(numerator, denominator, out=np.zeros_like(numerator), where=denominator > 1e-9)
    return np.clip(user_mean[query.user_id] + offset, 1.0, 5.0)


def with_named_output(model: keras.Model, name: str = "rating") -> keras.Model:
    """The same model with its single output under a name (dict output), compiled with squared error.

    `Retrainer` feeds targets as a dict {output name: labels}; a learner's matrix factorization may
    return a bare tensor. The wrapper shares the layers (and so the weights) of `model` and gets a
    fresh optimizer of the same class and settings (notebook 05).
    """
    if isinstance(model.output, dict):
        return model
    wrapped = keras.Model(model.input, {name: model.outputs[0]}, name=f"{model.name}_named")
    optimizer = type(model.optimizer).from_config(model.optimizer.get_config())
    wrapped.compile(optimizer=optimizer, loss={name: "mean_squared_error"})
    return wrapped


def rating_rmse(model: keras.Model, data: Interactions) -> float:
    """RMSE in stars of an ID-only model's `rating` output (as with_named_output names it) on `data`."""
    return metrics.rmse(data.rating, predict_outputs(model, id_inputs(data))["rating"].reshape(-1))


def fit_rating_model(trainer, seed: int, train: Interactions, validation: Interactions, *, batch_size: int,
                     max_epochs: int, patience: int) -> keras.Model:
    """trainer.fit of an ID-only rating model (stars), stopped on the validation squared error (notebook 05)."""
    return trainer.fit(seed, id_inputs(train), {"rating": train.rating.reshape(-1, 1)}, epochs=max_epochs,
                       batch_size=batch_size, validation=(id_inputs(validation), {"rating": validation.rating.reshape(-1, 1)}),
                       patience=patience)
