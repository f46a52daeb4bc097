"""Checks for ex09_ple (notebook 09): the CGC layer and build_ple.

CGC is checked through what it does, for several sizes (shared experts, experts per task, units, tasks
and input widths varied, none alike; no shared experts; no task experts; with and without the shared
output): the outputs' number and shapes; outputs that are never negative (ReLU experts, non-negative
weights); gate weights of the documented widths that are non-negative and sum to one, and come from ONE
softmax of a Dense layer on the gate's own input (their log-ratios are affine in it); a gate of its own
per task. Then the experts themselves are recovered from outside: the gates' weights are moved at random
a dozen times and, sample by sample, each output is solved as a linear mixture of the experts it sees
with exactly the weights gate_weights reports. That must fit, the shared experts must be the same for
every task (and for the shared gate), each task's own experts its own (and the shared gate's), every
expert ReLU(affine). With a list of inputs of different widths, task t's output and gate must read
inputs[t] only, the shared experts and shared gate the last input. get_config / from_config / `.keras`
round trip keeping the base config.

build_ple is checked for what it returns (compiled with Adam at the learning rate asked, the mean
squared error on each named (batch, 1) output, weights 1), for its levels (the CGC layers it holds: as
many as num_levels, with the sizes asked, the shared output on every level but the last, and, recorded
during one call, level l + 1 reading exactly the list level l returned, level 0 reading x), for its
wiring (every weight trained by some output; each task a tower of its own of the documented size), and
for one step of its own fit; argument errors raise ValueError.
"""

from __future__ import annotations

import contextlib

import os
import re
import tempfile
import traceback
import warnings
from pathlib import Path

import numpy as np

import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras
import tensorflow as tf

from mtlrec.checks import expect_value_error, short
from mtlrec.checks.keras_tools import (
    assert_compiled, assert_optimizer, build, compiled_loss_weights, compiled_losses, fit_once, fresh_session,
    layers_of_class, output_names, predict, recorded_calls, variables_reached)

# (num_shared_experts, num_task_experts, expert_units, num_tasks, input_dim, batch, shared_output): no two
# sizes alike within a probe; the boundaries: no shared experts (tasks share nothing), no task experts (MMoE)
LAYER_PROBES = ((2, 1, 5, 2, 7, 24, False), (1, 2, 4, 3, 6, 26, True), (0, 2, 3, 2, 5, 22, True),
                (3, 0, 4, 2, 6, 22, False))
LIST_PROBE = (2, 1, 4, 2, (5, 7, 6), 24)  # list inputs: widths of task 0's, task 1's and the shared input
GATE_FIT_TOLERANCE = 1e-3  # log-ratios of softmax(Dense(x)) are affine in x: misfit ~1e-6 in float32
MIXTURE_TOLERANCE = 2e-3  # relative misfit of outputs as mixtures of the reported gates: ~1e-5 for the reference
PERTURBATIONS = 14  # random moves of the gate weights used to solve for the experts (> experts seen)


# ------------------------------------------------------------------------------ calling the learner's layer
def _sizes(num_shared: int, num_task: int, units: int, num_tasks: int, shared_output: bool = False, **kwargs) -> str:
    extra = "".join(f", {key}={value!r}" for key, value in kwargs.items())
    return (f"CGC(num_shared_experts={num_shared}, num_task_experts={num_task}, expert_units={units}, "
            f"num_tasks={num_tasks}, shared_output={shared_output}{extra})")


def _where(error: BaseException, impl) -> str:
    """' (file, line N: code)' for the innermost frame of the traceback in the learner's file."""
    path = getattr(impl, "__file__", None)
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if path is not None and Path(f.filename).resolve() == Path(path).resolve()]
    return f" ({Path(path).name}, line {frames[-1].lineno}: {frames[-1].line})" if frames else ""


def _run(impl, what: str, function, *args, hint: str = ""):
    """Call the learner's code; NotImplementedError in a started class and other exceptions become messages."""
    try:
        return function(*args)
    except NotImplementedError as error:
        frames = traceback.extract_tb(error.__traceback__)
        method = frames[-1].name if frames else "a method"
        raise AssertionError(f"CGC.{method}() still raises NotImplementedError; __init__ works, so finish the other "
                             "methods too (build, gate_weights, call, get_config)") from None
    except AssertionError:
        raise
    except Exception as error:
        text = re.sub(r"\x1b\[[0-9;]*m", "", str(error)).strip()
        text = text if len(text) <= 400 else text[:397] + "..."
        if "already built" in text and not hint:
            hint = (" Likely cause: one sublayer built twice, i.e. the same Dense layer used in two places (e.g. "
                    "`[layers.Dense(...)] * n` repeats ONE layer): experts and gates that must be distinct need a "
                    "new Dense each.")
        raise AssertionError(f"{what} raised {type(error).__name__}: {text}{_where(error, impl)}.{hint}") from error


def _make_layer(impl, num_shared: int, num_task: int, units: int, num_tasks: int, shared_output: bool = False,
                **kwargs):
    """impl.CGC(...) made in a fresh session; a stub's NotImplementedError passes through (not attempted)."""
    fresh_session(0)
    what = _sizes(num_shared, num_task, units, num_tasks, shared_output, **kwargs)
    try:
        layer = impl.CGC(num_shared_experts=num_shared, num_task_experts=num_task, expert_units=units,
                         num_tasks=num_tasks, shared_output=shared_output, **kwargs)
    except (NotImplementedError, AssertionError):
        raise
    except Exception as error:
        text = re.sub(r"\x1b\[[0-9;]*m", "", str(error)).strip()[:400]
        raise AssertionError(f"{what} raised {type(error).__name__}: {text}{_where(error, impl)}") from error
    if not isinstance(layer, keras.layers.Layer):
        raise AssertionError(f"CGC(...) made a {type(layer).__name__}; expected a keras.layers.Layer subclass")
    return layer


