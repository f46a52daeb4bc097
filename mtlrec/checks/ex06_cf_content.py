"""Checks for ex06_cf_content (notebook 06): build_model, build_hybrid_model, build_single_task_model.

Everything is behavioural: the checks call the model on probe batches, read the compiled losses by
evaluating them on probe labels, follow gradients from each output to the variables, train briefly on
a small synthetic task and run one step of the model's own fit. They never look at layer names, sizes
or the import style, so hidden sizes, extra layers, dropout, loss weights, metrics, losses as strings,
functions, objects, dicts or lists, functional or subclassed models, one ID table per kind or one
shared table with offset item ids, and `keras` or `tensorflow.keras` all pass.

What each documented argument is varied to, and how its effect is seen:
- num_users / num_items: 37 users and 29 items in one build, 23 users and 41 items in another, so a
  table sized by the wrong count fails on the larger ids; the ID tables are found by gradients.
- user_feature_dim / item_feature_dim: 6 and 5, then 4 and 7 (a swapped input fails on its width).
- embedding_dim: 8 in one build, left at its default (32) in the other: the ID tables' width.
- task: "click" and "rating" (the output's name, loss and range), and "views" (ValueError).
The dict inputs are given with their keys in another order than documented: the outputs must not
change (a model that pairs the dict's values by position fails).

The learnability bar trains the learner's model with the toolbox's Adam on the learner's compiled
losses and loss weights: the docstring allows any optimizer, so the bar measures what the
architecture and the losses can learn, not how fast the chosen optimizer is.
"""

from __future__ import annotations

import numpy as np

import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)

from mtlrec import metrics
from mtlrec.checks import keras_tools, short

# probe sizes: all different, so a swapped input or a wrong table size shows as a shape error
USER_DIM, ITEM_DIM = 6, 5  # feature widths
NUM_USERS, NUM_ITEMS, EMBEDDING_DIM = 37, 29, 8  # more users than items; widths that equal no other
# the second build: more items than users, the feature widths the other way round, embedding_dim left
# at its documented default
OTHER_USERS, OTHER_ITEMS, OTHER_USER_DIM, OTHER_ITEM_DIM, DEFAULT_EMBEDDING_DIM = 23, 41, 4, 7, 32
PROBE_BATCH = 64
INPUT_KEYS = ("user_id", "item_id", "user_features", "item_features")  # the documented order
SHUFFLED_KEYS = ("item_features", "user_id", "user_features", "item_id")  # the order the probes use
REGRESSION_LOSSES = ("mean_squared_error", "mean_absolute_error", "huber")

# learnability (see _synthetic_task): 4096 training rows, 12 epochs of batch 256 = 192 Adam steps
TRAIN_ROWS, TEST_ROWS, EPOCHS, BATCH_SIZE, LEARNING_RATE = 4096, 2048, 12, 256, 5e-3
SETTLE_PASSES = 300  # BatchNormalization's moving averages (momentum 0.99) come within 5% in 300 passes
FIT_ROWS = 32  # the one step of the model's own fit
# Bars, against the reference over seeds 0-4 (`python -m mtlrec.checks.ex06_cf_content solutions` prints
# them):
#   build_model:        click AUC 0.852-0.871 (Bayes-optimal 0.867-0.882); rating RMSE / std 0.276-0.300
#   build_hybrid_model: click AUC 0.828-0.886 (Bayes-optimal 0.841-0.896); rating RMSE / std 0.227-0.295
# so the AUC bar 0.75 sits >= 0.078 below the worst reference seed and the RMSE bar 0.7 is more than
# twice the worst reference seed (a constant prediction scores 1.0; predicting stars 1..5 against the
# [0, 1] targets scores about 2.5). Correct answers in other styles (tests/alternatives and held-out
# ones: BatchNormalization, tiny towers, linear heads, minimal towers, SGD/RMSprop/Adagrad compiled)
# reach AUC >= 0.81 and RMSE / std <= 0.42 on seeds 0-4.
MIN_CLICK_AUC = 0.75
MAX_RATING_RMSE_RATIO = 0.7
CHECK_SEED = 0


