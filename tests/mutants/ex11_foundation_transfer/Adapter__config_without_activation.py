"""Mistake: get_config() keeps the bottleneck but not the activation, so a reloaded adapter uses ReLU."""
from keras import layers

from solutions.ex11_foundation_transfer import Adapter as _Reference
from solutions.ex11_foundation_transfer import (build_adapter_model, causal_self_attention,  # noqa: F401
                                               residual_quantize)


class Adapter(_Reference):
    def get_config(self):
        config = layers.Layer.get_config(self)
        config.update(bottleneck=self.bottleneck)
        return config
