"""From MMoE to CGC/PLE (notebook 09): a Customized Gate Control layer, and Progressive Layered Extraction
built from it.

MMoE (ex04) shares every expert among the tasks; CGC (Tang et al., RecSys 2020) gives each task experts
of its own beside the shared ones, and each task's gate mixes only the shared experts and that task's
own. PLE stacks CGC levels: a level also mixes ALL its experts into a shared output, which the next
level's shared experts read, while each task's output feeds that task's experts and gate at the next
level.

Your exercise: replace each `raise NotImplementedError` with your code, then run
`python -m mtlrec.grade ex09_ple` or the check cell of its notebook.
"""

import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras
from keras import layers, ops


class CGC(layers.Layer):
    """Customized Gate Control (CGC, one PLE level; Tang et al., RecSys 2020): shared + task-specific experts.

    Experts: every expert is Dense(expert_units, activation="relu"). `num_shared_experts` of them are
    shared by all tasks; every task also has `num_task_experts` experts of its own (num_tasks *
    num_task_experts in all), which no other task's output uses.

    Gates: task t's gate is ONE softmax over the experts it sees, the shared ones and its own, i.e.
    Dense(num_shared_experts + num_task_experts, activation="softmax") applied to task t's input; its
    columns weight the shared experts first, then task t's own, in order:

        output_t(x) = sum_j g_t(x)[j] * expert_j(x),   j over [shared experts..., task t's experts...]

    With num_task_experts=0 this is MMoE; with num_shared_experts=0 the tasks share nothing.

    Shared output (shared_output=True, every PLE level but the last): one more gate, the shared gate,
    ONE softmax over ALL the experts (columns: the shared experts, then task 0's, task 1's, ...) applied
    to the shared input, and one more output: its mixture of all the experts. The next level's shared
    experts read it.

    Constructor: CGC(num_shared_experts, num_task_experts, expert_units, num_tasks, shared_output=False,
    **kwargs); kwargs (name=..., trainable=..., dtype=...) go to keras.layers.Layer. Raises ValueError
    when num_tasks < 1, when a count is negative, or when a task would see no expert at all
    (num_shared_experts + num_task_experts < 1).

    Call: layer(inputs), where inputs is either
        - one tensor (batch, input_dim), read by every expert and gate (the first level), or
        - a list of num_tasks + 1 tensors [input of task 0, ..., input of task T-1, shared input], each
          (batch, width_i) (what the previous PLE level returned; the widths may differ): task t's
          experts and gate read inputs[t], the shared experts and the shared gate read inputs[-1].
    Returns a Python list of num_tasks tensors (batch, expert_units), task 0 first, followed by the
    shared output (batch, expert_units) when shared_output=True.

    Gates: layer.gate_weights(inputs), on a built layer, returns the list of num_tasks tensors
    (batch, num_shared_experts + num_task_experts), followed by the shared gate's
    (batch, num_shared_experts + num_tasks * num_task_experts) when shared_output=True: the very weights
    `call` mixes with, each row non-negative and summing to one.

    Saving: get_config() returns the five constructor arguments with the base config, so that
    model.save("m.keras") and keras.models.load_model("m.keras", custom_objects={"CGC": CGC}) round-trip.

    TODO:
        1. __init__: super().__init__(**kwargs); check the counts (ValueError); keep the five arguments;
           create the shared experts, each task's own experts (a list per task), one gate per task and,
           if shared_output, the shared gate. All in __init__, none in call.
        2. build(input_shape): input_shape is one shape or a list of num_tasks + 1 shapes; build task t's
           experts and gate on shape t and the shared experts and shared gate on the last shape.
        3. gate_weights(inputs): turn one tensor into [inputs] * (num_tasks + 1); apply each task's gate
           to its input (and the shared gate to the shared input).
        4. call(inputs): the same list of inputs; the shared experts' outputs, each task's own experts'
           outputs; for task t stack [shared..., own_t...] to (batch, S + K, expert_units) and take the
           gate-weighted sum over the expert axis; the shared output mixes every expert with the shared gate.
        5. get_config(): the base config plus the five constructor arguments.

    Hints:
        1. self.task_experts = [[layers.Dense(expert_units, activation="relu") for _ in range(K)]
           for _ in range(num_tasks)]: a NEW Dense per task and expert. `[experts] * num_tasks` repeats one
           list, so every task would use the same "own" experts (experts shared where they must be
           task-specific).
        2. One gate, one softmax: Dense(S + K, activation="softmax") over the shared AND own experts
           together. Two softmaxes (one over the shared, one over the own experts) or a sigmoid do not give
           one distribution over the experts the task sees; a gate over every task's experts lets task t
           read other tasks' private experts (only the shared gate does that).
        3. ops.stack(outputs, axis=1) gives (batch, n, expert_units); then
           ops.einsum("be,beu->bu", gate, stacked) is the gate-weighted sum.
        4. if not isinstance(inputs, (list, tuple)): inputs = [inputs] * (self.num_tasks + 1)
    """

    def __init__(self, num_shared_experts, num_task_experts, expert_units, num_tasks, shared_output=False, **kwargs):
        """Check and keep the sizes; create the experts and gates (see the class docstring)."""
        raise NotImplementedError

    def build(self, input_shape):
        """Build task t's experts and gate on input t's shape, the shared ones on the last shape."""
        raise NotImplementedError

    def gate_weights(self, inputs):
        """num_tasks tensors (batch, S + K), then the shared gate's (batch, S + T K) if shared_output."""
        raise NotImplementedError

    def call(self, inputs):
        """num_tasks tensors (batch, expert_units), then the shared output if shared_output."""
        raise NotImplementedError

    def get_config(self):
        """The base config plus the five constructor arguments (for the .keras round trip)."""
        raise NotImplementedError


