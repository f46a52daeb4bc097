"""Mistake: one softmax over the shared experts and another over the task's own, concatenated: each task's
weights sum to two (two distributions side by side, not one gate)."""
from keras import layers, ops

from solutions.ex09_ple import CGC as _Reference
from solutions.ex09_ple import build_ple  # noqa: F401


class CGC(_Reference):
    def __init__(self, num_shared_experts, num_task_experts, expert_units, num_tasks, shared_output=False, **kwargs):
        super().__init__(num_shared_experts, num_task_experts, expert_units, num_tasks, shared_output, **kwargs)
        self.shared_parts = [layers.Dense(max(self.num_shared_experts, 1), activation="softmax") for _ in range(num_tasks)]
        self.own_parts = [layers.Dense(max(self.num_task_experts, 1), activation="softmax") for _ in range(num_tasks)]

    def gate_weights(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            inputs = [inputs] * (self.num_tasks + 1)
        gates = []
        for task in range(self.num_tasks):
            parts = []
            if self.num_shared_experts:
                parts.append(self.shared_parts[task](inputs[task]))
            if self.num_task_experts:
                parts.append(self.own_parts[task](inputs[task]))
            gates.append(ops.concatenate(parts, axis=-1))
        if self.shared_gate is not None:
            gates.append(self.shared_gate(inputs[-1]))
        return gates
