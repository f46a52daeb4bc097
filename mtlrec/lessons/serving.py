"""Serving cost of multi-task rankers: parameters, FLOPs and batch latency (notebook 12, bench/serving_cost.py).

A ranking request scores `num_candidates` (user, item) pairs at once, each a dense input of `input_dim`
features (embeddings and statistics already looked up). The builders here make the three families of
lessons 04 and 09 at the sizes a production ranker uses, every expert one ReLU layer computed for all
experts in one einsum (`ExpertBank`), one softmax gate per task, one tower per task:
- shared bottom: two shared ReLU layers, then the towers;
- MMoE: `num_experts` shared experts, each task's gate mixing all of them;
- CGC: `num_shared_experts` shared experts plus `num_task_experts` per task, each task's gate mixing the shared
  experts and its own; PLE: two CGC levels, the first with a shared gate over every expert feeding the second
  level's shared experts.
FLOPs are counted from the layers' weight shapes: 2 x inputs x outputs per row for every matrix product
(a multiply and an add), 2 x experts x units for a gate's weighted sum; bias adds, activations and the softmax
are left out (a few per cent). Latency is timed on a traced tf.function (no Keras `predict` overhead: no
batching loop, no callbacks, no conversion), after warm-up calls, over repeated calls; the median and the
10th-90th percentiles are reported.
"""

from __future__ import annotations

import time

import numpy as np

import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras
import tensorflow as tf
from keras import layers, ops

# the sizes of a production ranker (the bench's defaults; the notebook's live run uses the same)
INPUT_DIM, NUM_CANDIDATES, NUM_TASKS = 512, 1_000, 3
EXPERT_UNITS, TOWER_UNITS = 256, 128
WARMUP, REPEATS = 5, 30


class ExpertBank(layers.Layer):
    """`num_experts` ReLU experts on one input, as one einsum: (batch, d) -> (batch, num_experts, units)."""

    def __init__(self, num_experts, units, **kwargs):
        super().__init__(**kwargs)
        self.num_experts, self.units = int(num_experts), int(units)

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.num_experts, self.units), initializer="glorot_uniform",
                                      name="kernel")
        self.bias = self.add_weight(shape=(self.num_experts, self.units), initializer="zeros", name="bias")

    def call(self, inputs):
        return ops.relu(ops.einsum("bd,deu->beu", inputs, self.kernel) + self.bias)  # (batch, experts, units)

    def flops_per_row(self) -> int:
        return 2 * int(self.kernel.shape[0]) * self.num_experts * self.units

    def get_config(self):
        return {**super().get_config(), "num_experts": self.num_experts, "units": self.units}


class MixExperts(layers.Layer):
    """A gate's weighted sum of experts: [(batch, E, units), (batch, E)] -> (batch, units)."""

    def call(self, inputs):
        experts, weights = inputs
        self.shape_seen = (int(experts.shape[1]), int(experts.shape[2]))
        return ops.einsum("beu,be->bu", experts, weights)

    def flops_per_row(self) -> int:
        experts, units = self.shape_seen
        return 2 * experts * units


def _towers(shared_outputs, num_tasks: int, tower_units: int) -> dict:
    """One ReLU layer and a sigmoid output per task, each reading its own input."""
    return {f"task_{t}": layers.Dense(1, activation="sigmoid", name=f"task_{t}")(
        layers.Dense(tower_units, activation="relu", name=f"tower_{t}")(shared_outputs[t])) for t in range(num_tasks)}


def _gated(experts, x, num_experts: int, name: str):
    """A softmax gate on `x` over `experts` (batch, E, units) and their weighted sum (batch, units)."""
    weights = layers.Dense(num_experts, activation="softmax", name=f"{name}_gate")(x)
    return MixExperts(name=f"{name}_mix")([experts, weights])


def build_shared_bottom(input_dim=INPUT_DIM, *, num_tasks=NUM_TASKS, bottom_units=(512, EXPERT_UNITS),
                        tower_units=TOWER_UNITS) -> keras.Model:
    """Shared bottom: ReLU layers every task shares, then one tower per task."""
    x = keras.Input((input_dim,), name="features")
    hidden = x
    for i, units in enumerate(bottom_units):
        hidden = layers.Dense(units, activation="relu", name=f"bottom_{i}")(hidden)
    return keras.Model(x, _towers([hidden] * num_tasks, num_tasks, tower_units), name="shared_bottom")


def build_mmoe(input_dim=INPUT_DIM, *, num_tasks=NUM_TASKS, num_experts=8, expert_units=EXPERT_UNITS,
               tower_units=TOWER_UNITS) -> keras.Model:
    """MMoE: shared experts, one softmax gate per task over all of them."""
    x = keras.Input((input_dim,), name="features")
    experts = ExpertBank(num_experts, expert_units, name="experts")(x)  # (batch, E, units)
    mixed = [_gated(experts, x, num_experts, f"task_{t}") for t in range(num_tasks)]
    return keras.Model(x, _towers(mixed, num_tasks, tower_units), name=f"mmoe_{num_experts}")


