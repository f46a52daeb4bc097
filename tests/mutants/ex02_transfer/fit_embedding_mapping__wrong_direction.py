"""Mistake: regresses source on target (the map from target to source), so W has the wrong shape."""
import numpy as np

from solutions.ex02_transfer import transfer_layers  # noqa: F401


def fit_embedding_mapping(source_vectors, target_vectors, l2=1.0):
    source = np.asarray(source_vectors, dtype=float)
    target = np.asarray(target_vectors, dtype=float)
    target_centred = target - target.mean(axis=0)
    weights = np.linalg.solve(target_centred.T @ target_centred + l2 * np.eye(target.shape[1]),
                              target_centred.T @ (source - source.mean(axis=0)))
    return weights, source.mean(axis=0) - target.mean(axis=0) @ weights
