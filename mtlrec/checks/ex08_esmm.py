"""Checks for ex08_esmm (notebook 08): esmm_targets, build_esmm, build_naive_cvr.

esmm_targets is compared, row by row, with the definition (ctr = click, ctcvr = click x conversion) on
float32 arrays, bool arrays and Python lists, on the boundaries (no impression, none clicked, all
converted), with its inputs left unchanged, and must raise ValueError for different lengths, a value
other than 0/1 and a conversion without a click (in a probe whose totals look fine).

The builders are checked through behaviour, as in ex06: the outputs on probe batches (dict keys in
another order than documented), ctcvr against ctr x cvr, the compiled losses evaluated on probe labels
(BCE on ctr and ctcvr, none on cvr), gradients from each output (the ID tables reached by both ctr and
cvr, each tower with weights of its own, ctcvr reaching the CVR tower), a short training on a small
synthetic funnel with the learner's own losses (the CVR must be learned through ctcvr), and one step of
the model's own fit. Hidden sizes, a shared layer below the towers, one ID table with offset item ids,
losses as strings or objects in a dict (cvr left out or mapped to None), functional or subclassed
models all pass. (A list of losses fails in fit: Keras then wants a target for every output, and esmm_targets
gives two.)

What each documented argument is varied to, and how its effect is seen:
- num_users / num_items: 37 users and 29 items in one build, 23 users and 41 items in another (a table
  sized by the wrong count fails on the larger ids);
- user_feature_dim / item_feature_dim: 6 and 5, then 4 and 7 (a swapped input fails on its width);
- embedding_dim: 8 in one build, left at its default (16) in the other: the ID tables' width.
"""

from __future__ import annotations

import numpy as np

import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)

from mtlrec import metrics
from mtlrec.checks import expect_value_error, short
from mtlrec.checks import keras_tools

USER_DIM, ITEM_DIM = 6, 5  # feature widths
NUM_USERS, NUM_ITEMS, EMBEDDING_DIM = 37, 29, 8  # more users than items; widths that equal no other
OTHER_USERS, OTHER_ITEMS, OTHER_USER_DIM, OTHER_ITEM_DIM, DEFAULT_EMBEDDING_DIM = 23, 41, 4, 7, 16
PROBE_BATCH = 64
INPUT_KEYS = ("user_id", "item_id", "user_features", "item_features")  # the documented order
SHUFFLED_KEYS = ("item_features", "user_id", "user_features", "item_id")  # the order the probes use
ESMM_OUTPUTS = ["ctr", "cvr", "ctcvr"]
PRODUCT_RTOL, PRODUCT_ATOL = 1e-5, 1e-6  # float32 rounding of one product is ~6e-8 relative

# learnability on a small synthetic funnel (_synthetic_funnel): 4096 training impressions (~1400 clicks,
# ~500 conversions), 12 epochs of batch 256 = 192 Adam steps on the learner's compiled losses.
TRAIN_ROWS, TEST_ROWS, EPOCHS, BATCH_SIZE, LEARNING_RATE = 4096, 2048, 12, 256, 5e-3
SETTLE_PASSES = 300  # BatchNormalization's moving averages catch up
FIT_ROWS = 32  # the one step of the model's own fit
# Bars, against the reference over seeds 0-4 (`python -m mtlrec.checks.ex08_esmm solutions` prints them; the
# check itself trains on seed 0):
#   build_esmm:      CTR AUC vs truth 0.839-0.869 (the truth itself scores 0.851-0.881); CVR AUC vs truth over
#                    all impressions 0.799-0.849 (truth 0.824-0.875)
#   build_naive_cvr: CVR AUC vs truth on the clicked impressions 0.796-0.858 (truth 0.820-0.876)
# The alternatives (tests/alternatives: one ID table and a shared bottom, subclassed models, one-hot ids with
# BatchNormalization and Dropout) reach CTR >= 0.839, ESMM CVR >= 0.789, naive CVR >= 0.796 on seeds 0-4. A CVR
# that is not learned scores about 0.5. The bars sit >= 0.06 below the worst reference and alternative seed.
MIN_CTR_AUC = 0.78
MIN_ESMM_CVR_AUC = 0.72
MIN_NAIVE_CVR_AUC = 0.72
CHECK_SEED = 0


# ------------------------------------------------------------------------------------ esmm_targets
def _targets_probe(seed: int, rows: int = 23) -> tuple[np.ndarray, np.ndarray]:
    """0/1 clicks (about half) and conversions on some of the clicked rows, float32."""
    rng = np.random.default_rng(seed)
    click = (rng.random(rows) < 0.5).astype("float32")
    click[:2] = (1.0, 0.0)
    conversion = (click * (rng.random(rows) < 0.5)).astype("float32")
    conversion[0] = 1.0  # at least one conversion (on the clicked first row)
    return click, conversion


