"""Mistake: copies the weights but never touches `trainable`, so "frozen" layers are fine-tuned anyway."""
from solutions.ex02_transfer import fit_embedding_mapping  # noqa: F401


def transfer_layers(source_model, target_model, layer_names, freeze=True):
    for name in layer_names:
        target_model.get_layer(name).set_weights(source_model.get_layer(name).get_weights())
    target_model.compile_from_config(target_model.get_compile_config())
    return target_model
