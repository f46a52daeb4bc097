"""Helpers for lesson 09 (from MMoE to CGC/PLE, and the seesaw): expert models trained as replicas, the
MMoE paper's synthetic study, a conflicting task pair, gate utilisation, and a sparse top-k gate.

Replicas (the trick of notebook 04, mtlrec.lessons.challenges): one Keras model holds R independent
copies of an architecture, every weight with a leading replica axis; replica r sees only data set r
(inputs (batch, R, input_dim)), nothing is shared between replicas, and the loss is the SUM over
replicas of each replica's own loss, so Adam, which updates each weight from its own gradient, takes
exactly the steps R separate trainings would take on the same batches. Here several architectures
("kinds") also sit side by side in the one model, each with its own output columns, so one traced
training step trains every kind on every replica (`build_replicas`, `fit_replicas`, `train_replicas`);
`numpy_forward` recomputes one replica from its weights and the equations, as a check.

Every expert architecture here is one layer, `ReplicaCGC`, the exercise's CGC with a replica axis:
shared experts plus `num_task_experts` experts per task, each task's gate one softmax over the shared
experts and that task's own, and (optionally) a shared gate over every expert. MMoE is a CGC without
task experts, the one-gate MoE (OMoE) a CGC with one "task" whose output every tower reads, PLE two
CGC levels chained, the shared output of a level feeding the next level's shared experts.
"""

from __future__ import annotations

import time
import weakref

import numpy as np

import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras
import tensorflow as tf
from keras import layers, ops

from mtlrec import experiments
from mtlrec.data import make_mmoe_tasks
from mtlrec.lessons.challenges import _glorot, replica_squared_error, share_initial_weights

KINDS = ("single-task", "shared bottom", "OMoE", "MMoE", "CGC", "PLE")  # the architectures of this lesson


# ------------------------------------------------------------------------------------------ layers
# Inside a replica model every tensor is laid out (R, batch, features): each layer is then one batched
# matrix product over the replicas (about twice as fast as an einsum over (batch, R, features)).
class ReplicaAxisFirst(layers.Layer):
    """(batch, R, ...) <-> (R, batch, ...): swap the first two axes (the model's input and output)."""

    def call(self, inputs):
        return ops.swapaxes(inputs, 0, 1)

    def compute_output_shape(self, input_shape):
        return (input_shape[1], input_shape[0]) + tuple(input_shape[2:])


class ReplicaDense(layers.Layer):
    """A Dense layer per replica: (R, batch, d) -> (R, batch, units); kernel_fan_out sets the Glorot
    limits when the units are several experts' side by side (fan_out = one expert's units)."""

    def __init__(self, num_replicas, units, activation=None, kernel_fan_out=None, **kwargs):
        super().__init__(**kwargs)
        self.num_replicas, self.units = int(num_replicas), int(units)
        self.activation = keras.activations.get(activation)
        self.kernel_fan_out = int(kernel_fan_out or units)

    def build(self, input_shape):
        d = int(input_shape[-1])
        self.kernel = self.add_weight(shape=(self.num_replicas, d, self.units),
                                      initializer=_glorot(d, self.kernel_fan_out), name="kernel")
        self.bias = self.add_weight(shape=(self.num_replicas, 1, self.units), initializer="zeros", name="bias")

    def call(self, inputs):  # (R, batch, d)
        return self.activation(ops.matmul(inputs, self.kernel) + self.bias)  # (R, batch, units)


class ReplicaExperts(layers.Layer):
    """num_experts ReLU Dense experts per replica: (R, batch, d) -> (R, batch, num_experts, units)."""

    def __init__(self, num_replicas, num_experts, units, **kwargs):
        super().__init__(**kwargs)
        self.num_experts, self.units = int(num_experts), int(units)
        self.dense = ReplicaDense(num_replicas, self.num_experts * self.units, "relu", kernel_fan_out=self.units)

    def build(self, input_shape):
        self.dense.build(input_shape)

    def call(self, inputs):
        hidden = self.dense(inputs)  # (R, batch, num_experts * units)
        return ops.reshape(hidden, tuple(ops.shape(hidden)[:2]) + (self.num_experts, self.units))


class ReplicaGate(layers.Layer):
    """One softmax gate over num_experts per replica: (R, batch, d) -> (R, batch, num_experts)."""

    def __init__(self, num_replicas, num_experts, **kwargs):
        super().__init__(**kwargs)
        self.dense = ReplicaDense(num_replicas, num_experts)

    def build(self, input_shape):
        self.dense.build(input_shape)

    def call(self, inputs):
        return ops.softmax(self.dense(inputs), axis=-1)


