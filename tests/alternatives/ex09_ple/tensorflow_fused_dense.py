"""A correct answer in another style: tensorflow ops inside the layer, each group of experts as ONE
Dense(n * units, relu) reshaped to (batch, n, units), gates as Dense + tf.nn.softmax, tf.einsum mixing;
tensorflow.keras imports and a keyword-heavy functional build_ple."""
import tensorflow as tf
from tensorflow import keras


class CGC(keras.layers.Layer):
    def __init__(self, num_shared_experts, num_task_experts, expert_units, num_tasks, shared_output=False, **kwargs):
        super().__init__(**kwargs)
        if num_tasks < 1:
            raise ValueError("num_tasks must be positive")
        if num_shared_experts < 0 or num_task_experts < 0:
            raise ValueError("negative expert count")
        if num_shared_experts + num_task_experts == 0:
            raise ValueError("no experts")
        self.num_shared_experts, self.num_task_experts = num_shared_experts, num_task_experts
        self.expert_units, self.num_tasks, self.shared_output = expert_units, num_tasks, shared_output
        self.shared_bank = (keras.layers.Dense(num_shared_experts * expert_units, activation="relu")
                            if num_shared_experts else None)
        self.task_banks = [keras.layers.Dense(num_task_experts * expert_units, activation="relu")
                           for _ in range(num_tasks)] if num_task_experts else []
        self.task_gates = [keras.layers.Dense(num_shared_experts + num_task_experts) for _ in range(num_tasks)]
        self.mixing_gate = keras.layers.Dense(num_shared_experts + num_tasks * num_task_experts) if shared_output else None

    def _inputs(self, inputs):
        if isinstance(inputs, (list, tuple)):
            return list(inputs)
        return [inputs] * (self.num_tasks + 1)

    def _bank(self, layer, count, inputs):
        return tf.reshape(layer(inputs), (-1, count, self.expert_units))

    def gate_weights(self, inputs):
        inputs = self._inputs(inputs)
        result = [tf.nn.softmax(self.task_gates[t](inputs[t]), axis=-1) for t in range(self.num_tasks)]
        if self.mixing_gate is not None:
            result.append(tf.nn.softmax(self.mixing_gate(inputs[-1]), axis=-1))
        return result

    def call(self, inputs):
        inputs = self._inputs(inputs)
        pieces_shared = [self._bank(self.shared_bank, self.num_shared_experts, inputs[-1])] if self.shared_bank else []
        own = [self._bank(self.task_banks[t], self.num_task_experts, inputs[t]) for t in range(self.num_tasks)] \
            if self.task_banks else []
        gates = self.gate_weights(inputs)
        out = []
        for t in range(self.num_tasks):
            experts = tf.concat(pieces_shared + ([own[t]] if own else []), axis=1)
            out.append(tf.einsum("be,beu->bu", gates[t], experts))
        if self.mixing_gate is not None:
            out.append(tf.einsum("be,beu->bu", gates[-1], tf.concat(pieces_shared + own, axis=1)))
        return out

    def get_config(self):
        config = super().get_config()
        config.update({"num_shared_experts": self.num_shared_experts, "num_task_experts": self.num_task_experts,
                       "expert_units": self.expert_units, "num_tasks": self.num_tasks,
                       "shared_output": self.shared_output})
        return config


def build_ple(input_dim, tasks=("task_0", "task_1"), num_levels=2, num_shared_experts=2, num_task_experts=1,
              expert_units=8, tower_units=8, learning_rate=1e-2):
    if num_levels < 1 or not tasks or len(set(tasks)) != len(tasks):
        raise ValueError("num_levels >= 1 and distinct task names are required")
    x = keras.Input(shape=(input_dim,), dtype="float32")
    flow = x
    for index in range(num_levels):
        flow = CGC(num_shared_experts=num_shared_experts, num_task_experts=num_task_experts,
                   expert_units=expert_units, num_tasks=len(tasks), shared_output=index + 1 < num_levels)(flow)
    outputs = {}
    for index, name in enumerate(tasks):
        tower = keras.layers.Dense(units=tower_units, activation="relu")(flow[index])
        outputs[name] = keras.layers.Dense(units=1, activation=None, name=name)(tower)
    model = keras.Model(inputs=x, outputs=outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss={name: keras.losses.MeanSquaredError() for name in tasks})
    return model
