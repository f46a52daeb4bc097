"""Mistake: each task's gate is two softmaxes, one over the shared experts and one over the task's own, each
halved so that the row still sums to one; the shared and own experts never compete in ONE softmax."""
from keras import layers, ops

from solutions.ex09_ple import CGC as _Reference
from solutions.ex09_ple import build_ple  # noqa: F401


class CGC(_Reference):
    def __init__(self, num_shared_experts, num_task_experts, expert_units, num_tasks, shared_output=False, **kwargs):
        super().__init__(num_shared_experts, num_task_experts, expert_units, num_tasks, shared_output, **kwargs)
        self.gates = [layers.Dense(self.num_shared_experts + self.num_task_experts) for _ in range(self.num_tasks)]

    def gate_weights(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            inputs = [inputs] * (self.num_tasks + 1)
        s = self.num_shared_experts
        gates = []
        for task in range(self.num_tasks):
            logits = self.gates[task](inputs[task])
            if s and self.num_task_experts:
                gates.append(ops.concatenate([0.5 * ops.softmax(logits[:, :s]), 0.5 * ops.softmax(logits[:, s:])], axis=-1))
            else:
                gates.append(ops.softmax(logits))
        if self.shared_gate is not None:
            gates.append(self.shared_gate(inputs[-1]))
        return gates
