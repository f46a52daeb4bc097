"""Checks for ex02_transfer (notebook 02): transfer_layers and fit_embedding_mapping.

transfer_layers is checked on small click models the check builds itself, the same 30 users in every
domain, every weight (biases and BatchNorm statistics too) set to its own random values:
- scenario A, functional, one output, Adam: a source (12 items) and a target (9 items) whose user
  side has layers of three kinds, an Embedding, a Dense (kernel and bias) and a BatchNormalization
  (whose moving statistics are weights that are not trainable). They are transferred frozen; after
  training, the Dense one is thawed; a further transfer from another source lands in a layer that is
  frozen at the time (it has no trainable weights then).
- scenario B, subclassed keras.Models whose layers come in different orders: a one-output source
  and a two-head target (click and rating, SGD with momentum, loss weights), fine-tuned from the
  start (freeze=False), a head and an embedding transferred.
What is copied, what is left alone, the compile settings kept, and what training does afterwards.
fit_embedding_mapping is compared with the ridge formula of its docstring, computed here in float64;
the tolerances are relative and loose enough for an answer computed in float32.
"""

from __future__ import annotations

import numpy as np

import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras
from keras import layers

from mtlrec.checks import as_array, expect_value_error, learner_line, short
from mtlrec.checks.keras_tools import compiled_loss_weights, compiled_losses, fit_quietly

NUM_USERS, SOURCE_ITEMS, TARGET_ITEMS, OTHER_ITEMS, TWO_HEAD_ITEMS = 30, 12, 9, 7, 5
STATISTICS = ("moving_mean", "moving_variance")  # BatchNormalization's weights that are not trainable
DIM, TOWER = 4, 3  # user embedding width; user tower width (a kernel (4, 3): a transposed copy cannot fit)


# ------------------------------------------------------------------------------ transfer_layers: models
def _randomise(model: keras.Model, seed: int) -> None:
    """Give every weight its own random values (Dense biases and BatchNorm statistics too, not their
    initial zeros and ones), so that a copy which misses one of them shows."""
    rng = np.random.default_rng(seed)
    for variable in model.weights:
        shape = tuple(variable.shape)
        values = rng.uniform(0.5, 1.5, shape) if "variance" in variable.path else rng.normal(0.0, 0.4, shape)
        variable.assign(values.astype("float32"))


def _functional_clicks(num_items: int, seed: int) -> keras.Model:
    """Scenario A: a compiled functional click model; user side Embedding -> Dense -> BatchNormalization."""
    keras.utils.set_random_seed(seed)
    user_id = keras.Input(shape=(), dtype="int32", name="user_id")
    item_id = keras.Input(shape=(), dtype="int32", name="item_id")
    user_vector = layers.Embedding(NUM_USERS, DIM, name="user_embedding")(user_id)  # (batch, DIM)
    user_vector = layers.Dense(TOWER, name="user_tower")(user_vector)  # (batch, TOWER)
    user_vector = layers.BatchNormalization(name="user_norm")(user_vector)  # (batch, TOWER)
    user_bias = layers.Embedding(NUM_USERS, 1, name="user_bias")(user_id)  # (batch, 1)
    item_vector = layers.Embedding(num_items, TOWER, name="item_embedding")(item_id)  # (batch, TOWER)
    affinity = layers.Dot(axes=1, name="affinity")([user_vector, item_vector])  # (batch, 1)
    joined = layers.Concatenate(name="joined")([affinity, user_bias])  # (batch, 2)
    click = layers.Dense(1, activation="sigmoid", name="click")(joined)  # (batch, 1)
    model = keras.Model({"user_id": user_id, "item_id": item_id}, click)
    _randomise(model, seed)
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy")
    return model


class _SourceClicks(keras.Model):
    """Scenario B's source: a subclassed one-output click model; its layers in this order."""

    def __init__(self, num_items: int):
        super().__init__(name="source_clicks")
        self.item_embedding = layers.Embedding(num_items, TOWER, name="item_embedding")
        self.user_embedding = layers.Embedding(NUM_USERS, DIM, name="user_embedding")
        self.user_tower = layers.Dense(TOWER, name="user_tower")
        self.click = layers.Dense(1, activation="sigmoid", name="click")

    def call(self, inputs):
        user_vector = self.user_tower(self.user_embedding(inputs["user_id"]))  # (batch, TOWER)
        return self.click(user_vector * self.item_embedding(inputs["item_id"]))  # (batch, 1)


