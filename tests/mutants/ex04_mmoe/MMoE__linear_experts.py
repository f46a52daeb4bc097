"""Mistake: experts without the ReLU (Dense(expert_units) with no activation), so they go negative."""
from keras import layers

from solutions.ex04_mmoe import MMoE as _Reference
from solutions.ex04_mmoe import task_gradient_cosine  # noqa: F401


class MMoE(_Reference):
    def __init__(self, num_experts, expert_units, num_tasks, **kwargs):
        super().__init__(num_experts, expert_units, num_tasks, **kwargs)
        self.experts = [layers.Dense(self.expert_units) for _ in range(self.num_experts)]
