"""Checks for ex11_foundation_transfer (notebook 11): Adapter, causal_self_attention, build_adapter_model,
residual_quantize.

Adapter is checked for two sizes (bottleneck below and above the input width) and two activations: the
identity at initialisation on (batch, d) and (batch, T, d) inputs, exactly the four documented weights
(down kernel and bias, up kernel and bias, the up ones zero at the start), an up-projection that gets a
gradient (so the adapter can learn), then, with random values written into those four weights,
x + activation(x W_down + b_down) W_up + b_up computed in numpy; and the get_config / from_config round
trip (bottleneck, activation and the base config; a JSON-serialisable config).
causal_self_attention is compared with keras.layers.MultiHeadAttention(num_heads=1, use_bias=False) holding
the same kernels, with T, d and key_dim all different, with and without a padding mask (left padding,
holes, a row without padding), on numpy arrays and on tensors; a change in later positions must leave
earlier outputs unchanged; wrong answers are named by comparing with the usual slips written out in numpy
(scale by sqrt(d), no causal mask, mask after the softmax, softmax over the queries, padding ignored).
build_adapter_model is checked over a tiny pre-trained encoder built here (an item + position embedding
layer and position-mixing blocks, d different from the bottleneck and the head width): the builder
freezes it, the trainable weights are exactly the adapters' and the heads' (identity and count), one
distinct Adapter after each block with its own bottleneck width, the heads read the frozen encoder's
output at the last position at initialisation, click is a probability, rating a linear Dense output, the
heads share no layer; after a short fit the encoder's weights are unchanged, the adapters' have moved, and
the last and an earlier id both change the outputs. Defaults (bottleneck=8, head_units=16) and one block
are checked too.
residual_quantize: shapes, dtypes and ranges; each level's codes are the nearest entries of its final
codebook to that level's residual (what is left after the previous levels), unconverged (n_iter=2) and
converged (the codebooks are then the means of their rows); the reconstruction error never rises with the
levels and falls where it must; boundaries (codebook_size = n gives an exact reconstruction; codebook_size
= 1 the mean; duplicate rows giving ties and empty clusters); determinism per seed, seeds and n_iter that
change the result; ValueErrors; float32 and float64 inputs left unmodified.
"""

from __future__ import annotations

import json
import traceback
import warnings

import numpy as np

import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras
import tensorflow as tf

from mtlrec.checks import expect_value_error, learner_line, short
from mtlrec.checks.keras_tools import (assert_output_names, assert_output_shapes, assert_probability, error_text,
                                       fresh_session, predict, recorded_calls, relu_silenced_kernels,
                                       variables_reached)

TOLERANCE = 1e-4  # float32 answers against float64 or Keras references: ~1e-6 seen, wrong answers >1e-2


def _raised(what: str, error: Exception) -> AssertionError:
    return AssertionError(f"{what} raised {type(error).__name__}: {error_text(error)}{learner_line(error)}")


def _from_stub(error: BaseException, impl, function: str) -> bool:
    """True when a NotImplementedError comes from `function` itself in the learner's file (its stub)."""
    path = getattr(impl, "__file__", None)
    frames = [f for f in traceback.extract_tb(error.__traceback__) if path and f.filename == path]
    return bool(frames) and frames[-1].name == function


def _close(got: np.ndarray, expected: np.ndarray, rtol: float = TOLERANCE, atol: float = TOLERANCE) -> bool:
    return got.shape == expected.shape and bool(np.allclose(got, expected, rtol=rtol, atol=atol))


def _numpy_activation(name: str, values: np.ndarray) -> np.ndarray:
    return np.asarray(keras.activations.get(name)(tf.constant(values, tf.float32)), np.float64)


# ------------------------------------------------------------------------------ Adapter
ADAPTER_PROBES = ((6, 3, None), (5, 7, "tanh"))  # (input width d, bottleneck, activation or None = default)


def _adapter_call(layer, x, what: str) -> np.ndarray:
    try:
        value = layer(x)
    except NotImplementedError as error:
        frames = traceback.extract_tb(error.__traceback__)
        method = frames[-1].name if frames else "a method"
        raise AssertionError(f"Adapter.{method}() still raises NotImplementedError; __init__ works, so finish the "
                             "other methods too (build, call, get_config)") from None
    except Exception as error:
        raise _raised(what, error) from None
    array = np.asarray(value)
    if array.shape != np.shape(x):
        raise AssertionError(f"{what} returned shape {array.shape}; expected the input's shape {np.shape(x)} "
                             "(the up-projection must map the bottleneck back to the input width d = "
                             "input_shape[-1])")
    if not np.all(np.isfinite(array)):
        raise AssertionError(f"{what} returned NaN or infinite values")
    return array.astype(np.float64)


def _adapter_weights(layer, width: int, bottleneck: int, what: str) -> dict:
    """{'down_kernel', 'down_bias', 'up_kernel', 'up_bias'}: the layer's trainable variables, found by shape."""
    variables = list(layer.trainable_variables)
    shapes = sorted(tuple(v.shape) for v in variables)
    expected = {"down_kernel": (width, bottleneck), "down_bias": (bottleneck,), "up_kernel": (bottleneck, width),
                "up_bias": (width,)}
    if shapes != sorted(expected.values()):
        cause = ""
        if any(shape[-1:] == (8,) or shape[:1] == (8,) for shape in shapes) and bottleneck != 8:
            cause = " Likely cause: the bottleneck width is hard-coded (8) instead of the bottleneck argument."
        elif len(shapes) == 2:
            cause = " Likely cause: Dense layers without a bias (use_bias=False), or a projection missing."
        raise AssertionError(f"{what} has trainable weights of shapes {shapes}; expected exactly the down-projection "
                             f"Dense({bottleneck}) kernel {expected['down_kernel']} and bias {expected['down_bias']} "
                             f"and the up-projection Dense(d={width}) kernel {expected['up_kernel']} and bias "
                             f"{expected['up_bias']}, as the docstring says.{cause}")
    by_shape = {tuple(v.shape): v for v in variables}
    return {name: by_shape[shape] for name, shape in expected.items()}


def check_adapter(impl) -> None:
    """Identity at the start; the four documented weights (up ones zero); the up-projection learns;
    x + act(x Wd + bd) Wu + bu with random weights on 2-D and 3-D inputs; config round trip."""
    for width, bottleneck, activation in ADAPTER_PROBES:
        _check_adapter_probe(impl, width, bottleneck, activation)


