"""Helpers for the challenges lesson (notebook 04): the MMoE paper's synthetic sweep trained as
replicas, the tasks' gradients on the shared layers, and the serving cost of multi-task models.

The sweep trains three architectures (shared bottom, MMoE, two separate models) on every pair
(task correlation, seed): dozens of small trainings. Keras traces a model's training step once per
model (about a second of CPU each) and then spends a few milliseconds per step on tiny layers, so
dozens of ordinary models would not fit in the notebook's minute. Here every weight has a leading
*replica* axis instead: one model holds R independent copies of an architecture, replica r sees only
data set r (inputs of shape (batch, R, input_dim)), and nothing is shared between replicas. The
compiled loss is the SUM over replicas of each replica's own loss (the sum of its two tasks' mean
squared errors, what an ordinary two-output Keras model compiled with loss="mse" minimises), so the
gradient on replica r's weights is exactly that replica's own gradient, and Adam, which updates each
weight from its own gradient's running moments, takes exactly the steps R separate trainings would
take on the same batches. The notebook checks one replica against an ordinary Keras model
(`plain_shared_bottom`).
"""

from __future__ import annotations

import time

import numpy as np

import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras
import tensorflow as tf
from keras import layers, ops

from mtlrec import experiments
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


def replica_squared_error(y_true, y_pred):
    """Per sample, the sum over replicas and tasks of the squared errors: (batch, R, tasks) -> (batch,).

    Keras averages it over the batch, so each replica's part is the sum of its tasks' mean squared
    errors and its gradient is the replica's own (no 1/R factor)."""
    return ops.sum(ops.square(y_true - y_pred), axis=(1, 2))


def build_replicas(kind: str, num_replicas: int, input_dim: int, *, shared_units: int = 16,
                   num_experts: int = 4, expert_units: int = 4, learning_rate: float = 1e-2,
                   steps_per_execution: int = 1) -> keras.Model:
    """R independent two-task regressors of one kind, compiled; (batch, R, d) -> (batch, R, 2).

    "shared bottom": Dense(shared_units, relu) shared by both tasks' linear heads;
    "MMoE": num_experts relu experts of expert_units and one softmax gate per task;
    "separate": one Dense(shared_units, relu) per task (two single-task models).
    Each task's head is a linear Dense(1): the shared part does all the non-linear work, so the
    tasks must agree inside it (the setting where negative transfer can show).
    steps_per_execution: training steps per call of the traced step (fewer Python round trips; the
    steps and their results are the same).
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
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=replica_squared_error,
                  steps_per_execution=steps_per_execution)
    return model


def share_initial_weights(model: keras.Model, replicas) -> None:
    """Give every replica the initial weights of the first replica with the same seed (in place).

    replicas: the list of dicts from sweep_data. Afterwards the replicas of one seed differ only in
    their data's task correlation, so a comparison across correlations, paired by seed, holds the
    inputs, the sine terms, the noise and the initial weights fixed."""
    first = {}
    for index, info in enumerate(replicas):
        first.setdefault(info["seed"], index)
    source = np.array([first[info["seed"]] for info in replicas])  # (R,)
    for variable in model.weights:
        variable.assign(np.asarray(variable)[source])


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


def by_seed_summary(results):
    """Per model and seed: test nMSE at p = 1, mean test nMSE over the correlations p < 1, and their
    difference "rise" (what a model loses as the tasks drift apart); from run_sweep's results."""
    import pandas as pd

    wide = results.pivot_table(index=["model", "seed"], columns="task_correlation", values="test_nmse")
    summary = pd.DataFrame({"nmse, p = 1": wide[1.0], "nmse, p < 1": wide.drop(columns=1.0).mean(axis=1)})
    summary["rise"] = summary["nmse, p < 1"] - summary["nmse, p = 1"]
    return summary.reset_index()


