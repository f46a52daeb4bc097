"""Mistake: the shared gate weighs the shared experts only, where it must weigh every expert of the level
(the shared ones and all tasks' own)."""
from keras import layers, ops

from solutions.ex09_ple import CGC as _Reference
from solutions.ex09_ple import build_ple  # noqa: F401


class CGC(_Reference):
    def __init__(self, num_shared_experts, num_task_experts, expert_units, num_tasks, shared_output=False, **kwargs):
        super().__init__(num_shared_experts, num_task_experts, expert_units, num_tasks, shared_output, **kwargs)
        if shared_output:
            self.shared_gate = layers.Dense(max(self.num_shared_experts, 1), activation="softmax")

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            inputs = [inputs] * (self.num_tasks + 1)
        shared = [expert(inputs[-1]) for expert in self.shared_experts]
        own = [[expert(inputs[t]) for expert in self.task_experts[t]] for t in range(self.num_tasks)]
        gates = self.gate_weights(inputs)
        outputs = [ops.einsum("be,beu->bu", gates[t], ops.stack(shared + own[t], axis=1)) for t in range(self.num_tasks)]
        if self.shared_gate is not None:
            pool = shared or own[0][:1]
            outputs.append(ops.einsum("be,beu->bu", gates[-1], ops.stack(pool, axis=1)))
        return outputs