def _call_targets(impl, click, conversion, what: str) -> dict:
    """Call esmm_targets; demand a dict of the two documented keys, each a float array of shape (n,)."""
    try:
        result = impl.esmm_targets(click, conversion)
    except (AssertionError, NotImplementedError):
        raise
    except Exception as error:
        raise AssertionError(f"{what} raised {type(error).__name__}: {keras_tools.error_text(error, 200)}; these "
                             "are valid labels (every conversion follows a click), so it must return the "
                             "targets") from None
    if not isinstance(result, dict):
        kind = f"a {type(result).__name__} of {len(result)}" if isinstance(result, (list, tuple)) else \
            type(result).__name__
        raise AssertionError(f"{what} returned {kind}; expected a dict {{'ctr': ..., 'ctcvr': ...}} keyed by the "
                             "names of the outputs the labels train (a tuple pairs targets with outputs by "
                             "position, and Keras orders a dict's outputs by name: the pairing goes wrong "
                             "silently)")
    keys = sorted(result)
    if "cvr" in result:
        raise AssertionError(f"{what} returned the keys {keys}: a 'cvr' target supervises the CVR directly. ESMM "
                             "has no CVR target: a conversion label exists only on clicked impressions, so a "
                             "CVR loss would be trained on clicked rows only (the naive model's sample "
                             "selection bias). Return exactly {'ctr': click, 'ctcvr': click * conversion}")
    if keys != ["ctcvr", "ctr"]:
        raise AssertionError(f"{what} returned the keys {keys}; expected exactly ['ctcvr', 'ctr'] (the names of "
                             "the two outputs ESMM is trained on)")
    rows = len(np.asarray(click).reshape(-1))
    arrays = {}
    for key in ("ctr", "ctcvr"):
        try:
            value = np.asarray(result[key])
        except Exception:
            raise AssertionError(f"{what}['{key}'] is a {type(result[key]).__name__}, not an array") from None
        if value.shape != (rows,):
            hint = " (flatten it: one label per impression, shape (n,))" if value.size == rows else \
                (" (one label per CLICKED impression? ESMM needs a label for every impression, clicked or not)"
                 if value.size < rows else "")
            raise AssertionError(f"{what}['{key}'] has shape {value.shape}; expected ({rows},){hint}")
        if value.dtype.kind != "f":
            raise AssertionError(f"{what}['{key}'] has dtype {value.dtype}; expected float labels (float32), as "
                                 "binary cross-entropy compares them with probabilities")
        if not np.all(np.isfinite(value)):
            raise AssertionError(f"{what}['{key}'] contains NaN or infinite values: {short(value)}")
        arrays[key] = value.astype(np.float64)
    return arrays


def _assert_targets(impl, click, conversion, what: str) -> None:
    """The targets equal the definition row by row, and the inputs are left as they were."""
    before = (np.array(click, copy=True), np.array(conversion, copy=True))
    got = _call_targets(impl, click, conversion, what)
    click_values = np.asarray(click, dtype=np.float64).reshape(-1)
    conversion_values = np.asarray(conversion, dtype=np.float64).reshape(-1)
    expected = {"ctr": click_values, "ctcvr": click_values * conversion_values}
    for key in ("ctr", "ctcvr"):
        if np.allclose(got[key], expected[key]):
            continue
        other = "ctcvr" if key == "ctr" else "ctr"
        if np.allclose(got[key], expected[other]):
            cause = (f" It holds the '{other}' labels: the two targets are swapped, so each output would be "
                     "trained on the other's labels (targets paired wrongly)")
        elif np.allclose(np.sort(got[key]), np.sort(expected[key])):
            cause = (" It holds the right labels in another row order (e.g. the clicked rows' conversions "
                     "first, or sorted): row i must be impression i, or each label meets another impression's "
                     "prediction (targets paired wrongly)")
        else:
            cause = ""
        meaning = "the click" if key == "ctr" else "click AND conversion"
        raise AssertionError(f"{what}['{key}'] is {short(got[key].astype('float32'))}; expected "
                             f"{short(expected[key].astype('float32'))} ({meaning}, row by row).{cause}")
    for name, original, now in (("click", before[0], click), ("conversion", before[1], conversion)):
        if not np.array_equal(np.asarray(original), np.asarray(now)):
            raise AssertionError(f"{what} changed its input `{name}` in place (now {short(np.asarray(now))}); the "
                                 "docstring promises the inputs left unchanged (the caller's labels "
                                 "are used again, e.g. by the naive model)")


