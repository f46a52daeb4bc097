"""Checks for ex01_multitask_loss (notebook 01): masked_loss, masked_multitask_loss, build_shared_bottom.

Every expected value comes from the numpy formula in `_numpy_masked_loss` (the module docstring of
the exercise): per task, the mean element-wise loss over the observed labels (0 when there are
none), predictions clipped to [1e-7, 1 - 1e-7] before the log; the total is the weighted sum.

What is varied (every documented argument moves away from its default somewhere):
- masked_loss: both loss names and an unknown one (ValueError); (batch, 1) and (batch,) shapes; tensors
  and numpy arrays; another mask value for each loss; every label missing, and an empty batch (0.0);
  confident predictions of exactly 0 and 1 on observed labels (the clip); gradients (exactly 0 on masked
  entries even where the prediction is 0 or 1); and a graph trace without autograph, as model.fit runs it.
- masked_multitask_loss: weights that matter, no weights (1.0 each), a task with no label, the four dicts
  in four different key orders (values paired by position fail), another mask value, gradients.
- build_shared_bottom: one build without task_weights, with the default mask value and learning rate,
  shared_units (11, 9) and tower_units (7, 5); one with input_dim 5, shared_units (12,), tower_units (8,),
  mask_value 9.0, learning rate 0.003, and tasks and weights listed in different orders. On each: Adam
  at the learning rate, one sigmoid (batch, 1) output per task, the Dense kernels every task reaches
  (the shared bottom) and those each task owns (tower and head) by shape, the compiled loss on probes
  with missing labels; on the first, ReLU hidden units (a unit whose gradient is cut); on the second,
  one model.fit step with the model's own compiled optimizer and losses (keras_tools.fit_once, which
  also traces each compiled loss as fit does), in which a task with weight 0 and a task with every
  label missing must leave their own towers untouched.
Subclassed keras.Model answers pass as functional ones do: outputs are read from what the model
returns (a dict keyed by task, or a list in output order), variables by gradient, never by name.
"""

from __future__ import annotations

import numpy as np

import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras
import tensorflow as tf

from mtlrec.checks import short
from mtlrec.checks.keras_tools import (assert_optimizer, assert_output_names, assert_probability,
                                       assert_shared_and_own, build, error_text, fit_once, output_names,
                                       predict, relu_silenced_kernels)

BCE, MSE = "binary_crossentropy", "mean_squared_error"
MISSING = -1.0  # the exercise's default MISSING_LABEL
_TOLERANCE = 1e-4  # relative; float32 sums of a dozen terms agree to ~1e-6


# ------------------------------------------------------------------------------ numpy truth
def _numpy_elementwise(loss_name: str, labels: np.ndarray, predictions: np.ndarray, *,
                       epsilon: float = 1e-7, dtype=np.float64) -> np.ndarray:
    """The element-wise loss; dtype float32 reproduces float32 clipping (1 - 1e-7 rounds to 1 - 1.19e-7)."""
    labels, predictions = np.asarray(labels, dtype), np.asarray(predictions, dtype)
    if loss_name == BCE:
        p = np.clip(predictions, dtype(epsilon), dtype(1) - dtype(epsilon))
        with np.errstate(divide="ignore"):
            return (-(labels * np.log(p) + (dtype(1) - labels) * np.log(dtype(1) - p))).astype(np.float64)
    return ((labels - predictions) ** 2).astype(np.float64)


def _numpy_masked_loss(loss_name: str, labels, predictions, mask_value: float = MISSING, *,
                       epsilon: float = 1e-7, dtype=np.float64) -> float:
    """Mean element-wise loss over the entries whose label is not mask_value; 0.0 if there are none."""
    labels, predictions = np.asarray(labels, np.float64), np.asarray(predictions, np.float64)
    observed = labels != mask_value
    if not observed.any():
        return 0.0
    return float(_numpy_elementwise(loss_name, labels[observed], predictions[observed], epsilon=epsilon,
                                    dtype=dtype).mean())


def _numpy_multitask(labels: dict, predictions: dict, task_losses: dict, task_weights: dict | None,
                     mask_value: float = MISSING) -> float:
    return float(sum((1.0 if task_weights is None else task_weights[t])
                     * _numpy_masked_loss(task_losses[t], labels[t], predictions[t], mask_value) for t in labels))


def _scalar(value, what: str) -> float:
    """A learner's loss value as a float: a scalar (or one-element) tensor or array, finite."""
    if value is None:
        raise AssertionError(f"{what} returned None; expected a scalar tensor (did you forget `return`?)")
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise AssertionError(f"{what} returned {type(value).__name__} {short(value)}; expected a scalar tensor") from None
    if array.size != 1:
        raise AssertionError(f"{what} returned shape {array.shape}; expected a scalar (one number): average "
                             "over the observed entries inside the loss instead of returning one loss per row")
    number = float(array.reshape(-1)[0])
    if not np.isfinite(number):
        raise AssertionError(f"{what} returned {number}; expected a finite number. Likely cause: 0 / 0 when no "
                             "label is observed (divide by max(count, 1)), or log(0) (clip the predictions to "
                             "[1e-7, 1 - 1e-7] before the log, also in masked rows: 0 * inf is NaN)")
    return number