def _as_list(value, what: str, count: int, widths, batch: int, kind: str = "tensors") -> list[np.ndarray]:
    """Demand a list/tuple of `count` finite arrays of shapes (batch, widths[i])."""
    if not isinstance(value, (list, tuple)):
        raise AssertionError(f"{what} returned {type(value).__name__} {short(value)}; expected a Python list of "
                             f"{count} {kind}")
    if len(value) != count:
        raise AssertionError(f"{what} returned a list of {len(value)} {kind}; expected {count}")
    arrays = []
    for index, item in enumerate(value):
        array = np.asarray(item)
        if array.shape != (batch, widths[index]):
            raise AssertionError(f"{what}[{index}] has shape {array.shape}; expected {(batch, widths[index])}")
        if not np.all(np.isfinite(array)):
            raise AssertionError(f"{what}[{index}] contains NaN or infinite values")
        arrays.append(array.astype(np.float64))
    return arrays


def _outputs(impl, layer, inputs, what: str, num_tasks: int, units: int, shared_output: bool, batch: int):
    count = num_tasks + int(shared_output)
    described = (f"{num_tasks} task outputs" + (" and then the shared output" if shared_output else "")
                 + f", each (batch, {units})")
    value = _run(impl, what, layer, inputs)
    if isinstance(value, (list, tuple)) and len(value) != count:
        cause = ""
        if shared_output and len(value) == num_tasks:
            cause = " Likely cause: shared_output=True but the shared gate's output is not returned (it comes last)."
        elif not shared_output and len(value) == num_tasks + 1:
            cause = " Likely cause: a shared output returned although shared_output=False."
        raise AssertionError(f"{what} returned a list of {len(value)} tensors; expected {count}: {described}.{cause}")
    return _as_list(value, what, count, [units] * count, batch)


def _gate_widths(num_shared: int, num_task: int, num_tasks: int, shared_output: bool) -> list[int]:
    return [num_shared + num_task] * num_tasks + ([num_shared + num_tasks * num_task] if shared_output else [])


def _gates(impl, layer, inputs, what: str, num_shared: int, num_task: int, num_tasks: int, shared_output: bool,
           batch: int) -> list[np.ndarray]:
    """gate_weights: a list of the documented widths; rows non-negative and summing to one."""
    if not callable(getattr(layer, "gate_weights", None)):
        raise AssertionError("CGC has no method gate_weights(inputs); the docstring asks for it so that the gates "
                             "can be checked: return the list of each task's gate weights (and the shared gate's)")
    widths = _gate_widths(num_shared, num_task, num_tasks, shared_output)
    call = f"{what}.gate_weights(inputs)"
    value = _run(impl, call, layer.gate_weights, inputs)
    if isinstance(value, (list, tuple)) and len(value) == len(widths):
        for index, (item, width) in enumerate(zip(value, widths)):
            got = np.asarray(item).shape
            if len(got) == 2 and got[1] != width:
                name = f"task {index}'s gate" if index < num_tasks else "the shared gate"
                cause = ""
                if index < num_tasks and got[1] == num_shared + num_tasks * num_task and num_tasks * num_task != num_task:
                    cause = (f" That is every expert of the layer: task {index}'s gate sees the other tasks' own "
                             "experts. A task's gate weighs only the shared experts and that task's own; only the "
                             "shared gate sees everything.")
                elif index < num_tasks and got[1] == num_shared and num_task:
                    cause = " That is the shared experts only: the task's own experts are left out of its gate."
                elif index < num_tasks and got[1] == num_task and num_shared:
                    cause = " That is the task's own experts only: the shared experts are left out of its gate."
                elif index == num_tasks and got[1] == num_shared and num_task:
                    cause = " That is the shared experts only: the shared gate weighs every expert of the level."
                raise AssertionError(f"{call}[{index}] ({name}) has {got[1]} columns; expected {width} (one weight per "
                                     f"expert it sees).{cause}")
    gates = _as_list(value, call, len(widths), widths, batch, kind="gate tensors"
                     + (f" ({num_tasks} task gates, then the shared gate)" if shared_output else ""))
    for index, gate in enumerate(gates):
        name = f"task {index}'s gate" if index < num_tasks else "the shared gate"
        sums = gate.sum(axis=1)
        if gate.min() < -1e-6 or not np.allclose(sums, 1.0, atol=1e-4):
            cause = ""
            if gate.min() >= 0 and np.allclose(sums, 2.0, atol=1e-4):
                cause = (" The rows sum to 2: two softmaxes, one over the shared experts and one over the task's own, "
                         "each summing to one. One gate is ONE softmax over all the experts it sees.")
            elif gate.min() >= 0 and np.allclose(gate.sum(axis=0), 1.0, atol=1e-4):
                cause = " Likely cause: the softmax runs over the batch (axis 0); it must run over the experts."
            elif gate.min() >= 0 and gate.max() <= 1:
                cause = " Likely cause: a sigmoid gate; a softmax over the experts makes the weights sum to one."
            raise AssertionError(f"{what}: {name}'s weights are {short(gate[:2])} (first rows); each row must be "
                                 f"non-negative and sum to 1 over the {gate.shape[1]} experts it weighs, but the row "
                                 f"sums are {short(sums[:5])}.{cause}")
    return gates


def _affine_misfit(x: np.ndarray, values: np.ndarray) -> float:
    """Largest residual of the least-squares fit values ~ x @ A + c (values: (rows, columns))."""
    design = np.hstack([np.asarray(x, np.float64), np.ones((len(x), 1))])
    coefficients, *_ = np.linalg.lstsq(design, values, rcond=None)
    return float(np.abs(design @ coefficients - values).max())