class _TwoHeads(keras.Model):
    """Scenario B's target: a subclassed click-and-rating model; the same names in another order."""

    def __init__(self, num_items: int):
        super().__init__(name="two_heads")
        self.rating = layers.Dense(1, name="rating")
        self.click = layers.Dense(1, activation="sigmoid", name="click")
        self.user_bias = layers.Embedding(NUM_USERS, 1, name="user_bias")
        self.item_embedding = layers.Embedding(num_items, TOWER, name="item_embedding")
        self.user_tower = layers.Dense(TOWER, name="user_tower")
        self.user_embedding = layers.Embedding(NUM_USERS, DIM, name="user_embedding")

    def call(self, inputs):
        user_vector = self.user_tower(self.user_embedding(inputs["user_id"]))  # (batch, TOWER)
        joined = user_vector * self.item_embedding(inputs["item_id"])  # (batch, TOWER)
        rating = self.rating(joined) + self.user_bias(inputs["user_id"])  # (batch, 1)
        return {"click": self.click(joined), "rating": rating}


def _subclassed(model: keras.Model, seed: int) -> keras.Model:
    """Build a subclassed model by calling it once, then randomise its weights."""
    keras.utils.set_random_seed(seed)
    model({"user_id": np.zeros(2, "int32"), "item_id": np.zeros(2, "int32")})
    _randomise(model, seed)
    return model


def _click_data(num_items: int, seed: int, size: int = 600):
    """Ids, clicks and ratings from a hidden rank-2 taste, so the models have something to learn."""
    rng = np.random.default_rng(seed)
    users = rng.integers(0, NUM_USERS, size).astype("int32")
    items = rng.integers(0, num_items, size).astype("int32")
    taste = np.random.default_rng(99).normal(size=(NUM_USERS, 2))  # the same users in every domain
    affinity = np.einsum("nd,nd->n", taste[users], rng.normal(size=(num_items, 2))[items])
    ids = {"user_id": users, "item_id": items}
    return ids, (affinity > 0).astype("float32"), (3.0 + affinity).astype("float32")


# ------------------------------------------------------------------------------ transfer_layers: tools
def _weights(model: keras.Model, name: str) -> list[np.ndarray]:
    return [np.array(w) for w in model.get_layer(name).get_weights()]


def _snapshot(model: keras.Model) -> dict[str, list[np.ndarray]]:
    """{layer name: its weights} for every layer that has weights."""
    return {layer.name: _weights(model, layer.name) for layer in model.layers if layer.weights}


def _same(first: list[np.ndarray], second: list[np.ndarray]) -> bool:
    return len(first) == len(second) and all(a.shape == b.shape and np.array_equal(a, b) for a, b in zip(first, second))


def _trainable(model: keras.Model) -> dict[str, bool]:
    return {layer.name: bool(layer.trainable) for layer in model.layers if layer.weights}


def _compile_settings(model: keras.Model, what: str) -> dict:
    """What transfer_layers must keep: optimizer class and settings, loss per output, loss weights."""
    optimizer = model.optimizer
    settings = {key: value for key, value in optimizer.get_config().items() if key != "name"}
    return {"optimizer": type(optimizer).__name__, "settings": settings,
            "losses": compiled_losses(model, what), "loss_weights": compiled_loss_weights(model, what)}


def _differs(first, second) -> bool:
    if isinstance(first, (int, float)) and isinstance(second, (int, float)) and not isinstance(first, bool):
        return not np.isclose(first, second, rtol=1e-6)
    return first != second