def compare_at(results, task_correlation: float, candidate: str, baseline: str) -> experiments.Comparison:
    """Two models' test nMSE at one task correlation, paired by seed (lower is better)."""
    rows = results[results.task_correlation == task_correlation]
    metric = f"test nMSE at p = {task_correlation}"
    return experiments.compare(rows.rename(columns={"test_nmse": metric}), metric, candidate, baseline,
                               higher_is_better=False)


def rise_comparison(summary, kind: str) -> experiments.Comparison:
    """One model against itself, paired by seed: test nMSE at p < 1 (mean) minus at p = 1."""
    mine = summary[summary.model == kind]
    return experiments.paired(mine["nmse, p < 1"], mine["nmse, p = 1"], metric="test nMSE",
                              candidate=f"{kind} at p < 1", baseline=f"{kind} at p = 1", higher_is_better=False)


def replica_task_gradients(model: keras.Model, x, y, shared_layer: str = "shared") -> dict[str, np.ndarray]:
    """Per replica, the two tasks' MSE gradients on the shared layer, summarised (notebook 04).

    Returns {name: array (R,)}: "gradient_cosine" = cos(g_1, g_2); "task_1_norm", "task_2_norm" =
    |g_1|, |g_2|; "summed_norm" = |g_1 + g_2| (the shared part of the gradient a training step
    follows). The shared weights are the shared layer's variables except MMoE's gates (each gate
    belongs to one task). The replicas share nothing, so the gradient of the sum of the replicas'
    losses on replica r's slice of a weight is replica r's own gradient (the notebook checks one
    replica against ex04's task_gradient_cosine on an ordinary model).
    """
    variables = [v for v in model.get_layer(shared_layer).trainable_variables if "gate" not in v.path]
    with tf.GradientTape(persistent=True) as tape:
        predictions = model(x, training=False)  # (n, R, 2)
        losses = [ops.sum(ops.mean(ops.square(predictions[..., t] - y[..., t]), axis=0)) for t in range(2)]
    vectors = []
    for loss in losses:
        gradients = tape.gradient(loss, variables)  # every shared weight is reached by both tasks here
        replicas = int(gradients[0].shape[0])
        vectors.append(np.concatenate([np.reshape(np.asarray(g, dtype=np.float64), (replicas, -1))
                                       for g in gradients], axis=1))
    del tape
    first, second = vectors  # (R, num_shared_weights)
    first_norm, second_norm = np.linalg.norm(first, axis=1), np.linalg.norm(second, axis=1)
    cosine = (first * second).sum(axis=1) / np.maximum(first_norm * second_norm, 1e-30)
    return {"gradient_cosine": cosine, "task_1_norm": first_norm, "task_2_norm": second_norm,
            "summed_norm": np.linalg.norm(first + second, axis=1)}


def replica_gradient_cosines(model: keras.Model, x, y, shared_layer: str = "shared") -> np.ndarray:
    """(R,): per replica, the cosine between task 0's and task 1's MSE gradients on the shared layer."""
    return replica_task_gradients(model, x, y, shared_layer)["gradient_cosine"]


def mean_interval(values) -> tuple[float, float, float]:
    """(mean, low, high): the mean over seeds with its 95 % t-interval (the rule of mtlrec.experiments,
    applied to one quantity rather than a paired difference)."""
    values = np.asarray(values, dtype=float)
    mean = float(values.mean())
    half_width = experiments.t_quantile_975(values.size - 1) * float(values.std(ddof=1)) / np.sqrt(values.size)
    return mean, mean - half_width, mean + half_width


def interval_table(frame, rows, columns, value: str, digits: int = 2):
    """A table of 'mean [low, high]' strings (95 % t-interval over the seeds in each cell)."""
    def describe(values):
        mean, low, high = mean_interval(values)
        return f"{mean:+.{digits}f} [{low:+.{digits}f}, {high:+.{digits}f}]"
    return frame.groupby(list(rows) + list(columns))[value].agg(describe).unstack(list(columns))


