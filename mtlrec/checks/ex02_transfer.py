"""Checks for ex02_transfer (notebook 02): transfer_layers and fit_embedding_mapping.

transfer_layers is checked on two tiny click models the check builds itself (a source domain with
12 items, a target domain with 9, the same 30 users): what is copied, what is left alone, and what
training does afterwards (frozen weights stay put, thawed ones move, the rest still learns).
fit_embedding_mapping is compared with the ridge formula of its docstring, computed here in numpy.
"""

from __future__ import annotations

import numpy as np

import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras
from keras import layers

from mtlrec.checks import as_array, short
from mtlrec.checks.keras_tools import compiled_losses, fit_quietly

NUM_USERS, SOURCE_ITEMS, TARGET_ITEMS, DIM = 30, 12, 9, 4
TRANSFERRED = ["user_embedding", "user_bias"]


# ------------------------------------------------------------------------------ transfer_layers
def _click_model(num_users: int, num_items: int, seed: int) -> keras.Model:
    """A small compiled click model with user_embedding, user_bias, item_embedding and click layers."""
    keras.utils.set_random_seed(seed)
    user_id = keras.Input(shape=(), dtype="int32", name="user_id")
    item_id = keras.Input(shape=(), dtype="int32", name="item_id")
    start = keras.initializers.RandomNormal(stddev=0.3)
    user_vector = layers.Embedding(num_users, DIM, embeddings_initializer=start, name="user_embedding")(user_id)
    user_bias = layers.Embedding(num_users, 1, embeddings_initializer=start, name="user_bias")(user_id)
    item_vector = layers.Embedding(num_items, DIM, embeddings_initializer=start, name="item_embedding")(item_id)
    affinity = layers.Dot(axes=1, name="affinity")([user_vector, item_vector])  # (batch, 1)
    joined = layers.Concatenate(name="joined")([affinity, user_bias])  # (batch, 2)
    click = layers.Dense(1, activation="sigmoid", name="click")(joined)  # (batch, 1)
    model = keras.Model({"user_id": user_id, "item_id": item_id}, click)
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy")
    return model


def _click_data(num_items: int, seed: int, size: int = 600):
    """Ids and clicks from a hidden rank-2 taste, so the models have something to learn."""
    rng = np.random.default_rng(seed)
    users = rng.integers(0, NUM_USERS, size).astype("int32")
    items = rng.integers(0, num_items, size).astype("int32")
    taste = np.random.default_rng(99).normal(size=(NUM_USERS, 2))  # the same users in both domains
    item_taste = rng.normal(size=(num_items, 2))
    clicks = (np.einsum("nd,nd->n", taste[users], item_taste[items]) > 0).astype("float32")
    return {"user_id": users, "item_id": items}, clicks


def _weights(model: keras.Model, name: str) -> list[np.ndarray]:
    return [np.array(w) for w in model.get_layer(name).get_weights()]


def _same(first: list[np.ndarray], second: list[np.ndarray]) -> bool:
    return len(first) == len(second) and all(a.shape == b.shape and np.array_equal(a, b) for a, b in zip(first, second))


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


def _learning_rate(model: keras.Model) -> float:
    return float(np.asarray(model.optimizer.learning_rate))