def check_esmm_targets(impl) -> None:
    """Row-by-row definition on float, bool and list inputs; boundaries; ValueError for bad labels."""
    click, conversion = _targets_probe(0)
    _assert_targets(impl, click, conversion, "esmm_targets(click, conversion) on float32 arrays of 23 impressions")
    click, conversion = _targets_probe(1, rows=31)
    _assert_targets(impl, click.astype(bool), conversion.astype(bool),
                    "esmm_targets(click, conversion) on bool arrays of 31 impressions")
    click, conversion = _targets_probe(2, rows=9)
    _assert_targets(impl, [int(v) for v in click], [int(v) for v in conversion],
                    "esmm_targets(click, conversion) on Python lists of 0/1 ints (9 impressions)")
    _assert_targets(impl, np.zeros(0, "float32"), np.zeros(0, "float32"),
                    "esmm_targets(click, conversion) on empty arrays (n = 0, which the docstring allows)")
    _assert_targets(impl, np.zeros(7, "float32"), np.zeros(7, "float32"),
                    "esmm_targets(click, conversion) with no click at all (7 impressions)")
    _assert_targets(impl, np.ones(6, "float64"), np.ones(6, "float64"),
                    "esmm_targets(click, conversion) with every impression clicked and converted (float64)")

    # a conversion without a click in one row; the totals look fine (other clicks did not convert)
    click = np.array([1, 1, 1, 0, 1, 0, 1, 1], "float32")
    conversion = np.array([0, 1, 0, 1, 0, 0, 0, 0], "float32")
    call = f"esmm_targets(click={click.astype(int).tolist()}, conversion={conversion.astype(int).tolist()})"
    expect_value_error(impl.esmm_targets, (click, conversion), call,
                       "row 3 converted without a click, which the funnel impression -> click -> conversion "
                       "cannot produce (a logging error to report, not to train on). Check row by row: "
                       "comparing the totals (2 conversions, 6 clicks) misses it")
    click = np.array([0, 1, 1, 0, 1], "float32")
    conversion = np.array([0, 0, 1, 0, 0], "float32")
    expect_value_error(impl.esmm_targets, (click, conversion[:4]), "esmm_targets(click of 5 impressions, "
                       "conversion of 4)", "the two must have one label per impression each; a shorter one "
                                           "would be silently truncated or broadcast")
    for first, second, label in ((np.ones(1, "float32"), np.zeros(3, "float32"), "click of 1 impression, "
                                  "conversion of 3"), (np.zeros(0, "float32"), np.zeros(1, "float32"),
                                                       "click of 0 impressions, conversion of 1")):
        expect_value_error(impl.esmm_targets, (first, second), f"esmm_targets({label})",
                           "the lengths differ (numpy would broadcast a length-1 array silently; check them yourself)")
    bad = [("click", np.array([0, 2, 1, 0, 1], "float32"), conversion, "a click of 2"),
           ("conversion", click, np.array([0, 0, 0.5, 0, 0], "float32"), "a conversion of 0.5"),
           ("click", np.array([0, 1, np.nan, 0, 1], "float32"), np.zeros(5, "float32"), "a NaN click")]
    for _, first, second, label in bad:
        expect_value_error(impl.esmm_targets, (first, second),
                           f"esmm_targets(click={first.tolist()}, conversion={second.tolist()})",
                           f"{label} is not a label: every value must be 0 or 1")


# ------------------------------------------------------------------------------------ probes
def _probe(seed: int, num_users: int = NUM_USERS, num_items: int = NUM_ITEMS, user_dim: int = USER_DIM,
           item_dim: int = ITEM_DIM) -> dict:
    """A random batch of the four dict inputs, keys in SHUFFLED_KEYS order."""
    specs = {"user_id": ("id", num_users), "item_id": ("id", num_items), "user_features": user_dim,
             "item_features": item_dim}
    batch = keras_tools.random_batch(specs, batch=PROBE_BATCH, seed=seed)
    return {key: batch[key] for key in SHUFFLED_KEYS}


def _scaled(inputs: dict, factor: float) -> dict:
    """The probe with its float inputs multiplied (ids untouched)."""
    return {k: (v * factor).astype(v.dtype) if v.dtype.kind == "f" else v for k, v in inputs.items()}


def _assert_probabilities(model, probe: dict, outputs: dict, names, what: str) -> dict:
    """Sigmoid-like outputs: in (0, 1), varying, not ReLU zeros, still in [0, 1] on inputs 30x larger."""
    large = keras_tools.predict(model, _scaled(probe, 30.0), what + " on inputs 30 times larger")
    for name in names:
        keras_tools.assert_probability(outputs[name], f"{what}: output '{name}'")
        zeros = float(np.mean(outputs[name] == 0.0))
        if zeros > 0.05:
            raise AssertionError(f"{what}: output '{name}' is exactly 0 for {zeros:.0%} of a random batch; a "
                                 "probability head uses activation='sigmoid' (this looks like ReLU)")
        values = large[name]
        if not np.all(np.isfinite(values)) or values.min() < 0.0 or values.max() > 1.0:
            raise AssertionError(f"{what}: output '{name}' leaves [0, 1] on inputs 30 times larger (range "
                                 f"[{np.nanmin(values):.3g}, {np.nanmax(values):.3g}]); a probability must stay "
                                 "in [0, 1]: activation='sigmoid' on the head"
                                 + (", and ctcvr = ctr * cvr (a sum can exceed 1)" if name == "ctcvr" else ""))
    return large


