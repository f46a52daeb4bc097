"""Mistake: the gate's softmax runs over axis 0 (the batch) instead of the experts."""
from keras import layers, ops

from solutions.ex04_mmoe import MMoE as _Reference
from solutions.ex04_mmoe import task_gradient_cosine  # noqa: F401


class MMoE(_Reference):
    def __init__(self, num_experts, expert_units, num_tasks, **kwargs):
        super().__init__(num_experts, expert_units, num_tasks, **kwargs)
        self.gates = [layers.Dense(self.num_experts) for _ in range(self.num_tasks)]

    def gate_weights(self, inputs):
        return [ops.softmax(gate(inputs), axis=0) for gate in self.gates]
