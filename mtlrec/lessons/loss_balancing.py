"""Helpers for the loss-balancing lesson (notebook 10, bench/loss_balancing.py).

Six ways to combine two tasks' losses are trained on two synthetic worlds with a known truth
(mtlrec.data.make_loss_scale_tasks and make_conflicting_tasks): fixed weights (equal, or a grid from
which validation picks "tuned weights"), uncertainty weighting (the exercise's layer), DWA (the
exercise's dwa_weights), GradNorm (built here: gradnorm_loss, renormalized) and PCGrad (the exercise's
rule, written for replicas here and checked against the exercise on one replica in the notebook).

Every run is a *replica* of one shared-bottom network (the trick of mtlrec.lessons.challenges): each
weight has a leading replica axis, replica r sees only its own seed's data, and nothing is shared
between replicas. The step sums every replica's own objective, so replica r's gradient (and Adam's
per-weight update) is exactly what a separate training would compute on the same batches. The replicas
of one seed start from the same initial weights and see the same batches, so the methods are paired by
seed on data, start and batch order. One traced step trains every method of one setup at once.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras
import tensorflow as tf
from keras import layers, ops

from mtlrec import data, metrics
from mtlrec.lessons.challenges import ReplicaDense

RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results"  # the committed full run
METHODS = ("equal weights", "tuned weights", "uncertainty", "DWA", "GradNorm", "PCGrad")
ADAPTIVE = ("uncertainty", "DWA", "GradNorm", "PCGrad")  # each one replica per seed


@dataclass(frozen=True)
class Setup:
    """One synthetic world: its two tasks, their kinds, and the grid of fixed weights to tune over."""

    name: str
    tasks: tuple[str, str]
    kinds: tuple[str, str]  # "classification" (binary cross-entropy on a logit) or "regression" (squared error)
    metrics: tuple[str, str]  # the metric reported per task
    grid: tuple[float, ...]  # weight ratios w_1 / w_0 tried for "tuned weights" (1.0 is "equal weights")
    shared_units: tuple[int, ...]  # the shared bottom's widths; the last is the layer the tasks compete for
    knobs: dict  # the generator's settings (mtlrec.data)


SETUPS = {
    "loss scales": Setup("loss scales", ("click", "watch_time"), ("classification", "regression"),
                         ("AUC", "nMSE"), tuple(10.0 ** np.arange(0.0, -4.01, -0.5)), (32, 16),
                         {"watch_scale": 30.0, "task_correlation": 0.3}),
    "conflicting gradients": Setup("conflicting gradients", ("task_a", "task_b"), ("regression", "regression"),
                                   ("nMSE", "nMSE"), tuple(2.0 ** np.arange(-2.0, 2.01, 1.0)), (16, 2),
                                   {"task_correlation": -0.8}),
}


# --- data --------------------------------------------------------------------------------------------

def make_splits(setup: str, seed: int, *, num_train: int, num_validation: int, num_test: int, **knobs) -> dict:
    """{"train" | "validation" | "test": {"x": (n, d), "y": (n, 2), "truth": (n, 2)}} for one seed.

    "loss scales": y = (click, watch time in seconds), truth = (click probability, expected watch time);
    "conflicting gradients": y = (target_a, target_b), truth = their noise-free means. knobs go to the
    generator (watch_scale, task_correlation, ...)."""
    size = num_train + num_validation + num_test
    if setup == "loss scales":
        world = data.make_loss_scale_tasks(size, seed=seed, **knobs)
        y = np.stack([world["click"], world["watch_time"]], axis=1)
        truth = np.stack([world["click_probability"], world["expected_watch_time"]], axis=1)
    elif setup == "conflicting gradients":
        world = data.make_conflicting_tasks(size, seed=seed, **knobs)
        y = np.stack([world["target_a"], world["target_b"]], axis=1)
        truth = np.stack([world["expected_a"], world["expected_b"]], axis=1)
    else:
        raise ValueError(f"setup must be one of {list(SETUPS)}, got {setup!r}")
    bounds = np.cumsum([0, num_train, num_validation, num_test])
    return {name: {"x": world["x"][a:b], "y": y[a:b].astype(np.float32), "truth": truth[a:b]}
            for name, a, b in zip(("train", "validation", "test"), bounds[:-1], bounds[1:])}


# --- the replica network -----------------------------------------------------------------------------

def build_replica_model(num_replicas: int, input_dim: int, *, shared_units=(32, 16), tower_units: int = 8,
                        num_tasks: int = 2) -> keras.Model:
    """R independent shared-bottom networks: (batch, R, d) -> (batch, R, num_tasks) raw outputs.

    Shared bottom: Dense(relu) layers `shared_0`, `shared_1`, ... (the last one is GradNorm's W);
    per task a tower Dense(tower_units, relu) and a linear head (a logit for a classification task)."""
    inputs = keras.Input((num_replicas, input_dim), name="x")
    hidden = inputs
    for index, units in enumerate(shared_units):
        hidden = ReplicaDense(num_replicas, units, "relu", name=f"shared_{index}")(hidden)  # (batch, R, units)
    heads = []
    for task in range(num_tasks):
        tower = ReplicaDense(num_replicas, tower_units, "relu", name=f"tower_{task}")(hidden)
        heads.append(ReplicaDense(num_replicas, 1, name=f"head_{task}")(tower))  # (batch, R, 1)
    return keras.Model(inputs, layers.Concatenate(axis=-1)(heads))


def shared_variables(model: keras.Model) -> list:
    """The shared bottom's variables (every task reaches them); the towers and heads are task-specific."""
    return [v for layer in model.layers if layer.name.startswith("shared_") for v in layer.trainable_variables]


def last_shared_kernel(model: keras.Model):
    """GradNorm's W: the kernel of the last shared layer, shape (R, in, out)."""
    return [layer for layer in model.layers if layer.name.startswith("shared_")][-1].kernel


def task_gradient_norms(model: keras.Model, x, y, kinds) -> np.ndarray:
    """(R, K): per replica, the norm of each task's loss gradient on the shared bottom; x (n, R, d), y (n, R, K)."""
    variables = shared_variables(model)
    with tf.GradientTape(persistent=True) as tape:
        losses = replica_task_losses(tf.constant(y, tf.float32), model(x, training=False), kinds)  # (R, K)
        totals = [tf.reduce_sum(losses[:, t]) for t in range(len(kinds))]
    norms = []
    for total in totals:
        squares = [tf.reduce_sum(tf.square(g), axis=list(range(1, len(g.shape))))
                   for g in tape.gradient(total, variables)]  # (R,) per variable
        norms.append(np.sqrt(np.sum([np.asarray(q) for q in squares], axis=0)))
    del tape
    return np.stack(norms, axis=1)


def replica_task_losses(y_true, outputs, kinds) -> tf.Tensor:
    """(R, K): each replica's and task's mean loss over the batch; y_true, outputs (batch, R, K).

    classification: binary cross-entropy of the logit; regression: squared error."""
    columns = []
    for task, kind in enumerate(kinds):
        target, output = y_true[..., task], outputs[..., task]  # (batch, R)
        if kind == "classification":
            loss = tf.nn.sigmoid_cross_entropy_with_logits(labels=target, logits=output)
        else:
            loss = tf.square(target - output)
        columns.append(tf.reduce_mean(loss, axis=0))  # (R,)
    return tf.stack(columns, axis=1)


# --- GradNorm (Chen et al., ICML 2018), built in notebook 10 ----------------------------------------

def gradnorm_loss(weights, gradient_norms, losses, initial_losses, alpha: float):
    """GradNorm's L_grad = sum_i |G_i - mean_j(G_j) * r_i ** alpha| over the last axis (the tasks).

    G_i = w_i * |grad_W L_i| (weights times gradient_norms); r_i = (L_i / L_i(0)) / mean_j(L_j / L_j(0)),
    the relative inverse training rate; the target mean_j(G_j) * r_i ** alpha is held constant (no
    gradient flows through it), so L_grad only moves the weights. Any leading axes (replicas) are kept."""
    weighted = weights * gradient_norms  # G_i, (..., K)
    loss_ratios = losses / initial_losses  # L~_i
    inverse_rates = loss_ratios / ops.mean(loss_ratios, axis=-1, keepdims=True)  # r_i
    target = ops.stop_gradient(ops.mean(weighted, axis=-1, keepdims=True) * inverse_rates ** alpha)
    return ops.sum(ops.abs(weighted - target), axis=-1)


def renormalize(weights, floor: float = 1e-6):
    """GradNorm's renormalization after each step: weights >= floor, summing to K over the last axis."""
    weights = ops.maximum(weights, floor)
    return weights * weights.shape[-1] / ops.sum(weights, axis=-1, keepdims=True)


# --- PCGrad for replicas (the exercise's rule, vectorised over the replica axis) ---------------------

def pcgrad_two_tasks(first, second):
    """PCGrad of two tasks' flattened gradients, (R, P) each -> (R, P) summed update, per replica.

    With two tasks the order does not matter: each is projected off the other's ORIGINAL gradient
    when their dot product is negative. Also returns the cosine of the two gradients, (R,)."""
    dot = tf.reduce_sum(first * second, axis=1, keepdims=True)  # (R, 1)
    first_sq = tf.reduce_sum(first * first, axis=1, keepdims=True)
    second_sq = tf.reduce_sum(second * second, axis=1, keepdims=True)
    conflict = tf.minimum(dot, 0.0)  # the projection only happens when dot < 0 (then both norms are > 0)
    first_pc = first - tf.math.divide_no_nan(conflict, second_sq) * second
    second_pc = second - tf.math.divide_no_nan(conflict, first_sq) * first
    cosine = tf.math.divide_no_nan(dot, tf.sqrt(first_sq * second_sq))[:, 0]
    return first_pc + second_pc, cosine


# --- training ----------------------------------------------------------------------------------------

def replica_plan(seeds, setup: Setup, methods=METHODS) -> list[dict]:
    """One replica per (seed, fixed weight of the grid) and per (seed, adaptive method).

    A fixed-weight replica has method "fixed" and weights (2 / (1 + r), 2 r / (1 + r)) for the grid's
    ratio r (summing to 2, like the adaptive methods' weights); "equal weights" is r = 1."""
    plan = []
    fixed = any(m in methods for m in ("equal weights", "tuned weights"))
    ratios = setup.grid if "tuned weights" in methods else (1.0,)
    for seed in seeds:
        for ratio in ratios if fixed else ():
            plan.append({"seed": int(seed), "method": "fixed", "ratio": float(ratio),
                         "weights": (2.0 / (1.0 + ratio), 2.0 * ratio / (1.0 + ratio))})
        for method in ADAPTIVE:
            if method in methods:
                plan.append({"seed": int(seed), "method": method, "ratio": np.nan, "weights": (1.0, 1.0)})
    return plan


class ReplicaTrainer:
    """Train the replicas of one setup, every method at once, with one traced step.

    plan: from replica_plan; splits_by_seed: {seed: make_splits(...)}; uncertainty_layer: the
    UncertaintyWeighting class (one layer per "uncertainty" replica); dwa: the dwa_weights function.
    The step returns each replica's task losses and, for the PCGrad replicas, the cosine of their two
    task gradients on the shared bottom."""

    def __init__(self, setup: Setup, plan, splits_by_seed, *, uncertainty_layer=None, dwa=None,
                 learning_rate: float = 3e-3, dwa_temperature: float = 2.0, gradnorm_alpha: float = 1.5,
                 gradnorm_learning_rate: float = 0.025, shared_units=None, tower_units: int = 8,
                 init_seed: int = 0):
        self.setup, self.plan, self.dwa = setup, plan, dwa
        self.dwa_temperature, self.gradnorm_alpha = dwa_temperature, gradnorm_alpha
        seeds = sorted({row["seed"] for row in plan})
        self.seeds = seeds
        index = {seed: i for i, seed in enumerate(seeds)}
        self.replica_seed = np.array([index[row["seed"]] for row in plan], dtype=np.int32)  # (R,)
        self.splits = {seed: splits_by_seed[seed] for seed in seeds}
        self.x_train = tf.constant(np.stack([self.splits[s]["train"]["x"] for s in seeds]))  # (S, n, d)
        self.y_train = tf.constant(np.stack([self.splits[s]["train"]["y"] for s in seeds]))  # (S, n, K)
        num_replicas, input_dim = len(plan), int(self.x_train.shape[-1])
        methods = np.array([row["method"] for row in plan])
        self.rows = {m: np.flatnonzero(methods == m) for m in ("fixed",) + ADAPTIVE}

        widths = dict(shared_units=shared_units or setup.shared_units, tower_units=tower_units)
        self.model = build_replica_model(num_replicas, input_dim, **widths)
        starts = {}  # a seed's initial weights depend on the seed only, so every trainer starts it alike
        for seed in seeds:
            keras.utils.set_random_seed(init_seed + seed)
            starts[seed] = build_replica_model(1, input_dim, **widths).get_weights()  # each (1, ...)
        self.model.set_weights([np.concatenate([starts[row["seed"]][k] for row in plan])
                                for k in range(len(starts[seeds[0]]))])

        self.fixed_weights = tf.Variable(np.array([row["weights"] for row in plan], np.float32), trainable=False)
        self.gradnorm_weights = tf.Variable(np.ones((num_replicas, 2), np.float32), trainable=False)
        self.initial_losses = tf.Variable(np.ones((num_replicas, 2), np.float32), trainable=False)
        self.uncertainty = [uncertainty_layer(list(setup.kinds)) for _ in self.rows["uncertainty"]]
        for layer in self.uncertainty:  # the layer's weight may be created in __init__ or in build
            layer([tf.constant(1.0), tf.constant(1.0)])
        self.variables = self.model.trainable_variables + [v for layer in self.uncertainty
                                                           for v in layer.trainable_variables]
        self.optimizer = keras.optimizers.Adam(learning_rate)
        self.optimizer.build(self.variables)
        self.gradnorm_optimizer = keras.optimizers.Adam(gradnorm_learning_rate)
        self.gradnorm_optimizer.build([self.gradnorm_weights])
        self.step = self._traced_step()
        self.loss_history = []  # per epoch, (R, K) mean training loss
        self.weight_history = []  # per epoch, (R, K) the weights used in that epoch (adaptive replicas)
        self.cosines = []  # per step, (R_pc,) the PCGrad replicas' gradient cosine

    def _masks(self, method):
        mask = np.zeros(len(self.plan), np.float32)
        mask[self.rows[method]] = 1.0
        return tf.constant(mask[:, None])  # (R, 1)

    def _traced_step(self):
        model, kinds = self.model, self.setup.kinds
        scalar_mask = self._masks("fixed") + self._masks("DWA") + self._masks("GradNorm")
        gradnorm_mask, pcgrad_mask = self._masks("GradNorm"), self._masks("PCGrad")
        uncertainty_rows = [int(r) for r in self.rows["uncertainty"]]
        has_pcgrad, has_gradnorm = len(self.rows["PCGrad"]) > 0, len(self.rows["GradNorm"]) > 0
        has_scalar = bool(len(self.rows["fixed"]) + len(self.rows["DWA"]) + len(self.rows["GradNorm"])
                          + len(uncertainty_rows))
        shared = shared_variables(model)
        shared_ids = {id(v) for v in shared}
        kernel = last_shared_kernel(model)
        replica_seed = tf.constant(self.replica_seed)
        num_replicas = len(self.plan)

        @tf.function(input_signature=[tf.TensorSpec((None,), tf.int32), tf.TensorSpec((), tf.bool)])
        def step(rows, first_step):
            x = tf.gather(tf.gather(self.x_train, rows, axis=1), replica_seed, axis=0)  # (R, batch, d)
            y = tf.gather(tf.gather(self.y_train, rows, axis=1), replica_seed, axis=0)  # (R, batch, K)
            x, y = tf.transpose(x, [1, 0, 2]), tf.transpose(y, [1, 0, 2])  # (batch, R, ...)
            with tf.GradientTape(persistent=True) as tape:
                losses = replica_task_losses(y, model(x, training=True), kinds)  # (R, K)
                weights = gradnorm_mask * self.gradnorm_weights + (1.0 - gradnorm_mask) * self.fixed_weights
                objective = tf.reduce_sum(scalar_mask * weights * losses)
                for layer, r in zip(self.uncertainty, uncertainty_rows):
                    objective += layer([losses[r, t] for t in range(len(kinds))])
                per_task = [tf.reduce_sum(pcgrad_mask[:, 0] * losses[:, t]) for t in range(len(kinds))]
                gradnorm_task = [tf.reduce_sum(gradnorm_mask[:, 0] * losses[:, t]) for t in range(len(kinds))]
            gradients = (tape.gradient(objective, self.variables) if has_scalar
                         else [tf.zeros_like(v) for v in self.variables])
            gradients = [tf.zeros_like(v) if g is None else g for g, v in zip(gradients, self.variables)]
            cosine = tf.zeros((0,))
            if has_pcgrad:  # per-task gradients of the PCGrad replicas; the shared part projected
                variables = model.trainable_variables
                task_gradients = [tape.gradient(loss, variables) for loss in per_task]
                task_gradients = [[tf.zeros_like(v) if g is None else g for g, v in zip(grads, variables)]
                                  for grads in task_gradients]
                flat = [tf.concat([tf.reshape(g, (num_replicas, -1)) for g, v in zip(grads, variables)
                                   if id(v) in shared_ids], axis=1) for grads in task_gradients]
                update, all_cosines = pcgrad_two_tasks(*flat)  # (R, P), (R,)
                cosine = tf.gather(all_cosines, self.rows["PCGrad"])
                offset, added = 0, []
                for index, variable in enumerate(variables):
                    if id(variable) in shared_ids:
                        size = int(np.prod(variable.shape[1:]))
                        added.append(tf.reshape(update[:, offset:offset + size], variable.shape))
                        offset += size
                    else:  # a tower or head: its own task's gradient (the other task's is zero there)
                        added.append(task_gradients[0][index] + task_gradients[1][index])
                gradients = [g + a for g, a in zip(gradients, added)] + gradients[len(variables):]
            if has_gradnorm:  # |grad_W L_i| on the last shared kernel, per replica
                norms = tf.stack([tf.sqrt(tf.reduce_sum(tf.square(tape.gradient(loss, kernel)), axis=[1, 2]))
                                  for loss in gradnorm_task], axis=1)  # (R, K)
                initial = tf.where(first_step, losses, self.initial_losses)
                self.initial_losses.assign(initial)
                with tf.GradientTape() as weight_tape:
                    weight_tape.watch(self.gradnorm_weights)
                    balance = tf.reduce_sum(gradnorm_mask[:, 0] * gradnorm_loss(
                        self.gradnorm_weights, tf.stop_gradient(norms), tf.stop_gradient(losses),
                        initial, self.gradnorm_alpha))
                weight_gradient = weight_tape.gradient(balance, self.gradnorm_weights)
                self.gradnorm_optimizer.apply([weight_gradient], [self.gradnorm_weights])
                self.gradnorm_weights.assign(renormalize(self.gradnorm_weights))
            del tape
            self.optimizer.apply(gradients, self.variables)
            return losses, cosine

        return step

    def current_weights(self) -> np.ndarray:
        """(R, K): the loss weights each replica uses now (uncertainty: c_t exp(-s_t); PCGrad: 1, 1)."""
        weights = np.array(self.fixed_weights.numpy())
        weights[self.rows["GradNorm"]] = self.gradnorm_weights.numpy()[self.rows["GradNorm"]]
        for layer, r in zip(self.uncertainty, self.rows["uncertainty"]):
            weights[r] = np.asarray(layer.task_weights())
        return weights

    def fit(self, *, epochs: int, batch_size: int, shuffle_seed: int = 0) -> "ReplicaTrainer":
        """Train for `epochs` passes of shuffled batches (one order shared by every replica)."""
        rng = np.random.default_rng(shuffle_seed)
        size = int(self.x_train.shape[1])
        for epoch in range(epochs):
            if len(self.rows["DWA"]):
                history = np.array(self.loss_history)  # (epochs so far, R, K)
                weights = self.fixed_weights.numpy()
                for r in self.rows["DWA"]:
                    rows = history[:, r, :] if len(history) else np.zeros((0, 2))
                    weights[r] = self.dwa(rows, self.dwa_temperature)
                self.fixed_weights.assign(weights)
            self.weight_history.append(self.current_weights())
            order = rng.permutation(size)
            totals, count = 0.0, 0
            for start in range(0, size - batch_size + 1, batch_size):  # full batches only
                losses, cosine = self.step(tf.constant(order[start:start + batch_size], tf.int32),
                                           tf.constant(epoch == 0 and start == 0))
                totals, count = totals + losses.numpy(), count + 1
                if cosine.shape[0]:
                    self.cosines.append(cosine.numpy())
            self.loss_history.append(totals / count)
        return self

    def gradient_cosines(self, split: str = "train", rows: int = 2000) -> np.ndarray:
        """(R,): per replica, the cosine of its two tasks' gradients on the shared bottom, each task's
        loss taken over the first `rows` rows of `split` at once (not a mini-batch: no sampling noise)."""
        x = np.stack([self.splits[s][split]["x"][:rows] for s in self.seeds])[self.replica_seed]  # (R, n, d)
        y = np.stack([self.splits[s][split]["y"][:rows] for s in self.seeds])[self.replica_seed]  # (R, n, K)
        variables = shared_variables(self.model)
        with tf.GradientTape(persistent=True) as tape:
            losses = replica_task_losses(tf.constant(np.transpose(y, (1, 0, 2))),
                                         self.model(np.transpose(x, (1, 0, 2)), training=False), self.setup.kinds)
            totals = [tf.reduce_sum(losses[:, t]) for t in range(2)]
        flat = [np.concatenate([np.reshape(np.asarray(g, np.float64), (len(self.plan), -1))
                                for g in tape.gradient(total, variables)], axis=1) for total in totals]
        del tape
        norms = np.linalg.norm(flat[0], axis=1) * np.linalg.norm(flat[1], axis=1)
        return (flat[0] * flat[1]).sum(axis=1) / np.maximum(norms, 1e-30)

    def predict(self, split: str, chunk: int = 1000) -> np.ndarray:
        """(n, R, K) raw outputs of every replica on its own seed's `split` rows."""
        x = np.stack([self.splits[s][split]["x"] for s in self.seeds])[self.replica_seed]  # (R, n, d)
        parts = [np.asarray(self.model(np.transpose(x[:, a:a + chunk], (1, 0, 2)), training=False))
                 for a in range(0, x.shape[1], chunk)]
        return np.concatenate(parts, axis=0)

    def results(self):
        """One row per replica: seed, method, ratio, the loss weights at the end ("weight 0", "weight 1"),
        the cosine of the two tasks' full-batch gradients on the shared bottom at the end ("gradient
        cosine"), for PCGrad the share of its steps whose two gradients conflicted ("conflict share"),
        each task's test metric and normalized validation loss, and their mean ("validation loss"; and
        "mean nMSE" when both tasks are regressions)."""
        import pandas as pd

        outputs = {split: self.predict(split) for split in ("validation", "test")}
        cosines = self.gradient_cosines()
        weights = self.current_weights()
        conflicts = (np.mean(np.array(self.cosines) < 0, axis=0) if self.cosines
                     else np.zeros(len(self.rows["PCGrad"])))
        conflict_share = dict(zip(self.rows["PCGrad"], conflicts))
        rows = []
        for r, row in enumerate(self.plan):
            splits = self.splits[row["seed"]]
            result = {"seed": row["seed"], "method": row["method"], "ratio": row["ratio"],
                      "weight 0": weights[r, 0], "weight 1": weights[r, 1], "gradient cosine": cosines[r],
                      "conflict share": conflict_share.get(r, np.nan)}
            for t, (task, kind, metric) in enumerate(zip(self.setup.tasks, self.setup.kinds, self.setup.metrics)):
                for split in ("validation", "test"):
                    y, output = splits[split]["y"][:, t], outputs[split][:, r, t]
                    score = task_score(kind, metric, y, output)
                    result[f"{task} {metric}" if split == "test" else f"{task} validation loss"] = (
                        score if split == "test" else normalized_loss(kind, y, output))
            result["validation loss"] = np.mean([result[f"{task} validation loss"] for task in self.setup.tasks])
            if self.setup.metrics == ("nMSE", "nMSE"):
                result["mean nMSE"] = np.mean([result[f"{task} nMSE"] for task in self.setup.tasks])
            rows.append(result)
        return pd.DataFrame(rows)


def task_score(kind: str, metric: str, y, output) -> float:
    """The reported test metric: AUC of a click logit, or nMSE (MSE over the label variance)."""
    if metric == "AUC":
        return metrics.auc(y, output)
    return float(np.mean((y - output) ** 2) / np.var(y))


def normalized_loss(kind: str, y, output) -> float:
    """A task's loss over a constant predictor's: cross-entropy over the base rate's, or nMSE.

    0 is perfect, 1 is no better than predicting the training mean; the mean over the tasks is the
    validation criterion that picks "tuned weights"."""
    if kind == "classification":
        probability = 1.0 / (1.0 + np.exp(-output))
        rate = float(np.clip(np.mean(y), 1e-6, 1 - 1e-6))
        return metrics.log_loss(y, probability) / metrics.log_loss(y, np.full_like(probability, rate))
    return float(np.mean((y - output) ** 2) / np.var(y))


def method_table(replica_results):
    """One row per seed and method of METHODS: "equal weights" is the ratio-1 replica, "tuned weights"
    the fixed-weight replica with the lowest validation loss of its seed (its ratio kept)."""
    import pandas as pd

    fixed = replica_results[replica_results.method == "fixed"]
    equal = fixed[np.isclose(fixed.ratio, 1.0)].assign(method="equal weights")
    tuned = fixed.loc[fixed.groupby("seed")["validation loss"].idxmin()].assign(method="tuned weights")
    if fixed.ratio.nunique() < 2:  # no grid was trained: nothing to tune
        tuned = tuned.iloc[:0]
    adaptive = replica_results[replica_results.method != "fixed"]
    table = pd.concat([equal, tuned, adaptive], ignore_index=True)
    order = {m: i for i, m in enumerate(METHODS)}
    return table.sort_values(["seed", "method"], key=lambda c: c.map(order) if c.name == "method" else c
                             ).reset_index(drop=True)


GROUPS = (("equal weights", "tuned weights", "uncertainty", "DWA"), ("GradNorm",), ("PCGrad",))


def run_setup(setup_name: str, seeds, *, uncertainty_layer, dwa, num_train: int, num_validation: int,
              num_test: int, epochs: int, batch_size: int, methods=METHODS, groups=GROUPS, knobs=None,
              report=print, **settings):
    """Train every method on `seeds` of one setup; returns (replica results, {group: trainer}, seconds).

    Each group of methods is one ReplicaTrainer (one traced step): methods needing one backward pass
    apart from those needing a gradient per task, so that the first do not pay for the second. A seed's
    data, initial weights and batch order are the same in every group. method_table(replica results)
    gives one row per seed and method."""
    setup = SETUPS[setup_name]
    splits = {seed: make_splits(setup_name, seed, num_train=num_train, num_validation=num_validation,
                                num_test=num_test, **{**setup.knobs, **(knobs or {})}) for seed in seeds}
    start = time.perf_counter()
    trainers, results = {}, []
    for group in groups:
        chosen = tuple(m for m in group if m in methods)
        if not chosen:
            continue
        trainer = ReplicaTrainer(setup, replica_plan(seeds, setup, chosen), splits,
                                 uncertainty_layer=uncertainty_layer, dwa=dwa, **settings)
        trainers[chosen] = trainer.fit(epochs=epochs, batch_size=batch_size)
        results.append(trainer.results())
    import pandas as pd

    replicas = pd.concat(results, ignore_index=True).assign(setup=setup_name)
    seconds = time.perf_counter() - start
    if report is not None:
        report(f"{setup_name}: {len(replicas)} replicas ({len(seeds)} seeds) trained for {epochs} epochs in "
               f"{seconds:.1f} s")
    return replicas, trainers, seconds


def step_timings(setup_name: str, *, uncertainty_layer, dwa, methods=METHODS, rounds: int = 7, steps: int = 30,
                 batch_size: int = 512, shared_units=(256, 128), tower_units: int = 64, num_rows: int = 4096):
    """Seconds per training step of one network per method, measured in interleaved rounds.

    One network per method (a wider one than the experiments', 256 and 128 shared units, so that the
    arithmetic and not the call overhead is timed), traced and warmed up first; then in every round,
    batch after batch, every method takes one step on that batch in a shuffled order, so that a change
    of load on the machine hits every method alike. "tuned weights" has the step of "equal weights" (tuning
    repeats whole runs instead). Returns a DataFrame: round, method, seconds (mean per step)."""
    import pandas as pd

    setup = SETUPS[setup_name]
    splits = {0: make_splits(setup_name, 0, num_train=num_rows, num_validation=2, num_test=2, **setup.knobs)}
    rng = np.random.default_rng(0)
    batches = [tf.constant(rng.choice(num_rows, batch_size, replace=False), tf.int32) for _ in range(steps)]
    trainers = {}
    for method in methods:
        if method == "tuned weights":
            continue
        plan = replica_plan([0], setup, (method,))
        trainers[method] = ReplicaTrainer(setup, plan, splits, uncertainty_layer=uncertainty_layer, dwa=dwa,
                                          shared_units=shared_units, tower_units=tower_units)
        trainers[method].step(batches[0], tf.constant(True))[0].numpy()  # trace and warm up
    rows = []
    for round_ in range(rounds):
        spent = {method: 0.0 for method in trainers}
        for batch in batches:  # step by step, the methods in a new order each time: the same load for all
            for method in rng.permutation(list(trainers)):
                begin = time.perf_counter()
                trainers[method].step(batch, tf.constant(False))[0].numpy()
                spent[method] += time.perf_counter() - begin
        for method, seconds in spent.items():
            rows.append({"round": round_, "method": str(method), "seconds": seconds / steps})
            if method == "equal weights" and "tuned weights" in methods:
                rows.append({"round": round_, "method": "tuned weights", "seconds": seconds / steps})
    return pd.DataFrame(rows)


# --- reading the committed full run (notebook 10) ---------------------------------------------------

def load_committed():
    """(replica results, run metadata) of the committed full run: bench/results/loss_balancing.csv and .json."""
    import pandas as pd

    meta = json.loads((RESULTS / "loss_balancing.json").read_text(encoding="utf-8"))
    return pd.read_csv(RESULTS / "loss_balancing.csv"), meta


def step_frame(meta: dict, setup_name: str):
    """The committed step timings of one setup: one row per round and method, milliseconds per step."""
    import pandas as pd

    frame = pd.DataFrame(meta["step_seconds"][setup_name])
    return frame.assign(milliseconds=frame["seconds"] * 1000.0)


def timing_table(meta: dict):
    """Median milliseconds per step over the rounds, and the ratio to equal weights, per setup and method."""
    import pandas as pd

    rows = []
    for setup_name in meta["step_seconds"]:
        frame = step_frame(meta, setup_name)
        median = frame.groupby("method")["milliseconds"].median()
        for method in METHODS:
            rows.append({"setup": setup_name, "method": method, "ms per step": round(float(median[method]), 2),
                         "x equal weights": round(float(median[method] / median["equal weights"]), 2)})
    return pd.DataFrame(rows).pivot(index="method", columns="setup").reindex(list(METHODS))


def weight_trajectories(trainer: ReplicaTrainer):
    """One row per epoch and adaptive replica: the loss weights it used in that epoch."""
    import pandas as pd

    history = np.array(trainer.weight_history)  # (epochs, R, K)
    rows = []
    for r, row in enumerate(trainer.plan):
        if row["method"] in ("uncertainty", "DWA", "GradNorm"):
            for epoch, weights in enumerate(history[:, r]):
                rows.append({"method": row["method"], "seed": row["seed"], "epoch": epoch + 1,
                             "weight 0": weights[0], "weight 1": weights[1]})
    return pd.DataFrame(rows)


def tradeoff_plot(ax, replicas, setup_name: str):
    """The fixed weights' trade-off (mean test metric of each task over seeds, one point per ratio of the
    grid, joined) with each adaptive method's mean as a marker: which trade-offs fixed weights reach."""
    setup = SETUPS[setup_name]
    x_name, y_name = (f"{task} {metric}" for task, metric in zip(setup.tasks, setup.metrics))
    part = replicas[replicas.setup == setup_name] if "setup" in replicas else replicas
    grid = part[part.method == "fixed"].groupby("ratio")[[x_name, y_name]].mean().sort_index(ascending=False)
    ax.plot(grid[x_name], grid[y_name], "-o", color="gray", label="fixed weights (grid)")
    for ratio, point in grid.iterrows():
        ax.annotate(f"{ratio:.3g}", (point[x_name], point[y_name]), fontsize=7, color="gray",
                    textcoords="offset points", xytext=(3, 3))
    for index, method in enumerate(ADAPTIVE):
        rows = part[part.method == method]
        if len(rows):
            ax.plot(rows[x_name].mean(), rows[y_name].mean(), "s", color=f"C{index}", label=method)
    ax.set_xlabel(f"{x_name} ({'higher' if setup.metrics[0] == 'AUC' else 'lower'} is better)")
    ax.set_ylabel(f"{y_name} (lower is better)")
    ax.set_title(f"{setup_name}: mean over {part.seed.nunique()} seeds; labels: weight ratio w1/w0", fontsize=9)
    ax.legend(fontsize="small")
    return ax
