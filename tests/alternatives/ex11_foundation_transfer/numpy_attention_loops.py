"""A correct answer in another style: Adapter with Dense sublayers and the activation applied by name in
call; causal_self_attention in float32 numpy with a loop over positions (returns an array; tensors are
converted first); build_adapter_model functional with keras.ops.take for the last position; residual_quantize
from the reference."""
import keras
import numpy as np
from keras import layers

from solutions.ex11_foundation_transfer import residual_quantize  # noqa: F401


class Adapter(layers.Layer):
    def __init__(self, bottleneck, activation="relu", **kwargs):
        super().__init__(**kwargs)
        self.bottleneck = int(bottleneck)
        self.activation_name = activation

    def build(self, input_shape):
        self.down = layers.Dense(self.bottleneck, activation=self.activation_name)
        self.up = layers.Dense(input_shape[-1], kernel_initializer="zeros")  # bias starts at zero by default
        self.down.build(input_shape)
        self.up.build((*input_shape[:-1], self.bottleneck))

    def call(self, x):
        return self.up(self.down(x)) + x

    def get_config(self):
        config = super().get_config()
        config.update({"bottleneck": self.bottleneck, "activation": self.activation_name})
        return config


def causal_self_attention(x, w_q, w_k, w_v, w_o, padding_mask=None):
    x = np.asarray(x, np.float32)
    w_q, w_k, w_v, w_o = (np.asarray(w, np.float32) for w in (w_q, w_k, w_v, w_o))
    batch, length, _ = x.shape
    real = np.ones((batch, length), bool) if padding_mask is None else np.asarray(padding_mask, bool)
    out = np.zeros_like(x)
    scale = np.float32(np.sqrt(w_q.shape[1]))
    for b in range(batch):
        q, k, v = x[b] @ w_q, x[b] @ w_k, x[b] @ w_v
        for t in range(length):
            visible = [j for j in range(t + 1) if real[b, j]]
            if not visible:
                continue  # no real key: left at zero (not checked)
            scores = k[visible] @ q[t] / scale
            weights = np.exp(scores - scores.max())
            weights /= weights.sum()
            out[b, t] = (weights @ v[visible]) @ w_o
    return out


def build_adapter_model(embed, blocks, seq_len, bottleneck=8, head_units=16):
    embed.trainable = False
    ids = keras.Input((seq_len,), dtype="int32")
    x = embed(ids)
    for i, block in enumerate(blocks):
        block.trainable = False
        x = Adapter(bottleneck=bottleneck, name=f"adapter_{i}")(block(x))
    last = keras.ops.take(x, seq_len - 1, axis=1)
    outputs = {}
    for task, activation in (("rating", None), ("click", "sigmoid")):
        hidden = layers.Dense(head_units, activation="relu", name=f"{task}_hidden")(last)
        outputs[task] = layers.Dense(1, activation=activation, name=task)(hidden)
    return keras.Model(ids, outputs)
