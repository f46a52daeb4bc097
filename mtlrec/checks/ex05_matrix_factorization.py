"""Checks for ex05_matrix_factorization (notebook 05): build_matrix_factorization.

Behaviour only, so any layer names, initialisers, styles (functional or subclassed keras.Model, two
tables or one table with offset item ids) or ways of adding the constant pass:
- the contract, on three untrained builds that vary every argument (embedding_dim 5, a half-star
  global_mean, l2 0.05 and learning rate 0.02 with more users than items; all defaults with more items
  than users; global_mean 0 and l2 0): dict inputs read by key (the dict is also passed in the other key
  order), (batch, 1) ratings, Adam at the given learning rate, mean squared error (also on half-star
  ratings), predictions near global_mean, and model.losses equal to l2 * (sum P^2 + sum Q^2);
- the structure: on every (user, item) pair, the predicted matrix minus its row and column means
  (what biases and the mean explain) has rank embedding_dim exactly: the signature of p_u . q_i with
  embedding_dim factors and no activation on top;
- recovery of a known truth: ratings made from make_interactions' latent factors (latent_dim 2) plus
  strong user and item offsets; after a short seeded fit (with the model's own compiled loss) the model
  must predict held-out ratings well and its interaction part must match the true one. A model without
  biases or without the dot product cannot do both with embedding_dim 2.
"""

from __future__ import annotations

import re

import numpy as np

import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras

from mtlrec.checks import short
from mtlrec.checks.keras_tools import (assert_compiled, assert_optimizer, build, compiled_loss_functions,
                                       compiled_losses, fit_quietly, output_names, penalty, variables_reached)
from mtlrec.data import make_interactions

# Quality bars for the seeded fit below (embedding_dim 2, 20 epochs of batch 256, Adam 0.1). The
# reference over data seeds 0-9: held-out RMSE 0.228-0.347 (median 0.25; the check uses seed 0: 0.228)
# against a bar of 0.45; correlation of the learned interaction with the true one 0.987-0.997 against
# a bar of 0.9. Mutants: no biases RMSE >= 1.09, biases only (or zero factors) correlation < 0.05,
# an MLP on the joined vectors third singular value >= 0.09 of the first (the reference: 4e-8).
RMSE_BAR = 0.45
CORRELATION_BAR = 0.9
NOISE = 0.2  # the noise on the synthetic ratings, so the best possible RMSE
EPOCHS = 20

# The untrained builds: (num_users, num_items, positional args, keyword args), explicit arguments first
# so that a failure of the all-defaults build points at the signature's defaults.
# Asymmetric sizes both ways (a table sized by the wrong count fails one of them), widths that equal no
# other size, a half-star global_mean (2.5: int() or round() loses it), a global_mean of 0 (an activation
# on the output changes the rank), and l2 = 0 (a hard-coded penalty shows).
DEFAULTS = {"embedding_dim": 8, "global_mean": 3.0, "l2": 1e-4, "learning_rate": 0.01}
UNTRAINED_BUILDS = [
    (19, 11, (5,), {"global_mean": 2.5, "l2": 0.05, "learning_rate": 0.02}),
    (12, 17, (), {}),
    (7, 7, (2,), {"global_mean": 0.0, "l2": 0.0, "learning_rate": 0.003}),
]
# Rank of the double-centred untrained matrix: singular values above RANK_RELATIVE x the largest and
# above NOISE_FACTOR x the float32 rounding bound count. Reference and alternatives, seeds 0-9: the
# smallest of embedding_dim random factors is >= 1.2e-2 x the largest; the next one is float32 rounding,
# <= 3e-5 x the largest and about 0.1 x the bound (ratings near 3 stars are rounded to about 1e-7).
RANK_RELATIVE = 1e-3
NOISE_FACTOR = 10.0
# Half-star ratings and predictions for the loss probe (a loss that truncates 4.5 to 4 is not MSE).
HALF_STARS = np.array([[4.5], [1.0], [3.5], [2.0], [5.0], [0.5]], dtype="float32")
HALF_STAR_PREDICTIONS = np.array([[3.9], [1.7], [3.1], [2.6], [4.2], [1.4]], dtype="float32")


