"""A correct answer in another style: tensorflow.keras imports, raw add_weight kernels combined with
einsum (all experts in one tensor), a registered class, a tensor-per-task gate stack."""
import numpy as np
import tensorflow as tf
from tensorflow import keras


@keras.utils.register_keras_serializable(package="alternative")
class MMoE(keras.layers.Layer):
    def __init__(self, num_experts, expert_units, num_tasks, **kwargs):
        super().__init__(**kwargs)
        self.num_experts = num_experts
        self.expert_units = expert_units
        self.num_tasks = num_tasks

    def build(self, input_shape):
        input_dim = input_shape[-1]
        self.expert_kernel = self.add_weight(name="expert_kernel", shape=(input_dim, self.num_experts, self.expert_units),
                                             initializer="glorot_uniform")
        self.expert_bias = self.add_weight(name="expert_bias", shape=(self.num_experts, self.expert_units),
                                           initializer="zeros")
        self.gate_kernel = self.add_weight(name="gate_kernel", shape=(self.num_tasks, input_dim, self.num_experts),
                                           initializer="glorot_uniform")
        self.gate_bias = self.add_weight(name="gate_bias", shape=(self.num_tasks, self.num_experts),
                                         initializer="zeros")

    def _gates(self, inputs):
        logits = keras.ops.einsum("bd,tde->bte", inputs, self.gate_kernel) + self.gate_bias
        return keras.ops.softmax(logits, axis=-1)  # (batch, tasks, experts)

    def gate_weights(self, inputs):
        gates = self._gates(inputs)
        return [gates[:, t, :] for t in range(self.num_tasks)]

    def call(self, inputs):
        experts = keras.ops.relu(keras.ops.einsum("bd,deu->beu", inputs, self.expert_kernel) + self.expert_bias)
        mixed = keras.ops.einsum("bte,beu->btu", self._gates(inputs), experts)
        return [mixed[:, t, :] for t in range(self.num_tasks)]

    def get_config(self):
        return {**super().get_config(), "num_experts": self.num_experts,
                "expert_units": self.expert_units, "num_tasks": self.num_tasks}


def task_gradient_cosine(model, inputs, targets, shared_variables):
    loss_function = keras.losses.MeanSquaredError()
    gradient_vectors = []
    for task in range(2):
        with tf.GradientTape() as tape:
            prediction = model(inputs, training=False)[task]
            loss = loss_function(np.reshape(targets[task], (-1, 1)).astype("float32"),
                                 keras.ops.reshape(prediction, (-1, 1)))
        pieces = tape.gradient(loss, shared_variables)
        gradient_vectors.append(np.concatenate([
            np.zeros(np.prod(variable.shape)) if piece is None else piece.numpy().ravel()
            for variable, piece in zip(shared_variables, pieces)]))
    first, second = gradient_vectors
    denominator = np.sqrt((first ** 2).sum() * (second ** 2).sum())
    return np.float64(0.0) if denominator == 0 else np.dot(first, second) / denominator
