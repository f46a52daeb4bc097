"""A correct answer in another style: layers looked up in a dict with explicit ValueErrors, weight lists copied
with numpy, a fresh optimizer from its config and an explicit compile(); the mapping solved in float32."""
import keras
import numpy as np


def transfer_layers(source_model, target_model, layer_names, freeze=True):
    source_layers = {layer.name: layer for layer in source_model.layers}
    target_layers = {layer.name: layer for layer in target_model.layers}
    for name in layer_names:
        if name not in source_layers or name not in target_layers:
            raise ValueError(f"'{name}' is not a layer of both models")
        values = [np.copy(value) for value in source_layers[name].get_weights()]
        expected = [tuple(variable.shape) for variable in target_layers[name].weights]
        if [value.shape for value in values] != expected:
            raise ValueError(f"'{name}': weight shapes {[v.shape for v in values]} do not fit {expected}")
        target_layers[name].set_weights(values)
        target_layers[name].trainable = not freeze
    config = target_model.get_compile_config()
    optimizer = keras.optimizers.get({"class_name": type(target_model.optimizer).__name__,
                                      "config": target_model.optimizer.get_config()})
    target_model.compile(optimizer=optimizer, loss=config["loss"], loss_weights=config["loss_weights"],
                         metrics=config["metrics"])
    return target_model


def fit_embedding_mapping(source_vectors, target_vectors, l2=1.0):
    source = np.array(source_vectors, dtype=np.float32)
    target = np.array(target_vectors, dtype=np.float32)
    source_mean, target_mean = source.mean(axis=0), target.mean(axis=0)
    source -= source_mean  # a copy (np.array), so the caller's arrays stay as they were
    target -= target_mean
    gram = source.T @ source + np.float32(l2) * np.eye(source.shape[1], dtype=np.float32)
    weights = np.linalg.solve(gram, source.T @ target)  # (source_dim, target_dim), float32
    return weights, target_mean - source_mean @ weights