class ReplicaCGC(layers.Layer):
    """CGC (customized gate control, Tang et al. 2020) with independent weights per replica.

    inputs: one tensor (R, batch, d), or a list of num_tasks + 1 tensors [task 0, ..., shared] (a
    previous PLE level's outputs). Task t's experts and gate read input t, the shared experts and the
    shared gate the last one. Returns num_tasks tensors (R, batch, expert_units), plus the shared
    output when shared_output=True. Gate columns: the shared experts first, then the task's own
    (the shared gate: shared, task 0's, task 1's, ...), as in the exercise.
    """

    def __init__(self, num_replicas, num_shared_experts, num_task_experts, expert_units, num_tasks,
                 shared_output=False, **kwargs):
        super().__init__(**kwargs)
        r, s, k = int(num_replicas), int(num_shared_experts), int(num_task_experts)
        self.num_replicas, self.num_shared_experts, self.num_task_experts = r, s, k
        self.expert_units, self.num_tasks, self.shared_output = int(expert_units), int(num_tasks), bool(shared_output)
        self.shared_experts = ReplicaExperts(r, s, self.expert_units, name="shared_experts") if s else None
        self.task_experts = [ReplicaExperts(r, k, self.expert_units, name=f"task_{t}_experts")
                             for t in range(self.num_tasks)] if k else []
        self.gates = [ReplicaGate(r, s + k, name=f"task_{t}_gate") for t in range(self.num_tasks)]
        self.shared_gate = ReplicaGate(r, s + self.num_tasks * k, name="shared_gate") if shared_output else None

    def _inputs(self, inputs):
        return list(inputs) if isinstance(inputs, (list, tuple)) else [inputs] * (self.num_tasks + 1)

    def build(self, input_shape):
        shapes = input_shape if isinstance(input_shape, (list, tuple)) and isinstance(input_shape[0], (list, tuple)) \
            else [input_shape] * (self.num_tasks + 1)
        if self.shared_experts is not None:
            self.shared_experts.build(shapes[-1])
        for t in range(self.num_tasks):
            if self.task_experts:
                self.task_experts[t].build(shapes[t])
            self.gates[t].build(shapes[t])
        if self.shared_gate is not None:
            self.shared_gate.build(shapes[-1])

    def gate_weights(self, inputs):
        """List of num_tasks (+1) tensors (R, batch, experts seen): the softmax weights call uses."""
        inputs = self._inputs(inputs)
        gates = [self.gates[t](inputs[t]) for t in range(self.num_tasks)]
        if self.shared_gate is not None:
            gates.append(self.shared_gate(inputs[-1]))
        return gates

    def call(self, inputs):
        inputs = self._inputs(inputs)
        shared = [self.shared_experts(inputs[-1])] if self.shared_experts is not None else []  # (R, batch, S, u)
        own = [self.task_experts[t](inputs[t]) for t in range(self.num_tasks)] if self.task_experts else []
        gates = self.gate_weights(inputs)
        outputs = []
        for t in range(self.num_tasks):
            experts = ops.concatenate(shared + ([own[t]] if own else []), axis=2)  # (R, batch, S + K, u)
            outputs.append(ops.sum(ops.expand_dims(gates[t], -1) * experts, axis=2))  # (R, batch, u)
        if self.shared_gate is not None:
            experts = ops.concatenate(shared + own, axis=2)  # (R, batch, S + T K, u)
            outputs.append(ops.sum(ops.expand_dims(gates[-1], -1) * experts, axis=2))
        return outputs


# ------------------------------------------------------------------------------------------ models
def prefix(kind: str) -> str:
    """The layer-name prefix of one kind inside a model holding several kinds side by side."""
    return kind.replace(" ", "_").replace("-", "_") + "__"