def _assert_product(outputs: dict, what: str, where: str) -> None:
    """ctcvr == ctr * cvr, to float32 rounding; names the usual ways of getting it wrong."""
    ctr, cvr, ctcvr = (outputs[n].astype(np.float64).reshape(-1) for n in ("ctr", "cvr", "ctcvr"))
    product = ctr * cvr
    gap = np.abs(ctcvr - product)
    if np.all(gap <= PRODUCT_ATOL + PRODUCT_RTOL * np.abs(product)):
        return
    row = int(np.argmax(gap))
    logit = lambda p: np.log(np.clip(p, 1e-12, 1.0)) - np.log(np.clip(1.0 - p, 1e-12, 1.0))  # noqa: E731
    if np.allclose(ctcvr, ctr + cvr, rtol=1e-4, atol=1e-5):
        cause = "ctcvr = ctr + cvr: a sum is not the probability of BOTH events (it can even exceed 1)"
    elif np.allclose(ctcvr, 1.0 / (1.0 + np.exp(-(logit(ctr) + logit(cvr)))), rtol=1e-3, atol=1e-4):
        cause = ("ctcvr = sigmoid(logit_ctr + logit_cvr): adding logits is not multiplying probabilities; "
                 "multiply the two sigmoid outputs")
    elif np.allclose(ctcvr, np.sqrt(np.clip(product, 0, None)), rtol=1e-4, atol=1e-5):
        cause = "ctcvr is the square root (a geometric mean) of the product, not the product"
    else:
        cause = ("ctcvr does not come from the two outputs (a head of its own, or a product of other "
                 "tensors than the returned ctr and cvr, e.g. a CVR before its sigmoid)")
    raise AssertionError(f"{what}: {where}, ctcvr is not ctr * cvr: at row {row}, ctr = {ctr[row]:.6f}, cvr = "
                         f"{cvr[row]:.6f}, ctr * cvr = {product[row]:.6f} but ctcvr = {ctcvr[row]:.6f}. ESMM "
                         "defines pCTCVR = pCTR x pCVR exactly; that product is what lets the CTCVR loss train "
                         f"the CVR tower over all impressions. Likely cause: {cause}")


def _loss_functions(model, outputs: dict, order: list[str], what: str) -> tuple[dict, dict]:
    """({output: loss function or None}, {output: loss weight}) from the compiled model."""
    keras_tools.assert_compiled(model, what)
    functions = keras_tools.compiled_loss_functions(model, what, order)
    weights = keras_tools.compiled_loss_weights(model, what, order)
    return functions, weights


def _assert_esmm_losses(model, outputs: dict, order: list[str], what: str) -> None:
    """BCE with a positive weight on ctr and on ctcvr; no loss (or a zero weight) on cvr."""
    functions, weights = _loss_functions(model, outputs, order, what)
    kinds = keras_tools.compiled_losses(model, what, order)
    for name, role in (("ctr", "the click"), ("ctcvr", "click AND conversion")):
        if functions.get(name) is None:
            extra = (" ctcvr is computed but not in the loss: then nothing trains the CVR tower (its output "
                     "reaches the loss only through ctcvr)" if name == "ctcvr" else
                     " Without the CTR loss, ctr and cvr are not told apart: only their product is "
                     "supervised, and any split of it fits")
            listed = (f" The losses are a list, {short(model.loss)}: Keras pairs a list with the outputs in "
                      f"the order {order} (a dict output's sorted names), and fit then wants a target for every "
                      "output; compile a dict keyed by output names." if isinstance(model.loss, (list, tuple))
                      else "")
            raise AssertionError(f"{what}: compile() gives output '{name}' no loss.{extra}.{listed} Expected "
                                 "loss={'ctr': 'binary_crossentropy', 'ctcvr': 'binary_crossentropy'}")
        if kinds[name] != "binary_crossentropy":
            advice = (" (the output is already a probability: from_logits=True applies a second sigmoid)"
                      if "from_logits" in kinds[name] else
                      f" ({role} is a yes/no label per impression: binary cross-entropy, not a regression loss)"
                      if kinds[name] in ("mean_squared_error", "mean_absolute_error", "huber") else "")
            raise AssertionError(f"{what}: output '{name}' is compiled with {kinds[name]}; expected "
                                 f"binary_crossentropy{advice}")
        weight = weights.get(name, 1.0)
        if not np.isfinite(weight) or weight <= 0.0:
            raise AssertionError(f"{what}: the loss weight of '{name}' is {weight}; it must be positive"
                                 + (": with weight 0, ctcvr is computed but not in the loss, and nothing trains "
                                    "the CVR tower" if name == "ctcvr" else " (0 switches the CTR task off)"))
    if functions.get("cvr") is not None and weights.get("cvr", 1.0) != 0.0:
        raise AssertionError(f"{what}: compile() gives output 'cvr' a loss ({kinds.get('cvr')}). ESMM never "
                             "supervises the CVR directly: its labels exist only on clicked impressions, so a CVR "
                             "loss is a loss on clicked rows only, the sample selection bias ESMM removes. Leave "
                             "cvr out of the loss dict (or map it to None); the CTCVR loss trains it over all "
                             "impressions")


