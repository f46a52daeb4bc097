"""Two-tower retrieval plus rating as one multi-task model, with Keras-RS (notebook 12, bench/movielens_multitask.py).

- `TwoTowerMultiTask`: a query (user) tower and a candidate (item) tower whose dot product scores every item,
  and a rating head on the two embeddings; one loss, `retrieval_weight` x in-batch softmax cross-entropy +
  `rating_weight` x squared error (the Keras-RS multi-task example's model, with content features and two
  corrections as options).
- In-batch softmax: row i's positive is its own item, the other rows' items are its negatives. Two known
  corrections: the log-Q correction (keras_rs.layers.SamplingProbabilityCorrection: popular items are
  negatives more often than their share of the catalogue, so their logit is lowered by log q during training),
  and accidental hits (row j holding row i's item is not a negative for row i). keras_rs.layers.
  RemoveAccidentalHits 0.4.0 adds about 1e-40 to those logits, which changes nothing (keras-team/keras-rs pull
  request #206, open); `mask_accidental_hits` does it here, and tests/test_movielens.py pins the library's
  behaviour so the course notices the fix.
- Serving: keras_rs.layers.BruteForceRetrieval returns the top-k item ids of every query.
- Evaluation against the known truth of mtlrec.data: Recall@K of each user's held-out clicks among the items
  the user has not met in training (mtlrec.metrics.recall_at_k), the two-tower model versus popularity.
"""

from __future__ import annotations

import numpy as np

import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
import keras
import keras_rs
from keras import layers, ops

from mtlrec import metrics
from mtlrec.data import Interactions, make_interactions, split_by_user
from mtlrec.training import Retrainer

# notebook 12's synthetic world and training settings (a few seconds for five seeds on two cores)
WORLD = dict(num_users=200, num_items=150, num_interactions=6_000)  # about 24 training rows a user, about 10 of them clicks
EMBEDDING_DIM, BATCH_SIZE, EPOCHS, LEARNING_RATE = 16, 256, 8, 1e-2
# the towers read the content features, not the ids: with ~16 rows a user, id embeddings memorise the training
# clicks (training Recall@10 0.44, held-out 0.18 on seed 0) where content towers generalise
VARIANTS = {"two-tower": {"use_ids": False}, "two-tower + log-Q": {"use_ids": False, "log_q_correction": True}}
TOP_K = 10
MASKED_LOGIT = -1e9  # the logit of an accidental hit: exp() underflows to 0


def mask_accidental_hits(logits, item_id):
    """In-batch logits (batch, batch) with every off-diagonal entry whose item equals the row's item masked."""
    same_item = ops.equal(ops.expand_dims(item_id, 1), ops.expand_dims(item_id, 0))  # (batch, batch)
    accidental = ops.logical_and(same_item, ops.logical_not(ops.cast(ops.eye(ops.shape(logits)[0]), "bool")))
    return ops.where(accidental, ops.cast(MASKED_LOGIT, logits.dtype), logits)


