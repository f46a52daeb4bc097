"""A correct answer in another style: variables assigned one by one through keras.ops, the optimizer rebuilt
with from_config, a loop over source layers; the mapping as least squares on an augmented system in keras.ops."""
import keras
import numpy as np
from keras import ops


def transfer_layers(source_model, target_model, layer_names, freeze=True):
    wanted = list(layer_names)
    pairs = []
    for name in wanted:
        source_layer, target_layer = source_model.get_layer(name), target_model.get_layer(name)
        if len(source_layer.weights) != len(target_layer.weights):
            raise ValueError(f"'{name}' has a different number of weights in the two models")
        pairs.append((source_layer, target_layer))
    for source_layer, target_layer in pairs:
        for source_variable, target_variable in zip(source_layer.weights, target_layer.weights):
            if tuple(source_variable.shape) != tuple(target_variable.shape):
                raise ValueError(f"'{source_layer.name}': shapes {source_variable.shape} and "
                                 f"{target_variable.shape} differ")
            target_variable.assign(ops.copy(ops.convert_to_tensor(source_variable)))
        target_layer.trainable = not freeze
    old = target_model.optimizer
    config = dict(target_model.get_compile_config())
    config["optimizer"] = old.__class__.from_config(old.get_config())
    config = {key: value for key, value in config.items() if key in ("optimizer", "loss", "loss_weights",
                                                                      "metrics", "weighted_metrics")}
    target_model.compile(**config)
    return target_model


def fit_embedding_mapping(source_vectors, target_vectors, l2=1.0):
    source = ops.convert_to_tensor(np.asarray(source_vectors), dtype="float64")
    target = ops.convert_to_tensor(np.asarray(target_vectors), dtype="float64")
    source_mean, target_mean = ops.mean(source, axis=0), ops.mean(target, axis=0)
    source_dim, target_dim = source.shape[1], target.shape[1]
    # min ||S_c W - T_c||^2 + l2 ||W||^2  ==  least squares on [S_c; sqrt(l2) I] W = [T_c; 0]
    penalty_rows = float(np.sqrt(l2)) * ops.eye(source_dim, dtype="float64")  # (source_dim, source_dim)
    stacked_source = ops.concatenate([source - source_mean, penalty_rows])
    stacked_target = ops.concatenate([target - target_mean, ops.zeros((source_dim, target_dim), "float64")])
    weights = ops.lstsq(stacked_source, stacked_target)
    bias = target_mean - ops.squeeze(ops.matmul(source_mean[None, :], weights), 0)
    return ops.convert_to_numpy(weights), ops.convert_to_numpy(bias)
