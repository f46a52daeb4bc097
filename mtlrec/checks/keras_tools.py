"""Behavioural checks for Keras models, shared by the exercises from ex01 on.

They look at what a model does (outputs, compiled losses evaluated on probes, gradients, training),
never at layer names or sizes, so any correct style passes: `keras` or `tensorflow.keras`, loss as
a string, a function, a Loss object, a dict or a list.
"""

from __future__ import annotations

import inspect
import re

import numpy as np

import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras
import tensorflow as tf

from mtlrec.checks import short

# ------------------------------------------------------------------------------ building
def fresh_session(seed: int = 0) -> None:
    """keras.utils.clear_session (fresh layer names) and a seeded start, without its slow garbage collection."""
    try:
        keras.utils.clear_session(free_memory=False)  # skips a 0.2 s garbage collection per call
    except TypeError:  # Keras before 3.4 has no free_memory argument
        keras.utils.clear_session()
    keras.utils.set_random_seed(seed)


def build(builder, *args, what: str | None = None, **kwargs) -> keras.Model:
    """Call a model builder and demand a keras.Model back."""
    fresh_session(0)
    what = what or _call_text(builder, args, kwargs)
    model = builder(*args, **kwargs)
    if not isinstance(model, keras.Model):
        raise AssertionError(f"{what} returned {type(model).__name__}; expected a keras.Model "
                             "(did you forget `return model`?)")
    return model


def _call_text(function, args, kwargs) -> str:
    parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return f"{getattr(function, '__name__', 'function')}({', '.join(parts)})"


def assert_compiled(model: keras.Model, what: str) -> None:
    """The model must have been compiled with an optimizer and a loss."""
    if not getattr(model, "compiled", False) or model.optimizer is None or model.loss is None:
        raise AssertionError(f"{what} returned a model that is not compiled; call "
                             "model.compile(optimizer=..., loss=...) before returning it")


def assert_optimizer(model: keras.Model, learning_rate: float | tuple[float, float], what: str,
                     optimizer_class=None) -> float:
    """The compiled optimizer is an `optimizer_class` (Adam by default), without weight decay, with
    this learning rate (float32 tolerance), or one in the range (low, high) when a pair is given (a
    schedule counts by its current rate); returns the learning rate."""
    optimizer_class = optimizer_class or keras.optimizers.Adam
    optimizer, name = model.optimizer, optimizer_class.__name__
    if not isinstance(optimizer, optimizer_class):
        raise AssertionError(f"{what} is compiled with the optimizer {type(optimizer).__name__}; expected "
                             f"{name}(learning_rate), as the docstring asks")
    if getattr(optimizer, "weight_decay", None):
        raise AssertionError(f"{what} is compiled with {type(optimizer).__name__}(weight_decay="
                             f"{optimizer.weight_decay}); expected plain {name}(learning_rate), no weight decay")
    got = float(np.asarray(keras.ops.convert_to_numpy(optimizer.learning_rate)))
    if isinstance(learning_rate, (tuple, list)):
        low, high = learning_rate
        if not low * (1 - 1e-5) <= got <= high * (1 + 1e-5):
            raise AssertionError(f"{what} is compiled with {name} at learning rate {got:.6g}; the docstring asks "
                                 f"for a learning rate between {low:g} and {high:g}"
                                 + (" (too small to learn in a reasonable number of steps)" if got < low else
                                    " (too large: training becomes unstable)"))
        return got
    if abs(got - learning_rate) > 1e-5 * abs(learning_rate) + 1e-12:
        default = inspect.signature(optimizer_class).parameters.get("learning_rate")
        cause = ""
        if default is not None and isinstance(default.default, float) and abs(got - default.default) < 1e-9:
            cause = (f" Likely cause: the learning_rate argument is ignored: optimizer='{name.lower()}' or "
                     f"{name}() uses {name}'s default {default.default:g}; pass {name}(learning_rate)")
        raise AssertionError(f"{what} is compiled with {name} at learning rate {got:.6g}; expected "
                             f"{learning_rate:g}.{cause}")
    return got


def penalty(model: keras.Model) -> float:
    """The model's penalty: the sum of model.losses (weight regularizers; add_loss terms of the last call)."""
    return float(sum(float(np.asarray(keras.ops.convert_to_numpy(loss))) for loss in model.losses))


