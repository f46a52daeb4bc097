"""Mistake: compiles again with the old optimizer object, which fails once a frozen layer thaws."""
from solutions.ex02_transfer import fit_embedding_mapping  # noqa: F401


def transfer_layers(source_model, target_model, layer_names, freeze=True):
    for name in layer_names:
        target_layer = target_model.get_layer(name)
        target_layer.set_weights(source_model.get_layer(name).get_weights())
        target_layer.trainable = not freeze
    target_model.compile(optimizer=target_model.optimizer, loss=target_model.loss)
    return target_model
