"""Mistake: the pre-trained embedding and blocks are not frozen, so fine-tuning trains the whole encoder."""
import keras
from keras import layers

from solutions.ex11_foundation_transfer import Adapter, causal_self_attention, residual_quantize  # noqa: F401


def build_adapter_model(embed, blocks, seq_len, bottleneck=8, head_units=16):
    pass
    ids = keras.Input(shape=(seq_len,), dtype="int32")
    hidden = embed(ids)
    for block in blocks:
        hidden = Adapter(bottleneck)(block(hidden))
    representation = hidden[:, -1, :]
    click = layers.Dense(1, activation="sigmoid")(layers.Dense(head_units, activation="relu")(representation))
    rating = layers.Dense(1)(layers.Dense(head_units, activation="relu")(representation))
    return keras.Model(ids, {"click": click, "rating": rating})
