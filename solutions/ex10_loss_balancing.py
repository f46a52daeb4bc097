"""Balancing the tasks' losses (notebook 10): uncertainty weighting, dynamic weight average and PCGrad.

Three ways to stop one task from running a multi-task model's training:
- UncertaintyWeighting: learned loss weights from each task's homoscedastic uncertainty (Kendall et al., 2018);
- dwa_weights: loss weights from how fast each task's loss is falling (Liu et al., 2019);
- pcgrad: gradient surgery, each task's gradient projected off the gradients it conflicts with (Yu et al., 2020).
GradNorm (Chen et al., 2018) is built in the notebook itself, from helpers in mtlrec/lessons/loss_balancing.py.

Reference solution. The stub with the same functions is exercises/ex10_loss_balancing.py.
"""

import numpy as np

import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras
from keras import layers, ops

TASK_KINDS = ("regression", "classification")  # the kinds UncertaintyWeighting knows
KIND_FACTORS = {"regression": 0.5, "classification": 1.0}  # c_t: 1/(2 sigma^2) or 1/sigma^2 in front of L_t


class UncertaintyWeighting(layers.Layer):
    """Loss weights learned from each task's uncertainty (Kendall, Gal and Cipolla, CVPR 2018).

    Each task t has a learned log-variance s_t = log sigma_t^2 (the paper learns the log of the variance
    rather than the variance: exp(-s_t) is positive for every real s_t, and nothing is divided by zero).
    Given the tasks' losses L_t, the layer returns the paper's objective

        total = sum_t  c_t * exp(-s_t) * L_t  +  0.5 * s_t

    with c_t = 1/2 for a "regression" task (Gaussian likelihood: L_t / (2 sigma_t^2) + log sigma_t) and
    c_t = 1 for a "classification" task (softmax with temperature sigma_t^2: L_t / sigma_t^2 + log sigma_t).
    0.5 * s_t is log sigma_t, the regulariser: without it every exp(-s_t) would shrink to 0 and switch the
    task off. The weight on L_t, c_t * exp(-s_t), is always positive. For a fixed L_t, the total is
    smallest at s_t = log(2 c_t L_t): a regression task's learned variance is its own loss, so its weight
    becomes 1 / (2 L_t), and a loss measured in large units (seconds squared) gets a small weight.

    Constructor: UncertaintyWeighting(task_kinds, **kwargs). task_kinds: a sequence with one entry per
    task, each "regression" or "classification" (num_tasks = len(task_kinds) >= 1); kwargs (name=...,
    trainable=...) go to keras.layers.Layer (the layer keeps Keras's default float32 dtype).

    Weights: exactly one trainable weight, the attribute `log_variances`, of shape (num_tasks,),
    initialised to zeros (sigma_t = 1, so a new layer's weights are c_t), created in __init__ (so it
    exists before the first call and layer.set_weights works on a new layer).

    Call: layer(task_losses), task_losses a list of num_tasks scalar tensors (task 0 first) or one tensor
    of shape (num_tasks,), float32 or float64 (a Keras layer takes tensors, not Python floats, as its
    input); returns a float32 scalar tensor (shape ()), differentiable with respect to the losses and to
    log_variances; it works eagerly and inside a tf.function (a traced training step).

    task_weights(): a numpy float array (num_tasks,) of the current weights c_t * exp(-s_t).

    Saving: get_config() returns task_kinds (with the base config), so that
    UncertaintyWeighting.from_config(layer.get_config()) makes the same layer.

    Raises:
        ValueError: in the constructor, if task_kinds is empty or holds anything else than "regression"
            or "classification"; in a call, if the number of losses is not num_tasks.

    TODO:
        1. __init__: super().__init__(**kwargs); check and keep task_kinds (as a tuple); create
           self.log_variances with self.add_weight(shape=(num_tasks,), initializer="zeros", ...).
        2. call(task_losses): turn the losses into one float32 vector (num_tasks,); check its length;
           return ops.sum(factors * ops.exp(-s) * losses + 0.5 * s).
        3. task_weights(): factors * np.exp(-log_variances), a numpy array.
        4. get_config(): the base config updated with task_kinds.

    Hints:
        1. The factors c_t are constants: np.array([0.5 if kind == "regression" else 1.0 for ...]).
        2. ops.stack(list_of_scalars) makes the vector from a list; ops.reshape(ops.cast(x, "float32"),
           (-1,)) accepts the tensor form too. The static shape (ops.shape(losses)[0]) gives its length.
        3. Use keras.ops (or tf) in call, not numpy: numpy would cut the gradient and fails in a
           tf.function. A weight written as c_t * (1 - s_t), or as c_t / s_t with s_t "the variance",
           goes negative (or divides by zero) for some s_t: only exp(-s_t) is positive everywhere.
        4. The regulariser is 0.5 * s_t (log sigma_t), not s_t: with s_t the optimum moves to
           s_t = log(c_t L_t) and the weights double.
    """

    def __init__(self, task_kinds, **kwargs):
        """Check and keep task_kinds; create the log-variances (see the class docstring)."""
        super().__init__(**kwargs)
        kinds = tuple(task_kinds) if not isinstance(task_kinds, str) else (task_kinds,)
        if not kinds or any(kind not in KIND_FACTORS for kind in kinds):
            raise ValueError(f"task_kinds must be a non-empty sequence of {TASK_KINDS}, got {task_kinds!r}")
        self.task_kinds = kinds
        self.factors = np.array([KIND_FACTORS[kind] for kind in kinds], dtype="float32")  # (num_tasks,)
        self.log_variances = self.add_weight(shape=(len(kinds),), initializer="zeros", name="log_variances")

    def call(self, task_losses):
        """The objective sum_t c_t exp(-s_t) L_t + 0.5 s_t, a float32 scalar."""
        if isinstance(task_losses, (list, tuple)):
            task_losses = ops.stack([ops.reshape(ops.cast(loss, "float32"), ()) for loss in task_losses])
        losses = ops.reshape(ops.cast(task_losses, "float32"), (-1,))  # (num_tasks,)
        if losses.shape[0] != len(self.task_kinds):
            raise ValueError(f"UncertaintyWeighting has {len(self.task_kinds)} tasks {self.task_kinds}, "
                             f"got {losses.shape[0]} losses")
        log_variances = ops.cast(self.log_variances, "float32")  # (num_tasks,)
        return ops.sum(self.factors * ops.exp(-log_variances) * losses + 0.5 * log_variances)

    def task_weights(self):
        """The current weights c_t * exp(-s_t) on the losses, a numpy array (num_tasks,)."""
        return self.factors * np.exp(-np.asarray(ops.convert_to_numpy(self.log_variances), dtype="float32"))

    def get_config(self):
        """The base config plus task_kinds."""
        config = super().get_config()
        config.update(task_kinds=list(self.task_kinds))
        return config


