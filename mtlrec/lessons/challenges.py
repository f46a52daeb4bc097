"""Helpers for notebook 04 (challenges): the MMoE paper's synthetic sweep, trained as replicas.

The sweep trains three architectures (shared bottom, MMoE, two separate models) on every pair
(task correlation, seed): dozens of small trainings. Keras traces a model's training step once per
model (about a second of CPU each) and then spends a few milliseconds per step on tiny layers, so
dozens of ordinary models would not fit in the notebook's minute. Here every weight has a leading
*replica* axis instead: one model holds R independent copies of an architecture, replica r sees only
data set r (inputs of shape (batch, R, input_dim)), and nothing is shared between replicas. The loss
is the mean over replicas and tasks; its gradient on replica r's weights is that replica's own
gradient divided by a constant, and Adam's steps do not depend on that constant (it updates each
weight from its own gradient's running moments), so one `fit` performs R independent trainings.
The notebook checks this on one replica against an ordinary Keras model (`plain_shared_bottom`).
"""

from __future__ import annotations

import time

import numpy as np

import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras
import tensorflow as tf
from keras import layers, ops

from mtlrec.data import make_mmoe_tasks

KINDS = ("shared bottom", "MMoE", "separate")  # the three architectures of the sweep


def _glorot(fan_in: int, fan_out: int):
    """Glorot-uniform limits of an ordinary (fan_in, fan_out) Dense kernel, for one replica's slice."""
    limit = float(np.sqrt(6.0 / (fan_in + fan_out)))
    return keras.initializers.RandomUniform(-limit, limit)


