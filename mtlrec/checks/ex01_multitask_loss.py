"""Checks for ex01_multitask_loss (notebook 01): masked_loss, masked_multitask_loss, build_shared_bottom.

Every expected value comes from the numpy formula in `_numpy_masked_loss` (the module docstring of
the exercise): per task, the mean element-wise loss over the observed labels (0 when there are
none), predictions clipped to [1e-7, 1 - 1e-7] before the log; the total is the weighted sum.
"""

from __future__ import annotations

import numpy as np

import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras
import tensorflow as tf

from mtlrec.checks import short
from mtlrec.checks.keras_tools import (assert_output_names, assert_probability, build, output_names, predict,
                                       variables_reached)

BCE, MSE = "binary_crossentropy", "mean_squared_error"
MISSING = -1.0  # the exercise's default MISSING_LABEL
_TOLERANCE = 1e-4  # relative; float32 sums of a dozen terms agree to ~1e-6


# ------------------------------------------------------------------------------ numpy truth
def _numpy_elementwise(loss_name: str, labels: np.ndarray, predictions: np.ndarray) -> np.ndarray:
    if loss_name == BCE:
        p = np.clip(predictions.astype(np.float64), 1e-7, 1 - 1e-7)
        return -(labels * np.log(p) + (1 - labels) * np.log(1 - p))
    return (labels - predictions.astype(np.float64)) ** 2


def _numpy_masked_loss(loss_name: str, labels, predictions, mask_value: float = MISSING) -> float:
    """Mean element-wise loss over the entries whose label is not mask_value; 0.0 if there are none."""
    labels, predictions = np.asarray(labels, np.float64), np.asarray(predictions, np.float64)
    observed = labels != mask_value
    if not observed.any():
        return 0.0
    return float(_numpy_elementwise(loss_name, labels[observed], predictions[observed]).mean())


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
                             "label is observed (divide by max(count, 1)), or log(0) in a masked row (clip the "
                             "predictions to [1e-7, 1 - 1e-7] before the log)")
    return number


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
    candidates = {
        "the mean is taken over every entry of the batch, not over the observed ones: divide the masked sum "
        "by the number of observed labels": float((element * observed).sum() / labels.size),
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
            np.abs(labels64 - predictions64)[observed].mean())
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


def check_masked_loss(impl) -> None:
    """Value on probes (both losses, both shapes, another mask value), all-missing gives 0, gradients."""
    try:
        impl.masked_loss("hinge")
    except ValueError:
        pass
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
                    f"{call} with labels {short(y.reshape(-1))} (-1 = missing) and predictions "
                    f"{short(p.reshape(-1))} returned {got:.6f}; expected {expected:.6f}, the mean {loss_name} "
                    f"over the observed labels only.{_diagnose_single(loss_name, y, p, got)}")
        got = _scalar(function(labels, predictions), f"{what} on numpy arrays")
        if not _close(got, expected):
            raise AssertionError(f"{what} gives {got:.6f} on numpy arrays but {expected:.6f} is expected "
                                 "(tensors give the right value): convert both inputs with keras.ops.convert_to_tensor")

        all_missing = np.full_like(labels, MISSING)
        got = _scalar(function(tf.constant(all_missing), tf.constant(predictions)),
                      f"{what} on a batch where every label is missing")
        if got != 0.0:
            raise AssertionError(f"{what} on a batch where every label is missing returned {got:.6g}; expected 0.0: "
                                 "a task with no label in the batch must add nothing to the loss")

    # another mask value: 9.0 marks the missing entries, -1 is an ordinary (if odd) number here
    function, what = _loss_function(impl, MSE, mask_value=9.0)
    labels = np.where(_RATING == MISSING, 9.0, _RATING).astype(np.float32)
    got = _scalar(function(tf.constant(labels), tf.constant(_RATING_PRED)), what)
    expected = _numpy_masked_loss(MSE, labels, _RATING_PRED, 9.0)
    if not _close(got, expected):
        raise AssertionError(f"{what} with 9.0 marking the missing labels returned {got:.6f}; expected {expected:.6f}. "
                             "Likely cause: the mask compares with -1 instead of the mask_value argument.")

    # gradients: through keras.ops; 0 on masked entries even where the prediction is exactly 0 or 1
    labels = tf.constant([[1.0], [MISSING], [0.0], [MISSING], [1.0]])
    predictions = tf.Variable([[0.7], [1.0], [0.4], [0.0], [0.2]])
    function, what = _loss_function(impl, BCE)
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


