"""Mistake: call() applies a second softmax to what gate_weights returns, so the weights call uses are not
the ones gate_weights reports (the gate weights do not come from one softmax)."""
from keras import ops

from solutions.ex04_mmoe import MMoE as _Reference
from solutions.ex04_mmoe import task_gradient_cosine  # noqa: F401


class MMoE(_Reference):
    def call(self, inputs):
        experts = ops.stack([expert(inputs) for expert in self.experts], axis=1)
        return [ops.einsum("be,beu->bu", ops.softmax(gate, axis=-1), experts) for gate in self.gate_weights(inputs)]