def _trunk(kind: str, x, r: int, num_tasks: int, name: str, *, bottom_units: int, num_experts: int,
           expert_units: int, num_shared_experts: int, num_task_experts: int, num_levels: int, **_):
    """The part of one kind under the towers: a list of num_tasks tensors (R, batch, width)."""
    if kind == "shared bottom":
        return [ReplicaDense(r, bottom_units, "relu", name=f"{name}bottom")(x)] * num_tasks
    if kind == "single-task":  # one bottom per task: num_tasks single-task models side by side
        return [ReplicaDense(r, bottom_units, "relu", name=f"{name}bottom_{t}")(x) for t in range(num_tasks)]
    if kind == "OMoE":
        return ReplicaCGC(r, num_experts, 0, expert_units, 1, name=f"{name}level_0")(x) * num_tasks
    if kind == "MMoE":
        return ReplicaCGC(r, num_experts, 0, expert_units, num_tasks, name=f"{name}level_0")(x)
    if kind in ("CGC", "PLE"):
        levels, hidden = (1 if kind == "CGC" else num_levels), x
        for level in range(levels):
            hidden = ReplicaCGC(r, num_shared_experts, num_task_experts, expert_units, num_tasks,
                                shared_output=level < levels - 1, name=f"{name}level_{level}")(hidden)
        return hidden
    raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")


def build_replicas(kinds, num_replicas: int, input_dim: int, *, num_tasks: int = 2, bottom_units: int = 16,
                   num_experts: int = 4, expert_units: int = 8, num_shared_experts: int = 2,
                   num_task_experts: int = 1, num_levels: int = 2, tower_units: int = 8,
                   learning_rate: float = 1e-2) -> keras.Model:
    """R independent replicas of several multi-task regressors side by side, compiled as one model.

    kinds (one name or a list): "single-task" (one Dense(bottom_units, relu) per task, each task its own
    model), "shared bottom" (one Dense(bottom_units, relu) for all tasks), "OMoE" (num_experts ReLU
    experts of expert_units, ONE softmax gate for all tasks), "MMoE" (the same experts, one softmax gate
    per task), "CGC" (num_shared_experts shared + num_task_experts per task, each task's gate over the
    shared and its own), "PLE" (num_levels such CGC levels chained). Every task of every kind has a
    tower Dense(tower_units, relu) -> Dense(1). (batch, R, d) -> (batch, R, len(kinds) * num_tasks),
    columns kind by kind, task by task. Nothing is shared between kinds or replicas, and the loss is the
    sum of every replica's and column's squared error, so each kind and replica trains as if alone.
    Layers are named prefix(kind) + "level_0", "tower_0", "head_0", ...
    """
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    sizes = {"bottom_units": bottom_units, "num_experts": num_experts, "expert_units": expert_units,
             "num_shared_experts": num_shared_experts, "num_task_experts": num_task_experts, "num_levels": num_levels}
    r = num_replicas
    inputs = keras.Input((r, input_dim), name="x")
    x = ReplicaAxisFirst(name="replicas_first")(inputs)  # (R, batch, d)
    heads = []
    for kind in kinds:
        name = prefix(kind)
        for t, hidden in enumerate(_trunk(kind, x, r, num_tasks, name, **sizes)):
            if tower_units:
                hidden = ReplicaDense(r, tower_units, "relu", name=f"{name}tower_{t}")(hidden)
            heads.append(ReplicaDense(r, 1, name=f"{name}head_{t}")(hidden))  # (R, batch, 1)
    joined = heads[0] if len(heads) == 1 else layers.Concatenate(axis=-1)(heads)  # (R, batch, columns)
    model = keras.Model(inputs, ReplicaAxisFirst(name="batch_first")(joined), name="replicas")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=replica_squared_error)
    return model


def parameters_per_replica(model: keras.Model, kind: str | None = None) -> int:
    """Trainable parameters of one replica (of one kind's layers, if given)."""
    replicas = int(model.inputs[0].shape[1])
    variables = [v for v in model.trainable_variables if kind is None or v.path.startswith(prefix(kind))]
    return int(sum(np.prod(v.shape) for v in variables)) // replicas


def levels_of(model: keras.Model, kind: str) -> list:
    """The ReplicaCGC levels of one kind, level 0 first."""
    found = [layer for layer in model.layers if isinstance(layer, ReplicaCGC) and layer.name.startswith(prefix(kind))]
    return sorted(found, key=lambda layer: int(layer.name.rsplit("_", 1)[-1]))


def replica_gates(model: keras.Model, x, kind: str) -> list[list[np.ndarray]]:
    """The gates of every CGC level of one kind on x (batch, R, d): per level, a list of arrays
    (batch, R, experts seen), task gates first, then the shared gate where the level has one."""
    result, hidden = [], ops.swapaxes(ops.convert_to_tensor(x), 0, 1)  # (R, batch, d)
    for level in levels_of(model, kind):
        result.append([np.swapaxes(np.asarray(g), 0, 1) for g in level.gate_weights(hidden)])
        hidden = level(hidden)
    return result


