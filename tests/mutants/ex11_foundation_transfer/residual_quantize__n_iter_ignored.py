"""Mistake: n_iter is ignored: a single Lloyd iteration at every level."""
import numpy as np

from solutions.ex11_foundation_transfer import Adapter, build_adapter_model, causal_self_attention  # noqa: F401


def _nearest(rows, centroids):
    return ((rows[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=-1).argmin(axis=1)


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
        centroids = residual[rng.choice(n, codebooks.shape[1], replace=False)].copy()
        assignment = _nearest(residual, centroids)
        for _ in range(1):
            assignment = _nearest(residual, centroids)
            for entry in range(codebooks.shape[1]):
                members = residual[assignment == entry]
                if len(members):
                    centroids[entry] = members.mean(axis=0)
        codes[:, level] = _nearest(residual, centroids)
        codebooks[level] = centroids
        residual = residual - centroids[codes[:, level]]
    return codes, codebooks
