"""Mistake: the expert layers are created inside call(), so every call uses new, untrained weights."""
from keras import layers, ops

from solutions.ex04_mmoe import MMoE as _Reference
from solutions.ex04_mmoe import task_gradient_cosine  # noqa: F401


class MMoE(_Reference):
    def call(self, inputs):
        experts = ops.stack([layers.Dense(self.expert_units, activation="relu")(inputs)
                             for _ in range(self.num_experts)], axis=1)
        return [ops.einsum("be,beu->bu", gate, experts) for gate in self.gate_weights(inputs)]
