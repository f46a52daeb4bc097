"""Mistake: one gate shared by every task (the original MoE), so all tasks mix the experts alike."""
from keras import layers

from solutions.ex04_mmoe import MMoE as _Reference
from solutions.ex04_mmoe import task_gradient_cosine  # noqa: F401


class MMoE(_Reference):
    def __init__(self, num_experts, expert_units, num_tasks, **kwargs):
        super().__init__(num_experts, expert_units, num_tasks, **kwargs)
        gate = layers.Dense(self.num_experts, activation="softmax")
        self.gates = [gate] * self.num_tasks

    def build(self, input_shape):
        for sublayer in self.experts + self.gates[:1]:
            sublayer.build(input_shape)
        self.built = True
