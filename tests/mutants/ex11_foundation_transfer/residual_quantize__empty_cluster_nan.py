"""Mistake: a centroid with no rows is moved to the mean of no rows, NaN (duplicate vectors make empty
clusters)."""
import warnings

import numpy as np

from solutions.ex11_foundation_transfer import Adapter, build_adapter_model, causal_self_attention  # noqa: F401


def residual_quantize(vectors, n_levels, codebook_size, n_iter=20, seed=0):
    vectors = np.asarray(vectors, dtype=np.float64)
    n, width = vectors.shape
    if n_levels < 1 or codebook_size < 1 or codebook_size > n or n_iter < 1:
        raise ValueError("invalid arguments")
    rng = np.random.default_rng(seed)
    residual = vectors.copy()
    codes = np.zeros((n, n_levels), dtype=np.int64)
    codebooks = np.zeros((n_levels, codebook_size, width))
    for level in range(n_levels):
        centroids = residual[rng.choice(n, codebook_size, replace=False)].copy()
        for _ in range(n_iter):
            distances = ((residual[:, None, :] - centroids[None, :, :]) ** 2).sum(-1)
            assignment = np.nan_to_num(distances, nan=np.inf).argmin(axis=1)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                centroids = np.stack([residual[assignment == e].mean(axis=0) for e in range(codebook_size)])
        distances = np.nan_to_num(((residual[:, None, :] - centroids[None, :, :]) ** 2).sum(-1), nan=np.inf)
        codes[:, level] = distances.argmin(axis=1)
        codebooks[level] = centroids
        residual = residual - centroids[codes[:, level]]
    return codes, codebooks
