"""Mistake: the residual is the caller's array itself (no copy), so the caller's vectors are overwritten."""
import numpy as np

from solutions.ex11_foundation_transfer import Adapter, build_adapter_model, causal_self_attention  # noqa: F401
from solutions.ex11_foundation_transfer import residual_quantize as _reference


def residual_quantize(vectors, n_levels, codebook_size, n_iter=20, seed=0):
    codes, codebooks = _reference(vectors, n_levels, codebook_size, n_iter, seed)
    if isinstance(vectors, np.ndarray):
        vectors -= codebooks[np.arange(n_levels)[None, :], codes].sum(axis=1).astype(vectors.dtype)
    return codes, codebooks
