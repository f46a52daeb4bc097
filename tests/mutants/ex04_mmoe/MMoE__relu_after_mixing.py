"""Mistake: linear experts, with the ReLU applied to each task's mixture instead of to each expert."""
from keras import layers, ops

from solutions.ex04_mmoe import MMoE as _Reference
from solutions.ex04_mmoe import task_gradient_cosine  # noqa: F401


class MMoE(_Reference):
    def __init__(self, num_experts, expert_units, num_tasks, **kwargs):
        super().__init__(num_experts, expert_units, num_tasks, **kwargs)
        self.experts = [layers.Dense(self.expert_units) for _ in range(self.num_experts)]

    def call(self, inputs):
        return [ops.relu(output) for output in super().call(inputs)]
