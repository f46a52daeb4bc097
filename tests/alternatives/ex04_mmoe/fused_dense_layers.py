"""A correct answer in another style: all experts in ONE Dense(num_experts * expert_units, relu) reshaped to
(batch, num_experts, expert_units) (each expert still has its own columns of weights), all gates in one
Dense(num_tasks * num_experts) reshaped to (batch, num_tasks, num_experts) with a softmax over the last axis;
task_gradient_cosine with keras.ops and a float32 result, the labels reshaped like the predictions."""
import tensorflow as tf
from keras import layers, ops


class MMoE(layers.Layer):
    def __init__(self, num_experts, expert_units, num_tasks, **kwargs):
        super().__init__(**kwargs)
        self.num_experts, self.expert_units, self.num_tasks = num_experts, expert_units, num_tasks
        self.all_experts = layers.Dense(num_experts * expert_units, activation="relu")
        self.all_gate_logits = layers.Dense(num_tasks * num_experts)

    def gate_weights(self, inputs):
        logits = ops.reshape(self.all_gate_logits(inputs), (-1, self.num_tasks, self.num_experts))
        gates = ops.softmax(logits, axis=-1)  # (batch, num_tasks, num_experts)
        return list(ops.unstack(gates, num=self.num_tasks, axis=1))

    def call(self, inputs):
        experts = ops.reshape(self.all_experts(inputs), (-1, self.num_experts, self.expert_units))
        return [ops.matmul(ops.expand_dims(gate, 1), experts)[:, 0, :] for gate in self.gate_weights(inputs)]

    def get_config(self):
        return dict(super().get_config(), num_experts=self.num_experts, expert_units=self.expert_units,
                    num_tasks=self.num_tasks)


def task_gradient_cosine(model, inputs, targets, shared_variables):
    with tf.GradientTape(persistent=True) as tape:
        predictions = model(inputs, training=False)
        losses = [ops.mean(ops.square(ops.reshape(ops.cast(targets[t], "float32"), ops.shape(predictions[t]))
                                      - predictions[t])) for t in range(2)]
    flat = []
    for loss in losses:
        gradients = tape.gradient(loss, shared_variables)
        flat.append(ops.concatenate([ops.reshape(ops.zeros(v.shape) if g is None else g, (-1,))
                                     for v, g in zip(shared_variables, gradients)], axis=0))
    norms = ops.norm(flat[0]) * ops.norm(flat[1])
    return float(ops.where(norms > 0, ops.sum(flat[0] * flat[1]) / ops.where(norms > 0, norms, 1.0), 0.0))
