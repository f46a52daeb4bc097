"""Mistake: compiles again with a fresh optimizer and the losses, but without the loss weights."""
from solutions.ex02_transfer import fit_embedding_mapping  # noqa: F401


def transfer_layers(source_model, target_model, layer_names, freeze=True):
    for name in layer_names:
        target_layer = target_model.get_layer(name)
        target_layer.set_weights(source_model.get_layer(name).get_weights())
        target_layer.trainable = not freeze
    old = target_model.optimizer
    target_model.compile(optimizer=type(old).from_config(old.get_config()), loss=target_model.loss)
    return target_model