def _assert_one_softmax(gates, gate_inputs, what: str, num_shared: int, num_tasks: int, input_name) -> None:
    """softmax(x W + b): log g[j] - log g[0] = x (W_j - W_0) + (b_j - b_0), affine in the gate's input."""
    for index, (gate, x) in enumerate(zip(gates, gate_inputs)):
        if gate.shape[1] < 2:
            continue
        name = f"task {index}'s gate" if index < num_tasks else "the shared gate"
        logs = np.log(np.maximum(gate, 1e-30))
        ratios = logs[:, 1:] - logs[:, :1]  # (batch, experts - 1)
        misfit = _affine_misfit(x, ratios)
        if misfit <= GATE_FIT_TOLERANCE * max(1.0, np.abs(ratios).max()):
            continue
        split = num_shared if 0 < num_shared < gate.shape[1] else None
        within = split is not None and all(
            block.shape[1] < 2 or _affine_misfit(x, np.log(np.maximum(block[:, 1:], 1e-30))
                                                 - np.log(np.maximum(block[:, :1], 1e-30)))
            <= GATE_FIT_TOLERANCE * max(1.0, np.abs(ratios).max()) for block in (gate[:, :split], gate[:, split:]))
        if within:
            cause = ("two softmaxes: one over the shared experts and one over the task's own (each block alone is a "
                     "softmax, the two together are not one). A task's gate is ONE softmax over the shared experts "
                     "and its own together, so they compete for the same weight")
        elif np.abs(ratios).max() < 1.0 + 1e-6:
            cause = ("one softmax too many: the log-ratios of the weights never leave [-1, 1], what a softmax of weights "
                     "that are already a softmax gives (Dense(..., activation='softmax') followed by ops.softmax); "
                     "the weights are squeezed towards uniform and no expert can ever be picked")
        else:
            cause = (f"a gate that is not softmax(Dense(...)({input_name(index)})): another activation before the "
                     "softmax, a hidden layer in the gate, a gate fed with something else (another input, the "
                     "experts' outputs), or weights normalised by their sum instead of a softmax")
        raise AssertionError(f"{what}: {name}'s weights do not come from one softmax of a Dense layer on "
                             f"{input_name(index)}. For softmax(x W + b), log g[j] - log g[0] is an affine function of "
                             f"x, but here it misses the best affine fit by {misfit:.3g}. Likely cause: {cause}.")


def _assert_non_negative(outputs, what: str, num_tasks: int) -> None:
    for index, output in enumerate(outputs):
        if output.min() < -1e-6:
            name = f"task {index}'s output" if index < num_tasks else "the shared output"
            raise AssertionError(f"{what}: {name} has negative values (down to {output.min():.4g}); ReLU experts are "
                                 "never negative and the gate weights are non-negative, so every output is >= 0. "
                                 "Likely cause: experts without activation='relu' (linear or tanh experts go negative).")


# ------------------------------------------------------------------------------ the experts, recovered from outside
def _handles(variables):
    return [v.value if hasattr(v, "value") else v for v in variables]


def _gate_variables(layer, inputs) -> list:
    """The trainable variables the gates depend on (a non-zero gradient of gate_weights)."""
    variables = layer.trainable_variables
    rng = np.random.default_rng(11)
    with tf.GradientTape() as tape:
        gates = layer.gate_weights(inputs)
        objective = tf.add_n([tf.reduce_sum(tf.cast(tf.convert_to_tensor(g), tf.float32)
                                            * rng.normal(size=tuple(np.shape(g))).astype("float32")) for g in gates])
    gradients = tape.gradient(objective, _handles(variables))
    return [v for v, g in zip(variables, gradients) if g is not None and np.any(np.asarray(g) != 0.0)]


def _recover_experts(impl, layer, inputs, what: str, counts) -> list[np.ndarray]:
    """Move the gate variables at random PERTURBATIONS times; per sample, solve every output as
    gates @ experts (least squares). Returns, per output, the experts it mixes (batch, experts seen, units);
    raises when the outputs are not such mixtures of the weights gate_weights reports."""
    gate_variables = _gate_variables(layer, inputs)
    if not gate_variables:
        raise AssertionError(f"{what}: gate_weights(inputs) does not depend on any trainable variable of the layer; "
                             "each gate is a trainable Dense(..., activation='softmax') layer of the CGC")
    originals = [np.asarray(v) for v in gate_variables]
    rng = np.random.default_rng(5)
    gate_rows, output_rows = [], []
    try:
        for move in range(PERTURBATIONS):
            for variable, original in zip(gate_variables, originals):
                variable.assign((original + rng.normal(0.0, 0.8, original.shape)).astype(original.dtype))
            gate_rows.append([np.asarray(g, np.float64) for g in layer.gate_weights(inputs)])
            output_rows.append([np.asarray(o, np.float64) for o in layer(inputs)])
    finally:
        for variable, original in zip(gate_variables, originals):
            variable.assign(original)
    recovered, worst = [], 0.0
    for index in range(len(counts)):
        gates = np.stack([row[index] for row in gate_rows])  # (moves, batch, experts seen)
        outputs = np.stack([row[index] for row in output_rows])  # (moves, batch, units)
        experts = np.empty((gates.shape[1], gates.shape[2], outputs.shape[2]))
        for sample in range(gates.shape[1]):
            solution, *_ = np.linalg.lstsq(gates[:, sample], outputs[:, sample], rcond=None)
            residual = np.abs(gates[:, sample] @ solution - outputs[:, sample]).max()
            worst = max(worst, residual / (np.abs(outputs[:, sample]).max() + 1e-6))
            experts[sample] = solution
        recovered.append(experts)
    if worst > MIXTURE_TOLERANCE:
        raise AssertionError(
            f"{what}: the outputs are not gate-weighted sums of the experts with the weights gate_weights returns "
            f"(with the gates' weights moved at random, the outputs miss the best such mixture by {worst:.3g}, "
            "relative). Each output must be sum over j of gate_weights(inputs)[t][:, j] * expert_j, with the very "
            "weights gate_weights returns. Likely cause: call() applies another softmax to the gate weights, mixes "
            "with weights other than gate_weights returns, does something after mixing (a ReLU on the mixture), or "
            "the gates share weights with the experts.")
    return recovered


