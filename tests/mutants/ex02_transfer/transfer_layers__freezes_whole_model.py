"""Mistake: freezes the whole target model instead of the transferred layers, so nothing trains."""
from solutions.ex02_transfer import fit_embedding_mapping  # noqa: F401


def transfer_layers(source_model, target_model, layer_names, freeze=True):
    for name in layer_names:
        target_model.get_layer(name).set_weights(source_model.get_layer(name).get_weights())
    target_model.trainable = not freeze
    target_model.compile_from_config(target_model.get_compile_config())
    return target_model
