"""Mistake: centres the caller's arrays in place (-=), so the inputs come back changed."""
import numpy as np

from solutions.ex02_transfer import transfer_layers  # noqa: F401


def fit_embedding_mapping(source_vectors, target_vectors, l2=1.0):
    source = np.asarray(source_vectors)  # the caller's own array when it is one
    target = np.asarray(target_vectors)
    source_mean, target_mean = source.mean(axis=0), target.mean(axis=0)
    source -= source_mean
    target -= target_mean
    weights = np.linalg.solve(source.T @ source + l2 * np.eye(source.shape[1]), source.T @ target)
    return weights, target_mean - source_mean @ weights