# ------------------------------------------------------------------------------------------ probes
def _hybrid_probe(seed: int, num_users: int = NUM_USERS, num_items: int = NUM_ITEMS, user_dim: int = USER_DIM,
                  item_dim: int = ITEM_DIM) -> dict:
    """A random batch of the four dict inputs, keys in SHUFFLED_KEYS order."""
    specs = {"user_id": ("id", num_users), "item_id": ("id", num_items), "user_features": user_dim,
             "item_features": item_dim}
    batch = keras_tools.random_batch(specs, batch=PROBE_BATCH, seed=seed)
    return {key: batch[key] for key in SHUFFLED_KEYS}


def _call_by_key(model, probe: dict, what: str) -> dict:
    """{output: array} on the probe, which must not depend on the order of the dict's keys."""
    documented = {key: probe[key] for key in INPUT_KEYS}
    shuffled = {key: probe[key] for key in SHUFFLED_KEYS}
    first = keras_tools.predict(model, documented, what + " called on a dict of user_id, item_id, user_features, "
                                                        "item_features")
    keras_tools.assert_outputs_named(model, documented, what)
    try:
        second = keras_tools.predict(model, shuffled)
    except Exception as error:
        raise AssertionError(f"{what}: the model takes the dict {keras_tools.describe_inputs(documented)}, but the "
                             f"same dict with its keys in another order ({list(SHUFFLED_KEYS)}) makes it raise "
                             f"{type(error).__name__}: {keras_tools.error_text(error, 200)}. The model pairs the "
                             "inputs by position: read each one by its key (inputs['user_id'], ...); a dict's "
                             "order carries no meaning") from None
    for name, values in first.items():
        if name not in second or second[name].shape != values.shape or not np.allclose(
                values, second[name], rtol=1e-5, atol=1e-6):
            again = keras_tools.predict(model, documented, what)
            if not np.allclose(values, again[name], rtol=1e-5, atol=1e-6):
                raise AssertionError(f"{what}: output '{name}' changes between two calls on the same inputs in "
                                     "inference mode (training=False); predictions must be deterministic: is a "
                                     "Dropout or noise layer called with training=True hard-coded?")
            raise AssertionError(f"{what}: output '{name}' changes when the same input dict is given with its keys "
                                 f"in another order ({list(SHUFFLED_KEYS)} instead of {list(INPUT_KEYS)}): the "
                                 "model pairs the inputs by position; read each one by its key "
                                 "(inputs['user_id'], ...)")
    return second


def _scaled(inputs, factor: float):
    """The probe with its float inputs multiplied (ids untouched)."""
    scale = lambda v: (v * factor).astype(v.dtype) if v.dtype.kind == "f" else v  # noqa: E731
    return {k: scale(v) for k, v in inputs.items()} if isinstance(inputs, dict) else [scale(v) for v in inputs]


def _assert_click_probability(model, inputs, outputs: dict, name: str, what: str) -> None:
    """A sigmoid head: inside (0, 1), varying, never exactly 0 (ReLU), still <= 1 on large inputs."""
    values = outputs[name]
    keras_tools.assert_probability(values, f"{what}: output '{name}'")
    zeros = float(np.mean(values == 0.0))
    if zeros > 0.05:
        raise AssertionError(f"{what}: output '{name}' is exactly 0 for {zeros:.0%} of a random batch; a "
                             "probability head uses activation='sigmoid' (this looks like ReLU, which is "
                             "not bounded by 1 either)")
    large = keras_tools.predict(model, _scaled(inputs, 30.0), what + " on inputs 30 times larger")[name]
    if not np.all(np.isfinite(large)) or large.min() < 0.0 or large.max() > 1.0:
        raise AssertionError(f"{what}: output '{name}' leaves [0, 1] on inputs 30 times larger (range "
                             f"[{np.nanmin(large):.3g}, {np.nanmax(large):.3g}]); a probability must stay in [0, 1]: "
                             "use activation='sigmoid' on this head")


