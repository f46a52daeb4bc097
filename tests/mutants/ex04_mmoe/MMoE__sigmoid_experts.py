"""Mistake: sigmoid experts (the activation of a click head) instead of Dense(expert_units, relu): never
negative, so only the shape of the expert's response gives it away."""
from keras import layers

from solutions.ex04_mmoe import MMoE as _Reference
from solutions.ex04_mmoe import task_gradient_cosine  # noqa: F401


class MMoE(_Reference):
    def __init__(self, num_experts, expert_units, num_tasks, **kwargs):
        super().__init__(num_experts, expert_units, num_tasks, **kwargs)
        self.experts = [layers.Dense(self.expert_units, activation="sigmoid") for _ in range(self.num_experts)]
