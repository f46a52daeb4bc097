"""Checks for ex04_mmoe (notebook 04): the MMoE layer and task_gradient_cosine.

MMoE is checked through what it does, for several sizes (experts, units, tasks and the input width all
varied, no two alike): the outputs' number and shapes; outputs that are never negative (ReLU experts mixed
by non-negative weights); gate weights that are non-negative and sum to one per sample and per task
(through the documented `gate_weights` method) and come from ONE softmax of a Dense layer on the inputs
(their log-ratios are affine in x); a gate of its own for every task; task outputs that are mixtures of
common, distinct experts with exactly those gate weights (recovered by least squares when there are more
tasks than experts); one expert giving a plain shared bottom that is ReLU(Dense(x)); and the get_config /
from_config / `.keras` round trip keeping the base layer's config (name, trainable). task_gradient_cosine
is compared with gradients written out by hand in numpy for a linear shared layer (functional and
subclassed models, (batch, 1) and (batch,) predictions and labels, integer labels), with the zero-gradient
case (0.0), and with the two cases whose answer is known: identical tasks (+1) and opposite tasks (-1),
on a model holding a Dropout layer that must stay inactive.
"""

from __future__ import annotations

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

from mtlrec.checks import short
from mtlrec.checks.keras_tools import fresh_session

# (num_experts, expert_units, num_tasks, input_dim, batch): within a probe no two widths are equal, so a
# size taken from the wrong argument changes a shape; the second has more tasks than experts.
LAYER_PROBES = ((3, 5, 2, 7, 16), (2, 4, 3, 6, 20))
ONE_EXPERT = (1, 4, 2, 5, 48)  # a plain shared bottom; a large batch to test ReLU(affine) unit by unit
GATE_FIT_TOLERANCE = 1e-3  # log-ratios of softmax(Dense(x)) gates are affine in x: misfit ~3e-7 in float32
MIXTURE_TOLERANCE = 1e-4  # relative misfit of outputs as gate mixtures: ~1e-7 for the reference, >3e-3 wrong


def _probe(batch: int = 16, input_dim: int = 7, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(batch, input_dim)).astype("float32")


def _sizes(num_experts: int, expert_units: int, num_tasks: int, **kwargs) -> str:
    extra = "".join(f", {key}={value!r}" for key, value in kwargs.items())
    return f"MMoE(num_experts={num_experts}, expert_units={expert_units}, num_tasks={num_tasks}{extra})"


def _task_list(value, what: str, num_tasks: int, width: int, batch: int) -> list[np.ndarray]:
    """Demand a list/tuple of num_tasks finite arrays of shape (batch, width)."""
    if not isinstance(value, (list, tuple)):
        raise AssertionError(f"{what} returned {type(value).__name__} {short(value)}; expected a Python list of "
                             f"{num_tasks} tensors, one per task (e.g. `return outputs` where outputs is a list)")
    if len(value) != num_tasks:
        raise AssertionError(f"{what} returned a list of {len(value)} tensors; expected {num_tasks} (one per task)")
    arrays = []
    for task, item in enumerate(value):
        array = np.asarray(item)
        if array.shape != (batch, width):
            raise AssertionError(f"{what}[{task}] has shape {array.shape}; expected {(batch, width)}")
        if not np.all(np.isfinite(array)):
            raise AssertionError(f"{what}[{task}] contains NaN or infinite values")
        arrays.append(array.astype(np.float64))
    return arrays


def _make_layer(impl, num_experts: int, expert_units: int, num_tasks: int, **kwargs):
    fresh_session(0)
    layer = impl.MMoE(num_experts=num_experts, expert_units=expert_units, num_tasks=num_tasks, **kwargs)
    if not isinstance(layer, keras.layers.Layer):
        raise AssertionError(f"MMoE(...) made a {type(layer).__name__}; expected a keras.layers.Layer subclass")
    return layer


def _where(error: BaseException, impl) -> str:
    """' (file, line N: code)' for the innermost frame of the traceback in the learner's file."""
    path = getattr(impl, "__file__", None)
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if path is not None and Path(f.filename).resolve() == Path(path).resolve()]
    return f" ({Path(path).name}, line {frames[-1].lineno}: {frames[-1].line})" if frames else ""


def _started(function, *args):
    """Call a method of a layer whose __init__ works; a stub method left raising NotImplementedError is
    then a failure of a started class (with its name), not an untouched exercise."""
    try:
        return function(*args)
    except NotImplementedError as error:
        frames = traceback.extract_tb(error.__traceback__)
        method = frames[-1].name if frames else "a method"
        raise AssertionError(f"MMoE.{method}() still raises NotImplementedError; __init__ works, so finish the "
                             "other methods too (build, gate_weights, call, get_config)") from None