def _check_adapter_probe(impl, width: int, bottleneck: int, activation: str | None) -> None:
    rng = np.random.default_rng(width)
    kwargs = {} if activation is None else {"activation": activation}
    name = activation or "relu"
    what = f"Adapter({bottleneck}{f', activation={activation!r}' if activation else ''}, name='my_adapter')"
    fresh_session(width)
    layer = impl.Adapter(bottleneck, name="my_adapter", **kwargs)
    if not isinstance(layer, keras.layers.Layer):
        raise AssertionError(f"{what} made a {type(layer).__name__}; expected a keras.layers.Layer subclass")
    sequence = rng.normal(size=(4, 3, width)).astype("float32")  # (batch, T, d)
    flat = rng.normal(size=(5, width)).astype("float32")  # (batch, d)
    first, second = (flat, sequence) if width % 2 else (sequence, flat)  # build on either rank
    for x in (first, second):
        call = f"{what} called on x of shape {x.shape} at initialisation"
        y = _adapter_call(layer, x, call)
        if not _close(y, x.astype(np.float64), 0.0, 1e-6):
            if np.allclose(y, 0.0, atol=1e-6):
                cause = ("no residual connection: return x + up(activation(down(x))); without `x +` the adapter "
                         "starts at zero and wipes out the pre-trained block's output")
            else:
                cause = ("the up-projection is not initialised to zero (kernel_initializer='zeros' AND "
                         "bias_initializer='zeros' on the up Dense)")
            raise AssertionError(f"{call} returned values differing from x by up to {np.abs(y - x).max():.3g}; "
                                 f"an adapter must start as the identity (layer(x) == x exactly). Likely cause: "
                                 f"{cause}.")
    weights = _adapter_weights(layer, width, bottleneck, what)
    for key in ("up_kernel", "up_bias"):
        if np.any(np.asarray(weights[key]) != 0.0):
            raise AssertionError(f"{what}: the up-projection's {key.split('_')[1]} is not all zeros at "
                                 "initialisation; both its kernel and its bias start at zero")
    # the up-projection must get a gradient, so the adapter can leave the identity
    direction = rng.normal(size=sequence.shape).astype("float32")
    with tf.GradientTape() as tape:
        objective = tf.reduce_sum(tf.convert_to_tensor(layer(sequence)) * direction)
    gradient = tape.gradient(objective, weights["up_kernel"].value)
    if gradient is None or not np.any(np.asarray(gradient) != 0.0):
        raise AssertionError(f"{what}: at initialisation the up-projection's kernel gets no gradient, so the adapter "
                             "can never learn. Likely cause: the DOWN projection is initialised to zero too (then "
                             "activation(down(x)) is 0 and so is every gradient); only the up one starts at zero.")

    # random values in the four weights: the formula, on both ranks
    values = {"down_kernel": rng.normal(size=(width, bottleneck)), "down_bias": rng.normal(size=bottleneck) * 0.5,
              "up_kernel": rng.normal(size=(bottleneck, width)), "up_bias": rng.normal(size=width) * 0.5}
    for key, value in values.items():
        weights[key].assign(value.astype("float32"))
    for x in (sequence, flat):
        x64 = x.astype(np.float64)
        pre = x64 @ values["down_kernel"] + values["down_bias"]
        expected = x64 + _numpy_activation(name, pre) @ values["up_kernel"] + values["up_bias"]
        call = f"{what} with random values written into its four weights, on x of shape {x.shape}"
        got = _adapter_call(layer, x, call)
        if not _close(got, expected):
            up = lambda hidden: hidden @ values["up_kernel"] + values["up_bias"]  # noqa: E731
            causes = [(x64 + up(pre), "the activation is ignored (no non-linearity between the projections)"),
                      (x64 + up(_numpy_activation("relu", pre)),
                       f"the activation argument is ignored (ReLU used instead of {name!r})"),
                      (up(_numpy_activation(name, pre)), "no residual connection (x + ... missing)"),
                      (x64 + up(_numpy_activation(name, x64 @ values["down_kernel"])),
                       "the down-projection's bias is not used")]
            cause = next((text for value, text in causes if _close(got, value)), None)
            raise AssertionError(f"{call} differs from x + activation(x W_down + b_down) W_up + b_up by up to "
                                 f"{np.abs(got - expected).max():.3g}." + (f" Likely cause: {cause}." if cause else ""))

    # get_config / from_config
    try:
        config = layer.get_config()
    except NotImplementedError:
        raise AssertionError("Adapter.get_config() still raises NotImplementedError; __init__ works, so finish the "
                             "other methods too") from None
    except Exception as error:
        raise _raised(f"{what}.get_config()", error) from None
    if not isinstance(config, dict) or config.get("bottleneck") != bottleneck:
        raise AssertionError(f"{what}.get_config() returned {short(config, 300)}; it must hold bottleneck="
                             f"{bottleneck} (and activation, on top of super().get_config())")
    if config.get("name") != "my_adapter":
        raise AssertionError(f"{what}.get_config() returned {short(config, 300)}: the base layer's config (name, "
                             "trainable, dtype) is lost; pass **kwargs on to super().__init__ and start from "
                             "config = super().get_config()")
    try:
        json.dumps(config)
    except TypeError as error:
        raise AssertionError(f"{what}.get_config() is not JSON-serialisable ({error}), so model.save cannot write "
                             "it: store the activation as keras.activations.serialize(self.activation) (a name "
                             "such as 'relu'), not the function") from None
    try:
        clone = impl.Adapter.from_config(config)
        clone_out = _adapter_call(clone, sequence, f"Adapter.from_config({what}.get_config())(x)")
    except AssertionError:
        raise
    except Exception as error:
        raise _raised(f"Adapter.from_config({what}.get_config()) with get_config() = {short(config, 200)}",
                      error) from None
    if clone.name != "my_adapter":
        raise AssertionError(f"Adapter.from_config({what}.get_config()) is named {clone.name!r}; the round trip must "
                             "keep the base config (name='my_adapter'): start from super().get_config() and pass "
                             "**kwargs on to super().__init__")
    listed = impl.Adapter.from_config(config)
    try:  # keras.models.load_model builds a layer with the shape read back from JSON: a list
        listed.build([None, 3, width])
    except Exception as error:
        raise AssertionError(f"Adapter.from_config({what}.get_config()).build([None, 3, {width}]) raised "
                             f"{type(error).__name__}: {error}. keras.models.load_model builds the layer with the "
                             "input shape read back from the saved file, a list, so a saved model holding this "
                             "adapter cannot be loaded. Likely cause: input_shape[:-1] + (bottleneck,) adds a tuple "
                             "to a list; write tuple(input_shape[:-1]) + (bottleneck,)") from None
    clone_weights = _adapter_weights(clone, width, bottleneck, f"Adapter.from_config({what}.get_config())")
    for key, value in values.items():
        clone_weights[key].assign(value.astype("float32"))
    clone_out = _adapter_call(clone, sequence, f"Adapter.from_config({what}.get_config())(x)")
    if not _close(clone_out, _adapter_call(layer, sequence, what)):
        raise AssertionError(f"Adapter.from_config({what}.get_config()), given the same weights, computes something "
                             f"else than the original: get_config() must keep the activation ({name!r}); it "
                             f"returned {short(config, 300)}")