_FORWARD = weakref.WeakKeyDictionary()  # model -> its inference pass, traced once for any batch size


def predict_replicas(model: keras.Model, x, batch_size: int = 4096) -> np.ndarray:
    """model(x, training=False) as numpy, through one traced function per model (fast in a loop)."""
    if model not in _FORWARD:
        spec = tf.TensorSpec((None,) + tuple(model.inputs[0].shape[1:]), tf.float32)
        _FORWARD[model] = tf.function(lambda batch: model(batch, training=False), input_signature=[spec])
    forward = _FORWARD[model]
    return np.concatenate([np.asarray(forward(tf.constant(x[i:i + batch_size], tf.float32)))
                           for i in range(0, len(x), batch_size)])


def normalized_mse(model: keras.Model, x, y) -> np.ndarray:
    """(R, columns): each replica's and output column's MSE over the label variance (0 perfect, 1 = the mean)."""
    predictions = predict_replicas(model, x)  # (n, R, columns)
    return ((predictions - y) ** 2).mean(axis=0) / y.var(axis=0)


class LossCurve(keras.callbacks.Callback):
    """Test nMSE per replica and column at the end of chosen epochs: rows of (epoch, array (R, columns))."""

    def __init__(self, x, y, epochs):
        super().__init__()
        self.x, self.y, self.epochs, self.rows = x, y, set(epochs), []

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 in self.epochs:
            self.rows.append((epoch + 1, normalized_mse(self.model, self.x, self.y)))


class BestEpoch(keras.callbacks.Callback):
    """Early stopping per replica and output column: after each epoch, keep, for every replica and column
    (a task of a kind), the weights of the epoch with that column's lowest validation nMSE: each task's
    own checkpoint, as a single-task model stopped on its own loss would have. `best_epoch` (R, columns);
    `restore(column)` loads that column's checkpoints into the model."""

    def __init__(self, x, y):
        super().__init__()
        self.x, self.y = x, y

    def on_train_begin(self, logs=None):
        replicas, columns = int(self.model.inputs[0].shape[1]), int(self.y.shape[-1])
        self.best = np.full((replicas, columns), np.inf)
        self.best_epoch = np.zeros((replicas, columns), dtype=int)
        self.saved = [[np.asarray(v) for v in self.model.trainable_variables] for _ in range(columns)]

    def on_epoch_end(self, epoch, logs=None):
        loss = normalized_mse(self.model, self.x, self.y)  # (R, columns)
        current = None
        for column in range(loss.shape[1]):
            better = loss[:, column] < self.best[:, column]
            if better.any():
                current = current or [np.asarray(v) for v in self.model.trainable_variables]
                self.best[better, column], self.best_epoch[better, column] = loss[better, column], epoch + 1
                for saved, value in zip(self.saved[column], current):
                    saved[better] = value[better]

    def restore(self, column: int) -> None:
        for variable, value in zip(self.model.trainable_variables, self.saved[column]):
            variable.assign(value)


def fit_replicas(model: keras.Model, x, y, *, epochs: int, batch_size: int, seed: int = 0, callbacks=()) -> None:
    """Train a compiled replica model: Adam on the mean over the batch of replica_squared_error, one traced
    function per epoch (the batches gathered inside it: about a third of model.fit's tracing time and no
    Python round trip per step). Each epoch takes a new seeded permutation in full batches (the last
    n mod batch_size samples of the permutation wait for the next epoch). callbacks: Keras callbacks whose
    on_train_begin and on_epoch_end(epoch) are called (LossCurve, BestEpoch)."""
    variables = model.trainable_variables
    optimizer = model.optimizer
    optimizer.build(variables)
    every_x, every_y = tf.constant(x, tf.float32), tf.constant(y, tf.float32)
    num_batches = len(x) // batch_size

    @tf.function
    def epoch(order):
        for batch in tf.range(num_batches):
            rows = order[batch * batch_size:(batch + 1) * batch_size]
            with tf.GradientTape() as tape:
                predictions = model(tf.gather(every_x, rows), training=True)
                loss = tf.reduce_mean(replica_squared_error(tf.gather(every_y, rows), predictions))
            optimizer.apply(tape.gradient(loss, variables), variables)

    for callback in callbacks:
        callback.set_model(model)
        callback.on_train_begin()
    rng = np.random.default_rng(seed)
    for index in range(epochs):
        epoch(tf.constant(rng.permutation(len(x)), tf.int32))
        for callback in callbacks:
            callback.on_epoch_end(index)


