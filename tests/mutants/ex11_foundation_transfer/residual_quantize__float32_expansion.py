import numpy as np
import mtlrec  # noqa: F401
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
        self.down.build(tuple(input_shape))
        self.up.build(tuple(input_shape[:-1]) + (self.bottleneck,))
        self.built = True

    def call(self, x):
        return x + self.up(self.activation(self.down(x)))

    def get_config(self):
        config = super().get_config()
        config.update({"bottleneck": self.bottleneck,
                       "activation": keras.activations.serialize(self.activation)})
        return config


def causal_self_attention(x, w_q, w_k, w_v, w_o, padding_mask=None):
    x = ops.convert_to_tensor(x, dtype="float32")
    q = ops.matmul(x, w_q)
    k = ops.matmul(x, w_k)
    v = ops.matmul(x, w_v)
    key_dim = w_q.shape[-1]
    scores = ops.matmul(q, ops.transpose(k, (0, 2, 1))) / np.sqrt(key_dim).astype("float32")
    T = ops.shape(x)[1]
    allowed = ops.cast(ops.tril(ops.ones((T, T))), "bool")[None, :, :]
    if padding_mask is not None:
        pm = ops.cast(ops.convert_to_tensor(padding_mask), "bool")
        allowed = ops.logical_and(allowed, pm[:, None, :])
    scores = ops.where(allowed, scores, -1e9)
    weights = ops.softmax(scores, axis=-1)
    return ops.matmul(ops.matmul(weights, v), w_o)


def build_adapter_model(embed, blocks, seq_len, bottleneck=8, head_units=16):
    embed.trainable = False
    for block in blocks:
        block.trainable = False
    ids = keras.Input(shape=(seq_len,), dtype="int32")
    h = embed(ids)
    for block in blocks:
        h = block(h)
        h = Adapter(bottleneck)(h)
    rep = h[:, -1, :]
    c = layers.Dense(head_units, activation="relu")(rep)
    click = layers.Dense(1, activation="sigmoid", name="click")(c)
    r = layers.Dense(head_units, activation="relu")(rep)
    rating = layers.Dense(1, name="rating")(r)
    return keras.Model(ids, {"click": click, "rating": rating})


def _nearest(x, c):
    d = (x * x).sum(1)[:, None] - 2.0 * x @ c.T + (c * c).sum(1)[None, :]
    return np.argmin(d, axis=1)


def residual_quantize(vectors, n_levels, codebook_size, n_iter=20, seed=0):
    if n_levels < 1:
        raise ValueError("n_levels must be >= 1")
    if n_iter < 1:
        raise ValueError("n_iter must be >= 1")
    x = np.array(vectors, dtype=np.float32)
    n, d = x.shape
    if not 1 <= codebook_size <= n:
        raise ValueError("codebook_size must be in [1, n]")
    rng = np.random.default_rng(seed)
    codes = np.empty((n, n_levels), dtype=int)
    books = np.empty((n_levels, codebook_size, d))
    res = x
    for level in range(n_levels):
        cent = res[rng.choice(n, size=codebook_size, replace=False)].copy()
        for _ in range(n_iter):
            a = _nearest(res, cent)
            sums = np.zeros_like(cent)
            np.add.at(sums, a, res)
            counts = np.bincount(a, minlength=codebook_size)
            nz = counts > 0
            cent[nz] = sums[nz] / counts[nz, None]
        a = _nearest(res, cent)
        codes[:, level] = a
        books[level] = cent
        res = res - cent[a]
    return codes, books
