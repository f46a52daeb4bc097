"""Mistake: `[layers.Dense(...)] * num_experts` repeats ONE layer, so all the experts share their weights."""
from keras import layers

from solutions.ex04_mmoe import MMoE as _Reference
from solutions.ex04_mmoe import task_gradient_cosine  # noqa: F401


class MMoE(_Reference):
    def __init__(self, num_experts, expert_units, num_tasks, **kwargs):
        super().__init__(num_experts, expert_units, num_tasks, **kwargs)
        self.experts = [layers.Dense(self.expert_units, activation="relu")] * self.num_experts

    def build(self, input_shape):
        for sublayer in self.experts[:1] + self.gates:
            sublayer.build(input_shape)
        self.built = True
