"""Coding problem 2 (notebook 07): a multi-label recommender, done right.

For an interaction (user, item) the model predicts several yes/no labels at once, e.g. for every
genre whether the user engages with the item under that genre (mtlrec.lessons.multilabel). Labels
do not compete: a row can have none, one or several, so each label gets its own sigmoid and its own
binary cross-entropy. Parts 1 and 2 are the two ways of writing that model (one head per label, as
in the article, or one vectorized head); parts 3 and 4 are the decisions interviewers ask about next:
a loss for rare labels and per-label decision thresholds.

Reference solution. The stub with the same functions is exercises/ex07_multilabel.py.
"""

import numpy as np

import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras
from keras import layers, ops

EPSILON = 1e-7  # probabilities are clipped to [EPSILON, 1 - EPSILON] before the log (Keras does the same)


def build_model(user_dim, item_dim, num_labels):
    """The article's multi-label model made to work: shared towers, one sigmoid head per label.

    Args:
        user_dim: width of the user feature vector.
        item_dim: width of the item feature vector.
        num_labels: how many yes/no labels to predict (1 or more).

    Returns:
        A compiled keras.Model called as model([user_features, item_features]) with
        user_features of shape (batch, user_dim) and item_features of shape (batch, item_dim), in that
        order. It has num_labels outputs named "label_output_0" ... "label_output_{num_labels-1}",
        each of shape (batch, 1): the probability that label is true, independent of the others
        (a subclassed keras.Model names its outputs by the keys of the dict its call() returns).
        Every output is compiled with binary cross-entropy; the optimizer is Adam (the article's
        "adam"; a learning rate between 1e-3 and 1e-2). model.fit must run with these settings.

    TODO:
        1. Two inputs: keras.Input(shape=(user_dim,)) and keras.Input(shape=(item_dim,)).
        2. A user tower and an item tower (e.g. Dense 64 -> Dense 32, relu), concatenated, then a
           shared Dense layer (e.g. 64, relu). This is the part all labels share. (The article has one
           Dense(64, relu) per input, named user_embedding / item_embedding although no embedding is
           involved, and puts the heads directly on the concatenation; that works too.)
        3. One Dense(1, activation="sigmoid", name=f"label_output_{i}") head per label on top of
           the shared layer.
        4. keras.Model([user_input, item_input], heads) and compile with optimizer "adam" and binary
           cross-entropy for every head. Build the loss mapping in code for any num_labels: the
           article's hand-typed dict {'label_output_0': ..., 'label_output_1': ..., ...} ends in a
           literal `...` (a SyntaxError) and would cover two heads only.

    Hints:
        1. The article's model code works once its loss dict is built from num_labels (its `...` is a
           SyntaxError) and user_dim, item_dim and num_labels are this function's arguments. Its unused
           Conv2D/MaxPooling2D imports stop nothing from running (delete them for clarity). Its fit call
           would still fail: a model with num_labels outputs needs one target per head, not one matrix.
        2. A dict comprehension builds the losses for any number of heads:
           {f"label_output_{i}": "binary_crossentropy" for i in range(num_labels)}.
        3. Sigmoid, not softmax: a softmax over a single unit always outputs 1, and a softmax across
           the labels makes them compete (that is multi-class, where exactly one label is true).
    """
    user_input = keras.Input(shape=(user_dim,), name="user_features")
    item_input = keras.Input(shape=(item_dim,), name="item_features")

    user_vector = layers.Dense(64, activation="relu")(user_input)  # (batch, 64)
    user_vector = layers.Dense(32, activation="relu")(user_vector)  # (batch, 32)
    item_vector = layers.Dense(64, activation="relu")(item_input)
    item_vector = layers.Dense(32, activation="relu")(item_vector)  # (batch, 32)
    joined = layers.Concatenate()([user_vector, item_vector])  # (batch, 64)
    shared = layers.Dense(64, activation="relu")(joined)  # (batch, 64): what every label shares

    heads = [layers.Dense(1, activation="sigmoid", name=f"label_output_{label}")(shared)  # (batch, 1)
             for label in range(num_labels)]
    model = keras.Model([user_input, item_input], heads)
    model.compile(optimizer="adam",
                  loss={f"label_output_{label}": "binary_crossentropy" for label in range(num_labels)})
    return model


