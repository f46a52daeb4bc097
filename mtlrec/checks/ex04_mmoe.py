"""Checks for ex04_mmoe (notebook 04): the MMoE layer and task_gradient_cosine.

MMoE is checked through what it does: the outputs' number and shapes, gate weights that are
non-negative and sum to one per sample and per task (through the documented `gate_weights` method),
a gate of its own for every task, task outputs that are mixtures of common experts with exactly those
gate weights (recovered by least squares when there are more tasks than experts), one expert giving
a plain shared bottom, and the get_config / `.keras` round trip. task_gradient_cosine is compared with
gradients written out by hand in numpy for a linear shared layer, and with the two cases whose answer
is known: identical tasks (+1) and opposite tasks (-1).
"""

from __future__ import annotations

import os
import tempfile
import traceback
import warnings

import numpy as np

import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras
import tensorflow as tf

from mtlrec.checks import short

INPUT_DIM = 7  # probe inputs: (batch, INPUT_DIM) standard normal
BATCH = 16


def _probe(batch: int = BATCH, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(batch, INPUT_DIM)).astype("float32")


def _task_list(value, what: str, num_tasks: int, width: int, batch: int = BATCH) -> list[np.ndarray]:
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


def _make_layer(impl, num_experts: int, expert_units: int, num_tasks: int):
    keras.utils.clear_session()
    keras.utils.set_random_seed(0)
    layer = impl.MMoE(num_experts=num_experts, expert_units=expert_units, num_tasks=num_tasks)
    if not isinstance(layer, keras.layers.Layer):
        raise AssertionError(f"MMoE(...) made a {type(layer).__name__}; expected a keras.layers.Layer subclass")
    return layer


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


def _gates(layer, x, what: str, num_tasks: int, num_experts: int) -> list[np.ndarray]:
    if not callable(getattr(layer, "gate_weights", None)):
        raise AssertionError("MMoE has no method gate_weights(inputs); the docstring asks for it so that the "
                             "gates can be checked: return the list of each task's gate weights")
    gates = _task_list(_started(layer.gate_weights, x), f"{what}.gate_weights(x)", num_tasks, num_experts, len(x))
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


def _nudge(layer, x, num_tasks: int) -> None:
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