def _setting(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else repr(value)


def _call(impl, args, kwargs: dict, what: str, hint: str = ""):
    """transfer_layers(*args, **kwargs); it must return the target model itself."""
    try:
        returned = impl.transfer_layers(*args, **kwargs)
    except NotImplementedError:
        raise
    except Exception as error:
        raise AssertionError(f"{what} raised {type(error).__name__}: {str(error).strip()[:300]}"
                             f"{learner_line(error)}{hint}") from None
    if returned is not args[1]:
        raise AssertionError(f"{what} returned {short(returned)}; expected the target model itself (change it "
                             "in place and `return target_model`)")
    return returned


def _assert_copied(target: keras.Model, names, source_weights: dict, what: str, frozen_before=()) -> None:
    """Each named target layer holds exactly the source layer's weights, trainable or not."""
    for name in names:
        layer = target.get_layer(name)
        got, expected = _weights(target, name), source_weights[name]
        if _same(got, expected):
            continue
        missed = [k for k, (a, b) in enumerate(zip(got, expected)) if a.shape != b.shape or not np.array_equal(a, b)]
        if not missed:  # a different number of weights
            raise AssertionError(f"after {what}, the target's '{name}' layer has {len(got)} weights; the source's "
                                 f"has {len(expected)}")
        missed_names = [layer.weights[k].name for k in missed]
        cause = ""
        if set(missed_names) <= set(STATISTICS):
            cause = (" Likely cause: only the trainable weights were copied (trainable_weights); a "
                     "BatchNormalization's moving statistics are weights too: set_weights(get_weights()) copies "
                     "all of them.")
        elif len(missed) < len(got):
            cause = " Likely cause: only some of the layer's weights were copied; copy all of get_weights()."
        elif frozen_before and name in frozen_before:
            cause = (" The layer was frozen before the call, so it had no trainable weights. Likely cause: only "
                     "trainable_weights were copied; set_weights(get_weights()) copies all of them.")
        first = missed[0]
        raise AssertionError(
            f"after {what}, the target's '{name}' layer ({type(layer).__name__}) has weights {missed_names} that "
            f"differ from the source's: its {missed_names[0]} is {short(got[first])}, expected "
            f"{short(expected[first])}.{cause} (copy with target_layer.set_weights(source_layer.get_weights()), "
            "from source to target)")


def _assert_unchanged(model: keras.Model, before: dict, names, what: str, whose: str, advice: str) -> None:
    for name in names:
        if not _same(_weights(model, name), before[name]):
            raise AssertionError(f"{what} changed the {whose} '{name}' layer; {advice}")


def _assert_source_kept(source: keras.Model, weights: dict, trainable: dict, what: str, advice: str) -> None:
    """The source model keeps its weights and its trainable settings."""
    _assert_unchanged(source, weights, weights, what, "source model's", advice)
    if _trainable(source) != trainable:
        changed = sorted(name for name, value in _trainable(source).items() if trainable.get(name) != value)
        raise AssertionError(f"{what} changed the trainable setting of the source model's {changed}; the source "
                             "is left unchanged: set `trainable` on the target's layers")


def _assert_compile_kept(target: keras.Model, before: dict, what: str) -> None:
    """The target is compiled again with its own optimizer class and settings, losses and loss weights."""
    if not getattr(target, "compiled", False) or target.optimizer is None:
        raise AssertionError(f"after {what} the target model is not compiled; compile it again before returning it")
    after = _compile_settings(target, what)
    keep = ("compile again with the model's own settings: target_model.compile_from_config("
            "target_model.get_compile_config()) keeps them all and makes a fresh optimizer")
    if after["optimizer"] != before["optimizer"]:
        raise AssertionError(f"after {what} the target is compiled with {after['optimizer']}; expected its own "
                             f"{before['optimizer']}. Likely cause: an optimizer class hard-coded in compile(); "
                             + keep)
    changed = {key: (after["settings"].get(key), value) for key, value in before["settings"].items()
               if _differs(after["settings"].get(key), value)}
    if changed:
        text = ", ".join(f"{key}={_setting(got)} instead of {_setting(value)}" for key, (got, value) in changed.items())
        cause = " Likely cause: a new optimizer with its default or a hard-coded learning rate;"
        if "learning_rate" not in changed:
            cause = " Likely cause: a new optimizer built with the learning rate only;"
        raise AssertionError(f"after {what} the target's {after['optimizer']} has {text}; expected all of its "
                             f"own settings.{cause} {keep}")
    if after["losses"] != before["losses"]:
        raise AssertionError(f"after {what} the target is compiled with the losses {after['losses']}; expected its "
                             f"own {before['losses']}: {keep}")
    if after["loss_weights"] != before["loss_weights"]:
        raise AssertionError(f"after {what} the target's loss weights are {after['loss_weights']}; expected its "
                             f"own {before['loss_weights']}. Likely cause: compile() called again without "
                             f"loss_weights=...; {keep}")


def _fit(model: keras.Model, data, epochs: int, what: str):
    """fit() after the learner's call, turning Keras's own errors into advice."""
    try:
        return fit_quietly(model, data[0], data[1], epochs=epochs, batch_size=100)
    except ValueError as error:
        if "Unknown variable" in str(error) or "originally built" in str(error):
            raise AssertionError(
                f"fit() after {what} raised: {str(error).splitlines()[0][:200]}. Likely cause: compile() got the "
                "model's old optimizer object, which only knows the variables it was built with; give "
                "compile() a fresh optimizer, e.g. target_model.compile_from_config("
                "target_model.get_compile_config())") from None
        raise AssertionError(f"fit() after {what} raised {type(error).__name__}: {error}") from None


SOURCE_STAYS = "the source must stay as it is (copy from source to target, not the other way)"
NOT_COMPILED_AGAIN = ("Likely cause: `trainable` was set but the model was not compiled again; Keras keeps the "
                      "training step it built at the first fit() until compile() is called")


# ------------------------------------------------------------------------------ transfer_layers: scenarios
def _scenario_functional(impl, source: keras.Model, target: keras.Model, other_source: keras.Model) -> None:
    """A: three kinds of layer frozen, then one thawed after training, then a copy into a frozen layer."""
    ids, clicks, _ = _click_data(TARGET_ITEMS, 2)
    data = (ids, clicks)
    source_before, target_before, source_trainable = _snapshot(source), _snapshot(target), _trainable(source)
    compile_before = _compile_settings(target, "the target model")

    names = ["user_tower", "user_embedding", "user_norm"]  # a Dense, an Embedding, a BatchNormalization
    others = ["user_bias", "item_embedding", "click"]
    what = f"transfer_layers(source, target, {names}, freeze=True)"
    _call(impl, (source, target, list(names)), {"freeze": True}, what)
    _assert_source_kept(source, source_before, source_trainable, what, SOURCE_STAYS)
    _assert_copied(target, names, source_before, what)
    _assert_unchanged(target, target_before, others, what, "target's",
                      "it was not asked for: transfer only the layers named in layer_names")
    trainable = _trainable(target)
    if any(trainable[name] for name in names):
        raise AssertionError(f"after {what}, the transferred layers have trainable="
                             f"{ {name: trainable[name] for name in names} }; freeze=True must set trainable=False "
                             "on each of them")
    if not all(trainable[name] for name in others):
        raise AssertionError(f"after {what}, layers that were not transferred are frozen "
                             f"({ {name: trainable[name] for name in others} }); freeze only the layers named in "
                             "layer_names, not the whole model")
    _assert_compile_kept(target, compile_before, what)

    history = _fit(target, data, 4, what)
    for name in names:
        if not _same(_weights(target, name), source_before[name]):
            raise AssertionError(f"after {what} and fit(), the frozen layer '{name}' changed. {NOT_COMPILED_AGAIN}")
    if _same(_weights(target, "item_embedding"), target_before["item_embedding"]):
        raise AssertionError(f"after {what} and fit(), the target's item_embedding did not change: only the "
                             "transferred layers may be frozen, the rest of the model must still train")
    losses = history.history["loss"]
    if not losses[-1] < losses[0]:
        raise AssertionError(f"after {what}, fit() did not lower the training loss ({losses[0]:.4f} -> "
                             f"{losses[-1]:.4f}); the transferred model must still learn")

    # the target has now been trained with user_tower frozen: its training step and optimizer know
    # nothing of user_tower, so thawing it needs a new compile() with a fresh optimizer
    what = "transfer_layers(source, target, ['user_tower'], freeze=False) on the trained target (user_tower frozen)"
    _call(impl, (source, target, ["user_tower"]), {"freeze": False}, what)
    trainable = _trainable(target)
    if not trainable["user_tower"]:
        raise AssertionError(f"after {what}, 'user_tower' is still frozen; freeze=False must set trainable=True "
                             "(thawing a layer frozen earlier is the fine-tuning step)")
    thawed = [name for name in ("user_embedding", "user_norm") if trainable[name]]
    if thawed:
        raise AssertionError(f"{what} thawed {thawed} too; change only the layers named in layer_names (every "
                             "other layer keeps its trainable setting)")
    _assert_compile_kept(target, compile_before, what)
    _fit(target, data, 2, what)
    if _same(_weights(target, "user_tower"), source_before["user_tower"]):
        raise AssertionError(f"after {what} and fit(), 'user_tower' did not change: a fine-tuned layer must "
                             f"train. {NOT_COMPILED_AGAIN}")
    for name in ("user_embedding", "user_norm"):
        if not _same(_weights(target, name), source_before[name]):
            raise AssertionError(f"after {what} and fit(), the still frozen '{name}' changed")
    _assert_source_kept(source, source_before, source_trainable, "training the target after " + what,
                        "copy the values, do not share the layer or its variables")

    # user_embedding is frozen now: it has no trainable weights to copy into
    other_before = _snapshot(other_source)
    what = ("transfer_layers(another_source, target, ['user_embedding']) (freeze left at its default; the "
            "target's user_embedding is frozen at the time)")
    _call(impl, (other_source, target, ["user_embedding"]), {}, what)
    _assert_copied(target, ["user_embedding"], other_before, what, frozen_before=["user_embedding"])
    if target.get_layer("user_embedding").trainable:
        raise AssertionError(f"after {what} the layer is trainable; the default is freeze=True")

    expect_value_error(impl.transfer_layers, (source, target, ["item_embedding"]),
                       "transfer_layers(source, target, ['item_embedding']) (12 source items, 9 target items)",
                       "the weight shapes differ, so the copy is impossible (set_weights raises it for you)")
    for names, why in ((["no_such_layer"], "neither model has that layer"),
                       (["user_norm"], "the other source has no 'user_norm' layer (only the target has)")):
        expect_value_error(impl.transfer_layers, (other_source, target, names),
                           f"transfer_layers(another_source, target, {names})",
                           f"{why}; model.get_layer raises it for you")


def _scenario_subclassed(impl, source: keras.Model, target: keras.Model) -> None:
    """B: subclassed models, layers in different orders, two heads with loss weights, fine-tuned at once."""
    ids, clicks, ratings = _click_data(TWO_HEAD_ITEMS, 3, size=200)
    source_before, target_before, source_trainable = _snapshot(source), _snapshot(target), _trainable(source)
    compile_before = _compile_settings(target, "the two-head target model")
    names = ["click", "user_embedding"]  # a Dense head and an Embedding
    others = ["rating", "user_bias", "item_embedding", "user_tower"]
    what = (f"transfer_layers(source, target, {names}, freeze=False) on subclassed models whose layers come in "
            "different orders (a one-output source; a target with click and rating heads)")
    _call(impl, (source, target, list(names)), {"freeze": False}, what,
          "; likely cause: layers paired by position (zip of model.layers); find each one by name with "
          "model.get_layer(name)")
    _assert_source_kept(source, source_before, source_trainable, what, SOURCE_STAYS)
    _assert_copied(target, names, source_before, what)
    for name in others:
        got = _weights(target, name)
        if _same(got, target_before[name]):
            continue
        paired = [other for other, weights in source_before.items() if _same(got, weights)]
        cause = (f" It now holds the source's '{paired[0]}' weights: layers paired by position (zip of "
                 "model.layers) instead of by name; use model.get_layer(name)") if paired else ""
        raise AssertionError(f"{what} changed the target's '{name}' layer, which was not asked for.{cause}")
    trainable = _trainable(target)
    if not all(trainable.values()):
        raise AssertionError(f"after {what}, some layers are frozen: {trainable}; freeze=False leaves every "
                             "transferred layer trainable and the others as they were (all trainable here)")
    _assert_compile_kept(target, compile_before, what)
    history = _fit(target, (ids, {"click": clicks, "rating": ratings}), 1, what)
    if not all(np.isfinite(value) for value in history.history["loss"]):
        raise AssertionError(f"after {what}, fit() gave the loss {history.history['loss']}")
    for name in names:
        if _same(_weights(target, name), source_before[name]):
            raise AssertionError(f"after {what} and fit(), '{name}' did not change: freeze=False fine-tunes it")
    _assert_source_kept(source, source_before, source_trainable, "training the target after " + what,
                        "copy the values, do not share the layer or its variables")


def check_transfer_layers(impl) -> None:
    """Copies exactly the named layers of any kind, freezes or thaws them, keeps the rest and the compile."""
    source = _functional_clicks(SOURCE_ITEMS, seed=1)  # its own random weights stand in for trained ones
    target = _functional_clicks(TARGET_ITEMS, seed=2)  # compiled, not trained yet
    other_source = _subclassed(_SourceClicks(OTHER_ITEMS), seed=3)
    two_heads = _subclassed(_TwoHeads(TWO_HEAD_ITEMS), seed=4)
    # run_eagerly saves tracing a training step; harmless here, as this target was never trained before the call
    two_heads.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1, momentum=0.6),
                      loss={"click": "binary_crossentropy", "rating": "mean_squared_error"},
                      loss_weights={"click": 1.0, "rating": 0.25}, run_eagerly=True)
    _scenario_functional(impl, source, target, other_source)
    _scenario_subclassed(impl, other_source, two_heads)


