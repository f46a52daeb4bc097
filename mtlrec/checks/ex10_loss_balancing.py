"""Checks for ex10_loss_balancing (notebook 10): UncertaintyWeighting, dwa_weights and pcgrad.

UncertaintyWeighting is checked through what it computes: the objective sum_t c_t exp(-s_t) L_t + 0.5 s_t
on a new layer (s = 0) and with log-variances set to negative, positive and extreme values, for task kinds
in several orders and numbers; its gradients with respect to the losses (the weights, always positive) and
to the log-variances (zero exactly at s_t = log(2 c_t L_t)); the same value from a list of scalar tensors,
from one vector, inside a tf.function and from float64 losses; task_weights(); the ValueErrors the
docstring asks for; and the get_config / from_config round trip keeping the base config. dwa_weights is
compared with the paper's formula written out here for 2 to 4 tasks, several temperatures and history
lengths (only the last two rows count), with the first epochs (all ones), a tiny temperature (no overflow),
reordered tasks, lists and float32 input, an untouched input and the ValueErrors. pcgrad is compared with
Algorithm 1 written out here: two tasks (where the order does not matter) conflicting or not, spread over
pieces of several shapes whose own dot products disagree in sign with the whole gradient's, with None
pieces, a zero gradient, tensors and one task; three and four tasks, whose answer must be one of the
answers the possible visiting orders give, the same for the same seed and not the same for every seed.
"""

from __future__ import annotations

import itertools
import re
import traceback
from pathlib import Path

import numpy as np

import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras
import tensorflow as tf

from mtlrec.checks import expect_value_error, learner_line, short

FACTORS = {"regression": 0.5, "classification": 1.0}
KINDS_PROBE = ("classification", "regression", "regression")  # asymmetric: the factor follows the order
LOSSES_PROBE = (0.7, 3.0, 0.2)
LOG_VARIANCES_PROBE = (-2.0, 1.5, 0.3)  # a negative one (a weight above c_t), and two positive ones
RELATIVE_TOLERANCE = 1e-5  # float32 arithmetic on values of order 1-10


# ------------------------------------------------------------------------------ UncertaintyWeighting
def _objective(kinds, losses, log_variances) -> float:
    """sum_t c_t exp(-s_t) L_t + 0.5 s_t, in float64."""
    factors = np.array([FACTORS[k] for k in kinds])
    s, losses = np.asarray(log_variances, np.float64), np.asarray(losses, np.float64)
    return float(np.sum(factors * np.exp(-s) * losses + 0.5 * s))


def _close(got: float, expected: float, tolerance: float = RELATIVE_TOLERANCE) -> bool:
    return abs(got - expected) <= tolerance * max(1.0, abs(expected))


def _where(error: BaseException, impl) -> str:
    """' (file, line N: code)' for the innermost frame of the traceback in the learner's file."""
    path = getattr(impl, "__file__", None)
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if path is not None and Path(f.filename).resolve() == Path(path).resolve()]
    return f" ({Path(path).name}, line {frames[-1].lineno}: {frames[-1].line})" if frames else learner_line(error)


def _text(error: BaseException, limit: int = 300) -> str:
    text = " ".join(re.sub(r"\x1b\[[0-9;]*m", "", str(error)).split())  # Keras colours its messages
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _run(impl, what: str, function, *args, hint: str = ""):
    """Call a method of a layer whose __init__ works; a stub method still raising NotImplementedError is a
    failure of a started class, and a learner's exception becomes a message naming the probe."""
    try:
        return function(*args)
    except NotImplementedError as error:
        frames = traceback.extract_tb(error.__traceback__)
        method = frames[-1].name if frames else "a method"
        raise AssertionError(f"UncertaintyWeighting.{method}() still raises NotImplementedError; __init__ works, so "
                             "finish the other methods too (call, task_weights, get_config)") from None
    except AssertionError:
        raise
    except Exception as error:
        raise AssertionError(f"{what} raised {type(error).__name__}: {_text(error)}{_where(error, impl)}.{hint}"
                             ) from None


def _scalar(value, what: str) -> float:
    """Demand one finite float32 number (a scalar tensor)."""
    try:
        array = np.asarray(keras.ops.convert_to_numpy(value))
    except Exception:
        raise AssertionError(f"{what} returned {type(value).__name__} {short(value)}; expected a scalar tensor") from None
    if array.size != 1:
        raise AssertionError(f"{what} returned a tensor of shape {array.shape}; expected one number (shape ()): the "
                             "SUM over the tasks of c_t exp(-s_t) L_t + 0.5 s_t (a vector of the per-task terms is "
                             "not summed yet)")
    if array.shape != ():
        raise AssertionError(f"{what} returned shape {array.shape}; expected a scalar of shape () (ops.sum over the "
                             "tasks gives one; reshape or index the result if it still has an axis)")
    number = float(array)
    if not np.isfinite(number):
        raise AssertionError(f"{what} returned {number}; expected a finite number. Likely cause: a variance used "
                             "where the log-variance s_t belongs (log of a negative number, or a division by zero); "
                             "the weight is exp(-s_t), finite and positive for every s_t")
    return number