def _values(array) -> str:
    """A short probe array for messages: [1, 0, -1, 0.25]."""
    return "[" + ", ".join(f"{float(v):g}" for v in np.asarray(array).reshape(-1)) + "]"


def _close(got: float, expected: float) -> bool:
    return abs(got - expected) <= _TOLERANCE * max(1.0, abs(expected))


# probes: labels with missing entries, predictions safely inside (0, 1)
_CLICK = np.array([[1], [0], [MISSING], [1], [0], [MISSING], [1], [0]], dtype=np.float32)
_CLICK_PRED = np.array([[0.8], [0.3], [0.6], [0.35], [0.1], [0.9], [0.55], [0.7]], dtype=np.float32)
_RATING = np.array([[0.75], [MISSING], [0.0], [MISSING], [1.0], [0.5], [MISSING], [0.25]], dtype=np.float32)
_RATING_PRED = np.array([[0.6], [0.2], [0.3], [0.9], [0.7], [0.5], [0.1], [0.45]], dtype=np.float32)


def _diagnose_single(loss_name, labels, predictions, got, mask_value=MISSING) -> str:
    """A likely cause, by comparing with the usual wrong formulas."""
    labels64, predictions64 = labels.astype(np.float64), predictions.astype(np.float64)
    observed = labels64 != mask_value
    zeroed = np.where(observed, labels64, 0.0)
    element = _numpy_elementwise(loss_name, zeroed, predictions64)
    masked_sum = float((element * observed).sum())
    candidates = {}
    if mask_value != MISSING:
        candidates["the mask compares with the default -1 instead of the mask_value argument"] = _numpy_masked_loss(
            loss_name, labels64, predictions64, MISSING)
    candidates |= {
        "the mean is taken over every entry of the batch, not over the observed ones: divide the masked sum "
        "by the number of observed labels": masked_sum / labels.size,
        "the masked sum is divided by (number of observed labels + 1); divide by max(count, 1), which is the "
        "count itself whenever a label is observed": masked_sum / (observed.sum() + 1.0),
        "the missing labels are not skipped: build a mask from y_true != mask_value and leave those "
        "entries out": float(_numpy_elementwise(loss_name, labels64, predictions64).mean()),
        "the mask drops real 0 labels: use y_true != mask_value, not y_true > 0 (a non-click, or a 1-star "
        "rating scaled to 0, is a label)": _numpy_masked_loss(loss_name, np.where(labels64 > 0, labels64, mask_value),
                                                                predictions64, mask_value),
    }
    if loss_name == BCE:
        candidates["the loss is squared error; this task asked for binary cross-entropy"] = _numpy_masked_loss(
            MSE, labels64, predictions64, mask_value)
    else:
        candidates["the loss is cross-entropy; this task asked for squared error"] = _numpy_masked_loss(
            BCE, labels64, predictions64, mask_value)
        candidates["the loss is the absolute error; this task asked for squared error"] = float(
            np.abs(labels64 - predictions64)[observed].mean()) if observed.any() else 0.0
    for cause, value in candidates.items():
        if _close(got, value):
            return f" Likely cause: {cause}."
    return ""


# ------------------------------------------------------------------------------ masked_loss
def _loss_function(impl, loss_name, **kwargs):
    what = f"masked_loss({loss_name!r}{''.join(f', {k}={v!r}' for k, v in kwargs.items())})"
    function = impl.masked_loss(loss_name, **kwargs)
    if not callable(function):
        raise AssertionError(f"{what} returned {type(function).__name__} {short(function)}; expected a function "
                             "loss(y_true, y_pred) that model.compile(loss=...) can use")
    return function, what


def _check_value(function, what, loss_name, labels, predictions, mask_value=MISSING) -> None:
    """function(labels, predictions) as tensors equals the masked mean (float32 or float64 clipping)."""
    call = (f"{what}(y_true, y_pred) with y_true {_values(labels)} and y_pred {_values(predictions)} as "
            f"({len(labels)}, 1) tensors")
    got = _scalar(function(tf.constant(labels), tf.constant(predictions)), call)
    expected = _numpy_masked_loss(loss_name, labels, predictions, mask_value)
    in_float32 = _numpy_masked_loss(loss_name, labels, predictions, mask_value, dtype=np.float32)
    low, high = min(expected, in_float32), max(expected, in_float32)
    if _close(got, low) or _close(got, high) or low <= got <= high:
        return
    cause = _diagnose_single(loss_name, labels, predictions, got, mask_value)
    if not cause and loss_name == BCE:
        for epsilon in (1e-3, 1e-4, 1e-5, 1e-6, 1e-8, 0.0):
            if _close(got, _numpy_masked_loss(loss_name, labels, predictions, mask_value, epsilon=epsilon)):
                cause = (f" Likely cause: the predictions are clipped to [{epsilon:g}, 1 - {epsilon:g}]; the "
                         "docstring asks for [1e-7, 1 - 1e-7] (a confident wrong prediction then costs about 16.1)")
                break
    raise AssertionError(f"{call} ({mask_value:g} = missing) returned {got:.6f}; expected {expected:.6f}, the mean "
                         f"{loss_name} over the observed labels only.{cause}")


