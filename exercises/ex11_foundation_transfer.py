"""Large models (notebook 11): transfer a pre-trained sequence encoder to a multi-task recommender with
adapters, the causal self-attention inside it, and semantic IDs by residual quantisation.

Four parts:

- Adapter: a bottleneck layer (down-projection, non-linearity, up-projection initialised to zero, residual
  connection) that starts as the identity; parameter-efficient tuning trains only these;
- causal_self_attention: scaled dot-product attention with a causal mask and a padding mask, written by
  hand with keras.ops (the interview's "write self-attention" question);
- build_adapter_model: a frozen pre-trained encoder with an Adapter after each block and two task heads
  (click, rating) on the last position, the candidate item;
- residual_quantize: residual k-means codes and codebooks, the semantic IDs of TIGER-style generative
  retrieval and of cold-start item representations.

Your exercise: replace each `raise NotImplementedError` with your code, then run
`python -m mtlrec.grade ex11_foundation_transfer` or the check cell of its notebook.
"""

import numpy as np
import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras
from keras import layers, ops


class Adapter(layers.Layer):
    """A bottleneck adapter (Houlsby et al., 2019): x + up(activation(down(x))), the identity at the start.

    Inserted after a frozen pre-trained block, it lets a few new weights adapt the block's output to a new
    task while the block's own weights stay as pre-training left them (parameter-efficient tuning). The
    up-projection starts at zero, so a model with adapters first computes exactly what the pre-trained
    model computed, and training moves away from that starting point only as far as the new task asks.

    Constructor: Adapter(bottleneck, activation="relu", **kwargs)
        bottleneck: the width of the down-projection (a small number of units, e.g. 8).
        activation: the non-linearity between the two projections: a Keras activation name ("relu",
            "gelu", "tanh", ...) or function; keras.activations.get(activation) turns either into a function.
        kwargs (name=..., trainable=..., dtype=...) go to keras.layers.Layer.

    Weights (made in build from the input's last dimension d; d is any width, often larger than the
    bottleneck, sometimes not):
        down: Dense(bottleneck) with a bias: kernel (d, bottleneck), bias (bottleneck,); Keras's default
            initialisers (random kernel, zero bias).
        up: Dense(d) with a bias: kernel (bottleneck, d) AND bias (d,) both initialised to zeros.
        These four are the layer's only weights, all trainable.

    Call: layer(x) with x of shape (batch, d) or (batch, T, d) (float32) returns the same shape:
        x + up(activation(down(x)))
    At initialisation it returns x exactly; a gradient step on any loss that depends on it moves the
    up-projection (its gradient is activation(down(x)), not zero) and so changes the output.

    Saving: get_config() returns the base config plus bottleneck and activation (the activation as
    keras.activations.serialize gives it, e.g. "relu"), so Adapter.from_config(layer.get_config()) makes
    an equal layer and model.save("m.keras") / keras.models.load_model(..., custom_objects={"Adapter":
    Adapter}) give identical predictions.

    TODO:
        1. __init__: super().__init__(**kwargs); keep bottleneck (an int) and the activation function.
        2. build(input_shape): d = input_shape[-1]; make the down Dense(bottleneck) and the up Dense(d, with
           kernel_initializer="zeros", bias_initializer="zeros") and build them (the up one on the shape
           tuple(input_shape[:-1]) + (bottleneck,): keras.models.load_model passes a list).
        3. call(x): return x + self.up(self.activation(self.down(x))).
        4. get_config(): super().get_config() updated with bottleneck and the serialized activation.

    Hints:
        1. Zero-initialising the DOWN projection instead (or both) is a classic slip: with a ReLU the
           adapter then never learns (zero input to the up-projection, zero gradient everywhere).
        2. Without the residual `x +`, the adapter at initialisation outputs zeros and wipes out what the
           pre-trained block computed.
        3. A Dense layer applies its kernel to the last axis, so the same code works on (batch, d) and
           (batch, T, d).
        4. Dense layers created in build() are tracked (their weights are the layer's weights) like those
           created in __init__; the up one needs d, which only build() knows.
    """

    def __init__(self, bottleneck, activation="relu", **kwargs):
        """Keep the bottleneck width and the activation (see the class docstring)."""
        raise NotImplementedError

    def build(self, input_shape):
        """Make the down Dense(bottleneck) and the zero-initialised up Dense(d), d = input_shape[-1]."""
        raise NotImplementedError

    def call(self, x):
        """x + up(activation(down(x))): (..., d) -> (..., d)."""
        raise NotImplementedError

    def get_config(self):
        """The base config plus bottleneck and the serialized activation."""
        raise NotImplementedError


