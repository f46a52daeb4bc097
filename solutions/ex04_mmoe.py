"""Challenges (notebook 04): a Multi-gate Mixture-of-Experts layer, and the cosine between two tasks'
gradients on shared weights (how much the tasks pull the shared layers in the same direction).

Reference solution. The stub with the same functions is exercises/ex04_mmoe.py.
"""

import numpy as np

import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras
import tensorflow as tf
from keras import layers, ops


class MMoE(layers.Layer):
    """Multi-gate Mixture-of-Experts (Ma et al., KDD 2018): shared experts, one softmax gate per task.

    Expert e is a Dense(expert_units, relu) layer on the input; the gate of task t is a
    Dense(num_experts, softmax) layer on the same input, so its weights g_t(x) are non-negative and sum
    to one over the experts; the output of task t is the gate-weighted sum of the experts' outputs:

        output_t(x) = sum_e g_t(x)[e] * expert_e(x)

    Each task's tower (not part of this layer) then sits on its own output. With num_experts=1 every
    gate is 1 and the layer is a plain shared bottom; with one expert per task and gates that pick
    "their" expert it is two separate models.

    Constructor: MMoE(num_experts, expert_units, num_tasks, **kwargs); kwargs (name=..., trainable=...,
    dtype=...) go to keras.layers.Layer.

    Call: layer(inputs) with inputs of shape (batch, input_dim), for any input_dim (the weights are
    made from the input shape), returns a Python list of num_tasks tensors, each of shape
    (batch, expert_units), task 0 first.

    Gates: layer.gate_weights(inputs), on a built layer (one that has been called once), returns a
    list of num_tasks tensors of shape (batch, num_experts): the very gate weights `call` uses, each
    row non-negative and summing to one.

    Saving: get_config() returns the three constructor arguments (with the base config), so that
    model.save("model.keras") followed by
    keras.models.load_model("model.keras", custom_objects={"MMoE": MMoE}) rebuilds the model and gives
    identical predictions. We pass custom_objects rather than decorating the class with
    @keras.saving.register_keras_serializable(): a registration is global, and the grader and the
    notebook import several copies of this class (yours, the reference), which would overwrite one
    another under one registered name. (Registering works too; the checks load either way.)

    TODO:
        1. __init__: call super().__init__(**kwargs); keep num_experts, expert_units, num_tasks; create
           the num_experts expert layers and the num_tasks gate layers (not in call: weights made in
           call would be new, untrained ones at every call).
        2. build(input_shape): build every expert and gate with input_shape.
        3. gate_weights(inputs): apply each task's gate to the inputs; return the list.
        4. call(inputs): stack the experts' outputs to (batch, num_experts, expert_units); for each
           task, weight them by its gate (batch, num_experts) and sum over the expert axis.
        5. get_config(): the base config updated with the three constructor arguments.

    Hints:
        1. self.experts = [layers.Dense(expert_units, activation="relu") for _ in range(num_experts)]
           and self.gates = [layers.Dense(num_experts, activation="softmax") for _ in range(num_tasks)]:
           one gate PER TASK (one gate for all tasks is the original MoE, not MMoE). Keras tracks layers
           kept in a list attribute, so their weights are saved and trained.
        2. The softmax must run over the experts, the last axis: each sample's weights sum to one.
           A sigmoid gives weights that do not sum to one; a softmax over axis 0 mixes the batch.
        3. experts = ops.stack([expert(inputs) for expert in self.experts], axis=1)
           # (batch, num_experts, expert_units); then for a gate (batch, num_experts):
           ops.sum(ops.expand_dims(gate, -1) * experts, axis=1)  # (batch, expert_units)
           or ops.einsum("be,beu->bu", gate, experts).
        4. get_config: config = super().get_config(); config.update(num_experts=..., expert_units=...,
           num_tasks=...); return config. Keras calls MMoE(**config) when it loads the model.
    """

    def __init__(self, num_experts, expert_units, num_tasks, **kwargs):
        """Keep the sizes and create the expert and gate layers (see the class docstring)."""
        super().__init__(**kwargs)
        self.num_experts = int(num_experts)
        self.expert_units = int(expert_units)
        self.num_tasks = int(num_tasks)
        self.experts = [layers.Dense(self.expert_units, activation="relu", name=f"expert_{e}")
                        for e in range(self.num_experts)]
        self.gates = [layers.Dense(self.num_experts, activation="softmax", name=f"gate_{t}")
                      for t in range(self.num_tasks)]

    def build(self, input_shape):
        """Build every expert and gate for inputs of shape (batch, input_dim)."""
        for sublayer in self.experts + self.gates:
            sublayer.build(input_shape)
        self.built = True

    def gate_weights(self, inputs):
        """List of num_tasks tensors (batch, num_experts); each row is non-negative and sums to one."""
        return [gate(inputs) for gate in self.gates]

    def call(self, inputs):
        """List of num_tasks tensors (batch, expert_units): each task's gate-weighted sum of the experts."""
        experts = ops.stack([expert(inputs) for expert in self.experts], axis=1)  # (batch, num_experts, expert_units)
        outputs = []
        for gate in self.gate_weights(inputs):  # gate: (batch, num_experts)
            outputs.append(ops.einsum("be,beu->bu", gate, experts))  # (batch, expert_units)
        return outputs

    def get_config(self):
        """The base config plus num_experts, expert_units and num_tasks (for the .keras round trip)."""
        config = super().get_config()
        config.update(num_experts=self.num_experts, expert_units=self.expert_units, num_tasks=self.num_tasks)
        return config