def check_masked_loss(impl) -> None:
    """Value on probes (both losses, both shapes, other mask values, predictions of exactly 0 and 1),
    all-missing and empty batches give 0, works in a traced graph, gradients."""
    try:
        impl.masked_loss("hinge")
    except ValueError:
        pass
    except NotImplementedError:
        raise  # a stub: not attempted
    except AssertionError as error:
        detail = f" ({error_text(error)})" if str(error) else ""
        raise AssertionError(f"masked_loss('hinge') raised AssertionError{detail}, from an `assert`; the docstring "
                             "asks for ValueError: `raise ValueError(...)` for an unknown loss_name (an assert also "
                             "disappears under python -O)") from None
    except Exception as error:  # noqa: BLE001  (the learner's exception, named in the message)
        raise AssertionError(f"masked_loss('hinge') raised {type(error).__name__}: {error_text(error)}; the "
                             "docstring asks for ValueError for an unknown loss_name") from None
    else:
        raise AssertionError("masked_loss('hinge') did not raise ValueError; an unknown loss name must be "
                             "rejected, not silently replaced by another loss")

    for loss_name, labels, predictions in ((BCE, _CLICK, _CLICK_PRED), (MSE, _RATING, _RATING_PRED)):
        function, what = _loss_function(impl, loss_name)
        expected = _numpy_masked_loss(loss_name, labels, predictions)
        for shape_name, y, p in (("(8, 1)", labels, predictions), ("(8,)", labels[:, 0], predictions[:, 0])):
            call = f"{what}(y_true, y_pred) on {shape_name} probes"
            got = _scalar(function(tf.constant(y), tf.constant(p)), call)
            if not _close(got, expected):
                raise AssertionError(
                    f"{call} with labels {_values(y)} (-1 = missing) and predictions "
                    f"{_values(p)} returned {got:.6f}; expected {expected:.6f}, the mean {loss_name} "
                    f"over the observed labels only.{_diagnose_single(loss_name, y, p, got)}")
        got = _scalar(function(labels, predictions), f"{what} on numpy arrays")
        if not _close(got, expected):
            raise AssertionError(f"{what} gives {got:.6f} on numpy arrays but {expected:.6f} is expected "
                                 "(tensors give the right value): convert both inputs with "
                                 "keras.ops.convert_to_tensor(y, dtype='float32')")

        for case, y in (("a batch where every label is missing", np.full_like(labels, MISSING)),
                        ("an empty batch (shape (0, 1))", np.zeros((0, 1), np.float32))):
            p = predictions[: len(y)]
            got = _scalar(function(tf.constant(y), tf.constant(p)), f"{what} on {case}")
            if got != 0.0:
                raise AssertionError(f"{what} on {case} returned {got:.6g}; expected 0.0: a task with no label in "
                                     "the batch must add nothing to the loss")

        # the same call traced into a graph without autograph, as model.fit runs a compiled loss
        try:
            got = _scalar(tf.function(function, autograph=False)(tf.constant(labels), tf.constant(predictions)),
                          f"{what} traced into a graph")
        except AssertionError:
            raise
        except Exception as error:  # noqa: BLE001  (it ran eagerly above; TF's NotImplementedError for numpy too)
            raise AssertionError(
                f"{what} works when called directly but fails once traced into a graph, as model.fit runs it: "
                f"{type(error).__name__}: {error_text(error, 200)}. Likely cause: a Python `if` (or "
                "float(), .numpy(), numpy) on a tensor; write the all-missing case with keras.ops "
                "(ops.maximum(count, 1.0) as the denominator)") from None
        if not _close(got, expected):
            raise AssertionError(f"{what} traced into a graph returns {got:.6f}; called directly it returns "
                                 f"{expected:.6f}: keep the loss free of Python state and numpy")

    # other mask values: 2.0 for clicks, 9.0 for ratings; -1 is then an ordinary (if odd) number
    function, what = _loss_function(impl, BCE, mask_value=2.0)
    _check_value(function, what, BCE, np.where(_CLICK == MISSING, 2.0, _CLICK).astype(np.float32), _CLICK_PRED, 2.0)
    function, what = _loss_function(impl, MSE, mask_value=9.0)
    labels = np.where(_RATING == MISSING, 9.0, _RATING).astype(np.float32)
    labels[1, 0] = MISSING  # an observed (if odd) label of -1: not missing under mask_value=9.0
    _check_value(function, what, MSE, labels, _RATING_PRED, 9.0)

    # confident predictions of exactly 0 and 1 on observed labels: the clip to [1e-7, 1 - 1e-7]
    function, what = _loss_function(impl, BCE)
    labels = np.array([[1], [0], [1], [1], [0], [MISSING], [0]], dtype=np.float32)
    predictions = np.array([[0.0], [1.0], [1e-12], [1.0], [0.0], [1.0], [0.25]], dtype=np.float32)
    _check_value(function, what, BCE, labels, predictions)

    # gradients: through keras.ops; 0 on masked entries even where the prediction is exactly 0 or 1
    labels = tf.constant([[1.0], [MISSING], [0.0], [MISSING], [1.0]])
    predictions = tf.Variable([[0.7], [1.0], [0.4], [0.0], [0.2]])
    with tf.GradientTape() as tape:
        value = function(labels, predictions)
    if not isinstance(value, (tf.Tensor, tf.Variable)) or value.dtype not in (tf.float32, tf.float64):
        raise AssertionError(f"{what} returned {type(value).__name__}, not a float tensor, so no gradient can flow "
                             "through it: write the loss with keras.ops (not numpy, not float())")
    _scalar(value, f"{what} with masked predictions of exactly 1.0 and 0.0")
    gradient = tape.gradient(value, predictions)
    if gradient is None:
        raise AssertionError(f"{what}: no gradient reaches y_pred; write the loss with keras.ops (numpy or "
                             "float() cut the gradient)")
    gradient = np.asarray(gradient).reshape(-1)
    if not np.all(np.isfinite(gradient)):
        raise AssertionError(f"{what}: the gradient with respect to y_pred is {short(gradient)}, with NaN or inf. "
                             "Likely cause: log(0) in a masked row whose prediction is exactly 0 or 1; clip the "
                             "predictions to [1e-7, 1 - 1e-7] before the log (multiplying by a zero mask does not "
                             "cancel an infinity)")
    if np.any(gradient[[1, 3]] != 0.0) or np.any(gradient[[0, 2, 4]] == 0.0):
        raise AssertionError(f"{what}: the gradient with respect to the predictions is {short(gradient)} for labels "
                             "[1, -1, 0, -1, 1]; expected exactly 0 at the two missing labels and non-zero at the "
                             "three observed ones")

    # a batch without any label: the value is 0 and so is every gradient (a NaN here ruins the weights in fit)
    for loss_name in (BCE, MSE):
        function, what = _loss_function(impl, loss_name)
        predictions = tf.Variable([[0.7], [1.0], [0.4], [0.0]])
        with tf.GradientTape() as tape:
            value = function(tf.constant([[MISSING]] * 4), predictions)
        gradient = tape.gradient(value, predictions)
        gradient = np.zeros(4) if gradient is None else np.asarray(gradient).reshape(-1)
        if not np.all(gradient == 0.0):
            raise AssertionError(
                f"{what} on a batch where every label is missing: the gradient with respect to y_pred is "
                f"{short(gradient)}; expected exactly 0 everywhere. Likely cause: ops.where(count > 0, sum / count, "
                "0.0) still differentiates sum / count = 0 / 0, and its NaN gradient reaches the model; divide by "
                "ops.maximum(count, 1.0) instead")


