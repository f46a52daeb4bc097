"""Mistake: copies trainable_weights only: BatchNorm statistics are left behind, and a frozen layer gets nothing."""
from solutions.ex02_transfer import fit_embedding_mapping  # noqa: F401


def transfer_layers(source_model, target_model, layer_names, freeze=True):
    for name in layer_names:
        source_layer, target_layer = source_model.get_layer(name), target_model.get_layer(name)
        for source_weight, target_weight in zip(source_layer.trainable_weights, target_layer.trainable_weights):
            target_weight.assign(source_weight)
        target_layer.trainable = not freeze
    target_model.compile_from_config(target_model.get_compile_config())
    return target_model