def _predict(model: keras.Model, inputs: dict, what: str) -> np.ndarray:
    """The model's ratings for a dict of id arrays, as a float64 vector, with shape and NaN checks."""
    batch = len(next(iter(inputs.values())))
    raw = model(inputs, training=False)
    if isinstance(raw, dict):
        if len(raw) != 1:
            raise AssertionError(f"{what} returned {len(raw)} outputs {sorted(raw)}; expected one rating output")
        raw = next(iter(raw.values()))
    if isinstance(raw, (list, tuple)):
        if len(raw) != 1:
            raise AssertionError(f"{what} returned {len(raw)} outputs; expected one rating output")
        raw = raw[0]
    values = np.asarray(raw, dtype=np.float64)
    if values.shape != (batch, 1):
        raise AssertionError(f"{what} returned shape {values.shape}; expected (batch, 1) = ({batch}, 1)")
    if not np.all(np.isfinite(values)):
        raise AssertionError(f"{what} returned NaN or infinite ratings: {short(values.ravel())}")
    return values.ravel()


def _ids(users: np.ndarray, items: np.ndarray) -> dict:
    return {"user_id": np.asarray(users, dtype="int32"), "item_id": np.asarray(items, dtype="int32")}


def _all_pairs(num_users: int, num_items: int):
    users, items = np.meshgrid(np.arange(num_users), np.arange(num_items), indexing="ij")
    return users.ravel(), items.ravel()


def _double_centred(matrix: np.ndarray) -> np.ndarray:
    """The matrix minus its row means and column means (plus the grand mean): what biases cannot explain."""
    return matrix - matrix.mean(axis=1, keepdims=True) - matrix.mean(axis=0, keepdims=True) + matrix.mean()


def _truth(seed: int):
    """Synthetic ratings with a known structure: mu + user offset + item offset + rank-2 interaction."""
    data = make_interactions(60, 40, 1200, latent_dim=2, cold_item_fraction=0.0, popularity_skew=0.3, seed=seed)
    rng = np.random.default_rng(seed + 1000)
    user_offset, item_offset = rng.normal(0.0, 0.7, 60), rng.normal(0.0, 0.7, 40)
    interaction = 1.5 * np.sqrt(2.0) * data.user_factors @ data.item_factors.T  # (60, 40), std about 1.5
    clean = 3.0 + user_offset[:, None] + item_offset[None, :] + interaction
    ratings = clean[data.user_id, data.item_id] + rng.normal(0.0, NOISE, len(data))
    is_test = rng.random(len(data)) < 0.2
    return data, ratings.astype("float32"), is_test, interaction


def _check_loss(model: keras.Model, what: str) -> None:
    """One output compiled with mean squared error, also on half-star ratings."""
    losses = compiled_losses(model, what)
    if list(losses.values()) != ["mean_squared_error"]:
        advice = (" (a rating is a quantity: squared error, not cross-entropy)"
                  if "binary_crossentropy" in losses.values() else "")
        raise AssertionError(f"{what} is compiled with {losses}; expected one output with mean squared error, "
                             f"the loss matrix factorization minimises{advice}")
    (function,) = compiled_loss_functions(model, what).values()
    got = float(np.mean(keras.ops.convert_to_numpy(function(keras.ops.convert_to_tensor(HALF_STARS),
                                                            keras.ops.convert_to_tensor(HALF_STAR_PREDICTIONS)))))
    expected = float(np.mean((HALF_STARS.astype(np.float64) - HALF_STAR_PREDICTIONS) ** 2))
    if abs(got - expected) > 1e-4 * expected:
        raise AssertionError(
            f"{what}: its compiled loss on the ratings {short(HALF_STARS.ravel())} with predictions "
            f"{short(HALF_STAR_PREDICTIONS.ravel())} is {got:.5f}; mean squared error is {expected:.5f}. It agrees "
            "on whole numbers, so the loss likely rounds or truncates the ratings (cast to int): 4.5 stars is "
            "not 4; compare the float ratings themselves")


