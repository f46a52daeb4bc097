"""Mistake: sigmoid gates; each weight lies in (0, 1) but they do not sum to one over the experts."""
from keras import layers

from solutions.ex04_mmoe import MMoE as _Reference
from solutions.ex04_mmoe import task_gradient_cosine  # noqa: F401


class MMoE(_Reference):
    def __init__(self, num_experts, expert_units, num_tasks, **kwargs):
        super().__init__(num_experts, expert_units, num_tasks, **kwargs)
        self.gates = [layers.Dense(self.num_experts, activation="sigmoid") for _ in range(self.num_tasks)]