def _assert_scaled_rating(values: np.ndarray, name: str, what: str) -> None:
    """A rating head that varies and is not bounded to stars."""
    if np.allclose(values, values.flat[0], atol=1e-6):
        raise AssertionError(f"{what}: output '{name}' is the constant {values.flat[0]:.4g} for every input "
                             "(a softmax over one unit is always 1; or the head is cut off from the inputs)")
    if values.min() >= 1.0:
        raise AssertionError(f"{what}: output '{name}' is at least 1 for every example of a random batch (range "
                             f"[{values.min():.3g}, {values.max():.3g}]) before any training: it looks like stars "
                             "1..5 (e.g. 1 + 4 * sigmoid); the rating head predicts the rating scaled to [0, 1], "
                             "(rating - 1) / 4: a sigmoid or linear head")


# ------------------------------------------------------------------------------------------ losses
def _assert_losses_and_weights(model, outputs: dict, order: list[str], what: str,
                               rating_losses=REGRESSION_LOSSES) -> None:
    """One loss per output, of the task's kind, and a positive loss weight for each."""
    keras_tools.assert_compiled(model, what)
    functions = keras_tools.compiled_loss_functions(model, what, order)
    missing = [name for name in outputs if functions.get(name) is None]
    if missing:
        keys = sorted(model.loss) if isinstance(model.loss, dict) else model.loss
        raise AssertionError(f"{what}: compile() gives no loss for output(s) {missing} (the loss is "
                             f"{short(keys)}); give one loss per output, keyed by the output names")
    kinds = keras_tools.compiled_losses(model, what, order)
    for name, role in _roles(outputs).items():
        if role == "click" and kinds[name] != "binary_crossentropy":
            advice = (" (a click is a yes/no label: binary cross-entropy, not a regression loss; are the losses "
                      "swapped?)" if kinds[name] in REGRESSION_LOSSES else
                      " (the head already applies a sigmoid, so from_logits=True applies a second one; use "
                      "from_logits=False)" if "from_logits" in kinds[name] else "")
            raise AssertionError(f"{what}: output '{name}' is compiled with {kinds[name]}; expected "
                                 f"binary_crossentropy{advice}")
        if role == "rating" and kinds[name] not in rating_losses:
            advice = (" (a rating is a quantity: squared error; are the losses swapped?)"
                      if kinds[name] == "binary_crossentropy" else "")
            raise AssertionError(f"{what}: output '{name}' is compiled with {kinds[name]}; expected "
                                 f"{' or '.join(rating_losses)}{advice}")
    for name, weight in keras_tools.compiled_loss_weights(model, what, order).items():
        if name in outputs and (not np.isfinite(weight) or weight <= 0):
            raise AssertionError(f"{what}: the loss weight of '{name}' is {weight}; every task needs a positive "
                                 "weight (0 switches that task's training off)")


def _roles(outputs) -> dict:
    """{output name: "click" or "rating"} in the model's output order."""
    return {name: ("click" if name in ("class_output", "click") else "rating") for name in outputs}


