"""Mistake: a layer reused across tasks: one gate Dense layer serves every task, so every task weighs the
experts alike."""
from keras import layers

from solutions.ex09_ple import CGC as _Reference
from solutions.ex09_ple import build_ple  # noqa: F401


class CGC(_Reference):
    def __init__(self, num_shared_experts, num_task_experts, expert_units, num_tasks, shared_output=False, **kwargs):
        super().__init__(num_shared_experts, num_task_experts, expert_units, num_tasks, shared_output, **kwargs)
        gate = layers.Dense(self.num_shared_experts + self.num_task_experts, activation="softmax")
        self.gates = [gate] * self.num_tasks

    def build(self, input_shape):  # the Dense layers build themselves on first use (a reused one only once)
        self.built = True