def _lookup_failure(model: keras.Model, num_users: int, num_items: int, what: str, error: Exception) -> str:
    """Explain an exception on valid ids: which ids fail tells which table is too small."""
    found = re.search(r"indices\[[^\]]*\] = -?\d+ is not in \[0, \d+\)", str(error))
    text = f"{type(error).__name__} ({found.group(0) if found else short(str(error).strip(), 200)})"
    failing = []
    for label, users, items in (("item", np.zeros(num_items), np.arange(num_items)),
                                ("user", np.arange(num_users), np.zeros(num_users))):
        try:
            model(_ids(users, items), training=False)
        except Exception:  # noqa: BLE001 (any failure of the learner's model is the finding)
            failing.append(label)
    message = (f"{what} raised {text} when called on every (user, item) pair, user ids 0..{num_users - 1} and "
               f"item ids 0..{num_items - 1} (all valid).")
    if failing == ["item"]:
        message += (f" Item ids up to {num_items - 1} fail: an item table has fewer than num_items = {num_items} "
                    "rows (sized by num_users?), or the item ids go into a user table.")
    elif failing == ["user"]:
        message += (f" User ids up to {num_users - 1} fail: a user table has fewer than num_users = {num_users} "
                    "rows (sized by num_items?), or the user ids go into an item table.")
    elif failing:
        message += " Both user and item ids fail: are the two tables swapped or sized by the wrong counts?"
    return message + " User tables need num_users rows, item tables num_items rows."


def _ratings_matrix(model: keras.Model, num_users: int, num_items: int, what: str) -> np.ndarray:
    """Predicted ratings of every (user, item) pair, (num_users, num_items); the same when the dict is
    passed in the other key order."""
    users, items = _all_pairs(num_users, num_items)
    pairs = f"{what} on every (user, item) pair"
    try:
        matrix = _predict(model, _ids(users, items), pairs)
    except AssertionError:
        raise
    except Exception as error:  # noqa: BLE001
        raise AssertionError(_lookup_failure(model, num_users, num_items, what, error)) from None
    reordered = {"item_id": items.astype("int32"), "user_id": users.astype("int32")}
    cause = ("the inputs are taken by position (e.g. `user_id, item_id = inputs.values()`), not by key: "
             "read inputs['user_id'] and inputs['item_id']")
    try:
        again = _predict(model, reordered, f"{pairs}, dict keys in the order item_id, user_id")
    except AssertionError:
        raise
    except Exception as error:  # noqa: BLE001
        raise AssertionError(f"{pairs} works, but the same dict with its keys in the order item_id, user_id "
                             f"raised {type(error).__name__}. Likely cause: {cause}") from None
    if not np.allclose(again, matrix, rtol=1e-5, atol=1e-5):
        raise AssertionError(f"{pairs}: the same ids in a dict with its keys in the order item_id, user_id give "
                             f"other ratings ({short(again[:6])} instead of {short(matrix[:6])}). Likely "
                             f"cause: {cause}")
    return matrix.reshape(num_users, num_items)


