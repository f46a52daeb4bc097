"""A correct answer in another style: Adapter with add_weight kernels, keras.ops.einsum and an Activation layer;
causal_self_attention with keras.ops.einsum and an additive mask; build_adapter_model functional with
Sequential heads and a Lambda for the last position, freezing after the model is built;
residual_quantize with k-means++ seeding and vectorised updates (np.add.at)."""
import keras
import numpy as np
from keras import layers, ops


class Adapter(layers.Layer):
    def __init__(self, bottleneck, activation="relu", **kwargs):
        super().__init__(**kwargs)
        self.bottleneck = bottleneck
        self.activation = activation
        self.nonlinearity = layers.Activation(activation)

    def build(self, input_shape):
        width = input_shape[-1]
        self.w_down = self.add_weight(shape=(width, self.bottleneck), initializer="he_normal")
        self.b_down = self.add_weight(shape=(self.bottleneck,), initializer="zeros")
        self.w_up = self.add_weight(shape=(self.bottleneck, width), initializer="zeros")
        self.b_up = self.add_weight(shape=(width,), initializer="zeros")

    def call(self, x):
        hidden = self.nonlinearity(ops.einsum("...d,db->...b", x, self.w_down) + self.b_down)
        return ops.add(x, ops.einsum("...b,bd->...d", hidden, self.w_up) + self.b_up)

    def get_config(self):
        config = super().get_config()
        config["bottleneck"] = self.bottleneck
        config["activation"] = self.activation
        return config


def causal_self_attention(x, w_q, w_k, w_v, w_o, padding_mask=None):
    x = ops.cast(x, "float32")
    q = ops.einsum("btd,dk->btk", x, w_q)
    k = ops.einsum("btd,dk->btk", x, w_k)
    v = ops.einsum("btd,dk->btk", x, w_v)
    scores = ops.einsum("btk,bsk->bts", q, k) / ops.sqrt(ops.cast(ops.shape(q)[-1], "float32"))
    length = ops.shape(x)[1]
    positions = ops.arange(length)
    blocked = ops.cast(positions[None, :] > positions[:, None], "float32")[None]  # key after query
    if padding_mask is not None:
        blocked = ops.maximum(blocked, 1.0 - ops.cast(padding_mask, "float32")[:, None, :])
    weights = ops.softmax(scores - 1e9 * blocked, axis=-1)
    return ops.einsum("bts,bsk,kd->btd", weights, v, w_o)


def build_adapter_model(embed, blocks, seq_len, bottleneck=8, head_units=16):
    ids = keras.Input(shape=(seq_len,), dtype="int32")
    hidden = embed(ids)
    for block in blocks:
        hidden = block(hidden)
        hidden = Adapter(bottleneck, activation="relu")(hidden)
    last = layers.Lambda(lambda h: h[:, -1])(hidden)
    click = keras.Sequential([layers.Dense(head_units, activation="relu"), layers.Dense(1, activation="sigmoid")])
    rating = keras.Sequential([layers.Dense(head_units, activation="relu"), layers.Dense(1)])
    model = keras.Model(inputs=ids, outputs={"rating": rating(last), "click": click(last)})
    for layer in [embed, *blocks]:
        layer.trainable = False
    return model


def residual_quantize(vectors, n_levels, codebook_size, n_iter=20, seed=0):
    vectors = np.asarray(vectors)
    n, width = vectors.shape
    if n_levels < 1:
        raise ValueError("n_levels < 1")
    if not 1 <= codebook_size <= n:
        raise ValueError("codebook_size must be in [1, n]")
    if n_iter < 1:
        raise ValueError("n_iter < 1")
    rng = np.random.default_rng(seed)
    residual = vectors.astype(np.float64)
    codes = np.empty((n, n_levels), dtype=np.int64)
    codebooks = np.empty((n_levels, codebook_size, width))

    def distances(rows, centroids):
        return (rows ** 2).sum(1)[:, None] - 2 * rows @ centroids.T + (centroids ** 2).sum(1)[None, :]

    for level in range(n_levels):
        chosen = [int(rng.integers(n))]  # k-means++: each next start far from the chosen ones
        for _ in range(1, codebook_size):
            gap = np.maximum(distances(residual, residual[chosen]).min(axis=1), 0.0)
            gap[chosen] = 0.0
            chosen.append(int(rng.choice(n, p=gap / gap.sum())) if gap.sum() > 0 else
                          int(rng.choice(np.setdiff1d(np.arange(n), chosen))))
        centroids = residual[chosen].copy()
        for _ in range(n_iter):
            assignment = distances(residual, centroids).argmin(axis=1)
            sums = np.zeros_like(centroids)
            np.add.at(sums, assignment, residual)
            counts = np.bincount(assignment, minlength=codebook_size)
            filled = counts > 0
            centroids[filled] = sums[filled] / counts[filled, None]
        exact = ((residual[:, None, :] - centroids[None]) ** 2).sum(-1)
        codes[:, level] = exact.argmin(axis=1)
        codebooks[level] = centroids
        residual = residual - centroids[codes[:, level]]
    return codes, codebooks