# ------------------------------------------------------------------------------ fit_embedding_mapping
def _ridge(source: np.ndarray, target: np.ndarray, l2: float):
    """The docstring's formula in float64: centre, solve the ridge normal equations, intercept from the means."""
    source, target = np.asarray(source, np.float64), np.asarray(target, np.float64)
    source_mean, target_mean = source.mean(axis=0), target.mean(axis=0)
    centred = source - source_mean
    weights = np.linalg.solve(centred.T @ centred + l2 * np.eye(source.shape[1]), centred.T @ (target - target_mean))
    return weights, target_mean - source_mean @ weights


def _row_centred_ridge(source: np.ndarray, target: np.ndarray, l2: float) -> np.ndarray:
    """The weights of the ridge formula with the means taken over the wrong axis (each user's row)."""
    source, target = np.asarray(source, np.float64), np.asarray(target, np.float64)
    source, target = source - source.mean(axis=1, keepdims=True), target - target.mean(axis=1, keepdims=True)
    return np.linalg.solve(source.T @ source + l2 * np.eye(source.shape[1]), source.T @ target)


def _close(actual: np.ndarray, expected: np.ndarray) -> bool:
    """Equal up to float32 round-off (relative to the largest expected value)."""
    return np.allclose(actual, expected, rtol=1e-4, atol=1e-4 * max(1.0, float(np.abs(expected).max())))