def _make_layer(impl, kinds, **kwargs):
    layer = impl.UncertaintyWeighting(list(kinds), **kwargs)
    what = f"UncertaintyWeighting({list(kinds)!r})"
    if not isinstance(layer, keras.layers.Layer):
        raise AssertionError(f"{what} made a {type(layer).__name__}; expected a keras.layers.Layer subclass")
    variable = getattr(layer, "log_variances", None)
    if variable is None:
        raise AssertionError(f"{what} has no attribute log_variances before its first call; the docstring asks "
                             "for the log-variances as one weight self.log_variances = self.add_weight(shape="
                             "(num_tasks,), initializer='zeros'), created in __init__")
    shape = tuple(int(d) for d in getattr(variable, "shape", np.shape(variable)))
    if shape != (len(kinds),):
        raise AssertionError(f"{what}.log_variances has shape {shape}; expected ({len(kinds)},), one log-variance "
                             "per task in one weight")
    if not isinstance(variable, (keras.Variable, tf.Variable)):
        raise AssertionError(f"{what}.log_variances is a {type(variable).__name__}; expected a weight made with "
                             "self.add_weight(...) (a constant or numpy array cannot be learned)")
    if not getattr(variable, "trainable", False) or not any(variable is v for v in layer.trainable_weights):
        raise AssertionError(f"{what}.log_variances is not among the layer's trainable weights; make it with "
                             "self.add_weight(..., trainable=True) (the default) so the optimizer learns it")
    if len(layer.trainable_weights) != 1:
        raise AssertionError(f"{what} has {len(layer.trainable_weights)} trainable weights "
                             f"({[tuple(w.shape) for w in layer.trainable_weights]}); the docstring asks for exactly "
                             "one, log_variances of shape (num_tasks,)")
    return layer, what


def _set(layer, log_variances) -> None:
    layer.log_variances.assign(np.asarray(log_variances, dtype="float32"))


def _call(impl, layer, what: str, losses, form: str = "list"):
    """Call the layer on losses given as a list of scalar tensors or as one vector."""
    if form == "list":
        argument = [tf.constant(value, tf.float32) for value in losses]
        label = f"{what}([L_0, ..., L_{len(losses) - 1}]) (a list of scalar tensors {list(losses)})"
    elif form == "vector":
        argument = tf.constant(losses, tf.float32)
        label = f"{what}(tf.constant({list(losses)})) (one vector of shape ({len(losses)},))"
    else:  # float64 scalars
        argument = [tf.constant(value, tf.float64) for value in losses]
        label = f"{what} on a list of float64 scalar tensors {list(losses)}"
    return _scalar(_run(impl, label, layer, argument), label), label


def _gradients(impl, layer, what: str, losses):
    """(d total / d L_t, d total / d s_t) by a tape: the weights on the losses and the log-variances' gradient."""
    tensors = [tf.constant(value, tf.float32) for value in losses]
    label = f"the gradient of {what}([L_0, ...]) (a tf.GradientTape over the losses and log_variances)"
    with tf.GradientTape(persistent=True) as tape:
        for tensor in tensors:
            tape.watch(tensor)
        total = _run(impl, label, layer, tensors)
    weights = tape.gradient(total, tensors)
    variable_gradient = tape.gradient(total, layer.log_variances)
    del tape
    if any(w is None for w in weights):
        raise AssertionError(f"{label}: the total does not depend on every loss through TensorFlow (tape.gradient "
                             "gives None). Likely cause: numpy or float() inside call(); use keras.ops (or tf) so "
                             "the gradient reaches the network")
    if variable_gradient is None:
        raise AssertionError(f"{label}: the total does not depend on log_variances (tape.gradient gives None), so "
                             "the log-variances are never learned. Use self.log_variances inside call() through "
                             "keras.ops, not a numpy copy or a constant")
    return (np.array([float(np.asarray(w)) for w in weights]),
            np.asarray(keras.ops.convert_to_numpy(variable_gradient), np.float64).reshape(-1))


def _value_cause(kinds, losses, log_variances, got: float) -> str:
    """Name the usual mistake whose objective matches the value the learner's layer returned."""
    factors = np.array([FACTORS[k] for k in kinds])
    s, losses = np.asarray(log_variances, np.float64), np.asarray(losses, np.float64)
    candidates = [
        (np.sum(factors * np.exp(-s) * losses), "the regulariser is missing: add 0.5 * s_t (log sigma_t) for "
                                                "every task, or every weight exp(-s_t) shrinks to 0"),
        (np.sum(factors * np.exp(-s) * losses + s), "the regulariser is s_t; the paper's is log sigma_t = 0.5 * s_t"),
        (np.sum(np.exp(-s) * losses + s), "exp(-s_t) * L_t + s_t for every task (a common shortcut); the paper's "
                                          "objective is c_t exp(-s_t) L_t + 0.5 s_t with c_t = 1/2 for regression and "
                                          "1 for classification"),
        (np.sum(0.5 * np.exp(-s) * losses + 0.5 * s), "c_t = 1/2 for every task; a classification task has c_t = 1 "
                                                      "(L_t / sigma_t^2)"),
        (np.sum(np.exp(-s) * losses + 0.5 * s), "c_t = 1 for every task; a regression task has c_t = 1/2 "
                                                "(L_t / (2 sigma_t^2))"),
        (np.sum(factors[::-1] * np.exp(-s) * losses + 0.5 * s), "the factors c_t are paired with the tasks in the "
                                                                "wrong order; task_kinds[t] decides c_t of loss t"),
        (np.sum(factors * np.exp(s) * losses + 0.5 * s), "exp(+s_t) instead of exp(-s_t): the weight is 1/sigma^2 "
                                                         "= exp(-s_t)"),
        (np.sum(factors * (1.0 - s) * losses + 0.5 * s), "the weight is c_t (1 - s_t), a first-order approximation "
                                                         "of c_t exp(-s_t) that goes negative for s_t > 1"),
        (np.sum(factors / np.where(s == 0, np.nan, s) * losses + 0.5 * np.log(np.abs(s) + 1e-300)),
         "log_variances used as the variance itself (c_t / s_t): negative or infinite weights for s_t <= 0"),
        (np.mean(factors * np.exp(-s) * losses + 0.5 * s), "the mean over the tasks instead of the sum"),
        (np.sum(factors * np.exp(-2.0 * s) * losses + s), "the weight learned as log sigma (weight c_t exp(-2 s_t), "
                                                          "regulariser s_t); the docstring's s_t is log sigma^2"),
    ]
    for value, cause in candidates:
        if np.isfinite(value) and _close(got, float(value), 1e-4):
            return f" Likely cause: {cause}."
    return ""


