"""ESMM and the naive CVR model on the impression -> click -> conversion funnel (notebook 08, bench/esmm.py).

- The splits of a funnel (train / validation / test impressions) and one training run of each model,
  stopped early on its own validation loss (ESMM on all impressions, the naive model on clicked ones).
- Scoring a CVR prediction against the known truth: over all impressions (what a ranker scores) and
  over the clicked ones (what a naive evaluation sees), and by fifths of the true CTR.
- ESMM-NS, the ablation without shared embeddings (the paper's name), for the bench.
"""

from __future__ import annotations

import numpy as np

import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras
from keras import layers

from mtlrec import metrics
from mtlrec.data import Funnel, make_funnel, split_random
from mtlrec.training import Retrainer, predict_outputs

# The funnel and the training settings of notebook 08 and bench/esmm.py
FUNNEL = dict(num_users=400, num_items=300, num_impressions=40_000, user_feature_dim=16, item_feature_dim=16)
VALIDATION_FRACTION, TEST_FRACTION = 0.2, 0.2  # of the impressions; the rest trains
EPOCHS, PATIENCE = 20, 2  # at most 20 passes; stop when the validation loss has not improved for 2
ESMM_BATCH, NAIVE_BATCH = 512, 256  # the naive model sees ~15 % of the rows: smaller batches, similar steps
CTR_BANDS = 5  # fifths of the true CTR


def funnel_splits(funnel: Funnel, seed: int) -> tuple[Funnel, Funnel, Funnel]:
    """(train, validation, test) impressions, drawn at random under `seed`."""
    rest, test = split_random(funnel, TEST_FRACTION, seed=seed)
    train, validation = split_random(rest, VALIDATION_FRACTION / (1.0 - TEST_FRACTION), seed=seed + 1)
    return train, validation, test


def build_esmm_unshared(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim=16):
    """ESMM-NS: ESMM whose CTR and CVR towers each have their own ID embeddings (the paper's ablation)."""
    inputs = {"user_id": keras.Input(shape=(), dtype="int32", name="user_id"),
              "item_id": keras.Input(shape=(), dtype="int32", name="item_id"),
              "user_features": keras.Input(shape=(user_feature_dim,), name="user_features"),
              "item_features": keras.Input(shape=(item_feature_dim,), name="item_features")}
    towers = {}
    for task in ("ctr", "cvr"):
        user_vector = layers.Embedding(num_users, embedding_dim)(inputs["user_id"])  # this tower's own table
        item_vector = layers.Embedding(num_items, embedding_dim)(inputs["item_id"])
        joined = layers.Concatenate()([user_vector, item_vector, layers.Multiply()([user_vector, item_vector]),
                                       inputs["user_features"], inputs["item_features"]])
        hidden = layers.Dense(32, activation="relu")(layers.Dense(64, activation="relu")(joined))
        towers[task] = layers.Dense(1, activation="sigmoid", name=task)(hidden)
    ctcvr = layers.Multiply(name="ctcvr")([towers["ctr"], towers["cvr"]])
    model = keras.Model(inputs, {"ctr": towers["ctr"], "cvr": towers["cvr"], "ctcvr": ctcvr})
    model.compile(optimizer=keras.optimizers.Adam(3e-3),
                  loss={"ctr": "binary_crossentropy", "ctcvr": "binary_crossentropy"})
    return model


def trainers(builders: dict, funnel_settings: dict = FUNNEL) -> dict[str, Retrainer]:
    """{model name: Retrainer} for builders {name: build(num_users, num_items, user_dim, item_dim)}."""
    sizes = (funnel_settings["num_users"], funnel_settings["num_items"], funnel_settings["user_feature_dim"],
             funnel_settings["item_feature_dim"])
    return {name: Retrainer(lambda build=build: build(*sizes)) for name, build in builders.items()}


