"""Held-out WRONG answer: Adapter with the mistake `build_shape_list_concat` (input_shape[:-1] + tuple fails when build gets a list, as on load)."""

import numpy as np
import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras
from keras import layers, ops


class Adapter(layers.Layer):
    def __init__(self, bottleneck, activation="relu", **kwargs):
        super().__init__(**kwargs)
        self.bottleneck = bottleneck
        self._activation_spec = activation
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        d = input_shape[-1]
        self.down = layers.Dense(units=self.bottleneck, use_bias=True)
        self.up = layers.Dense(units=d, use_bias=True, kernel_initializer="zeros", bias_initializer="zeros")
        self.down.build(input_shape)
        self.up.build(input_shape[:-1] + (self.bottleneck,))
        super().build(input_shape)

    def call(self, x):
        delta = self.up(self.activation(self.down(x)))
        return x + delta

    def get_config(self):
        config = dict(super().get_config())
        config.update({"bottleneck": self.bottleneck, "activation": keras.activations.serialize(self.activation)})
        return config


def causal_self_attention(x, w_q, w_k, w_v, w_o, padding_mask=None):
    x = ops.convert_to_tensor(x, dtype="float32")
    w_q, w_k, w_v, w_o = (ops.convert_to_tensor(w, dtype="float32") for w in (w_q, w_k, w_v, w_o))
    key_dim = w_q.shape[-1]
    q = ops.matmul(x, w_q) / (key_dim ** 0.5)
    k = ops.matmul(x, w_k)
    v = ops.matmul(x, w_v)
    scores = ops.einsum("bqk,bjk->bqj", q, k)
    T = x.shape[1]
    mask = ops.cast(ops.tril(ops.ones((T, T))), "bool")
    mask = ops.broadcast_to(mask, ops.shape(scores))
    if padding_mask is not None:
        mask = ops.logical_and(mask, ops.cast(padding_mask, "bool")[:, None, :])
    scores = ops.where(mask, scores, -1e9)
    scores = scores - ops.max(scores, axis=-1, keepdims=True)
    e = ops.exp(scores)
    weights = e / ops.sum(e, axis=-1, keepdims=True)
    return ops.matmul(ops.matmul(weights, v), w_o)


def build_adapter_model(embed, blocks, seq_len, bottleneck=8, head_units=16):
    embed.trainable = False
    for block in blocks:
        block.trainable = False
    adapters = [Adapter(bottleneck, name=f"adapter_after_block_{i}") for i in range(len(blocks))]
    ids = keras.Input(shape=(seq_len,), dtype="int32")
    h = embed(ids)
    for block, adapter in zip(blocks, adapters):
        h = adapter(block(h))
    candidate = layers.Lambda(lambda t: ops.take(t, -1, axis=1))(h)
    outputs = {}
    for task, act in (("rating", "linear"), ("click", "sigmoid")):
        z = layers.Dense(head_units, activation="relu", name=f"{task}_hidden")(candidate)
        outputs[task] = layers.Dense(1, activation=act, name=task)(z)
    return keras.Model(ids, outputs)


def residual_quantize(vectors, n_levels, codebook_size, n_iter=20, seed=0):
    original = np.asarray(vectors, dtype=np.float64)
    n, d = original.shape
    if n_levels < 1:
        raise ValueError("n_levels < 1")
    if not 1 <= codebook_size <= n:
        raise ValueError("codebook_size must be in [1, n]")
    if n_iter < 1:
        raise ValueError("n_iter < 1")
    rng = np.random.default_rng(seed)
    residual = original.copy()
    codes = np.zeros((n, n_levels), dtype=np.int64)
    codebooks = np.zeros((n_levels, codebook_size, d), dtype=np.float64)

    def nearest(c):
        return np.argmin(((residual[:, None, :] - c[None, :, :]) ** 2).sum(-1), axis=1)

    for level in range(n_levels):
        centroids = residual[rng.choice(n, codebook_size, replace=False)].copy()
        previous = None
        for _ in range(n_iter):
            assignment = nearest(centroids)
            if previous is not None and np.array_equal(assignment, previous):
                break  # the update would not move anything: converged
            for c in np.unique(assignment):
                centroids[c] = residual[assignment == c].mean(axis=0)
            previous = assignment
        codes[:, level] = nearest(centroids)
        codebooks[level] = centroids
        residual -= codebooks[level][codes[:, level]]
    return codes, codebooks
