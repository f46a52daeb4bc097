"""A correct answer in another style: MMoE subclasses keras.Model (a Model is a Layer), keeps its experts
and gates in dicts, returns a tuple, mixes with a Python loop over the experts; task_gradient_cosine uses
one tape per task and float64 numpy for the cosine."""
import keras
import numpy as np
import tensorflow as tf


class MMoE(keras.Model):
    def __init__(self, num_experts, expert_units, num_tasks, **kwargs):
        super().__init__(**kwargs)
        self.num_experts = num_experts
        self.expert_units = expert_units
        self.num_tasks = num_tasks
        self.expert_by_name = {f"expert{e}": keras.layers.Dense(expert_units, activation="relu")
                               for e in range(num_experts)}
        self.gate_by_name = {f"task{t}": keras.layers.Dense(num_experts, activation="softmax")
                             for t in range(num_tasks)}

    def build(self, input_shape):
        for layer in [*self.expert_by_name.values(), *self.gate_by_name.values()]:
            layer.build(input_shape)

    def gate_weights(self, inputs):
        return [self.gate_by_name[f"task{t}"](inputs) for t in range(self.num_tasks)]

    def call(self, inputs):
        expert_outputs = [self.expert_by_name[f"expert{e}"](inputs) for e in range(self.num_experts)]
        mixtures = []
        for gate in self.gate_weights(inputs):  # (batch, num_experts)
            mixture = 0.0
            for e, expert_output in enumerate(expert_outputs):  # (batch, expert_units)
                mixture = mixture + gate[:, e:e + 1] * expert_output
            mixtures.append(mixture)
        return tuple(mixtures)

    def get_config(self):
        config = super().get_config()
        config.update({"num_experts": self.num_experts, "expert_units": self.expert_units,
                       "num_tasks": self.num_tasks})
        return config


def task_gradient_cosine(model, inputs, targets, shared_variables):
    vectors = []
    for task in (0, 1):
        label = tf.reshape(tf.convert_to_tensor(np.asarray(targets[task]), tf.float32), [-1])
        with tf.GradientTape() as tape:
            prediction = tf.reshape(model(inputs, training=False)[task], [-1])
            loss = tf.reduce_mean((prediction - label) ** 2)
        pieces = tape.gradient(loss, shared_variables)
        vectors.append(np.concatenate([np.zeros(int(np.prod(v.shape))) if g is None
                                       else np.asarray(g, dtype=np.float64).ravel()
                                       for v, g in zip(shared_variables, pieces)]))
    norm_product = np.linalg.norm(vectors[0]) * np.linalg.norm(vectors[1])
    if norm_product == 0.0:
        return 0.0
    return float(np.clip(vectors[0] @ vectors[1] / norm_product, -1.0, 1.0))
