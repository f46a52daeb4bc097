"""Mistake: experts without activation='relu' (linear experts), so the level is linear in its input."""
from keras import layers

from solutions.ex09_ple import CGC as _Reference
from solutions.ex09_ple import build_ple  # noqa: F401


class CGC(_Reference):
    def __init__(self, num_shared_experts, num_task_experts, expert_units, num_tasks, shared_output=False, **kwargs):
        super().__init__(num_shared_experts, num_task_experts, expert_units, num_tasks, shared_output, **kwargs)
        self.shared_experts = [layers.Dense(self.expert_units) for _ in range(self.num_shared_experts)]
        self.task_experts = [[layers.Dense(self.expert_units) for _ in range(self.num_task_experts)]
                             for _ in range(self.num_tasks)]
