"""Mistake: the softmax runs over all keys and the mask multiplies the weights afterwards (rows no longer sum
to one)."""
import numpy as np
from keras import ops

from solutions.ex11_foundation_transfer import Adapter, build_adapter_model, residual_quantize  # noqa: F401


def causal_self_attention(x, w_q, w_k, w_v, w_o, padding_mask=None):
    x = ops.convert_to_tensor(x, dtype="float32")
    queries, keys, values = ops.matmul(x, w_q), ops.matmul(x, w_k), ops.matmul(x, w_v)
    scores = ops.matmul(queries, ops.transpose(keys, (0, 2, 1))) / np.sqrt(float(w_q.shape[-1]))
    length = ops.shape(x)[1]
    allowed = ops.cast(ops.tril(ops.ones((length, length))), "bool")[None, :, :]
    if padding_mask is not None:
        allowed = ops.logical_and(allowed, ops.cast(padding_mask, "bool")[:, None, :])
    weights = ops.softmax(scores, axis=-1) * ops.cast(allowed, "float32")
    return ops.matmul(ops.matmul(weights, values), w_o)