def check_uncertainty_weighting(impl) -> None:
    """The objective on new and set log-variances; positive weights; gradients; forms of the losses;
    tf.function; task_weights; ValueErrors; get_config round trip."""
    layer, what = _make_layer(impl, KINDS_PROBE)
    start = np.asarray(keras.ops.convert_to_numpy(layer.log_variances))
    if not np.allclose(start, 0.0):
        raise AssertionError(f"a new {what} has log_variances {short(start)}; expected zeros (sigma_t = 1): "
                             "initializer='zeros'")
    expected = _objective(KINDS_PROBE, LOSSES_PROBE, start)
    got, label = _call(impl, layer, what, LOSSES_PROBE)
    if not _close(got, expected):
        raise AssertionError(f"{label} on a new layer (every s_t = 0) returned {got:.6g}; expected sum_t c_t L_t = "
                             f"{expected:.6g} (c = 1 for classification, 1/2 for regression)."
                             + _value_cause(KINDS_PROBE, LOSSES_PROBE, start, got))

    for log_variances in (LOG_VARIANCES_PROBE, (3.0, -1.0, -4.0)):
        _set(layer, log_variances)
        expected = _objective(KINDS_PROBE, LOSSES_PROBE, log_variances)
        for form in ("list", "vector", "float64"):
            got, label = _call(impl, layer, what, LOSSES_PROBE, form)
            if not _close(got, expected):
                raise AssertionError(f"{label} with log_variances set to {list(log_variances)} returned {got:.6g}; "
                                     f"expected sum_t c_t exp(-s_t) L_t + 0.5 s_t = {expected:.6g}."
                                     + _value_cause(KINDS_PROBE, LOSSES_PROBE, log_variances, got))

    # the weights (d total / d L_t) are c_t exp(-s_t) > 0, and d total / d s_t = -c_t exp(-s_t) L_t + 0.5
    factors = np.array([FACTORS[k] for k in KINDS_PROBE])
    for log_variances in (LOG_VARIANCES_PROBE, (6.0, -6.0, 2.5)):
        _set(layer, log_variances)
        s = np.asarray(log_variances)
        weights, s_gradient = _gradients(impl, layer, what, LOSSES_PROBE)
        expected_weights = factors * np.exp(-s)
        if np.any(weights <= 0):
            raise AssertionError(f"{what} with log_variances {list(log_variances)} puts the weights {short(weights)} "
                                 "on the losses (d total / d L_t); a weight must never be negative or zero. Likely "
                                 "cause: the log-variance used directly (c_t / s_t, or c_t (1 - s_t)); only "
                                 "c_t * exp(-s_t) is positive for every real s_t, which is why the paper learns "
                                 "s_t = log sigma_t^2")
        if not np.allclose(weights, expected_weights, rtol=1e-4):
            raise AssertionError(f"{what} with log_variances {list(log_variances)} puts the weights {short(weights)} "
                                 f"on the losses (d total / d L_t); expected c_t exp(-s_t) = {short(expected_weights)}."
                                 + _value_cause(KINDS_PROBE, LOSSES_PROBE, log_variances,
                                                float(np.sum(weights * np.asarray(LOSSES_PROBE)) + 0.5 * s.sum())))
        expected_gradient = -factors * np.exp(-s) * np.asarray(LOSSES_PROBE) + 0.5
        if not np.allclose(s_gradient, expected_gradient, rtol=1e-4, atol=1e-5):
            cause = (" Likely cause: the regulariser is missing (its gradient, 0.5 per task, is what stops s_t from "
                     "growing for ever)" if np.allclose(s_gradient, expected_gradient - 0.5, rtol=1e-4, atol=1e-5)
                     else " Likely cause: the regulariser is s_t instead of 0.5 s_t" if np.allclose(
                         s_gradient, expected_gradient + 0.5, rtol=1e-4, atol=1e-5) else "")
            raise AssertionError(f"{what} with log_variances {list(log_variances)}: d total / d s_t is "
                                 f"{short(s_gradient)}; expected -c_t exp(-s_t) L_t + 0.5 = "
                                 f"{short(expected_gradient)}.{cause}")

    # at s_t = log(2 c_t L_t) the objective is smallest: a regression task's variance is its loss
    optimum = np.log(2.0 * factors * np.asarray(LOSSES_PROBE))
    _set(layer, optimum)
    _, s_gradient = _gradients(impl, layer, what, LOSSES_PROBE)
    if np.max(np.abs(s_gradient)) > 1e-4:
        raise AssertionError(f"{what} with log_variances at s_t = log(2 c_t L_t) = {short(optimum)}, where the paper's "
                             f"objective is smallest in s, has d total / d s_t = {short(s_gradient)}; expected zeros")

    # task_weights() reports c_t exp(-s_t)
    _set(layer, LOG_VARIANCES_PROBE)
    reported = _run(impl, f"{what}.task_weights()", layer.task_weights)
    reported = np.asarray(keras.ops.convert_to_numpy(reported) if not isinstance(reported, np.ndarray) else reported,
                          dtype=np.float64)
    expected_weights = factors * np.exp(-np.asarray(LOG_VARIANCES_PROBE))
    if reported.shape != (3,) or not np.allclose(reported, expected_weights, rtol=1e-4):
        raise AssertionError(f"{what}.task_weights() with log_variances {list(LOG_VARIANCES_PROBE)} returned "
                             f"{short(reported)}; expected the weights c_t exp(-s_t) = {short(expected_weights)}, "
                             "shape (3,)")

    # inside a traced training step (a tf.function)
    traced = tf.function(lambda a, b, c: layer([a, b, c]))
    label = f"{what}([L_0, L_1, L_2]) inside a tf.function"
    got = _scalar(_run(impl, label, traced, *[tf.constant(v, tf.float32) for v in LOSSES_PROBE],
                       hint=" Likely cause: numpy or float() on a tensor in call(); use keras.ops (or tf)."), label)
    expected = _objective(KINDS_PROBE, LOSSES_PROBE, LOG_VARIANCES_PROBE)
    if not _close(got, expected):
        raise AssertionError(f"{label} returned {got:.6g}; eagerly it must be and is {expected:.6g}: call() must give "
                             "the same value in a traced step")

    # other numbers and orders of tasks
    for kinds, losses, log_variances in ((("regression",), (2.5,), (0.8,)),
                                         (("regression", "classification"), (40.0, 0.3), (1.0, -0.5)),
                                         (("classification", "classification", "regression", "regression"),
                                          (0.6, 0.2, 900.0, 0.05), (0.0, 1.0, 6.0, -3.0))):
        other, other_what = _make_layer(impl, kinds)
        _set(other, log_variances)
        got, label = _call(impl, other, other_what, losses)
        expected = _objective(kinds, losses, log_variances)
        if not _close(got, expected):
            raise AssertionError(f"{label} with log_variances {list(log_variances)} returned {got:.6g}; expected "
                                 f"{expected:.6g}." + _value_cause(kinds, losses, log_variances, got))

    # ValueErrors the docstring asks for
    for kinds, why in (([], "task_kinds is empty"), (["regression", "ranking"], "'ranking' is not a task kind")):
        expect_value_error(impl.UncertaintyWeighting, (kinds,), f"UncertaintyWeighting({kinds!r})",
                           f"the docstring asks for ValueError when {why}")
    two, two_what = _make_layer(impl, ("regression", "classification"))
    try:
        two([tf.constant(1.0), tf.constant(2.0), tf.constant(3.0)])
    except ValueError:
        pass
    except NotImplementedError:
        raise
    except Exception as error:
        raise AssertionError(f"{two_what} called on 3 losses raised {type(error).__name__}: {_text(error)}"
                             f"{_where(error, impl)}; expected ValueError (the number of losses must be num_tasks)"
                             ) from None
    else:
        raise AssertionError(f"{two_what} called on 3 losses did not raise ValueError; the docstring asks for one when "
                             "the number of losses is not num_tasks (a zip over the kinds silently drops a loss)")

    _check_round_trip(impl)


