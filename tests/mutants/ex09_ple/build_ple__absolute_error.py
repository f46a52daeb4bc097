"""Mistake: the mean absolute error where the docstring asks for the mean squared error."""
import keras

from solutions.ex09_ple import CGC  # noqa: F401
from solutions.ex09_ple import build_ple as _reference


def build_ple(input_dim, tasks=("task_0", "task_1"), num_levels=2, num_shared_experts=2, num_task_experts=1,
              expert_units=8, tower_units=8, learning_rate=1e-2):
    model = _reference(input_dim, tasks, num_levels, num_shared_experts, num_task_experts, expert_units,
                       tower_units, learning_rate)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss={name: "mae" for name in tasks})
    return model
