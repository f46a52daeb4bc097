"""Mistake: no argument checks: CGC(0, 0, ...) makes a layer whose tasks see no expert at all."""
from keras import layers

from solutions.ex09_ple import CGC as _Reference
from solutions.ex09_ple import build_ple  # noqa: F401


class CGC(_Reference):
    def __init__(self, num_shared_experts, num_task_experts, expert_units, num_tasks, shared_output=False, **kwargs):
        if int(num_shared_experts) + int(num_task_experts) >= 1 and int(num_tasks) >= 1 and min(
                int(num_shared_experts), int(num_task_experts)) >= 0:
            super().__init__(num_shared_experts, num_task_experts, expert_units, num_tasks, shared_output, **kwargs)
        else:
            layers.Layer.__init__(self, **kwargs)
            self.num_shared_experts, self.num_task_experts = num_shared_experts, num_task_experts
            self.expert_units, self.num_tasks, self.shared_output = expert_units, num_tasks, shared_output