def _check_round_trip(impl) -> None:
    """from_config(get_config()) keeps task_kinds and the base config (name, trainable) and computes alike."""
    kinds = ("regression", "classification")
    layer = impl.UncertaintyWeighting(list(kinds), name="balance_probe", trainable=False)
    what = "UncertaintyWeighting(['regression', 'classification'], name='balance_probe', trainable=False)"
    config = _run(impl, f"{what}.get_config()", layer.get_config)
    if not isinstance(config, dict):
        raise AssertionError(f"{what}.get_config() returned {type(config).__name__}; expected a dict")
    try:
        clone = type(layer).from_config(config)
    except Exception as error:
        raise AssertionError(f"UncertaintyWeighting.from_config(layer.get_config()) failed with {type(error).__name__}: "
                             f"{_text(error)}. get_config() returned keys {sorted(config)}; it must hold task_kinds "
                             "(plus super().get_config()), so that Keras can call UncertaintyWeighting(**config)"
                             ) from None
    if list(getattr(clone, "task_kinds", kinds)) != list(kinds) and tuple(
            np.asarray(getattr(clone, "task_kinds", ()), dtype=object)) != kinds:
        raise AssertionError(f"UncertaintyWeighting.from_config({what}.get_config()) has task_kinds "
                             f"{getattr(clone, 'task_kinds', None)!r}; expected {list(kinds)}")
    for key, value in (("name", "balance_probe"), ("trainable", False)):
        if getattr(clone, key, None) != value:
            raise AssertionError(f"UncertaintyWeighting.from_config({what}.get_config()) has {key}="
                                 f"{getattr(clone, key, None)!r}; expected {value!r}: the round trip loses the base "
                                 f"layer's config (get_config() returned {short(config, 300)}). Start from "
                                 "config = super().get_config().")
    losses = (1.5, 0.4)
    got, label = _call(impl, clone, "the layer rebuilt by from_config", losses)
    expected = _objective(kinds, losses, (0.0, 0.0))
    if not _close(got, expected):
        raise AssertionError(f"{label} returned {got:.6g}; expected {expected:.6g}: the rebuilt layer must compute the "
                             "same objective (are the task kinds restored in their order?)")


# ------------------------------------------------------------------------------ dwa_weights
def _dwa(history, temperature) -> np.ndarray:
    """The paper's DWA, written out: K softmax(L(t-1) / L(t-2) / T), ones before two epochs."""
    history = np.asarray(history, np.float64)
    if len(history) < 2:
        return np.ones(history.shape[1])
    rates = history[-1] / history[-2]
    logits = rates / temperature
    exponentials = np.exp(logits - logits.max())
    return history.shape[1] * exponentials / exponentials.sum()


def _dwa_call(impl, history, temperature, what: str | None = None):
    what = what or f"dwa_weights({_history_text(history)}, temperature={temperature})"
    given = np.array(history, dtype=np.float64, copy=True)
    try:
        value = impl.dwa_weights(history, temperature)
    except (AssertionError, NotImplementedError):
        raise
    except Exception as error:
        raise AssertionError(f"{what} raised {type(error).__name__}: {_text(error)}{learner_line(error)}") from None
    if not np.array_equal(np.asarray(history, dtype=np.float64), given):
        raise AssertionError(f"{what} changed the loss_history it was given; compute the ratios on a copy")
    if not isinstance(value, np.ndarray):
        raise AssertionError(f"{what} returned {type(value).__name__} {short(value)}; expected a numpy array")
    num_tasks = given.shape[1] if given.ndim == 2 else None
    if value.shape != (num_tasks,):
        raise AssertionError(f"{what} returned shape {value.shape}; expected ({num_tasks},), one weight per task")
    if value.dtype.kind != "f":
        raise AssertionError(f"{what} returned dtype {value.dtype}; expected floats")
    if not np.all(np.isfinite(value)):
        raise AssertionError(f"{what} returned {short(value)}: not finite. Likely cause: np.exp of large logits "
                             "overflows (exp(1000) is inf, inf / inf is NaN); subtract the largest logit first")
    return value.astype(np.float64), what


