"""Mistake: __init__ takes **kwargs but calls super().__init__() without them, so name=... is ignored."""
from keras import layers

from solutions.ex04_mmoe import MMoE as _Reference
from solutions.ex04_mmoe import task_gradient_cosine  # noqa: F401


class MMoE(_Reference):
    def __init__(self, num_experts, expert_units, num_tasks, **kwargs):
        layers.Layer.__init__(self)
        self.num_experts, self.expert_units, self.num_tasks = num_experts, expert_units, num_tasks
        self.experts = [layers.Dense(expert_units, activation="relu") for _ in range(num_experts)]
        self.gates = [layers.Dense(num_experts, activation="softmax") for _ in range(num_tasks)]