def train_replicas(kinds, x_train, y_train, x_test, y_test, replicas, *, epochs: int, batch_size: int,
                   learning_rate: float, curve_epochs=(), validation=None, initial_seed: int = 0, report=print,
                   **sizes):
    """Train every kind on every replica in one training run (the kinds side by side, build_replicas;
    fit_replicas).

    y: (n, R, tasks). replicas: a list of dicts describing each replica (at least "seed"), whose keys
    become columns of the results; the replicas of one seed start from the same initial weights.
    validation: (x, y) for BestEpoch: every task of every kind and replica is scored at its own best
    validation epoch (single-task models and multi-task models alike); None: after `epochs`.
    Returns (results, curves, model): one row per kind and replica with the test nMSE per task and their
    mean ("test_nmse", "task_0_nmse", ...; with validation also "task_0_epoch", ...: the epochs chosen),
    one row per kind, curve epoch and replica (mean test nMSE over the tasks), and the trained model.
    """
    import pandas as pd

    kinds = list(kinds)
    num_tasks = int(y_train.shape[-1])
    tiled = lambda y: np.concatenate([y] * len(kinds), axis=-1)  # noqa: E731  (columns kind by kind)
    keras.utils.set_random_seed(initial_seed)
    model = build_replicas(kinds, len(replicas), int(x_train.shape[-1]), num_tasks=num_tasks,
                           learning_rate=learning_rate, **sizes)
    share_initial_weights(model, replicas)
    callbacks = [LossCurve(x_test, tiled(y_test), curve_epochs)]
    if validation is not None:
        callbacks.append(BestEpoch(validation[0], tiled(validation[1])))
    start = time.perf_counter()
    fit_replicas(model, x_train, tiled(y_train), epochs=epochs, batch_size=batch_size, seed=initial_seed,
                 callbacks=callbacks)
    seconds = time.perf_counter() - start
    if validation is None:
        nmse = normalized_mse(model, x_test, tiled(y_test))  # (R, columns)
    else:  # every column scored at its own checkpoint
        nmse = np.zeros((len(replicas), len(kinds) * num_tasks))
        for column in range(nmse.shape[1]):
            callbacks[1].restore(column)
            nmse[:, column] = normalized_mse(model, x_test, tiled(y_test))[:, column]
    results, curves = [], []
    for index, kind in enumerate(kinds):
        columns = slice(index * num_tasks, (index + 1) * num_tasks)
        for replica, info in enumerate(replicas):
            row = {"model": kind, **info, "test_nmse": float(nmse[replica, columns].mean())}
            row.update({f"task_{t}_nmse": float(nmse[replica, columns][t]) for t in range(num_tasks)})
            if validation is not None:
                row.update({f"task_{t}_epoch": int(callbacks[1].best_epoch[replica, columns][t])
                            for t in range(num_tasks)})
            results.append(row)
            for epoch, values in callbacks[0].rows:
                curves.append({"model": kind, **info, "epoch": epoch, "test_nmse": float(values[replica, columns].mean())})
    if report is not None:
        each = ", ".join(f"{kind} {parameters_per_replica(model, kind)}" for kind in kinds)
        report(f"{len(kinds)} kinds x {len(replicas)} replicas trained in {seconds:.1f} s "
               f"(parameters per replica: {each})")
    return pd.DataFrame(results), pd.DataFrame(curves), model


# ------------------------------------------------------------------------------------------ data
def paper_data(correlations, seeds, *, num_train: int, num_test: int, input_dim: int = 100):
    """The MMoE paper's synthetic tasks (mtlrec.data.make_mmoe_tasks), one replica per (correlation, seed).

    Returns (x_train, y_train, x_test, y_test, replicas): x (n, R, input_dim), y (n, R, 2); replicas: a
    list of R dicts {task_correlation, seed, label_correlation}. Within a seed, every correlation
    shares the inputs, sine terms and noise draws: only the angle between the weight vectors moves.
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


def rise_by_seed(results, metric: str = "test_nmse"):
    """Per model and seed: the metric at p = 1, its mean over p < 1, and the rise between them."""
    import pandas as pd

    wide = results.pivot_table(index=["model", "seed"], columns="task_correlation", values=metric)
    frame = pd.DataFrame({"at p = 1": wide[1.0], "at p < 1": wide.drop(columns=1.0).mean(axis=1)})
    frame["rise"] = frame["at p < 1"] - frame["at p = 1"]
    return frame.reset_index()


def compare_at(results, task_correlation: float, candidate: str, baseline: str,
               metric: str = "test_nmse") -> experiments.Comparison:
    """Two models' metric at one task correlation, paired by seed (lower is better)."""
    rows = results[results.task_correlation == task_correlation]
    name = f"{metric.replace('_', ' ')} at p = {task_correlation:g}"
    return experiments.compare(rows.rename(columns={metric: name}), name, candidate, baseline, higher_is_better=False)


