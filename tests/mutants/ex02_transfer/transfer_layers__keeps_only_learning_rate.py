"""Mistake: a fresh optimizer of the same class with the learning rate only: momentum and other settings are lost."""
from solutions.ex02_transfer import fit_embedding_mapping  # noqa: F401


def transfer_layers(source_model, target_model, layer_names, freeze=True):
    for name in layer_names:
        target_layer = target_model.get_layer(name)
        target_layer.set_weights(source_model.get_layer(name).get_weights())
        target_layer.trainable = not freeze
    old = target_model.optimizer
    config = target_model.get_compile_config()
    target_model.compile(optimizer=type(old)(learning_rate=float(old.learning_rate.numpy())), loss=config["loss"],
                         loss_weights=config["loss_weights"])
    return target_model