def build_vectorized_model(user_dim, item_dim, num_labels):
    """The same multi-label model with ONE output holding every label's probability.

    Args:
        user_dim: width of the user feature vector.
        item_dim: width of the item feature vector.
        num_labels: how many yes/no labels to predict (1 or more).

    Returns:
        A compiled keras.Model called as model([user_features, item_features]) (shapes (batch,
        user_dim) and (batch, item_dim), in that order) with one output named "labels" of shape
        (batch, num_labels): independent probabilities, one per label (a row may hold several values
        near 1, or none); a subclassed keras.Model returns {"labels": ...} from call(). Compiled with
        binary cross-entropy and Adam (learning rate 1e-3 to 1e-2); model.fit must run with these settings.

    TODO:
        1. The same inputs, towers and shared layer as build_model.
        2. One Dense(num_labels, activation="sigmoid", name="labels") on the shared layer.
        3. Compile with optimizer "adam" and loss "binary_crossentropy" (Keras averages it over the
           labels, so it is the mean of the per-label losses of build_model).

    Hints:
        1. num_labels Dense(1) heads on one hidden vector are exactly one Dense(num_labels): the i-th
           column of the kernel is the i-th head's kernel. Same function, one matrix multiply.
        2. Not softmax: softmax makes the probabilities sum to 1 across labels, so two labels that
           are both true can at best get 0.5 each, and "no label" cannot be said at all.
        3. Not categorical cross-entropy either: it only rewards the true labels' share of a softmax
           and never penalizes a false label on its own.
    """
    user_input = keras.Input(shape=(user_dim,), name="user_features")
    item_input = keras.Input(shape=(item_dim,), name="item_features")
    user_vector = layers.Dense(32, activation="relu")(layers.Dense(64, activation="relu")(user_input))
    item_vector = layers.Dense(32, activation="relu")(layers.Dense(64, activation="relu")(item_input))
    joined = layers.Concatenate()([user_vector, item_vector])  # (batch, 64)
    shared = layers.Dense(64, activation="relu")(joined)  # (batch, 64)
    labels = layers.Dense(num_labels, activation="sigmoid", name="labels")(shared)  # (batch, num_labels)
    model = keras.Model([user_input, item_input], labels)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


