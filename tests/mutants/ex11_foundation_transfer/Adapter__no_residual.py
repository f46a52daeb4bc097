"""Mistake: call() returns up(activation(down(x))) without the residual x +, so the adapter starts at zero."""
from solutions.ex11_foundation_transfer import Adapter as _Reference
from solutions.ex11_foundation_transfer import (build_adapter_model, causal_self_attention,  # noqa: F401
                                               residual_quantize)


class Adapter(_Reference):
    def call(self, x):
        return self.up(self.activation(self.down(x)))
