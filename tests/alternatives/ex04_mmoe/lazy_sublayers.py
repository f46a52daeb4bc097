"""A correct answer in another style: sublayers built lazily on the first call (no build method),
Keras 3's automatic get_config (the constructor takes plain numbers), tuples instead of lists,
expand_dims and sum instead of einsum, a dot product written with keras.ops."""
import keras
import tensorflow as tf
from keras import ops


class MMoE(keras.layers.Layer):
    def __init__(self, num_experts, expert_units, num_tasks, **kwargs):
        super().__init__(**kwargs)
        self.num_tasks = num_tasks
        self.expert_layers = [keras.layers.Dense(expert_units, activation="relu") for _ in range(num_experts)]
        self.gate_layers = [keras.layers.Dense(num_experts) for _ in range(num_tasks)]

    def gate_weights(self, inputs):
        return tuple(ops.softmax(layer(inputs), axis=-1) for layer in self.gate_layers)

    def call(self, inputs):
        stacked = ops.stack([layer(inputs) for layer in self.expert_layers], axis=-2)  # (batch, experts, units)
        return tuple(ops.sum(ops.expand_dims(gate, axis=-1) * stacked, axis=-2) for gate in self.gate_weights(inputs))


def task_gradient_cosine(model, inputs, targets, shared_variables):
    flat = []
    with tf.GradientTape(persistent=True) as tape:
        outputs = model(inputs)
        losses = [ops.mean((ops.ravel(outputs[t]) - ops.ravel(ops.convert_to_tensor(targets[t], "float32"))) ** 2)
                  for t in (0, 1)]
    for loss in losses:
        grads = tape.gradient(loss, shared_variables)
        flat.append(ops.concatenate([ops.ravel(ops.zeros_like(v) if g is None else g)
                                     for v, g in zip(shared_variables, grads)]))
    dot = ops.sum(flat[0] * flat[1])
    norm = ops.sqrt(ops.sum(flat[0] ** 2)) * ops.sqrt(ops.sum(flat[1] ** 2))
    return float(dot / ops.maximum(norm, 1e-12))
