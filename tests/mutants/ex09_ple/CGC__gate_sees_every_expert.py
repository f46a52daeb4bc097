"""Mistake: each task's gate weighs every expert of the layer, the other tasks' private experts included
(only the shared gate may see them)."""
from keras import layers, ops

from solutions.ex09_ple import CGC as _Reference
from solutions.ex09_ple import build_ple  # noqa: F401


class CGC(_Reference):
    def __init__(self, num_shared_experts, num_task_experts, expert_units, num_tasks, shared_output=False, **kwargs):
        super().__init__(num_shared_experts, num_task_experts, expert_units, num_tasks, shared_output, **kwargs)
        every = self.num_shared_experts + self.num_tasks * self.num_task_experts
        self.gates = [layers.Dense(every, activation="softmax") for _ in range(self.num_tasks)]

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            inputs = [inputs] * (self.num_tasks + 1)
        shared = [expert(inputs[-1]) for expert in self.shared_experts]
        own = [expert(inputs[t]) for t in range(self.num_tasks) for expert in self.task_experts[t]]
        experts = ops.stack(shared + own, axis=1)
        return [ops.einsum("be,beu->bu", gate, experts) for gate in self.gate_weights(inputs)]
