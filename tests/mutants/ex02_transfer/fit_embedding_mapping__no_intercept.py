"""Mistake: ridge regression without an intercept, so mean offsets between the domains are lost."""
import numpy as np

from solutions.ex02_transfer import transfer_layers  # noqa: F401


def fit_embedding_mapping(source_vectors, target_vectors, l2=1.0):
    source = np.asarray(source_vectors, dtype=float)
    target = np.asarray(target_vectors, dtype=float)
    weights = np.linalg.solve(source.T @ source + l2 * np.eye(source.shape[1]), source.T @ target)
    return weights, np.zeros(target.shape[1])
