"""Held-out WRONG answer CGC__softmax_without_max_shift (from c4_ops_loop_linear_gate.py): see MANIFEST.md."""

import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras
from keras import layers, ops


class CGC(layers.Layer):
    def __init__(self, num_shared_experts, num_task_experts, expert_units, num_tasks, shared_output=False, **kwargs):
        super().__init__(**kwargs)
        for label, count in (("num_shared_experts", num_shared_experts), ("num_task_experts", num_task_experts)):
            if count < 0:
                raise ValueError(f"{label} must be >= 0")
        if num_tasks < 1:
            raise ValueError("num_tasks must be >= 1")
        if num_shared_experts + num_task_experts < 1:
            raise ValueError("num_shared_experts + num_task_experts must be >= 1")
        self.num_shared_experts = num_shared_experts
        self.num_task_experts = num_task_experts
        self.expert_units = expert_units
        self.num_tasks = num_tasks
        self.shared_output = shared_output

        def expert():
            return layers.Dense(expert_units, activation="relu", kernel_initializer="he_normal")

        self.shared_experts = []
        for _ in range(num_shared_experts):
            self.shared_experts.append(expert())
        self.task_experts = []
        for _ in range(num_tasks):
            own = []
            for _ in range(num_task_experts):
                own.append(expert())
            self.task_experts.append(own)
        # linear gate logits; the softmax is taken in gate_weights
        self.gate_logits = [layers.Dense(num_shared_experts + num_task_experts, kernel_initializer="zeros")
                            for _ in range(num_tasks)]
        self.shared_gate_logits = None
        if shared_output:
            self.shared_gate_logits = layers.Dense(num_shared_experts + num_tasks * num_task_experts)

    def build(self, input_shape):
        many = isinstance(input_shape, (list, tuple)) and any(isinstance(s, (list, tuple)) for s in input_shape)
        shapes = list(input_shape) if many else [input_shape for _ in range(self.num_tasks + 1)]
        for layer in self.shared_experts:
            layer.build(shapes[-1])
        for t in range(self.num_tasks):
            for layer in self.task_experts[t]:
                layer.build(shapes[t])
            self.gate_logits[t].build(shapes[t])
        if self.shared_gate_logits is not None:
            self.shared_gate_logits.build(shapes[-1])
        self.built = True

    def _listify(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            inputs = [inputs] * (self.num_tasks + 1)
        return [ops.cast(i, "float32") for i in inputs]

    def gate_weights(self, inputs):
        inputs = self._listify(inputs)

        def softmax(logits):
            exp = ops.exp(logits)
            return exp / ops.sum(exp, axis=-1, keepdims=True)

        weights = []
        for t in range(self.num_tasks):
            weights.append(softmax(self.gate_logits[t](inputs[t])))
        if self.shared_output:
            weights.append(softmax(self.shared_gate_logits(inputs[-1])))
        return weights

    def call(self, inputs):
        inputs = self._listify(inputs)
        weights = self.gate_weights(inputs)
        shared = []
        for layer in self.shared_experts:
            shared.append(layer(inputs[-1]))
        every = list(shared)
        outputs = []
        for t in range(self.num_tasks):
            seen = list(shared)
            for layer in self.task_experts[t]:
                seen.append(layer(inputs[t]))
            every.extend(seen[len(shared):])
            mixed = weights[t][:, 0:1] * seen[0]
            for j in range(1, len(seen)):
                mixed = mixed + weights[t][:, j:j + 1] * seen[j]
            outputs.append(mixed)
        if self.shared_output:
            mixed = weights[-1][:, 0:1] * every[0]
            for j in range(1, len(every)):
                mixed = mixed + weights[-1][:, j:j + 1] * every[j]
            outputs.append(mixed)
        return outputs

    def get_config(self):
        config = super().get_config()
        config.update(num_shared_experts=self.num_shared_experts, num_task_experts=self.num_task_experts,
                      expert_units=self.expert_units, num_tasks=self.num_tasks, shared_output=self.shared_output)
        return config


def build_ple(input_dim, tasks=("task_0", "task_1"), num_levels=2, num_shared_experts=2, num_task_experts=1,
              expert_units=8, tower_units=8, learning_rate=1e-2):
    tasks = tuple(tasks)
    if num_levels < 1:
        raise ValueError("num_levels must be >= 1")
    if len(tasks) == 0:
        raise ValueError("tasks is empty")
    seen = set()
    for name in tasks:
        if name in seen:
            raise ValueError(f"duplicate task {name!r}")
        seen.add(name)
    x = keras.Input(shape=(input_dim,), dtype="float32")
    hidden = x
    level = 0
    while level < num_levels:
        last = level == num_levels - 1
        hidden = CGC(num_shared_experts, num_task_experts, expert_units, len(tasks), shared_output=not last)(hidden)
        level += 1
    outputs = {}
    for index, name in enumerate(tasks):
        tower = layers.Dense(tower_units, activation="relu", kernel_initializer="he_normal")(hidden[index])
        outputs[name] = layers.Dense(1, name=name)(tower)
    model = keras.Model(inputs=x, outputs=outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mean_squared_error")
    return model
