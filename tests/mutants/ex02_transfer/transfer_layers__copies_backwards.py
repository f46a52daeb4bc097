"""Mistake: copies from the target into the source (arguments swapped in set_weights)."""
from solutions.ex02_transfer import fit_embedding_mapping  # noqa: F401


def transfer_layers(source_model, target_model, layer_names, freeze=True):
    for name in layer_names:
        source_model.get_layer(name).set_weights(target_model.get_layer(name).get_weights())
        target_model.get_layer(name).trainable = not freeze
    target_model.compile_from_config(target_model.get_compile_config())
    return target_model