def rise_of(by_seed, kind: str) -> experiments.Comparison:
    """One model against itself, paired by seed: mean nMSE over p < 1 minus nMSE at p = 1."""
    mine = by_seed[by_seed.model == kind]
    return experiments.paired(mine["at p < 1"], mine["at p = 1"], metric="test nMSE", candidate=f"{kind} at p < 1",
                              baseline=f"{kind} at p = 1", higher_is_better=False)


def correlation_gap(results, kind: str, low: float = 0.0) -> experiments.Comparison:
    """One model against itself, paired by seed: its test nMSE at p = low minus at p = 1 ("worse": it does
    worse on the unrelated tasks)."""
    wide = results[results.model == kind].pivot_table(index="seed", columns="task_correlation", values="test_nmse")
    return experiments.paired(wide[low], wide[1.0], metric="test nMSE", candidate=f"{kind} at p = {low:g}",
                              baseline=f"{kind} at p = 1", higher_is_better=False)


def seesaw_data(seeds, *, num_train: int, num_validation: int, num_test: int, input_dim: int = 20,
                task_correlation: float = 0.9, label_noise: float = 1.5):
    """A task pair where sharing helps one task and can hurt the other, from the MMoE paper's generator.

    Task 0 is y1 observed with heavy noise (noise std = label_noise x std of y1: a noisy, sparse
    engagement label, say); task 1 is y2, observed clean; the weight vectors have cosine
    task_correlation. Training and validation labels are what one observes (task 0 noisy); test labels
    are the noise-free truth (y1, y2), so the test nMSE measures how well each task's truth is recovered.
    Returns (train, validation, test, replicas): each of the first three a pair x (n, R, d), y (n, R, 2);
    replicas: a list of {seed} dicts, one replica per seed.
    """
    xs, observed, truth, replicas = [], [], [], []
    total = num_train + num_validation + num_test
    for seed in seeds:
        x, y1, y2 = make_mmoe_tasks(total, task_correlation, input_dim=input_dim, seed=seed)
        noise = np.random.default_rng([seed, 9]).normal(0.0, label_noise * float(y1.std()), total)
        xs.append(x)
        observed.append(np.stack([y1 + noise, y2], axis=-1).astype(np.float32))
        truth.append(np.stack([y1, y2], axis=-1))
        replicas.append({"seed": int(seed)})
    x, y, clean = np.stack(xs, axis=1), np.stack(observed, axis=1), np.stack(truth, axis=1)  # (n, R, ...)
    a, b = num_train, num_train + num_validation
    return (x[:a], y[:a]), (x[a:b], y[a:b]), (x[b:], clean[b:]), replicas


def versus_single_task(results, kinds, tasks=(0, 1)) -> dict:
    """{(kind, task): Comparison}: each multi-task kind's test nMSE on each task against the single-task
    models', paired by seed (lower is better)."""
    comparisons = {}
    for kind in kinds:
        for task in tasks:
            metric = f"task {task} test nMSE"
            frame = results.rename(columns={f"task_{task}_nmse": metric})
            comparisons[kind, task] = experiments.compare(frame, metric, kind, "single-task", higher_is_better=False)
    return comparisons


def comparison_table(comparisons):
    """A table 'mean [low, high] verdict' of {(kind, task): Comparison}, kinds as rows, tasks as columns."""
    import pandas as pd

    cells = {(kind, f"task {task}"): f"{c.mean:+.3f} [{c.interval[0]:+.3f}, {c.interval[1]:+.3f}] {c.verdict}"
             for (kind, task), c in comparisons.items()}
    return pd.Series(cells).unstack()