class ReplicaDense(layers.Layer):
    """Dense layer with one independent kernel per replica: (batch, R, d) -> (batch, R, units)."""

    def __init__(self, num_replicas, units, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.num_replicas, self.units = int(num_replicas), int(units)
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        input_dim = int(input_shape[-1])
        self.kernel = self.add_weight(shape=(self.num_replicas, input_dim, self.units),
                                      initializer=_glorot(input_dim, self.units), name="kernel")
        self.bias = self.add_weight(shape=(self.num_replicas, self.units), initializer="zeros", name="bias")

    def call(self, inputs):  # (batch, R, d)
        return self.activation(ops.einsum("brd,rdu->bru", inputs, self.kernel) + self.bias)  # (batch, R, units)


class ReplicaMMoE(layers.Layer):
    """MMoE (relu experts, one softmax gate per task) with independent weights per replica.

    (batch, R, d) -> list of num_tasks tensors (batch, R, expert_units); the same computation as the
    exercise's MMoE layer, once per replica.
    """

    def __init__(self, num_replicas, num_experts, expert_units, num_tasks, **kwargs):
        super().__init__(**kwargs)
        self.num_replicas, self.num_experts = int(num_replicas), int(num_experts)
        self.expert_units, self.num_tasks = int(expert_units), int(num_tasks)

    def build(self, input_shape):
        d, r = int(input_shape[-1]), self.num_replicas
        e, u, t = self.num_experts, self.expert_units, self.num_tasks
        self.expert_kernel = self.add_weight(shape=(r, d, e, u), initializer=_glorot(d, u), name="expert_kernel")
        self.expert_bias = self.add_weight(shape=(r, e, u), initializer="zeros", name="expert_bias")
        self.gate_kernel = self.add_weight(shape=(r, t, d, e), initializer=_glorot(d, e), name="gate_kernel")
        self.gate_bias = self.add_weight(shape=(r, t, e), initializer="zeros", name="gate_bias")

    def call(self, inputs):  # (batch, R, d)
        experts = ops.relu(ops.einsum("brd,rdeu->breu", inputs, self.expert_kernel) + self.expert_bias)
        gates = ops.softmax(ops.einsum("brd,rtde->brte", inputs, self.gate_kernel) + self.gate_bias, axis=-1)
        mixed = ops.einsum("brte,breu->brtu", gates, experts)  # (batch, R, tasks, expert_units)
        return [mixed[:, :, task, :] for task in range(self.num_tasks)]


def build_replicas(kind: str, num_replicas: int, input_dim: int, *, shared_units: int = 16,
                   num_experts: int = 4, expert_units: int = 4, learning_rate: float = 1e-2) -> keras.Model:
    """R independent two-task regressors of one kind, compiled; (batch, R, d) -> (batch, R, 2).

    "shared bottom": Dense(shared_units, relu) shared by both tasks' linear heads;
    "MMoE": num_experts relu experts of expert_units and one softmax gate per task;
    "separate": one Dense(shared_units, relu) per task (two single-task models).
    Each task's head is a linear Dense(1): the shared part does all the non-linear work, so the
    tasks must agree inside it (the setting where negative transfer can show).
    """
    inputs = keras.Input((num_replicas, input_dim), name="x")
    if kind == "shared bottom":
        hidden = ReplicaDense(num_replicas, shared_units, "relu", name="shared")(inputs)
        per_task = [hidden, hidden]
    elif kind == "MMoE":
        per_task = ReplicaMMoE(num_replicas, num_experts, expert_units, 2, name="shared")(inputs)
    elif kind == "separate":
        per_task = [ReplicaDense(num_replicas, shared_units, "relu", name=f"bottom_{t}")(inputs) for t in range(2)]
    else:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    heads = [ReplicaDense(num_replicas, 1, name=f"head_{t}")(h) for t, h in enumerate(per_task)]  # (batch, R, 1)
    model = keras.Model(inputs, layers.Concatenate(axis=-1)(heads), name=kind.replace(" ", "_"))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mse")
    return model


def parameters_per_replica(model: keras.Model) -> int:
    """Trainable parameters of one replica (the model holds num_replicas copies)."""
    replicas = int(model.inputs[0].shape[1])
    return int(sum(np.prod(v.shape) for v in model.trainable_variables)) // replicas


def sweep_data(correlations, seeds, *, num_train: int, num_test: int, input_dim: int):
    """Stack make_mmoe_tasks data sets, one replica per (correlation, seed), notebook 04.

    Returns (x_train, y_train, x_test, y_test, replicas): x (n, R, input_dim), y (n, R, 2) and a
    list of R dicts {task_correlation, seed, label_correlation} (Pearson r of y1 and y2, all samples).
    With one seed, every correlation shares the inputs, the sine terms and the noise draws: only the
    angle between the tasks' weight vectors changes.
    """
    xs, ys, replicas = [], [], []
    for p in correlations:
        for seed in seeds:
            x, y1, y2 = make_mmoe_tasks(num_train + num_test, p, input_dim=input_dim, seed=seed)
            xs.append(x)
            ys.append(np.stack([y1, y2], axis=-1))
            replicas.append({"task_correlation": float(p), "seed": int(seed),
                             "label_correlation": float(np.corrcoef(y1, y2)[0, 1])})
    x, y = np.stack(xs, axis=1), np.stack(ys, axis=1)  # (n, R, d), (n, R, 2)
    return x[:num_train], y[:num_train], x[num_train:], y[num_train:], replicas


def normalized_mse(model: keras.Model, x, y) -> np.ndarray:
    """(R, 2): each replica's and task's test MSE divided by that task's label variance (0 = perfect,
    1 = no better than predicting the mean)."""
    predictions = np.asarray(model(x, training=False))  # (n, R, 2)
    return ((predictions - y) ** 2).mean(axis=0) / y.var(axis=0)


def replica_gradient_cosines(model: keras.Model, x, y, shared_layer: str = "shared") -> np.ndarray:
    """(R,): per replica, the cosine between task 0's and task 1's MSE gradients on the shared layer.

    The shared weights are the shared layer's variables except MMoE's gates (each gate belongs to one
    task). The replicas share nothing, so the gradient of the sum of the replicas' losses on replica
    r's slice of a weight is replica r's own gradient (the notebook checks one replica against
    ex04's task_gradient_cosine on an ordinary model).
    """
    variables = [v for v in model.get_layer(shared_layer).trainable_variables if "gate" not in v.path]
    with tf.GradientTape(persistent=True) as tape:
        predictions = model(x, training=False)  # (n, R, 2)
        losses = [ops.sum(ops.mean(ops.square(predictions[..., t] - y[..., t]), axis=0)) for t in range(2)]
    vectors = []
    for loss in losses:
        gradients = tape.gradient(loss, variables)  # every shared weight is reached by both tasks here
        replicas = int(gradients[0].shape[0])
        vectors.append(np.concatenate([np.reshape(np.asarray(g), (replicas, -1)) for g in gradients], axis=1))
    del tape
    first, second = vectors  # (R, num_shared_weights)
    norms = np.linalg.norm(first, axis=1) * np.linalg.norm(second, axis=1)
    return (first * second).sum(axis=1) / np.maximum(norms, 1e-12)


class CosineLog(keras.callbacks.Callback):
    """Record replica_gradient_cosines on a fixed batch at the end of chosen epochs (notebook 04)."""

    def __init__(self, x, y, epochs):
        super().__init__()
        self.x, self.y, self.epochs, self.rows = x, y, set(epochs), []

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 in self.epochs:
            self.rows.append((epoch + 1, replica_gradient_cosines(self.model, self.x, self.y)))


def plain_shared_bottom(model: keras.Model, replica: int) -> tuple[keras.Model, list]:
    """Replica `replica` of a "shared bottom" replica model as an ordinary Keras model with the same
    weights: (batch, d) -> [task 0 (batch, 1), task 1 (batch, 1)]; also returns its shared variables."""
    shared, heads = model.get_layer("shared"), [model.get_layer(f"head_{t}") for t in range(2)]
    inputs = keras.Input((int(shared.kernel.shape[1]),))
    bottom = layers.Dense(shared.units, activation="relu")
    hidden = bottom(inputs)
    dense_heads = [layers.Dense(1) for _ in heads]
    plain = keras.Model(inputs, [head(hidden) for head in dense_heads])
    for source, target in [(shared, bottom)] + list(zip(heads, dense_heads)):
        target.set_weights([np.asarray(source.kernel)[replica], np.asarray(source.bias)[replica]])
    return plain, bottom.trainable_variables


def fastest_seconds(function, repeats: int = 10) -> float:
    """Fastest wall time of function() over `repeats` calls, after one warm-up call (notebook 04's cost
    table): the minimum is the least disturbed by other processes on a shared machine."""
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return float(np.min(times))