# ------------------------------------------------------------------------------ causal_self_attention
ATTENTION_PROBES = (  # (batch, T, d, key_dim, padding?) - T, d and key_dim differ within a probe
    (3, 5, 6, 4, False),
    (4, 6, 5, 3, True),
    (2, 1, 3, 2, False),  # one position: the output is x w_v w_o
)


def _attention_inputs(batch: int, length: int, width: int, key_dim: int, padding: bool, seed: int):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, length, width)).astype("float32")
    w_q, w_k, w_v = (rng.normal(size=(width, key_dim)).astype("float32") for _ in range(3))
    w_o = rng.normal(size=(key_dim, width)).astype("float32")
    mask = None
    if padding:
        mask = np.ones((batch, length), bool)
        mask[0, :2] = False  # left padding: queries 0 and 1 see no real key
        mask[1, 2] = False  # a hole in the middle
        mask[1, -1] = False  # padding at the end
        mask[3, 0] = False
        mask[3, 3:5] = False  # row 2 has no padding
    return x, (w_q, w_k, w_v, w_o), mask


def _keras_attention(x, kernels, mask) -> np.ndarray:
    """keras.layers.MultiHeadAttention(num_heads=1, use_bias=False) with the given kernels, causal."""
    w_q, w_k, w_v, w_o = kernels
    layer = keras.layers.MultiHeadAttention(num_heads=1, key_dim=w_q.shape[1], use_bias=False)
    attention_mask = None if mask is None else mask[:, None, :]
    layer(x, x, x, attention_mask=attention_mask, use_causal_mask=True)
    layer.set_weights([w_q[:, None, :], w_k[:, None, :], w_v[:, None, :], w_o[None, :, :]])
    return np.asarray(layer(x, x, x, attention_mask=attention_mask, use_causal_mask=True), np.float64)


def _numpy_attention(x, kernels, mask, *, scale=None, causal=True, use_padding=True, after=False, axis=-1,
                     upper=False, on_queries=False):
    """Attention written out in float64, with the usual slips as options (for naming a wrong answer)."""
    w_q, w_k, w_v, w_o = (np.asarray(w, np.float64) for w in kernels)
    x = np.asarray(x, np.float64)
    length = x.shape[1]
    scores = (x @ w_q) @ np.swapaxes(x @ w_k, 1, 2) / np.sqrt(w_q.shape[1] if scale is None else scale)
    allowed = np.ones((x.shape[0], length, length), bool)
    if causal:
        allowed &= (np.triu if upper else np.tril)(np.ones((length, length), bool))[None]
    if mask is not None and use_padding:
        allowed &= mask[:, :, None] if on_queries else mask[:, None, :]
    if not after:
        scores = np.where(allowed, scores, -1e9)
    shifted = np.exp(scores - scores.max(axis=axis, keepdims=True))
    weights = shifted / shifted.sum(axis=axis, keepdims=True)
    if after:
        weights = weights * allowed
    return weights @ (x @ w_v) @ w_o


def _attention(impl, what: str, x, kernels, mask) -> np.ndarray:
    with recorded_calls([keras.layers.MultiHeadAttention]) as calls, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras warns about a softmax over one key (T = 1): expected here
        try:
            value = impl.causal_self_attention(x, *kernels, padding_mask=mask)
        except (NotImplementedError, AssertionError):
            raise
        except Exception as error:
            raise _raised(what, error) from None
    if calls:
        raise AssertionError(f"{what} calls keras.layers.MultiHeadAttention; the exercise is to write the attention "
                             "out by hand with keras.ops (projections, scores, masks, softmax, output projection)")
    try:
        array = np.asarray(value, np.float64)
    except Exception:
        raise AssertionError(f"{what} returned {type(value).__name__} {short(value)}; expected a tensor or array "
                             "of shape (batch, T, d)") from None
    expected_shape = tuple(np.shape(x))
    if array.shape != expected_shape:
        cause = ""
        if array.shape == expected_shape[:2] + (kernels[0].shape[1],):
            cause = " Likely cause: the output projection w_o is forgotten (weights @ v is (batch, T, key_dim))."
        elif array.shape == expected_shape[:2] + (expected_shape[1],):
            cause = " Likely cause: the attention weights (batch, T, T) are returned instead of the output."
        raise AssertionError(f"{what} returned shape {array.shape}; expected {expected_shape} (batch, T, d).{cause}")
    dtype = keras.backend.standardize_dtype(getattr(value, "dtype", array.dtype))
    if dtype != "float32":
        raise AssertionError(f"{what} returned dtype {dtype}; expected float32, the dtype of x and the kernels "
                             "(the docstring's Returns). Likely cause: numpy arithmetic in float64, e.g. np.sqrt of "
                             "an int or a float64 mask; keras.ops keeps float32")
    if not np.all(np.isfinite(array)):
        rows = sorted({int(t) for t in np.argwhere(~np.isfinite(array))[:, 1]})
        raise AssertionError(f"{what} returned NaN or infinite values (at positions {rows}). Likely cause: masking "
                             "with -inf: a query that sees no real key then gets 0/0 = NaN; mask with a large "
                             "negative number such as -1e9 (the docstring asks for finite values everywhere)")
    return array


