"""A correct answer in another style: CGC from raw add_weight tensors (all shared experts in one kernel, each
task's own experts in one kernel, gates as kernels + keras.ops.softmax), registered; build_ple returns a
subclassed keras.Model holding its levels and towers in lists, whose call() returns the dict of outputs."""
import keras
from keras import ops


@keras.saving.register_keras_serializable(package="alternative_ex09")
class CGC(keras.layers.Layer):
    def __init__(self, num_shared_experts, num_task_experts, expert_units, num_tasks, shared_output=False, **kwargs):
        super().__init__(**kwargs)
        if num_tasks < 1 or num_shared_experts < 0 or num_task_experts < 0 or num_shared_experts + num_task_experts < 1:
            raise ValueError("bad sizes")
        self.num_shared_experts, self.num_task_experts = num_shared_experts, num_task_experts
        self.expert_units, self.num_tasks, self.shared_output = expert_units, num_tasks, shared_output

    def build(self, input_shape):
        if isinstance(input_shape, (list, tuple)) and input_shape and isinstance(input_shape[0], (list, tuple)):
            widths = [int(shape[-1]) for shape in input_shape]
        else:
            widths = [int(input_shape[-1])] * (self.num_tasks + 1)
        s, k, u = self.num_shared_experts, self.num_task_experts, self.expert_units
        self.shared_kernel = self.add_weight(shape=(widths[-1], s, u), initializer="glorot_uniform", name="shared_kernel")
        self.shared_bias = self.add_weight(shape=(s, u), initializer="zeros", name="shared_bias")
        self.own_kernels = [self.add_weight(shape=(widths[t], k, u), initializer="glorot_uniform", name=f"own_kernel_{t}")
                            for t in range(self.num_tasks)]
        self.own_biases = [self.add_weight(shape=(k, u), initializer="zeros", name=f"own_bias_{t}")
                           for t in range(self.num_tasks)]
        self.gate_kernels = [self.add_weight(shape=(widths[t], s + k), initializer="glorot_uniform", name=f"gate_{t}")
                             for t in range(self.num_tasks)]
        self.gate_biases = [self.add_weight(shape=(s + k,), initializer="zeros", name=f"gate_bias_{t}")
                            for t in range(self.num_tasks)]
        if self.shared_output:
            every = s + self.num_tasks * k
            self.shared_gate_kernel = self.add_weight(shape=(widths[-1], every), initializer="glorot_uniform",
                                                      name="shared_gate")
            self.shared_gate_bias = self.add_weight(shape=(every,), initializer="zeros", name="shared_gate_bias")

    def _split(self, inputs):
        return list(inputs) if isinstance(inputs, (list, tuple)) else [inputs] * (self.num_tasks + 1)

    def gate_weights(self, inputs):
        inputs = self._split(inputs)
        gates = [ops.softmax(ops.matmul(inputs[t], self.gate_kernels[t]) + self.gate_biases[t], axis=-1)
                 for t in range(self.num_tasks)]
        if self.shared_output:
            gates.append(ops.softmax(ops.matmul(inputs[-1], self.shared_gate_kernel) + self.shared_gate_bias, axis=-1))
        return gates

    def call(self, inputs):
        inputs = self._split(inputs)
        shared = ops.relu(ops.einsum("bd,deu->beu", inputs[-1], self.shared_kernel) + self.shared_bias)
        own = [ops.relu(ops.einsum("bd,deu->beu", inputs[t], self.own_kernels[t]) + self.own_biases[t])
               for t in range(self.num_tasks)]
        gates = self.gate_weights(inputs)
        outputs = [ops.einsum("be,beu->bu", gates[t], ops.concatenate([shared, own[t]], axis=1))
                   for t in range(self.num_tasks)]
        if self.shared_output:
            outputs.append(ops.einsum("be,beu->bu", gates[-1], ops.concatenate([shared] + own, axis=1)))
        return outputs

    def get_config(self):
        return {**super().get_config(), "num_shared_experts": self.num_shared_experts,
                "num_task_experts": self.num_task_experts, "expert_units": self.expert_units,
                "num_tasks": self.num_tasks, "shared_output": self.shared_output}


class PLEModel(keras.Model):
    def __init__(self, tasks, num_levels, num_shared_experts, num_task_experts, expert_units, tower_units):
        super().__init__()
        self.tasks = list(tasks)
        self.levels = [CGC(num_shared_experts, num_task_experts, expert_units, len(self.tasks),
                           shared_output=level + 1 < num_levels) for level in range(num_levels)]
        self.hidden_towers = [keras.layers.Dense(tower_units, activation="relu") for _ in self.tasks]
        self.heads = [keras.layers.Dense(1) for _ in self.tasks]

    def call(self, inputs):
        hidden = inputs
        for level in self.levels:
            hidden = level(hidden)
        return {name: self.heads[t](self.hidden_towers[t](hidden[t])) for t, name in enumerate(self.tasks)}


def build_ple(input_dim, tasks=("task_0", "task_1"), num_levels=2, num_shared_experts=2, num_task_experts=1,
              expert_units=8, tower_units=8, learning_rate=1e-2):
    if num_levels < 1 or len(tasks) == 0 or len(set(tasks)) < len(tasks):
        raise ValueError("bad arguments")
    model = PLEModel(tasks, num_levels, num_shared_experts, num_task_experts, expert_units, tower_units)
    model(keras.ops.zeros((1, input_dim)))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss={name: keras.losses.MeanSquaredError() for name in tasks})
    return model
