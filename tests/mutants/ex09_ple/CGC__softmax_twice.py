"""Mistake: call() applies a second softmax to the gate weights (which already come out of a softmax), so
the weights it mixes with are squeezed towards uniform and differ from what gate_weights reports."""
from keras import ops

from solutions.ex09_ple import CGC as _Reference
from solutions.ex09_ple import build_ple  # noqa: F401


class CGC(_Reference):
    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            inputs = [inputs] * (self.num_tasks + 1)
        shared = [expert(inputs[-1]) for expert in self.shared_experts]
        own = [[expert(inputs[t]) for expert in self.task_experts[t]] for t in range(self.num_tasks)]
        gates = [ops.softmax(g, axis=-1) for g in self.gate_weights(inputs)]
        outputs = [ops.einsum("be,beu->bu", gates[t], ops.stack(shared + own[t], axis=1)) for t in range(self.num_tasks)]
        if self.shared_gate is not None:
            outputs.append(ops.einsum("be,beu->bu", gates[-1], ops.stack(shared + [e for o in own for e in o], axis=1)))
        return outputs
