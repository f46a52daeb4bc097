"""Transfer between recommenders (notebook 02): cross-domain recommendation in two moves.

Reference solution. The stub with the same functions is exercises/ex02_transfer.py.

A model trained on a rich source domain (say, books) has learned one vector per user. A model for a
sparse target domain (say, films) with the same users can start from those vectors instead of random
ones: copy the layer, then freeze it (keep the source's knowledge, train only the rest) or fine-tune
it (let the target's data adjust it). That is `transfer_layers`. Users with no target history at all
can still get a target vector: learn a mapping from source vectors to target vectors on the users
seen in both domains and apply it to the others. That is `fit_embedding_mapping`, the linear version
of EMCDR (Man et al., IJCAI 2017, "Cross-Domain Recommendation: An Embedding and Mapping Approach").
"""

import numpy as np


def transfer_layers(source_model, target_model, layer_names, freeze=True):
    """Copy the named layers' weights from source_model into target_model, then freeze or fine-tune them.

    Both models have layers with these names and the same weight shapes (for example a
    "user_embedding" layer of shape (num_users, embedding_dim) when both domains share their users),
    while the rest may differ (another number of items, another head, another order of layers). The
    named layers may be of any kind (Embedding, Dense, BatchNormalization, ...): all of a layer's
    weights are copied, the non-trainable ones too (a BatchNormalization's moving mean and variance).
    Either model may be functional or subclassed. The target model is compiled and may already have
    been trained, with some of these layers frozen.

    Args:
        source_model: a keras.Model trained on the source domain (left unchanged).
        target_model: a compiled keras.Model for the target domain (changed in place).
        layer_names: a list of layer names (str) to transfer.
        freeze: True: the copied layers stay fixed when the target model is trained (trainable=False).
            False: the target's training fine-tunes them (trainable=True, even if they were frozen).

    Returns:
        target_model itself, compiled again with the same optimizer (class and settings), loss(es)
        and loss weights, so that the next fit() uses the new trainable setting. Every other layer
        keeps its weights and its trainable setting.

    Raises:
        ValueError: if a name is not a layer of both models, or the weight shapes differ.

    TODO:
        1. For each name, get the layer of both models with model.get_layer(name).
        2. Copy the source layer's weights into the target layer.
        3. Set the target layer's `trainable` from `freeze`.
        4. Compile target_model again with its own settings, and return it.

    Hints:
        1. target_layer.set_weights(source_layer.get_weights()) copies the values (numpy arrays) and
           raises ValueError when the shapes differ; model.get_layer raises ValueError for an unknown name.
        2. target_layer.trainable = not freeze (set it in both cases: a layer frozen earlier must thaw).
        3. Keras builds its training step at the first fit() and keeps it: a change of `trainable`
           after that is ignored until you call compile() again.
        4. Do not pass the old optimizer object to compile(): it knows only the variables it was built
           with, and fit() fails once a layer thaws. target_model.compile_from_config(
           target_model.get_compile_config()) makes a fresh optimizer with the same class and settings
           and keeps the losses and loss weights, for losses Keras can rebuild from a config (built-in
           names, registered Loss classes). A closure loss such as ex01's masked_loss cannot be rebuilt:
           then compile(optimizer=type(old).from_config(old.get_config()), loss=target_model.loss,
           loss_weights=...) with the old optimizer's class and settings.
    """
    for name in layer_names:
        source_layer = source_model.get_layer(name)
        target_layer = target_model.get_layer(name)
        target_layer.set_weights(source_layer.get_weights())  # copies; ValueError on a shape mismatch
        target_layer.trainable = not freeze
    target_model.compile_from_config(target_model.get_compile_config())  # the new trainable set counts
    return target_model


def fit_embedding_mapping(source_vectors, target_vectors, l2=1.0):
    """Fit the linear map from source-domain user vectors to target-domain user vectors (linear EMCDR).

    Minimises  sum_u || s_u W + b - t_u ||^2 + l2 * ||W||^2  over the users u seen in both domains
    (ridge regression with an unpenalised intercept b). A user without target history then gets the
    target vector s_u W + b from their source vector.

    Args:
        source_vectors: array (num_users, source_dim), row u = user u's source-domain vector.
        target_vectors: array (num_users, target_dim), row u = the same user's target-domain vector.
        l2: the ridge penalty (>= 0) on W; the intercept b is not penalised.

    Returns:
        (weights, bias): numpy float arrays of shapes (source_dim, target_dim) and (target_dim,).
        The two inputs are left unchanged.

    TODO:
        1. Centre both matrices (subtract their column means).
        2. Solve (S_c^T S_c + l2 I) W = S_c^T T_c for W.
        3. The intercept puts the means on each other: b = mean(T) - mean(S) W.

    Hints:
        1. Centring first is what keeps the intercept out of the penalty.
        2. np.linalg.solve(A, B) solves A X = B; do not invert A yourself.
        3. Check the shapes: S is (n, source_dim), so S^T S is (source_dim, source_dim).
    """
    source_vectors = np.asarray(source_vectors, dtype=np.float64)
    target_vectors = np.asarray(target_vectors, dtype=np.float64)
    source_mean = source_vectors.mean(axis=0)  # (source_dim,)
    target_mean = target_vectors.mean(axis=0)  # (target_dim,)
    source_centred = source_vectors - source_mean
    target_centred = target_vectors - target_mean
    gram = source_centred.T @ source_centred + l2 * np.eye(source_vectors.shape[1])  # (source_dim, source_dim)
    weights = np.linalg.solve(gram, source_centred.T @ target_centred)  # (source_dim, target_dim)
    bias = target_mean - source_mean @ weights  # (target_dim,)
    return weights, bias
