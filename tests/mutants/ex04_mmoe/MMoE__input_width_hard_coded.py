"""Mistake: the weights are made for inputs of width 7 (the width of the notebook's features) instead of
input_shape[-1], so the layer only works on that one width."""
import keras

from solutions.ex04_mmoe import task_gradient_cosine  # noqa: F401

INPUT_DIM = 7


class MMoE(keras.layers.Layer):
    def __init__(self, num_experts, expert_units, num_tasks, **kwargs):
        super().__init__(**kwargs)
        self.num_experts, self.expert_units, self.num_tasks = num_experts, expert_units, num_tasks

    def build(self, input_shape):
        self.expert_kernel = self.add_weight(shape=(INPUT_DIM, self.num_experts, self.expert_units))
        self.expert_bias = self.add_weight(shape=(self.num_experts, self.expert_units), initializer="zeros")
        self.gate_kernel = self.add_weight(shape=(self.num_tasks, INPUT_DIM, self.num_experts))
        self.gate_bias = self.add_weight(shape=(self.num_tasks, self.num_experts), initializer="zeros")

    def gate_weights(self, inputs):
        gates = keras.ops.softmax(keras.ops.einsum("bd,tde->bte", inputs, self.gate_kernel) + self.gate_bias)
        return [gates[:, t] for t in range(self.num_tasks)]

    def call(self, inputs):
        experts = keras.ops.relu(keras.ops.einsum("bd,deu->beu", inputs, self.expert_kernel) + self.expert_bias)
        return [keras.ops.einsum("be,beu->bu", gate, experts) for gate in self.gate_weights(inputs)]

    def get_config(self):
        return {**super().get_config(), "num_experts": self.num_experts, "expert_units": self.expert_units,
                "num_tasks": self.num_tasks}