def gate_usage(model: keras.Model, x, kind: str):
    """Mean gate weight per expert over the examples x (batch, R, d), per replica, level and gate of one kind.

    Returns a DataFrame of rows {replica, level, gate ("task 0", ..., "shared"), expert (the gate's
    column), expert_kind ("shared", "own", or "task t's" in the shared gate), weight}: the average share
    of that gate's mixture the expert gets."""
    import pandas as pd

    rows = []
    for level_index, (level, gates) in enumerate(zip(levels_of(model, kind), replica_gates(model, x, kind))):
        for index, gate in enumerate(gates):  # (batch, R, experts seen)
            name = f"task {index}" if index < level.num_tasks else "shared"
            for replica, weights in enumerate(gate.mean(axis=0)):
                for expert, weight in enumerate(weights):
                    if expert < level.num_shared_experts:
                        expert_kind = "shared"
                    elif name != "shared":
                        expert_kind = "own"
                    else:
                        expert_kind = f"task {(expert - level.num_shared_experts) // level.num_task_experts}'s"
                    rows.append({"replica": replica, "level": level_index, "gate": name, "expert": expert,
                                 "expert_kind": expert_kind, "weight": float(weight)})
    return pd.DataFrame(rows)


def effective_experts(weights) -> float:
    """exp(entropy) of a mean gate vector: how many experts a gate uses (1 = one expert, n = all alike)."""
    weights = np.asarray(weights, dtype=float)
    weights = weights[weights > 0] / weights.sum()
    return float(np.exp(-(weights * np.log(weights)).sum()))


# ------------------------------------------------------------------------------------------ sparse gating
class TopKMoE(layers.Layer):
    """A sparsely gated mixture of experts (Shazeer et al. 2017; the load-balancing loss of Switch
    Transformer, Fedus et al. 2021): each example goes to its top_k experts only.

    The router's logits r(x) = x W; the top_k logits per example are kept and softmaxed, the others get
    weight 0, so only top_k experts run per example (here all are computed and masked, for clarity).
    balance_weight > 0 adds  balance_weight * N * sum_i f_i P_i  to the model's losses, where f_i is the
    share of examples whose top-1 expert is i and P_i the mean router probability (softmax over all N
    logits) of expert i: it is 1 when the traffic is uniform and grows as it concentrates on few experts.
    Call: (batch, d) -> (batch, units); `routing(x)`: the (batch, N) sparse weights.
    """

    def __init__(self, num_experts, units, top_k=2, balance_weight=0.0, **kwargs):
        super().__init__(**kwargs)
        self.num_experts, self.units, self.top_k = int(num_experts), int(units), int(top_k)
        self.balance_weight = float(balance_weight)
        self.experts = layers.Dense(self.num_experts * self.units, activation="relu")
        self.router = layers.Dense(self.num_experts, use_bias=False)

    def build(self, input_shape):
        self.experts.build(input_shape)
        self.router.build(input_shape)

    def _route(self, inputs):
        logits = self.router(inputs)  # (batch, N)
        kth = ops.top_k(logits, self.top_k)[0][:, -1:]  # (batch, 1): the k-th largest logit
        masked = ops.where(logits >= kth, logits, ops.full_like(logits, -1e9))
        return logits, ops.softmax(masked, axis=-1)  # sparse weights: top_k non-zero per row

    def routing(self, inputs):
        return self._route(inputs)[1]

    def call(self, inputs):
        logits, weights = self._route(inputs)
        experts = ops.reshape(self.experts(inputs), (-1, self.num_experts, self.units))  # (batch, N, units)
        if self.balance_weight:
            probabilities = ops.softmax(logits, axis=-1)
            top1 = ops.one_hot(ops.argmax(logits, axis=-1), self.num_experts)
            share = ops.mean(top1, axis=0)  # f_i (no gradient: a count)
            self.add_loss(self.balance_weight * self.num_experts * ops.sum(share * ops.mean(probabilities, axis=0)))
        return ops.sum(ops.expand_dims(weights, -1) * experts, axis=1)  # (batch, units)


def build_sparse_moe(input_dim: int, *, num_experts: int = 8, units: int = 8, top_k: int = 2,
                     balance_weight: float = 0.0, hidden_units: int = 16, learning_rate: float = 1e-2) -> keras.Model:
    """x (batch, d) -> Dense(hidden_units, relu) -> TopKMoE -> Dense(1): a one-task regressor with a sparse
    gate on hidden features (non-negative, as inside a real network), compiled with MSE."""
    x = keras.Input((input_dim,))
    hidden = layers.Dense(hidden_units, activation="relu")(x)
    hidden = TopKMoE(num_experts, units, top_k, balance_weight, name="moe")(hidden)
    model = keras.Model(x, layers.Dense(1)(hidden))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mse")
    return model