def _history_text(history) -> str:
    array = np.asarray(history, dtype=np.float64)
    return f"history of shape {array.shape}" if array.size > 6 else f"{np.round(array, 4).tolist()}"


def _dwa_cause(history, temperature, got) -> str:
    history = np.asarray(history, np.float64)
    k = history.shape[1]
    candidates = []
    if len(history) >= 2:
        candidates = [
            (_dwa(history[[-1, -2]], temperature),
             "the ratio is inverted: w_k = L_k(t-1) / L_k(t-2), the newer loss over the older one"),
            (_dwa(history, 1.0), "the temperature is ignored (a plain softmax of the ratios)"),
            (_dwa(history, 1.0 / temperature), "the ratios are multiplied by the temperature instead of divided"),
            (_dwa(history, temperature) / k, "the weights are not scaled to the number of tasks: a softmax sums to "
                                             "1, DWA multiplies it by K so that equal weights are 1"),
            (_dwa(history[:2], temperature), "the first two epochs are used instead of the last two"),
            (k * np.exp(history[-1] / temperature - np.max(history[-1] / temperature))
             / np.exp(history[-1] / temperature - np.max(history[-1] / temperature)).sum(),
             "the softmax is taken of the last losses, not of their ratio to the epoch before"),
        ]
    else:
        candidates = [(np.ones(k) / k, "before two epochs every weight is 1 (they sum to K, not to 1)")]
    for value, cause in candidates:
        if value.shape == got.shape and np.allclose(got, value, rtol=1e-6, atol=1e-9):
            return f" Likely cause: {cause}."
    return ""


def check_dwa_weights(impl) -> None:
    """The formula for 2-4 tasks, temperatures and history lengths; first epochs; tiny temperature; input
    forms; task order; ValueErrors."""
    cases = [  # (history, temperature)
        ([[1.0, 2.0], [0.5, 1.9]], 2.0),
        ([[0.9, 3.0, 0.4], [0.6, 2.5, 0.39], [0.3, 2.4, 0.38]], 2.0),
        ([[1.2, 0.8, 5.0, 0.3], [1.0, 0.7, 4.0, 0.31], [0.9, 0.5, 3.9, 0.2], [0.8, 0.45, 3.0, 0.21]], 0.5),
        ([[2.0, 1.0], [1.0, 1.0], [1.5, 0.5]], 10.0),
        ([[0.7, 0.7, 0.7], [0.35, 0.7, 1.4]], 1.0),
    ]
    for history, temperature in cases:
        got, what = _dwa_call(impl, history, temperature)
        expected = _dwa(history, temperature)
        if not np.allclose(got, expected, rtol=1e-6, atol=1e-9):
            raise AssertionError(f"{what} returned {short(got)}; expected K * softmax(L(t-1) / L(t-2) / T) = "
                                 f"{short(expected)} (from the last two rows)." + _dwa_cause(history, temperature, got))

    for history in (np.zeros((0, 3)), [[0.8, 0.2]], np.array([[5.0, 1.0, 0.1, 2.0]], np.float32)):
        got, what = _dwa_call(impl, history, 2.0)
        expected = np.ones(np.asarray(history).shape[1])
        if not np.allclose(got, expected):
            raise AssertionError(f"{what} (fewer than two epochs) returned {short(got)}; expected {short(expected)}: "
                                 "before two epochs there is no rate, and every weight is 1 (the paper's first two "
                                 "epochs)." + _dwa_cause(history, 2.0, got))

    history = [[1.0, 1.0, 1.0], [1.0, 0.5, 0.9]]  # task 0 stalls: with a tiny T it takes all the weight
    got, what = _dwa_call(impl, history, 1e-3)
    if not np.allclose(got, [3.0, 0.0, 0.0], atol=1e-9):
        raise AssertionError(f"{what} returned {short(got)}; expected [3, 0, 0]: with a tiny temperature the stalled "
                             "task (rate 1.0, the largest) takes all K = 3 of the weight." + _dwa_cause(history, 1e-3, got))

    base = np.array([[0.9, 0.3, 2.0], [0.8, 0.1, 1.9]])
    float32 = base.astype(np.float32)
    got, what = _dwa_call(impl, float32, 2.0, "dwa_weights(a float32 array (2, 3), temperature=2.0)")
    if not np.allclose(got, _dwa(float32, 2.0), rtol=1e-5):
        raise AssertionError(f"{what} returned {short(got)}; expected {short(_dwa(float32, 2.0))}")
    got, what = _dwa_call(impl, tuple(map(tuple, base.tolist())), 2, "dwa_weights(a tuple of tuples, temperature=2)")
    if not np.allclose(got, _dwa(base, 2.0), rtol=1e-6):
        raise AssertionError(f"{what} returned {short(got)}; expected {short(_dwa(base, 2.0))}")
    older_zero = [[0.0, 1.0], [1.0, 2.0], [0.5, 1.9]]  # a 0 loss in an older row: "only the last two rows are read"
    got, what = _dwa_call(impl, older_zero, 2.0, f"dwa_weights({older_zero!r}, 2.0)")
    if not np.allclose(got, _dwa(older_zero, 2.0), rtol=1e-6):
        raise AssertionError(f"{what} returned {short(got)}; expected {short(_dwa(older_zero, 2.0))} from the last two "
                             "rows: the 0 in the first row is never read, so it raises nothing either")
    order = [2, 0, 1]
    reordered, what = _dwa_call(impl, base[:, order], 2.0, "dwa_weights(the same history, its task columns reordered)")
    if not np.allclose(reordered, _dwa(base, 2.0)[order], rtol=1e-6):
        raise AssertionError(f"{what} returned {short(reordered)}; expected the weights reordered alike "
                             f"{short(_dwa(base, 2.0)[order])}: each task's weight comes from its own column")

    for args, why in ((([[1.0, 1.0], [0.5, 0.5]], 0.0), "the temperature is 0"),
                      (([[1.0, 1.0], [0.5, 0.5]], -2.0), "the temperature is negative"),
                      (([[1.0, 1.0], [0.5, 0.5]], float("nan")), "the temperature is NaN"),
                      (([1.0, 0.5], 2.0), "loss_history is 1-D (it must be (num_epochs, num_tasks))"),
                      (([[1.0, 0.0], [0.5, 0.5]], 2.0), "a loss in the last two rows is 0 (the ratio divides by it)"),
                      (([[1.0, 1.0], [0.5, -0.5]], 2.0), "a loss in the last two rows is negative")):
        expect_value_error(impl.dwa_weights, args, f"dwa_weights({args[0]!r}, {args[1]!r})",
                           f"the docstring asks for ValueError when {why}")


