"""Held-out WRONG answer build_ple__sigmoid_output (from c1_functional_einsum.py): see MANIFEST.md."""

import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras
from keras import layers, ops


def _is_shape_list(input_shape):
    return isinstance(input_shape, (list, tuple)) and len(input_shape) > 0 and isinstance(
        input_shape[0], (list, tuple))


class CGC(layers.Layer):
    """Customized Gate Control: shared + task-specific experts, one softmax gate per task."""

    def __init__(self, num_shared_experts, num_task_experts, expert_units, num_tasks, shared_output=False, **kwargs):
        super().__init__(**kwargs)
        if num_tasks < 1:
            raise ValueError(f"num_tasks must be at least 1, got {num_tasks}")
        if num_shared_experts < 0 or num_task_experts < 0:
            raise ValueError("expert counts must not be negative")
        if num_shared_experts + num_task_experts < 1:
            raise ValueError("every task must see at least one expert")
        self.num_shared_experts = num_shared_experts
        self.num_task_experts = num_task_experts
        self.expert_units = expert_units
        self.num_tasks = num_tasks
        self.shared_output = shared_output
        self.shared_experts = [layers.Dense(expert_units, activation="relu") for _ in range(num_shared_experts)]
        self.task_experts = [[layers.Dense(expert_units, activation="relu") for _ in range(num_task_experts)]
                             for _ in range(num_tasks)]
        self.task_gates = [layers.Dense(num_shared_experts + num_task_experts, activation="softmax")
                           for _ in range(num_tasks)]
        self.shared_gate = (layers.Dense(num_shared_experts + num_tasks * num_task_experts, activation="softmax")
                            if shared_output else None)

    def build(self, input_shape):
        shapes = list(input_shape) if _is_shape_list(input_shape) else [input_shape] * (self.num_tasks + 1)
        if len(shapes) != self.num_tasks + 1:
            raise ValueError(f"expected {self.num_tasks + 1} inputs, got {len(shapes)}")
        for expert in self.shared_experts:
            expert.build(shapes[-1])
        for task in range(self.num_tasks):
            for expert in self.task_experts[task]:
                expert.build(shapes[task])
            self.task_gates[task].build(shapes[task])
        if self.shared_gate is not None:
            self.shared_gate.build(shapes[-1])
        self.built = True

    def _inputs(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            return [inputs] * (self.num_tasks + 1)
        if len(inputs) != self.num_tasks + 1:
            raise ValueError(f"expected {self.num_tasks + 1} inputs, got {len(inputs)}")
        return list(inputs)

    def gate_weights(self, inputs):
        inputs = self._inputs(inputs)
        gates = [self.task_gates[task](inputs[task]) for task in range(self.num_tasks)]
        if self.shared_output:
            gates.append(self.shared_gate(inputs[-1]))
        return gates

    def call(self, inputs):
        inputs = self._inputs(inputs)
        shared = [expert(inputs[-1]) for expert in self.shared_experts]
        own = [[expert(inputs[task]) for expert in self.task_experts[task]] for task in range(self.num_tasks)]
        gates = self.gate_weights(inputs)
        outputs = []
        for task in range(self.num_tasks):
            stacked = ops.stack(shared + own[task], axis=1)  # (batch, S + K, expert_units)
            outputs.append(ops.einsum("be,beu->bu", gates[task], stacked))
        if self.shared_output:
            every = shared + [out for task_outputs in own for out in task_outputs]
            stacked = ops.stack(every, axis=1)  # (batch, S + T K, expert_units)
            outputs.append(ops.einsum("be,beu->bu", gates[-1], stacked))
        return outputs

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_shared_experts": self.num_shared_experts,
            "num_task_experts": self.num_task_experts,
            "expert_units": self.expert_units,
            "num_tasks": self.num_tasks,
            "shared_output": self.shared_output,
        })
        return config


def build_ple(input_dim, tasks=("task_0", "task_1"), num_levels=2, num_shared_experts=2, num_task_experts=1,
              expert_units=8, tower_units=8, learning_rate=1e-2):
    """PLE: CGC levels chained, one regression tower per task."""
    tasks = list(tasks)
    if num_levels < 1:
        raise ValueError("num_levels must be at least 1")
    if not tasks:
        raise ValueError("at least one task")
    if len(set(tasks)) != len(tasks):
        raise ValueError("duplicate task names")
    x = keras.Input(shape=(input_dim,))
    hidden = x
    for level in range(num_levels):
        hidden = CGC(num_shared_experts, num_task_experts, expert_units, len(tasks),
                     shared_output=level < num_levels - 1)(hidden)
    outputs = {}
    for task, name in enumerate(tasks):
        tower = layers.Dense(tower_units, activation="relu")(hidden[task])
        outputs[name] = layers.Dense(1, activation="sigmoid", name=name)(tower)
    model = keras.Model(x, outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss={name: "mse" for name in tasks},
                  loss_weights={name: 1.0 for name in tasks})
    return model