def _id_tables(model, probe: dict, counts: dict, embedding_dim: int, what: str, default: bool) -> dict:
    """{id input: {path: variable}} of the trainable tables, one row per id, embedding_dim wide; ID rows of
    users and items never shared."""
    every = keras_tools.id_tables(model, probe, counts)
    found = {}
    for key, count in counts.items():
        noun = key.split("_")[0]
        tables = every[key]
        trainable = {path: table for path, table in tables.items() if table[0].trainable}
        if not trainable:
            if tables:
                raise AssertionError(f"{what}: the {noun} ID embedding is frozen (trainable=False); the embeddings "
                                     "must be learned from the impressions")
            raise AssertionError(f"{what}: found no {noun} ID embedding: no trainable table that gives each of the "
                                 f"{count} {noun}s (num_{noun}s={count}) a row of its own, reached from the outputs. "
                                 f"Embed {key} with layers.Embedding(num_{noun}s, embedding_dim) and feed it to the "
                                 "towers")
        right = {path: table for path, table in trainable.items() if table[0].shape[1] == embedding_dim}
        if not right:
            widths = sorted({int(table[0].shape[1]) for table in trainable.values()})
            asked = (f"embedding_dim left at its default, {embedding_dim}" if default else
                     f"embedding_dim={embedding_dim}")
            cause = (" Is the default of embedding_dim changed, or the width hard-coded?" if default else
                     " Is embedding_dim ignored (a hard-coded width)?")
            width = widths[0] if len(widths) == 1 else widths
            raise AssertionError(f"{what}: the {noun} ID embedding has width {width}; "
                                 f"with {asked} each id's embedding must have {embedding_dim} values.{cause}")
        found[key] = right
    for path in set(found.get("user_id", {})) & set(found.get("item_id", {})):
        overlap = found["user_id"][path][1] & found["item_id"][path][1]
        if overlap:
            raise AssertionError(f"{what}: users and items share rows of one ID table (e.g. row {min(overlap)}), so "
                                 "user u and item u get the same embedding; use two tables, or offset the item ids "
                                 "past the users' rows")
    return {key: {path: table[0] for path, table in tables.items()} for key, tables in found.items()}


def _assert_shared_embeddings(model, probe: dict, tables: dict, what: str) -> dict:
    """A user table and an item table reached by both ctr and cvr; each tower has weights of its own; the
    ctcvr gradient reaches the CVR tower's own weights. Returns {output: reached paths}."""
    reached = {name: keras_tools.variables_reached(model, probe, name) for name in ESMM_OUTPUTS}
    for key, found in tables.items():
        noun = key.split("_")[0]
        by_ctr = [path for path in found if path in reached["ctr"]]
        by_cvr = [path for path in found if path in reached["cvr"]]
        if not by_cvr:
            raise AssertionError(f"{what}: no gradient from output 'cvr' reaches the {noun} ID embedding: the CVR "
                                 f"tower does not read {key}; feed the shared embeddings to both towers")
        if not by_ctr:
            raise AssertionError(f"{what}: no gradient from output 'ctr' reaches the {noun} ID embedding: the CTR "
                                 f"tower does not read {key}; feed the shared embeddings to both towers")
        if not set(by_ctr) & set(by_cvr):
            raise AssertionError(f"{what}: the CTR and the CVR tower each have their own {noun} ID embedding "
                                 f"({len(by_ctr)} table(s) reached from ctr, {len(by_cvr)} other(s) from cvr, none "
                                 "from both): the towers do not share their embeddings (the paper's ESMM-NS "
                                 "ablation). ESMM shares them, so the abundant click data trains the "
                                 "representation the CVR tower reads; create each Embedding once and feed its "
                                 "output to both towers")
    shared, own = keras_tools.assert_shared_and_own(
        model, probe, ["ctr", "cvr"], what,
        hint="The CTR and the CVR tower must each have layers of their own (at least their heads) on the "
             "shared embeddings")
    if not own["cvr"] & reached["ctcvr"]:
        raise AssertionError(f"{what}: no gradient from output 'ctcvr' reaches the CVR tower's own weights, so the "
                             "CTCVR loss cannot train the CVR tower (and nothing else does: cvr has no loss). "
                             "Likely cause: a stop_gradient on cvr in the product, or a product of something "
                             "else than the cvr output")
    return reached


