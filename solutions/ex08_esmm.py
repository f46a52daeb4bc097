"""ESMM (notebook 08): the click -> conversion funnel, modelled over the entire impression space.

A conversion (a purchase) can only happen after a click, so conversion labels exist only on clicked
impressions, and they are rare. The post-click conversion rate CVR = p(convert | click, impression)
is needed for EVERY impression a ranker scores, clicked or not. Three parts:

- esmm_targets: the training targets of ESMM, one pair per impression: the click (for CTR) and
  click AND conversion (for CTCVR); a conversion without a click is a logging error and is rejected;
- build_esmm: the Entire Space Multi-task Model (Ma et al., SIGIR 2018): ID embeddings shared by a CTR
  tower and a CVR tower, pCTCVR = pCTR x pCVR, trained with losses on CTR and CTCVR only, over all
  impressions; the CVR output is never supervised directly;
- build_naive_cvr: the baseline ESMM is compared with: a CVR model trained on the clicked impressions
  only (sample selection bias: it is trained on clicked rows and used on all impressions).

The dict inputs are those of ex06's hybrid model (Interactions.model_inputs, Funnel.model_inputs).

Reference solution. The stub with the same functions is exercises/ex08_esmm.py.
"""

import numpy as np

import mtlrec  # noqa: F401  (silences TensorFlow's log noise before Keras is imported)
import keras
from keras import layers


def esmm_targets(click, conversion):
    """The training targets of ESMM, one pair of labels per impression (notebook 08).

    ESMM learns two things it can observe on EVERY impression: whether it was clicked (the CTR task)
    and whether it was clicked AND converted (the CTCVR task). The CVR itself has no target: a
    conversion label exists only after a click. A conversion logged without a click cannot happen in
    the funnel impression -> click -> conversion: it is a logging or join error (or a view-through
    conversion, which this model does not describe), so it is rejected rather than silently dropped.

    Args:
        click: 1-D array-like of length n (numpy array or list; bool, int or float) of 0/1: was
            impression i clicked?
        conversion: 1-D array-like of length n of 0/1, aligned with click row by row: did impression i
            convert? An unclicked impression has conversion 0 (nothing can be observed after no click).
            n may be 0.

    Returns:
        A dict with exactly two keys, the names of the model outputs they train:
            "ctr":   (n,) float array (float32 or float64), the click labels;
            "ctcvr": (n,) float array (float32 or float64), click AND conversion: 1 where the impression was
                     clicked and converted, else 0.
        Both in the impressions' order (row i is impression i); the inputs are left unchanged. No
        "cvr" key: ESMM never supervises its CVR output directly.

    Raises:
        ValueError: if click and conversion have different lengths; if a value is not 0 or 1 (NaN,
            0.5, 2, -1 ...); if any impression has a conversion without a click (whatever the totals:
            checked row by row).

    TODO:
        1. Turn both inputs into float numpy arrays (np.asarray(..., dtype=np.float32)).
        2. Raise ValueError if the lengths differ, or if any value is not exactly 0 or 1.
        3. Raise ValueError if any row has conversion 1 and click 0.
        4. Return {"ctr": click, "ctcvr": click * conversion} as float32 arrays.

    Hints:
        1. np.isin(values, (0.0, 1.0)).all() is False for NaN, 0.5 or 2.
        2. (conversion > click).any() finds a conversion without a click, row by row. Comparing the
           totals (conversion.sum() > click.sum()) misses it whenever other clicks did not convert.
        3. Write `raise ValueError(...)`, not `assert`: asserts disappear under python -O.
    """
    click = np.asarray(click, dtype=np.float32).reshape(-1)
    conversion = np.asarray(conversion, dtype=np.float32).reshape(-1)
    if click.shape != conversion.shape:
        raise ValueError(f"click has {click.size} impressions but conversion has {conversion.size}")
    for name, values in (("click", click), ("conversion", conversion)):
        if not np.isin(values, (0.0, 1.0)).all():
            bad = values[~np.isin(values, (0.0, 1.0))]
            raise ValueError(f"{name} must hold only 0 and 1, found {bad[:3].tolist()}")
    without_click = np.flatnonzero(conversion > click)
    if without_click.size:
        raise ValueError(f"{without_click.size} impression(s) converted without a click (first: row "
                         f"{without_click[0]}); in the funnel a conversion can only follow a click")
    return {"ctr": click.copy(), "ctcvr": click * conversion}  # (n,), (n,)