def _check_start(matrix: np.ndarray, global_mean: float, what: str) -> None:
    """Untrained predictions within 0.5 stars of global_mean (the docstring's promise)."""
    if abs(matrix.mean() - global_mean) <= 0.1 and np.abs(matrix - global_mean).max() <= 0.5:
        return
    cause = ""
    if np.all((matrix > 0) & (matrix < 1)) and not 0 <= global_mean <= 1:
        cause = " Likely cause: a sigmoid on the output; a rating in stars needs no activation."
    elif abs(matrix.mean()) < 0.3 and abs(global_mean) > 0.5:
        cause = " Likely cause: global_mean is not added (mu + b_u + b_i + p_u . q_i)."
    elif global_mean != round(global_mean) and min(abs(matrix.mean() - round(global_mean)),
                                                    abs(matrix.mean() - int(global_mean))) < 0.05:
        cause = (f" Likely cause: global_mean = {global_mean} is rounded or cast to int on the way; keep it a "
                 "float (half-star means are common).")
    elif global_mean and abs(matrix.mean() - 2 * global_mean) <= 0.1:
        cause = (" Likely cause: global_mean is added twice (e.g. both bias tables initialised to it, or a bias "
                 "table initialised to it and the constant as well); add mu once.")
    elif abs(matrix.mean() - global_mean) <= 0.1:
        cause = (" Likely cause: the interaction term is large before training: a normalised (cosine) dot "
                 "product, or factors initialised far from zero; use Dot(axes=1) on small random factors.")
    elif matrix.min() >= 0 and global_mean <= 0:
        cause = " Likely cause: an activation (ReLU, clip) on the output; a rating needs none."
    raise AssertionError(f"{what}, untrained, predicts {short(matrix.ravel())} (mean {matrix.mean():.3f}); expected "
                         f"ratings within 0.5 of global_mean = {global_mean} before any training.{cause}")


def _factor_variables(model: keras.Model, embedding_dim: int) -> list:
    """Trainable 2-D variables embedding_dim wide: the factor tables P and Q (or one table for both)."""
    return [v for v in model.trainable_variables if len(v.shape) == 2 and int(v.shape[-1]) == embedding_dim]


def _sum_of(variables, power) -> float:
    return float(sum(np.sum(np.abs(np.asarray(keras.ops.convert_to_numpy(v), dtype=np.float64)) ** power)
                     for v in variables))


def _check_structure(model: keras.Model, matrix: np.ndarray, embedding_dim: int, what: str) -> None:
    """The untrained matrix minus row and column means has rank embedding_dim."""
    residual = _double_centred(matrix)
    singular = np.linalg.svd(residual, compute_uv=False)
    # float32 rounding of the ratings alone gives singular values up to about this
    rounding = np.finfo(np.float32).eps * np.abs(matrix).max() * (np.sqrt(matrix.shape[0]) + np.sqrt(matrix.shape[1]))
    if singular[0] <= NOISE_FACTOR * rounding:
        users, items = _all_pairs(*matrix.shape)
        reached = variables_reached(model, _ids(users, items), output_names(model)[0])
        factors = _factor_variables(model, embedding_dim)
        if not reached:
            cause = ("no weight gets a gradient from the output: rounding (or another step function) on the "
                     "output has zero gradient, so the model can never learn; output the raw sum "
                     "mu + b_u + b_i + p_u . q_i and round only for display")
        elif factors and not _sum_of(factors, 2):
            cause = ("the factors start at zero: then the gradient of p_u . q_i (q_i for p_u, p_u for q_i) is "
                     "zero and they never move; keep the default small random initialiser")
        elif factors and all(np.ptp(np.asarray(keras.ops.convert_to_numpy(v))) == 0 for v in factors):
            cause = ("the factors start at one constant value: every factor then gets the same update and they "
                     "stay alike; keep the default small random initialiser")
        else:
            cause = ("the dot product p_u . q_i is missing or does not reach the output (factor tables that are "
                     "built but not used in the sum)")
        raise AssertionError(f"{what}, untrained: every (user, item) rating is explained by the mean and per-user "
                             f"and per-item offsets ({short(matrix.ravel())}); p_u . q_i of random factors must "
                             f"add a user-item interaction. Likely cause: {cause}")
    rank = int(np.sum(singular > max(RANK_RELATIVE * singular[0], NOISE_FACTOR * rounding)))
    if rank == embedding_dim:
        return
    full = min(matrix.shape) - 1  # double centring removes one dimension
    story = (f"{what}, untrained: the predicted rating matrix minus its row and column means has singular values "
             f"{short(singular[:embedding_dim + 2])}: rank {rank}, but mu + b_u + b_i + p_u . q_i with "
             f"embedding_dim = {embedding_dim} random factors has rank {embedding_dim}.")
    clamped = max(np.mean(matrix == matrix.min()), np.mean(matrix == matrix.max())) > 0.1
    widths = sorted({int(v.shape[-1]) for v in model.trainable_variables if len(v.shape) == 2} - {1})
    if rank > embedding_dim and clamped:
        cause = ("many ratings equal the smallest (or largest) one: a ReLU or a clip on the output; a rating in "
                 "stars is the plain sum mu + b_u + b_i + p_u . q_i, with no activation")
    elif not _factor_variables(model, embedding_dim):
        cause = (f"no weight table is embedding_dim = {embedding_dim} wide (widths {widths}): is embedding_dim "
                 "ignored (a hard-coded width)?")
    elif rank > embedding_dim:
        cause = ("an activation on the output (ReLU, clip, softplus, ...) or a network on the joined vectors instead "
                 "of the dot product; a rating in stars is the plain sum")
    else:
        cause = (f"only {rank} of the embedding_dim = {embedding_dim} factors reach the output (a slice, or tables "
                 "narrower than embedding_dim)")
    raise AssertionError(f"{story} Likely cause: {cause}")