def fit_entire_space(retrainer: Retrainer, targets, train: Funnel, validation: Funnel, seed: int,
                     epochs: int = EPOCHS):
    """ESMM-style training on every impression with targets(click, conversion) = {"ctr", "ctcvr"}."""
    return retrainer.fit(seed, train.model_inputs(), targets(train.click, train.conversion), epochs=epochs,
                         batch_size=ESMM_BATCH, patience=PATIENCE,
                         validation=(validation.model_inputs(), targets(validation.click, validation.conversion)))


def fit_naive(retrainer: Retrainer, train: Funnel, validation: Funnel, seed: int, epochs: int = EPOCHS):
    """The naive CVR model, trained and stopped on the clicked impressions only."""
    train, validation = train.clicked(), validation.clicked()
    return retrainer.fit(seed, train.model_inputs(), {"cvr": train.conversion.reshape(-1, 1)}, epochs=epochs,
                         batch_size=NAIVE_BATCH, patience=PATIENCE,
                         validation=(validation.model_inputs(), {"cvr": validation.conversion.reshape(-1, 1)}))


def cvr_scores(cvr: np.ndarray, rows: Funnel) -> dict[str, float]:
    """A CVR prediction for `rows` against the truth: relative bias and AUC, all and clicked impressions.

    mean CVR and true mean CVR over all impressions; relative bias = mean predicted CVR / mean true CVR
    - 1 (+0.3: 30 % too high); AUC vs truth =
    metrics.expected_auc against the true p(convert | click); observed AUC = metrics.auc against the
    conversions of the clicked rows (all a log can show). Fifths: of the impressions by true CTR.
    """
    cvr = np.asarray(cvr, dtype=np.float64).reshape(-1)
    truth = rows.conversion_probability.astype(np.float64)
    clicked = rows.click > 0.5
    band = np.minimum((np.argsort(np.argsort(rows.click_probability)) * CTR_BANDS) // len(rows), CTR_BANDS - 1)
    relative = lambda where: float(cvr[where].mean() / truth[where].mean() - 1.0)  # noqa: E731
    return {
        "mean CVR, all": float(cvr.mean()),
        "true mean CVR, all": float(truth.mean()),
        "relative bias, all": relative(slice(None)),
        "|relative bias|, all": abs(relative(slice(None))),
        "AUC vs truth, all": metrics.expected_auc(truth, cvr),
        "relative bias, clicked": relative(clicked),
        "|relative bias|, clicked": abs(relative(clicked)),
        "AUC vs truth, clicked": metrics.expected_auc(truth[clicked], cvr[clicked]),
        "observed AUC, clicked": metrics.auc(rows.conversion[clicked], cvr[clicked]),
        **{f"relative bias, CTR fifth {k + 1}": relative(band == k) for k in range(CTR_BANDS)},
    }


def run_seed(models: dict[str, Retrainer], targets, seed: int, epochs: int = EPOCHS,
             **funnel_settings) -> list[dict]:
    """One seed: a new funnel, each model trained from its seed's initial weights, scored on the test rows.

    models: {name: Retrainer}; a name starting with "naive" trains on the clicked rows only, every
    other one on all impressions with `targets` (esmm_targets). Returns one row per model.
    """
    settings = {**FUNNEL, **funnel_settings}
    funnel = make_funnel(**settings, seed=seed)
    train, validation, test = funnel_splits(funnel, seed)
    rows = []
    for name, retrainer in models.items():
        if name.startswith("naive"):
            model = fit_naive(retrainer, train, validation, seed, epochs)
        else:
            model = fit_entire_space(retrainer, targets, train, validation, seed, epochs)
        outputs = predict_outputs(model, test.model_inputs())
        rows.append({"model": name, "seed": seed, "conversion_rate": settings.get("conversion_rate", 0.1),
                     "epochs": retrainer.best_epoch, "conversions in training": int(train.conversion.sum()),
                     **cvr_scores(outputs["cvr"], test)})
    return rows
