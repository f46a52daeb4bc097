"""Mistake: compiles again with a fresh Adam at the model's learning rate, whatever optimizer the model had."""
import keras

from solutions.ex02_transfer import fit_embedding_mapping  # noqa: F401


def transfer_layers(source_model, target_model, layer_names, freeze=True):
    for name in layer_names:
        target_layer = target_model.get_layer(name)
        target_layer.set_weights(source_model.get_layer(name).get_weights())
        target_layer.trainable = not freeze
    config = target_model.get_compile_config()
    learning_rate = float(target_model.optimizer.learning_rate.numpy())
    target_model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=config["loss"],
                         loss_weights=config["loss_weights"])
    return target_model