def check_mmoe(impl) -> None:
    """Outputs, softmax gates per task, mixtures of shared experts, one expert = shared bottom, round trip."""
    # 1. outputs: a list of num_tasks (batch, expert_units) tensors
    x = _probe()
    for num_experts, expert_units, num_tasks in ((3, 5, 2), (2, 4, 3)):
        what = f"MMoE(num_experts={num_experts}, expert_units={expert_units}, num_tasks={num_tasks})"
        layer = _make_layer(impl, num_experts, expert_units, num_tasks)
        outputs = _task_list(_started(layer, x), f"{what}(x of shape {x.shape})", num_tasks, expert_units)

        # 2. gates: softmax over the experts, per task
        gates = _gates(layer, x, what, num_tasks, num_experts)
        if num_tasks == 3:
            # 3. every task output is sum_e gate[t, e] * expert_e with the SAME experts for all tasks:
            # with more tasks than experts, solve for the experts by least squares and demand a fit.
            worst = 0.0
            for i in range(len(x)):
                gate_matrix = np.stack([g[i] for g in gates])  # (tasks, experts)
                output_matrix = np.stack([o[i] for o in outputs])  # (tasks, units)
                experts, *_ = np.linalg.lstsq(gate_matrix, output_matrix, rcond=None)
                residual = np.abs(gate_matrix @ experts - output_matrix).max()
                worst = max(worst, residual / (np.abs(output_matrix).max() + 1e-6))
            if worst > 1e-3:
                raise AssertionError(
                    f"{what}: the task outputs are not the gate-weighted sums of common experts with the weights "
                    f"gate_weights(x) returns (relative misfit {worst:.3g}). Each task's output must be "
                    "sum over e of gate_weights(x)[task][:, e] * expert_e(x), using the same experts for every "
                    "task and the same gates that gate_weights returns.")
        else:
            # 4. a gate of its own for every task, depending on the input
            if np.allclose(gates[0], gates[1], atol=1e-6) or np.allclose(gates[0], gates[0][:1], atol=1e-6):
                _nudge(layer, x, num_tasks)
                gates = _gates(layer, x, what + " after one gradient step", num_tasks, num_experts)
            if np.allclose(gates[0], gates[1], atol=1e-6):
                raise AssertionError(f"{what}: task 0 and task 1 get identical gate weights {short(gates[0][:2])}, "
                                     "even after a training step that pulls the tasks apart. MMoE needs one gate "
                                     "(its own weights) per task; a single gate for all tasks is the original MoE.")
            if np.allclose(gates[0], gates[0][:1], atol=1e-6):
                raise AssertionError(f"{what}: the gate weights are the same for every input ({short(gates[0][0])}); "
                                     "a gate is a softmax of a Dense layer applied to the inputs, so it depends on x")
            if np.allclose(outputs[0], outputs[1], atol=1e-6):
                raise AssertionError(f"{what}: both tasks get the same output although their gates differ; "
                                     "each task's output must be weighted by its own gate")

    # 5. one expert: every gate weight is 1, so every task sees the same shared bottom
    what = "MMoE(num_experts=1, expert_units=4, num_tasks=2)"
    layer = _make_layer(impl, 1, 4, 2)
    with warnings.catch_warnings():  # Keras warns that a softmax over one unit is always 1: that is the point
        warnings.simplefilter("ignore")
        outputs = _task_list(_started(layer, x), f"{what}(x)", 2, 4)
    if not np.allclose(outputs[0], outputs[1], atol=1e-5):
        raise AssertionError(f"{what}: with one expert the gates' softmax is 1 and both tasks must get exactly that "
                             f"expert's output, but the two task outputs differ by up to "
                             f"{np.abs(outputs[0] - outputs[1]).max():.3g}. Likely cause: gates that are not a "
                             "softmax over the experts (a sigmoid scales each task's output differently).")
    if np.allclose(outputs[0], 0.0):
        raise AssertionError(f"{what}: every output is 0 for random inputs; the expert looks disconnected")

    _check_round_trip(impl)


def _check_round_trip(impl) -> None:
    """from_config(get_config()) rebuilds an equivalent layer; model.save + load_model keeps predictions."""
    what = "MMoE(num_experts=3, expert_units=5, num_tasks=2)"
    layer = _make_layer(impl, 3, 5, 2)
    x = _probe(seed=1)
    first = _task_list(_started(layer, x), f"{what}(x)", 2, 5)
    again = _task_list(layer(x), f"{what}(x) called a second time", 2, 5)
    if not all(np.allclose(a, b, atol=1e-6) for a, b in zip(first, again)):
        raise AssertionError(f"{what}: calling the layer twice on the same input gives different outputs. "
                             "Likely cause: Dense layers created inside call() (new random weights every call); "
                             "create them in __init__.")
    config = _started(layer.get_config)
    if not isinstance(config, dict):
        raise AssertionError(f"MMoE.get_config() returned {type(config).__name__}; expected a dict")
    try:
        clone = type(layer).from_config(config)
        cloned = _task_list(clone(x), "MMoE.from_config(layer.get_config())(x)", 2, 5)
    except AssertionError:
        raise
    except Exception as error:
        raise AssertionError(f"MMoE.from_config(layer.get_config()) failed with {type(error).__name__}: {error}. "
                             f"get_config() returned keys {sorted(config)}; it must hold num_experts, expert_units "
                             "and num_tasks (plus super().get_config()), so Keras can call MMoE(**config)") from None
    del cloned
    if len(clone.get_weights()) != len(layer.get_weights()) or any(
            a.shape != b.shape for a, b in zip(clone.get_weights(), layer.get_weights())):
        raise AssertionError("MMoE.from_config(layer.get_config()) builds a layer whose weights differ in number or "
                             "shape from the original's; get_config() must record the constructor's arguments")

    inputs = keras.Input((INPUT_DIM,))
    keras.utils.set_random_seed(0)
    mmoe = impl.MMoE(num_experts=3, expert_units=5, num_tasks=2)
    per_task = mmoe(inputs)
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
def _linear_two_task_model(seed: int = 0):
    """x (batch, 3) -> shared Dense(2) (linear) -> two Dense(1) heads; weights set from a seeded rng."""
    rng = np.random.default_rng(seed)
    keras.utils.clear_session()
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
    return model, shared, heads, weights


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
         "predictions of shape (batch, 1) minus labels of shape (batch,) broadcast to (batch, batch); "
         "reshape both to (batch,) first"),
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
    return float(first @ second / (np.linalg.norm(first) * np.linalg.norm(second)))


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
        raise AssertionError(f"{what} returned {number}; expected a finite cosine in [-1, 1]")
    return number