class TwoTowerMultiTask(keras.Model):
    """Two towers (user, item) for retrieval and a rating head, trained on one weighted loss (notebook 12).

    Inputs: a dict with user_id, item_id (int) and, when the feature widths are > 0, user_features and
    item_features. Outputs: {"query": (batch, embedding_dim), "candidate": (batch, embedding_dim),
    "rating": (batch, 1)}. Targets for `fit`/Retrainer (see `targets`): {"rating": (batch, 1) scaled to
    [0, 1], "positive": (batch, 1) the weight of each row's retrieval term (1 = the row is a positive pair,
    0 = it only serves as a negative for the others), "candidate_probability": (batch, 1) the probability of
    the row's item being an in-batch candidate, used when log_q_correction}. retrieval_reduction "sum" adds
    the rows' cross-entropies, as the Keras-RS example does; "mean" averages over the positive rows.
    """

    def __init__(self, num_users, num_items, *, user_feature_dim=0, item_feature_dim=0, embedding_dim=EMBEDDING_DIM,
                 rating_units=(64,), retrieval_weight=1.0, rating_weight=1.0, log_q_correction=False,
                 remove_accidental_hits=True, retrieval_reduction="mean", use_ids=True, item_bias=True, **kwargs):
        super().__init__(**kwargs)
        if retrieval_reduction not in ("mean", "sum"):
            raise ValueError(f"retrieval_reduction must be 'mean' or 'sum', got {retrieval_reduction!r}")
        self.num_users, self.num_items = int(num_users), int(num_items)
        self.user_feature_dim, self.item_feature_dim = int(user_feature_dim), int(item_feature_dim)
        self.embedding_dim, self.rating_units = int(embedding_dim), tuple(rating_units)
        self.retrieval_weight, self.rating_weight = float(retrieval_weight), float(rating_weight)
        self.remove_accidental_hits, self.retrieval_reduction = bool(remove_accidental_hits), retrieval_reduction
        self.log_q_correction, self.use_ids, self.use_item_bias = bool(log_q_correction), bool(use_ids), bool(item_bias)
        if not (use_ids or user_feature_dim) or not (use_ids or item_feature_dim):
            raise ValueError("each tower needs its ids (use_ids=True) or features (a feature width > 0)")
        self.user_embedding = layers.Embedding(num_users, embedding_dim, name="user_embedding") if use_ids else None
        self.item_embedding = layers.Embedding(num_items, embedding_dim, name="item_embedding") if use_ids else None
        self.item_bias = (layers.Embedding(num_items, 1, embeddings_initializer="zeros", name="item_bias")
                          if item_bias else None)
        self.user_projection = layers.Dense(embedding_dim, name="user_projection") if user_feature_dim else None
        self.item_projection = layers.Dense(embedding_dim, name="item_projection") if item_feature_dim else None
        self.rating_model = keras.Sequential([layers.Dense(units, activation="relu") for units in rating_units]
                                             + [layers.Dense(1)], name="rating_model")
        self.log_q = keras_rs.layers.SamplingProbabilityCorrection()

    def build(self, input_shape=None):
        """Build every sublayer from the configured widths (the inputs are a dict, their shapes known)."""
        for embedding in (self.user_embedding, self.item_embedding, self.item_bias):
            if embedding is not None:
                embedding.build((None,))
        if self.user_projection is not None:
            self.user_projection.build((None, self.user_feature_dim))
        if self.item_projection is not None:
            self.item_projection.build((None, self.item_feature_dim))
        self.rating_model.build((None, 2 * (self.embedding_dim + int(self.use_item_bias))))
        self.built = True

    def towers(self, inputs):
        """(query, candidate) embeddings (batch, embedding_dim + 1) of the rows' users and items.

        With item_bias, a last column is 1 in the query and the item's learned bias in the candidate, so the
        dot product holds an item bias (how often the item is picked whoever asks) and still serves by dot
        product (the Keras-RS example has none: item_bias=False).
        """
        query = self.user_embedding(inputs["user_id"]) if self.use_ids else 0.0
        candidate = self.item_embedding(inputs["item_id"]) if self.use_ids else 0.0
        if self.user_projection is not None:
            query = query + self.user_projection(inputs["user_features"])
        if self.item_projection is not None:
            candidate = candidate + self.item_projection(inputs["item_features"])
        if self.use_item_bias:
            query = ops.concatenate([query, ops.ones_like(query[:, :1])], axis=1)  # (batch, embedding_dim + 1)
            candidate = ops.concatenate([candidate, self.item_bias(inputs["item_id"])], axis=1)
        return query, candidate

    def call(self, inputs, training=False):
        query, candidate = self.towers(inputs)
        rating = self.rating_model(ops.concatenate([query, candidate], axis=1))  # (batch, 1)
        return {"query": query, "candidate": candidate, "rating": rating}

    def retrieval_logits(self, item_id, query, candidate, candidate_probability=None):
        """In-batch logits (batch, batch): query i . candidate j, corrected as configured."""
        logits = ops.matmul(query, ops.transpose(candidate))
        if self.log_q_correction:
            probability = ops.reshape(ops.cast(candidate_probability, logits.dtype), (1, -1))  # column j's item
            logits = self.log_q(logits, ops.broadcast_to(probability, ops.shape(logits)))
        if self.remove_accidental_hits:
            logits = mask_accidental_hits(logits, item_id)
        return logits

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        logits = self.retrieval_logits(x["item_id"], y_pred["query"], y_pred["candidate"], y["candidate_probability"])
        labels = ops.eye(ops.shape(logits)[0])
        per_row = keras.losses.categorical_crossentropy(labels, logits, from_logits=True)  # (batch,)
        positive = ops.reshape(ops.cast(y["positive"], per_row.dtype), (-1,))
        retrieval = ops.sum(per_row * positive)
        if self.retrieval_reduction == "mean":
            retrieval = retrieval / ops.maximum(ops.sum(positive), 1.0)
        rating = ops.mean(ops.square(ops.cast(y["rating"], "float32") - y_pred["rating"]))
        return self.retrieval_weight * retrieval + self.rating_weight * rating + ops.sum(self.losses)

    def get_config(self):
        return {**super().get_config(), "num_users": self.num_users, "num_items": self.num_items,
                "user_feature_dim": self.user_feature_dim, "item_feature_dim": self.item_feature_dim,
                "embedding_dim": self.embedding_dim, "rating_units": self.rating_units,
                "retrieval_weight": self.retrieval_weight, "rating_weight": self.rating_weight,
                "remove_accidental_hits": self.remove_accidental_hits, "log_q_correction": self.log_q_correction,
                "retrieval_reduction": self.retrieval_reduction, "use_ids": self.use_ids,
                "item_bias": self.use_item_bias}