def _attention_cause(got, x, kernels, mask, rows) -> str:
    width, key_dim = x.shape[2], kernels[0].shape[1]
    candidates = [
        (dict(scale=width), f"the scores are divided by sqrt(d) = sqrt({width}), the model width; the scale is "
                            f"sqrt(key_dim) = sqrt({key_dim}), the width of the queries and keys"),
        (dict(scale=1.0), "the scores are not scaled (divide q k^T by sqrt(key_dim))"),
        (dict(scale=key_dim ** 0.25), "the scores are divided by key_dim ** 0.25 or scaled twice"),
        (dict(scale=key_dim ** 2), "the scores are divided by key_dim instead of sqrt(key_dim)"),
        (dict(causal=False), "no causal mask: each position also attends to later positions"),
        (dict(after=True), "the mask is applied after the softmax (weights multiplied by the mask), so a row's "
                           "weights no longer sum to one; set masked scores to -1e9 BEFORE the softmax"),
        (dict(axis=1), "the softmax runs over the queries (axis 1) instead of the keys (the last axis)"),
        (dict(use_padding=False), "the padding mask is ignored: queries attend to padded keys"),
        (dict(upper=True), "the wrong triangle: keys j >= t are kept (ops.triu) instead of j <= t (ops.tril)"),
        (dict(on_queries=True), "the padding mask is applied to the queries (rows, padding_mask[:, :, None]) "
                                "instead of the keys (columns, padding_mask[:, None, :])"),
    ]
    for options, text in candidates:
        if (options.get("use_padding") is False or options.get("on_queries")) and mask is None:
            continue
        if _close(got[rows], _numpy_attention(x, kernels, mask, **options)[rows], 1e-3, 1e-3):
            return f" Likely cause: {text}."
    return ""


def check_causal_self_attention(impl) -> None:
    """Equal to MultiHeadAttention(num_heads=1, use_bias=False) with the same kernels (causal, with and
    without a padding mask; T, d, key_dim all different); later positions never change earlier outputs."""
    fresh_session(0)
    for index, (batch, length, width, key_dim, padding) in enumerate(ATTENTION_PROBES):
        x, kernels, mask = _attention_inputs(batch, length, width, key_dim, padding, seed=index)
        label = (f"causal_self_attention(x {x.shape}, w_q/w_k/w_v {kernels[0].shape}, w_o {kernels[3].shape}, "
                 f"padding_mask={'a bool array ' + str(mask.shape) if mask is not None else 'None'})")
        # the second probe passes tensors: numpy arrays and tensors must both work
        args = (tf.constant(x), [tf.constant(w) for w in kernels]) if padding else (x, list(kernels))
        got = _attention(impl, label, args[0], args[1], mask)
        expected = _keras_attention(x, kernels, mask)
        visible = np.ones((batch, length), bool) if mask is None else np.cumsum(mask, axis=1) > 0  # a real key <= t
        if not _close(got[visible], expected[visible]):
            worst = np.abs(got - expected)[visible].max()
            raise AssertionError(f"{label} differs from keras.layers.MultiHeadAttention(num_heads=1, key_dim="
                                 f"{key_dim}, use_bias=False) with the same kernels and use_causal_mask=True"
                                 f"{' and the padding mask on the keys' if mask is not None else ''} by up to "
                                 f"{worst:.3g} (positions that see no real key are not compared)."
                                 + _attention_cause(got, x, kernels, mask, visible))
        if length > 2:  # the future never leaks: change the positions after t, outputs up to t stay
            cut = length // 2
            later = x.copy()
            later[:, cut + 1:] += np.random.default_rng(7).normal(0.0, 3.0, later[:, cut + 1:].shape).astype("float32")
            changed = _attention(impl, label.replace("x ", "x (later positions changed) ", 1), later, list(kernels),
                                 mask)
            early = visible.copy()
            early[:, cut + 1:] = False
            if not _close(changed[early], got[early], 1e-5, 1e-5):
                raise AssertionError(f"{label}: changing only the positions after t={cut} changes the outputs at "
                                     f"positions <= {cut} (by up to {np.abs(changed - got)[early].max():.3g}): a "
                                     "position sees the future. Likely cause: no causal mask (keys j > t must get "
                                     "-1e9 before the softmax), or the mask is the wrong triangle (ops.tril keeps "
                                     "j <= t).")


# ------------------------------------------------------------------------------ build_adapter_model
NUM_ITEMS = 23  # the tiny encoder's item vocabulary
MAX_LEN = 6  # its position table: sequences up to this length
WIDTH = 6  # its width d: equal to no bottleneck or head width used here


class _ItemAndPosition(keras.layers.Layer):
    """The test encoder's embedding: item embedding + position embedding, (batch, T) -> (batch, T, d)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.items = keras.layers.Embedding(NUM_ITEMS, WIDTH)

    def build(self, input_shape):
        self.items.build(input_shape)
        self.positions = self.add_weight(shape=(MAX_LEN, WIDTH), initializer="random_normal", name="positions")

    def call(self, ids):
        length = ids.shape[1]
        return self.items(ids) + self.positions[:length][None, :, :]


class _MixingBlock(keras.layers.Layer):
    """A test 'transformer block': x + tanh(causal running mean of x @ W + b), mixes positions causally."""

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], input_shape[-1]), initializer="glorot_normal",
                                      name="kernel")
        self.bias = self.add_weight(shape=(input_shape[-1],), initializer="random_normal", name="bias")

    def call(self, x):
        length = x.shape[1]
        counts = keras.ops.reshape(keras.ops.arange(1, length + 1, dtype="float32"), (1, length, 1))
        running_mean = keras.ops.cumsum(x, axis=1) / counts  # (batch, T, d)
        return x + keras.ops.tanh(keras.ops.matmul(running_mean, self.kernel) + self.bias)


def _encoder(seq_len: int, num_blocks: int, seed: int):
    fresh_session(seed)
    embed = _ItemAndPosition(name="pretrained_embedding")
    blocks = [_MixingBlock(name=f"pretrained_block_{b}") for b in range(num_blocks)]
    hidden = embed(np.zeros((1, seq_len), "int32"))
    for block in blocks:
        hidden = block(hidden)
    rng = np.random.default_rng(seed)
    for layer in [embed] + blocks:  # "pre-trained": weights not at an initialiser's values
        for variable in layer.weights:
            variable.assign(rng.normal(0.0, 0.6, variable.shape).astype("float32"))
    return embed, blocks


def _frozen_states(embed, blocks, ids) -> list[np.ndarray]:
    """The frozen encoder's hidden states: after the embedding, then after each block."""
    states = [embed(ids)]
    for block in blocks:
        states.append(block(states[-1]))
    return [np.asarray(s, np.float64) for s in states]


def _count(variables) -> int:
    return int(sum(np.prod(v.shape) for v in variables))