def causal_self_attention(x, w_q, w_k, w_v, w_o, padding_mask=None):
    """Single-head causal scaled dot-product self-attention, by hand with keras.ops (notebook 11).

    The core of the transformer encoder pre-trained on behaviour sequences: each position t looks at the
    positions j <= t (never the future: the model is trained to predict the next item) and, if a padding
    mask is given, only at real items:

        q = x w_q, k = x w_k, v = x w_v                      (batch, T, key_dim) each
        scores[b, t, j] = q[b, t] . k[b, j] / sqrt(key_dim)   (batch, T, T)
        scores[b, t, j] = -1e9 (a large negative number) where j > t or padding_mask[b, j] is False
        weights = softmax(scores) over j, the keys' axis (the last axis)
        output = (weights @ v) @ w_o                          (batch, T, d)

    It equals keras.layers.MultiHeadAttention(num_heads=1, key_dim=key_dim, use_bias=False) called with
    use_causal_mask=True (and attention_mask=padding_mask[:, None, :]) whose four kernels are w_q, w_k,
    w_v, w_o reshaped to (d, 1, key_dim) and (1, key_dim, d), within float32 tolerance.

    Args:
        x: float32 array or tensor (batch, T, d).
        w_q, w_k, w_v: float32 (d, key_dim) each.
        w_o: float32 (key_dim, d).
        padding_mask: None (every position is a real item) or a bool array (batch, T), True where the
            position holds a real item, False where it is padding (padding may sit anywhere).

    Returns:
        A float32 tensor (or array) of shape (batch, T, d), finite everywhere. A query position that sees no
        real key (every j <= t is padding) has no meaningful output: its value is not checked, but it must
        be finite (mask with a large negative number such as -1e9, not -inf, which makes 0/0 = NaN there).

    TODO:
        1. Project: q, k, v = x @ w_q, x @ w_k, x @ w_v (ops.matmul).
        2. scores = q @ k^T / sqrt(key_dim), k^T = ops.transpose(k, (0, 2, 1)); key_dim = w_q.shape[-1].
        3. The allowed pairs: a lower-triangular (T, T) bool matrix (ops.tril of ones), and'ed with
           padding_mask[:, None, :] (the keys) when a padding mask is given.
        4. scores = ops.where(allowed, scores, -1e9); weights = ops.softmax(scores, axis=-1).
        5. Return (weights @ v) @ w_o.

    Hints:
        1. The scale is sqrt of the key width (the columns of w_q), not of the model width d.
        2. Mask BEFORE the softmax: multiplying the weights by the mask after it leaves rows that no longer
           sum to one (and MultiHeadAttention does not do that).
        3. The softmax runs over the keys (axis -1): each query's weights sum to one.
        4. The padding mask masks keys (columns), not queries: a padded query row is "not checked" anyway.
        5. No MultiHeadAttention inside: the exercise is to write it out (the checks compare with it).
    """
    raise NotImplementedError


def build_adapter_model(embed, blocks, seq_len, bottleneck=8, head_units=16):
    """A frozen pre-trained encoder, an Adapter after each block, two task heads on the last position.

    The parameter-efficient transfer of notebook 11: the encoder pre-trained on the source domain's
    behaviour sequences stays as it is (frozen); only small adapters and the new task heads learn the
    target domain's click and rating tasks. The sequence's LAST entry is the candidate item (as in
    Alibaba's Behavior Sequence Transformer: the history, then the item to score), so the representation
    read by the heads is the encoder's output at the last position, which (causal blocks) has seen the
    whole history and the candidate.

    Args:
        embed: a pre-trained Keras layer mapping int item ids (batch, seq_len) to (batch, seq_len, d)
            (item plus position embeddings).
        blocks: a list (one or more) of pre-trained Keras layers, each (batch, seq_len, d) ->
            (batch, seq_len, d) (transformer blocks); they mix positions.
        seq_len: the length of the id sequences the model takes.
        bottleneck: the width of every adapter's down-projection.
        head_units: the width of the hidden Dense layer of each task head.

    Returns:
        A keras.Model (functional or subclassed, NOT compiled: the caller compiles it) called on int ids of
        shape (batch, seq_len) and returning the dict
            {"click": click probability in (0, 1), shape (batch, 1),
             "rating": predicted rating, linear (unbounded), shape (batch, 1)}
        computed as: h = embed(ids); for each block: h = Adapter(bottleneck)(block(h)), a NEW Adapter for
        each block (len(blocks) adapters, none shared); representation = h[:, -1, :] (batch, d); each task
        its own head: Dense(head_units, activation="relu") then Dense(1) (sigmoid for click, linear for
        rating), the two heads sharing no layer.
        embed and every block are frozen (their trainable attribute set to False), so the model's
        trainable weights are exactly the adapters' and the heads':
            len(blocks) * (2 * d * bottleneck + bottleneck + d) + 2 * (d * head_units + 2 * head_units + 1)
        parameters. At initialisation the adapted encoder computes exactly what the frozen encoder
        computes, so each head at first reads the frozen encoder's output at the last position.

    TODO:
        1. Freeze: embed.trainable = False and block.trainable = False for every block.
        2. ids = keras.Input(shape=(seq_len,), dtype="int32"); h = embed(ids).
        3. For each block: h = block(h), then h = Adapter(bottleneck)(h) (a new one each time).
        4. representation = h[:, -1, :]  # (batch, d): the candidate's position.
        5. Two heads, each Dense(head_units, activation="relu") followed by
           Dense(1, activation="sigmoid") for click and Dense(1) for rating.
        6. Return keras.Model(ids, {"click": ..., "rating": ...}).

    Hints:
        1. A frozen layer's weights leave model.trainable_weights; print the trainable share with
           sum(int(np.prod(w.shape)) for w in model.trainable_weights).
        2. `[Adapter(bottleneck)] * len(blocks)` repeats ONE adapter (shared weights); make one per block
           in the loop. Adapters only after the last block adapt nothing inside the encoder.
        3. Mean pooling over positions mixes the history with the candidate; the last position is the
           candidate's (the blocks have already mixed in the history).
        4. A rating is a real number: no sigmoid on its head (the labels are not scaled to [0, 1] here).
    """
    raise NotImplementedError