def _raised(impl, what: str, error: Exception, hint: str) -> AssertionError:
    """A learner's exception as a message: which probe raised what, where in the learner's file, and a hint."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(error)).strip()  # Keras colours its messages
    text = text if len(text) <= 400 else text[:397] + "..."
    return AssertionError(f"{what} raised {type(error).__name__}: {text}{_where(error, impl)}.{hint}")


def _run(impl, what: str, hint: str, function, *args):
    """_started, with a learner's exception turned into a message that says which probe raised it."""
    try:
        return _started(function, *args)
    except AssertionError:
        raise
    except Exception as error:
        raise _raised(impl, what, error, hint) from error


def _gates(impl, layer, x, what: str, num_tasks: int, num_experts: int) -> list[np.ndarray]:
    if not callable(getattr(layer, "gate_weights", None)):
        raise AssertionError("MMoE has no method gate_weights(inputs); the docstring asks for it so that the "
                             "gates can be checked: return the list of each task's gate weights")
    gates = _task_list(_run(impl, f"{what}.gate_weights(x)", "", layer.gate_weights, x),
                       f"{what}.gate_weights(x)", num_tasks, num_experts, len(x))
    for task, gate in enumerate(gates):
        if gate.min() < -1e-6 or not np.allclose(gate.sum(axis=1), 1.0, atol=1e-4):
            cause = ""
            if gate.min() >= 0 and gate.max() <= 1 and np.allclose(gate.sum(axis=0), 1.0, atol=1e-4):
                cause = (" Likely cause: the softmax runs over the batch (axis 0); it must run over the "
                         "experts, the last axis.")
            elif gate.min() >= 0 and gate.max() <= 1:
                cause = " Likely cause: a sigmoid gate; a softmax over the experts makes the weights sum to one."
            raise AssertionError(f"{what}: the gate weights of task {task} are {short(gate[:3])} (first rows); "
                                 f"each row must be non-negative and sum to 1 over the {num_experts} experts, "
                                 f"but the row sums are {short(gate.sum(axis=1)[:6])}.{cause}")
    return gates


def _affine_misfit(x: np.ndarray, values: np.ndarray) -> float:
    """Largest residual of the least-squares fit values ~ x @ A + c (values: (rows, columns))."""
    design = np.hstack([x.astype(np.float64), np.ones((len(x), 1))])
    coefficients, *_ = np.linalg.lstsq(design, values, rcond=None)
    return float(np.abs(design @ coefficients - values).max())


def _assert_one_softmax(gates: list[np.ndarray], x: np.ndarray, what: str) -> None:
    """softmax(x @ W + b): log g_e - log g_0 = x @ (W_e - W_0) + (b_e - b_0), affine in x."""
    for task, gate in enumerate(gates):
        if gate.shape[1] < 2:
            continue
        logs = np.log(np.maximum(gate, 1e-30))
        ratios = logs[:, 1:] - logs[:, :1]  # (batch, num_experts - 1)
        misfit = _affine_misfit(x, ratios)
        if misfit > GATE_FIT_TOLERANCE * max(1.0, np.abs(ratios).max()):
            if np.abs(ratios).max() < 1.0 + 1e-6:
                cause = ("one softmax too many: the log-ratios of the weights never leave [-1, 1], which is "
                         "what a softmax of weights that are already a softmax gives (Dense(num_experts, "
                         "activation='softmax') followed by ops.softmax again?); the weights are squeezed "
                         "towards uniform and no expert can ever be picked")
            else:
                cause = ("a gate that is not softmax(Dense(num_experts)(inputs)): another activation before "
                         "the softmax, a hidden layer in the gate, a gate fed with something else than the "
                         "inputs, or weights normalised by their sum instead of a softmax")
            raise AssertionError(
                f"{what}: the gate weights of task {task} do not come from one softmax of a Dense layer on the "
                f"inputs. For softmax(x W + b), log g[e] - log g[0] is an affine function of x, but here it "
                f"misses the best affine fit by {misfit:.3g}. Likely cause: {cause}.")


def _assert_non_negative(outputs: list[np.ndarray], what: str) -> None:
    for task, output in enumerate(outputs):
        if output.min() < -1e-6:
            raise AssertionError(
                f"{what}: the output of task {task} has negative values (down to {output.min():.4g}); ReLU "
                "experts are never negative and the gate weights are non-negative, so every output is >= 0. "
                "Likely cause: experts without activation='relu' (linear experts go negative; so does tanh).")


