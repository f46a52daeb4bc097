"""Mistake: the activation argument is ignored; ReLU is always used."""
import keras

from solutions.ex11_foundation_transfer import Adapter as _Reference
from solutions.ex11_foundation_transfer import (build_adapter_model, causal_self_attention,  # noqa: F401
                                               residual_quantize)


class Adapter(_Reference):
    def call(self, x):
        return x + self.up(keras.ops.relu(self.down(x)))