# ------------------------------------------------------------------------------ pcgrad
def _flatten(task_gradients, shapes) -> np.ndarray:
    return np.stack([np.concatenate([np.zeros(int(np.prod(s))) if p is None else np.ravel(np.asarray(p, np.float64))
                                     for p, s in zip(pieces, shapes)]) for pieces in task_gradients])


def _projected(gradients: np.ndarray, task: int, order, onto_own: bool = False,
               original_dot: bool = False) -> np.ndarray:
    """Algorithm 1 for one task and one visiting order, against the ORIGINAL gradients (onto_own: the
    mistake of removing the component along the task's own current gradient instead; original_dot: the
    mistake of testing and projecting with the task's original gradient instead of its current one)."""
    vector = gradients[task].copy()
    for other in order:
        dot = (gradients[task] if original_dot else vector) @ gradients[other]
        if dot < 0:
            direction = vector.copy() if onto_own else gradients[other]
            vector -= dot / (direction @ direction) * direction
    return vector


def _all_answers(gradients: np.ndarray, onto_own: bool = False, original_dot: bool = False) -> list[np.ndarray]:
    """The summed update for every combination of visiting orders (one order per task)."""
    num_tasks = len(gradients)
    per_task = []
    for task in range(num_tasks):
        others = [j for j in range(num_tasks) if j != task]
        options = []
        for order in itertools.permutations(others):
            vector = _projected(gradients, task, order, onto_own, original_dot)
            if not any(np.allclose(vector, seen, rtol=1e-12, atol=1e-12) for seen in options):
                options.append(vector)
        per_task.append(options)
    return [np.sum(choice, axis=0) for choice in itertools.product(*per_task)]


def _pc_call(impl, task_gradients, seed, shapes, what: str):
    given = [[None if p is None else np.array(p, copy=True) for p in pieces] for pieces in task_gradients]
    try:
        value = impl.pcgrad(task_gradients, seed)
    except (AssertionError, NotImplementedError):
        raise
    except Exception as error:
        hint = (" Likely cause: a None piece (a variable the task does not reach) is used as an array; count it as "
                "zeros." if any(p is None for pieces in task_gradients for p in pieces) else "")
        raise AssertionError(f"{what} raised {type(error).__name__}: {_text(error)}{learner_line(error)}.{hint}"
                             ) from None
    for pieces, before in zip(task_gradients, given):
        for piece, copy in zip(pieces, before):
            if piece is not None and isinstance(piece, np.ndarray) and not np.array_equal(piece, copy):
                raise AssertionError(f"{what} changed the gradients it was given (in place, e.g. g -= ... on an "
                                     "input array); the caller's gradients must stay as they were: work on copies")
    if not isinstance(value, (list, tuple)):
        raise AssertionError(f"{what} returned {type(value).__name__} {short(value)}; expected a list with one array "
                             f"per variable ({len(shapes)} here), the pieces of the summed update")
    if len(value) != len(shapes):
        raise AssertionError(f"{what} returned {len(value)} pieces; expected {len(shapes)}, one per variable (the sum "
                             "over the tasks of their projected gradients, cut back into the variables' shapes)")
    pieces = []
    for index, (piece, shape) in enumerate(zip(value, shapes)):
        array = np.asarray(piece, dtype=np.float64)
        if array.shape != tuple(shape):
            raise AssertionError(f"{what}: piece {index} has shape {array.shape}; expected {tuple(shape)}, the shape of "
                                 "that variable's gradient")
        if not np.all(np.isfinite(array)):
            raise AssertionError(f"{what}: piece {index} holds NaN or infinite values. Likely cause: a division by "
                                 "|g_j|^2 = 0 for a zero gradient; project only when the dot product is negative "
                                 "(then |g_j| > 0)")
        pieces.append(array)
    return np.concatenate([np.ravel(p) for p in pieces]) if pieces else np.zeros(0)