def _check_penalty(model: keras.Model, embedding_dim: int, l2: float, what: str) -> None:
    """model.losses: l2 * (sum of P^2 + sum of Q^2); a penalty on the zero-started biases too is allowed."""
    got = penalty(model)
    factors = _factor_variables(model, embedding_dim)
    squares = _sum_of(factors, 2)
    expected = l2 * squares
    ceiling = l2 * _sum_of(model.trainable_variables, 2)  # if the biases (or the mean) are penalised too
    if expected * (1 - 1e-3) - 1e-12 <= got <= ceiling * (1 + 1e-3) + 1e-12:
        return
    if l2 == 0.0:
        cause = ("the l2 argument is ignored (a hard-coded penalty"
                 + (", the default 1e-4" if squares and abs(got - 1e-4 * squares) < 1e-3 * got else "") + ")")
    elif got == 0.0:
        cause = ("model.losses holds no penalty: give the factor Embeddings "
                 "embeddings_regularizer=keras.regularizers.L2(l2)")
    elif squares and abs(got - 1e-4 * squares) < 1e-3 * got:
        cause = "the l2 argument is ignored: the penalty uses the default 1e-4"
    elif squares and abs(got - l2 * _sum_of(factors, 1)) < 1e-3 * got:
        cause = "an L1 penalty (sum of |x|); the docstring asks for keras.regularizers.L2(l2) (sum of x^2)"
    elif 0.2 * expected < got < 0.8 * expected:
        cause = "only one of the two factor matrices P and Q is penalised; put the regularizer on both"
    else:
        cause = ("a penalty on something else than the two factor matrices, e.g. on the looked-up vectors of a "
                 "batch (activity_regularizer) or a mean instead of a sum; use embeddings_regularizer="
                 "keras.regularizers.L2(l2) on the factor Embeddings")
    raise AssertionError(f"{what}: sum(model.losses) is {got:.6g}; expected l2 * (sum of P^2 + sum of Q^2) = "
                         f"{l2:g} * {squares:.6g} = {expected:.6g}. Likely cause: {cause}")


def _check_untrained(impl, num_users: int, num_items: int, args: tuple, kwargs: dict) -> None:
    """One untrained build: compile settings, ratings near global_mean, structure, penalty."""
    settings = {**DEFAULTS, **dict(zip(["embedding_dim"], args)), **kwargs}
    shown = ", ".join([str(num_users), str(num_items)] + [repr(a) for a in args]
                      + [f"{k}={v!r}" for k, v in kwargs.items()])
    what = f"build_matrix_factorization({shown})"
    if not args and not kwargs:
        what += " (every other argument at its default)"
    model = build(impl.build_matrix_factorization, num_users, num_items, *args, what=what, **kwargs)
    assert_compiled(model, what)
    _check_loss(model, what)
    matrix = _ratings_matrix(model, num_users, num_items, what)
    try:
        assert_optimizer(model, settings["learning_rate"], what)
        _check_start(matrix, settings["global_mean"], what)
        _check_structure(model, matrix, settings["embedding_dim"], what)
        _check_penalty(model, settings["embedding_dim"], settings["l2"], what)
    except AssertionError as error:
        if args or kwargs:
            raise
        message = str(error)
        if " at learning rate " in message:  # the explicit learning_rate passed above: the default is wrong
            message = message.split(" Likely cause:")[0]
        raise AssertionError(f"{message} (This call relies on the signature's defaults, documented as "
                             + ", ".join(f"{k}={v!r}" for k, v in DEFAULTS.items()) + ": do yours match?)") from None


