"""Mistake: the DOWN projection is zero-initialised too, so activation(down(x)) = 0 and no gradient ever
reaches either projection: the adapter stays the identity for ever."""
from keras import layers

from solutions.ex11_foundation_transfer import Adapter as _Reference
from solutions.ex11_foundation_transfer import (build_adapter_model, causal_self_attention,  # noqa: F401
                                               residual_quantize)


class Adapter(_Reference):
    def build(self, input_shape):
        self.down = layers.Dense(self.bottleneck, kernel_initializer="zeros")
        self.up = layers.Dense(int(input_shape[-1]), kernel_initializer="zeros", bias_initializer="zeros")
        self.down.build(input_shape)
        self.up.build(tuple(input_shape[:-1]) + (self.bottleneck,))
        self.built = True
