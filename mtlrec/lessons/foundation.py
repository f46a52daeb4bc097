"""Helpers for the foundation-model lesson (notebook 11, 大模型; bench/foundation.py).

A small transformer encoder over behaviour sequences is pre-trained with next-item prediction on the
source domain of mtlrec.data.make_sequence_world, then transferred to the target's two tasks (click and
rating) in four ways: from scratch, frozen encoder plus task heads, full fine-tuning, and adapters (the
exercise's build_adapter_model). The candidate item is the sequence's LAST entry (as in Alibaba's Behavior
Sequence Transformer), and the task heads read the encoder's output at that position.

- Encoder: `ItemPositionEmbedding` (item + position embeddings, ONE layer: `embed`) and a list of
  `TransformerBlock`s (causal keras MultiHeadAttention, a feed-forward layer, residuals and layer norms:
  `blocks`), the form build_adapter_model takes. `ENCODER_SIZES` names three sizes.
- `TransferLab`: one Retrainer per model (pre-training, and each transfer mode), so each architecture is
  traced once however many seeds and label budgets run; `pretrain`, `next_item_recall` (the source task,
  for catastrophic forgetting) and `transfer` (one run, its metrics).
- Semantic IDs for cold start: `build_cold_start_model` scores a candidate against the user's history with
  item vectors made from an item's ID or from its semantic ID (the sum of its codes' embeddings).
Every run takes its seed for new data and new initial weights.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras
from keras import layers, ops

from mtlrec import data, metrics
from mtlrec.training import Retrainer, predict_outputs

RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results"  # the committed full run
MODES = ("scratch", "frozen", "full fine-tuning", "adapters")
# Three encoder sizes pre-trained on the same source (bench/foundation.py); the notebook's live run uses "small"
ENCODER_SIZES = {
    "small": dict(embedding_dim=16, num_blocks=1, num_heads=2, ffn_units=32),
    "medium": dict(embedding_dim=32, num_blocks=2, num_heads=2, ffn_units=64),
    "large": dict(embedding_dim=64, num_blocks=3, num_heads=4, ffn_units=128),
}
# The world (mtlrec.data.make_sequence_world): 200 items, 20 % of them cold; sequences of 10 (9 + candidate)
WORLD = dict(num_items=200, num_source=3000, num_target=6000, source_length=11, history_length=9,
             order_strength=0.5, cluster_share=0.5)
SEQUENCE_LENGTH = WORLD["history_length"] + 1  # the encoder's input: history, then the candidate
SOURCE_HELD_OUT = 500  # source sequences kept out of pre-training, to measure the next-item task
TEST_ROWS, POOL_ROWS = 1500, 3000  # target rows (warm candidates): test, and the labelled pool the budgets cut
VALIDATION_SHARE = 0.25  # of a label budget, held out for early stopping (labels are scarce: so is validation)
HEAD_UNITS, BOTTLENECK = 16, 4
PRETRAIN_EPOCHS, PRETRAIN_BATCH, PRETRAIN_LEARNING_RATE = 15, 128, 3e-3
# transfer: Adam 0.01, batches of 64, about 600 steps at most, stop when validation has not improved for 10 epochs
TRANSFER_LEARNING_RATE, TRANSFER_BATCH, TRANSFER_STEPS, PATIENCE = 1e-2, 64, 600, 10
PATIENCE_STEPS = 100  # ... and never before 100 steps without improvement (a tiny budget has one step an epoch)
TOP_K = 10  # next-item recall@10


# --- the encoder --------------------------------------------------------------------------------------

@keras.saving.register_keras_serializable(package="mtlrec_foundation")
class ItemPositionEmbedding(layers.Layer):
    """Item embedding plus a learned position embedding: int ids (batch, T) -> (batch, T, d). Notebook 11."""

    def __init__(self, num_items, sequence_length, embedding_dim, **kwargs):
        super().__init__(**kwargs)
        self.num_items, self.sequence_length, self.embedding_dim = num_items, sequence_length, embedding_dim

    def build(self, input_shape):
        self.item_embeddings = self.add_weight(shape=(self.num_items, self.embedding_dim), name="items",
                                               initializer=keras.initializers.RandomNormal(stddev=0.05))
        self.position_embeddings = self.add_weight(shape=(self.sequence_length, self.embedding_dim),
                                                   name="positions",
                                                   initializer=keras.initializers.RandomNormal(stddev=0.05))

    def call(self, ids):
        items = ops.take(self.item_embeddings, ops.cast(ids, "int32"), axis=0)  # (batch, T, d)
        return items + self.position_embeddings[None, : ops.shape(ids)[1]]

    def get_config(self):
        return {**super().get_config(), "num_items": self.num_items, "sequence_length": self.sequence_length,
                "embedding_dim": self.embedding_dim}


@keras.saving.register_keras_serializable(package="mtlrec_foundation")
class TransformerBlock(layers.Layer):
    """Causal self-attention then a feed-forward layer, each with a residual and a layer norm (post-norm).

    (batch, T, d) -> (batch, T, d); position t sees positions <= t only. Notebook 11.
    """

    def __init__(self, embedding_dim, num_heads, ffn_units, **kwargs):
        super().__init__(**kwargs)
        self.embedding_dim, self.num_heads, self.ffn_units = embedding_dim, num_heads, ffn_units
        self.attention = layers.MultiHeadAttention(num_heads, key_dim=embedding_dim // num_heads)
        self.attention_norm = layers.LayerNormalization()
        self.hidden = layers.Dense(ffn_units, activation="relu")
        self.back = layers.Dense(embedding_dim)
        self.ffn_norm = layers.LayerNormalization()

    def build(self, input_shape):
        self.attention.build(input_shape, input_shape)
        self.attention_norm.build(input_shape)
        self.hidden.build(input_shape)
        self.back.build(tuple(input_shape[:-1]) + (self.ffn_units,))
        self.ffn_norm.build(input_shape)

    def call(self, x):
        x = self.attention_norm(x + self.attention(x, x, use_causal_mask=True))  # (batch, T, d)
        return self.ffn_norm(x + self.back(self.hidden(x)))

    def get_config(self):
        return {**super().get_config(), "embedding_dim": self.embedding_dim, "num_heads": self.num_heads,
                "ffn_units": self.ffn_units}


@dataclass
class Encoder:
    """A sequence encoder in the form build_adapter_model takes: one `embed` layer and a list of `blocks`."""

    embed: layers.Layer
    blocks: list

    def __call__(self, ids):
        hidden = self.embed(ids)
        for block in self.blocks:
            hidden = block(hidden)
        return hidden

    def layers(self) -> list:
        return [self.embed, *self.blocks]

    def build(self, sequence_length: int) -> "Encoder":
        """Create the weights (and the attention's sublayers) now, so that freezing reaches all of them."""
        self(keras.Input(shape=(sequence_length,), dtype="int32"))
        return self

    def freeze(self, frozen: bool = True) -> None:
        for layer in self.layers():
            layer.trainable = not frozen

    def get_weights(self) -> list:
        return [layer.get_weights() for layer in self.layers()]

    def set_weights(self, weights) -> None:
        for layer, values in zip(self.layers(), weights, strict=True):
            layer.set_weights(values)


def build_encoder(num_items, sequence_length, embedding_dim, num_blocks, num_heads, ffn_units) -> Encoder:
    """A new (untrained) encoder: item + position embedding and num_blocks causal transformer blocks."""
    embed = ItemPositionEmbedding(num_items, sequence_length, embedding_dim, name="embed")
    blocks = [TransformerBlock(embedding_dim, num_heads, ffn_units, name=f"block_{i}") for i in range(num_blocks)]
    return Encoder(embed, blocks)


def build_pretraining_model(encoder: Encoder, num_items: int, sequence_length: int,
                            learning_rate: float = PRETRAIN_LEARNING_RATE) -> keras.Model:
    """Next-item prediction: ids (batch, T) -> logits (batch, T, num_items) for the item after each position."""
    ids = keras.Input(shape=(sequence_length,), dtype="int32", name="items")
    logits = layers.Dense(num_items, name="next_item")(encoder(ids))  # (batch, T, num_items)
    model = keras.Model(ids, logits)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def task_heads(representation, head_units: int = HEAD_UNITS) -> dict:
    """The two task heads of every transfer mode: Dense(head_units, relu) -> Dense(1), click sigmoid, rating linear."""
    click_hidden = layers.Dense(head_units, activation="relu")(representation)
    click = layers.Dense(1, activation="sigmoid", name="click")(click_hidden)  # (batch, 1)
    rating_hidden = layers.Dense(head_units, activation="relu")(representation)
    rating = layers.Dense(1, name="rating")(rating_hidden)  # (batch, 1)
    return {"click": click, "rating": rating}


def build_transfer_model(encoder: Encoder, mode: str, sequence_length: int, *, build_adapter_model=None,
                         head_units: int = HEAD_UNITS, bottleneck: int = BOTTLENECK) -> keras.Model:
    """The target model of one transfer mode over `encoder` (not compiled); the candidate is the last entry.

    "scratch" and "full fine-tuning": everything trainable (they differ in the starting weights); "frozen": the
    encoder frozen, the heads trained; "adapters": build_adapter_model(embed, blocks, ...) (the exercise).
    """
    if mode == "adapters":
        return build_adapter_model(encoder.embed, encoder.blocks, sequence_length, bottleneck=bottleneck,
                                   head_units=head_units)
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    ids = keras.Input(shape=(sequence_length,), dtype="int32", name="items")
    hidden = encoder(ids)  # (batch, T, d); built before freezing, so the flag reaches every sublayer
    encoder.freeze(mode == "frozen")
    return keras.Model(ids, task_heads(hidden[:, -1, :], head_units))


def compile_two_tasks(model: keras.Model, learning_rate: float = TRANSFER_LEARNING_RATE) -> keras.Model:
    """Binary cross-entropy on the click, squared error on the scaled rating, equal weights, Adam."""
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss={"click": "binary_crossentropy", "rating": "mean_squared_error"})
    return model