def _mapping(impl, source, target, l2, what):
    """Call fit_embedding_mapping (l2=None: leave it at its default); demand (weights, bias) of the right
    shapes and the inputs left unchanged."""
    source_before, target_before = source.copy(), target.copy()
    result = impl.fit_embedding_mapping(source, target) if l2 is None else impl.fit_embedding_mapping(source, target,
                                                                                                      l2)
    for name, given, before in (("source_vectors", source, source_before), ("target_vectors", target, target_before)):
        if not np.array_equal(given, before):
            centred = np.allclose(given.mean(axis=0), 0.0, atol=1e-5)
            raise AssertionError(f"{what} changed its argument {name} in place"
                                 + (" (its columns now have mean 0: centred with -=)" if centred else "")
                                 + "; the inputs must be left unchanged: compute a centred copy, e.g. "
                                 "source_centred = source_vectors - source_vectors.mean(axis=0)")
    if not isinstance(result, tuple) or len(result) != 2:
        raise AssertionError(f"{what} returned {short(result)}; expected a tuple (weights, bias)")
    source_dim, target_dim = source.shape[1], target.shape[1]
    weights, bias = result
    if isinstance(weights, np.ndarray) and weights.shape == (target_dim, source_dim) and source_dim != target_dim:
        raise AssertionError(f"{what} returned weights of shape {weights.shape}; expected (source_dim, target_dim) = "
                             f"{(source_dim, target_dim)} so that source_vectors @ weights is a target vector "
                             "(transposed, or mapping target to source?)")
    weights = as_array(weights, f"{what} (weights)", shape=(source_dim, target_dim), dtype_kind="f")
    bias = as_array(np.asarray(bias) if np.isscalar(bias) else bias, f"{what} (bias)", shape=(target_dim,),
                    dtype_kind="f")
    return weights, bias