def _assert_experts(recovered, what: str, num_shared: int, num_task: int, num_tasks: int, shared_output: bool,
                    distinct_own: bool) -> None:
    """Shared experts common to every task (and the shared gate), own experts each task's own."""
    scale = max(1e-6, max(float(np.abs(e).max()) for e in recovered))
    tolerance = 5e-3 * scale
    if num_shared:
        for task in range(1, num_tasks):
            gap = float(np.abs(recovered[task][:, :num_shared] - recovered[0][:, :num_shared]).max())
            if gap > tolerance:
                raise AssertionError(
                    f"{what}: the experts weighed by the first {num_shared} columns of task {task}'s gate (the shared "
                    f"experts) differ from task 0's by up to {gap:.3g}: the shared experts must be the SAME layers for "
                    "every task. Likely cause: each task builds its own copy of the 'shared' experts, or the gate's "
                    "columns are not in the documented order (the shared experts first, then the task's own).")
    if num_task and distinct_own:
        for task in range(1, num_tasks):
            for other in range(task):
                gap = float(np.abs(recovered[task][:, num_shared:] - recovered[other][:, num_shared:]).max())
                if gap <= 1e-6 * scale:
                    raise AssertionError(
                        f"{what}: the experts of task {task}'s own columns are exactly task {other}'s: the task-specific "
                        "experts are shared among the tasks. Each task needs NEW Dense layers for its own experts "
                        "(`[experts] * num_tasks` repeats one list; one expert list used for every task is MMoE "
                        "with more experts, not CGC).")
    if shared_output:
        every = recovered[num_tasks]
        blocks = [(slice(0, num_shared), 0, slice(0, num_shared), "the shared experts")] if num_shared else []
        blocks += [(slice(num_shared + t * num_task, num_shared + (t + 1) * num_task), t, slice(num_shared, None),
                    f"task {t}'s own experts") for t in range(num_tasks) if num_task]
        for columns, task, own, label in blocks:
            gap = float(np.abs(every[:, columns] - recovered[task][:, own]).max())
            if gap > tolerance:
                raise AssertionError(
                    f"{what}: the shared gate's columns {columns.start}..{columns.stop - 1} should weigh {label} (the "
                    "shared gate sees every expert: the shared ones first, then task 0's, task 1's, ...), but the "
                    f"experts they mix differ from those by up to {gap:.3g}. Likely cause: the shared gate mixes "
                    "other experts or in another order, or task {task}'s gate mixes experts other than its own.")
    for index, experts in enumerate(recovered):
        if experts.min() < -tolerance:
            raise AssertionError(f"{what}: an expert takes negative values (down to {experts.min():.3g}); every expert "
                                 "is Dense(expert_units, activation='relu'), never negative")


def _assert_relu_affine(recovered, x: np.ndarray, what: str, num_shared: int, num_tasks: int) -> None:
    """With one input, every recovered expert unit is ReLU(affine in x): affine where it is positive."""
    input_dim = x.shape[1]
    for task in range(num_tasks):
        experts = recovered[task]
        for expert in range(experts.shape[1]):
            if task and expert < num_shared:
                continue  # the shared experts were checked with task 0
            for unit in range(experts.shape[2]):
                column = experts[:, expert, unit]
                active = column > 1e-4 * max(1.0, np.abs(column).max())
                if active.sum() < input_dim + 5:
                    continue
                misfit = _affine_misfit(x[active], column[active, None])
                if misfit > 2e-3 * max(1.0, np.abs(column).max()):
                    kind = "shared" if expert < num_shared else f"task {task}'s own"
                    raise AssertionError(
                        f"{what}: a {kind} expert is not ReLU(Dense(x)): where unit {unit} is positive it should be an "
                        f"affine function of x, but it misses the best affine fit by {misfit:.3g}. Likely cause: an "
                        "expert activation other than 'relu' (sigmoid, softplus, ...) or an expert with more than one "
                        "layer; the docstring asks for Dense(expert_units, activation='relu').")


def _nudge(layer, inputs) -> None:
    """One plain gradient step pulling each output a different way (separates gates that start alike)."""
    rng = np.random.default_rng(3)
    directions = [rng.normal(size=(1, np.asarray(o).shape[1])).astype("float32") for o in layer(inputs)]
    with tf.GradientTape() as tape:
        objective = tf.add_n([tf.reduce_mean(tf.convert_to_tensor(o) * d * (t + 1.0))
                              for t, (o, d) in enumerate(zip(layer(inputs), directions))])
    variables = layer.trainable_variables
    for variable, gradient in zip(variables, tape.gradient(objective, _handles(variables))):
        if gradient is not None:
            variable.assign(variable - 0.5 * tf.convert_to_tensor(gradient))


def _probe(batch: int, input_dim: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(batch, input_dim)).astype("float32")


# ------------------------------------------------------------------------------ CGC
def check_cgc(impl) -> None:
    """ValueErrors; four sizes with one input (shapes, gates, one softmax, own gates, recovered experts);
    a list of inputs of different widths (who reads what); config and .keras round trip."""
    _check_one_input(impl, *LAYER_PROBES[0])  # first: a stub's NotImplementedError means "not attempted"
    _check_defaults_and_large_inputs(impl)
    _check_value_errors(impl)
    _check_list_inputs(impl)
    for probe in LAYER_PROBES[1:]:
        _check_one_input(impl, *probe)
    _check_round_trip(impl)


def _check_defaults_and_large_inputs(impl) -> None:
    """shared_output left at its default (False): num_tasks outputs; gates stay a softmax for large inputs."""
    fresh_session(0)
    what = "CGC(num_shared_experts=2, num_task_experts=1, expert_units=5, num_tasks=2) (shared_output at its default)"
    layer = _run(impl, what, lambda: impl.CGC(num_shared_experts=2, num_task_experts=1, expert_units=5, num_tasks=2))
    x = _probe(24, 7, seed=9)
    outputs = _run(impl, f"{what}(x)", layer, x)
    if isinstance(outputs, (list, tuple)) and len(outputs) != 2:
        raise AssertionError(f"{what}(x) returned {len(outputs)} tensors; expected 2, one per task: the signature's "
                             "default is shared_output=False (a level's shared output only where it is asked for)")
    rng = np.random.default_rng(9)  # random weights (a gate initialised to zero gives logits 0 whatever x)
    for variable in layer.trainable_variables:
        variable.assign(rng.normal(size=tuple(variable.shape)).astype(variable.dtype))
    large = x * 300.0  # logits in the hundreds: exp() overflows unless the largest logit is subtracted first
    gates = _gates(impl, layer, large, f"{what}, on inputs scaled by 300,", 2, 1, 2, False, len(x))
    del gates  # _gates demands finite rows summing to one
    _outputs(impl, layer, large, f"{what}(x * 300)", 2, 5, False, len(x))


