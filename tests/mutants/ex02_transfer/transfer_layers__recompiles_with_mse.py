"""Mistake: compiles again with a hard-coded optimizer and loss (mse), not the model's own settings."""
import keras

from solutions.ex02_transfer import fit_embedding_mapping  # noqa: F401


def transfer_layers(source_model, target_model, layer_names, freeze=True):
    for name in layer_names:
        target_layer = target_model.get_layer(name)
        target_layer.set_weights(source_model.get_layer(name).get_weights())
        target_layer.trainable = not freeze
    target_model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    return target_model
