"""Checks for ex05_matrix_factorization (notebook 05): build_matrix_factorization.

Behaviour only, so any layer names, initialisers or ways of adding the constant pass:
- the contract: dict inputs, (batch, 1) ratings, compiled with squared error, global_mean at the start;
- the structure: on every (user, item) pair, the predicted matrix minus its row and column means
  (what biases and the mean explain) has rank <= embedding_dim: the signature of p_u . q_i;
- recovery of a known truth: ratings made from make_interactions' latent factors (latent_dim 2) plus
  strong user and item offsets; after a short seeded fit the model must predict held-out ratings
  well and its interaction part must match the true one. A model without biases or without the dot
  product cannot do both with embedding_dim 2.
"""

from __future__ import annotations

import numpy as np

import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras

from mtlrec.checks import short
from mtlrec.checks.keras_tools import assert_compiled, build, compiled_losses, fit_quietly
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


def _predict(model: keras.Model, users: np.ndarray, items: np.ndarray, what: str) -> np.ndarray:
    inputs = {"user_id": users.astype("int32"), "item_id": items.astype("int32")}
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
    if values.shape != (len(users), 1):
        raise AssertionError(f"{what} returned shape {values.shape}; expected (batch, 1) = ({len(users)}, 1)")
    if not np.all(np.isfinite(values)):
        raise AssertionError(f"{what} returned NaN or infinite ratings: {short(values.ravel())}")
    return values.ravel()


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


def check_build_matrix_factorization(impl) -> None:
    """Contract, mu + b_u + b_i + p_u . q_i structure, and recovery of a known latent structure."""
    what = "build_matrix_factorization(20, 15, 3, global_mean=3.5)"
    model = build(impl.build_matrix_factorization, 20, 15, 3, global_mean=3.5, what=what)
    assert_compiled(model, what)
    losses = compiled_losses(model, what)
    if list(losses.values()) != ["mean_squared_error"]:
        advice = (" (a rating is a quantity: squared error, not cross-entropy)"
                  if "binary_crossentropy" in losses.values() else "")
        raise AssertionError(f"{what} is compiled with {losses}; expected one output with mean squared error, "
                             f"the loss matrix factorization minimises{advice}")
    users, items = _all_pairs(20, 15)
    start = _predict(model, users, items, f"{what} on every (user, item) pair")
    if abs(start.mean() - 3.5) > 0.1 or np.abs(start - 3.5).max() > 0.5:
        cause = ""
        if np.all((start > 0) & (start < 1)):
            cause = " Likely cause: a sigmoid on the output; a rating in stars needs no activation."
        elif abs(start.mean()) < 0.3:
            cause = " Likely cause: global_mean is not added (mu + b_u + b_i + p_u . q_i)."
        elif abs(start.mean() - 3.5) <= 0.1:
            cause = (" Likely cause: the interaction term is large before training: a normalised (cosine) dot "
                     "product, or factors initialised far from zero; use Dot(axes=1) on small random factors.")
        raise AssertionError(f"{what}, untrained, predicts {short(start)} (mean {start.mean():.3f}); expected "
                             f"ratings close to global_mean = 3.5 before any training.{cause}")

    what = "build_matrix_factorization(60, 40, 2, global_mean=<train mean>, learning_rate=0.1)"
    data, ratings, is_test, interaction = _truth(seed=0)
    train = ~is_test
    keras.utils.set_random_seed(0)
    model = build(impl.build_matrix_factorization, 60, 40, 2, global_mean=float(ratings[train].mean()),
                  learning_rate=0.1, what=what)
    inputs = {"user_id": data.user_id[train].astype("int32"), "item_id": data.item_id[train].astype("int32")}
    fit_quietly(model, inputs, ratings[train].reshape(-1, 1), epochs=EPOCHS, batch_size=256, seed=0)

    users, items = _all_pairs(60, 40)
    matrix = _predict(model, users, items, f"{what}, trained, on every pair").reshape(60, 40)
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
