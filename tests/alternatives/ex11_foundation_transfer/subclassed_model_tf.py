"""A correct answer in another style: Adapter keeps its four weights with add_weight (no Dense sublayers)
and computes with tf; causal_self_attention uses tf (tf.linalg.band_part for the causal mask);
build_adapter_model subclasses keras.Model and returns a dict; residual_quantize is a float32 loop."""
import keras
import numpy as np
import tensorflow as tf


class Adapter(keras.layers.Layer):
    def __init__(self, bottleneck, activation="relu", **kwargs):
        super().__init__(**kwargs)
        self.bottleneck = bottleneck
        self.activation_name = activation

    def build(self, input_shape):
        width = input_shape[-1]
        self.down_kernel = self.add_weight(shape=(width, self.bottleneck), initializer="glorot_uniform")
        self.down_bias = self.add_weight(shape=(self.bottleneck,), initializer="zeros")
        self.up_kernel = self.add_weight(shape=(self.bottleneck, width), initializer="zeros")
        self.up_bias = self.add_weight(shape=(width,), initializer="zeros")

    def call(self, x):
        hidden = keras.activations.get(self.activation_name)(tf.tensordot(x, self.down_kernel, 1) + self.down_bias)
        return x + tf.tensordot(hidden, self.up_kernel, 1) + self.up_bias

    def get_config(self):
        return {**super().get_config(), "bottleneck": self.bottleneck, "activation": self.activation_name}


def causal_self_attention(x, w_q, w_k, w_v, w_o, padding_mask=None):
    x = tf.convert_to_tensor(x, tf.float32)
    q, k, v = (tf.matmul(x, tf.convert_to_tensor(w, tf.float32)) for w in (w_q, w_k, w_v))
    scores = tf.matmul(q, k, transpose_b=True) * tf.math.rsqrt(tf.cast(tf.shape(q)[-1], tf.float32))
    length = tf.shape(x)[1]
    allowed = tf.cast(tf.linalg.band_part(tf.ones((length, length)), -1, 0), tf.bool)[tf.newaxis]
    if padding_mask is not None:
        allowed = allowed & tf.cast(padding_mask, tf.bool)[:, tf.newaxis, :]
    weights = tf.nn.softmax(tf.where(allowed, scores, tf.fill(tf.shape(scores), -1e9)), axis=-1)
    return tf.matmul(tf.matmul(weights, v), tf.convert_to_tensor(w_o, tf.float32))


class AdapterRecommender(keras.Model):
    def __init__(self, embed, blocks, bottleneck, head_units, **kwargs):
        super().__init__(**kwargs)
        self.embed, self.blocks = embed, list(blocks)
        self.embed.trainable = False
        for block in self.blocks:
            block.trainable = False
        self.adapters = [Adapter(bottleneck) for _ in self.blocks]
        self.click_hidden = keras.layers.Dense(head_units, activation="relu")
        self.click_out = keras.layers.Dense(1, activation="sigmoid")
        self.rating_hidden = keras.layers.Dense(head_units, activation="relu")
        self.rating_out = keras.layers.Dense(1)

    def call(self, ids):
        hidden = self.embed(ids)
        for block, adapter in zip(self.blocks, self.adapters):
            hidden = adapter(block(hidden))
        last = hidden[:, -1, :]
        return {"click": self.click_out(self.click_hidden(last)), "rating": self.rating_out(self.rating_hidden(last))}


def build_adapter_model(embed, blocks, seq_len, bottleneck=8, head_units=16):
    model = AdapterRecommender(embed, blocks, bottleneck, head_units)
    model(np.zeros((1, seq_len), "int32"))  # builds the weights
    return model


def residual_quantize(vectors, n_levels, codebook_size, n_iter=20, seed=0):
    data = np.array(vectors, dtype=np.float32)
    n, width = data.shape
    if not (n_levels >= 1 and 1 <= codebook_size <= n and n_iter >= 1):
        raise ValueError("need n_levels >= 1, 1 <= codebook_size <= n and n_iter >= 1")
    rng = np.random.default_rng(seed)
    codes = np.zeros((n, n_levels), dtype=np.int32)
    codebooks = np.zeros((n_levels, codebook_size, width), dtype=np.float32)
    residual = data
    for level in range(n_levels):
        centroids = residual[rng.permutation(n)[:codebook_size]].copy()

        def nearest(row):
            best, best_distance = 0, np.inf
            for entry in range(codebook_size):
                distance = float(np.sum((row - centroids[entry]) ** 2))
                if distance < best_distance:
                    best, best_distance = entry, distance
            return best

        for _ in range(n_iter):
            assignment = [nearest(row) for row in residual]
            sums = np.zeros_like(centroids)
            counts = np.zeros(codebook_size)
            for row, entry in zip(residual, assignment):
                sums[entry] += row
                counts[entry] += 1
            for entry in range(codebook_size):
                if counts[entry]:
                    centroids[entry] = sums[entry] / counts[entry]
        for i, row in enumerate(residual):
            codes[i, level] = nearest(row)
        codebooks[level] = centroids
        residual = residual - centroids[codes[:, level]]
    return codes, codebooks