def dwa_weights(loss_history, temperature=2.0):
    """Dynamic weight average (Liu, Johns and Davison, CVPR 2019): next epoch's loss weights.

    loss_history holds, for every epoch trained so far, each task's loss averaged over that epoch. The
    weight of task k for the next epoch t comes from how fast its loss fell over the last two epochs:

        w_k = L_k(t-1) / L_k(t-2)                      (the last row over the row before it)
        lambda_k = K * exp(w_k / T) / sum_i exp(w_i / T)

    so the weights are positive and sum to K, the number of tasks (equal weights are all 1), and a task
    whose loss stalls (w_k near 1) gains weight over one whose loss drops fast (w_k well below 1). A
    larger temperature T makes the weights more even. Before two epochs have been trained (0 or 1 rows)
    there is no rate yet, and every weight is 1 (the paper's first two epochs). Only the last two rows
    are read.

    Args:
        loss_history: array-like of shape (num_epochs, num_tasks), float, oldest epoch first;
            num_epochs may be 0 or 1 (shape (0, num_tasks) or (1, num_tasks)), num_tasks >= 1.
        temperature: T > 0 (the paper uses 2).

    Returns:
        A numpy float array of shape (num_tasks,): the weights lambda_k, each > 0, summing to num_tasks.
        It stays finite for any ratios and any T > 0 (a tiny T puts all the weight on one task).

    Raises:
        ValueError: if loss_history is not 2-D or has no task column, if temperature is not a finite
            number > 0, or if a loss in the last two rows (when there are at least two) is not a finite
            number > 0.

    TODO:
        1. history = np.asarray(loss_history, dtype=float); check its shape and the temperature.
        2. Fewer than 2 rows: return np.ones(num_tasks).
        3. Check the last two rows; rates = history[-1] / history[-2].
        4. Return num_tasks times the softmax of rates / temperature.

    Hints:
        1. The ratio is the newer loss over the older one: L(t-1) / L(t-2). Inverted, a stalled task
           would lose weight instead of gaining it.
        2. Subtract the largest logit before np.exp: exp(1000) overflows to inf and inf / inf is NaN.
        3. A softmax sums to 1; DWA multiplies it by the number of tasks so that equal weights are 1.
    """
    history = np.asarray(loss_history, dtype=np.float64)
    if history.ndim != 2 or history.shape[1] == 0:
        raise ValueError(f"loss_history must have shape (num_epochs, num_tasks) with num_tasks >= 1, got "
                         f"shape {history.shape}")
    try:
        temperature = float(temperature)
    except (TypeError, ValueError):
        raise ValueError(f"temperature must be a number > 0, got {temperature!r}") from None
    if not np.isfinite(temperature) or temperature <= 0:
        raise ValueError(f"temperature must be a finite number > 0, got {temperature!r}")
    num_tasks = history.shape[1]
    if history.shape[0] < 2:
        return np.ones(num_tasks)
    previous, before = history[-1], history[-2]  # L(t-1), L(t-2)
    if not (np.all(np.isfinite(history[-2:])) and np.all(history[-2:] > 0)):
        raise ValueError(f"the last two epochs' losses must be finite and > 0, got {history[-2:].tolist()}")
    logits = previous / before / temperature  # (num_tasks,)
    exponentials = np.exp(logits - logits.max())
    return num_tasks * exponentials / exponentials.sum()


