"""A correct answer in another style: tensorflow.keras names, variable-level copies, a rebuilt optimizer;
the mapping in its dual (users x users) form with the intercept from augmented least squares."""
import numpy as np
from tensorflow import keras


def transfer_layers(source_model, target_model, layer_names, freeze=True):
    pairs = [(source_model.get_layer(name), target_model.get_layer(name)) for name in layer_names]
    for source_layer, target_layer in pairs:
        if [tuple(w.shape) for w in source_layer.weights] != [tuple(w.shape) for w in target_layer.weights]:
            raise ValueError(f"layer {source_layer.name}: weight shapes differ")
        for source_variable, target_variable in zip(source_layer.weights, target_layer.weights):
            target_variable.assign(np.array(source_variable.numpy()))
        target_layer.trainable = not freeze
    old = target_model.optimizer
    optimizer = keras.optimizers.deserialize(keras.optimizers.serialize(old))
    config = target_model.get_compile_config()
    target_model.compile(optimizer=optimizer, loss=target_model.loss, loss_weights=config.get("loss_weights"))
    return target_model


def fit_embedding_mapping(source_vectors, target_vectors, l2=1.0):
    s = np.array(source_vectors, dtype=float)
    t = np.array(target_vectors, dtype=float)
    s_mean, t_mean = s.mean(0), t.mean(0)
    sc, tc = s - s_mean, t - t_mean
    if l2 > 0:
        # W = S^T (S S^T + l2 I)^-1 T : the same ridge solution, solved in the users' space
        w = sc.T @ np.linalg.solve(sc @ sc.T + l2 * np.eye(len(sc)), tc)
    else:
        w = np.linalg.lstsq(sc, tc, rcond=None)[0]
    return w, t_mean - s_mean @ w