# ------------------------------------------------------------------------------ the synthetic funnel
def _synthetic_funnel(seed: int):
    """Train and test impressions of a small funnel with the truth known: ids with replacement, per-user and
    per-item feature tables; click and conversion logits linear in DIFFERENT feature directions plus id
    offsets (items that draw clicks convert less). Returns (x, truth, click, conversion) for train and test."""
    rng = np.random.default_rng(seed)
    rows = TRAIN_ROWS + TEST_ROWS
    user_table = rng.normal(size=(NUM_USERS, USER_DIM)).astype("float32")
    item_table = rng.normal(size=(NUM_ITEMS, ITEM_DIM)).astype("float32")
    user_id = rng.integers(0, NUM_USERS, rows).astype("int32")
    item_id = rng.integers(0, NUM_ITEMS, rows).astype("int32")
    user_features, item_features = user_table[user_id], item_table[item_id]
    directions = [rng.normal(size=d) for d in (USER_DIM, ITEM_DIM, USER_DIM, ITEM_DIM)]
    directions = [d / np.linalg.norm(d) for d in directions]
    item_offset = rng.normal(0, 0.5, NUM_ITEMS)
    click_logit = 1.5 * (user_features @ directions[0] + item_features @ directions[1]) + item_offset[item_id] - 0.8
    conversion_logit = (1.5 * (user_features @ directions[2] + item_features @ directions[3])
                        - 0.7 * item_offset[item_id] - 0.7)
    click_probability = 1.0 / (1.0 + np.exp(-click_logit))
    conversion_probability = 1.0 / (1.0 + np.exp(-conversion_logit))
    click = (rng.random(rows) < click_probability).astype("float32")
    conversion = (click * (rng.random(rows) < conversion_probability)).astype("float32")
    columns = {"user_id": user_id, "item_id": item_id, "user_features": user_features, "item_features": item_features}
    x = {key: columns[key] for key in SHUFFLED_KEYS}
    parts = []
    for rows_slice in (slice(0, TRAIN_ROWS), slice(TRAIN_ROWS, rows)):
        parts.append(({k: v[rows_slice] for k, v in x.items()},
                      {"ctr": click_probability[rows_slice], "cvr": conversion_probability[rows_slice]},
                      click[rows_slice], conversion[rows_slice]))
    return parts


def _train(model, x, targets: dict, order: list[str], what: str, seed: int) -> None:
    try:
        keras_tools.train_on_compiled_losses(model, x, targets, epochs=EPOCHS, batch_size=BATCH_SIZE,
                                             learning_rate=LEARNING_RATE, seed=seed, settle_passes=SETTLE_PASSES,
                                             names=order)
    except Exception as error:
        raise AssertionError(f"{what}: training the model on a small synthetic funnel failed: "
                             f"{type(error).__name__}: {keras_tools.error_text(error, 300)}") from None


def _esmm_scores(model, order: list[str], what: str, seed: int = CHECK_SEED) -> dict:
    """Train ESMM on all impressions with its own losses; AUC vs truth of ctr and of cvr on held-out rows."""
    (x, _, click, conversion), (x_test, truth, _, _) = _synthetic_funnel(seed)
    targets = {"ctr": click.reshape(-1, 1), "ctcvr": (click * conversion).reshape(-1, 1)}
    _train(model, x, targets, order, what, seed)
    predictions = keras_tools.predict(model, x_test, what + " after training")
    return {name: metrics.expected_auc(truth[name], predictions[name].reshape(-1)) for name in ("ctr", "cvr")}


def _naive_scores(model, order: list[str], what: str, seed: int = CHECK_SEED) -> float:
    """Train the naive model on the clicked impressions; AUC vs truth of cvr on the held-out clicked rows."""
    (x, _, click, conversion), (x_test, truth, click_test, _) = _synthetic_funnel(seed)
    clicked, clicked_test = click > 0.5, click_test > 0.5
    rows = int(clicked.sum()) // BATCH_SIZE * BATCH_SIZE  # full batches
    chosen = np.flatnonzero(clicked)[:rows]
    _train(model, {k: v[chosen] for k, v in x.items()}, {"cvr": conversion[chosen].reshape(-1, 1)}, order, what,
           seed)
    predictions = keras_tools.predict(model, {k: v[clicked_test] for k, v in x_test.items()},
                                      what + " after training")
    return metrics.expected_auc(truth["cvr"][clicked_test], predictions["cvr"].reshape(-1))


def _fit_once(model, probe: dict, names: list[str], order: list[str], what: str) -> None:
    rng = np.random.default_rng(5)
    x = {key: value[:FIT_ROWS] for key, value in probe.items()}
    click = rng.integers(0, 2, (FIT_ROWS, 1)).astype("float32")
    labels = {"ctr": click, "ctcvr": click * rng.integers(0, 2, (FIT_ROWS, 1)).astype("float32"),
              "cvr": rng.integers(0, 2, (FIT_ROWS, 1)).astype("float32")}
    try:
        keras_tools.fit_once(model, x, {name: labels[name] for name in names}, what, names=order)
    except AssertionError as error:
        if "can't be found in either the model's output" not in str(error):
            raise
        raise AssertionError(f"{error} Likely cause: the losses are compiled as a list, which Keras pairs with "
                             f"every output, so fit wants a target for each of them; the targets are "
                             f"{sorted(names)} only. Compile a dict keyed by output names") from None


def _assert_own_optimizers(first, second, what: str) -> None:
    if first.optimizer is not None and first.optimizer is second.optimizer:
        raise AssertionError(f"{what}: two models built by two calls share one optimizer object "
                             f"({type(first.optimizer).__name__}), so the second one cannot be trained. Create the "
                             "optimizer inside the builder (or pass a string such as 'adam')")


