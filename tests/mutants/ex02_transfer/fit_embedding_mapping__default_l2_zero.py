"""Mistake: the default penalty is l2=0.0 (plain least squares), not the documented 1.0."""
import numpy as np

from solutions.ex02_transfer import transfer_layers  # noqa: F401


def fit_embedding_mapping(source_vectors, target_vectors, l2=0.0):
    source = np.asarray(source_vectors, dtype=float)
    target = np.asarray(target_vectors, dtype=float)
    source_mean, target_mean = source.mean(axis=0), target.mean(axis=0)
    centred = source - source_mean
    gram = centred.T @ centred + l2 * np.eye(source.shape[1])
    weights = np.linalg.solve(gram, centred.T @ (target - target_mean))
    return weights, target_mean - source_mean @ weights
