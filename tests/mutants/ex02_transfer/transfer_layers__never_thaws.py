"""Mistake: only ever sets trainable=False, so a layer frozen earlier cannot be fine-tuned."""
from solutions.ex02_transfer import fit_embedding_mapping  # noqa: F401


def transfer_layers(source_model, target_model, layer_names, freeze=True):
    for name in layer_names:
        target_layer = target_model.get_layer(name)
        target_layer.set_weights(source_model.get_layer(name).get_weights())
        if freeze:
            target_layer.trainable = False
    target_model.compile_from_config(target_model.get_compile_config())
    return target_model