# ------------------------------------------------------------------------------ masked_multitask_loss
_TASK_LOSSES = {"click": BCE, "rating": MSE, "share": BCE}
_SHARE = np.array([[0], [1], [MISSING], [MISSING], [0], [MISSING], [MISSING], [MISSING]], dtype=np.float32)
_SHARE_PRED = np.array([[0.2], [0.4], [0.5], [0.5], [0.65], [0.5], [0.5], [0.5]], dtype=np.float32)
_LABELS = {"click": _CLICK, "rating": _RATING, "share": _SHARE}
_PREDICTIONS = {"click": _CLICK_PRED, "rating": _RATING_PRED, "share": _SHARE_PRED}


def _diagnose_multitask(labels, predictions, task_losses, weights, got) -> str:
    per_task = {t: _numpy_masked_loss(task_losses[t], labels[t], predictions[t]) for t in labels}
    counts = {t: int((np.asarray(labels[t]) != MISSING).sum()) for t in labels}
    candidates = {
        "the task weights are ignored": sum(per_task.values()),
        "the weighted sum is divided by the sum of the weights; the loss is the plain weighted sum": (
            sum(weights[t] * per_task[t] for t in labels) / sum(weights.values())),
        "all tasks' observed entries are pooled into one mean; average each task over its own observed "
        "labels, then weight": (sum(weights[t] * per_task[t] * counts[t] for t in labels) / max(sum(counts.values()), 1)),
        "the missing labels (-1) are not skipped: use masked_loss for every task": sum(
            weights[t] * float(_numpy_elementwise(task_losses[t], np.asarray(labels[t], np.float64),
                                                  np.asarray(predictions[t], np.float64)).mean()) for t in labels),
        "each task is averaged over the whole batch, not over its observed labels": sum(
            weights[t] * per_task[t] * counts[t] / np.asarray(labels[t]).size for t in labels),
    }
    for cause, value in candidates.items():
        if _close(got, value):
            return f" Likely cause: {cause}."
    return ""


def check_masked_multitask_loss(impl) -> None:
    """Weighted sum of per-task masked means on probes; no weights = 1.0; an all-missing task adds 0; gradients."""
    weights = {"click": 1.0, "rating": 0.5, "share": 2.0}
    what = "masked_multitask_loss(labels, predictions, task_losses, {'click': 1.0, 'rating': 0.5, 'share': 2.0})"
    labels = {t: tf.constant(v) for t, v in _LABELS.items()}
    predictions = {t: tf.constant(v) for t, v in _PREDICTIONS.items()}
    got = _scalar(impl.masked_multitask_loss(labels, predictions, dict(_TASK_LOSSES), dict(weights)), what)
    expected = _numpy_multitask(_LABELS, _PREDICTIONS, _TASK_LOSSES, weights)
    if not _close(got, expected):
        raise AssertionError(
            f"{what} on three tasks (click: binary cross-entropy, rating: squared error, share: binary "
            f"cross-entropy; -1 = missing) returned {got:.6f}; expected {expected:.6f} = sum over tasks of "
            f"weight * (mean loss over that task's observed labels)."
            + _diagnose_multitask(_LABELS, _PREDICTIONS, _TASK_LOSSES, weights, got))

    what = "masked_multitask_loss(labels, predictions, task_losses) (no task_weights)"
    got = _scalar(impl.masked_multitask_loss(labels, predictions, dict(_TASK_LOSSES)), what)
    expected = _numpy_multitask(_LABELS, _PREDICTIONS, _TASK_LOSSES, None)
    if not _close(got, expected):
        raise AssertionError(f"{what} returned {got:.6f}; expected {expected:.6f}: without task_weights every "
                             "task weighs 1.0")

    two = {"click": _CLICK[:, 0], "rating": np.full(8, MISSING, dtype=np.float32)}
    two_predictions = {"click": _CLICK_PRED[:, 0], "rating": _RATING_PRED[:, 0]}
    what = "masked_multitask_loss on (8,) labels where the rating task has no label at all"
    got = _scalar(impl.masked_multitask_loss(two, two_predictions, {"click": BCE, "rating": MSE},
                                             {"click": 1.0, "rating": 3.0}), what)
    expected = _numpy_masked_loss(BCE, _CLICK, _CLICK_PRED)
    if not _close(got, expected):
        raise AssertionError(f"{what} returned {got:.6f}; expected {expected:.6f}, the click loss alone: a task "
                             "without labels in the batch adds 0 whatever its weight")

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
_INPUT_DIM = 6