def _check_value_errors(impl) -> None:
    cases = [((0, 0, 4, 2), "num_shared_experts + num_task_experts < 1: a task would see no expert"),
             ((2, 1, 4, 0), "num_tasks < 1"),
             ((-1, 2, 4, 2), "a negative number of shared experts")]
    for (shared, own, units, tasks), why in cases:
        what = f"CGC(num_shared_experts={shared}, num_task_experts={own}, expert_units={units}, num_tasks={tasks})"
        expect_value_error(lambda *a: impl.CGC(num_shared_experts=a[0], num_task_experts=a[1], expert_units=a[2],
                                               num_tasks=a[3]), (shared, own, units, tasks), what,
                           f"the docstring asks for ValueError when {why}")


def _check_one_input(impl, num_shared, num_task, units, num_tasks, input_dim, batch, shared_output) -> None:
    what = _sizes(num_shared, num_task, units, num_tasks, shared_output)
    x = _probe(batch, input_dim, seed=input_dim + num_tasks)
    layer = _make_layer(impl, num_shared, num_task, units, num_tasks, shared_output)
    call = f"{what}(x of shape {x.shape})"
    with warnings.catch_warnings():  # Keras warns about a softmax over one unit (a gate with one expert)
        warnings.simplefilter("ignore")
        outputs = _outputs(impl, layer, x, call, num_tasks, units, shared_output, batch)
        _assert_non_negative(outputs, what, num_tasks)
        gates = _gates(impl, layer, x, what, num_shared, num_task, num_tasks, shared_output, batch)
        _assert_one_softmax(gates, [x] * len(gates), what, num_shared, num_tasks, lambda index: "the input x")
        again = _outputs(impl, layer, x, f"{call} called a second time", num_tasks, units, shared_output, batch)
        if not all(np.allclose(a, b, atol=1e-6) for a, b in zip(outputs, again)):
            raise AssertionError(f"{what}: calling the layer twice on the same input gives different outputs. Likely "
                                 "cause: Dense layers created inside call() (new random weights at every call); "
                                 "create them in __init__.")
        # a gate of its own per task (on one input, two tasks with one gate layer get identical weights)
        if num_tasks > 1 and gates[0].shape[1] > 1 and np.allclose(gates[0], gates[1], atol=1e-6):
            _nudge(layer, x)
            gates = _gates(impl, layer, x, what + " after one gradient step", num_shared, num_task, num_tasks,
                           shared_output, batch)
            if np.allclose(gates[0], gates[1], atol=1e-6):
                raise AssertionError(f"{what}: task 0 and task 1 get identical gate weights {short(gates[0][:2])}, even "
                                     "after a training step that pulls the tasks apart: one gate layer reused for every "
                                     "task. Each task needs a gate (a Dense layer) of its own.")
        if gates[0].shape[1] > 1 and np.allclose(gates[0], gates[0][:1], atol=1e-6):
            raise AssertionError(f"{what}: task 0's gate weights are the same for every input ({short(gates[0][0])}); a "
                                 "gate is a softmax of a Dense layer applied to the input, so it depends on it")
        counts = _gate_widths(num_shared, num_task, num_tasks, shared_output)
        recovered = _recover_experts(impl, layer, x, what, counts)
    _assert_experts(recovered, what, num_shared, num_task, num_tasks, shared_output, distinct_own=True)
    _assert_relu_affine(recovered, x.astype(np.float64), what, num_shared, num_tasks)


def _check_list_inputs(impl) -> None:
    """inputs = [task 0's, task 1's, shared] of widths 5, 7, 6: who reads which input."""
    num_shared, num_task, units, num_tasks, widths, batch = LIST_PROBE
    what = _sizes(num_shared, num_task, units, num_tasks, True)
    rng = np.random.default_rng(8)
    inputs = [rng.normal(size=(batch, w)).astype("float32") for w in widths]
    described = ("inputs = [task 0's input of shape (24, 5), task 1's (24, 7), the shared input (24, 6)] (a list of "
                 "num_tasks + 1 tensors, as one PLE level passes to the next)")
    call = f"{what} on {described}"
    hint = (" With a list, task t's experts and gate read inputs[t] and the shared experts and shared gate read "
            "inputs[-1]; build(input_shape) then receives a list of shapes, one per input.")
    layer = _make_layer(impl, num_shared, num_task, units, num_tasks, True)
    outputs = _as_list(_run(impl, call, layer, inputs, hint=hint), call, num_tasks + 1, [units] * (num_tasks + 1), batch)
    gates = _gates(impl, layer, inputs, call, num_shared, num_task, num_tasks, True, batch)
    names = ["inputs[0] (task 0's input)", "inputs[1] (task 1's input)", "inputs[-1] (the shared input)"]
    _assert_one_softmax(gates, [inputs[0], inputs[1], inputs[2]], call, num_shared, num_tasks, lambda i: names[i])
    # task t's output reads inputs[t] and the shared input, never another task's input
    for changed in range(num_tasks + 1):
        moved = list(inputs)
        moved[changed] = (inputs[changed] + rng.normal(0.0, 1.5, inputs[changed].shape)).astype("float32")
        after = _as_list(layer(moved), call, num_tasks + 1, [units] * (num_tasks + 1), batch)
        for task in range(num_tasks):
            same = np.allclose(after[task], outputs[task], atol=1e-6)
            if changed < num_tasks and changed != task and not same:
                raise AssertionError(
                    f"{call}: changing {names[changed]} changes task {task}'s output. Task {task}'s output mixes the "
                    f"shared experts (which read the shared input) and its own experts with its own gate (which read "
                    f"inputs[{task}]); another task's input must not reach it. Likely cause: task {task}'s gate or "
                    f"experts read the wrong input, or its gate weighs another task's private experts.")
            if (changed == task or changed == num_tasks) and same:
                reader = ("its own experts and gate" if changed == task else "the shared experts")
                raise AssertionError(f"{call}: changing {names[changed]} does not change task {task}'s output, though "
                                     f"{reader} read it. Likely cause: the list's items are not passed to the right "
                                     "experts and gates (task t's read inputs[t], the shared ones inputs[-1]).")
        if changed == num_tasks and np.allclose(after[-1], outputs[-1], atol=1e-6):
            raise AssertionError(f"{call}: changing the shared input does not change the shared output, though the "
                                 "shared experts and the shared gate read it.")
    recovered = _recover_experts(impl, layer, inputs, call, _gate_widths(num_shared, num_task, num_tasks, True))
    _assert_experts(recovered, call, num_shared, num_task, num_tasks, True, distinct_own=True)