# ------------------------------------------------------------------------------ the synthetic task
def _synthetic_task(seed: int, *, with_ids: bool):
    """Train and test sets of a task any model of this exercise learns in ~100 Adam steps.

    Per-user and per-item feature tables; click logit and scaled rating are linear in the features
    (plus, with ids, a per-user and per-item offset that only the ID embeddings can see), with noise.
    """
    rng = np.random.default_rng(seed)
    user_table = rng.normal(size=(NUM_USERS, USER_DIM)).astype("float32")
    item_table = rng.normal(size=(NUM_ITEMS, ITEM_DIM)).astype("float32")
    rows = TRAIN_ROWS + TEST_ROWS
    if with_ids:
        user_id = rng.integers(0, NUM_USERS, rows).astype("int32")
        item_id = rng.integers(0, NUM_ITEMS, rows).astype("int32")
        user_features, item_features = user_table[user_id], item_table[item_id]
        user_offset, item_offset = rng.normal(0, 0.5, NUM_USERS), rng.normal(0, 0.5, NUM_ITEMS)
        id_part = user_offset[user_id] + item_offset[item_id]
    else:  # content only: every row its own feature vectors
        user_features = rng.normal(size=(rows, USER_DIM)).astype("float32")
        item_features = rng.normal(size=(rows, ITEM_DIM)).astype("float32")
        id_part = 0.0
    directions = [rng.normal(size=d) for d in (USER_DIM, ITEM_DIM, USER_DIM, ITEM_DIM)]
    directions = [d / np.linalg.norm(d) for d in directions]
    click_logit = 1.5 * (user_features @ directions[0] + item_features @ directions[1]) + id_part
    click = (rng.random(rows) < 1.0 / (1.0 + np.exp(-click_logit))).astype("float32")
    rating_signal = user_features @ directions[2] + item_features @ directions[3] + 0.5 * id_part
    rating = np.clip(0.5 + 0.15 * rating_signal + 0.05 * rng.normal(size=rows), 0.0, 1.0).astype("float32")
    if with_ids:
        columns = {"user_id": user_id, "item_id": item_id, "user_features": user_features,
                   "item_features": item_features}
        x = {key: columns[key] for key in SHUFFLED_KEYS}
    else:
        x = [user_features, item_features]
    take = lambda v, s: ({k: a[s] for k, a in v.items()} if isinstance(v, dict)  # noqa: E731
                         else [a[s] for a in v] if isinstance(v, list) else v[s])
    train, test = slice(0, TRAIN_ROWS), slice(TRAIN_ROWS, rows)
    return ((take(x, train), take(click, train), take(rating, train)),
            (take(x, test), take(click, test), take(rating, test)))


def _learn(model, roles: dict, order: list[str], *, with_ids: bool, seed: int = CHECK_SEED) -> dict:
    """Train on the synthetic task with the learner's losses and weights; scores on held-out rows.

    roles: {output name: "click" or "rating"}; order: the outputs in Keras's pairing order.
    """
    (x, click, rating), (x_test, click_test, rating_test) = _synthetic_task(seed, with_ids=with_ids)
    targets = {name: (click if role == "click" else rating).reshape(-1, 1) for name, role in roles.items()}
    try:
        keras_tools.train_on_compiled_losses(model, x, targets, epochs=EPOCHS, batch_size=BATCH_SIZE,
                                             learning_rate=LEARNING_RATE, seed=seed, settle_passes=SETTLE_PASSES,
                                             names=order)
    except Exception as error:
        raise AssertionError(f"training the model on a small synthetic task failed: {type(error).__name__}: "
                             f"{keras_tools.error_text(error, 300)}") from None
    predictions = keras_tools.predict(model, x_test, "the trained model")
    scores = {}
    for name, role in roles.items():
        if role == "click":
            scores["click_auc"] = metrics.auc(click_test, predictions[name].reshape(-1))
        else:
            error = metrics.rmse(rating_test, predictions[name].reshape(-1))
            scores["rating_rmse_ratio"] = error / float(np.std(rating_test))
    return scores


def _assert_learns(scores: dict, names: dict, what: str) -> None:
    if "click_auc" in scores and not scores["click_auc"] >= MIN_CLICK_AUC:
        raise AssertionError(
            f"{what}: after {EPOCHS} epochs on a small synthetic task (Adam({LEARNING_RATE}) on your losses "
            f"and loss weights) output '{names['click']}' reaches a held-out AUC of {scores['click_auc']:.3f}; "
            f"the reference reaches about 0.86, the bar is {MIN_CLICK_AUC}. Something stops the model "
            "from learning the click (layers or the whole model set trainable=False, a head cut off from the "
            "inputs, a wrong loss?)")
    if "rating_rmse_ratio" in scores and not scores["rating_rmse_ratio"] <= MAX_RATING_RMSE_RATIO:
        raise AssertionError(
            f"{what}: after {EPOCHS} epochs on a small synthetic task, output '{names['rating']}' has a held-out "
            f"RMSE of {scores['rating_rmse_ratio']:.2f} x the spread of the scaled ratings (1.0 = predicting "
            f"a constant; the reference reaches about 0.3, the bar is {MAX_RATING_RMSE_RATIO}). The rating head "
            "must predict the rating scaled to [0, 1] (not stars 1..5), and be able to learn it")