def trainable_share(model: keras.Model) -> tuple[int, int]:
    """(trainable parameters, all parameters) of a model."""
    trainable = sum(int(np.prod(v.shape)) for v in model.trainable_weights)
    return trainable, trainable + sum(int(np.prod(v.shape)) for v in model.non_trainable_weights)


# --- the data of one seed ------------------------------------------------------------------------------

def world_splits(seed: int, world_settings: dict = WORLD) -> dict:
    """The world of one seed and its splits: source sequences for pre-training and held out, target rows.

    {"world", "source_train" (n, L+1), "source_held_out" (n, L+1), "test", "pool", "cold"}: target rows
    (SequenceWorld subsets) with warm candidates (test, and the labelled pool budgets are cut from, in a
    seeded order) and with cold candidates (the cold-start rows)."""
    world = data.make_sequence_world(**world_settings, seed=seed)
    rng = np.random.default_rng([seed, 11])
    warm_rows = rng.permutation(np.flatnonzero(~world.candidate_is_cold))
    sequences = world.source_sequences
    return {"world": world, "source_train": sequences[SOURCE_HELD_OUT:],
            "source_held_out": sequences[:SOURCE_HELD_OUT], "test": world.subset(warm_rows[:TEST_ROWS]),
            "pool": world.subset(warm_rows[TEST_ROWS:TEST_ROWS + POOL_ROWS]),
            "cold": world.subset(np.flatnonzero(world.candidate_is_cold))}