def check_build_matrix_factorization(impl) -> None:
    """Contract sweep on untrained builds, mu + b_u + b_i + p_u . q_i structure, and recovery of a known
    latent structure after a short fit."""
    for num_users, num_items, args, kwargs in UNTRAINED_BUILDS:
        _check_untrained(impl, num_users, num_items, args, kwargs)

    what = "build_matrix_factorization(60, 40, 2, global_mean=<train mean>, learning_rate=0.1)"
    data, ratings, is_test, interaction = _truth(seed=0)
    train = ~is_test
    keras.utils.set_random_seed(0)
    model = build(impl.build_matrix_factorization, 60, 40, 2, global_mean=float(ratings[train].mean()),
                  learning_rate=0.1, what=what)
    fit_quietly(model, _ids(data.user_id[train], data.item_id[train]), ratings[train].reshape(-1, 1),
                epochs=EPOCHS, batch_size=256, seed=0)

    users, items = _all_pairs(60, 40)
    matrix = _predict(model, _ids(users, items), f"{what}, trained, on every pair").reshape(60, 40)
    residual = _double_centred(matrix)  # what mu, b_u and b_i cannot explain: the interaction part
    test_rmse = float(np.sqrt(np.mean((matrix[data.user_id[is_test], data.item_id[is_test]] - ratings[is_test]) ** 2)))
    truth = _double_centred(interaction)
    correlation = float(np.corrcoef(residual.ravel(), truth.ravel())[0, 1]) if residual.std() > 1e-6 else 0.0
    story = (f"{what} trained {EPOCHS} epochs on ratings = mu + user offset + item offset + a rank-2 interaction + "
             f"noise (std {NOISE}): held-out RMSE {test_rmse:.3f} (must be <= {RMSE_BAR}), correlation of the "
             f"learned interaction with the true one {correlation:.3f} (must be >= {CORRELATION_BAR})")
    if correlation < 0.5 and residual.std() < 1e-3 * max(matrix.std(), 1e-6):
        raise AssertionError(f"{story}. The model learned no user-item interaction at all: the dot product "
                             "p_u . q_i is missing, or the factors start at zero (then their gradient is zero "
                             "and they never move; keep the default random initialiser)")
    singular = np.linalg.svd(residual, compute_uv=False)
    if singular[2] > 1e-3 * max(singular[0], 1e-12):
        raise AssertionError(
            f"{what}: after training, the predicted rating matrix minus its row and column means has singular "
            f"values {short(singular[:5])}; with embedding_dim=2 only two can be non-zero. The prediction must "
            "be mu + b_u + b_i + p_u . q_i (a dot product), not a network on the joined vectors, and with "
            "no activation on top")
    if test_rmse > RMSE_BAR or correlation < CORRELATION_BAR:
        cause = ""
        if correlation < 0.5:
            cause = " Likely cause: the dot product p_u . q_i is missing or does not reach the output."
        elif test_rmse > RMSE_BAR:
            cause = " Likely cause: the user and item biases b_u, b_i are missing (Embedding(num, 1) each)."
        raise AssertionError(f"{story}.{cause}")


PARTS = {"build_matrix_factorization": check_build_matrix_factorization}
TIMEOUTS = {"build_matrix_factorization": 40}