def _fit_once(model, probe, outputs: dict, order: list[str], what: str) -> None:
    """One step of the model's own fit on labels of the right kinds (clicks 0/1, scaled ratings)."""
    rng = np.random.default_rng(5)
    x = {key: value[:FIT_ROWS] for key, value in probe.items()} if isinstance(probe, dict) else \
        [value[:FIT_ROWS] for value in probe]
    targets = {name: (rng.integers(0, 2, (FIT_ROWS, 1)) if role == "click" else
                      rng.integers(0, 9, (FIT_ROWS, 1)) / 8.0).astype("float32")
               for name, role in _roles(outputs).items()}
    keras_tools.fit_once(model, x, targets, what, names=order)


# ------------------------------------------------------------------------------ ID embeddings
def _assert_id_embeddings(model, probe: dict, counts: dict, embedding_dim: int, what: str,
                          default: bool = False) -> dict:
    """Trainable user and item tables with one row per id and embedding_dim columns.

    counts: {"user_id": num_users, "item_id": num_items}. Returns {"user_id": [paths], "item_id": [paths]}
    of the tables of width embedding_dim. One table may hold both (item ids offset past the users').
    """
    found, rows = {}, {}
    every = keras_tools.id_tables(model, probe, counts)
    for key, count in counts.items():
        noun = key.split("_")[0]
        tables = every[key]
        trainable = {path: table for path, table in tables.items() if table[0].trainable}
        if not trainable:
            if tables:
                shape = tuple(next(iter(tables.values()))[0].shape)
                raise AssertionError(f"{what}: the {noun} ID embedding (shape {shape}) is frozen (trainable=False); "
                                     "the collaborative signal must be learned from the interactions, so leave "
                                     "the embeddings trainable")
            raise AssertionError(f"{what}: found no {noun} ID embedding: no trainable table that gives each of the "
                                 f"{count} {noun}s (num_{noun}s={count}) a row of its own, reached from the "
                                 f"outputs. Embed {key} with layers.Embedding(num_{noun}s, embedding_dim) and join "
                                 "it into the layers the heads sit on; that is the collaborative signal")
        right = [path for path, (variable, _) in trainable.items() if variable.shape[1] == embedding_dim]
        if not right:
            widths = sorted({int(variable.shape[1]) for variable, _ in trainable.values()})
            asked = (f"embedding_dim left at its default, {embedding_dim}" if default else
                     f"embedding_dim={embedding_dim}")
            cause = (" Is the default of embedding_dim changed, or the width hard-coded?" if default else
                     " Is embedding_dim ignored (a hard-coded width)?")
            width = widths[0] if len(widths) == 1 else widths
            raise AssertionError(f"{what}: the {noun} ID embedding has width {width}; with {asked} each id's "
                                 f"embedding must have {embedding_dim} values: "
                                 f"layers.Embedding(num_{noun}s, embedding_dim).{cause}")
        found[key] = right
        rows[key] = {path: trainable[path][1] for path in right}
    for path in set(found.get("user_id", ())) & set(found.get("item_id", ())):
        overlap = rows["user_id"][path] & rows["item_id"][path]
        if overlap:
            raise AssertionError(f"{what}: users and items share rows of one ID table (e.g. row {min(overlap)} serves "
                                 "a user and an item), so user u and item u get the same embedding. Use two "
                                 "tables, or offset the item ids past the users' rows (item_id + num_users in a "
                                 "table of num_users + num_items rows)")
    return found