# ------------------------------------------------------------------------------ outputs
def output_names(model: keras.Model, inputs=None) -> list[str]:
    """The outputs' names: the dict keys for a model built with dict outputs, else the layer names.

    A subclassed keras.Model has no output_names: given `inputs`, one whose call() returns a dict is named
    by its keys; otherwise its names are the keys of a dict of compiled losses, else "output" (one
    output) or "output_0", "output_1", ... (a list of losses)."""
    structure = getattr(model, "_outputs_struct", None)
    if isinstance(structure, dict):
        return list(structure)
    if structure is None and inputs is not None:  # subclassed: what call() returns names the outputs
        outputs = model(inputs, training=False)
        if isinstance(outputs, dict):
            return list(outputs)
    names = getattr(model, "output_names", None)
    if names:
        return list(names)
    loss = getattr(model, "loss", None)
    if isinstance(loss, dict):
        return list(loss)
    count = len(loss) if isinstance(loss, (list, tuple)) else 1
    return ["output"] if count == 1 else [f"output_{k}" for k in range(count)]


def output_order(model: keras.Model, inputs=None) -> list[str]:
    """The output names in the order Keras pairs a list (of losses, loss weights, targets) with them:
    sorted keys when the model returns a dict (Keras flattens a dict in key order), else output order."""
    structure = getattr(model, "_outputs_struct", None)
    returns_dict = isinstance(structure, dict)
    if structure is None and inputs is not None:
        returns_dict = isinstance(model(inputs, training=False), dict)
    names = output_names(model, inputs)
    return sorted(names) if returns_dict else names


def predict(model: keras.Model, inputs, what: str | None = None) -> dict[str, np.ndarray]:
    """Run the model (inference mode) and return {output name: numpy array}; works for functional and
    subclassed models (a dict returned by call() keeps its keys). With `what`, an exception raised by
    the model becomes an AssertionError naming the call, the inputs and, where knowable, the cause."""
    try:
        outputs = model(inputs, training=False)
    except Exception as error:
        if what is None:
            raise
        raise AssertionError(f"{what}: calling the model on {describe_inputs(inputs)} raised "
                             f"{type(error).__name__}: {error_text(error)}{_call_advice(error)}") from None
    if isinstance(outputs, dict):
        return {name: np.asarray(value) for name, value in outputs.items()}
    if not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    return {name: np.asarray(value) for name, value in zip(output_names(model), outputs)}


def predict_by_key(model: keras.Model, inputs: dict, what: str, documented: list[str] | None = None
                   ) -> dict[str, np.ndarray]:
    """{output name: array} for a model called with a dict of inputs, which must not depend on the order of
    the dict's keys: the model is called with the keys in the `documented` order (default: as given) and
    with the same dict in another order (the given order, or reversed when that is the documented one);
    outputs that change mean the model pairs the values by position. Returns the second call's outputs."""
    documented = list(inputs) if documented is None else list(documented)
    other = list(inputs) if list(inputs) != documented else documented[::-1]
    first = predict(model, {key: inputs[key] for key in documented},
                    f"{what} called on a dict of {', '.join(documented)}")
    try:
        second = predict(model, {key: inputs[key] for key in other})
    except Exception as error:
        raise AssertionError(f"{what}: the model takes the dict {describe_inputs(inputs)} in the order "
                             f"{documented}, but the same dict with its keys in the order {other} makes it raise "
                             f"{type(error).__name__}: {error_text(error, 200)}. The model pairs the inputs by "
                             "position: read each one by its key (inputs['user_id'], ...); a dict's order "
                             "carries no meaning") from None
    for name, values in first.items():
        if name not in second or second[name].shape != values.shape or not np.allclose(
                values, second[name], rtol=1e-5, atol=1e-6):
            again = predict(model, {key: inputs[key] for key in documented}, what)
            if name in again and not np.allclose(values, again[name], rtol=1e-5, atol=1e-6):
                raise AssertionError(f"{what}: output '{name}' changes between two calls on the same inputs in "
                                     "inference mode (training=False); predictions must be deterministic: is a "
                                     "Dropout or noise layer called with training=True hard-coded?")
            raise AssertionError(f"{what}: output '{name}' changes when the same input dict is given with its keys "
                                 f"in another order ({other} instead of {documented}): the model pairs the "
                                 "inputs by position; read each one by its key (inputs['user_id'], ...)")
    return second


def describe_inputs(inputs) -> str:
    """`{'user_id': int32 (64,), ...}`: the dtypes and shapes of a probe, for messages."""
    def one(value):
        value = np.asarray(value)
        return f"{value.dtype} {value.shape}"

    if isinstance(inputs, dict):
        return "{" + ", ".join(f"{k!r}: {one(v)}" for k, v in inputs.items()) + "}"
    if isinstance(inputs, (list, tuple)):
        return "[" + ", ".join(one(v) for v in inputs) + "]"
    return one(inputs)


