"""Mistake: `[experts] * num_tasks`: one list of "task-specific" experts repeated for every task, so the
experts that must be each task's own are shared by all tasks (MMoE with more experts, not CGC)."""
from keras import layers

from solutions.ex09_ple import CGC as _Reference
from solutions.ex09_ple import build_ple  # noqa: F401


class CGC(_Reference):
    def __init__(self, num_shared_experts, num_task_experts, expert_units, num_tasks, shared_output=False, **kwargs):
        super().__init__(num_shared_experts, num_task_experts, expert_units, num_tasks, shared_output, **kwargs)
        own = [layers.Dense(self.expert_units, activation="relu") for _ in range(self.num_task_experts)]
        self.task_experts = [own] * self.num_tasks

    def build(self, input_shape):  # the Dense layers build themselves on first use (a reused one only once)
        self.built = True
