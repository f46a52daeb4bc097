"""Mistake: a layer reused across tasks: one tower (hidden layer and head weights) shared by every task."""
import keras
from keras import layers

from solutions.ex09_ple import CGC  # noqa: F401
from solutions.ex09_ple import build_ple as _reference


def build_ple(input_dim, tasks=("task_0", "task_1"), num_levels=2, num_shared_experts=2, num_task_experts=1,
              expert_units=8, tower_units=8, learning_rate=1e-2):
    if num_levels < 1 or not tasks or len(set(tasks)) != len(tasks):
        return _reference(input_dim, tasks, num_levels)
    x = keras.Input((input_dim,))
    hidden = x
    for level in range(num_levels):
        hidden = CGC(num_shared_experts, num_task_experts, expert_units, len(tasks),
                     shared_output=level < num_levels - 1)(hidden)
    tower, head = layers.Dense(tower_units, activation="relu"), layers.Dense(1)
    outputs = {name: layers.Identity(name=name)(head(tower(hidden[t]))) for t, name in enumerate(tasks)}
    model = keras.Model(x, outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mse")
    return model
