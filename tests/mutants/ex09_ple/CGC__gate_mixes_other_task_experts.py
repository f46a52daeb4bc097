"""Mistake: an index slip: task t's gate (of the right width) mixes the shared experts with the NEXT task's
private experts, so a task's output reads another task's private experts and input."""
from keras import ops

from solutions.ex09_ple import CGC as _Reference
from solutions.ex09_ple import build_ple  # noqa: F401


class CGC(_Reference):
    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            inputs = [inputs] * (self.num_tasks + 1)
        shared = [expert(inputs[-1]) for expert in self.shared_experts]
        own = [[expert(inputs[t]) for expert in self.task_experts[t]] for t in range(self.num_tasks)]
        gates = self.gate_weights(inputs)
        outputs = []
        for t in range(self.num_tasks):
            other = (t + 1) % self.num_tasks
            outputs.append(ops.einsum("be,beu->bu", gates[t], ops.stack(shared + own[other], axis=1)))
        if self.shared_gate is not None:
            outputs.append(ops.einsum("be,beu->bu", gates[-1], ops.stack(shared + [e for o in own for e in o], axis=1)))
        return outputs