def _mixture_misfit(gates: list[np.ndarray], outputs: list[np.ndarray]) -> float:
    """Relative misfit of outputs[t][i] = gates[t][i] @ experts[i] for some experts (least squares per sample)."""
    worst = 0.0
    for i in range(len(outputs[0])):
        gate_matrix = np.stack([g[i] for g in gates])  # (tasks, experts)
        output_matrix = np.stack([o[i] for o in outputs])  # (tasks, units)
        experts, *_ = np.linalg.lstsq(gate_matrix, output_matrix, rcond=None)
        residual = np.abs(gate_matrix @ experts - output_matrix).max()
        worst = max(worst, residual / (np.abs(output_matrix).max() + 1e-6))
    return worst


def _softmax(values: np.ndarray) -> np.ndarray:
    shifted = np.exp(values - values.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def _nudge(layer, x) -> None:
    """One plain gradient step on the layer pulling each task's output a different way."""
    rng = np.random.default_rng(3)
    directions = [rng.normal(size=(1, np.asarray(o).shape[1])).astype("float32") for o in layer(x)]
    with tf.GradientTape() as tape:
        outputs = layer(x)
        objective = sum(tf.reduce_mean(tf.convert_to_tensor(o) * d * (t + 1.0))
                        for t, (o, d) in enumerate(zip(outputs, directions)))
    variables = layer.trainable_variables
    for variable, gradient in zip(variables, tape.gradient(objective, variables)):
        if gradient is not None:
            variable.assign(variable - 0.5 * tf.convert_to_tensor(gradient))


def _parameter_count(layer) -> int:
    return int(sum(np.prod(v.shape) for v in layer.trainable_variables))


def _same_output_cause(layer, num_experts: int, expert_units: int, num_tasks: int, input_dim: int) -> str:
    """Why two tasks with different gates get the same output: experts all one layer, or gates ignored."""
    expert = input_dim * expert_units + expert_units  # one Dense(expert_units) expert
    gates = num_tasks * (input_dim * num_experts + num_experts)
    count = _parameter_count(layer)
    if count == expert + gates:
        return ("the experts share their weights: the layer holds the weights of ONE expert "
                f"({count} trainable numbers instead of {num_experts * expert + gates}), so one layer is reused "
                "for every expert (`[layers.Dense(...)] * num_experts` repeats one layer; create a new Dense "
                "per expert, e.g. in a list comprehension)")
    if count == num_experts * expert + gates:
        return ("call() ignores the gate weights (e.g. a plain mean or sum over the experts); each task's "
                "output is sum over e of gate[:, e] * expert_e(x) with ITS gate")
    return ("either the experts all share one layer's weights (`[layers.Dense(...)] * num_experts` repeats one "
            "layer), or call() ignores the gate weights; each task's output is sum over e of "
            "gate[:, e] * expert_e(x) with its own gate and distinct experts")


def check_mmoe(impl) -> None:
    """Sizes varied; non-negative outputs; one softmax gate per task; mixtures of distinct shared experts;
    one expert = ReLU(Dense) shared bottom; input width varied; config round trip with the base config."""
    _check_sizes(impl, *LAYER_PROBES[0])
    _check_input_width(impl)
    _check_sizes(impl, *LAYER_PROBES[1])
    _check_one_expert(impl)
    _check_sum_over_experts(impl)
    _check_round_trip(impl)


def _check_sizes(impl, num_experts: int, expert_units: int, num_tasks: int, input_dim: int, batch: int) -> None:
    """One size of layer: shapes, non-negative outputs, gates, mixtures of common distinct experts."""
    what = _sizes(num_experts, expert_units, num_tasks)
    x = _probe(batch, input_dim, seed=input_dim)
    layer = _make_layer(impl, num_experts, expert_units, num_tasks)
    call = f"{what}(x of shape {x.shape})"
    outputs = _task_list(_run(impl, call, "", layer, x), call, num_tasks, expert_units, batch)
    _assert_non_negative(outputs, what)
    gates = _gates(impl, layer, x, what, num_tasks, num_experts)
    _assert_one_softmax(gates, x, what)
    if num_tasks > num_experts:
        # every task output is sum_e gate[t, e] * expert_e with the SAME experts for all tasks:
        # with more tasks than experts, solve for the experts by least squares and demand a fit.
        misfit = _mixture_misfit(gates, outputs)
        if misfit > MIXTURE_TOLERANCE:
            if _mixture_misfit([_softmax(g) for g in gates], outputs) < MIXTURE_TOLERANCE:
                cause = ("call() applies a second softmax to the gate weights, so the weights it mixes with "
                         "are not the ones gate_weights returns (the gates must come from one softmax)")
            else:
                cause = ("call() mixes with other weights than gate_weights returns, or does something after "
                         "mixing (e.g. a ReLU applied to the mixture instead of inside each expert)")
            raise AssertionError(
                f"{what}: the task outputs are not the gate-weighted sums of common experts with the weights "
                f"gate_weights(x) returns (relative misfit {misfit:.3g}). Each task's output must be "
                "sum over e of gate_weights(x)[task][:, e] * expert_e(x), using the same experts for every "
                f"task and the same gates that gate_weights returns. Likely cause: {cause}.")
        return
    # a gate of its own for every task, depending on the input; distinct experts
    if (np.allclose(gates[0], gates[1], atol=1e-6) or np.allclose(gates[0], gates[0][:1], atol=1e-6)
            or np.allclose(outputs[0], outputs[1], atol=1e-6)):
        _nudge(layer, x)  # an unusual initialisation may start the gates or experts alike; a step separates them
        what += " after one gradient step"
        outputs = _task_list(layer(x), f"{what}(x)", num_tasks, expert_units, batch)
        gates = _gates(impl, layer, x, what, num_tasks, num_experts)
    if np.allclose(gates[0], gates[1], atol=1e-6):
        raise AssertionError(f"{what}: task 0 and task 1 get identical gate weights {short(gates[0][:2])}, "
                             "even after a training step that pulls the tasks apart. MMoE needs one gate "
                             "(its own weights) per task; a single gate for all tasks is the original MoE.")
    if np.allclose(gates[0], gates[0][:1], atol=1e-6):
        raise AssertionError(f"{what}: the gate weights are the same for every input ({short(gates[0][0])}); "
                             "a gate is a softmax of a Dense layer applied to the inputs, so it depends on x")
    if np.allclose(outputs[0], outputs[1], atol=1e-6):
        raise AssertionError(f"{what}: task 0 and task 1 get the same output although their gate weights "
                             "differ, so the experts they mix are all alike. Likely cause: "
                             + _same_output_cause(layer, num_experts, expert_units, num_tasks, input_dim) + ".")


EXPERT_BIAS = 0.7  # every expert made to output this constant (see _check_sum_over_experts)


def _check_sum_over_experts(impl) -> None:
    """Experts set to output one constant c (kernels 0, biases c): a gate-weighted SUM gives c for every
    task, whatever the gates, since each task's weights sum to one; a mean over experts gives c / E.

    The experts' variables are found by behaviour: trainable variables that the gates do not reach.
    Without expert biases the magnitude cannot be pinned this way, and the check stands aside.
    """
    num_experts, expert_units, num_tasks, input_dim, batch = 3, 4, 2, 5, 12
    what = _sizes(num_experts, expert_units, num_tasks)
    x = _probe(batch, input_dim, seed=5)
    layer = _make_layer(impl, num_experts, expert_units, num_tasks)
    _run(impl, f"{what}(x of shape {x.shape})", "", layer, x)
    direction = np.random.default_rng(2).normal(size=(batch, num_experts)).astype("float32")
    with tf.GradientTape() as tape:
        objective = sum(tf.reduce_sum(tf.convert_to_tensor(g) * direction) for g in layer.gate_weights(x))
    variables = layer.trainable_variables
    gradients = tape.gradient(objective, variables)
    experts = [v for v, g in zip(variables, gradients) if g is None or not np.any(np.asarray(g))]
    if not any(len(v.shape) == 1 for v in experts):
        return
    for variable in experts:
        value = EXPERT_BIAS if len(variable.shape) == 1 else 0.0
        variable.assign(np.full(tuple(variable.shape), value, dtype="float32"))
    outputs = _task_list(layer(x), f"{what}(x)", num_tasks, expert_units, batch)
    got = float(np.mean([np.mean(o) for o in outputs]))
    if all(np.allclose(o, EXPERT_BIAS, atol=1e-5) for o in outputs):
        return
    cause = ""
    if abs(got - EXPERT_BIAS / num_experts) < 1e-5:
        cause = (f" The outputs are {EXPERT_BIAS} / {num_experts}: a MEAN over the experts where the "
                 "gate-weighted SUM is asked for (ops.sum over the expert axis, not ops.mean).")
    raise AssertionError(
        f"{what}: with every expert made to output the constant {EXPERT_BIAS} (its kernels set to 0 and its "
        f"biases to {EXPERT_BIAS}), each task's output must be {EXPERT_BIAS}, because a task's gate weights sum "
        f"to one; got outputs averaging {got:.4g}.{cause or ' Each task output is sum over e of gate[:, e] * expert_e(x), with nothing after the mixture.'}")


def _check_one_expert(impl) -> None:
    """One expert: every gate weight is 1, so every task sees the same ReLU(Dense(x)) shared bottom."""
    num_experts, expert_units, num_tasks, input_dim, batch = ONE_EXPERT
    what = _sizes(num_experts, expert_units, num_tasks)
    x = _probe(batch, input_dim, seed=1)
    layer = _make_layer(impl, num_experts, expert_units, num_tasks)
    call = f"{what}(x of shape {x.shape})"
    with warnings.catch_warnings():  # Keras warns that a softmax over one unit is always 1: that is the point
        warnings.simplefilter("ignore")
        outputs = _task_list(_run(impl, call, "", layer, x), call, num_tasks, expert_units, batch)
    if not np.allclose(outputs[0], outputs[1], atol=1e-5):
        raise AssertionError(f"{what}: with one expert the gates' softmax is 1 and both tasks must get exactly that "
                             f"expert's output, but the two task outputs differ by up to "
                             f"{np.abs(outputs[0] - outputs[1]).max():.3g}. Likely cause: gates that are not a "
                             "softmax over the experts (a sigmoid scales each task's output differently).")
    if np.allclose(outputs[0], 0.0):
        raise AssertionError(f"{what}: every output is 0 for random inputs; the expert looks disconnected")
    _assert_non_negative(outputs, what)
    for unit in range(expert_units):
        column = outputs[0][:, unit]
        active = column > 1e-6
        if active.sum() < input_dim + 4:  # too few positive values to tell an affine function
            continue
        misfit = _affine_misfit(x[active], column[active, None])
        if misfit > 1e-4 * max(1.0, np.abs(column).max()):
            raise AssertionError(
                f"{what}: with one expert each task's output is that expert's output, ReLU(Dense(expert_units)"
                f"(x)): where it is positive it is an affine function of x, but unit {unit} misses the best "
                f"affine fit by {misfit:.3g}. Likely cause: an expert activation other than 'relu' (sigmoid, "
                "softplus, ...) or an expert with more than one layer; the docstring asks for "
                "Dense(expert_units, activation='relu').")


def _check_input_width(impl) -> None:
    """The same sizes on inputs of another width: the weights must follow input_shape[-1]."""
    num_experts, expert_units, num_tasks, _, _ = LAYER_PROBES[0]
    x = _probe(batch=9, input_dim=11, seed=2)
    what = f"{_sizes(num_experts, expert_units, num_tasks)}(x of shape {x.shape})"
    hint = (f" The same layer worked on inputs of width {LAYER_PROBES[0][3]}. Likely cause: an input width "
            "fixed in the code; make the weights in build(input_shape) from input_shape[-1] (or let Dense "
            "layers find it).")
    layer = _make_layer(impl, num_experts, expert_units, num_tasks)
    outputs = _task_list(_run(impl, what, hint, layer, x), what, num_tasks, expert_units, len(x))
    if np.allclose(outputs[0], 0.0) and np.allclose(outputs[1], 0.0):
        raise AssertionError(f"{what}: every output is 0.{hint}")


def _check_round_trip(impl) -> None:
    """Base config kept (name, trainable); from_config(get_config()) rebuilds; model.save + load_model."""
    sizes = (3, 5, 2)
    kwargs = {"name": "task_mixer", "trainable": False}
    what = _sizes(*sizes, **kwargs)
    layer = _make_layer(impl, *sizes, **kwargs)
    for key, value in kwargs.items():
        if getattr(layer, key, None) != value:
            raise AssertionError(f"{what}.{key} is {getattr(layer, key, None)!r}; expected {value!r}. Likely cause: "
                                 "__init__ does not pass **kwargs on to super().__init__(**kwargs)")
    x = _probe(seed=1)
    first = _task_list(_run(impl, f"{what}(x)", "", layer, x), f"{what}(x)", 2, 5, len(x))
    again = _task_list(layer(x), f"{what}(x) called a second time", 2, 5, len(x))
    if not all(np.allclose(a, b, atol=1e-6) for a, b in zip(first, again)):
        raise AssertionError(f"{what}: calling the layer twice on the same input gives different outputs. "
                             "Likely cause: Dense layers created inside call() (new random weights every call); "
                             "create them in __init__.")
    config = _started(layer.get_config)
    if not isinstance(config, dict):
        raise AssertionError(f"MMoE.get_config() returned {type(config).__name__}; expected a dict")
    missing = [key for key in ("name", "trainable", "dtype") if key not in config]
    if missing:
        raise AssertionError(f"{what}.get_config() returned {short(config, 300)}, without the base layer's "
                             f"{missing}: the config loses the layer's name, trainable flag and dtype. Start from "
                             "config = super().get_config() and update it with the three arguments.")
    try:
        clone = type(layer).from_config(config)
        _task_list(clone(x), "MMoE.from_config(layer.get_config())(x)", 2, 5, len(x))
    except AssertionError:
        raise
    except Exception as error:
        raise AssertionError(f"MMoE.from_config(layer.get_config()) failed with {type(error).__name__}: {error}. "
                             f"get_config() returned keys {sorted(config)}; it must hold num_experts, expert_units "
                             "and num_tasks (plus super().get_config()), so Keras can call MMoE(**config)") from None
    for key, value in kwargs.items():
        if getattr(clone, key, None) != value:
            raise AssertionError(f"MMoE.from_config({what}.get_config()) has {key}={getattr(clone, key, None)!r}; "
                                 f"expected {value!r}: the round trip loses the base layer's config (get_config() "
                                 f"returned {short(config, 300)}). Start from config = super().get_config().")
    if len(clone.get_weights()) != len(layer.get_weights()) or any(
            a.shape != b.shape for a, b in zip(clone.get_weights(), layer.get_weights())):
        raise AssertionError("MMoE.from_config(layer.get_config()) builds a layer whose weights differ in number or "
                             "shape from the original's; get_config() must record the constructor's arguments")

    what = _sizes(*sizes)
    fresh_session(0)
    inputs = keras.Input((x.shape[1],))
    per_task = impl.MMoE(*sizes)(inputs)
    heads = [keras.layers.Dense(1)(per_task[t]) for t in range(2)]
    model = keras.Model(inputs, heads)
    before = [np.asarray(p) for p in model(x, training=False)]
    names = {"MMoE": impl.MMoE, keras.saving.get_registered_name(impl.MMoE): impl.MMoE}
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras warns when a layer builds its sublayers lazily: fine here
        path = os.path.join(folder, "mmoe_model.keras")
        model.save(path)
        try:
            with keras.saving.custom_object_scope(names):
                loaded = keras.models.load_model(path, custom_objects=names)
        except Exception as error:
            raise AssertionError(f"keras.models.load_model of a saved model holding {what} failed with "
                                 f"{type(error).__name__}: {error}. Check get_config() (it must return the "
                                 "constructor's arguments) and that the sublayers are created in __init__.") from None
    after = [np.asarray(p) for p in loaded(x, training=False)]
    if len(after) != 2 or not all(a.shape == b.shape and np.allclose(a, b, atol=1e-5) for a, b in zip(before, after)):
        raise AssertionError(f"a model holding {what}, saved with model.save('m.keras') and loaded with "
                             "keras.models.load_model, predicts differently from the original: the experts' and "
                             "gates' weights were not saved or not restored (keep the sublayers as attributes, "
                             "e.g. lists, created in __init__)")


# ------------------------------------------------------------------------------ task_gradient_cosine
class _TwoHeadModel(keras.Model):
    """Subclassed twin of the functional linear model: returns a tuple of (batch,) predictions."""

    def __init__(self):
        super().__init__()
        self.shared = keras.layers.Dense(2)
        self.heads = [keras.layers.Dense(1), keras.layers.Dense(1)]

    def call(self, inputs):
        hidden = self.shared(inputs)
        return tuple(keras.ops.squeeze(head(hidden), axis=-1) for head in self.heads)  # 2 x (batch,)


def _linear_two_task_model(seed: int = 0, subclassed: bool = False):
    """x (batch, 3) -> shared Dense(2) (linear) -> two Dense(1) heads; weights set from a seeded rng.
    Functional with (batch, 1) outputs, or subclassed (_TwoHeadModel) with (batch,) outputs."""
    rng = np.random.default_rng(seed)
    fresh_session(seed)
    if subclassed:
        model = _TwoHeadModel()
        model(np.zeros((1, 3), "float32"))  # builds the layers
        shared, heads = model.shared, model.heads
    else:
        inputs = keras.Input((3,))
        shared = keras.layers.Dense(2)
        heads = [keras.layers.Dense(1), keras.layers.Dense(1)]
        hidden = shared(inputs)
        model = keras.Model(inputs, [head(hidden) for head in heads])
    weights = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2),
               "v": [rng.normal(size=(2, 1)) for _ in heads], "c": [rng.normal(size=1) for _ in heads]}
    shared.set_weights([weights["W"], weights["b"]])
    for head, v, c in zip(heads, weights["v"], weights["c"]):
        head.set_weights([v, c])
    variables = {"W": shared.kernel, "b": shared.bias, "v0": heads[0].kernel}
    return model, variables, weights