def residual_quantize(vectors, n_levels, codebook_size, n_iter=20, seed=0):
    """Residual quantisation (RQ-VAE's quantiser without the auto-encoder): a short code per item.

    Each item's content vector becomes n_levels integers, its semantic ID (TIGER): level 0 clusters the
    vectors with k-means; level l clusters what is left over after levels 0 .. l-1 (the residuals), so
    each level refines the previous ones and items with similar content share code prefixes.

        residual_0 = vectors
        for level l: codebook_l = k-means (Lloyd) on residual_l with codebook_size centroids
                     codes[:, l] = index of the nearest entry of codebook_l to each row of residual_l
                     residual_{l+1} = residual_l - codebook_l[codes[:, l]]
        reconstruction = sum over l of codebooks[l, codes[:, l]]

    k-means (Lloyd) at each level: start from codebook_size distinct rows of the residuals drawn at random
    (a numpy Generator made once from the seed; k-means++ seeding drawn from it is fine too), then n_iter
    times: assign each row to its nearest centroid (squared Euclidean distance), move each centroid to the
    mean of its rows (a centroid with no rows stays where it is). After the last update, the codes are the
    nearest entries of that FINAL codebook (ties: any of the nearest). Then each level's codebook entries
    are means of residuals, so the reconstruction's mean squared error, mean over items of
    |vectors - reconstruction|^2, never increases from one level to the next (and falls at a level
    whose residuals are not yet all zero and take several distinct values).

    Args:
        vectors: float array (n, d) (float32 or float64), the items' content vectors; not modified.
        n_levels: the number of levels (>= 1), the length of each code.
        codebook_size: the number of entries per codebook, 1 <= codebook_size <= n.
        n_iter: the number of Lloyd iterations (assign, then update) at each level, >= 1.
        seed: seeds the random start of the centroids; the same seed gives the same result, and different
            seeds may give different codebooks.

    Returns:
        (codes, codebooks): numpy arrays;
        codes: integers (n, n_levels), each in [0, codebook_size);
        codebooks: floats (n_levels, codebook_size, d).

    Raises:
        ValueError: if n_levels < 1, codebook_size < 1, codebook_size > n (fewer rows than centroids), or
            n_iter < 1.

    TODO:
        1. Check the arguments (ValueError); vectors as a float64 array; rng = np.random.default_rng(seed).
        2. residual = a copy of the vectors. For each level:
           a. centroids = residual[rng.choice(n, codebook_size, replace=False)] (a copy);
           b. n_iter times: nearest centroid of each row, then each non-empty cluster's mean;
           c. codes[:, level] = nearest entry of the final centroids; codebooks[level] = centroids;
           d. residual = residual - centroids[codes[:, level]].
        3. Return codes and codebooks.

    Hints:
        1. Squared distances of every row to every centroid in one go:
           ((residual[:, None, :] - centroids[None, :, :]) ** 2).sum(-1), shape (n, codebook_size);
           argmin over axis 1.
        2. Level l+1 quantises the residual LEFT after level l, not the original vectors again.
        3. Assign the codes after the last update: codes from the assignment before it point at entries
           the update has since moved.
        4. No sklearn: numpy (or keras.ops) only.
    """
    raise NotImplementedError
