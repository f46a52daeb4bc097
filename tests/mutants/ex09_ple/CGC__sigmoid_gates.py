"""Mistake: sigmoid gates: each weight is squashed on its own, so a task's weights do not sum to one."""
from keras import layers

from solutions.ex09_ple import CGC as _Reference
from solutions.ex09_ple import build_ple  # noqa: F401


class CGC(_Reference):
    def __init__(self, num_shared_experts, num_task_experts, expert_units, num_tasks, shared_output=False, **kwargs):
        super().__init__(num_shared_experts, num_task_experts, expert_units, num_tasks, shared_output, **kwargs)
        self.gates = [layers.Dense(self.num_shared_experts + self.num_task_experts, activation="sigmoid")
                      for _ in range(self.num_tasks)]