# ------------------------------------------------------------------------------ masked_multitask_loss
_TASK_LOSSES = {"click": BCE, "rating": MSE, "share": BCE}
_SHARE = np.array([[0], [1], [MISSING], [MISSING], [0], [MISSING], [MISSING], [MISSING]], dtype=np.float32)
_SHARE_PRED = np.array([[0.2], [0.4], [0.5], [0.5], [0.65], [0.5], [0.5], [0.5]], dtype=np.float32)
_LABELS = {"click": _CLICK, "rating": _RATING, "share": _SHARE}
_PREDICTIONS = {"click": _CLICK_PRED, "rating": _RATING_PRED, "share": _SHARE_PRED}


def _positional(labels: dict, predictions: dict, task_losses: dict, weights: dict | None, mask_value) -> float:
    """What pairing the dicts' values by position (zip over .values()) gives."""
    weight_values = [1.0] * len(labels) if weights is None else list(weights.values())
    return float(sum(w * _numpy_masked_loss(name, y, p, mask_value) for y, p, name, w in
                     zip(labels.values(), predictions.values(), task_losses.values(), weight_values)))


def _diagnose_multitask(labels, predictions, task_losses, weights, got, mask_value=MISSING) -> str:
    weights = weights or {t: 1.0 for t in labels}
    per_task = {t: _numpy_masked_loss(task_losses[t], labels[t], predictions[t], mask_value) for t in labels}
    counts = {t: int((np.asarray(labels[t]) != mask_value).sum()) for t in labels}
    expected = sum(weights[t] * per_task[t] for t in labels)
    candidates = {}
    if mask_value != MISSING:
        candidates["mask_value is not passed on: masked_loss(task_losses[task], mask_value) for every task"] = (
            _numpy_multitask(labels, predictions, task_losses, weights, MISSING))
    candidates |= {
        f"the tasks' weighted losses are averaged (divided by the number of tasks, {len(labels)}): the loss is "
        "their sum": expected / len(labels),
        "the task weights are ignored": sum(per_task.values()),
        "the weighted sum is divided by the sum of the weights; the loss is the plain weighted sum": (
            expected / sum(weights[t] for t in labels)),
        "all tasks' observed entries are pooled into one mean; average each task over its own observed "
        "labels, then weight": (sum(weights[t] * per_task[t] * counts[t] for t in labels) / max(sum(counts.values()), 1)),
        "the missing labels are not skipped: use masked_loss for every task": sum(
            weights[t] * float(_numpy_elementwise(task_losses[t], labels[t], predictions[t]).mean()) for t in labels),
        "each task is averaged over the whole batch, not over its observed labels": sum(
            weights[t] * per_task[t] * counts[t] / np.asarray(labels[t]).size for t in labels),
    }
    for cause, value in candidates.items():
        if _close(got, value):
            return f" Likely cause: {cause}."
    return ""


