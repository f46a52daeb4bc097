"""Behavioural checks for Keras models, shared by the exercises from ex01 on.

They look at what a model does (outputs, compiled losses evaluated on probes, gradients, training),
never at layer names or sizes, so any correct style passes: `keras` or `tensorflow.keras`, loss as
a string, a function, a Loss object, a dict or a list.
"""

from __future__ import annotations

import numpy as np

import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras
import tensorflow as tf

from mtlrec.checks import short

# ------------------------------------------------------------------------------ building
def build(builder, *args, what: str | None = None, **kwargs) -> keras.Model:
    """Call a model builder and demand a keras.Model back."""
    try:
        keras.utils.clear_session(free_memory=False)  # skips a 0.2 s garbage collection per build
    except TypeError:  # Keras before 3.4 has no free_memory argument
        keras.utils.clear_session()
    keras.utils.set_random_seed(0)
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


# ------------------------------------------------------------------------------ outputs
def output_names(model: keras.Model) -> list[str]:
    """The outputs' names: the dict keys for a model built with dict outputs, else the layer names."""
    structure = getattr(model, "_outputs_struct", None)
    return list(structure) if isinstance(structure, dict) else list(model.output_names)


def predict(model: keras.Model, inputs) -> dict[str, np.ndarray]:
    """Run the model (inference mode) and return {output name: numpy array}."""
    outputs = model(inputs, training=False)
    if isinstance(outputs, dict):
        return {name: np.asarray(value) for name, value in outputs.items()}
    if not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    return {name: np.asarray(value) for name, value in zip(output_names(model), outputs)}


def assert_output_names(model: keras.Model, expected: list[str], what: str) -> None:
    """Exactly the expected output names (order free)."""
    names = output_names(model)
    if sorted(names) != sorted(expected):
        missing = sorted(set(expected) - set(names))
        extra = sorted(set(names) - set(expected))
        raise AssertionError(
            f"{what} has outputs {names}; expected {expected}" + (f"; missing {missing}" if missing else "")
            + (f"; unexpected {extra}" if extra else "")
            + ". Name an output by the name= of the layer that produces it.")


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


def assert_inputs_matter(model: keras.Model, inputs, what: str) -> None:
    """Changing any single input must change some output."""
    keys = list(inputs) if isinstance(inputs, dict) else list(range(len(inputs)))
    base = predict(model, inputs)
    rng = np.random.default_rng(1)
    for key in keys:
        changed = dict(inputs) if isinstance(inputs, dict) else list(inputs)
        original = inputs[key]
        if original.dtype.kind in "iu":
            changed[key] = (original + 1 + rng.integers(0, 3, original.shape)) % max(int(original.max()) + 2, 2)
            changed[key] = changed[key].astype(original.dtype)
        else:
            changed[key] = (original + rng.normal(0, 2.0, original.shape)).astype(original.dtype)
        after = predict(model, changed)
        if all(np.allclose(base[name], after[name], atol=1e-6) for name in base):
            label = key if isinstance(key, str) else f"input {key}"
            raise AssertionError(f"{what}: changing {label} does not change any prediction; "
                                 "that input is not connected to the outputs")


# ------------------------------------------------------------------------------ losses
_PROBE_TRUE = np.array([[1.0], [0.0], [1.0], [0.0], [1.0], [0.0]], dtype="float32")
_PROBE_PRED = np.array([[0.8], [0.3], [0.4], [0.6], [0.9], [0.15]], dtype="float32")


def _reference_losses(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    return {
        "binary_crossentropy": float(-np.mean(y_true * np.log(y_pred) + (1 - y_true) * np.log(1 - y_pred))),
        "mean_squared_error": float(np.mean((y_true - y_pred) ** 2)),
        "mean_absolute_error": float(np.mean(np.abs(y_true - y_pred))),
        "categorical_crossentropy": float(np.mean(-np.sum(y_true * np.log(y_pred), axis=-1))),
    }


def loss_kind(loss, y_true: np.ndarray = _PROBE_TRUE, y_pred: np.ndarray = _PROBE_PRED) -> str:
    """Name the loss by evaluating it on probe labels: 'binary_crossentropy', 'mean_squared_error',
    'mean_absolute_error', 'categorical_crossentropy' or 'other'."""
    function = keras.losses.get(loss) if isinstance(loss, (str, dict)) else loss
    if function is None:
        return "none"
    value = float(np.mean(np.asarray(function(tf.constant(y_true), tf.constant(y_pred)))))
    for name, expected in _reference_losses(y_true, y_pred).items():
        if abs(value - expected) < 1e-3 * max(1.0, abs(expected)):
            return name
    return "other"


def _per_output(setting, names: list[str], what: str, default=None) -> dict:
    """Spread a compile() argument (single value, list or dict) over the output names."""
    if setting is None:
        return {name: default for name in names}
    if isinstance(setting, dict):
        return {name: setting.get(name, default) for name in names}
    if isinstance(setting, (list, tuple)):
        if len(setting) != len(names):
            raise AssertionError(f"{what}: compile() got {len(setting)} losses for {len(names)} outputs")
        return dict(zip(names, setting))
    return {name: setting for name in names}


def compiled_losses(model: keras.Model, what: str) -> dict[str, str]:
    """{output name: loss kind} from what the model was compiled with."""
    losses = _per_output(model.loss, output_names(model), what)
    return {name: loss_kind(loss) for name, loss in losses.items()}


def compiled_loss_functions(model: keras.Model, what: str) -> dict:
    """{output name: callable loss(y_true, y_pred)} from what the model was compiled with."""
    losses = _per_output(model.loss, output_names(model), what)
    return {name: (keras.losses.get(loss) if isinstance(loss, (str, dict)) else loss)
            for name, loss in losses.items()}


def compiled_loss_weights(model: keras.Model, what: str) -> dict[str, float]:
    """{output name: loss weight} (1.0 where none was given)."""
    config = getattr(getattr(model, "_compile_config", None), "config", None) or {}  # Keras 3 keeps it here
    weights = _per_output(config.get("loss_weights"), output_names(model), what, default=1.0)
    return {name: float(1.0 if w is None else w) for name, w in weights.items()}


def assert_losses(model: keras.Model, expected: dict[str, str], what: str) -> None:
    """Each named output must be compiled with the expected kind of loss."""
    kinds = compiled_losses(model, what)
    for name, kind in expected.items():
        if kinds.get(name) != kind:
            raise AssertionError(f"{what}: output '{name}' is compiled with {kinds.get(name)}; expected {kind}"
                                 + _loss_advice(kind, kinds.get(name)))


def _loss_advice(expected: str, got: str | None) -> str:
    if expected == "binary_crossentropy" and got == "mean_squared_error":
        return " (a click is a yes/no label: binary cross-entropy, not squared error)"
    if expected == "mean_squared_error" and got == "binary_crossentropy":
        return " (a rating is a quantity: squared error; are the losses swapped?)"
    if got == "categorical_crossentropy":
        return " (categorical cross-entropy makes labels compete: that is multi-class, not multi-label)"
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


def fit_quietly(model: keras.Model, x, y, *, epochs: int, batch_size: int = 256, seed: int = 0, **kwargs):
    """Seeded, silent model.fit; returns the History."""
    keras.utils.set_random_seed(seed)
    return model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0, **kwargs)