def _build_model(impl, embed, blocks, seq_len, what, **kwargs):
    try:
        model = impl.build_adapter_model(embed, blocks, seq_len, **kwargs)
    except NotImplementedError as error:
        if _from_stub(error, impl, "build_adapter_model"):
            raise
        raise AssertionError(f"{what} calls code that still raises NotImplementedError{learner_line(error)}: finish "
                             "Adapter first (build_adapter_model puts one after each block)") from None
    except AssertionError:
        raise
    except Exception as error:
        raise _raised(what, error) from None
    if not isinstance(model, keras.Model):
        raise AssertionError(f"{what} returned {type(model).__name__}; expected a keras.Model (did you forget "
                             "`return model`?)")
    return model


def check_build_adapter_model(impl) -> None:
    """Over a tiny frozen encoder: trainable = adapters + heads only, one distinct Adapter per block with its
    own bottleneck, heads on the frozen encoder's last position at init, click a probability, rating linear,
    heads not shared; after a short fit the encoder is unchanged; defaults and one block."""
    seq_len, bottleneck, head_units = 5, 3, 7
    embed, blocks = _encoder(seq_len, 2, seed=0)
    what = f"build_adapter_model(embed, blocks (2 blocks, d={WIDTH}), seq_len={seq_len}, bottleneck={bottleneck}, " \
           f"head_units={head_units})"
    model = _check_structure(impl, embed, blocks, seq_len, what, bottleneck, head_units, seed=1)
    _check_training(impl, model, embed, blocks, seq_len, what)

    # defaults (bottleneck=8, head_units=16), one block, another sequence length
    embed, blocks = _encoder(4, 1, seed=2)
    _check_structure(impl, embed, blocks, 4, f"build_adapter_model(embed, [block] (1 block, d={WIDTH}), seq_len=4) "
                     "with the default bottleneck=8 and head_units=16", 8, 16, seed=3, defaults=True)


def _check_structure(impl, embed, blocks, seq_len, what, bottleneck, head_units, seed, defaults=False):
    encoder_variables = list(embed.weights) + [v for block in blocks for v in block.weights]
    kwargs = {} if defaults else {"bottleneck": bottleneck, "head_units": head_units}
    model = _build_model(impl, embed, blocks, seq_len, what, **kwargs)
    ids = np.random.default_rng(seed).integers(0, NUM_ITEMS, size=(16, seq_len)).astype("int32")
    own_classes = [c for c in impl.Adapter.__mro__ if not c.__module__.startswith(("keras", "builtins", "tensorflow"))]
    with recorded_calls(own_classes + [keras.layers.Dense]) as calls:
        outputs = predict(model, ids, what)
    assert_output_names(None, ["click", "rating"], what, outputs=outputs)
    assert_output_shapes(outputs, (len(ids), 1), f"{what} called on ids of shape {ids.shape}")

    # frozen encoder
    unfrozen = [layer.name for layer in [embed] + list(blocks) if layer.trainable]
    trainable_ids = {id(v) for v in model.trainable_variables}
    leaked = [v.path for v in encoder_variables if id(v) in trainable_ids]
    if unfrozen or leaked:
        raise AssertionError(f"{what}: the pre-trained encoder is left trainable ({', '.join(unfrozen or leaked)}); "
                             "freeze the embedding and every block with layer.trainable = False, so that only the "
                             "adapters and the heads train")

    # one distinct Adapter after each block, each with its own bottleneck width
    adapter_calls = [(layer, inputs, result) for layer, inputs, result in calls if isinstance(layer, impl.Adapter)]
    adapters = list({id(layer): layer for layer, _, _ in adapter_calls}.values())
    if len(adapter_calls) != len(blocks) or len(adapters) != len(blocks):
        if adapter_calls and len(adapters) == 1 and len(adapter_calls) == len(blocks):
            cause = ("ONE Adapter is reused after every block (shared weights): create a new Adapter(bottleneck) "
                     "for each block, in the loop")
        elif len(adapter_calls) == 1 and len(blocks) > 1:
            cause = "an adapter after the last block only: put a new Adapter after EACH block"
        elif not adapter_calls:
            cause = "no Adapter (this module's Adapter class) is called: put one after each block"
        else:
            cause = f"{len(adapter_calls)} Adapter calls on {len(adapters)} distinct Adapter layers"
        raise AssertionError(f"{what}: expected {len(blocks)} distinct Adapter layers, one called after each of the "
                             f"{len(blocks)} blocks; found {cause}.")
    frozen = _frozen_states(embed, blocks, ids)
    for index, (layer, inputs, _) in enumerate(adapter_calls):
        if not _close(np.asarray(inputs, np.float64), frozen[index + 1]):
            raise AssertionError(f"{what}: adapter {index} does not take block {index}'s output (at initialisation, "
                                 "with the adapters still the identity, it must equal the frozen encoder's output "
                                 f"after block {index}): the order is embed, then block, Adapter, block, Adapter, ...")
        per_adapter = 2 * WIDTH * bottleneck + bottleneck + WIDTH
        if _count(layer.trainable_variables) != per_adapter:
            raise AssertionError(f"{what}: adapter {index} has {_count(layer.trainable_variables)} trainable weights; "
                                 f"expected {per_adapter} = 2 * d * bottleneck + bottleneck + d for d={WIDTH}, "
                                 f"bottleneck={bottleneck}. Likely cause: the bottleneck argument is not passed on "
                                 "(Adapter(bottleneck) with this function's bottleneck).")

    # the heads read the frozen encoder's output at the last position
    last = frozen[-1][:, -1, :]  # (batch, d)
    head_inputs = [(layer, np.asarray(inputs, np.float64)) for layer, inputs, _ in calls
                   if isinstance(layer, keras.layers.Dense) and np.ndim(inputs) == 2 and np.shape(inputs)[1] == WIDTH]
    if len({id(layer) for layer, _ in head_inputs}) < 2:
        raise AssertionError(f"{what}: expected two head layers Dense(head_units={head_units}, relu), one per task, "
                             f"each reading the representation (batch, d={WIDTH}); found "
                             f"{len({id(layer) for layer, _ in head_inputs})}. Likely cause: one hidden layer shared "
                             "by the two heads, or heads that do not read the (batch, d) representation.")
    for layer, value in head_inputs:
        if not _close(value, last):
            causes = [(frozen[-1].mean(axis=1), "mean pooling over the positions; the representation is h[:, -1, :], "
                                                "the candidate's position"),
                      (frozen[-1][:, 0, :], "the first position is used; the candidate is the LAST entry"),
                      (frozen[-1].max(axis=1), "max pooling over the positions; use h[:, -1, :]")]
            cause = next((text for array, text in causes if _close(value, array)), "")
            raise AssertionError(f"{what}: at initialisation a head reads a representation that is not the frozen "
                                 "encoder's output at the last position (embed, then the blocks, h[:, -1, :]; the "
                                 "adapters are still the identity then)." + (f" Likely cause: {cause}." if cause else
                                                                             ""))

    # ReLU hidden layers in the heads: some example cuts some unit's gradient (a linear/tanh/sigmoid layer never does)
    head_kernels = [layer.kernel.path for layer in {id(layer): layer for layer, _ in head_inputs}.values()]
    reached = {name: variables_reached(model, ids, name) for name in ("click", "rating")}
    silenced = {}
    for name in ("click", "rating"):
        mine = [path for path in head_kernels if path in reached[name]]
        if mine:
            silenced.update(relu_silenced_kernels(model, ids[:3], name, mine))
    if not all(silenced.values()):
        raise AssertionError(f"{what}: a head's hidden layer Dense(head_units={head_units}) has no ReLU (no example "
                             "ever cuts a unit's gradient, as a ReLU does for a negative input); each head is "
                             "Dense(head_units, activation='relu') then Dense(1)")

    # click a probability; rating a linear Dense output
    assert_probability(outputs["click"], f"{what}: output 'click'")
    rating = outputs["rating"]
    producers = [(layer, np.asarray(inputs, np.float64)) for layer, inputs, result in calls
                 if isinstance(layer, keras.layers.Dense) and np.shape(result) == rating.shape
                 and _close(np.asarray(result, np.float64), rating.astype(np.float64), 1e-5, 1e-6)]
    if not producers:
        raise AssertionError(f"{what}: output 'rating' is not the output of a Dense(1) layer; the rating head ends "
                             "with a plain linear Dense(1) (no sigmoid or other squashing after it)")
    layer, inputs = producers[0]
    linear = inputs @ np.asarray(layer.kernel, np.float64) + (np.asarray(layer.bias, np.float64) if layer.use_bias
                                                              else 0.0)
    if not _close(linear, rating.astype(np.float64), 1e-5, 1e-5):
        cause = (" (it is a sigmoid of it)" if _close(1.0 / (1.0 + np.exp(-linear)), rating.astype(np.float64))
                 else "")
        raise AssertionError(f"{what}: output 'rating' is squashed by an activation{cause}: a rating is a real "
                             "number, so its head ends with a linear Dense(1) (no activation)")

    # separate heads: each output has head weights of its own, d * h + h + h + 1 of them
    shared = reached["click"] & reached["rating"]
    head_count = WIDTH * head_units + 2 * head_units + 1
    trainable = {v.path: v for v in model.trainable_variables}
    for name in ("click", "rating"):
        own = reached[name] - shared
        if _count(trainable[p] for p in own) != head_count:
            raise AssertionError(f"{what}: output '{name}' has {_count(trainable[p] for p in own)} trainable weights "
                                 f"of its own; its head Dense({head_units}, relu) -> Dense(1) has {head_count} "
                                 f"(d={WIDTH}). Likely cause: "
                                 + ("a hidden layer shared by the two heads (each task needs its own "
                                    "Dense(head_units) and Dense(1))" if len(own) < 4 else
                                    "head_units is not used for the heads' hidden layers"))
    expected = len(blocks) * (2 * WIDTH * bottleneck + bottleneck + WIDTH) + 2 * head_count
    if _count(model.trainable_variables) != expected:
        raise AssertionError(f"{what}: the model has {_count(model.trainable_variables)} trainable weights; expected "
                             f"{expected}: {len(blocks)} adapters of 2*d*bottleneck + bottleneck + d and two heads of "
                             "d*head_units + 2*head_units + 1, nothing else")
    return model