def _multitask(impl, what, labels, predictions, task_losses, weights, mask_value=None):
    kwargs = {} if mask_value is None else {"mask_value": mask_value}
    args = (labels, predictions, dict(task_losses)) + (() if weights is None else (dict(weights),))
    return _scalar(impl.masked_multitask_loss(*args, **kwargs), what)


def check_masked_multitask_loss(impl) -> None:
    """Weighted sum of per-task masked means on probes; no weights = 1.0; an all-missing task adds 0; dicts
    in different key orders; another mask value; gradients."""
    weights = {"click": 1.0, "rating": 0.5, "share": 2.0}
    what = "masked_multitask_loss(labels, predictions, task_losses, {'click': 1.0, 'rating': 0.5, 'share': 2.0})"
    labels = {t: tf.constant(v) for t, v in _LABELS.items()}
    predictions = {t: tf.constant(v) for t, v in _PREDICTIONS.items()}
    got = _multitask(impl, what, labels, predictions, _TASK_LOSSES, weights)
    expected = _numpy_multitask(_LABELS, _PREDICTIONS, _TASK_LOSSES, weights)
    if not _close(got, expected):
        raise AssertionError(
            f"{what} on three tasks (click: binary cross-entropy, rating: squared error, share: binary "
            f"cross-entropy; -1 = missing) returned {got:.6f}; expected {expected:.6f} = sum over tasks of "
            f"weight * (mean loss over that task's observed labels)."
            + _diagnose_multitask(_LABELS, _PREDICTIONS, _TASK_LOSSES, weights, got))

    what = "masked_multitask_loss(labels, predictions, task_losses) (no task_weights)"
    got = _multitask(impl, what, labels, predictions, _TASK_LOSSES, None)
    expected = _numpy_multitask(_LABELS, _PREDICTIONS, _TASK_LOSSES, None)
    if not _close(got, expected):
        raise AssertionError(f"{what} returned {got:.6f}; expected {expected:.6f}: without task_weights every "
                             "task weighs 1.0." + _diagnose_multitask(_LABELS, _PREDICTIONS, _TASK_LOSSES, None, got))

    two = {"click": _CLICK[:, 0], "rating": np.full(8, MISSING, dtype=np.float32)}
    two_predictions = {"click": _CLICK_PRED[:, 0], "rating": _RATING_PRED[:, 0]}
    what = "masked_multitask_loss on (8,) numpy labels where the rating task has no label at all"
    got = _multitask(impl, what, two, two_predictions, {"click": BCE, "rating": MSE}, {"click": 1.0, "rating": 3.0})
    expected = _numpy_masked_loss(BCE, _CLICK, _CLICK_PRED)
    if not _close(got, expected):
        raise AssertionError(f"{what} returned {got:.6f}; expected {expected:.6f}, the click loss alone: a task "
                             "without labels in the batch adds 0 whatever its weight")

    # the four dicts list the tasks in four different orders: look every value up by its task name
    order = {"labels": ("share", "click", "rating"), "predictions": ("rating", "share", "click"),
             "task_losses": ("click", "share", "rating"), "task_weights": ("rating", "click", "share")}
    shuffled = {"labels": {t: _LABELS[t] for t in order["labels"]},
                "predictions": {t: _PREDICTIONS[t] for t in order["predictions"]},
                "task_losses": {t: _TASK_LOSSES[t] for t in order["task_losses"]},
                "task_weights": {t: weights[t] for t in order["task_weights"]}}
    what = ("masked_multitask_loss with the tasks listed in different orders (labels: share, click, rating; "
            "predictions: rating, share, click; task_losses: click, share, rating; task_weights: rating, click, share)")
    got = _multitask(impl, what, {t: tf.constant(v) for t, v in shuffled["labels"].items()}, shuffled["predictions"],
                     shuffled["task_losses"], shuffled["task_weights"])
    expected = _numpy_multitask(_LABELS, _PREDICTIONS, _TASK_LOSSES, weights)
    if not _close(got, expected):
        cause = ""
        if _close(got, _positional(*shuffled.values(), MISSING)):
            cause = (" Likely cause: the values are paired by position (zip over .values()), which is right only "
                     "when every dict lists the tasks in the same order; look each one up by its task name: "
                     "labels[task], predictions[task], task_losses[task], task_weights[task].")
        raise AssertionError(f"{what} returned {got:.6f}; expected {expected:.6f}, as with every dict in the same "
                             f"order.{cause or ' A dict must be read by key, never by position.'}")

    # another mask value: 9.0 marks the missing labels, and an observed -1 is just a (large) squared error
    labels_9 = {t: np.where(v == MISSING, 9.0, v).astype(np.float32) for t, v in _LABELS.items()}
    what = ("masked_multitask_loss(labels, predictions, task_losses, {'click': 1.0, 'rating': 0.5, 'share': 2.0}, "
            "mask_value=9.0)")
    got = _multitask(impl, what, {t: tf.constant(v) for t, v in labels_9.items()}, predictions, _TASK_LOSSES,
                     weights, mask_value=9.0)
    expected = _numpy_multitask(labels_9, _PREDICTIONS, _TASK_LOSSES, weights, 9.0)
    if not _close(got, expected):
        raise AssertionError(f"{what}, with 9.0 marking the missing labels, returned {got:.6f}; expected "
                             f"{expected:.6f}." + _diagnose_multitask(labels_9, _PREDICTIONS, _TASK_LOSSES, weights,
                                                                      got, 9.0))

    what = "masked_multitask_loss(labels, predictions, task_losses, {'click': 1.0, 'rating': 0.0, 'share': 2.0})"
    variables = {t: tf.Variable(v) for t, v in _PREDICTIONS.items()}
    with tf.GradientTape() as tape:
        value = impl.masked_multitask_loss(labels, variables, dict(_TASK_LOSSES),
                                           {"click": 1.0, "rating": 0.0, "share": 2.0})
    gradients = tape.gradient(value, list(variables.values())) if isinstance(value, (tf.Tensor, tf.Variable)) else None
    if gradients is None or gradients[0] is None or gradients[2] is None:
        raise AssertionError(f"{what}: no gradient reaches the predictions; compute it with keras.ops so that "
                             "training can use it")
    click, rating, share = (np.zeros(8) if g is None else np.asarray(g).reshape(-1) for g in gradients)
    if np.any(rating != 0.0):
        raise AssertionError(f"{what}: the rating predictions get the gradient {short(rating)}; a task with "
                             "weight 0 must get none")
    for task, gradient in (("click", click), ("share", share)):
        missing = _LABELS[task].reshape(-1) == MISSING
        if np.any(gradient[missing] != 0.0) or np.any(gradient[~missing] == 0.0):
            raise AssertionError(f"{what}: the {task} predictions get the gradient {short(gradient)}; expected 0 "
                                 "exactly at its missing labels and non-zero at its observed ones")