def _pc_cause(gradients: np.ndarray, got: np.ndarray, shapes) -> str:
    """Name the usual mistake whose update matches what the learner's pcgrad returned (two tasks)."""
    first, second = gradients[0], gradients[1]
    dot = first @ second
    candidates = [(first + second, "no projection at all (the plain sum): project when g_i . g_j < 0")]
    if dot < 0:
        candidates += [
            ((first - dot / (second @ second) * second) + second,
             "only the first task's gradient is projected: either one direction only (task j must be projected "
             "off task i too), or the second task is projected against the first one's already projected gradient, "
             "which no longer conflicts with it (project every task against the ORIGINAL gradients)"),
            (first + (second - dot / (first @ first) * first),
             "only the second task's gradient is projected; every task is projected off the ones it conflicts with"),
            (0.5 * (_projected(gradients, 0, [1]) + _projected(gradients, 1, [0])),
             "the mean of the projected gradients; the update is their sum"),
        ]
    else:
        cosine = dot / (np.linalg.norm(first) * np.linalg.norm(second))
        candidates += [
            ((first - dot / (second @ second) * second) + (second - dot / (first @ first) * first),
             f"the gradients are projected although they do not conflict (cosine {cosine:+.2f} > 0); only a negative "
             "dot product is a conflict"),
        ]
    offset, per_variable = 0, []
    for shape in shapes:
        size = int(np.prod(shape))
        part = gradients[:, offset:offset + size]
        per_variable.append(_projected(part, 0, [1]) + _projected(part, 1, [0]))
        offset += size
    candidates.append((np.concatenate(per_variable), "each variable's gradient is projected on its own; PCGrad "
                                                     "measures the conflict on the whole flattened gradient (all the "
                                                     "pieces concatenated into one vector per task)"))
    for value, cause in candidates:
        if value.shape == got.shape and np.allclose(got, value, rtol=1e-4, atol=1e-6 * max(1.0, np.abs(value).max())):
            return f" Likely cause: {cause}."
    return ""


def _matches(got: np.ndarray, expected: np.ndarray) -> bool:
    scale = max(1.0, float(np.abs(expected).max()) if expected.size else 1.0)
    return got.shape == expected.shape and bool(np.allclose(got, expected, rtol=1e-4, atol=1e-5 * scale))


def check_pcgrad(impl) -> None:
    """Two tasks conflicting or not, pieces whose own signs mislead, None, zero gradient, tensors, one task;
    three and four tasks against every visiting order; the seed's effect."""
    shapes = [(2, 3), (4,), (1, 2)]
    # per-piece dot products (+, -, +) whose sum is negative: a per-variable projection gives another answer
    conflicting = [[np.array([[1.0, 0.0, 2.0], [0.5, 0.0, 0.0]]), np.array([3.0, 1.0, 0.0, -1.0]), np.array([[0.2, 0.1]])],
                   [np.array([[0.5, 1.0, 0.5], [0.0, 2.0, 0.0]]), np.array([-2.0, -1.5, 1.0, 1.0]),
                    np.array([[1.0, -0.5]])]]
    agreeing = [[np.array([[1.0, 0.0, 2.0], [0.5, 0.0, 0.0]]), np.array([3.0, 1.0, 0.0, -1.0]), np.array([[0.2, 0.1]])],
                [np.array([[0.5, 1.0, 0.5], [0.0, 2.0, 0.0]]), np.array([-1.0, 0.5, 1.0, -1.0]), np.array([[1.0, -0.5]])]]
    for task_gradients, label in ((conflicting, "two conflicting tasks (g_0 . g_1 < 0)"),
                                  (agreeing, "two tasks that do not conflict (g_0 . g_1 > 0)")):
        gradients = _flatten(task_gradients, shapes)
        what = f"pcgrad(<{label}, pieces of shapes {shapes}>, seed=0)"
        got = _pc_call(impl, task_gradients, 0, shapes, what)
        expected = _projected(gradients, 0, [1]) + _projected(gradients, 1, [0])
        if not _matches(got, expected):
            raise AssertionError(f"{what} returned the update {short(got)} (flattened); Algorithm 1 gives "
                                 f"{short(expected)}." + _pc_cause(gradients, got, shapes))

    # tensors, float32, a None piece, a zero gradient, one task
    tensors = [[tf.constant(p, tf.float32) for p in pieces] for pieces in conflicting]
    what = "pcgrad(<two conflicting tasks as float32 tf tensors>, seed=3)"
    got = _pc_call(impl, tensors, 3, shapes, what)
    expected = sum(_projected(_flatten(conflicting, shapes), t, [1 - t]) for t in range(2))
    if not _matches(got, expected):
        raise AssertionError(f"{what} returned {short(got)}; expected {short(expected)}")
    with_none = [conflicting[0], [conflicting[1][0], conflicting[1][1], None]]
    what = "pcgrad(<two conflicting tasks, task 1 has None for the last variable>, seed=0)"
    got = _pc_call(impl, with_none, 0, shapes, what)
    gradients = _flatten(with_none, shapes)
    expected = _projected(gradients, 0, [1]) + _projected(gradients, 1, [0])
    if not _matches(got, expected):
        raise AssertionError(f"{what} returned {short(got)}; expected {short(expected)} (a None piece counts as zeros)")
    zero = [conflicting[0], [np.zeros(s) for s in shapes]]
    what = "pcgrad(<task 1's gradient all zeros>, seed=0)"
    got = _pc_call(impl, zero, 0, shapes, what)
    expected = _flatten(conflicting, shapes)[0]
    if not _matches(got, expected):
        raise AssertionError(f"{what} returned {short(got)}; expected task 0's gradient unchanged {short(expected)}: a "
                             "zero gradient conflicts with nothing")
    what = "pcgrad(<one task>, seed=0)"
    got = _pc_call(impl, [conflicting[1]], 0, shapes, what)
    if not _matches(got, _flatten(conflicting, shapes)[1]):
        raise AssertionError(f"{what} returned {short(got)}; expected that task's gradient unchanged")

    # three and four tasks: the answer depends on the order; it must be one that some orders give
    _check_many_tasks(impl)

    for args, why in ((([], 0), "task_gradients is empty"),
                      (([[np.ones(2), np.ones(3)], [np.ones(2)]], 0), "the tasks have different numbers of pieces"),
                      (([[np.ones(2)], [np.ones(3)]], 0), "a piece has different shapes in different tasks"),
                      (([[np.ones((2, 3))], [-np.ones((3, 2))]], 0),
                       "a piece has shape (2, 3) in one task and (3, 2) in another (same size, different shape)")):
        expect_value_error(impl.pcgrad, args, f"pcgrad({short(args[0], 80)}, seed=0)",
                           f"the docstring asks for ValueError when {why}")