def _check_training(impl, model, embed, blocks, seq_len, what) -> None:
    """A short fit: the encoder unchanged, the adapters moved; last and earlier ids both change the outputs."""
    rng = np.random.default_rng(5)
    ids = rng.integers(0, NUM_ITEMS, size=(32, seq_len)).astype("int32")
    targets = {"click": (rng.random((32, 1)) < 0.4).astype("float32"),
               "rating": rng.integers(1, 6, size=(32, 1)).astype("float32")}
    encoder = [np.asarray(v).copy() for layer in [embed] + list(blocks) for v in layer.weights]
    layers_before = [np.asarray(v).copy() for v in model.trainable_variables]
    try:
        model.compile(optimizer=keras.optimizers.Adam(0.05),
                      loss={"click": "binary_crossentropy", "rating": "mean_squared_error"}, run_eagerly=True)
        keras.utils.set_random_seed(0)
        model.fit(ids, targets, epochs=1, batch_size=32, verbose=0, shuffle=False)
    except Exception as error:
        raise AssertionError(f"{what}: compiling with loss={{'click': 'binary_crossentropy', 'rating': "
                             f"'mean_squared_error'}} and fitting one step raised {type(error).__name__}: "
                             f"{error_text(error)}{learner_line(error)}") from None
    after = [np.asarray(v) for layer in [embed] + list(blocks) for v in layer.weights]
    if any(not np.array_equal(a, b) for a, b in zip(encoder, after)):
        raise AssertionError(f"{what}: a short fit changed the pre-trained encoder's weights; the embedding and the "
                             "blocks must stay frozen (trainable = False)")
    if all(np.array_equal(a, np.asarray(b)) for a, b in zip(layers_before, model.trainable_variables)):
        raise AssertionError(f"{what}: a short fit changed none of the trainable weights (adapters and heads)")
    base = predict(model, ids[:8])
    for position, label in ((seq_len - 1, "the last id (the candidate)"), (0, "the first id (the oldest history)")):
        changed = ids[:8].copy()
        changed[:, position] = (changed[:, position] + 1 + np.arange(8) % 5) % NUM_ITEMS
        after_change = predict(model, changed)
        for name in ("click", "rating"):
            if np.allclose(base[name], after_change[name], atol=1e-7):
                raise AssertionError(f"{what}: after a short fit, changing only {label} in each sequence leaves output "
                                     f"'{name}' unchanged; the heads read the encoder's output at the last position, "
                                     "which depends on the candidate and (the blocks mix positions) on the history")


# ------------------------------------------------------------------------------ residual_quantize
def _quantize(impl, what: str, vectors, *args, **kwargs):
    original = np.array(vectors, copy=True)
    try:
        result = impl.residual_quantize(vectors, *args, **kwargs)
    except (NotImplementedError, AssertionError):
        raise
    except Exception as error:
        raise _raised(what, error) from None
    if not np.array_equal(np.asarray(vectors), original):
        raise AssertionError(f"{what} modified its input vectors in place (e.g. `residual = vectors` then "
                             "`residual -= ...`); work on a copy")
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise AssertionError(f"{what} returned {type(result).__name__} {short(result)}; expected a tuple "
                             "(codes, codebooks)")
    return result