def check_task_gradient_cosine(impl) -> None:
    """Hand-computed numpy gradients, label shapes, variables passed, +1 for identical, -1 for opposite."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(12, 3)).astype("float32")
    targets = [rng.normal(size=12).astype("float32") * 3.0, rng.normal(size=12).astype("float32") * 3.0]
    model, shared, heads, weights = _linear_two_task_model()
    grads = _numpy_gradients(weights, x.astype(np.float64), targets)
    variables = {"W": shared.kernel, "b": shared.bias, "v0": heads[0].kernel}

    cases = [(["W", "b"], targets, "targets of shape (12,)"),
             (["W", "b"], [t.reshape(-1, 1) for t in targets], "targets of shape (12, 1)"),
             (["W"], targets, "shared_variables = [shared kernel] only"),
             (["W", "b", "v0"], targets, "shared_variables including head 0's kernel, which task 1 does not reach")]
    for names, case_targets, label in cases:
        expected = _flat_cosine(grads, names)
        what = f"task_gradient_cosine(model, x, targets, shared_variables) with {label}"
        got = _as_float(impl.task_gradient_cosine(model, x, case_targets, [variables[n] for n in names]), what)
        if abs(got - expected) > 1e-4:
            cause = _likely_cause(got, weights, x.astype(np.float64), targets, names)
            raise AssertionError(f"{what} returned {got:.6f}; gradients written out by hand give {expected:.6f} "
                                 "(mean squared error per task; gradients on exactly the variables passed, "
                                 f"flattened and concatenated into one vector per task).{cause}")

    # identical tasks -> +1; opposite pulls on the same output -> -1
    inputs = keras.Input((3,))
    keras.utils.set_random_seed(2)
    hidden_layer = keras.layers.Dense(4, activation="tanh")
    output = keras.layers.Dense(1)(hidden_layer(inputs))
    twin = keras.Model(inputs, [output, output])
    shared_variables = hidden_layer.trainable_variables
    y = (rng.normal(size=(12, 1)) * 5.0).astype("float32")
    same = _as_float(impl.task_gradient_cosine(twin, x, [y, y], shared_variables), "identical tasks")
    if abs(same - 1.0) > 1e-4:
        raise AssertionError(f"task_gradient_cosine with two identical tasks (same output, same labels) returned "
                             f"{same:.6f}; expected 1.0" + (" (divide the dot product by both norms)"
                                                            if abs(same) > 1.0 else ""))
    prediction = np.asarray(twin(x, training=False)[0])
    mirrored = (2.0 * prediction - y).astype("float32")  # residual of task 1 = minus residual of task 0
    opposite = _as_float(impl.task_gradient_cosine(twin, x, [y, mirrored], shared_variables),
                         "opposite tasks")
    if abs(opposite + 1.0) > 1e-4:
        cause = (" Likely cause: one gradient of the summed losses used for both tasks, or an absolute value "
                 "taken of the cosine (a conflict must come out negative)." if abs(opposite - 1.0) < 1e-4 else "")
        raise AssertionError("task_gradient_cosine with two tasks whose labels sit on opposite sides of the same "
                             f"prediction (y1 = 2 * prediction - y0, so the gradients are opposite) returned "
                             f"{opposite:.6f}; expected -1.0.{cause}")


PARTS = {"MMoE": check_mmoe, "task_gradient_cosine": check_task_gradient_cosine}
TIMEOUTS = {"MMoE": 30, "task_gradient_cosine": 20}
