"""Mistake: copies every layer whose weight shapes match (here also the click head), not just the named ones."""
from solutions.ex02_transfer import fit_embedding_mapping  # noqa: F401


def transfer_layers(source_model, target_model, layer_names, freeze=True):
    for source_layer in source_model.layers:
        try:
            target_layer = target_model.get_layer(source_layer.name)
        except ValueError:
            continue
        weights = source_layer.get_weights()
        if weights and [w.shape for w in weights] == [w.shape for w in target_layer.get_weights()]:
            target_layer.set_weights(weights)
    for name in layer_names:
        target_model.get_layer(name).set_weights(source_model.get_layer(name).get_weights())
        target_model.get_layer(name).trainable = not freeze
    target_model.compile_from_config(target_model.get_compile_config())
    return target_model