def _codes_and_codebooks(impl, what, vectors, n_levels, codebook_size, **kwargs):
    codes, codebooks = _quantize(impl, what, vectors, n_levels, codebook_size, **kwargs)
    codes, codebooks = np.asarray(codes), np.asarray(codebooks)
    n, width = np.shape(vectors)
    if codes.shape != (n, n_levels):
        raise AssertionError(f"{what} returned codes of shape {codes.shape}; expected {(n, n_levels)} (n, n_levels)")
    if codes.dtype.kind not in "iu":
        raise AssertionError(f"{what} returned codes of dtype {codes.dtype}; expected integers (e.g. int64)")
    if codebooks.shape != (n_levels, codebook_size, width):
        cause = (" Likely cause: codebook_size off by one." if codebooks.shape[:1] == (n_levels,)
                 and len(codebooks.shape) == 3 and abs(codebooks.shape[1] - codebook_size) == 1 else "")
        raise AssertionError(f"{what} returned codebooks of shape {codebooks.shape}; expected "
                             f"{(n_levels, codebook_size, width)} (n_levels, codebook_size, d).{cause}")
    if codebooks.dtype.kind != "f" or not np.all(np.isfinite(codebooks)):
        raise AssertionError(f"{what} returned codebooks of dtype {codebooks.dtype} with "
                             f"{'NaN or infinite values' if codebooks.dtype.kind == 'f' else 'no floats'}; expected "
                             "finite floats (a centroid with no rows stays where it is: the mean of no rows is NaN)")
    if codes.min() < 0 or codes.max() >= codebook_size:
        raise AssertionError(f"{what} returned codes from {codes.min()} to {codes.max()}; each must lie in [0, "
                             f"{codebook_size}) (indices into a codebook of {codebook_size} entries)")
    return codes, codebooks.astype(np.float64)


