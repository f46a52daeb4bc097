"""Mistake: copies each layer's first weight only (an Embedding's table), so a Dense layer keeps its own bias."""
from solutions.ex02_transfer import fit_embedding_mapping  # noqa: F401


def transfer_layers(source_model, target_model, layer_names, freeze=True):
    for name in layer_names:
        target_layer = target_model.get_layer(name)
        target_layer.weights[0].assign(source_model.get_layer(name).weights[0])
        target_layer.trainable = not freeze
    target_model.compile_from_config(target_model.get_compile_config())
    return target_model