RATING_CENTRE, RATING_SCALE = 3.0, 4.0  # the rating head learns (rating - 3) / 4: centred, so a new head starts near


def task_targets(rows: data.SequenceWorld) -> dict:
    """{"click": (n, 1), "rating": (n, 1)} float32 targets; the rating as (rating - 3) / 4 (centred at 3 stars)."""
    rating = (rows.rating - RATING_CENTRE) / RATING_SCALE
    return {"click": rows.click[:, None].astype(np.float32), "rating": rating[:, None].astype(np.float32)}


def label_budget(pool: data.SequenceWorld, fraction: float) -> tuple:
    """(train rows, validation rows) of the first `fraction` of the pool (a quarter of them validate)."""
    count = max(8, int(round(fraction * len(pool))))
    validation = max(2, int(round(VALIDATION_SHARE * count)))
    return pool.subset(np.arange(validation, count)), pool.subset(np.arange(validation))


def two_task_metrics(model: keras.Model, rows: data.SequenceWorld) -> dict:
    """Click AUC and rating RMSE (in stars) of a transfer model on target rows."""
    return score_outputs(predict_outputs(model, rows.target_sequences()), rows)


def score_outputs(outputs: dict, rows: data.SequenceWorld) -> dict:
    """Click AUC and rating RMSE in stars of {"click", "rating"} predictions for target rows."""
    rating = RATING_CENTRE + RATING_SCALE * outputs["rating"].ravel()
    return {"click AUC": metrics.auc(rows.click, outputs["click"].ravel()),
            "rating RMSE": metrics.rmse(rows.rating, rating)}