class GradientLog(keras.callbacks.Callback):
    """Record replica_task_gradients on fixed data at the end of chosen epochs (notebook 04).

    rows: a list of (epoch, {name: array (R,)}), one entry per recorded epoch."""

    def __init__(self, x, y, epochs):
        super().__init__()
        self.x, self.y, self.epochs, self.rows = x, y, set(epochs), []

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 in self.epochs:
            self.rows.append((epoch + 1, replica_task_gradients(self.model, self.x, self.y)))


def run_sweep(x_train, y_train, x_test, y_test, replicas, *, epochs: int, batch_size: int,
              learning_rate: float, gradient_epochs=(), kinds=KINDS, initial_seed: int = 0, report=print):
    """Train every kind of model on every replica of sweep_data's output (notebook 04, bench/mmoe_sweep.py).

    Each kind is one replica model: built under keras.utils.set_random_seed(initial_seed), the replicas
    of one seed given the same initial weights (share_initial_weights), trained with one `fit`.
    gradient_epochs: epochs at whose end replica_task_gradients is recorded on all training samples
    (not for "separate", which shares nothing).
    Returns (results, gradients, models): a DataFrame with one row per kind and replica (model,
    task_correlation, seed, test_nmse = mean of the two tasks' nMSE, task_1_nmse, task_2_nmse), a
    DataFrame with one row per kind, recorded epoch and replica (the gradient statistics), and
    {kind: trained replica model}.
    """
    import pandas as pd

    results, gradients, models = [], [], {}
    for kind in kinds:
        keras.utils.set_random_seed(initial_seed)  # each replica draws its own initial weights from this stream ...
        model = build_replicas(kind, len(replicas), int(x_train.shape[-1]), learning_rate=learning_rate,
                               steps_per_execution=-(-len(x_train) // batch_size))  # one call per epoch
        share_initial_weights(model, replicas)  # ... and the replicas of one seed start alike
        log = GradientLog(x_train, y_train, gradient_epochs if kind != "separate" else ())
        start = time.perf_counter()
        model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size, verbose=0, callbacks=[log])
        seconds = time.perf_counter() - start
        nmse = normalized_mse(model, x_test, y_test)  # (replicas, tasks)
        for replica, info in enumerate(replicas):
            results.append({"model": kind, "task_correlation": info["task_correlation"], "seed": info["seed"],
                            "test_nmse": float(nmse[replica].mean()), "task_1_nmse": float(nmse[replica, 0]),
                            "task_2_nmse": float(nmse[replica, 1])})
        for epoch, stats in log.rows:
            for replica, info in enumerate(replicas):
                gradients.append({"model": kind, "epoch": epoch, "task_correlation": info["task_correlation"],
                                  "seed": info["seed"], **{name: float(values[replica]) for name, values in stats.items()}})
        models[kind] = model
        if report is not None:
            report(f"{kind:>13}: {parameters_per_replica(model)} parameters per replica, "
                   f"{len(replicas)} replicas trained in {seconds:.1f} s")
    return pd.DataFrame(results), pd.DataFrame(gradients), models


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


# --- serving cost (notebook 04, section 7) -------------------------------------------------------

def _mlp(inputs, widths, name):
    """Dense(relu) layers of the given widths on `inputs`."""
    hidden = inputs
    for index, width in enumerate(widths):
        hidden = layers.Dense(width, activation="relu", name=f"{name}_{index}")(hidden)
    return hidden


def serving_setups(mmoe_layer, *, num_tasks: int, input_dim: int, bottom_widths, tower_widths,
                   num_experts: int, expert_units: int) -> dict[str, list[keras.Model]]:
    """Three ways to score num_tasks tasks for a batch of candidates, as {setup name: [models]}.

    - num_tasks single-task models: bottom MLP, tower MLP, Dense(1) each;
    - one shared bottom: one bottom MLP, then num_tasks towers;
    - one MMoE (mmoe_layer(num_experts, expert_units, num_tasks), the exercise's layer), then
      num_tasks towers.
    Every model maps (candidates, input_dim) features to one score per task; untrained weights, since
    the cost of a dense layer does not depend on the values of its weights.
    """
    def tower(hidden, task):
        return layers.Dense(1, name=f"score_{task}")(_mlp(hidden, tower_widths, f"tower_{task}"))

    def single_task(task):
        inputs = keras.Input((input_dim,))
        return keras.Model(inputs, tower(_mlp(inputs, bottom_widths, "bottom"), task), name=f"single_task_{task}")

    inputs = keras.Input((input_dim,))
    bottom = _mlp(inputs, bottom_widths, "bottom")
    shared_bottom = keras.Model(inputs, [tower(bottom, t) for t in range(num_tasks)], name="shared_bottom")
    inputs = keras.Input((input_dim,))
    per_task = mmoe_layer(num_experts, expert_units, num_tasks)(inputs)  # num_tasks x (batch, expert_units)
    mmoe = keras.Model(inputs, [tower(h, t) for t, h in enumerate(per_task)], name="mmoe")
    return {f"{num_tasks} single-task models": [single_task(t) for t in range(num_tasks)],
            "1 shared bottom": [shared_bottom], "1 MMoE": [mmoe]}


def multiply_adds_per_example(models) -> int:
    """Multiply-adds to score one example with every model in `models`, counted from the weights.

    Every weight matrix (a variable with 2 or more axes: Dense kernels, and MMoE's experts and gates
    however they are stored) is applied once per example, costing one multiply-add per entry; an MMoE
    layer also mixes its experts, num_tasks * num_experts * expert_units multiply-adds (read from its
    config). Biases and activations (one add or max per unit) are left out."""
    total = 0
    for model in models:
        total += sum(int(np.prod(v.shape)) for v in model.weights if len(v.shape) >= 2)
        for layer in model.layers:
            config = layer.get_config()
            if {"num_experts", "expert_units", "num_tasks"} <= set(config):
                total += int(config["num_tasks"]) * int(config["num_experts"]) * int(config["expert_units"])
    return total


def serving_function(model: keras.Model, input_dim: int):
    """model(x, training=False) as one traced TensorFlow function (what a model server runs), returning
    numpy arrays so the call has finished when it returns."""
    traced = tf.function(lambda x: model(x, training=False),
                         input_signature=[tf.TensorSpec((None, input_dim), tf.float32)])

    def serve(x):
        outputs = traced(x)
        return [np.asarray(o) for o in (outputs if isinstance(outputs, (list, tuple)) else [outputs])]
    return serve


def interleaved_latencies(setups, request, *, rounds: int, best_of: int = 1, warmup: int = 3, seed: int = 0):
    """Wall-clock milliseconds to score `request` with each setup, measured in interleaved rounds.

    setups: {name: [serving functions]}; a setup's time is that of calling all its functions one after
    the other (separate models are separate calls). Each setup is first called `warmup` times (tracing,
    caches); then in each round every setup is timed, in a seeded random order, so that a slow moment
    of a shared machine hits all setups alike and rounds can be paired. A round's time for a setup is
    the fastest of `best_of` consecutive calls: other processes can only add time to a call, so the
    fastest is the least disturbed.
    Returns a list of dicts {round, setup, milliseconds}.
    """
    for functions in setups.values():
        for _ in range(warmup):
            for serve in functions:
                serve(request)
    order = np.random.default_rng(seed)
    names, rows = list(setups), []
    for round_index in range(rounds):
        for name in order.permutation(names):
            seconds = []
            for _ in range(best_of):
                start = time.perf_counter()
                for serve in setups[name]:
                    serve(request)
                seconds.append(time.perf_counter() - start)
            rows.append({"round": round_index, "setup": str(name), "milliseconds": 1000.0 * min(seconds)})
    return rows