def model_inputs(data: Interactions, with_features: bool = True) -> dict:
    """The two-tower model's inputs: ids, and the rows' content features when `with_features`."""
    inputs = {"user_id": data.user_id.astype(np.int32), "item_id": data.item_id.astype(np.int32)}
    if with_features:
        inputs["user_features"] = data.user_features[data.user_id]
        inputs["item_features"] = data.item_features[data.item_id]
    return inputs


def targets(data: Interactions, positive=None, probability=None) -> dict:
    """{"rating": scaled rating (n, 1), "positive": the retrieval weight (n, 1), clicks by default,
    "candidate_probability": (n, 1) each row's item's in-batch probability (`probability[item]`, 1 if None)}."""
    positive = data.click if positive is None else positive
    candidate = np.ones(len(data)) if probability is None else np.asarray(probability)[data.item_id]
    return {"rating": data.rating_scaled.reshape(-1, 1).astype(np.float32),
            "positive": np.asarray(positive, np.float32).reshape(-1, 1),
            "candidate_probability": candidate.reshape(-1, 1).astype(np.float32)}


def item_probability(train: Interactions) -> np.ndarray:
    """Each item's share of the training rows: the probability that a batch row (a candidate column) holds it."""
    counts = np.bincount(train.item_id, minlength=train.num_items).astype(np.float64)
    return (counts + 1.0) / (counts.sum() + train.num_items)  # add-one, so an unseen item is not log(0)


def build_two_tower(data: Interactions, *, learning_rate: float = LEARNING_RATE, **options):
    """A compiled TwoTowerMultiTask sized for `data`, built on one batch (so its weights exist)."""
    model = TwoTowerMultiTask(data.num_users, data.num_items, user_feature_dim=data.user_features.shape[1],
                              item_feature_dim=data.item_features.shape[1], **options)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate))
    model(model_inputs(data.subset(slice(0, 2))))
    return model


def all_embeddings(model: TwoTowerMultiTask, data: Interactions) -> tuple[np.ndarray, np.ndarray]:
    """(user embeddings (num_users, d), item embeddings (num_items, d)) from the two towers."""
    users, items = np.arange(data.num_users, dtype=np.int32), np.arange(data.num_items, dtype=np.int32)
    query, _ = model.towers({"user_id": users, "item_id": np.zeros_like(users),
                             "user_features": data.user_features, "item_features": data.item_features[:1].repeat(len(users), 0)})
    _, candidate = model.towers({"user_id": np.zeros_like(items), "item_id": items,
                                 "user_features": data.user_features[:1].repeat(len(items), 0),
                                 "item_features": data.item_features})
    return np.asarray(query), np.asarray(candidate)


def seen_mask(train: Interactions) -> np.ndarray:
    """(num_users, num_items) True where the user met the item in training (never recommended again)."""
    mask = np.zeros((train.num_users, train.num_items), dtype=bool)
    mask[train.user_id, train.item_id] = True
    return mask


def held_out_clicks(test: Interactions) -> np.ndarray:
    """(num_users, num_items) relevance: 1 where the user clicked the item in the test rows."""
    relevance = np.zeros((test.num_users, test.num_items))
    clicked = test.click > 0.5
    relevance[test.user_id[clicked], test.item_id[clicked]] = 1.0
    return relevance


def recall_unseen(scores: np.ndarray, train: Interactions, test: Interactions, k: int = TOP_K) -> float:
    """Recall@k of the held-out clicks, items met in training pushed to the bottom (mtlrec.metrics.recall_at_k)."""
    return metrics.recall_at_k(held_out_clicks(test), np.where(seen_mask(train), -np.inf, scores), k)


def truth_scores(train: Interactions) -> np.ndarray:
    """(num_users, num_items) log(training rows of the item + 1) + log p(click) from the true affinity: what
    the truth predicts (who meets what follows popularity, then the click follows the latent affinity)."""
    exposure = np.log1p(np.bincount(train.item_id, minlength=train.num_items))
    affinity = np.sqrt(train.user_factors.shape[1]) * train.user_factors @ train.item_factors.T
    return exposure[None, :] - np.logaddexp(0.0, -(2.0 * affinity - 0.5))