def _sizes_text(name: str, sizes: tuple, embedding_dim: int | None) -> str:
    extra = "" if embedding_dim is None else f", embedding_dim={embedding_dim}"
    return (f"{name}(num_users={sizes[0]}, num_items={sizes[1]}, user_feature_dim={sizes[2]}, "
            f"item_feature_dim={sizes[3]}{extra})")


_ADVICE = {key: "embed it and feed the embedding to the towers" for key in ("user_id", "item_id")}
_ADVICE.update({key: "is it joined into the vector the towers read, or left out of a Concatenate?"
                for key in ("user_features", "item_features")})


def _common(model, expected: list[str], sizes: tuple, embedding_dim: int, what: str, *, default: bool,
            seed: int) -> tuple:
    """Names, shapes, dict order, probabilities, inputs reaching every output, ID tables; returns
    (probe, outputs, order, tables)."""
    num_users, num_items, user_dim, item_dim = sizes
    keras_tools.assert_compiled(model, what)
    probe = _probe(seed, num_users, num_items, user_dim, item_dim)
    outputs = keras_tools.predict_by_key(model, probe, what, documented=list(INPUT_KEYS))
    keras_tools.assert_outputs_named(model, probe, what)
    keras_tools.assert_output_names(model, expected, what, outputs=outputs)
    keras_tools.assert_output_shapes(outputs, (PROBE_BATCH, 1), what)
    if "ctcvr" in expected:
        _assert_product(outputs, what, "on a random batch")
        _assert_product(keras_tools.predict(model, _scaled(probe, 30.0), what), what, "on inputs 30 times larger")
    _assert_probabilities(model, probe, outputs, expected, what)
    keras_tools.assert_inputs_matter(model, probe, what, every_output=True,
                                     id_bounds={"user_id": num_users, "item_id": num_items}, advice=_ADVICE)
    order = keras_tools.output_order(model, probe)
    tables = _id_tables(model, probe, {"user_id": num_users, "item_id": num_items}, embedding_dim, what, default)
    return probe, outputs, order, tables


# ------------------------------------------------------------------------------------ parts
def check_build_esmm(impl) -> None:
    """Outputs ctr, cvr, ctcvr = ctr x cvr; BCE on ctr and ctcvr only; shared ID embeddings; own towers;
    learns the CVR through ctcvr; sizes and embedding_dim varied; fits."""
    sizes = (NUM_USERS, NUM_ITEMS, USER_DIM, ITEM_DIM)
    what = _sizes_text("build_esmm", sizes, EMBEDDING_DIM)
    model = keras_tools.build(impl.build_esmm, *sizes, embedding_dim=EMBEDDING_DIM, what=what)
    probe, outputs, order, tables = _common(model, ESMM_OUTPUTS, sizes, EMBEDDING_DIM, what, default=False, seed=2)
    _assert_esmm_losses(model, outputs, order, what)
    _assert_shared_embeddings(model, probe, tables, what)

    scores = _esmm_scores(model, order, what)
    if not scores["ctr"] >= MIN_CTR_AUC:
        raise AssertionError(f"{what}: after {EPOCHS} epochs on a small synthetic funnel (Adam({LEARNING_RATE}) on "
                             f"your losses and loss weights), output 'ctr' ranks the held-out impressions with an "
                             f"AUC of {scores['ctr']:.3f} against the true click probabilities; the reference "
                             f"reaches about 0.86, the bar is {MIN_CTR_AUC}. Is ctr trained by the click labels "
                             "(loss on 'ctr'), are the heads swapped, or are layers frozen?")
    if not scores["cvr"] >= MIN_ESMM_CVR_AUC:
        raise AssertionError(f"{what}: after {EPOCHS} epochs on a small synthetic funnel, output 'cvr' ranks the "
                             f"held-out impressions with an AUC of {scores['cvr']:.3f} against the true "
                             "p(convert | click); the reference reaches about 0.83, the bar is "
                             f"{MIN_ESMM_CVR_AUC} (0.5 = not learned). The CVR is learned only through "
                             "ctcvr = ctr * cvr and its loss: is cvr the output of its own tower, multiplied "
                             "into ctcvr after its sigmoid, and are the ctr and cvr heads the right way round?")

    # the other way round: more items than users, feature widths swapped, embedding_dim at its default;
    # this fresh model also runs one step of its own fit
    sizes = (OTHER_USERS, OTHER_ITEMS, OTHER_USER_DIM, OTHER_ITEM_DIM)
    what = _sizes_text("build_esmm", sizes, None)
    first, model = model, keras_tools.build(impl.build_esmm, *sizes, what=what)
    _assert_own_optimizers(first, model, what)
    probe, outputs, order, tables = _common(model, ESMM_OUTPUTS, sizes, DEFAULT_EMBEDDING_DIM, what, default=True,
                                            seed=3)
    _assert_esmm_losses(model, outputs, order, what)
    _fit_once(model, probe, ["ctr", "ctcvr"], order, what)