def expert_load(model: keras.Model, x) -> np.ndarray:
    """(N,): the share of examples each expert serves (a non-zero routing weight); the shares sum to top_k."""
    moe = model.get_layer("moe")
    features = keras.Model(model.inputs[0], moe.input)(x)  # what the router reads
    return (np.asarray(moe.routing(features)) > 0).mean(axis=0)


def numpy_forward(model: keras.Model, x, replica: int, kind: str) -> np.ndarray:
    """One replica of one kind computed from its weights in plain numpy, straight from the equations
    (expert_j = ReLU(x W_j + b_j), g = softmax(x W_g + b_g), output = sum_j g_j expert_j, PLE levels
    chained, towers ReLU then linear): x (batch, d) -> (batch, tasks). Checks the replica trick."""
    def dense(layer, inputs, relu=False):
        kernel, bias = (np.asarray(v, dtype=np.float64)[replica] for v in (layer.kernel, layer.bias))
        out = inputs @ kernel + bias[0]
        return np.maximum(out, 0.0) if relu else out

    def softmax(z):
        z = np.exp(z - z.max(axis=-1, keepdims=True))
        return z / z.sum(axis=-1, keepdims=True)

    def experts(bank, inputs):  # (batch, n, units)
        return dense(bank.dense, inputs, relu=True).reshape(len(inputs), bank.num_experts, bank.units)

    name = prefix(kind)
    layers_by_name = {layer.name: layer for layer in model.layers}
    x = np.asarray(x, dtype=np.float64)
    num_tasks = sum(n.startswith(f"{name}head_") for n in layers_by_name)
    if kind == "shared bottom":
        per_task = [dense(layers_by_name[f"{name}bottom"], x, relu=True)] * num_tasks
    elif kind == "single-task":
        per_task = [dense(layers_by_name[f"{name}bottom_{t}"], x, relu=True) for t in range(num_tasks)]
    else:
        hidden = [x] * (num_tasks + 1)
        for level in levels_of(model, kind):
            shared = [experts(level.shared_experts, hidden[-1])] if level.shared_experts is not None else []
            own = [experts(level.task_experts[t], hidden[t]) for t in range(level.num_tasks)] if level.task_experts else []
            outputs = []
            for t in range(level.num_tasks):
                pool = np.concatenate(shared + ([own[t]] if own else []), axis=1)
                outputs.append(np.einsum("be,beu->bu", softmax(dense(level.gates[t].dense, hidden[t])), pool))
            if level.shared_gate is not None:
                pool = np.concatenate(shared + own, axis=1)
                outputs.append(np.einsum("be,beu->bu", softmax(dense(level.shared_gate.dense, hidden[-1])), pool))
            hidden = outputs if len(outputs) > 1 or level.shared_gate is not None else outputs * (num_tasks + 1)
        per_task = hidden[:num_tasks]
    heads = []
    for t in range(num_tasks):
        tower = layers_by_name.get(f"{name}tower_{t}")
        hidden = dense(tower, per_task[t], relu=True) if tower is not None else per_task[t]
        heads.append(dense(layers_by_name[f"{name}head_{t}"], hidden))
    return np.concatenate(heads, axis=1)


def exercise_levels(model: keras.Model, cgc_class) -> list:
    """The CGC levels inside a model built by the exercise's build_ple, in the order they were created."""
    found = model._flatten_layers(include_self=False, recursive=True)
    return list({id(layer): layer for layer in found if isinstance(layer, cgc_class)}.values())


def exercise_gate_usage(model: keras.Model, x, cgc_class):
    """Mean gate weight per level, gate and expert of an exercise PLE model on x (batch, d), through the
    documented CGC.gate_weights, the levels chained as build_ple chains them."""
    import pandas as pd

    rows, hidden = [], x
    for level_index, level in enumerate(exercise_levels(model, cgc_class)):
        for index, gate in enumerate(level.gate_weights(hidden)):
            name = f"task {index}" if index < level.num_tasks else "shared"
            for expert, weight in enumerate(np.asarray(gate).mean(axis=0)):
                rows.append({"level": level_index, "gate": name, "expert": expert,
                             "expert_kind": "shared" if expert < level.num_shared_experts else
                             ("own" if name != "shared" else "a task's"), "weight": float(weight)})
        hidden = level(hidden)
    return pd.DataFrame(rows)
