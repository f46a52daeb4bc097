"""Held-out WRONG answer: residual_quantize with the mistake `one_iteration_short` (every other part correct)."""

import numpy as np
import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras
from keras import layers, ops


class Adapter(layers.Layer):
    def __init__(self, bottleneck, activation="relu", **kwargs):
        super().__init__(**kwargs)
        self.bottleneck = int(bottleneck)
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        d = input_shape[-1]
        self.down = layers.Dense(self.bottleneck)
        self.up = layers.Dense(d, kernel_initializer="zeros", bias_initializer="zeros")
        self.down.build(input_shape)
        self.up.build(tuple(input_shape[:-1]) + (self.bottleneck,))

    def call(self, x):
        return x + self.up(self.activation(self.down(x)))

    def get_config(self):
        config = super().get_config()
        config.update({"bottleneck": self.bottleneck,
                       "activation": keras.activations.serialize(self.activation)})
        return config


def causal_self_attention(x, w_q, w_k, w_v, w_o, padding_mask=None):
    x = ops.convert_to_tensor(x, dtype="float32")
    q = ops.matmul(x, ops.convert_to_tensor(w_q, "float32"))
    k = ops.matmul(x, ops.convert_to_tensor(w_k, "float32"))
    v = ops.matmul(x, ops.convert_to_tensor(w_v, "float32"))
    key_dim = w_q.shape[-1]
    scores = ops.matmul(q, ops.transpose(k, (0, 2, 1))) / np.sqrt(key_dim).astype("float32")  # (b, T, T)
    T = ops.shape(x)[1]
    allowed = ops.cast(ops.tril(ops.ones((T, T))), "bool")[None, :, :]
    if padding_mask is not None:
        pm = ops.cast(ops.convert_to_tensor(padding_mask), "bool")
        allowed = ops.logical_and(allowed, pm[:, None, :])
    scores = ops.where(allowed, scores, -1e9)
    weights = ops.softmax(scores, axis=-1)
    return ops.matmul(ops.matmul(weights, v), ops.convert_to_tensor(w_o, "float32"))


def build_adapter_model(embed, blocks, seq_len, bottleneck=8, head_units=16):
    embed.trainable = False
    for block in blocks:
        block.trainable = False
    ids = keras.Input(shape=(seq_len,), dtype="int32")
    h = embed(ids)
    for block in blocks:
        h = block(h)
        h = Adapter(bottleneck)(h)
    representation = h[:, -1, :]
    c = layers.Dense(head_units, activation="relu")(representation)
    click = layers.Dense(1, activation="sigmoid")(c)
    r = layers.Dense(head_units, activation="relu")(representation)
    rating = layers.Dense(1)(r)
    return keras.Model(ids, {"click": click, "rating": rating})


def residual_quantize(vectors, n_levels, codebook_size, n_iter=20, seed=0):
    vectors = np.asarray(vectors, dtype=np.float64)
    n, d = vectors.shape
    if n_levels < 1 or codebook_size < 1 or codebook_size > n or n_iter < 1:
        raise ValueError("bad arguments")
    rng = np.random.default_rng(seed)
    residual = vectors.copy()
    codes = np.zeros((n, n_levels), dtype=np.int64)
    codebooks = np.zeros((n_levels, codebook_size, d))
    for level in range(n_levels):
        centroids = residual[rng.choice(n, codebook_size, replace=False)].copy()
        for _ in range(n_iter - 1):
            assign = ((residual[:, None, :] - centroids[None, :, :]) ** 2).sum(-1).argmin(1)
            for c in range(codebook_size):
                members = assign == c
                if members.any():
                    centroids[c] = residual[members].mean(0)
        final = ((residual[:, None, :] - centroids[None, :, :]) ** 2).sum(-1).argmin(1)
        codes[:, level] = final
        codebooks[level] = centroids
        residual = residual - centroids[final]
    return codes, codebooks