def _train_steps(model: keras.Model, x: np.ndarray, labels: dict, steps: int) -> None:
    """A few eager training steps exactly as model.fit takes them: compiled loss (weights, regularizers
    included) and the compiled optimizer; no tracing, so the check stays fast."""
    names = output_names(model)
    variables = model.trainable_variables
    for _ in range(steps):
        with tf.GradientTape() as tape:
            y_pred = model(x, training=True)
            y = labels if isinstance(y_pred, dict) else [labels[name] for name in names]
            loss = model.compute_loss(x=x, y=y, y_pred=y_pred, training=True)
        gradients = tape.gradient(loss, variables)
        pairs = [(g, v) for g, v in zip(gradients, variables) if g is not None]
        model.optimizer.apply([g for g, _ in pairs], [v for _, v in pairs])


def _snapshot(model: keras.Model) -> dict[str, np.ndarray]:
    return {v.path: np.array(v.numpy()) for v in model.trainable_variables}


def _moved(before: dict, after: dict, paths) -> float:
    return max([float(np.max(np.abs(after[p] - before[p]))) for p in paths] + [0.0])


def check_build_shared_bottom(impl) -> None:
    """Compiled; one sigmoid (batch, 1) output per task; shared layers reached by every task; own towers;
    compiled loss = weighted masked sum on probes; weight 0 or all-missing labels leave a tower untouched."""
    task_losses = dict(_TASK_LOSSES)
    weights = {"click": 1.0, "rating": 0.5, "share": 2.0}
    what = (f"build_shared_bottom({_INPUT_DIM}, {{'click': 'binary_crossentropy', 'rating': 'mean_squared_error', "
            f"'share': 'binary_crossentropy'}}, {weights})")
    model = build(impl.build_shared_bottom, _INPUT_DIM, task_losses, dict(weights), what=what)
    if not getattr(model, "compiled", False) or model.optimizer is None:
        raise AssertionError(f"{what} returned a model that is not compiled; call model.compile(optimizer=..., "
                             "loss=..., loss_weights=...) before returning it")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, _INPUT_DIM)).astype(np.float32)
    outputs = predict(model, x)  # keyed by the dict keys of a dict-output model, else by output_names
    if sorted(outputs) != sorted(task_losses):
        assert_output_names(model, list(task_losses), what)  # the message explains output names
        raise AssertionError(f"{what} returns outputs keyed {sorted(outputs)}; expected the task names "
                             f"{sorted(task_losses)} as the keys of the output dict")
    for task, values in outputs.items():
        if values.shape != (32, 1):
            raise AssertionError(f"{what}: output '{task}' has shape {values.shape} for a batch of 32; expected (32, 1)")
        assert_probability(values, f"{what}: output '{task}'")

    reached = {task: variables_reached(model, x, task) for task in task_losses}
    shared = set.intersection(*reached.values())
    if not shared:
        lonely = [t for t in task_losses if not (reached[t] & set.union(*(reached[o] for o in task_losses if o != t)))]
        raise AssertionError(
            f"{what}: no trainable variable gets a gradient from every task, so nothing is shared"
            + (f" (the tasks {lonely} share no variable with any other task)" if lonely else "")
            + ". Every tower must start from the output of the shared Dense layers, not from the input, and "
              "without stop_gradient.")
    for task in task_losses:
        others = set.union(*(reached[o] for o in task_losses if o != task))
        if not reached[task] - others:
            raise AssertionError(f"{what}: task '{task}' has no variable of its own (its tower and head); give "
                                 "each task its own Dense layers and sigmoid head on top of the shared bottom")

    # the compiled loss on probe labels with missing entries
    probe_x = x[:8]
    y_pred = model(probe_x, training=False)
    labels = {t: tf.constant(v) for t, v in _LABELS.items()}
    y = labels if isinstance(y_pred, dict) else [labels[name] for name in output_names(model)]
    got = _scalar(model.compute_loss(x=probe_x, y=y, y_pred=y_pred, training=False),
                  f"{what}: the compiled loss (model.compute_loss)")
    predicted = {name: np.asarray(value) for name, value in predict(model, probe_x).items()}
    expected = _numpy_multitask(_LABELS, predicted, task_losses, weights)
    if not _close(got, expected):
        unweighted = _numpy_multitask(_LABELS, predicted, task_losses, None)
        plain = sum(weights[t] * float(_numpy_elementwise(task_losses[t], _LABELS[t].astype(np.float64),
                                                           predicted[t].astype(np.float64)).mean()) for t in task_losses)
        cause = ""
        if _close(got, unweighted):
            cause = " Likely cause: the loss weights are missing; compile with loss_weights=task_weights."
        elif _close(got, plain):
            cause = (" Likely cause: the compiled losses do not skip missing labels; compile with "
                     "loss={task: masked_loss(name, mask_value)}.")
        elif got > expected:
            cause = " Likely cause: a regularization loss is added (the docstring asks for none)."
        raise AssertionError(
            f"{what}: on 8 probe rows with missing labels (-1) the compiled loss (model.compute_loss) is {got:.6f}; "
            f"expected {expected:.6f} = sum over tasks of weight * mean loss over that task's observed labels.{cause}")

    # training: a task with weight 0, and a task with every label missing, leave their towers untouched
    weights = {"click": 1.0, "rating": 0.0, "share": 1.0}
    what = (f"build_shared_bottom({_INPUT_DIM}, {{'click': ..., 'rating': ..., 'share': ...}}, {weights}, "
            "mask_value=9.0)")
    model = build(impl.build_shared_bottom, _INPUT_DIM, task_losses, dict(weights), mask_value=9.0, what=what)
    reached = {task: variables_reached(model, x, task) for task in task_losses}
    own = {t: reached[t] - set.union(*(reached[o] for o in task_losses if o != t)) for t in task_losses}
    shared = set.intersection(*reached.values())
    train_x = rng.normal(size=(64, _INPUT_DIM)).astype(np.float32)
    click = (rng.random((64, 1)) < 0.5).astype(np.float32)
    train_labels = {"click": tf.constant(click),
                    "rating": tf.constant(rng.random((64, 1)).astype(np.float32)),
                    "share": tf.constant(np.full((64, 1), 9.0, dtype=np.float32))}
    before = _snapshot(model)
    _train_steps(model, train_x, train_labels, steps=3)
    after = _snapshot(model)
    if not all(np.all(np.isfinite(value)) for value in after.values()):
        raise AssertionError(f"{what}: after 3 training steps some weights are NaN; a task whose labels are all "
                             "missing (here 'share', every label 9.0) must add 0 to the loss, not 0 / 0")
    if _moved(before, after, own["click"]) == 0.0 or _moved(before, after, shared) == 0.0:
        raise AssertionError(f"{what}: 3 training steps on click labels left the click tower or the shared layers "
                             "unchanged; is the model compiled with an optimizer and the click loss?")
    moved = _moved(before, after, own["rating"])
    if moved > 1e-7:
        raise AssertionError(
            f"{what}: 3 training steps changed the tower of 'rating', whose loss weight is 0, by up to {moved:.3g}; "
            "a task with weight 0 must train nothing of its own. Likely cause: loss_weights not passed to "
            "compile(), or a weight regularizer / weight decay on the towers.")
    moved = _moved(before, after, own["share"])
    if moved > 1e-7:
        raise AssertionError(
            f"{what}: 3 training steps changed the tower of 'share', whose labels were all missing (9.0), by up to "
            f"{moved:.3g}; its loss must be exactly 0 with no gradient. Likely cause: the compiled loss does not "
            "mask with the mask_value argument (or does not mask at all).")


PARTS = {
    "masked_loss": check_masked_loss,
    "masked_multitask_loss": check_masked_multitask_loss,
    "build_shared_bottom": check_build_shared_bottom,
}
TIMEOUTS = {"masked_loss": 20, "masked_multitask_loss": 20, "build_shared_bottom": 40}