def _mapping_cause(weights, bias, source, target, l2, default: bool) -> str:
    """The likely cause of a wrong (weights, bias), when it is one of the usual slips."""
    expected_weights = _ridge(source, target, l2)[0]
    if np.allclose(bias, 0.0) and not _close(weights, expected_weights):
        return (" Likely cause: no intercept; centre both matrices (or add a column of ones) and return "
                "b = mean(target) - mean(source) @ W.")
    if default and not _close(weights, expected_weights):
        zero = _close(weights, _ridge(source, target, 0.0)[0])
        return (f" Likely cause: the default of l2 is {'0' if zero else 'not 1.0'}; the signature promises "
                "fit_embedding_mapping(source_vectors, target_vectors, l2=1.0).")
    for used, cause in ((0.0, "l2 is ignored (plain least squares); add l2 * I to S_c^T S_c"),
                        (l2 * len(source), "l2 scaled by the number of users; the penalty is l2 * ||W||^2 on the "
                                           "sum of squared errors, not on their mean"),
                        (l2 / len(source), "l2 divided by the number of users; the penalty is l2 * ||W||^2 on the "
                                           "sum of squared errors"),
                        (2 * l2, "the penalty doubled (2 * l2); (S_c^T S_c + l2 I) W = S_c^T T_c has l2 once"),
                        (l2 / 2, "the penalty halved (l2 / 2); (S_c^T S_c + l2 I) W = S_c^T T_c has l2 once"),
                        (1.0, "l2 is ignored and 1.0 used whatever is passed (the default hard-coded)")):
        if used != l2 and _close(weights, _ridge(source, target, used)[0]):
            return f" Likely cause: {cause}."
    if _close(weights, expected_weights):
        return " The weights are right; the bias is not: b = mean(target) - mean(source) @ W (means over users)."
    if _close(weights, _row_centred_ridge(source, target, l2)):
        return (" Likely cause: each user's row was centred (mean over axis=1); centre the columns, mean(axis=0): "
                "one mean per dimension, over the users.")
    return (" Likely cause: the intercept is penalised too (a column of ones inside the ridge), or the data are not "
            "centred; centre both matrices so that only W is shrunk.")