def check_transfer_layers(impl) -> None:
    """Copies exactly the named layers, freezes or thaws them for the next fit, keeps the rest."""
    target_data = _click_data(TARGET_ITEMS, 2)
    source = _click_model(NUM_USERS, SOURCE_ITEMS, seed=1)  # its own seeded weights stand in for trained ones
    target = _click_model(NUM_USERS, TARGET_ITEMS, seed=2)  # compiled, not trained yet
    source_before = {layer.name: _weights(source, layer.name) for layer in source.layers if layer.weights}
    others = ["item_embedding", "click"]
    others_before = {name: _weights(target, name) for name in others}
    optimizer_class, learning_rate = type(target.optimizer), _learning_rate(target)

    what = f"transfer_layers(source, target, {TRANSFERRED}, freeze=True)"
    returned = impl.transfer_layers(source, target, list(TRANSFERRED), freeze=True)
    if returned is not target:
        raise AssertionError(f"{what} returned {short(returned)}; expected the target model itself (change it "
                             "in place and `return target_model`)")
    for name in TRANSFERRED:
        if not _same(_weights(target, name), source_before[name]):
            raise AssertionError(f"after {what}, the target's '{name}' weights differ from the source's "
                                 f"{short(source_before[name][0])}; copy them with "
                                 "target_layer.set_weights(source_layer.get_weights()) (source to target)")
    for name in others:
        if not _same(_weights(target, name), others_before[name]):
            raise AssertionError(f"{what} changed the target's '{name}' layer, which was not asked for: "
                                 "transfer only the layers named in layer_names")
    for name, before in source_before.items():
        if not _same(_weights(source, name), before):
            raise AssertionError(f"{what} changed the source model's '{name}' layer; the source must stay as it "
                                 "is (copy from source to target, not the other way)")
    frozen = {layer.name: layer.trainable for layer in target.layers if layer.weights}
    if any(frozen[name] for name in TRANSFERRED):
        raise AssertionError(f"after {what}, the transferred layers have trainable={[frozen[n] for n in TRANSFERRED]}; "
                             "freeze=True must set trainable=False on each of them")
    if not all(frozen[name] for name in others):
        raise AssertionError(f"after {what}, layers that were not transferred are frozen "
                             f"({ {n: frozen[n] for n in others} }); freeze only the layers named in layer_names, "
                             "not the whole model")
    if not getattr(target, "compiled", False) or target.optimizer is None:
        raise AssertionError(f"after {what} the target model is not compiled; compile it again before returning it")
    if compiled_losses(target, what) != {"click": "binary_crossentropy"}:
        raise AssertionError(f"after {what} the target is compiled with {compiled_losses(target, what)}; expected "
                             "its own loss, binary cross-entropy: compile again with the model's own settings")
    if type(target.optimizer) is not optimizer_class or not np.isclose(_learning_rate(target), learning_rate):
        raise AssertionError(f"after {what} the target's optimizer is {type(target.optimizer).__name__} with learning "
                             f"rate {_learning_rate(target):.3g}; expected its own {optimizer_class.__name__} with "
                             f"{learning_rate:.3g} (compile_from_config(get_compile_config()) keeps them)")

    history = _fit(target, target_data, 4, what)
    for name in TRANSFERRED:
        if not _same(_weights(target, name), source_before[name]):
            raise AssertionError(
                f"after {what} and fit(), the frozen layer '{name}' changed. Likely cause: `trainable` was set but "
                "the model was not compiled again; Keras keeps the training step it built at the first fit() "
                "until compile() is called")
    if _same(_weights(target, "item_embedding"), others_before["item_embedding"]):
        raise AssertionError(f"after {what} and fit(), the target's item_embedding did not change: only the "
                             "transferred layers may be frozen, the rest of the model must still train")
    losses = history.history["loss"]
    if not losses[-1] < losses[0]:
        raise AssertionError(f"after {what}, fit() did not lower the training loss ({losses[0]:.4f} -> "
                             f"{losses[-1]:.4f}); the transferred model must still learn")

    # the target has now been trained with user_bias frozen: its training step and optimizer know
    # nothing of user_bias, so thawing it needs a new compile() with a fresh optimizer
    what = "transfer_layers(source, target, ['user_bias'], freeze=False) on the trained target (user_bias frozen)"
    returned = impl.transfer_layers(source, target, ["user_bias"], freeze=False)
    if returned is not target:
        raise AssertionError(f"{what} returned {short(returned)}; expected the target model itself")
    if not target.get_layer("user_bias").trainable:
        raise AssertionError(f"after {what}, 'user_bias' is still frozen; freeze=False must set "
                             "trainable=True (thawing a layer frozen earlier is the fine-tuning step)")
    if target.get_layer("user_embedding").trainable:
        raise AssertionError(f"{what} thawed 'user_embedding' too; change only the layers named in layer_names")
    copied = _weights(target, "user_bias")
    _fit(target, target_data, 2, what)
    if _same(_weights(target, "user_bias"), copied):
        raise AssertionError(f"after {what} and fit(), 'user_bias' did not change: a fine-tuned layer must "
                             "train. Likely cause: `trainable` was set but the model was not compiled again; "
                             "Keras keeps the training step it built at the first fit() until compile() is called")
    if not _same(_weights(target, "user_embedding"), source_before["user_embedding"]):
        raise AssertionError(f"after {what} and fit(), the still frozen 'user_embedding' changed")
    if not _same(_weights(source, "user_bias"), source_before["user_bias"]):
        raise AssertionError("training the target after transfer_layers(..., freeze=False) changed the source "
                             "model's user_bias: copy the values, do not share the layer or its variables")

    what = "transfer_layers(source, target, ['user_embedding']) (freeze left at its default)"
    impl.transfer_layers(source, target, ["user_embedding"])
    if target.get_layer("user_embedding").trainable:
        raise AssertionError(f"after {what} the layer is trainable; the default is freeze=True")

    for bad, args, why in (
        ("a source with 31 users", (_click_model(NUM_USERS + 1, SOURCE_ITEMS, seed=3), target, ["user_embedding"]),
         "the weight shapes differ, so the copy is impossible"),
        ("a layer name that does not exist", (source, target, ["no_such_layer"]), "there is no such layer"),
    ):
        try:
            impl.transfer_layers(*args, freeze=True)
        except ValueError:
            continue
        raise AssertionError(f"transfer_layers with {bad} did not raise ValueError; {why} and must not pass "
                             "silently (set_weights and get_layer raise it for you)")