def weighted_binary_crossentropy(positive_weights):
    """A binary cross-entropy that weighs each label's positives, for rare labels (a Keras loss).

    For probabilities p = y_pred clipped to [EPSILON, 1 - EPSILON] (EPSILON = 1e-7), labels y in
    {0, 1} and one weight w_l per label, the loss of one row is the MEAN over its labels of

        -( w_l * y_l * log(p_l) + (1 - y_l) * log(1 - p_l) )

    (only the positive term is weighted, like pos_weight in PyTorch's BCEWithLogitsLoss). With every
    w_l = 1 it equals keras.losses.binary_crossentropy. A rare label with 5% positives gets
    w = 0.95 / 0.05 = 19 to make its positives weigh as much as its negatives.

    Args:
        positive_weights: the weights w, one positive float per label (a list or a numpy array of
            shape (num_labels,)).

    Returns:
        A function loss(y_true, y_pred) that Keras can compile (model.compile(loss=...)): y_true
        and y_pred of shape (batch, num_labels) (y_pred holds probabilities), result of shape (batch,),
        one loss per row (Keras then averages over the batch). It must use keras.ops (not numpy),
        so that it works inside model.fit, and stay finite when y_pred is exactly 0 or 1.

    TODO:
        1. Turn positive_weights into a float32 array once, outside the inner function.
        2. Inside loss(y_true, y_pred): cast y_true to y_pred's dtype, clip y_pred to
           [EPSILON, 1 - EPSILON].
        3. Compute the weighted per-label terms above and average them over the last axis.
        4. Return the inner function.

    Hints:
        1. keras.ops has what you need: ops.convert_to_tensor, ops.cast, ops.clip, ops.log, ops.mean.
        2. The weight multiplies only y * log(p), the positives' term; weighting the whole term would
           scale the label's loss without shifting its balance between positives and negatives.
        3. ops.mean(terms, axis=-1) gives one value per row: the mean over labels, not the sum.
    """
    weights = np.asarray(positive_weights, dtype="float32").reshape(-1)  # (num_labels,)

    def loss(y_true, y_pred):
        y_pred = ops.convert_to_tensor(y_pred)
        y_true = ops.cast(y_true, y_pred.dtype)
        probability = ops.clip(y_pred, EPSILON, 1.0 - EPSILON)  # (batch, num_labels)
        terms = -(weights * y_true * ops.log(probability) + (1.0 - y_true) * ops.log(1.0 - probability))
        return ops.mean(terms, axis=-1)  # (batch,)

    loss.__name__ = "weighted_binary_crossentropy"
    return loss


def tune_thresholds(y_true, y_probability):
    """Per-label decision thresholds that maximize each label's F1 on validation data (numpy).

    A label is predicted for a row when y_probability[row, label] >= thresholds[label]. For each label
    separately, choose the threshold with the highest F1 = 2 TP / (2 TP + FP + FN) on these rows,
    searching every distinct probability of that label as a candidate (a fixed grid such as
    np.linspace(0, 1, 101) can miss the best cut). When several thresholds tie, any of them is fine.
    A label with no positive row cannot be tuned: give it 0.5 (so every label gets 0.5 when there are
    no rows). A label positive on every row is tuned like any other.

    Args:
        y_true: numpy array (num_samples, num_labels) of 0/1 labels.
        y_probability: numpy array (num_samples, num_labels) of predicted probabilities in [0, 1].

    Returns:
        A float numpy array of shape (num_labels,) with values in [0, 1]; the inputs are left unchanged.

    TODO:
        1. For each label column, collect the candidate thresholds: the distinct probabilities.
        2. For each candidate t, predict (probability >= t) and compute F1 against the truth.
        3. Keep the candidate with the highest F1 (0.5 when the label has no positive).

    Hints:
        1. np.unique(column) gives the distinct candidates; a double loop (labels x candidates) is
           fast enough for a validation set of a few thousand rows.
        2. F1 = 2 TP / (number predicted + number truly positive), which needs no FP/FN bookkeeping.
        3. Faster: sort the column in decreasing order; predicting the top k rows gives TP =
           cumsum(truth)[k - 1]; only cut where the next probability differs, since equal
           probabilities fall on the same side of any threshold.
    """
    truth = np.asarray(y_true) > 0.5  # (num_samples, num_labels)
    probability = np.asarray(y_probability, dtype=np.float64)
    num_samples, num_labels = truth.shape
    thresholds = np.full(num_labels, 0.5)
    for label in range(num_labels):
        if not truth[:, label].any():
            continue
        order = np.argsort(-probability[:, label], kind="stable")
        scores, hits = probability[order, label], truth[order, label]
        true_positives = np.cumsum(hits)  # predicting the top k rows (k = 1..n)
        predicted = np.arange(1, num_samples + 1)
        f1 = 2.0 * true_positives / (predicted + hits.sum())
        last_of_tie = np.r_[scores[1:] != scores[:-1], True]  # cut only between different scores
        best = int(np.argmax(np.where(last_of_tie, f1, -1.0)))
        thresholds[label] = scores[best]
    return thresholds