def build_esmm(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim=16):
    """The Entire Space Multi-task Model: CTR and CVR towers on shared embeddings, pCTCVR = pCTR x pCVR.

    Ma et al. (SIGIR 2018) write p(click and convert | x) = p(click | x) x p(convert | click, x), i.e.
    pCTCVR = pCTR x pCVR, and train on the two tasks that are observed on every impression:

        L = sum over impressions i of  BCE(click_i, pCTR_i) + BCE(click_i * conversion_i, pCTR_i * pCVR_i)

    The CVR tower gets no loss of its own: it learns through the product, over all impressions. The ID
    embeddings are shared by the two towers, so the abundant click data also trains the
    representation the CVR tower reads (the remedy for sparse conversions).

    Args:
        num_users: number of users; user ids are 0 .. num_users - 1.
        num_items: number of items; item ids are 0 .. num_items - 1.
        user_feature_dim: width of the user feature vector.
        item_feature_dim: width of the item feature vector.
        embedding_dim: width of each ID embedding (the user table and the item table).

    Returns:
        A compiled keras.Model called with a dict of four inputs (Funnel.model_inputs()), read by key
        (a dict's order carries no meaning):
            user_id (batch,) int, item_id (batch,) int,
            user_features (batch, user_feature_dim), item_features (batch, item_feature_dim);
        and three outputs, each of shape (batch, 1), named
            ctr:   p(click | impression) in (0, 1), from the CTR tower (sigmoid);
            cvr:   p(convert | click, impression) in (0, 1), from the CVR tower (sigmoid);
            ctcvr: p(click and convert | impression), exactly ctr * cvr (float32 rounding only).
        Compiled with binary cross-entropy on ctr and on ctcvr, each with a positive loss weight, and
        NO loss on cvr (the targets are esmm_targets(...): every impression, clicked or not).
        What the checks verify: ctcvr equals ctr * cvr on probes; the ctcvr gradient reaches the CVR
        tower (the CTCVR loss trains it); a user ID table and an item ID table, trainable,
        embedding_dim wide, are each reached by BOTH the ctr and the cvr output (shared by the
        towers); each of ctr and cvr reaches trainable weights the other does not (its own tower; a
        shared hidden layer below the towers is allowed); every input changes every output; the
        model learns a small synthetic funnel and takes one step of its own fit; each call makes a new
        model with its own optimizer. A subclassed keras.Model is fine: its call() returns the dict
        {"ctr": ..., "cvr": ..., "ctcvr": ...}.

    TODO:
        1. Make the four named inputs as in ex06: keras.Input(shape=(), dtype="int32", name="user_id"),
           the same for item_id, keras.Input(shape=(dim,), name=...) for the feature vectors.
        2. ONE user Embedding(num_users, embedding_dim) and ONE item Embedding(num_items,
           embedding_dim); join the two vectors (and their product) with both feature vectors.
        3. The CTR tower on the joined vector: Dense ReLU layers, then Dense(1, sigmoid, name="ctr").
        4. The CVR tower on the SAME joined vector: its own Dense ReLU layers, then
           Dense(1, sigmoid, name="cvr").
        5. ctcvr = layers.Multiply(name="ctcvr")([ctr, cvr]).
        6. keras.Model(inputs={...}, outputs={"ctr": ..., "cvr": ..., "ctcvr": ...}); compile with
           loss={"ctr": "binary_crossentropy", "ctcvr": "binary_crossentropy"}.

    Hints:
        1. Sharing means calling the SAME Embedding layer objects once and feeding their output to both
           towers; two Embedding layers per id (one per tower) is ESMM-NS, the paper's ablation
           without sharing.
        2. A loss on "cvr" would need conversion labels on every impression, which exist only for
           clicked ones: leave cvr out of the loss dict (Keras trains only the outputs named in it).
        3. Multiply, not Add: ctr + cvr is not a probability of both events, and a third head or
           sigmoid(logit_ctr + logit_cvr) is not the product either.
        4. Both BCE terms average over ALL impressions in a batch; the CTCVR positives are rare, so a
           learning rate of a few 1e-3 with Adam trains in a few epochs.
    """
    user_id = keras.Input(shape=(), dtype="int32", name="user_id")  # (batch,)
    item_id = keras.Input(shape=(), dtype="int32", name="item_id")  # (batch,)
    user_features = keras.Input(shape=(user_feature_dim,), name="user_features")  # (batch, user_feature_dim)
    item_features = keras.Input(shape=(item_feature_dim,), name="item_features")  # (batch, item_feature_dim)

    # shared by both towers: one table per id kind, called once
    user_vector = layers.Embedding(num_users, embedding_dim, name="user_embedding")(user_id)  # (batch, embedding_dim)
    item_vector = layers.Embedding(num_items, embedding_dim, name="item_embedding")(item_id)  # (batch, embedding_dim)
    interaction = layers.Multiply(name="id_interaction")([user_vector, item_vector])  # (batch, embedding_dim)
    joined = layers.Concatenate(name="joined")(
        [user_vector, item_vector, interaction, user_features, item_features]
    )  # (batch, 3 * embedding_dim + user_feature_dim + item_feature_dim)

    towers = {}
    for task in ("ctr", "cvr"):  # each tower has its own layers
        hidden = layers.Dense(64, activation="relu", name=f"{task}_hidden_1")(joined)  # (batch, 64)
        hidden = layers.Dense(32, activation="relu", name=f"{task}_hidden_2")(hidden)  # (batch, 32)
        towers[task] = layers.Dense(1, activation="sigmoid", name=task)(hidden)  # (batch, 1)
    ctcvr = layers.Multiply(name="ctcvr")([towers["ctr"], towers["cvr"]])  # (batch, 1)

    inputs = {"user_id": user_id, "item_id": item_id, "user_features": user_features, "item_features": item_features}
    model = keras.Model(inputs, {"ctr": towers["ctr"], "cvr": towers["cvr"], "ctcvr": ctcvr})
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=3e-3),
        loss={"ctr": "binary_crossentropy", "ctcvr": "binary_crossentropy"},  # no loss on cvr
        loss_weights={"ctr": 1.0, "ctcvr": 1.0},
    )
    return model