def _assert_own_optimizers(first, second, what: str) -> None:
    """Two models from the same builder must not share one optimizer object (Keras builds it for one
    model's variables: fitting the second one fails)."""
    if first.optimizer is not None and first.optimizer is second.optimizer:
        raise AssertionError(f"{what}: two models built by two calls share one optimizer object "
                             f"({type(first.optimizer).__name__}), so the second one cannot be trained (Keras builds "
                             "an optimizer for one model's variables). Create the optimizer inside the builder (or "
                             "pass a string such as 'adam'), not once at module level")


def _assert_ids_reached(model, probe, tables: dict, names, what: str) -> dict:
    """Each output's gradient reaches the user and the item table; returns {output: reached paths}."""
    reached = {}
    for name in names:
        try:
            reached[name] = keras_tools.variables_reached(model, probe, name)
        except Exception as error:
            raise AssertionError(f"{what}: could not follow gradients from output '{name}' "
                                 f"({type(error).__name__}: {keras_tools.error_text(error, 200)})") from None
        for key, paths in tables.items():
            if not any(path in reached[name] for path in paths):
                raise AssertionError(f"{what}: no gradient from output '{name}' reaches the {key.split('_')[0]} ID "
                                     "embedding, so that task's loss would not train it; feed the embeddings into "
                                     "the shared layers both towers sit on")
    return reached


def _assert_trained(model, before: dict, tables: dict, what: str) -> None:
    after = {v.path: np.asarray(v) for v in model.trainable_variables}
    for key, paths in tables.items():
        if all(np.allclose(before[p], after[p]) for p in paths):
            raise AssertionError(f"{what}: training did not change the {key.split('_')[0]} ID embedding; "
                                 "the collaborative signal is not being learned")


# ------------------------------------------------------------------------------------------ parts
def check_build_model(impl) -> None:
    """Two inputs in order, outputs class_output / reg_output, sigmoid click, BCE + MSE, learns, fits."""
    what = f"build_model(user_dim={USER_DIM}, item_dim={ITEM_DIM})"
    model = keras_tools.build(impl.build_model, USER_DIM, ITEM_DIM, what=what)
    keras_tools.assert_compiled(model, what)
    try:  # a functional model lists its inputs; a subclassed one is checked by calling it
        widths = [tuple(t.shape)[-1] if len(t.shape) else None for t in model.inputs]
    except (AttributeError, TypeError, ValueError):
        widths = [USER_DIM, ITEM_DIM]
    if len(widths) != 2:
        raise AssertionError(f"{what} returned a model with {len(widths)} input(s) of widths {widths}; expected "
                             "two: [user_features, item_features]")
    if widths == [ITEM_DIM, USER_DIM]:
        raise AssertionError(f"{what}: the model's inputs have widths {widths}: the item input comes first. "
                             "Expected inputs=[user_features (batch, user_dim), item_features (batch, item_dim)]")
    probe = keras_tools.random_batch([USER_DIM, ITEM_DIM], batch=PROBE_BATCH, seed=1)
    outputs = keras_tools.predict(model, probe, what + " called on [user_features, item_features]")
    keras_tools.assert_outputs_named(model, probe, what)
    keras_tools.assert_output_names(model, ["class_output", "reg_output"], what, outputs=outputs)
    keras_tools.assert_output_shapes(outputs, (PROBE_BATCH, 1), what)
    _assert_click_probability(model, probe, outputs, "class_output", what)
    _assert_scaled_rating(outputs["reg_output"], "reg_output", what)
    keras_tools.assert_inputs_matter(model, probe, what, every_output=True,
                                     labels={0: "user_features (input 0)", 1: "item_features (input 1)"},
                                     advice={0: "is it joined into the layers both heads sit on?",
                                             1: "is it joined into the layers both heads sit on?"})
    order = keras_tools.output_order(model, probe)
    _assert_losses_and_weights(model, outputs, order, what, rating_losses=("mean_squared_error",))
    roles = _roles(outputs)
    _assert_learns(_learn(model, roles, order, with_ids=False), {r: n for n, r in roles.items()}, what)
    _fit_once(model, probe, outputs, order, what)