def _check_many_tasks(impl) -> None:
    # three gradients 120 degrees apart in a plane (every pair conflicts) plus components of their own
    angles = np.deg2rad([90.0, 210.0, 330.0])
    planar = np.stack([np.cos(angles), np.sin(angles)], axis=1) * np.array([[1.0], [1.6], [0.7]])
    own = np.array([[0.3, 0.0, 0.1], [0.0, -0.2, 0.4], [0.5, 0.1, 0.0]])
    three = np.concatenate([planar, own], axis=1)  # (3, 5)
    shapes = [(2,), (3,)]
    task_gradients = [[row[:2], row[2:]] for row in three]
    answers = _all_answers(three)
    seen = []
    for seed in range(12):
        what = f"pcgrad(<three pairwise conflicting tasks>, seed={seed})"
        got = _pc_call(impl, task_gradients, seed, shapes, what)
        if not any(_matches(got, answer) for answer in answers):
            cause = ""
            if any(_matches(got, s) for s in _sequential(three)):
                cause = (" Likely cause: each task is projected onto gradients already projected (the tasks updated "
                         "in place, one after the other); project every task against the ORIGINAL gradients g_j")
            elif (any(_matches(got, s) for s in _all_answers(three, original_dot=True))
                  and any(_matches(got, s) for s in _all_answers(three, onto_own=True))):
                cause = (" Likely cause, one of two mistakes that give this same update here: the component removed "
                         "along the task's OWN gradient (g_i . g_j / |g_i|^2 * g_i) instead of along g_j, or the dot "
                         "product taken with the ORIGINAL g_i at every projection instead of the current g_i^PC "
                         "(with two tasks neither changes the sum, with three they do)")
            elif any(_matches(got, s) for s in _all_answers(three, original_dot=True)):
                cause = (" Likely cause: the dot product is taken with the task's ORIGINAL gradient g_i at every "
                         "projection; Algorithm 1 tests and projects the current g_i^PC (g_i^PC . g_j), which "
                         "changes after each projection (with two tasks both give the same, with three they do not)")
            elif any(_matches(got, s) for s in _all_answers(three, onto_own=True)):
                cause = (" Likely cause: the component is removed along the task's OWN gradient (g_i . g_j / |g_i|^2 "
                         "* g_i), which only shrinks g_i; remove it along the other task's gradient g_j (with two "
                         "tasks both give the same sum, with three they do not)")
            raise AssertionError(f"{what} returned {short(got)}; no visiting order gives that update under Algorithm 1 "
                                 f"(for each task i, g_i^PC is projected off each other ORIGINAL g_j it conflicts with, "
                                 f"in a random order; the update is sum_i g_i^PC). The {len(answers)} possible updates "
                                 f"include {short(answers[0])}.{cause}")
        again = _pc_call(impl, task_gradients, seed, shapes, what + " (called again)")
        if not np.allclose(again, got, rtol=1e-6, atol=1e-9):
            raise AssertionError(f"{what} returned {short(got)} and, called again with the same seed, {short(again)}; "
                                 "the same seed must give the same order (draw it from np.random.default_rng(seed), "
                                 "not from a global or unseeded generator)")
        if not any(np.allclose(got, s, rtol=1e-6, atol=1e-9) for s in seen):
            seen.append(got)
    if len(seen) < 2:
        raise AssertionError("pcgrad(<three pairwise conflicting tasks>, seed) returned the same update for the 12 seeds "
                             "0..11, although the visiting order changes the answer here; each task's order over the "
                             "others must be a random permutation drawn from seed (e.g. "
                             "np.random.default_rng(seed).permutation), not a fixed order")

    # four tasks, two of them agreeing with each other
    four = np.array([[1.0, 0.2, 0.0, 0.5], [-0.8, 1.0, 0.3, 0.0], [0.1, -1.2, 0.5, -0.2], [0.9, 0.4, -0.6, 0.1]])
    task_gradients = [[row.reshape(2, 2)] for row in four]
    answers = _all_answers(four)
    for seed in (0, 5):
        what = f"pcgrad(<four tasks, one (2, 2) piece each>, seed={seed})"
        got = _pc_call(impl, task_gradients, seed, [(2, 2)], what)
        if not any(_matches(got, answer) for answer in answers):
            raise AssertionError(f"{what} returned {short(got)}; no visiting order gives that update under Algorithm 1 "
                                 "(each task projected only off the ORIGINAL gradients it conflicts with, every task "
                                 "against every other, the projected gradients summed)")


def _sequential(gradients: np.ndarray) -> list[np.ndarray]:
    """Updates of the in-place mistake (tasks projected one after the other onto already projected ones)."""
    results = []
    num_tasks = len(gradients)
    for orders in itertools.product(*[list(itertools.permutations([j for j in range(num_tasks) if j != i]))
                                      for i in range(num_tasks)]):
        current = gradients.copy()
        for i, order in enumerate(orders):
            for j in order:
                dot = current[i] @ current[j]
                if dot < 0:
                    current[i] = current[i] - dot / (current[j] @ current[j]) * current[j]
        results.append(current.sum(axis=0))
    return results


PARTS = {"UncertaintyWeighting": check_uncertainty_weighting, "dwa_weights": check_dwa_weights, "pcgrad": check_pcgrad}
TIMEOUTS = {"UncertaintyWeighting": 30, "dwa_weights": 10, "pcgrad": 10}