def _numpy_gradients(weights, x, targets):
    """Hand-written MSE gradients of each task on W, b and both heads (v0, c0, v1, c1) of the linear model."""
    hidden = x @ weights["W"] + weights["b"]  # (n, 2)
    result = []
    for task, y in enumerate(targets):
        prediction = (hidden @ weights["v"][task]).ravel() + weights["c"][task][0]  # (n,)
        d_prediction = 2.0 * (prediction - np.ravel(y)) / len(x)  # dL/dprediction, (n,)
        d_hidden = np.outer(d_prediction, weights["v"][task].ravel())  # (n, 2)
        grads = {"W": x.T @ d_hidden, "b": d_hidden.sum(axis=0)}
        for head in range(2):  # a task does not reach the other task's head: zero gradient there
            grads[f"v{head}"] = hidden.T @ d_prediction if head == task else np.zeros(2)
            grads[f"c{head}"] = np.array([d_prediction.sum()]) if head == task else np.zeros(1)
        result.append(grads)
    return result


def _flat_cosine(grads, names) -> float:
    return _cosine(np.concatenate([np.ravel(grads[0][n]) for n in names]),
                   np.concatenate([np.ravel(grads[1][n]) for n in names]))


def _likely_cause(got: float, weights, x, targets, names) -> str:
    """Name the usual mistake whose result matches what the learner's function returned."""
    grads = _numpy_gradients(weights, x, targets)
    broadcast = _numpy_gradients(weights, x, [np.full(len(x), np.mean(t)) for t in targets])
    candidates = [
        (abs(got) > 1.0 + 1e-6, "the dot product is not divided by the two gradients' norms"),
        (abs(got - 1.0) < 1e-5, "both gradients come from the same loss (e.g. the sum of the two task losses); "
                                "take each task's loss gradient separately"),
        (abs(got - _flat_cosine(broadcast, names)) < 1e-4,
         "predictions and labels of shapes (batch, 1) and (batch,) (one way round or the other) subtracted "
         "without reshaping broadcast to (batch, batch); reshape both to (batch,) first"),
        (abs(got - _flat_cosine(grads, ["W", "b", "v0", "c0", "v1", "c1"])) < 1e-4,
         "the gradients are taken on all the model's variables; use only the shared_variables passed in"),
        (abs(got - np.mean([_cosine(np.ravel(grads[0][n]), np.ravel(grads[1][n])) for n in names
                            if np.any(grads[1][n])])) < 1e-4,
         "one cosine per variable, averaged; flatten and concatenate all the pieces into one vector per task first"),
        ("v0" in names and abs(got - _flat_cosine(grads, [n for n in names if n != "v0"])) < 1e-4,
         "a variable one task does not reach must count as a zero gradient for that task (tape.gradient "
         "returns None there), not be skipped"),
    ]
    for matched, cause in candidates:
        if matched:
            return f" Likely cause: {cause}."
    return ""