# ------------------------------------------------------------------------------ build_shared_bottom
_SHARED_HINT = ("Every tower must start from the output of the shared Dense layers (not from the input, and "
                "without stop_gradient), and each task needs Dense layers and a head of its own.")


def _outputs_for(model: keras.Model, y_pred, labels: dict):
    """Labels in the structure the model returns: the dict itself, or a list in output order."""
    return labels if isinstance(y_pred, dict) else [labels[name] for name in output_names(model)]


def _kernels(model: keras.Model, paths) -> dict[str, tuple]:
    """{path: shape} of the 2-D trainable variables (Dense kernels) among `paths`."""
    return {v.path: tuple(v.shape) for v in model.trainable_variables if v.path in paths and len(v.shape) == 2}


def _assert_structure(model, x, what, task_losses, input_dim, shared_units, tower_units, *,
                      relu: bool = True) -> tuple[set, dict]:
    """Outputs, shared and own variables, kernel shapes from the unit arguments, ReLU hidden units (if
    `relu`); returns the paths of the shared variables and {task: paths of its own variables}."""
    tasks = list(task_losses)
    outputs = predict(model, x)  # keyed by the dict keys of a dict-output model, else by output_names
    if sorted(outputs) != sorted(tasks):
        assert_output_names(model, tasks, what)  # the message explains output names
        raise AssertionError(f"{what} returns outputs keyed {sorted(outputs)}; expected the task names "
                             f"{sorted(tasks)} as the keys of the output dict")
    for task, values in outputs.items():
        if values.shape != (len(x), 1):
            raise AssertionError(f"{what}: output '{task}' has shape {values.shape} for a batch of {len(x)}; "
                                 f"expected ({len(x)}, 1)")
        assert_probability(values, f"{what}: output '{task}'")

    shared, own = assert_shared_and_own(model, x, tasks, what, _SHARED_HINT)
    widths = [input_dim, *shared_units]
    expected_shared = sorted(zip(widths[:-1], widths[1:]))
    tower_widths = [widths[-1], *tower_units, 1]
    expected_own = sorted(zip(tower_widths[:-1], tower_widths[1:]))
    shared_kernels = _kernels(model, shared)
    got = sorted(shared_kernels.values())
    if got != expected_shared:
        cause = ""
        tower_shapes = set(expected_own) - {(tower_widths[-2], 1)}
        owned = set().union(*(_kernels(model, own[task]).values() for task in tasks))
        if tower_shapes & set(got) and not tower_shapes & owned:
            cause = (" Likely cause: the tower layers are created once and reused by every task, so the towers "
                     "share their weights; create each task's tower layers inside the loop over the tasks.")
        elif len(got) != len(expected_shared):
            cause = f" Likely cause: shared_units={shared_units!r} is not followed (one Dense layer per entry)."
        raise AssertionError(f"{what}: the Dense kernels every task reaches (the shared bottom) have shapes {got}; "
                             f"expected {expected_shared} (input_dim={input_dim}, shared_units={shared_units!r}: "
                             f"one Dense layer per entry).{cause}")
    for task in tasks:
        got = sorted(_kernels(model, own[task]).values())
        if got != expected_own:
            raise AssertionError(
                f"{what}: the Dense kernels only task '{task}' reaches (its tower and head) have shapes {got}; "
                f"expected {expected_own} (tower_units={tower_units!r}: one Dense layer per entry on the "
                f"{widths[-1]}-wide shared output, then a Dense(1) sigmoid head)."
                + (f" Likely cause: tower_units={tower_units!r} is not followed." if len(got) != len(expected_own)
                   or any(shape not in got for shape in expected_own[:-1]) else ""))

    # ReLU: some unit of every hidden layer has its gradient cut (exactly 0) for some example
    for task in tasks if relu else ():
        hidden = {path: f"'{task}' tower Dense kernel {shape}" for path, shape in _kernels(model, own[task]).items()
                  if shape[1] != 1}
        hidden.update({path: f"shared Dense kernel {shape}" for path, shape in shared_kernels.items()})
        silenced = relu_silenced_kernels(model, x[:3], task, list(hidden))
        linear = [hidden[path] for path, cut in silenced.items() if not cut]
        if linear:
            raise AssertionError(
                f"{what}: the layers with the {', '.join(linear)} never cut a unit's gradient on 3 probe rows, as "
                "a ReLU does for a negative input: they have no ReLU after them. The docstring asks for "
                "Dense(units, activation='relu') in the shared bottom and in every tower (a layer without an "
                "activation makes the tower a linear map).")
    return shared, own