# ------------------------------------------------------------------------------ fit_embedding_mapping
def _ridge(source: np.ndarray, target: np.ndarray, l2: float):
    """The docstring's formula: centre, solve the ridge normal equations, intercept from the means."""
    source_mean, target_mean = source.mean(axis=0), target.mean(axis=0)
    centred = source - source_mean
    weights = np.linalg.solve(centred.T @ centred + l2 * np.eye(source.shape[1]), centred.T @ (target - target_mean))
    return weights, target_mean - source_mean @ weights


def _mapping(impl, source, target, l2, what):
    result = impl.fit_embedding_mapping(source, target, l2)
    if not isinstance(result, tuple) or len(result) != 2:
        raise AssertionError(f"{what} returned {short(result)}; expected a tuple (weights, bias)")
    source_dim, target_dim = np.shape(source)[1], np.shape(target)[1]
    weights, bias = result
    if isinstance(weights, np.ndarray) and weights.shape == (target_dim, source_dim) and source_dim != target_dim:
        raise AssertionError(f"{what} returned weights of shape {weights.shape}; expected (source_dim, target_dim) = "
                             f"{(source_dim, target_dim)} so that source_vectors @ weights is a target vector "
                             "(transposed, or mapping target to source?)")
    weights = as_array(weights, f"{what} (weights)", shape=(source_dim, target_dim), dtype_kind="f")
    bias = as_array(np.asarray(bias) if np.isscalar(bias) else bias, f"{what} (bias)", shape=(target_dim,),
                    dtype_kind="f")
    return weights, bias


def check_fit_embedding_mapping(impl) -> None:
    """Recovers an exact linear map, matches the ridge formula, keeps the intercept out of the penalty."""
    rng = np.random.default_rng(0)
    source = rng.normal(0.5, 1.0, (60, 5))  # column means away from 0: an intercept matters
    true_weights, true_bias = rng.normal(size=(5, 3)), np.array([1.0, -2.0, 0.5])
    target = source @ true_weights + true_bias
    what = "fit_embedding_mapping(source (60, 5), target = source @ W + b (60, 3), l2=0.0)"
    weights, bias = _mapping(impl, source.copy(), target.copy(), 0.0, what)
    if not (np.allclose(weights, true_weights, atol=1e-5) and np.allclose(bias, true_bias, atol=1e-5)):
        cause = ""
        if np.allclose(bias, 0.0):
            cause = (" Likely cause: no intercept; centre both matrices (or add a column of ones) and return "
                     "b = mean(target) - mean(source) @ W.")
        raise AssertionError(f"{what} returned weights {short(weights)} and bias {short(bias)}; expected the exact "
                             f"map {short(true_weights)} and {short(true_bias)}.{cause}")

    noisy = target + rng.normal(0.0, 0.5, target.shape)
    noisy[:, 0] += 3.0  # a large mean: a penalised intercept would be pulled visibly towards 0
    for l2 in (5.0, 40.0):
        what = f"fit_embedding_mapping(source (60, 5), noisy target (60, 3), l2={l2})"
        expected_weights, expected_bias = _ridge(source, noisy, l2)
        weights, bias = _mapping(impl, source.copy(), noisy.copy(), l2, what)
        if np.allclose(weights, expected_weights, atol=1e-5) and np.allclose(bias, expected_bias, atol=1e-5):
            continue
        plain, _ = _ridge(source, noisy, 0.0)
        cause = ""
        if np.allclose(weights, plain, atol=1e-5):
            cause = " Likely cause: l2 is ignored (plain least squares); add l2 * I to S_c^T S_c."
        elif np.allclose(weights, _ridge(source, noisy, l2 * len(source))[0], atol=1e-5) or np.allclose(
                weights, _ridge(source, noisy, l2 / len(source))[0], atol=1e-5):
            cause = " Likely cause: l2 scaled by the number of users; the penalty is l2 * ||W||^2 on the sum."
        elif not np.allclose(bias, expected_bias, atol=1e-3):
            cause = (" Likely cause: the intercept is penalised too (a column of ones inside the ridge); centre the "
                     "data instead so that only W is shrunk.")
        raise AssertionError(f"{what} returned weights {short(weights)}, bias {short(bias)}; expected the ridge "
                             f"solution {short(expected_weights)}, {short(expected_bias)}.{cause}")

    few = rng.normal(size=(3, 5))  # fewer users than dimensions: only the penalty makes it solvable
    what = "fit_embedding_mapping(3 users x 5 dims as lists, 3 x 2, l2=1.0)"
    weights, bias = _mapping(impl, few.tolist(), rng.normal(size=(3, 2)).tolist(), 1.0, what)
    if not np.all(np.isfinite(weights)):
        raise AssertionError(f"{what} returned non-finite weights")


PARTS = {"transfer_layers": check_transfer_layers, "fit_embedding_mapping": check_fit_embedding_mapping}
TIMEOUTS = {"transfer_layers": 40, "fit_embedding_mapping": 10}