def _check_round_trip(impl) -> None:
    """Base config kept (name, trainable); from_config(get_config()) rebuilds; model.save + load_model."""
    sizes = (2, 1, 5, 3, True)
    kwargs = {"name": "level_mixer", "trainable": False}
    what = _sizes(*sizes, **kwargs)
    layer = _make_layer(impl, *sizes, **kwargs)
    for key, value in kwargs.items():
        if getattr(layer, key, None) != value:
            raise AssertionError(f"{what}.{key} is {getattr(layer, key, None)!r}; expected {value!r}. Likely cause: "
                                 "__init__ does not pass **kwargs on to super().__init__(**kwargs)")
    x = _probe(12, 6, seed=1)
    _outputs(impl, layer, x, f"{what}(x)", 3, 5, True, len(x))
    config = _run(impl, f"{what}.get_config()", layer.get_config)
    if not isinstance(config, dict):
        raise AssertionError(f"CGC.get_config() returned {type(config).__name__}; expected a dict")
    missing = [key for key in ("name", "trainable", "dtype") if key not in config]
    if missing:
        raise AssertionError(f"{what}.get_config() returned {short(config, 300)}, without the base layer's {missing}: "
                             "start from config = super().get_config() and update it with the five arguments.")
    try:
        clone = type(layer).from_config(config)
        clone_outputs = clone(x)
    except Exception as error:
        raise AssertionError(f"CGC.from_config(layer.get_config()) failed with {type(error).__name__}: {error}. "
                             f"get_config() returned keys {sorted(config)}; it must hold num_shared_experts, "
                             "num_task_experts, expert_units, num_tasks and shared_output (plus "
                             "super().get_config()), so Keras can call CGC(**config)") from None
    if not isinstance(clone_outputs, (list, tuple)) or len(clone_outputs) != 4:
        got = len(clone_outputs) if isinstance(clone_outputs, (list, tuple)) else type(clone_outputs).__name__
        raise AssertionError(f"CGC.from_config({what}.get_config()) returns {got} outputs where the original returns "
                             "4 (3 tasks and the shared output): get_config() loses an argument (shared_output?). "
                             f"It returned {short(config, 300)}.")
    for key, value in kwargs.items():
        if getattr(clone, key, None) != value:
            raise AssertionError(f"CGC.from_config({what}.get_config()) has {key}={getattr(clone, key, None)!r}; "
                                 f"expected {value!r}: the round trip loses the base layer's config.")
    if len(clone.get_weights()) != len(layer.get_weights()) or any(
            a.shape != b.shape for a, b in zip(clone.get_weights(), layer.get_weights())):
        raise AssertionError("CGC.from_config(layer.get_config()) builds a layer whose weights differ in number or "
                             "shape from the original's; get_config() must record the constructor's arguments")

    fresh_session(0)
    inputs = keras.Input((x.shape[1],))
    level = impl.CGC(2, 1, 5, 2, shared_output=True)(inputs)
    second = impl.CGC(1, 2, 3, 2)(level)
    model = keras.Model(inputs, [keras.layers.Dense(1)(second[t]) for t in range(2)])
    before = [np.asarray(p) for p in model(x, training=False)]
    names = {"CGC": impl.CGC, keras.saving.get_registered_name(impl.CGC): impl.CGC}
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = os.path.join(folder, "cgc_model.keras")
        model.save(path)
        try:
            with keras.saving.custom_object_scope(names):
                loaded = keras.models.load_model(path, custom_objects=names)
        except Exception as error:
            raise AssertionError(f"keras.models.load_model of a saved model holding two chained CGC levels failed with "
                                 f"{type(error).__name__}: {error}. Check get_config() (the constructor's arguments) "
                                 "and that the sublayers are created in __init__.") from None
    after = [np.asarray(p) for p in loaded(x, training=False)]
    if len(after) != 2 or not all(a.shape == b.shape and np.allclose(a, b, atol=1e-5) for a, b in zip(before, after)):
        raise AssertionError("a model holding two chained CGC levels, saved with model.save('m.keras') and loaded with "
                             "keras.models.load_model, predicts differently from the original: the experts' and "
                             "gates' weights were not saved or not restored (keep the sublayers as attributes, e.g. "
                             "lists, created in __init__)")


# ------------------------------------------------------------------------------ build_ple
# (input_dim, tasks, num_levels, num_shared_experts, num_task_experts, expert_units, tower_units, learning_rate)
PLE_PROBES = ((7, ("watch_time", "completion"), 2, 2, 1, 5, 3, 4e-3),
              (6, ("like", "share", "follow"), 3, 1, 2, 4, 6, 2e-2),
              (5, ("finish", "rate"), 1, 3, 1, 6, 4, 1e-3))


def _ple_call(tasks, num_levels, num_shared, num_task, units, tower_units, learning_rate, input_dim) -> str:
    return (f"build_ple(input_dim={input_dim}, tasks={tuple(tasks)!r}, num_levels={num_levels}, "
            f"num_shared_experts={num_shared}, num_task_experts={num_task}, expert_units={units}, "
            f"tower_units={tower_units}, learning_rate={learning_rate:g})")