def _cosine(first, second) -> float:
    norms = np.linalg.norm(first) * np.linalg.norm(second)
    return float(first @ second / norms) if norms > 0 else 0.0


def _as_float(value, what: str) -> float:
    try:
        array = np.asarray(value, dtype=np.float64)
    except Exception:
        raise AssertionError(f"{what} returned {type(value).__name__} {short(value)}; expected a float") from None
    if array.size != 1:
        raise AssertionError(f"{what} returned an array of shape {array.shape}; expected one number (a float): "
                             "the cosine of two flattened gradient vectors")
    number = float(array.reshape(()))
    if not np.isfinite(number):
        raise AssertionError(f"{what} returned {number}; expected a finite cosine in [-1, 1]"
                             + (" (0.0 when either gradient is all zeros: check the norms before dividing, "
                                "0 / 0 is NaN)" if np.isnan(number) else ""))
    return number


def _gradient_cosine(impl, what: str, hint: str, *args) -> float:
    try:
        value = impl.task_gradient_cosine(*args)
    except (AssertionError, NotImplementedError):
        raise
    except Exception as error:
        raise _raised(impl, what, error, hint) from error
    return _as_float(value, what)


def check_task_gradient_cosine(impl) -> None:
    """Hand-computed numpy gradients (functional and subclassed models, label and prediction shapes, integer
    labels, variables passed), 0.0 for a zero gradient, +1 for identical tasks, -1 for opposite ones."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(12, 3)).astype("float32")
    targets = [rng.normal(size=12).astype("float32") * 3.0, rng.normal(size=12).astype("float32") * 3.0]
    clicks = [(rng.random(12) < 0.5).astype("int64"), (rng.random(12) < 0.7).astype("int64")]
    column = [t.reshape(-1, 1) for t in targets]
    subclassed_hint = (" The model here is a subclassed keras.Model whose call returns a tuple of two "
                       "(batch,) predictions, which the docstring allows.")
    cases = [  # (subclassed model?, shared variable names, targets, label, hint)
        (False, ["W", "b"], targets, "targets of shape (12,)", ""),
        (False, ["W", "b"], column, "targets of shape (12, 1)", ""),
        (False, ["W"], targets, "shared_variables = [shared kernel] only", ""),
        (False, ["W", "b", "v0"], targets,
         "shared_variables including head 0's kernel, which task 1 does not reach", ""),
        (True, ["W", "b"], targets, "a subclassed model predicting shape (12,) and targets of shape (12,)",
         subclassed_hint),
        (True, ["W", "b"], column, "a subclassed model predicting shape (12,) and targets of shape (12, 1)",
         subclassed_hint),
        (True, ["b", "W"], clicks, "integer 0/1 targets (int64 clicks) of shape (12,)",
         " Likely cause: the labels are not cast to float32 before they meet the predictions."),
    ]
    built = {}
    for subclassed, names, case_targets, label, hint in cases:
        if subclassed not in built:
            built[subclassed] = _linear_two_task_model(subclassed=subclassed)
        model, variables, weights = built[subclassed]
        float_targets = [np.ravel(t).astype(np.float64) for t in case_targets]
        expected = _flat_cosine(_numpy_gradients(weights, x.astype(np.float64), float_targets), names)
        what = f"task_gradient_cosine(model, x, targets, shared_variables) with {label}"
        got = _gradient_cosine(impl, what, hint, model, x, case_targets, [variables[n] for n in names])
        if abs(got - expected) > 1e-4:
            cause = _likely_cause(got, weights, x.astype(np.float64), float_targets, names)
            raise AssertionError(f"{what} returned {got:.6f}; gradients written out by hand give {expected:.6f} "
                                 "(mean squared error per task; gradients on exactly the variables passed, "
                                 f"flattened and concatenated into one vector per task).{cause}")

    # a zero gradient: the docstring asks for 0.0 (task 1 does not reach head 0; task 1 predicted exactly)
    model, variables, _ = built[False]
    exact = [targets[0], np.asarray(model(x, training=False)[1])]
    zero_cases = [([variables["v0"]], targets, "shared_variables = [head 0's kernel] only, which task 1 does "
                                                "not reach (task 1's gradient is all zeros)"),
                  ([variables["W"], variables["b"]], exact, "task 1's labels equal to its predictions (task 1's "
                                                            "loss and gradient are exactly zero)")]
    for shared_variables, case_targets, label in zero_cases:
        what = f"task_gradient_cosine(model, x, targets, shared_variables) with {label}"
        got = _gradient_cosine(impl, what, " The docstring asks for 0.0 when either gradient is all zeros.",
                               model, x, case_targets, shared_variables)
        if abs(got) > 1e-6:
            raise AssertionError(f"{what} returned {got:.6f}; expected 0.0 (the docstring's value when either "
                                 "gradient is all zeros)")

    # identical tasks -> +1; opposite pulls on the same output -> -1. The Dropout layer must stay inactive.
    fresh_session(2)
    inputs = keras.Input((3,))
    hidden_layer = keras.layers.Dense(4, activation="tanh")
    output = keras.layers.Dense(1)(keras.layers.Dropout(0.5)(hidden_layer(inputs)))
    twin = keras.Model(inputs, [output, output])
    shared_variables = hidden_layer.trainable_variables
    training_cause = (" Likely cause: the model runs in training mode, so its Dropout layer drops units at "
                      "random; call model(inputs, training=False).")
    y = (rng.normal(size=(12, 1)) * 5.0).astype("float32")
    same = _gradient_cosine(impl, "task_gradient_cosine with two identical tasks", "", twin, x, [y, y],
                            shared_variables)
    if abs(same - 1.0) > 1e-4:
        raise AssertionError(f"task_gradient_cosine with two identical tasks (same output, same labels) returned "
                             f"{same:.6f}; expected 1.0." + (" (divide the dot product by both norms)"
                                                             if abs(same) > 1.0 else training_cause))
    prediction = np.asarray(twin(x, training=False)[0])
    mirrored = (2.0 * prediction - y).astype("float32")  # residual of task 1 = minus residual of task 0
    opposite = _gradient_cosine(impl, "task_gradient_cosine with opposite tasks", "", twin, x, [y, mirrored],
                                shared_variables)
    if abs(opposite + 1.0) > 1e-4:
        cause = (" Likely cause: one gradient of the summed losses used for both tasks, or an absolute value "
                 "taken of the cosine (a conflict must come out negative)." if abs(opposite - 1.0) < 1e-4
                 else training_cause)
        raise AssertionError("task_gradient_cosine with two tasks whose labels sit on opposite sides of the same "
                             f"prediction (y1 = 2 * prediction - y0, so the gradients are opposite) returned "
                             f"{opposite:.6f}; expected -1.0.{cause}")


PARTS = {"MMoE": check_mmoe, "task_gradient_cosine": check_task_gradient_cosine}
TIMEOUTS = {"MMoE": 30, "task_gradient_cosine": 20}