_ID_ADVICE = {key: "embed it (layers.Embedding) and join the embedding into the shared layers: that is the "
                   "collaborative signal" for key in ("user_id", "item_id")}
_ID_ADVICE.update({key: "is it joined into the layers both heads sit on, or left out of a Concatenate?"
                   for key in ("user_features", "item_features")})


def _check_hybrid_like(model, expected: list[str], sizes: tuple, embedding_dim: int, what: str, *,
                       default: bool = False, seed: int = 2) -> tuple:
    """What the hybrid and the single-task model share; returns (probe, outputs, order, tables)."""
    num_users, num_items, user_dim, item_dim = sizes
    keras_tools.assert_compiled(model, what)
    probe = _hybrid_probe(seed, num_users, num_items, user_dim, item_dim)
    outputs = _call_by_key(model, probe, what)
    keras_tools.assert_output_names(model, expected, what, outputs=outputs)
    keras_tools.assert_output_shapes(outputs, (PROBE_BATCH, 1), what)
    if "click" in outputs:
        _assert_click_probability(model, probe, outputs, "click", what)
    if "rating" in outputs:
        _assert_scaled_rating(outputs["rating"], "rating", what)
    keras_tools.assert_inputs_matter(model, probe, what, every_output=True,
                                     id_bounds={"user_id": num_users, "item_id": num_items}, advice=_ID_ADVICE)
    order = keras_tools.output_order(model, probe)
    _assert_losses_and_weights(model, outputs, order, what)
    tables = _assert_id_embeddings(model, probe, {"user_id": num_users, "item_id": num_items}, embedding_dim, what,
                                   default=default)
    return probe, outputs, order, tables


def check_build_hybrid_model(impl) -> None:
    """Dict inputs, click/rating, ID embeddings trained by both tasks, shared bottom, own towers, learns."""
    sizes = (NUM_USERS, NUM_ITEMS, USER_DIM, ITEM_DIM)
    what = (f"build_hybrid_model(num_users={NUM_USERS}, num_items={NUM_ITEMS}, user_feature_dim={USER_DIM}, "
            f"item_feature_dim={ITEM_DIM}, embedding_dim={EMBEDDING_DIM})")
    model = keras_tools.build(impl.build_hybrid_model, *sizes, embedding_dim=EMBEDDING_DIM, what=what)
    probe, outputs, order, tables = _check_hybrid_like(model, ["click", "rating"], sizes, EMBEDDING_DIM, what)

    _assert_ids_reached(model, probe, tables, ("click", "rating"), what)
    id_paths = {p for paths in tables.values() for p in paths}
    keras_tools.assert_shared_and_own(
        model, probe, ["click", "rating"], what, exclude=id_paths, excluded="the ID embeddings",
        hint="Both towers must branch from the same shared Dense layer(s) on the joined embeddings and features, "
             "and each task needs layers of its own on top (its head at least), which the other task's head "
             "does not read")

    before = {v.path: np.asarray(v) for v in model.trainable_variables}
    scores = _learn(model, _roles(outputs), order, with_ids=True)
    _assert_trained(model, before, tables, what)
    _assert_learns(scores, {"click": "click", "rating": "rating"}, what)

    # the other way round: more items than users, feature widths swapped, embedding_dim at its default;
    # this fresh model also runs one step of its own fit (the trained one above used the checks' Adam)
    sizes = (OTHER_USERS, OTHER_ITEMS, OTHER_USER_DIM, OTHER_ITEM_DIM)
    what = (f"build_hybrid_model(num_users={OTHER_USERS}, num_items={OTHER_ITEMS}, user_feature_dim="
            f"{OTHER_USER_DIM}, item_feature_dim={OTHER_ITEM_DIM})")
    first, model = model, keras_tools.build(impl.build_hybrid_model, *sizes, what=what)
    _assert_own_optimizers(first, model, what)
    probe, outputs, order, _ = _check_hybrid_like(model, ["click", "rating"], sizes, DEFAULT_EMBEDDING_DIM, what,
                                                  default=True, seed=3)
    _fit_once(model, probe, outputs, order, what)