def check_build_ple(impl) -> None:
    """ValueErrors; for three probes: compiled (Adam, learning rate, mse, weights 1), named (batch, 1) outputs,
    the CGC levels (count, sizes, shared outputs, chaining recorded in a call), every weight trained by some
    output, a tower of the documented size per task; one step of the model's own fit."""
    for probe in PLE_PROBES:  # first: a stub's NotImplementedError means "not attempted"
        _check_ple(impl, *probe, fit=probe is PLE_PROBES[0])
    for kwargs, why in [({"num_levels": 0}, "num_levels < 1"), ({"tasks": ()}, "tasks is empty"),
                        ({"tasks": ("click", "click")}, "a task name is repeated")]:
        text = "build_ple(input_dim=5, " + ", ".join(f"{k}={v!r}" for k, v in kwargs.items()) + ")"
        expect_value_error(lambda: impl.build_ple(5, **kwargs), (), text, f"the docstring asks for ValueError when {why}")


def _check_ple(impl, input_dim, tasks, num_levels, num_shared, num_task, units, tower_units, learning_rate,
               fit: bool) -> None:
    what = _ple_call(tasks, num_levels, num_shared, num_task, units, tower_units, learning_rate, input_dim)
    model = build(impl.build_ple, input_dim, tasks=tasks, num_levels=num_levels, num_shared_experts=num_shared,
                  num_task_experts=num_task, expert_units=units, tower_units=tower_units,
                  learning_rate=learning_rate, what=what)
    assert_compiled(model, what)
    assert_optimizer(model, learning_rate, what)
    x = _probe(32, input_dim, seed=input_dim)
    levels = layers_of_class(model, impl.CGC)
    if not levels:
        raise AssertionError(f"{what} holds no layer of this module's CGC class; the docstring builds every level "
                             "from CGC (num_levels of them, chained)")
    classes = {type(level) for level in levels}
    with recorded_calls([c for cls in classes for c in cls.__mro__ if issubclass(c, impl.CGC)]) as calls:
        outputs = predict(model, x, what)
    names = sorted(outputs)
    if names != sorted(tasks):
        raise AssertionError(f"{what} has outputs {sorted(outputs)}; expected one per task, named {sorted(tasks)} (a "
                             "dict of outputs keyed by the task names, or layers named by them)")
    for name, value in outputs.items():
        if value.shape != (len(x), 1) or not np.all(np.isfinite(value)):
            raise AssertionError(f"{what}: output '{name}' has shape {value.shape}; expected {(len(x), 1)}, finite "
                                 "(one prediction per example, Dense(1))")
    order = output_names(model, x)
    kinds = compiled_losses(model, what, order if set(order) == set(tasks) else None)
    for name in tasks:
        if kinds.get(name) != "mean_squared_error":
            raise AssertionError(f"{what}: the loss compiled for '{name}' is {kinds.get(name)!r}; expected the mean "
                                 "squared error on every output (each task is a regression)")
    weights = compiled_loss_weights(model, what, order if set(order) == set(tasks) else None)
    if any(abs(weights[name] - 1.0) > 1e-6 for name in tasks):
        raise AssertionError(f"{what} is compiled with loss weights {weights}; the docstring asks for weight 1 on "
                             "every task")
    _check_levels(calls, levels, what, x, len(tasks), num_levels, num_shared, num_task, units)
    _check_wiring(model, levels, x, what, tasks, units, tower_units)
    _check_task_order(model, calls[-1][0], x, what, tasks)
    large = predict(model, x * 100.0, what + " on inputs scaled by 100")
    for name, value in large.items():
        if np.all((value > 0.0) & (value < 1.0)):
            raise AssertionError(f"{what}: on inputs scaled by 100, output '{name}' stays inside (0, 1) "
                                 f"({short(value[:4, 0])}); the docstring asks for a linear Dense(1) head (each task "
                                 "is a regression), not a sigmoid")
    if fit:
        rng = np.random.default_rng(0)
        targets = {name: rng.normal(size=(len(x), 1)).astype("float32") for name in tasks}
        fit_once(model, x, targets, what, order if set(order) == set(tasks) else None)
        other = build(impl.build_ple, input_dim, tasks=tasks, num_levels=num_levels, num_shared_experts=num_shared,
                      num_task_experts=num_task, expert_units=units, tower_units=tower_units,
                      learning_rate=learning_rate, what=what + " (a second model)")
        if other.optimizer is model.optimizer:
            raise AssertionError(f"two calls of {what} share one optimizer object; the docstring asks for a new model "
                                 "with its own optimizer per call (an optimizer created once at module level is built "
                                 "for the first model's variables and fails, or changes both, on the second)")


@contextlib.contextmanager
def _shifted_task_output(level, task: int, amount: float):
    """While inside, `level` adds `amount` to its output for task index `task` (the class's call is patched
    and restored; other layers of the class are left alone)."""
    cls = type(level)
    original = cls.call

    def call(self, *args, **kwargs):
        outputs = original(self, *args, **kwargs)
        if self is level:
            outputs = list(outputs)
            outputs[task] = outputs[task] + amount
        return outputs

    cls.call = call
    try:
        yield
    finally:
        cls.call = original


def _check_task_order(model, last_level, x, what: str, tasks) -> None:
    """Output tasks[t] reads the last level's output for task index t (the CGC's task t is tasks[t])."""
    base = predict(model, x, what)
    for index, name in enumerate(tasks):
        with _shifted_task_output(last_level, index, 50.0):
            moved = predict(model, x, what)
        changed = {n: float(np.abs(moved[n] - base[n]).max()) for n in base}
        if max(changed, key=changed.get) != name:
            raise AssertionError(f"{what}: moving the last CGC level's output for task index {index} changes output "
                                 f"'{max(changed, key=changed.get)}', not '{name}'; the docstring pairs task t with "
                                 f"tasks[t] = '{name}' at every level (towers built over sorted(tasks), or a dict "
                                 "iterated in another order, pair a task's name with another task's experts and gate)")