# --- pre-training and transfer, traced once per architecture -------------------------------------------

class TransferLab:
    """Pre-train an encoder of one size and transfer it, over seeds, with one Retrainer per architecture."""

    def __init__(self, size: str = "small", *, build_adapter_model=None, num_items: int = WORLD["num_items"],
                 sequence_length: int = SEQUENCE_LENGTH, pretrain_epochs: int = PRETRAIN_EPOCHS,
                 transfer_steps: int = TRANSFER_STEPS):
        self.size, self.settings = size, ENCODER_SIZES[size]
        self.num_items, self.sequence_length = num_items, sequence_length
        self.build_adapter_model = build_adapter_model
        self.pretrain_epochs, self.transfer_steps = pretrain_epochs, transfer_steps
        self._encoders: dict[int, Encoder] = {}  # id(model) -> the encoder inside it
        self.pretrainer = Retrainer(self._pretraining_model)
        self.transfers: dict[str, Retrainer] = {}

    def _new_encoder(self) -> Encoder:
        return build_encoder(self.num_items, self.sequence_length, **self.settings).build(self.sequence_length)

    def _pretraining_model(self) -> keras.Model:
        encoder = self._new_encoder()
        model = build_pretraining_model(encoder, self.num_items, self.sequence_length)
        self._encoders[id(model)] = encoder
        return model

    def encoder_of(self, model: keras.Model) -> Encoder:
        return self._encoders[id(model)]

    def pretrain(self, seed: int, source_sequences: np.ndarray) -> dict:
        """Pre-train under `seed` on (n, L+1) sequences: {"encoder": weights, "head": weights, "seconds"}."""
        start = time.perf_counter()
        model = self.pretrainer.fit(seed, source_sequences[:, :-1], source_sequences[:, 1:].astype(np.float32),
                                    epochs=self.pretrain_epochs, batch_size=PRETRAIN_BATCH)
        return {"encoder": self.encoder_of(model).get_weights(), "head": model.get_layer("next_item").get_weights(),
                "seconds": time.perf_counter() - start}

    def next_item_recall(self, pretrained: dict, sequences: np.ndarray, encoder_weights=None) -> float:
        """Source task: recall@10 of the next item, every position of held-out (n, L+1) sequences.

        encoder_weights: evaluate these encoder weights (e.g. after fine-tuning) under the pre-trained head."""
        model = self.pretrainer.model
        self.encoder_of(model).set_weights(pretrained["encoder"] if encoder_weights is None else encoder_weights)
        model.get_layer("next_item").set_weights(pretrained["head"])
        logits = np.asarray(model(sequences[:, :-1], training=False))  # (n, L, num_items)
        top = np.argpartition(-logits, TOP_K, axis=-1)[..., :TOP_K]
        return float((top == sequences[:, 1:, None]).any(axis=-1).mean())

    def _transfer_trainer(self, mode: str) -> Retrainer:
        if mode not in self.transfers:
            def build():
                encoder = self._new_encoder()
                model = compile_two_tasks(build_transfer_model(encoder, mode, self.sequence_length,
                                                               build_adapter_model=self.build_adapter_model))
                self._encoders[id(model)] = encoder
                return model
            self.transfers[mode] = Retrainer(build)
        return self.transfers[mode]

    def transfer(self, mode: str, seed: int, pretrained: dict | None, train, validation) -> keras.Model:
        """One run of a transfer mode under `seed`: new heads (and adapters), the encoder from `pretrained`
        (except "scratch"), early stopping on the validation rows; the trained model is returned."""
        trainer = self._transfer_trainer(mode)
        model = trainer.fresh(seed)
        if mode != "scratch":
            self.encoder_of(model).set_weights(pretrained["encoder"])
        start_heads_at_zero(model)
        steps_per_epoch = int(np.ceil(len(train) / TRANSFER_BATCH))
        epochs = max(3, int(np.ceil(self.transfer_steps / steps_per_epoch)))
        patience = max(PATIENCE, int(np.ceil(PATIENCE_STEPS / steps_per_epoch)))
        return trainer.fit(seed, train.target_sequences(), task_targets(train), epochs=epochs,
                           batch_size=TRANSFER_BATCH, initial_weights=model.get_weights(),
                           validation=(validation.target_sequences(), task_targets(validation)), patience=patience)