def error_text(error: BaseException, limit: int = 300) -> str:
    """An exception's text for a message: one line, without the terminal colour codes Keras puts in it,
    shortened to `limit` characters."""
    text = " ".join(re.sub(r"\x1b\[[0-9;]*m", "", str(error)).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _call_advice(error: BaseException) -> str:
    text = error_text(error, 100_000)
    if re.search(r"indices\[[^]]*\] = -?\d+ is not in \[0, \d+\)", text):
        return (". Likely cause: an id outside its Embedding table: a table needs one row per id (num_users rows "
                "for user ids, num_items rows for item ids; is a table sized by the other count?)")
    return ""


def assert_output_names(model: keras.Model | None, expected: list[str], what: str, outputs: dict | None = None) -> None:
    """Exactly the expected output names (order free); `outputs` (from predict) names a subclassed model's."""
    names = list(outputs) if outputs is not None else output_names(model)
    if sorted(names) != sorted(expected):
        missing = sorted(set(expected) - set(names))
        extra = sorted(set(names) - set(expected))
        count = (f" The model has {len(names)} output(s); it needs {len(expected)}."
                 if len(names) != len(expected) else "")
        raise AssertionError(
            f"{what} has outputs {names}; expected {expected}" + (f"; missing {missing}" if missing else "")
            + (f"; unexpected {extra}" if extra else "") + "." + count
            + " Name an output by the name= of the layer that produces it (or by its key when the model "
              "returns a dict).")


def assert_outputs_named(model: keras.Model, inputs, what: str) -> None:
    """The outputs have names: a functional model's come from its layers or its dict of outputs; a
    subclassed model (no output_names) names them only by returning a dict from call()."""
    if getattr(model, "_outputs_struct", None) is not None or getattr(model, "output_names", None):
        return
    outputs = model(inputs, training=False)
    if not isinstance(outputs, dict):
        kind = f"a {type(outputs).__name__} of {len(outputs)}" if isinstance(outputs, (list, tuple)) else "one tensor"
        raise AssertionError(f"{what}: the subclassed model's call() returns {kind}, which has no output names; "
                             "return a dict {output name: tensor} so that the outputs are named (the names the "
                             "docstring asks for), as compile(), fit() and the notebooks look them up")


def assert_output_shapes(outputs: dict, shape: tuple, what: str) -> None:
    """Every output has this shape and only finite values."""
    for name, value in outputs.items():
        if value.shape != tuple(shape):
            hint = (": one unit per example, Dense(1) (no Flatten or squeeze)"
                    if tuple(shape)[-1:] == (1,) and value.shape == tuple(shape)[:-1] else "")
            raise AssertionError(f"{what}: output '{name}' has shape {value.shape}; expected {tuple(shape)}{hint}")
        if not np.all(np.isfinite(value)):
            raise AssertionError(f"{what}: output '{name}' contains NaN or infinite values")


def assert_probability(values: np.ndarray, what: str) -> None:
    """Values in [0, 1] that really vary like a sigmoid: not clipped ReLU, not a one-unit softmax."""
    if not np.all(np.isfinite(values)):
        raise AssertionError(f"{what} contains NaN or infinite values")
    if values.min() < 0.0 or values.max() > 1.0:
        raise AssertionError(f"{what} ranges over [{values.min():.3g}, {values.max():.3g}]; a probability "
                             "must lie in [0, 1]: use activation='sigmoid' on this head")
    if np.allclose(values, values.flat[0], atol=1e-6):
        raise AssertionError(f"{what} is the constant {values.flat[0]:.4g} for every input: a softmax over "
                             "one unit always gives 1 (use sigmoid), or the head is cut off from the inputs")


def random_batch(input_shapes: dict | list, batch: int = 32, seed: int = 0):
    """Random float inputs (normal) or ids (ints below the given bound) for probing a model.

    input_shapes: {name: feature_dim} for floats, {name: ("id", count)} for integer ids; a list
    of feature dims gives a list of arrays.
    """
    rng = np.random.default_rng(seed)

    def one(spec):
        if isinstance(spec, tuple) and spec[0] == "id":
            return rng.integers(0, spec[1], size=(batch,)).astype("int32")
        return rng.normal(size=(batch, spec)).astype("float32")

    if isinstance(input_shapes, dict):
        return {name: one(spec) for name, spec in input_shapes.items()}
    return [one(spec) for spec in input_shapes]


def assert_inputs_matter(model: keras.Model, inputs, what: str, *, every_output: bool = False,
                         id_bounds: dict | None = None, labels: dict | None = None, advice: dict | None = None) -> None:
    """Changing any single input must change some output (every output, with every_output=True).

    id_bounds: {input: number of ids}, so that changed ids stay valid ids; labels: {input: how to name
    it}; advice: {input: what to do}, ending the message."""
    keys = list(inputs) if isinstance(inputs, dict) else list(range(len(inputs)))
    base = predict(model, inputs, what)
    rng = np.random.default_rng(1)
    for key in keys:
        changed = dict(inputs) if isinstance(inputs, dict) else list(inputs)
        original = np.asarray(inputs[key])
        if original.dtype.kind in "iu" and id_bounds and key in id_bounds:
            bound = max(int(id_bounds[key]), 2)
            changed[key] = ((original + rng.integers(1, bound, original.shape)) % bound).astype(original.dtype)
        elif original.dtype.kind in "iu":
            changed[key] = (original + 1 + rng.integers(0, 3, original.shape)) % max(int(original.max()) + 2, 2)
            changed[key] = changed[key].astype(original.dtype)
        else:
            changed[key] = (original + rng.normal(0, 2.0, original.shape)).astype(original.dtype)
        after = predict(model, changed, what)
        unchanged = [name for name in base if np.allclose(base[name], after[name], atol=1e-6)]
        label = (labels or {}).get(key, key if isinstance(key, str) else f"input {key}")
        tip = (advice or {}).get(key)
        tip = f" ({tip})" if tip else ""
        if every_output and unchanged:
            raise AssertionError(f"{what}: changing {label} does not change output '{unchanged[0]}'; every input "
                                 f"must reach every output{tip}")
        if len(unchanged) == len(base):
            raise AssertionError(f"{what}: changing {label} does not change any prediction; "
                                 f"that input is not connected to the outputs{tip}")


# ------------------------------------------------------------------------------ losses
_PROBE_TRUE = np.array([[1.0], [0.0], [1.0], [0.0], [1.0], [0.0]], dtype="float32")
_PROBE_PRED = np.array([[0.8], [0.3], [0.4], [0.6], [0.9], [0.15]], dtype="float32")


def _reference_losses(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """The table of known losses: mean value of each on a probe (probabilities in y_pred)."""
    y_true, y_pred = np.asarray(y_true, np.float64), np.asarray(y_pred, np.float64)
    bce = -(y_true * np.log(y_pred) + (1 - y_true) * np.log(1 - y_pred))
    twice = 1.0 / (1.0 + np.exp(-y_pred))  # from_logits=True on probabilities: a second sigmoid
    bce_logits = -(y_true * np.log(twice) + (1 - y_true) * np.log(1 - twice))
    # Keras normalizes y_pred to sum 1 over the last axis; over one column that makes any loss ~0, so
    # there the unnormalized formula keeps "categorical_crossentropy" from naming every loss near 0.
    shares = y_pred / y_pred.sum(axis=-1, keepdims=True) if y_pred.shape[-1] > 1 else y_pred
    return {
        "binary_crossentropy": float(bce.mean()),
        "mean_squared_error": float(np.mean((y_true - y_pred) ** 2)),
        "mean_absolute_error": float(np.mean(np.abs(y_true - y_pred))),
        "categorical_crossentropy": float(np.mean(-np.sum(y_true * np.log(shares), axis=-1))),
        "binary_crossentropy (from_logits=True)": float(bce_logits.mean()),
        "binary_crossentropy (summed over the batch)": float(bce.mean(axis=-1).sum()),
    }


def loss_kind(loss, y_true: np.ndarray = _PROBE_TRUE, y_pred: np.ndarray = _PROBE_PRED) -> str:
    """Name the loss by evaluating it on probe labels: 'binary_crossentropy', 'mean_squared_error',
    'mean_absolute_error', 'categorical_crossentropy', 'binary_crossentropy (from_logits=True)',
    'binary_crossentropy (summed over the batch)' (reduction="sum"), 'huber' or 'other'. Pass a probe
    of several columns (y_pred rows of probabilities) to tell losses over a label vector apart."""
    function = keras.losses.get(loss) if isinstance(loss, (str, dict)) else loss
    if function is None:
        return "none"
    value = float(np.mean(np.asarray(function(tf.constant(y_true), tf.constant(y_pred)))))
    for name, expected in _reference_losses(y_true, y_pred).items():
        if abs(value - expected) < 1e-3 * max(1.0, abs(expected)):
            return name
    return "huber" if _is_huber(function) else "other"


_HUBER_ERRORS = np.array([0.02, 0.1, 0.25, 0.4, 0.6, 0.8, 1.0], dtype="float32")


def _is_huber(function) -> bool:
    """A Huber loss of any delta: 0.5 e**2 for |e| <= delta, delta * (|e| - delta / 2) beyond, on errors
    e in (0, 1] one at a time (float32 tolerance); a delta of 1 or more is half the squared error there."""
    try:
        values = np.array([float(np.mean(np.asarray(function(tf.constant([[0.0]]), tf.constant([[e]])))))
                           for e in _HUBER_ERRORS])
    except Exception:  # a loss that cannot take these probes is no Huber loss we can recognise
        return False
    errors = _HUBER_ERRORS.astype("float64")
    close = lambda got, expected: np.all(np.abs(got - expected) <= 1e-4 * np.abs(expected) + 1e-7)  # noqa: E731
    half_square = 0.5 * errors ** 2
    if close(values, half_square):
        return True
    largest, value = errors[-1], values[-1]
    if not np.isfinite(value) or value <= 0.0 or largest ** 2 < 2.0 * value:
        return False
    delta = largest - np.sqrt(largest ** 2 - 2.0 * value)  # from value = delta * largest - delta**2 / 2
    expected = np.where(errors <= delta, half_square, delta * errors - 0.5 * delta ** 2)
    return bool(delta > 0.0 and close(values, expected))


def _per_output(setting, names: list[str], what: str, default=None, argument: str = "loss") -> dict:
    """Spread a compile() argument (single value, list or dict) over the output names; `argument`: its
    name, for the message."""
    if setting is None:
        return {name: default for name in names}
    if isinstance(setting, dict):
        return {name: setting.get(name, default) for name in names}
    if isinstance(setting, (list, tuple)):
        if len(setting) != len(names):
            raise AssertionError(f"{what}: compile({argument}=...) got a list of {len(setting)} for {len(names)} "
                                 f"output(s) {names}; a list pairs one entry with each output"
                                 + (" (per-label weights of one output belong in its loss function, not in "
                                    "loss_weights)" if argument == "loss_weights" and len(names) == 1 else ""))
        return dict(zip(names, setting))
    return {name: setting for name in names}


def compiled_losses(model: keras.Model, what: str, names: list[str] | None = None) -> dict[str, str]:
    """{output name: loss kind} from what the model was compiled with.

    names (here and below): the outputs in the order Keras pairs a list of losses with them; default
    output_names(model); pass output_order(model, inputs) for a subclassed model."""
    losses = _per_output(model.loss, output_names(model) if names is None else names, what)
    return {name: loss_kind(loss) for name, loss in losses.items()}


def compiled_loss_functions(model: keras.Model, what: str, names: list[str] | None = None) -> dict:
    """{output name: callable loss(y_true, y_pred)} from what the model was compiled with."""
    losses = _per_output(model.loss, output_names(model) if names is None else names, what)
    return {name: (keras.losses.get(loss) if isinstance(loss, (str, dict)) else loss)
            for name, loss in losses.items()}


def compiled_loss_weights(model: keras.Model, what: str, names: list[str] | None = None) -> dict[str, float]:
    """{output name: loss weight} (1.0 where none was given)."""
    config = getattr(getattr(model, "_compile_config", None), "config", None) or {}  # Keras 3 keeps it here
    weights = _per_output(config.get("loss_weights"), output_names(model) if names is None else names, what,
                          default=1.0, argument="loss_weights")
    return {name: float(1.0 if w is None else w) for name, w in weights.items()}



def _loss_advice(expected: str, got: str | None) -> str:
    if expected == "binary_crossentropy" and got == "mean_squared_error":
        return " (a click is a yes/no label: binary cross-entropy, not squared error)"
    if expected == "mean_squared_error" and got == "binary_crossentropy":
        return " (a rating is a quantity: squared error; are the losses swapped?)"
    if got == "categorical_crossentropy":
        return " (categorical cross-entropy makes labels compete: that is multi-class, not multi-label)"
    if expected == "binary_crossentropy" and got == "mean_absolute_error":
        return " (a click is a yes/no label: binary cross-entropy, not absolute error)"
    if got == "binary_crossentropy (from_logits=True)":
        return (" (the output already went through a sigmoid, so from_logits=True applies a second one; "
                "use from_logits=False, the default)")
    return ""


# ------------------------------------------------------------------------------ gradients
def variables_reached(model: keras.Model, inputs, output: str, *, seed: int = 0) -> set[str]:
    """Paths of trainable variables whose gradient from one output's mean is non-zero."""
    with tf.GradientTape() as tape:
        outputs = model(inputs, training=False)
        if isinstance(outputs, dict):
            chosen = outputs[output]
        else:
            outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
            chosen = outputs[output_names(model).index(output)]
        objective = tf.reduce_mean(chosen)
    variables = model.trainable_variables
    gradients = tape.gradient(objective, [v.value if hasattr(v, "value") else v for v in variables])
    return {v.path for v, g in zip(variables, gradients)
            if g is not None and float(tf.reduce_max(tf.abs(tf.convert_to_tensor(g)))) > 0.0}


def id_tables(model: keras.Model, inputs: dict, counts: dict) -> dict:
    """The variables that give each id of an id input a row of its own: {input: {path: (variable, rows)}}.

    counts: {id input: number of ids}, e.g. {"user_id": num_users, "item_id": num_items}. Found by
    gradients, so any way of writing passes: an Embedding table, a Dense kernel over one-hot ids, or one
    table shared by several id inputs at offsets. Every other input is held at the first example's value
    while one input's ids run over 0 .. count - 1; a table is a 2-D variable whose gradient touches at
    most two rows for one example (its id's, and another input's row in a shared table) and a row per
    id for the ids (at least half of them: an example can give a zero gradient). `rows`: those rows, so
    two inputs sharing a table must use different rows. Trainable or not (check `variable.trainable`)."""
    first = {name: np.asarray(value)[:1] for name, value in inputs.items()}
    candidates = [v for v in model.variables if len(v.shape) == 2 and str(v.dtype).startswith("float")]
    handles = [v.value if hasattr(v, "value") else v for v in candidates]

    def rows(batch) -> list[set]:
        with tf.GradientTape(watch_accessed_variables=False) as tape:
            for handle in handles:
                tape.watch(handle)
            outputs = model(batch, training=False)
            flat = list(outputs.values()) if isinstance(outputs, dict) else (
                list(outputs) if isinstance(outputs, (list, tuple)) else [outputs])
            objective = tf.add_n([tf.reduce_sum(tf.cast(output, "float32")) for output in flat])
        gradients = tape.gradient(objective, handles)
        return [set() if g is None else set(np.flatnonzero(np.any(np.asarray(tf.convert_to_tensor(g)) != 0, axis=1)))
                for g in gradients]

    single = rows(first)
    found = {}
    for key, count in counts.items():
        varied = {name: np.repeat(value, count, axis=0) for name, value in first.items()}
        varied[key] = np.arange(count).astype(first[key].dtype)
        found[key] = {}
        for variable, one, many in zip(candidates, single, rows(varied)):
            own = many - one
            if len(one) <= 2 and len(own) >= max(2, count // 2):
                found[key][variable.path] = (variable, own)
    return found


def fit_quietly(model: keras.Model, x, y, *, epochs: int, batch_size: int = 256, seed: int = 0, **kwargs):
    """Seeded, silent model.fit; returns the History."""
    keras.utils.set_random_seed(seed)
    return model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0, **kwargs)


def shared_and_own_variables(model: keras.Model, inputs, outputs: list[str],
                             exclude=frozenset()) -> tuple[set[str], dict[str, set[str]]]:
    """Paths of the trainable variables that every output reaches (shared, less the paths in `exclude`)
    and, per output, those that no other output reaches (its own); gradients of each output's mean,
    inference mode."""
    reached = {name: variables_reached(model, inputs, name) for name in outputs}
    shared = set.intersection(*reached.values()) - set(exclude)
    own = {name: reached[name] - set().union(*(reached[o] for o in outputs if o != name)) for name in outputs}
    return shared, own


def assert_shared_and_own(model: keras.Model, inputs, outputs: list[str], what: str, hint: str = "",
                          exclude=frozenset(), excluded: str = "") -> tuple[set[str], dict[str, set[str]]]:
    """Some variable is reached by every output, and each output has variables of its own; returns
    (shared, own) as shared_and_own_variables does. `hint` ends the message (how to connect the parts);
    `exclude`: paths that do not count as shared (e.g. ID embeddings), named `excluded` in the message."""
    shared, own = shared_and_own_variables(model, inputs, outputs, exclude)
    if not shared:
        besides = f" apart from {excluded}" if excluded else ""
        raise AssertionError(f"{what}: no trainable variable{besides} gets a gradient from every output of "
                             f"{outputs}, so nothing is shared.{(' ' + hint) if hint else ''}")
    for name in outputs:
        if not own[name]:
            raise AssertionError(f"{what}: output '{name}' has no trainable variable of its own: every variable "
                                 "it reaches is reached by another output too (a layer created once and reused "
                                 f"by several outputs shares its weights).{(' ' + hint) if hint else ''}")
    return shared, own


def relu_silenced_kernels(model: keras.Model, inputs, output: str, kernel_paths) -> dict[str, bool]:
    """For each 2-D Dense kernel (in, out) path: does some example give an exactly-zero gradient column,
    i.e. a unit whose gradient is cut, as a ReLU does for a negative pre-activation? A linear, tanh or
    GELU layer (or one followed by no activation) never cuts it. `inputs`: a few rows, one tape each."""
    variables = {v.path: v for v in model.trainable_variables}
    silenced = {path: False for path in kernel_paths}
    for row in range(len(inputs)):
        with tf.GradientTape() as tape:
            outputs = model(inputs[row:row + 1], training=False)
            if isinstance(outputs, dict):
                chosen = outputs[output]
            else:
                outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
                chosen = outputs[output_names(model).index(output)]
            objective = tf.reduce_sum(chosen)
        chosen_variables = [variables[path] for path in kernel_paths]
        gradients = tape.gradient(objective, [v.value if hasattr(v, "value") else v for v in chosen_variables])
        for path, gradient in zip(kernel_paths, gradients):
            if gradient is not None and np.any(np.all(np.asarray(gradient) == 0.0, axis=0)):
                silenced[path] = True
    return silenced


# ------------------------------------------------------------------------------ sublayers
def layers_of_class(model: keras.Model, layer_class) -> list:
    """Every layer inside `model` (at any depth; functional or subclassed) that is a `layer_class`,
    each once, in the order Keras tracks them."""
    try:
        found = list(model._flatten_layers(include_self=False, recursive=True))
    except Exception:  # a Keras without _flatten_layers: the top-level layers only
        found = list(getattr(model, "layers", []))
    unique = {id(layer): layer for layer in found if isinstance(layer, layer_class)}
    return list(unique.values())


class recorded_calls:
    """Context manager recording every call of layers of the given classes: `with recorded_calls([C]) as
    calls: model(x)` leaves calls = [(layer, inputs, outputs), ...] in call order, as numpy (a list
    input or output as a list of arrays). A call made from inside another recorded call (super().call)
    is not recorded twice. The classes' call methods are restored on exit."""

    def __init__(self, classes):
        self.classes = [c for c in dict.fromkeys(classes) if "call" in vars(c)]
        self.calls, self._saved, self._depth = [], [], 0

    @staticmethod
    def _numpy(value):
        if isinstance(value, (list, tuple)):
            return [np.asarray(v) for v in value]
        return np.asarray(value)

    def __enter__(self):
        for layer_class in self.classes:
            original = vars(layer_class)["call"]
            self._saved.append((layer_class, original))

            def call(layer, inputs, *args, _original=original, **kwargs):
                self._depth += 1
                try:
                    outputs = _original(layer, inputs, *args, **kwargs)
                finally:
                    self._depth -= 1
                if self._depth == 0:
                    self.calls.append((layer, self._numpy(inputs), self._numpy(outputs)))
                return outputs

            setattr(layer_class, "call", call)
        return self.calls

    def __exit__(self, *exc):
        for layer_class, original in self._saved:
            setattr(layer_class, "call", original)
        return False


# ------------------------------------------------------------------------------ training
def train_on_compiled_losses(model: keras.Model, x, targets: dict, *, epochs: int, batch_size: int,
                             learning_rate: float, seed: int = 0, settle_passes: int = 0,
                             names: list[str] | None = None, what: str = "the model") -> None:
    """A short seeded training: Adam(learning_rate) on the model's own compiled losses, loss weights and
    penalties (model.losses), whatever optimizer it was compiled with (so it measures what the
    architecture and its losses can learn), one tf.function per epoch (an explicit while loop, no
    autograph): under 1 s to trace where model.fit's train step takes ~3 s. targets: {output name: array}; names: the output order for list-valued compile()
    settings (output_order). Full batches only (one trace). A model with non-trainable state
    (BatchNormalization) then runs `settle_passes` forward passes in training mode, so that its moving
    statistics, far from converged after a few hundred steps, catch up."""
    order = output_names(model) if names is None else names
    functions = compiled_loss_functions(model, what, order)
    weights = compiled_loss_weights(model, what, order)
    chosen = [name for name in targets if functions.get(name) is not None]
    variables = model.trainable_variables
    optimizer = keras.optimizers.Adam(learning_rate)
    optimizer.build(variables)

    def step(batch_x, batch_y):
        with tf.GradientTape() as tape:
            outputs = model(batch_x, training=True)
            if not isinstance(outputs, dict):
                outputs = dict(zip(output_names(model), outputs if isinstance(outputs, (list, tuple)) else [outputs]))
            loss = tf.add_n([weights[n] * tf.reduce_mean(tf.cast(functions[n](batch_y[n], outputs[n]), "float32"))
                             for n in chosen] + [tf.cast(tf.reduce_sum(p), "float32") for p in model.losses])
        gradients = tape.gradient(loss, variables)
        optimizer.apply_gradients([(g, v) for g, v in zip(gradients, variables) if g is not None])

    rng = np.random.default_rng(seed)
    rows = len(next(iter(targets.values())))
    def pick(data, index):
        if isinstance(data, dict):
            return {k: np.asarray(a)[index] for k, a in data.items()}
        if isinstance(data, (list, tuple)):
            return [np.asarray(a)[index] for a in data]
        return np.asarray(data)[index]

    # The whole epoch runs in the graph (batches gathered there): the same steps as a Python loop over
    # the batches, at about half the time (no Python round trip per step).
    every_x = (({k: tf.constant(np.asarray(a)) for k, a in x.items()} if isinstance(x, dict)
                else [tf.constant(np.asarray(a)) for a in x]) if isinstance(x, (dict, list, tuple))
               else tf.constant(np.asarray(x)))
    every_y = {n: tf.constant(np.asarray(targets[n])) for n in chosen}
    num_batches = rows // batch_size

    def one_batch(batch, order_of_rows):
        index = order_of_rows[batch * batch_size:(batch + 1) * batch_size]
        step(tf.nest.map_structure(lambda a: tf.gather(a, index), every_x),
             {n: tf.gather(a, index) for n, a in every_y.items()})
        return batch + 1, order_of_rows

    # autograph=False: an explicit while loop, so TensorFlow does not convert Keras's own code (half the
    # tracing time of an autograph `for` over tf.range)
    @tf.function(autograph=False)
    def epoch(order_of_rows):
        tf.while_loop(lambda batch, _: batch < num_batches, one_batch, (tf.constant(0), order_of_rows))

    keras.utils.set_random_seed(seed)
    for _ in range(epochs):
        epoch(tf.constant(rng.permutation(rows), dtype=tf.int32))
    if settle_passes and model.non_trainable_variables:  # e.g. BatchNormalization's moving statistics
        settle = tf.function(lambda batch_x: model(batch_x, training=True))
        for _ in range(settle_passes):
            settle(pick(x, rng.choice(rows, batch_size, replace=False)))


def fit_once(model: keras.Model, x, targets: dict, what: str, names: list[str] | None = None) -> float:
    """One model.fit step on a small batch with the model's own compiled optimizer, losses and loss
    weights, so that a compile() setting that only fails in fit is caught; returns the loss. Run eagerly
    (tracing the train step would cost ~2 s); each compiled loss is also traced once in a tf.function,
    where a loss that only works eagerly (numpy calls, a Python `if` on a tensor) fails as in fit.
    targets: {output name: labels}; names as in compiled_loss_functions. A model with one output that
    is not a dict is fitted on the bare labels (model.fit takes no dict of targets for it)."""
    rows = len(next(iter(targets.values())))
    y = targets
    if len(targets) == 1 and not isinstance(model(x, training=False), dict):
        y = next(iter(targets.values()))
    previous = model.run_eagerly
    try:
        model.run_eagerly = True
        history = model.fit(x, y, epochs=1, batch_size=rows, verbose=0, shuffle=False)
    except Exception as error:
        text = error_text(error, 100_000)
        cause = ""
        if "optimizer can only be called for the variables it was originally built with" in text:
            cause = (" Likely cause: one optimizer object shared by several models (e.g. created once at module "
                     "level); create the optimizer inside the builder, or pass a string such as 'adam'.")
        elif "No gradients provided for any variable" in text:
            cause = (" Likely cause: a compiled loss computed outside TensorFlow (numpy calls, .numpy(), float()), "
                     "which cuts the gradient; write a custom loss with keras.ops (or tf) operations.")
        raise AssertionError(f"{what}: one step of model.fit on {rows} examples, with the model's own compiled "
                             f"optimizer and losses, raised {type(error).__name__}: {error_text(error)}.{cause}"
                             ) from None
    finally:
        model.run_eagerly = previous
        model.train_function = None  # the eager one built above
    loss = float(history.history["loss"][-1])
    if not np.isfinite(loss):
        raise AssertionError(f"{what}: one step of model.fit on {rows} examples gives the loss {loss}; the compiled "
                             "losses must stay finite on valid labels and predictions")
    predictions = predict(model, x)
    functions = compiled_loss_functions(model, what, output_names(model) if names is None else names)
    for name, function in functions.items():
        if function is None or name not in targets or name not in predictions:
            continue
        try:
            # without autograph, as model.fit calls a compiled loss (autograph would turn a Python `if`
            # on a tensor into tf.cond here, while fit raises OperatorNotAllowedInGraphError on it)
            tf.function(lambda y_true, y_pred, f=function: f(y_true, y_pred), autograph=False)(
                tf.constant(np.asarray(targets[name], "float32")), tf.constant(predictions[name]))
        except Exception as error:
            raise AssertionError(f"{what}: the loss compiled for output '{name}' fails inside a tf.function, as "
                                 f"model.fit runs it without run_eagerly: {type(error).__name__}: "
                                 f"{error_text(error, 200)}. Write a custom loss with keras.ops (or tf) "
                                 "operations, not numpy calls or a Python `if` on a tensor") from None
    return loss