def check_build_naive_cvr(impl) -> None:
    """One output cvr, a probability, BCE; trainable ID embeddings of embedding_dim; learns conversions from
    clicked impressions; sizes and embedding_dim varied; fits."""
    sizes = (NUM_USERS, NUM_ITEMS, USER_DIM, ITEM_DIM)
    what = _sizes_text("build_naive_cvr", sizes, EMBEDDING_DIM)
    model = keras_tools.build(impl.build_naive_cvr, *sizes, embedding_dim=EMBEDDING_DIM, what=what)
    probe, outputs, order, tables = _common(model, ["cvr"], sizes, EMBEDDING_DIM, what, default=False, seed=4)
    functions, weights = _loss_functions(model, outputs, order, what)
    kind = keras_tools.compiled_losses(model, what, order)["cvr"]
    if functions.get("cvr") is None:
        raise AssertionError(f"{what}: compile() gives output 'cvr' no loss; the naive model is trained on the "
                             "conversions of the clicked impressions with binary cross-entropy")
    if kind != "binary_crossentropy":
        advice = (" (from_logits=True applies a second sigmoid to a probability)" if "from_logits" in kind else
                  " (a conversion is a yes/no label)")
        raise AssertionError(f"{what}: output 'cvr' is compiled with {kind}; expected binary_crossentropy{advice}")
    reached = keras_tools.variables_reached(model, probe, "cvr")
    for key, found in tables.items():
        if not set(found) & reached:
            raise AssertionError(f"{what}: no gradient from 'cvr' reaches the {key.split('_')[0]} ID embedding, so "
                                 "training would not change it")
    score = _naive_scores(model, order, what)
    if not score >= MIN_NAIVE_CVR_AUC:
        raise AssertionError(f"{what}: after {EPOCHS} epochs on the clicked impressions of a small synthetic "
                             f"funnel (Adam({LEARNING_RATE}) on your loss), 'cvr' ranks the held-out clicked "
                             f"impressions with an AUC of {score:.3f} against the true p(convert | click); the "
                             f"reference reaches about 0.85, the bar is {MIN_NAIVE_CVR_AUC}. Something stops the "
                             "model from learning (frozen layers, a head cut off from the inputs, a wrong loss?)")

    sizes = (OTHER_USERS, OTHER_ITEMS, OTHER_USER_DIM, OTHER_ITEM_DIM)
    what = _sizes_text("build_naive_cvr", sizes, None)
    first, model = model, keras_tools.build(impl.build_naive_cvr, *sizes, what=what)
    _assert_own_optimizers(first, model, what)
    probe, outputs, order, _ = _common(model, ["cvr"], sizes, DEFAULT_EMBEDDING_DIM, what, default=True, seed=5)
    _fit_once(model, probe, ["cvr"], order, what)


PARTS = {
    "esmm_targets": check_esmm_targets,
    "build_esmm": check_build_esmm,
    "build_naive_cvr": check_build_naive_cvr,
}
TIMEOUTS = {"esmm_targets": 20, "build_esmm": 60, "build_naive_cvr": 60}


# ------------------------------------------------------------------------------ calibration
def _calibrate(folder: str = "solutions", seeds=range(5)) -> None:
    """Print the learnability scores per seed of the module in `folder` (the figures above)."""
    import importlib.util
    from pathlib import Path

    path = Path(folder) / "ex08_esmm.py" if Path(folder).is_dir() else Path(folder)
    spec = importlib.util.spec_from_file_location("ex08_calibrated", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for seed in seeds:
        (_, _, _, _), (_, truth, click_test, _) = _synthetic_funnel(seed)
        ceiling = {name: metrics.expected_auc(truth[name], truth[name]) for name in truth}
        keras_tools.fresh_session(seed)
        esmm = module.build_esmm(NUM_USERS, NUM_ITEMS, USER_DIM, ITEM_DIM, embedding_dim=EMBEDDING_DIM)
        esmm_scores = _esmm_scores(esmm, keras_tools.output_order(esmm, _probe(0)), "esmm", seed=seed)
        keras_tools.fresh_session(seed)
        naive = module.build_naive_cvr(NUM_USERS, NUM_ITEMS, USER_DIM, ITEM_DIM, embedding_dim=EMBEDDING_DIM)
        naive_score = _naive_scores(naive, keras_tools.output_order(naive, _probe(0)), "naive", seed=seed)
        clicked = click_test > 0.5
        print(f"seed {seed}: esmm ctr {esmm_scores['ctr']:.3f} cvr {esmm_scores['cvr']:.3f}  naive cvr (clicked) "
              f"{naive_score:.3f}  truth ctr {ceiling['ctr']:.3f} cvr {ceiling['cvr']:.3f} cvr clicked "
              f"{metrics.expected_auc(truth['cvr'][clicked], truth['cvr'][clicked]):.3f}", flush=True)


if __name__ == "__main__":
    import sys

    _calibrate(*sys.argv[1:2])
