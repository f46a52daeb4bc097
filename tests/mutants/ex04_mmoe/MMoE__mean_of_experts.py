"""Mistake: call() averages the experts and ignores the gates, so every task gets the same output."""
from keras import ops

from solutions.ex04_mmoe import MMoE as _Reference
from solutions.ex04_mmoe import task_gradient_cosine  # noqa: F401


class MMoE(_Reference):
    def call(self, inputs):
        experts = ops.stack([expert(inputs) for expert in self.experts], axis=1)
        return [ops.mean(experts, axis=1) for _ in range(self.num_tasks)]
