"""Mistake: every task builds its own copy of the "shared" experts, so nothing is shared between the tasks
(the shared gate uses yet another copy)."""
from keras import layers, ops

from solutions.ex09_ple import CGC as _Reference
from solutions.ex09_ple import build_ple  # noqa: F401


class CGC(_Reference):
    def __init__(self, num_shared_experts, num_task_experts, expert_units, num_tasks, shared_output=False, **kwargs):
        super().__init__(num_shared_experts, num_task_experts, expert_units, num_tasks, shared_output, **kwargs)
        self.copies = [[layers.Dense(self.expert_units, activation="relu") for _ in range(self.num_shared_experts)]
                       for _ in range(self.num_tasks)]

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            inputs = [inputs] * (self.num_tasks + 1)
        own = [[expert(inputs[t]) for expert in self.task_experts[t]] for t in range(self.num_tasks)]
        gates = self.gate_weights(inputs)
        outputs = []
        for t in range(self.num_tasks):
            shared = [expert(inputs[-1]) for expert in self.copies[t]]
            outputs.append(ops.einsum("be,beu->bu", gates[t], ops.stack(shared + own[t], axis=1)))
        if self.shared_gate is not None:
            shared = [expert(inputs[-1]) for expert in self.shared_experts]
            outputs.append(ops.einsum("be,beu->bu", gates[-1], ops.stack(shared + [e for o in own for e in o], axis=1)))
        return outputs
