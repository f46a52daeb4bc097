"""Mistake: get_config() leaves out shared_output, so a saved PLE level comes back without its shared output."""
from solutions.ex09_ple import CGC as _Reference
from solutions.ex09_ple import build_ple  # noqa: F401


class CGC(_Reference):
    def get_config(self):
        config = super().get_config()
        config.pop("shared_output")
        return config