def check_build_single_task_model(impl) -> None:
    """One output named after the task, the task's loss, trainable ID embeddings, ValueError otherwise."""
    builds = (("click", (NUM_USERS, NUM_ITEMS, USER_DIM, ITEM_DIM), EMBEDDING_DIM),
              ("rating", (OTHER_USERS, OTHER_ITEMS, OTHER_USER_DIM, OTHER_ITEM_DIM), None))
    models = []
    for task, sizes, embedding_dim in builds:
        keywords = {"task": task} if embedding_dim is None else {"task": task, "embedding_dim": embedding_dim}
        what = f"build_single_task_model({', '.join(map(str, sizes))}, " + ", ".join(
            f"{k}={v!r}" for k, v in keywords.items()) + ")"
        model = keras_tools.build(impl.build_single_task_model, *sizes, what=what, **keywords)
        if models:
            _assert_own_optimizers(models[-1], model, what)
        models.append(model)
        probe, outputs, order, tables = _check_hybrid_like(
            model, [task], sizes, embedding_dim or DEFAULT_EMBEDDING_DIM, what, default=embedding_dim is None,
            seed=4)
        _assert_ids_reached(model, probe, tables, (task,), what)
        _fit_once(model, probe, outputs, order, what)

    call = (f"build_single_task_model({NUM_USERS}, {NUM_ITEMS}, {USER_DIM}, {ITEM_DIM}, task='views', "
            f"embedding_dim={EMBEDDING_DIM})")
    try:
        impl.build_single_task_model(NUM_USERS, NUM_ITEMS, USER_DIM, ITEM_DIM, task="views",
                                     embedding_dim=EMBEDDING_DIM)
    except ValueError:
        return
    except AssertionError as error:
        raise AssertionError(f"{call} raised AssertionError ({keras_tools.error_text(error, 120)}); the docstring "
                             "asks for ValueError: write `raise ValueError(...)` rather than `assert` (python -O "
                             "removes asserts, and callers catch ValueError)") from None
    except Exception as error:
        raise AssertionError(f"{call} raised {type(error).__name__}: {keras_tools.error_text(error, 160)}; expected "
                             "ValueError for an unknown task: check the task first and `raise ValueError(...)`") from None
    raise AssertionError(f"{call} did not raise ValueError; an unknown task must be rejected (only 'click' and "
                         "'rating' exist), not silently built as one of them")


PARTS = {
    "build_model": check_build_model,
    "build_hybrid_model": check_build_hybrid_model,
    "build_single_task_model": check_build_single_task_model,
}
TIMEOUTS = {"build_model": 60, "build_hybrid_model": 60, "build_single_task_model": 60}


# ------------------------------------------------------------------------------ calibration
def _calibrate(folder: str = "solutions", seeds=range(5)) -> None:
    """Print the scores on the learnability task per seed of the module in `folder` (the figures above)."""
    import importlib.util
    from pathlib import Path

    path = Path(folder) / "ex06_cf_content.py"
    spec = importlib.util.spec_from_file_location("ex06_calibrated", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for seed in seeds:
        keras_tools.fresh_session(seed)
        plain = module.build_model(USER_DIM, ITEM_DIM)
        plain_scores = _learn(plain, {"class_output": "click", "reg_output": "rating"},
                              keras_tools.output_names(plain), with_ids=False, seed=seed)
        keras_tools.fresh_session(seed)
        hybrid = module.build_hybrid_model(NUM_USERS, NUM_ITEMS, USER_DIM, ITEM_DIM, embedding_dim=EMBEDDING_DIM)
        probe = _hybrid_probe(0)
        hybrid_scores = _learn(hybrid, {"click": "click", "rating": "rating"},
                               keras_tools.output_order(hybrid, probe), with_ids=True, seed=seed)
        print(f"seed {seed}: build_model {plain_scores}  build_hybrid_model {hybrid_scores}", flush=True)


if __name__ == "__main__":
    import sys

    _calibrate(*sys.argv[1:2])