def build_ple(input_dim, tasks=("task_0", "task_1"), num_levels=2, num_shared_experts=2, num_task_experts=1,
              expert_units=8, tower_units=8, learning_rate=1e-2):
    """Progressive Layered Extraction (PLE, Tang et al., RecSys 2020): CGC levels chained, one tower per task.

    Levels: level l (l = 0 .. num_levels - 1) is CGC(num_shared_experts, num_task_experts, expert_units,
    len(tasks), shared_output=(l < num_levels - 1)), made from this module's CGC class. Level 0 reads
    the input x; level l + 1 reads the whole list that level l returned, in its order: each task's
    output feeds that task's experts and gate, the shared output (the last item) feeds the shared
    experts and the shared gate. The last level has no shared output (nothing would read it), so every
    weight of the model is trained by some task's loss.

    Towers: task t's tower reads the last level's output t: Dense(tower_units, activation="relu"), then
    Dense(1) (linear), named by tasks[t]. Each task is a regression (e.g. watch time, completion rate).

    Args:
        input_dim: width of the input feature vector x.
        tasks: the tasks' names, one output each, in the order of the CGC's task indices (task t is
            tasks[t]); at least one, no duplicates.
        num_levels: number of CGC levels (1 is a single CGC model; PLE proper has 2 or more).
        num_shared_experts, num_task_experts, expert_units: the sizes of every level (see CGC).
        tower_units: width of each task's hidden tower layer.
        learning_rate: Adam's learning rate.

    Returns:
        A compiled keras.Model with one input x of shape (batch, input_dim) and a dict of outputs
        {task name: prediction (batch, 1)}, compiled with keras.optimizers.Adam(learning_rate) and the
        mean squared error on every output, each with loss weight 1. A subclassed keras.Model is fine if
        its call() returns that dict. Each call makes a new model with its own optimizer.

    Raises:
        ValueError: if num_levels < 1, tasks is empty or tasks has a duplicate name.

    TODO:
        1. Check the arguments (ValueError).
        2. x = keras.Input(shape=(input_dim,)).
        3. hidden = x; for each level: hidden = CGC(..., shared_output=level < num_levels - 1)(hidden).
           hidden is then a list: the task outputs (and, but for the last level, the shared output).
        4. For each task t: Dense(tower_units, "relu") on hidden[t], then Dense(1, name=tasks[t]).
        5. keras.Model(x, {name: output}); compile with Adam(learning_rate) and loss "mse" per output.

    Hints:
        1. Pass the list a level returns to the next level as it is: [task outputs..., shared output].
           Feeding the next level x again (levels side by side instead of stacked), or leaving out the
           shared output, cuts the chain: a level's shared gate would then train nothing.
        2. The last level takes shared_output=False: its task outputs go to the towers and nothing reads
           a shared output there.
        3. One tower per task (new Dense layers per task); a tower reused by all tasks ties their heads.
    """
    raise NotImplementedError