def _sorted_key_pairing(labels, predicted, task_losses, weights, mask_value) -> float:
    """The loss when lists in the order of task_losses are paired with the outputs' sorted names."""
    tasks, names = list(task_losses), sorted(task_losses)
    losses = {name: task_losses[task] for name, task in zip(names, tasks)}
    paired = None if weights is None else {name: weights[task] for name, task in zip(names, tasks)}
    return _numpy_multitask(labels, predicted, losses, paired, mask_value)


def _assert_compiled_loss(model, what, labels: dict, task_losses, weights, mask_value, x) -> None:
    """model.compute_loss on probe rows equals the weighted masked sum of the model's own predictions."""
    y_pred = model(x, training=False)
    tensors = {t: tf.constant(v) for t, v in labels.items()}
    got = _scalar(model.compute_loss(x=x, y=_outputs_for(model, y_pred, tensors), y_pred=y_pred, training=False),
                  f"{what}: the compiled loss (model.compute_loss)")
    predicted = {name: np.asarray(value) for name, value in predict(model, x).items()}
    expected = _numpy_multitask(labels, predicted, task_losses, weights, mask_value)
    if _close(got, expected):
        return
    cause = ""
    if _close(got, _numpy_multitask(labels, predicted, task_losses, None, mask_value)):
        cause = " Likely cause: the loss weights are missing; compile with loss_weights=task_weights."
    elif weights is not None and _close(got, _numpy_multitask(labels, predicted, task_losses, dict(zip(
            task_losses, weights.values())), mask_value)):
        cause = (" Likely cause: the loss weights are paired with the outputs by position "
                 "(list(task_weights.values())); task_weights lists the tasks in another order than task_losses: "
                 "look each weight up by its task name.")
    elif mask_value != MISSING and _close(got, _numpy_multitask(labels, predicted, task_losses, weights, MISSING)):
        cause = (" Likely cause: the compiled losses mask -1 instead of the mask_value argument; compile with "
                 "masked_loss(name, mask_value).")
    elif _close(got, sum((1.0 if weights is None else weights[t]) * float(_numpy_elementwise(
            task_losses[t], labels[t], predicted[t]).mean()) for t in task_losses)):
        cause = (" Likely cause: the compiled losses do not skip missing labels; compile with "
                 "loss={task: masked_loss(name, mask_value)}.")
    elif _close(got, _sorted_key_pairing(labels, predicted, task_losses, weights, mask_value)):
        cause = (" Likely cause: loss= or loss_weights= is a list while the outputs are a dict: Keras pairs a "
                 "list with dict outputs in sorted key order, not in the order of task_losses; pass dicts "
                 "keyed by task name.")
    elif got > expected and model.losses:
        cause = " Likely cause: a regularization loss is added (the docstring asks for none)."
    raise AssertionError(
        f"{what}: on {len(x)} probe rows with missing labels ({mask_value:g}) the compiled loss (model.compute_loss) "
        f"is {got:.6f}; expected {expected:.6f} = sum over tasks of weight * mean loss over that task's observed "
        f"labels.{cause}")


def _snapshot(model: keras.Model) -> dict[str, np.ndarray]:
    return {v.path: np.array(v.numpy()) for v in model.trainable_variables}


def _moved(before: dict, after: dict, paths) -> float:
    return max([float(np.max(np.abs(after[p] - before[p]))) for p in paths] + [0.0])