def pcgrad(task_gradients, seed):
    """PCGrad (Yu et al., NeurIPS 2020): project each task's gradient off the gradients it conflicts with.

    Each task's gradient g_i is all its per-variable pieces flattened and concatenated into one vector
    (the conflict is measured on the whole shared gradient, not variable by variable). Algorithm 1 of the
    paper: for each task i, start from g_i^PC = g_i and visit the other tasks j in a random order; when
    g_i^PC . g_j < 0 (a conflict), remove from g_i^PC its component along the ORIGINAL g_j:

        g_i^PC <- g_i^PC - (g_i^PC . g_j) / |g_j|^2 * g_j

    Gradients that do not conflict are left alone. Every task is treated this way (task j is projected
    off task i too, when they conflict), each against the original gradients, never against gradients
    already projected. The update is the sum of the projected gradients, sum_i g_i^PC. With two tasks the
    order does not matter; with three or more it does: each task's order over the others is a random
    permutation drawn from `seed` (e.g. with np.random.default_rng(seed)), so the same seed gives the same
    result and different seeds give different orders.

    Pass the gradients of the SHARED variables only: a task-specific tower is trained by its own task's
    gradient, which no other task reaches.

    Args:
        task_gradients: a list of num_tasks >= 1 gradients, task 0 first; each a list of arrays or
            tensors, one per shared variable, as tape.gradient(loss_t, shared_variables) returns; every
            task has the same number of pieces with the same shapes. A piece may be None (the task does
            not reach that variable): it counts as zeros.
        seed: an integer from which the random orders are drawn.

    Returns:
        A list with one numpy float array per variable, of that variable's shape: the pieces of
        sum_i g_i^PC. The inputs are left unchanged.

    Raises:
        ValueError: if task_gradients is empty, if the tasks have different numbers of pieces, or if a
            piece's shape differs between tasks (or every task has None for a variable).

    TODO:
        1. Flatten each task's pieces (None -> zeros) into one vector: a matrix (num_tasks, num_weights).
        2. rng = np.random.default_rng(seed); copy the matrix for the projected gradients.
        3. For each task i, for each j != i in the order rng.permutation gives: if projected[i] . g_j < 0,
           subtract (projected[i] . g_j) / (g_j . g_j) * g_j.
        4. Sum the projected rows; cut the sum back into pieces of the variables' shapes.

    Hints:
        1. Project onto g_j, the other task's ORIGINAL gradient: subtracting along g_i itself only
           shrinks g_i, and projecting onto an already projected g_j gives another update.
        2. Only when the dot product is negative: projecting non-conflicting gradients removes useful
           shared progress.
        3. g_j . g_j is 0 only for a zero gradient, and then the dot product is 0, not negative: no
           projection and no division by zero.
        4. np.concatenate([np.ravel(piece) for piece in pieces]) flattens; np.split at the cumulative
           sizes (np.cumsum) and reshape cut it back.
    """
    if len(task_gradients) == 0:
        raise ValueError("task_gradients is empty: pass one list of gradient pieces per task")
    num_pieces = {len(pieces) for pieces in task_gradients}
    if len(num_pieces) != 1:
        raise ValueError(f"every task needs the same number of gradient pieces, got {sorted(num_pieces)}")
    shapes = []
    for index in range(num_pieces.pop()):
        found = {tuple(np.shape(pieces[index])) for pieces in task_gradients if pieces[index] is not None}
        if len(found) != 1:
            raise ValueError(f"gradient piece {index} has the shapes {sorted(found)} across tasks; "
                             "it needs one shape (and at least one task that is not None)")
        shapes.append(found.pop())
    sizes = [int(np.prod(shape)) for shape in shapes]
    gradients = np.stack([
        np.concatenate([np.zeros(size) if piece is None else np.ravel(np.asarray(piece, dtype=np.float64))
                        for piece, size in zip(pieces, sizes)]) if sizes else np.zeros(0)
        for pieces in task_gradients])  # (num_tasks, num_weights)

    rng = np.random.default_rng(seed)
    num_tasks = len(gradients)
    projected = gradients.copy()
    for i in range(num_tasks):
        for j in rng.permutation(num_tasks):
            if j == i:
                continue
            dot = projected[i] @ gradients[j]
            if dot < 0:  # a conflict: remove the component along the original g_j
                projected[i] -= dot / (gradients[j] @ gradients[j]) * gradients[j]
    total = projected.sum(axis=0)  # (num_weights,)
    pieces = np.split(total, np.cumsum(sizes)[:-1]) if sizes else []
    return [piece.reshape(shape).astype(np.float32) for piece, shape in zip(pieces, shapes)]