def check_fit_embedding_mapping(impl) -> None:
    """Recovers an exact linear map, matches the ridge formula for several l2 (and the default), keeps the
    intercept out of the penalty, works for either shape of map, on float32 embeddings, inputs unchanged."""
    rng = np.random.default_rng(0)
    source = rng.normal(0.5, 1.0, (60, 5))  # column means away from 0: an intercept matters
    true_weights, true_bias = rng.normal(size=(5, 3)), np.array([1.0, -2.0, 0.5])
    exact = source @ true_weights + true_bias
    noisy = exact + rng.normal(0.0, 0.5, exact.shape)
    noisy[:, 0] += 3.0  # a large mean: a penalised intercept would be pulled visibly towards 0
    wide_source = rng.normal(-0.7, 1.0, (40, 2)).astype("float32")  # float32, like Keras embeddings
    wide_target = (wide_source @ rng.normal(size=(2, 6)) + rng.normal(0.0, 0.3, (40, 6)) + 2.0).astype("float32")
    few_source, few_target = rng.normal(size=(3, 5)), rng.normal(1.0, 1.0, (3, 2))  # fewer users than dimensions
    for probe_source, probe_target, l2, what in (
            (source, exact, 0.0, "fit_embedding_mapping(source (60, 5), target = source @ W + b (60, 3), l2=0.0) "
                                 "(an exact linear map to recover)"),
            (source, noisy, 5.0, "fit_embedding_mapping(source (60, 5), noisy target (60, 3), l2=5.0)"),
            (source, noisy, 40.0, "fit_embedding_mapping(source (60, 5), noisy target (60, 3), l2=40.0)"),
            (source, noisy, None, "fit_embedding_mapping(source (60, 5), noisy target (60, 3)) (l2 left at its "
                                  "default, 1.0)"),
            (wide_source, wide_target, 3.0, "fit_embedding_mapping(float32 source (40, 2), float32 target (40, 6), "
                                            "l2=3.0)"),
            (few_source, few_target, 0.5, "fit_embedding_mapping(source (3, 5), target (3, 2), l2=0.5) (fewer users "
                                          "than dimensions: only the penalty makes it solvable)")):
        l2_used = 1.0 if l2 is None else l2
        expected_weights, expected_bias = _ridge(probe_source, probe_target, l2_used)  # the exact map when l2=0
        weights, bias = _mapping(impl, probe_source, probe_target, l2, what)
        if _close(weights, expected_weights) and _close(bias, expected_bias):
            continue
        cause = _mapping_cause(weights, bias, probe_source, probe_target, l2_used, default=l2 is None)
        raise AssertionError(f"{what} returned weights {short(weights)}, bias {short(bias)}; expected "
                             f"{short(expected_weights)}, {short(expected_bias)}.{cause}")


PARTS = {"transfer_layers": check_transfer_layers, "fit_embedding_mapping": check_fit_embedding_mapping}
TIMEOUTS = {"transfer_layers": 60, "fit_embedding_mapping": 10}