def check_build_shared_bottom(impl) -> None:
    """Two builds (no weights and two layers per unit argument; every other argument varied):
    Adam(learning_rate); one sigmoid (batch, 1) output per task; shared and own Dense kernels sized by
    the unit arguments; ReLU hidden layers; compiled loss = weighted masked sum on probes; one model.fit
    step in which weight 0 or all-missing labels leave a task's tower untouched."""
    rng = np.random.default_rng(0)

    # 1. no task_weights (1.0 each), the default mask_value and learning rate; two layers per unit argument
    input_dim, task_losses, shared_units, tower_units = 6, dict(_TASK_LOSSES), (11, 9), (7, 5)
    what = ("build_shared_bottom(6, {'click': 'binary_crossentropy', 'rating': 'mean_squared_error', "
            f"'share': 'binary_crossentropy'}}, shared_units={shared_units}, tower_units={tower_units})")
    try:
        model = build(impl.build_shared_bottom, input_dim, task_losses, shared_units=shared_units,
                      tower_units=tower_units, what=what)
    except (TypeError, AttributeError) as error:
        if "NoneType" not in str(error):
            raise
        raise AssertionError(f"{what} raised {type(error).__name__}: {error}. Likely cause: task_weights is left "
                             "out here, and its default None must mean a weight of 1.0 for every task") from None
    if not getattr(model, "compiled", False) or model.optimizer is None:
        raise AssertionError(f"{what} returned a model that is not compiled; call model.compile(optimizer=..., "
                             "loss=..., loss_weights=...) before returning it")
    x = rng.normal(size=(32, input_dim)).astype(np.float32)
    _assert_structure(model, x, what, task_losses, input_dim, shared_units, tower_units)
    assert_optimizer(model, 1e-2, what)
    _assert_compiled_loss(model, what, _LABELS, task_losses, None, MISSING, x[:8])

    # 2. every other argument varied; the tasks and their weights listed in different orders
    input_dim, shared_units, tower_units, mask_value, learning_rate = 5, (12,), (8,), 9.0, 3e-3
    task_losses = {"share": BCE, "rating": MSE, "click": BCE}
    weights = {"rating": 0.0, "click": 1.5, "share": 0.5}
    what = (f"build_shared_bottom({input_dim}, {{'share': 'binary_crossentropy', 'rating': 'mean_squared_error', "
            f"'click': 'binary_crossentropy'}}, {weights}, shared_units={shared_units}, tower_units={tower_units}, "
            f"mask_value={mask_value}, learning_rate={learning_rate})")
    model = build(impl.build_shared_bottom, input_dim, task_losses, dict(weights), shared_units=shared_units,
                  tower_units=tower_units, mask_value=mask_value, learning_rate=learning_rate, what=what)
    if not getattr(model, "compiled", False) or model.optimizer is None:
        raise AssertionError(f"{what} returned a model that is not compiled")
    x = rng.normal(size=(32, input_dim)).astype(np.float32)
    shared, own = _assert_structure(model, x, what, task_losses, input_dim, shared_units, tower_units, relu=False)
    assert_optimizer(model, learning_rate, what)
    labels_9 = {t: np.where(v == MISSING, mask_value, v).astype(np.float32) for t, v in _LABELS.items()}
    _assert_compiled_loss(model, what, labels_9, task_losses, weights, mask_value, x[:8])

    # one model.fit step with the model's own compiled optimizer and losses (fit_once also traces each
    # compiled loss as fit does): 'rating' weighs 0 and 'share' has no label at all
    train_x = rng.normal(size=(64, input_dim)).astype(np.float32)
    train_labels = {"click": (rng.random((64, 1)) < 0.5).astype(np.float32),
                    "rating": rng.random((64, 1)).astype(np.float32),
                    "share": np.full((64, 1), mask_value, dtype=np.float32)}
    before = _snapshot(model)
    fit = f"{what}, then one model.fit step on 64 rows"
    fit_once(model, train_x, train_labels, fit)
    after = _snapshot(model)
    if not all(np.all(np.isfinite(value)) for value in after.values()):
        raise AssertionError(f"{fit}: some weights are NaN after the step; a task whose labels are all missing (here "
                             "'share', every label 9.0) must add 0 to the loss, not 0 / 0")
    if _moved(before, after, own["click"]) == 0.0 or _moved(before, after, shared) == 0.0:
        raise AssertionError(f"{fit}: training on click labels left the click tower or the shared layers unchanged; "
                             "is the model compiled with an optimizer and the click loss?")
    moved = _moved(before, after, own["rating"])
    if moved > 1e-7:
        raise AssertionError(
            f"{fit}: training changed the tower of 'rating', whose loss weight is 0, by up to {moved:.3g}; a task "
            "with weight 0 must train nothing of its own. Likely cause: loss_weights not passed to compile() (or "
            "paired with the outputs by position), or a weight regularizer / weight decay on the towers.")
    moved = _moved(before, after, own["share"])
    if moved > 1e-7:
        raise AssertionError(
            f"{fit}: training changed the tower of 'share', whose labels were all missing (9.0), by up to "
            f"{moved:.3g}; its loss must be exactly 0 with no gradient. Likely cause: the compiled loss does not "
            "mask with the mask_value argument (or does not mask at all).")


PARTS = {
    "masked_loss": check_masked_loss,
    "masked_multitask_loss": check_masked_multitask_loss,
    "build_shared_bottom": check_build_shared_bottom,
}
TIMEOUTS = {"masked_loss": 20, "masked_multitask_loss": 20, "build_shared_bottom": 40}
