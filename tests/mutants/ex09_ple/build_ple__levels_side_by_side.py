"""Mistake: levels not chained: every level reads x (side by side), and the towers read only the last one,
so the earlier levels train nothing."""
import keras
from keras import layers

from solutions.ex09_ple import CGC  # noqa: F401
from solutions.ex09_ple import build_ple as _reference


def build_ple(input_dim, tasks=("task_0", "task_1"), num_levels=2, num_shared_experts=2, num_task_experts=1,
              expert_units=8, tower_units=8, learning_rate=1e-2):
    if num_levels < 1 or not tasks or len(set(tasks)) != len(tasks):
        return _reference(input_dim, tasks, num_levels)
    x = keras.Input((input_dim,))
    for level in range(num_levels):
        hidden = CGC(num_shared_experts, num_task_experts, expert_units, len(tasks),
                     shared_output=level < num_levels - 1)(x)
    outputs = {name: layers.Dense(1, name=name)(layers.Dense(tower_units, activation="relu")(hidden[t]))
               for t, name in enumerate(tasks)}
    model = keras.Model(x, outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mse")
    return model
