"""Mistake: with a list of inputs, every task's gate reads the shared input (the last item) instead of
that task's own input."""
from solutions.ex09_ple import CGC as _Reference
from solutions.ex09_ple import build_ple  # noqa: F401


class CGC(_Reference):
    def build(self, input_shape):
        one = not (isinstance(input_shape, (list, tuple)) and input_shape and isinstance(input_shape[0], (list, tuple)))
        shapes = [input_shape] * (self.num_tasks + 1) if one else list(input_shape)
        for expert in self.shared_experts:
            expert.build(shapes[-1])
        for task in range(self.num_tasks):
            for expert in self.task_experts[task]:
                expert.build(shapes[task])
            self.gates[task].build(shapes[-1])
        if self.shared_gate is not None:
            self.shared_gate.build(shapes[-1])
        self.built = True

    def gate_weights(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            inputs = [inputs] * (self.num_tasks + 1)
        gates = [gate(inputs[-1]) for gate in self.gates]
        if self.shared_gate is not None:
            gates.append(self.shared_gate(inputs[-1]))
        return gates