def start_heads_at_zero(model: keras.Model) -> None:
    """Zero the output layers named "click" and "rating" (kernel and bias), so every mode starts from the same
    predictions: a click probability of 0.5 and a rating of 3 stars (the rating head learns (rating - 3) / 4)."""
    for name in ("click", "rating"):
        try:
            layer = model.get_layer(name)
        except ValueError:
            continue  # an answer that names its layers otherwise keeps its own start
        for weight in layer.weights:
            weight.assign(np.zeros(weight.shape, dtype="float32"))


def run_seed(lab: TransferLab, seed: int, fractions=(0.1,), modes=MODES, forgetting: bool = True,
             pretrained: dict | None = None) -> list[dict]:
    """Pre-train on one seed's source (unless `pretrained` is that run), transfer in every mode at every label
    fraction: rows of results."""
    splits = world_splits(seed)
    pretrained = lab.pretrain(seed, splits["source_train"]) if pretrained is None else pretrained
    held_out = splits["source_held_out"]
    before = lab.next_item_recall(pretrained, held_out)
    rows = []
    for fraction in fractions:
        train, validation = label_budget(splits["pool"], fraction)
        for mode in modes:
            start = time.perf_counter()
            model = lab.transfer(mode, seed, pretrained, train, validation)
            row = {"size": lab.size, "seed": seed, "fraction": fraction, "labels": len(train) + len(validation),
                   "mode": mode, **two_task_metrics(model, splits["test"]),
                   "epochs": lab.transfers[mode].epochs_run, "seconds": time.perf_counter() - start,
                   "pretrain seconds": pretrained["seconds"], "source recall before": before}
            if forgetting and mode in ("full fine-tuning", "adapters", "frozen"):
                encoder = lab.encoder_of(model).get_weights()
                row["source recall after"] = lab.next_item_recall(pretrained, held_out, encoder)
                row["encoder change"] = max(float(np.abs(np.asarray(a) - np.asarray(b)).max())
                                            for new, old in zip(encoder, pretrained["encoder"])
                                            for a, b in zip(new, old))
            rows.append(row)
    return rows


def oracle_recall(world: data.SequenceWorld, sequences_held_out: int = SOURCE_HELD_OUT) -> float:
    """The known truth's recall@10 of the LAST item of the held-out source sequences (its top 10 by probability)."""
    probability = world.source_last_probability[:sequences_held_out]
    top = np.argpartition(-probability, TOP_K, axis=-1)[:, :TOP_K]
    return float((top == world.source_sequences[:sequences_held_out, -1:]).any(axis=-1).mean())


# --- semantic IDs for cold start ------------------------------------------------------------------------

COLD_START = dict(levels=3, codebook_size=8, embedding_dim=16, head_units=32, learning_rate=1e-2, epochs=40,
                  batch_size=64, patience=5)  # semantic IDs: 3 levels of 8 codes (8^3 = 512 codes for 200 items)


def semantic_inputs(codes: np.ndarray, sequences: np.ndarray, codebook_size: int) -> np.ndarray:
    """(n, T, levels) int32 rows of the code-embedding table: item sequences mapped to their semantic IDs,
    level l's code c at row l * codebook_size + c (each level has its own embeddings)."""
    offsets = np.arange(codes.shape[1]) * codebook_size
    return (codes[sequences] + offsets).astype(np.int32)