def _cgc_level(inputs, task_inputs, num_tasks, num_shared_experts, num_task_experts, expert_units, name,
               shared_output: bool):
    """One CGC level: (task outputs, shared output or None); task t's gate mixes shared + its own experts."""
    shared = ExpertBank(num_shared_experts, expert_units, name=f"{name}_shared_experts")(inputs)
    own = [ExpertBank(num_task_experts, expert_units, name=f"{name}_task_{t}_experts")(task_inputs[t])
           for t in range(num_tasks)]
    outputs = [_gated(layers.Concatenate(axis=1)([shared, own[t]]), task_inputs[t],
                      num_shared_experts + num_task_experts, f"{name}_task_{t}") for t in range(num_tasks)]
    shared_out = None
    if shared_output:
        every = layers.Concatenate(axis=1)([shared] + own)
        shared_out = _gated(every, inputs, num_shared_experts + num_tasks * num_task_experts, f"{name}_shared")
    return outputs, shared_out


def build_cgc(input_dim=INPUT_DIM, *, num_tasks=NUM_TASKS, num_shared_experts=4, num_task_experts=2, levels=1,
              expert_units=EXPERT_UNITS, tower_units=TOWER_UNITS) -> keras.Model:
    """CGC (levels=1) or PLE (levels=2): shared plus task-specific experts, gates per task (lesson 09)."""
    x = keras.Input((input_dim,), name="features")
    shared_in, task_in = x, [x] * num_tasks
    for level in range(levels):
        task_in, shared_in = _cgc_level(shared_in, task_in, num_tasks, num_shared_experts, num_task_experts,
                                        expert_units, f"level_{level}", shared_output=level < levels - 1)
    name = "cgc" if levels == 1 else f"ple_{levels}_levels"
    return keras.Model(x, _towers(task_in, num_tasks, tower_units), name=name)


ARCHITECTURES = {  # name -> builder; the bench and the notebook's committed table
    "shared bottom": build_shared_bottom,
    "MMoE, 4 experts": lambda **k: build_mmoe(num_experts=4, **k),
    "MMoE, 8 experts": lambda **k: build_mmoe(num_experts=8, **k),
    "CGC, 4 shared + 2 per task": lambda **k: build_cgc(**k),
    "PLE, 2 levels": lambda **k: build_cgc(levels=2, **k),
}


def flops_per_candidate(model: keras.Model) -> int:
    """Floating-point operations to score one candidate, from the weight shapes (see the module docstring)."""
    total = 0
    for layer in model.layers:
        if isinstance(layer, layers.Dense):
            total += 2 * int(layer.kernel.shape[0]) * int(layer.kernel.shape[1])
        elif isinstance(layer, (ExpertBank, MixExperts)):
            total += layer.flops_per_row()
    return total


def latency(model: keras.Model, num_candidates: int = NUM_CANDIDATES, *, warmup: int = WARMUP,
            repeats: int = REPEATS, seed: int = 0) -> dict:
    """Seconds to score one request of `num_candidates` rows: a traced call timed `repeats` times after warm-up.

    Returns {"median_ms", "p10_ms", "p90_ms", "repeats"}; each timed call ends when its outputs are in numpy.
    """
    features = tf.constant(np.random.default_rng(seed).normal(size=(num_candidates, model.input_shape[-1])),
                           dtype=tf.float32)
    score = tf.function(lambda inputs: model(inputs, training=False))  # traced once, on the first call
    for _ in range(warmup):
        [value.numpy() for value in score(features).values()]
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        [value.numpy() for value in score(features).values()]
        seconds.append(time.perf_counter() - start)
    milliseconds = 1000.0 * np.array(seconds)
    return {"median_ms": float(np.median(milliseconds)), "p10_ms": float(np.percentile(milliseconds, 10)),
            "p90_ms": float(np.percentile(milliseconds, 90)), "repeats": repeats}


def serving_cost(builders: dict = ARCHITECTURES, num_candidates: int = NUM_CANDIDATES, *, warmup: int = WARMUP,
                 repeats: int = REPEATS, input_dim: int = INPUT_DIM) -> list[dict]:
    """One row per architecture: parameters, MFLOPs per candidate, GFLOPs per request and its latency."""
    rows = []
    for name, build in builders.items():
        keras.utils.set_random_seed(0)
        model = build(input_dim=input_dim)
        model(np.zeros((1, input_dim), np.float32))  # MixExperts learn their shapes on a call
        flops = flops_per_candidate(model)
        rows.append({"architecture": name, "parameters": int(model.count_params()),
                     "mflops_per_candidate": flops / 1e6, "gflops_per_request": flops * num_candidates / 1e9,
                     "num_candidates": num_candidates,
                     **latency(model, num_candidates, warmup=warmup, repeats=repeats)})
    return rows
