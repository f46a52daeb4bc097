"""Mistake: the gate-weighted experts are averaged over the expert axis instead of summed: every
output is 1/num_experts of the mixture (a correct MMoE with smaller experts would look the same,
so only experts pinned to a known output tell them apart)."""
from keras import ops

from solutions.ex04_mmoe import MMoE as _Reference
from solutions.ex04_mmoe import task_gradient_cosine  # noqa: F401


class MMoE(_Reference):
    def call(self, inputs):
        experts = ops.stack([expert(inputs) for expert in self.experts], axis=1)  # (batch, E, units)
        return [ops.mean(ops.expand_dims(gate, -1) * experts, axis=1) for gate in self.gate_weights(inputs)]