def _squared_distances(rows, centroids):
    return ((rows[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=-1)  # (n, codebook_size)


def _check_consistency(what, vectors, codes, codebooks, converged: bool) -> list[float]:
    """Codes are each level's nearest final entries to that level's residual; returns the MSE per prefix."""
    vectors = np.asarray(vectors, np.float64)
    residual = vectors.copy()
    errors = [float(np.mean((residual ** 2).sum(axis=1)))]
    for level in range(codes.shape[1]):
        distances = _squared_distances(residual, codebooks[level])
        chosen = distances[np.arange(len(residual)), codes[:, level]]
        best = distances.min(axis=1)
        if np.any(chosen > best + 1e-4 * (1.0 + best)):
            row = int(np.argmax(chosen - best))
            cause = ""
            if level > 0 and np.array_equal(codes[:, level], _squared_distances(vectors, codebooks[level]).argmin(1)):
                cause = (" Likely cause: level l quantises the original vectors again (or a residual computed from "
                         "them) instead of what is left after levels 0..l-1.")
            elif not converged:
                cause = (" Likely cause: the codes come from the assignment made before the last centroid update; "
                         "assign them again with the final codebook.")
            raise AssertionError(f"{what}: at level {level}, row {row}'s code {codes[row, level]} is not the nearest "
                                 f"entry of codebooks[{level}] to its level-{level} residual (squared distance "
                                 f"{chosen[row]:.4g}, nearest {best[row]:.4g}); the residual at level l is the vector "
                                 f"minus the chosen entries of levels 0..l-1.{cause}")
        if converged:
            for entry in np.unique(codes[:, level]):
                mean = residual[codes[:, level] == entry].mean(axis=0)
                if not _close(codebooks[level, entry], mean, 1e-4, 1e-4):
                    raise AssertionError(f"{what}: after many Lloyd iterations, codebooks[{level}][{entry}] is not the "
                                         f"mean of the level-{level} residuals coded {entry} (off by "
                                         f"{np.abs(codebooks[level, entry] - mean).max():.3g}). Likely cause: "
                                         "n_iter is ignored (fewer iterations run than asked), or the update is not "
                                         "the mean of each centroid's rows.")
        residual = residual - codebooks[level][codes[:, level]]
        errors.append(float(np.mean((residual ** 2).sum(axis=1))))
    for level in range(1, len(errors)):
        if errors[level] > errors[level - 1] * (1 + 1e-5) + 1e-9:
            raise AssertionError(f"{what}: the reconstruction's mean squared error rises from {errors[level - 1]:.4g} "
                                 f"with {level - 1} level(s) to {errors[level]:.4g} with {level}; each level's "
                                 "entries are means of the residuals, which cannot raise the error")
    return errors


def check_residual_quantize(impl) -> None:
    """Shapes and ranges; codes nearest to each level's residual (chained) in the final codebook; means at
    convergence; MSE falling; boundaries (k = n, k = 1, ties); seeds and n_iter matter; ValueErrors."""
    rng = np.random.default_rng(11)
    gaussian = rng.normal(size=(60, 3)).astype("float32")  # float32 on purpose
    uniform = rng.random((80, 4))  # float64

    what = "residual_quantize(vectors float32 (60, 3), n_levels=3, codebook_size=4, n_iter=60, seed=0)"
    codes, codebooks = _codes_and_codebooks(impl, what, gaussian, 3, 4, n_iter=60, seed=0)
    errors = _check_consistency(what, gaussian, codes, codebooks, converged=True)
    if not all(later < earlier * (1 - 1e-3) for earlier, later in zip(errors, errors[1:])):
        raise AssertionError(f"{what}: the reconstruction's mean squared error per number of levels is "
                             f"{[round(e, 4) for e in errors]}; on these spread-out vectors every level (4 entries) "
                             "must lower it. Likely cause: a level that quantises the original vectors again, or "
                             "residuals that are not passed on.")
    again = _codes_and_codebooks(impl, what, gaussian, 3, 4, n_iter=60, seed=0)
    if not (np.array_equal(again[0], codes) and np.allclose(again[1], codebooks)):
        raise AssertionError(f"{what} gives another result when called again with the same seed; draw the random "
                             "start from np.random.default_rng(seed), made once per call")

    what = "residual_quantize(vectors float64 (80, 4), n_levels=2, codebook_size=6, n_iter=2, seed=s)"
    results = [_codes_and_codebooks(impl, what.replace("seed=s", f"seed={s}"), uniform, 2, 6, n_iter=2, seed=s)
               for s in range(4)]
    for seed, (codes, codebooks) in enumerate(results):  # two iterations: not converged
        _check_consistency(what.replace("seed=s", f"seed={seed}"), uniform, codes, codebooks, converged=False)
    if all(np.allclose(results[0][1], other) for _, other in results[1:]):
        raise AssertionError(f"{what} gives the same codebooks for the seeds 0, 1, 2 and 3; the seed must drive the "
                             "random start (np.random.default_rng(seed)), so different seeds can differ")
    one = _codes_and_codebooks(impl, what.replace("n_iter=2, seed=s", "n_iter=1, seed=0"), uniform, 2, 6, n_iter=1,
                               seed=0)
    many = _codes_and_codebooks(impl, what.replace("n_iter=2, seed=s", "n_iter=50, seed=0"), uniform, 2, 6,
                                n_iter=50, seed=0)
    _check_consistency(what.replace("n_iter=2, seed=s", "n_iter=50, seed=0"), uniform, *many, converged=True)
    if np.allclose(one[1], many[1]):
        raise AssertionError(f"{what.replace('n_iter=2, seed=s', 'n_iter=1 and n_iter=50, seed=0')} give the same "
                             "codebooks: n_iter is ignored (it is the number of Lloyd iterations at each level)")

    # boundaries: as many entries as rows (exact), one entry (the mean), duplicate rows (ties, empty clusters)
    small = rng.normal(size=(7, 2))
    what = "residual_quantize(vectors (7, 2), n_levels=1, codebook_size=7)"
    codes, codebooks = _codes_and_codebooks(impl, what, small, 1, 7)
    errors = _check_consistency(what, small, codes, codebooks, converged=True)
    if errors[-1] > 1e-8:
        raise AssertionError(f"{what}: with as many entries as vectors each vector is its own entry, so the "
                             f"reconstruction is exact; its mean squared error is {errors[-1]:.3g}")
    what = "residual_quantize(vectors (7, 2), n_levels=2, codebook_size=1, n_iter=3, seed=4)"
    codes, codebooks = _codes_and_codebooks(impl, what, small, 2, 1, n_iter=3, seed=4)
    _check_consistency(what, small, codes, codebooks, converged=True)
    if not _close(codebooks[0, 0], small.mean(axis=0), 1e-6, 1e-6):
        raise AssertionError(f"{what}: with one entry, level 0's codebook is the mean of the vectors "
                             f"{short(small.mean(axis=0))}; got {short(codebooks[0, 0])}")
    duplicates = np.repeat(rng.normal(size=(3, 2)), [5, 4, 6], axis=0).astype("float32")
    what = "residual_quantize(15 vectors with only 3 distinct values (ties), n_levels=2, codebook_size=5, n_iter=4)"
    codes, codebooks = _codes_and_codebooks(impl, what, duplicates, 2, 5, n_iter=4)
    _check_consistency(what, duplicates, codes, codebooks, converged=False)
    far = 3000.0 + rng.normal(scale=0.1, size=(40, 3))  # far from 0: |x|^2 - 2 x.c + |c|^2 in float32 loses it all
    what = "residual_quantize(40 float64 vectors near (3000, 3000, 3000), spread 0.1, n_levels=2, codebook_size=4)"
    codes, codebooks = _codes_and_codebooks(impl, what, far, 2, 4, n_iter=10, seed=1)
    try:
        _check_consistency(what, far, codes, codebooks, converged=False)
    except AssertionError as error:
        raise AssertionError(f"{error} On these vectors far from the origin, a likely cause is precision: squared "
                             "distances expanded as |x|^2 - 2 x.c + |c|^2 in float32 cancel almost every digit; keep "
                             "float64 vectors (np.asarray(vectors, dtype=np.float64)) or compute (x - c)^2") from None
    two_points = np.repeat(np.array([[5.0, 5.5], [6.0, 5.2]]), 6, axis=0)  # 4 entries, 2 values: empty clusters
    low, high = two_points.min(axis=0) - 1e-6, two_points.max(axis=0) + 1e-6
    for seed in range(3):
        what = (f"residual_quantize(12 vectors with 2 distinct values, (5, 5.5) and (6, 5.2), n_levels=1, "
                f"codebook_size=4, n_iter=3, seed={seed})")
        codes, codebooks = _codes_and_codebooks(impl, what, two_points, 1, 4, n_iter=3, seed=seed)
        outside = [entry for entry in codebooks[0] if np.any(entry < low) or np.any(entry > high)]
        if outside:
            raise AssertionError(f"{what}: the codebook entries {short(np.array(outside))} lie outside the box the "
                                 f"vectors span ({short(low + 1e-6)} to {short(high - 1e-6)}); an entry starts at a "
                                 "vector and moves only to a mean of vectors, so it never leaves it. Likely cause: an "
                                 "entry with no rows moved to 0 (a sum divided by max(count, 1)) or elsewhere; the "
                                 "docstring keeps it where it is")
    what = "residual_quantize(vectors (7, 2), n_levels=1, codebook_size=1, n_iter=1, seed=2)"
    codes, codebooks = _codes_and_codebooks(impl, what, small, 1, 1, n_iter=1, seed=2)
    if not _close(codebooks[0, 0], small.mean(axis=0), 1e-6, 1e-6):
        raise AssertionError(f"{what}: one Lloyd iteration moves the one entry to the mean of the vectors "
                             f"{short(small.mean(axis=0))}; got {short(codebooks[0, 0])}. Likely cause: n_iter - 1 "
                             "iterations (range(n_iter - 1)), or the update made before the assignment")

    # ValueErrors
    for args, why in (((gaussian[:5], 1, 6), "codebook_size=6 > n=5: fewer vectors than entries"),
                      ((gaussian, 0, 4), "n_levels=0: at least one level"),
                      ((gaussian, 2, 0), "codebook_size=0: at least one entry"),
                      ((gaussian, 2, 4, 0), "n_iter=0: at least one Lloyd iteration")):
        shape = np.shape(args[0])
        call = f"residual_quantize(vectors {shape}, {', '.join(str(a) for a in args[1:])})"
        expect_value_error(impl.residual_quantize, args, call, why)


PARTS = {"Adapter": check_adapter, "causal_self_attention": check_causal_self_attention,
         "build_adapter_model": check_build_adapter_model, "residual_quantize": check_residual_quantize}
TIMEOUTS = {"Adapter": 30, "causal_self_attention": 30, "build_adapter_model": 40, "residual_quantize": 20}
