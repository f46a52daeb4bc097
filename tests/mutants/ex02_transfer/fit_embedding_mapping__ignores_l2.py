"""Mistake: plain least squares; l2 is accepted but never used."""
import numpy as np

from solutions.ex02_transfer import transfer_layers  # noqa: F401


def fit_embedding_mapping(source_vectors, target_vectors, l2=1.0):
    source = np.asarray(source_vectors, dtype=float)
    target = np.asarray(target_vectors, dtype=float)
    augmented = np.hstack([source, np.ones((len(source), 1))])
    solution, *_ = np.linalg.lstsq(augmented, target, rcond=None)
    return solution[:-1], solution[-1]