def popularity_scores(train: Interactions) -> np.ndarray:
    """(num_users, num_items): every user scores an item by its training clicks (the popularity baseline)."""
    counts = np.bincount(train.item_id[train.click > 0.5], minlength=train.num_items).astype(np.float64)
    return np.broadcast_to(counts, (train.num_users, train.num_items))


def top_k_items(model: TwoTowerMultiTask, data: Interactions, users, k: int = TOP_K) -> np.ndarray:
    """(len(users), k) item ids retrieved by keras_rs.layers.BruteForceRetrieval over every item."""
    query, candidate = all_embeddings(model, data)
    retrieval = keras_rs.layers.BruteForceRetrieval(candidate_embeddings=candidate, k=k, return_scores=False)
    return np.asarray(retrieval(query[np.asarray(users)]))


def world(seed: int) -> tuple[Interactions, Interactions]:
    """(train, test) of notebook 12's synthetic interactions under `seed`: 20 % of each user's rows held out."""
    return split_by_user(make_interactions(**WORLD, seed=seed), 0.2, seed=seed)


def run_seeds(seeds, variants: dict = VARIANTS, *, epochs: int = EPOCHS) -> tuple[list[dict], dict]:
    """(rows, last): rows {seed, model, recall_at_10, rating_rmse} for popularity, the truth and every variant
    {name: build options}; last = {"model": the last variant trained on the last seed, "train": its data}.

    Every seed draws new data and new initial weights; each variant is traced once (mtlrec.training.Retrainer)
    and trained on the training clicks (retrieval) and every training rating (the rating head).
    """
    rows, trainers = [], {}
    for seed in seeds:
        train, test = world(seed)
        for name, scores in (("popularity", popularity_scores(train)), ("truth", truth_scores(train))):
            rows.append({"seed": seed, "model": name, f"recall_at_{TOP_K}": recall_unseen(scores, train, test),
                         "rating_rmse": np.nan})
        for name, options in variants.items():
            if name not in trainers:  # one traced step per variant; each seed starts from its own weights
                trainers[name] = Retrainer(lambda options=options, train=train: build_two_tower(train, **options))
            model = trainers[name].fit(seed, model_inputs(train), targets(train, probability=item_probability(train)),
                                       epochs=epochs, batch_size=BATCH_SIZE)
            query, candidate = all_embeddings(model, train)
            rating = np.asarray(model(model_inputs(test))["rating"]).reshape(-1)
            rows.append({"seed": seed, "model": name,
                         f"recall_at_{TOP_K}": recall_unseen(query @ candidate.T, train, test),
                         "rating_rmse": metrics.rmse(test.rating, 1.0 + 4.0 * rating)})
    return rows, {"model": model, "train": train}


def metric_differences() -> list[dict]:
    """The course's ranking metrics beside keras_rs.metrics on one small case per difference (notebook 12)."""
    pairs = {"Recall@2": (metrics.recall_at_k, keras_rs.metrics.RecallAtK),
             "NDCG@2": (metrics.ndcg_at_k, keras_rs.metrics.NDCG),
             "MRR": (metrics.mean_reciprocal_rank, keras_rs.metrics.MeanReciprocalRank)}
    scores = np.array([[0.9, 0.7, 0.4, 0.1], [0.2, 0.8, 0.6, 0.3]])
    cases = {
        "the definitions agree": (np.array([[1, 0, 2, 0], [0, 0, 1, 1]]), scores),
        "a user with no relevant item": (np.array([[1, 0, 2, 0], [0, 0, 0, 0]]), scores),
        "relevance 0.5 (below 1)": (np.array([[0.5, 0, 1, 0], [0, 0, 1, 1]]), scores),
        "a label -1 (padding?)": (np.array([[-1, 0, 1, 0], [0, 0, 1, 1]]), scores),
        "tied scores": (np.array([[0, 0, 0, 1], [0, 0, 1, 1]]), np.zeros((2, 4))),
    }
    rows = []
    for case, (relevance, case_scores) in cases.items():
        row = {"case": case}
        for name, (course, keras_metric) in pairs.items():
            try:
                row[f"{name} course"] = round(course(relevance, case_scores, 2 if "@" in name else 4), 3)
            except ValueError:
                row[f"{name} course"] = "ValueError"
            metric = keras_metric(k=2 if "@" in name else 4, seed=0)
            metric.update_state(relevance.astype(np.float32), case_scores.astype(np.float32))
            row[f"{name} Keras-RS"] = round(float(metric.result()), 3)
        rows.append(row)
    return rows
