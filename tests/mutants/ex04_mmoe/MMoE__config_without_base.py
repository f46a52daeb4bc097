"""Mistake: get_config() returns only the three constructor arguments, without super().get_config(), so
the layer's name (and trainable flag, dtype) are lost in a round trip."""
from solutions.ex04_mmoe import MMoE as _Reference
from solutions.ex04_mmoe import task_gradient_cosine  # noqa: F401


class MMoE(_Reference):
    def get_config(self):
        return {"num_experts": self.num_experts, "expert_units": self.expert_units, "num_tasks": self.num_tasks}
