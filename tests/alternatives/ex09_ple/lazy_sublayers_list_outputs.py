"""A correct answer in another style: no build() (the Dense sublayers build themselves on first use), experts
kept in a dict per role, gates as linear Dense + keras.ops.softmax, a loop over tasks that stacks with
expand_dims and sums; build_ple returns a functional model with a LIST of outputs named by their layers,
compiled with a list of losses and explicit weights of 1."""
import keras
from keras import layers, ops


class CGC(layers.Layer):
    def __init__(self, num_shared_experts, num_task_experts, expert_units, num_tasks, shared_output=False, **kwargs):
        super().__init__(**kwargs)
        if min(num_shared_experts, num_task_experts) < 0 or num_shared_experts + num_task_experts == 0 or num_tasks <= 0:
            raise ValueError("CGC needs num_tasks >= 1 and at least one expert per task")
        self.num_shared_experts = num_shared_experts
        self.num_task_experts = num_task_experts
        self.expert_units = expert_units
        self.num_tasks = num_tasks
        self.shared_output = shared_output
        self.experts = {"shared": [layers.Dense(expert_units, activation="relu") for _ in range(num_shared_experts)]}
        for task in range(num_tasks):
            self.experts[f"task{task}"] = [layers.Dense(expert_units, activation="relu")
                                           for _ in range(num_task_experts)]
        self.gate_logits = [layers.Dense(num_shared_experts + num_task_experts) for _ in range(num_tasks)]
        if shared_output:
            self.shared_logits = layers.Dense(num_shared_experts + num_tasks * num_task_experts)

    def gate_weights(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            inputs = [inputs for _ in range(self.num_tasks + 1)]
        weights = []
        for task in range(self.num_tasks):
            weights.append(ops.softmax(self.gate_logits[task](inputs[task])))
        if self.shared_output:
            weights.append(ops.softmax(self.shared_logits(inputs[self.num_tasks])))
        return weights

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            inputs = [inputs for _ in range(self.num_tasks + 1)]
        shared = [expert(inputs[self.num_tasks]) for expert in self.experts["shared"]]
        own = {task: [expert(inputs[task]) for expert in self.experts[f"task{task}"]] for task in range(self.num_tasks)}
        weights = self.gate_weights(inputs)
        results = []
        for task in range(self.num_tasks):
            pool = ops.stack(shared + own[task], axis=1)
            results.append(ops.sum(ops.expand_dims(weights[task], -1) * pool, axis=1))
        if self.shared_output:
            pool = ops.stack(shared + [e for task in range(self.num_tasks) for e in own[task]], axis=1)
            results.append(ops.sum(ops.expand_dims(weights[-1], -1) * pool, axis=1))
        return results

    def get_config(self):
        config = super().get_config()
        config["num_shared_experts"] = self.num_shared_experts
        config["num_task_experts"] = self.num_task_experts
        config["expert_units"] = self.expert_units
        config["num_tasks"] = self.num_tasks
        config["shared_output"] = self.shared_output
        return config


def build_ple(input_dim, tasks=("task_0", "task_1"), num_levels=2, num_shared_experts=2, num_task_experts=1,
              expert_units=8, tower_units=8, learning_rate=1e-2):
    if num_levels <= 0:
        raise ValueError("num_levels must be >= 1")
    if not tasks or len(tasks) != len(set(tasks)):
        raise ValueError("tasks must be a non-empty list of distinct names")
    features = keras.Input(shape=(input_dim,))
    levels = [CGC(num_shared_experts, num_task_experts, expert_units, len(tasks), shared_output=(i != num_levels - 1))
              for i in range(num_levels)]
    hidden = features
    for level in levels:
        hidden = level(hidden)
    predictions = [layers.Dense(1, name=name)(layers.Dense(tower_units, activation="relu")(hidden[t]))
                   for t, name in enumerate(tasks)]
    model = keras.Model(features, predictions)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=["mean_squared_error"] * len(tasks),
                  loss_weights=[1.0] * len(tasks))
    return model