def _config_of(level) -> dict:
    try:
        config = level.get_config()
    except Exception:
        config = {}
    return {key: config.get(key, getattr(level, key, None)) for key in
            ("num_shared_experts", "num_task_experts", "expert_units", "num_tasks", "shared_output")}


def _check_levels(calls, levels, what: str, x, num_tasks, num_levels, num_shared, num_task, units) -> None:
    """As many CGC levels as asked, called once each; level 0 reads x, level l + 1 the list level l returned."""
    called = []
    for layer, inputs, outputs in calls:
        if any(layer is seen for seen, _, _ in called):
            raise AssertionError(f"{what}: one CGC layer is called more than once in a forward pass: a layer reused "
                                 "as several levels shares its weights between them; create one CGC per level")
        called.append((layer, inputs, outputs))
    if len(called) != num_levels:
        cause = (" Likely cause: num_levels is not used (a fixed number of levels), or levels are built but not "
                 "called." if len(called) else "")
        raise AssertionError(f"{what}: {len(called)} CGC level(s) run when the model is called; expected num_levels = "
                             f"{num_levels}, chained one after the other.{cause}")
    for index, (layer, inputs, outputs) in enumerate(called):
        config = _config_of(layer)
        expected = {"num_shared_experts": num_shared, "num_task_experts": num_task, "expert_units": units,
                    "num_tasks": num_tasks, "shared_output": index < num_levels - 1}
        wrong = {key: config[key] for key, value in expected.items() if config[key] != value}
        if wrong:
            cause = ""
            if "shared_output" in wrong:
                cause = (" Every level but the last has shared_output=True (its shared output feeds the next level's "
                         "shared experts); the last has shared_output=False, since nothing reads a shared output there.")
            raise AssertionError(f"{what}: CGC level {index} (in the order the levels run) has {wrong}; expected "
                                 f"{ {k: expected[k] for k in wrong} }.{cause}")
        count = num_tasks + int(index < num_levels - 1)
        if not isinstance(outputs, list) or len(outputs) != count:
            raise AssertionError(f"{what}: CGC level {index} returned {short(outputs)}; expected a list of {count} tensors")
        if index == 0:
            reads = inputs if isinstance(inputs, list) else [inputs] * (num_tasks + 1)
            if len(reads) != num_tasks + 1 or not all(np.asarray(r).shape == x.shape and np.allclose(r, x, atol=1e-6)
                                                     for r in reads):
                raise AssertionError(f"{what}: the first CGC level does not read the model's input x (one tensor, or a "
                                     "list of num_tasks + 1 copies of it)")
            continue
        previous = called[index - 1][2]
        if not isinstance(inputs, list) or len(inputs) != len(previous):
            got = f"a list of {len(inputs)}" if isinstance(inputs, list) else "one tensor"
            cause = (" It reads x again: the levels sit side by side instead of being stacked." if not
                     isinstance(inputs, list) and np.asarray(inputs).shape == x.shape and np.allclose(inputs, x) else
                     " The shared output (the last item of the previous level's list) must be passed on too.")
            raise AssertionError(f"{what}: CGC level {index} reads {got}; expected the whole list of {len(previous)} "
                                 f"tensors level {index - 1} returned (its task outputs, then its shared output).{cause}")
        for position, (read, given) in enumerate(zip(inputs, previous)):
            if read.shape != given.shape or not np.allclose(read, given, atol=1e-6):
                source = next((f"level {index - 1}'s item {k}" for k, g in enumerate(previous)
                               if g.shape == read.shape and np.allclose(read, g, atol=1e-6)), "something else")
                label = "the shared input" if position == len(previous) - 1 else f"task {position}'s input"
                raise AssertionError(
                    f"{what}: CGC level {index} gets {source} as {label} (item {position}), where level {index - 1} "
                    f"returned its item {position}: level l + 1 reads the list level l returned, in its order (each "
                    "task's output feeds that task's experts and gate, the shared output the shared experts). Likely "
                    "cause: the levels are not chained as documented (the shared output of a level not fed to the "
                    "next level's shared experts).")


def _check_wiring(model, levels, x, what: str, tasks, units: int, tower_units: int) -> None:
    """Every trainable variable is trained by some output; each task has a tower of its own outside the levels."""
    reached = {name: variables_reached(model, x, name) for name in tasks}
    trained = set().union(*reached.values())
    dead = [v.path for v in model.trainable_variables if v.path not in trained]
    if dead:
        raise AssertionError(
            f"{what}: {len(dead)} trainable variable(s) get no gradient from any output, e.g. {dead[:3]}: they are "
            "trained by no loss. Likely cause: a level's output left unused (the shared output not fed to the next "
            "level, or levels side by side instead of chained), or a shared gate on the last level (it takes "
            "shared_output=False).")
    level_paths = {v.path for level in levels for v in level.trainable_variables}
    sizes = {v.path: int(np.prod(v.shape)) for v in model.trainable_variables}
    expected = units * tower_units + tower_units + tower_units + 1  # Dense(tower_units) then Dense(1)
    for name in tasks:
        others = set().union(*(reached[o] for o in tasks if o != name)) if len(tasks) > 1 else set()
        tower = (reached[name] - level_paths) - others
        shared = (reached[name] - level_paths) & others
        if shared:
            raise AssertionError(f"{what}: output '{name}' shares the weights {sorted(shared)[:2]} outside the CGC levels "
                                 "with another task: a tower layer reused by several tasks ties their heads. Each task "
                                 "needs a tower of its own (new Dense layers per task).")
        count = sum(sizes[path] for path in tower)
        if count != expected:
            raise AssertionError(f"{what}: task '{name}' has {count} weights of its own outside the CGC levels; its tower, "
                                 f"Dense({tower_units}, relu) on the last level's {units}-wide output then Dense(1), has "
                                 f"{expected}. Likely cause: tower_units not used, a tower of another shape, or the "
                                 "tower not reading the last level's output for its task.")


PARTS = {"CGC": check_cgc, "build_ple": check_build_ple}
TIMEOUTS = {"CGC": 40, "build_ple": 40}