def task_gradient_cosine(model, inputs, targets, shared_variables):
    """Cosine between two tasks' loss gradients on the shared variables (gradient conflict, notebook 04).

    Task t's loss is its mean squared error L_t = mean over the batch of (y_t - prediction_t)^2, and
    g_t is the gradient of L_t with respect to all the shared variables, each flattened and the pieces
    concatenated (in the order given) into one long vector. The result is

        cos(g_0, g_1) = g_0 . g_1 / (|g_0| |g_1|)

    +1: the tasks push the shared weights the same way; 0: unrelated directions; below 0: a step that
    helps one task hurts the other (a conflict). A shared variable that a task does not reach has a
    zero gradient for that task (tape.gradient gives None there: count it as zeros).

    Args:
        model: a Keras model; model(inputs, training=False) returns a list (or tuple) of two task
            predictions, each of shape (batch, 1) or (batch,).
        inputs: what the model takes, e.g. a float array (batch, input_dim).
        targets: a list of two arrays, the labels of task 0 and task 1, each (batch,) or (batch, 1);
            float or integer (e.g. 0/1 clicks: cast them to float32).
        shared_variables: the variables both tasks share, e.g. shared_layer.trainable_variables (a
            list of Keras variables of any shapes).

    Returns:
        A Python float in [-1, 1]; 0.0 when either gradient is all zeros.

    TODO:
        1. Under one tf.GradientTape(persistent=True), run the model and compute both losses (as
           float32, with the labels reshaped like the predictions).
        2. Take each loss's gradient with respect to shared_variables (None -> zeros) and flatten and
           concatenate each task's pieces into one vector.
        3. Return the dot product divided by the product of the two norms.

    Hints:
        1. Reshape both to (batch,) before subtracting: (batch, 1) minus (batch,) broadcasts to
           (batch, batch) and gives a wrong loss without any error.
        2. The two gradients must come from the two losses SEPARATELY: the gradient of L_0 + L_1 is
           the one vector a training step uses, and its cosine with itself is always 1. A persistent
           tape lets you call tape.gradient twice.
        3. gradients = tape.gradient(loss, shared_variables) has None for a variable the loss does
           not reach: replace it with tf.zeros(variable.shape). (tape.gradient's
           unconnected_gradients=tf.UnconnectedGradients.ZERO fails on Keras 3 variables there.)
           tf.concat([tf.reshape(g, [-1]) for g in gradients], axis=0) makes one vector.
        4. Only the variables passed in count: the towers' weights are task-specific and are left out.
    """
    with tf.GradientTape(persistent=True) as tape:
        predictions = model(inputs, training=False)
        losses = []
        for prediction, target in zip(predictions, targets):
            prediction = tf.reshape(tf.cast(prediction, tf.float32), [-1])  # (batch,)
            target = tf.reshape(tf.cast(target, tf.float32), [-1])  # (batch,)
            losses.append(tf.reduce_mean(tf.square(target - prediction)))
    vectors = []
    for loss in losses[:2]:
        gradients = tape.gradient(loss, list(shared_variables))
        gradients = [tf.zeros(v.shape) if g is None else g for v, g in zip(shared_variables, gradients)]
        vectors.append(tf.concat([tf.reshape(g, [-1]) for g in gradients], axis=0))  # (num_shared_weights,)
    del tape
    first, second = (np.asarray(v, dtype=np.float64) for v in vectors)
    norms = np.linalg.norm(first) * np.linalg.norm(second)
    return float(first @ second / norms) if norms > 0 else 0.0