def build_cold_start_model(num_items: int, sequence_length: int, *, levels: int = 0, codebook_size: int = 0,
                           embedding_dim: int = 16, head_units: int = 32, learning_rate: float = 1e-2) -> keras.Model:
    """Click and rating from the candidate's vector and the mean vector of the history (compiled).

    levels 0: item vectors from item IDs, input (batch, T) ids, one embedding row per item (a cold item's row
    is never trained). levels > 0: from semantic IDs, input (batch, T, levels) (semantic_inputs): an item's
    vector is the sum of its codes' embeddings, shared by every item with the same code. The heads read
    [history mean, candidate, their product]."""
    if levels:
        codes = keras.Input(shape=(sequence_length, levels), dtype="int32", name="semantic_ids")
        vectors = layers.Embedding(levels * codebook_size, embedding_dim, name="code_embeddings")(codes)
        vectors, inputs = ops.sum(vectors, axis=2), codes  # (batch, T, d)
    else:
        inputs = keras.Input(shape=(sequence_length,), dtype="int32", name="item_ids")
        vectors = layers.Embedding(num_items, embedding_dim, name="item_embeddings")(inputs)  # (batch, T, d)
    history = ops.mean(vectors[:, :-1], axis=1)  # (batch, d)
    candidate = vectors[:, -1]
    joined = layers.Concatenate()([history, candidate, history * candidate])
    return compile_two_tasks(keras.Model(inputs, task_heads(joined, head_units)), learning_rate)


def cold_start_run(seed: int, residual_quantize, trainers: dict | None = None,
                   settings: dict = COLD_START) -> list[dict]:
    """Item IDs vs semantic IDs (residual_quantize of the items' content vectors) under one seed: click AUC
    and rating RMSE on the cold items' target rows and on warm test rows. trainers: a dict to reuse."""
    trainers = {} if trainers is None else trainers
    splits = world_splits(seed)
    world = splits["world"]
    content = (world.item_features - world.item_features.mean(axis=0)) / world.item_features.std(axis=0)
    codes, codebooks = residual_quantize(content, settings["levels"], settings["codebook_size"], seed=seed)
    train, validation = label_budget(splits["pool"], 1.0)
    rows = []
    for name, levels in (("item IDs", 0), ("semantic IDs", settings["levels"])):
        if name not in trainers:
            trainers[name] = Retrainer(lambda levels=levels: build_cold_start_model(
                world.num_items, SEQUENCE_LENGTH, levels=levels, codebook_size=settings["codebook_size"],
                embedding_dim=settings["embedding_dim"], head_units=settings["head_units"],
                learning_rate=settings["learning_rate"]))
        as_inputs = ((lambda rows_: rows_.target_sequences()) if not levels else
                     (lambda rows_: semantic_inputs(codes, rows_.target_sequences(), settings["codebook_size"])))
        model = trainers[name].fit(seed, as_inputs(train), task_targets(train), epochs=settings["epochs"],
                                   batch_size=settings["batch_size"], patience=settings["patience"],
                                   validation=(as_inputs(validation), task_targets(validation)))
        row = {"seed": seed, "items": name}
        for part in ("cold", "test"):
            scores = score_outputs(predict_outputs(model, as_inputs(splits[part])), splits[part])
            label = "cold" if part == "cold" else "warm"
            row.update({f"{label} {metric}": value for metric, value in scores.items()})
        row["cold rows"] = len(splits["cold"])
        rows.append(row)
    return rows


def encoder_parameters(size: str) -> int:
    """The number of parameters of an encoder of this size (the embed layer and the blocks)."""
    encoder = build_encoder(WORLD["num_items"], SEQUENCE_LENGTH, **ENCODER_SIZES[size]).build(SEQUENCE_LENGTH)
    return sum(int(np.prod(w.shape)) for layer in encoder.layers() for w in layer.weights)


def load_committed() -> tuple:
    """(results DataFrame, metadata dict) of the committed full run (bench/results/foundation.*)."""
    import pandas as pd

    frame = pd.read_csv(RESULTS / "foundation.csv")
    meta = json.loads((RESULTS / "foundation.json").read_text(encoding="utf-8"))
    return frame, meta