def build_naive_cvr(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim=16):
    """The naive baseline: a CVR model alone, trained on the clicked impressions only (notebook 08).

    This is the conventional CVR model ESMM is compared with (the paper's BASE): the same inputs, ID
    embeddings and CVR tower as build_esmm, one output, trained with binary cross-entropy on the
    clicked impressions (the only ones with a conversion label; notebook 08 fits it on
    funnel.clicked()). It is then used to score every impression, clicked or not: trained on one
    population, used on another (sample selection bias), and on few positives (data sparsity).

    Args:
        num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim: as in build_esmm.

    Returns:
        A compiled keras.Model with the same four dict inputs as build_esmm (read by key) and ONE
        output named cvr: p(convert | click, impression) in (0, 1), shape (batch, 1) (sigmoid),
        compiled with binary cross-entropy. The checks verify: every input changes the output; a user
        and an item ID table, trainable and embedding_dim wide, are reached by the output's
        gradient; the model learns conversions on a small synthetic set of clicked impressions and
        takes one step of its own fit; each call makes a new model with its own optimizer. A
        subclassed keras.Model is fine: its call() returns {"cvr": ...}.

    TODO:
        1. The four inputs, the two ID embeddings and the joined vector, as in build_esmm.
        2. The CVR tower: Dense ReLU layers and Dense(1, activation="sigmoid", name="cvr").
        3. keras.Model(inputs={...}, outputs={"cvr": ...}); compile with binary cross-entropy.

    Hints:
        1. The baseline should differ from ESMM only in what it is trained on (clicked rows, the CVR
           label directly) and in having no CTR task: use the same tower as ESMM's CVR tower, so a
           comparison measures the training scheme, not the architecture.
        2. The selection of clicked rows happens in the data (funnel.clicked()), not in the model.
    """
    user_id = keras.Input(shape=(), dtype="int32", name="user_id")  # (batch,)
    item_id = keras.Input(shape=(), dtype="int32", name="item_id")  # (batch,)
    user_features = keras.Input(shape=(user_feature_dim,), name="user_features")
    item_features = keras.Input(shape=(item_feature_dim,), name="item_features")

    user_vector = layers.Embedding(num_users, embedding_dim, name="user_embedding")(user_id)  # (batch, embedding_dim)
    item_vector = layers.Embedding(num_items, embedding_dim, name="item_embedding")(item_id)  # (batch, embedding_dim)
    interaction = layers.Multiply(name="id_interaction")([user_vector, item_vector])
    joined = layers.Concatenate(name="joined")([user_vector, item_vector, interaction, user_features, item_features])

    hidden = layers.Dense(64, activation="relu", name="cvr_hidden_1")(joined)  # (batch, 64)
    hidden = layers.Dense(32, activation="relu", name="cvr_hidden_2")(hidden)  # (batch, 32)
    cvr = layers.Dense(1, activation="sigmoid", name="cvr")(hidden)  # (batch, 1)

    inputs = {"user_id": user_id, "item_id": item_id, "user_features": user_features, "item_features": item_features}
    model = keras.Model(inputs, {"cvr": cvr})
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=3e-3), loss={"cvr": "binary_crossentropy"})
    return model
