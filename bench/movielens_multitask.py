"""The Keras-RS multi-task example on your MovieLens 100K copy: `python bench/movielens_multitask.py FOLDER`.

The Keras-RS example "Multi-task recommenders: retrieval + ranking" (keras.io/keras_rs/examples/multi_task/)
trains one model for retrieval (in-batch softmax over user and movie embeddings, top-10 accuracy) and rating
(an MLP on the two embeddings, RMSE of the rating scaled to [0, 1]) on MovieLens 100K, with the loss weights
(rating, retrieval) = (1, 0), (0, 1) and (1, 1). This script runs that setup on the folder you downloaded from
GroupLens (u.data, u.item, u.user; the licence forbids shipping it, so nothing is downloaded here), read by
mtlrec.data.load_movielens, with mtlrec.lessons.retrieval.TwoTowerMultiTask configured as the example's model:
32-d id embeddings, no features, no item bias, rating MLP 256-128-1, retrieval cross-entropy summed over the
batch without corrections, Adagrad(0.1), batches of 1,000, 5 epochs, 80 % of the ratings shuffled with seed 42
for training and the other 20 % for testing; top-10 accuracy counts a 5-star test rating as a hit when its movie
is among the user's 10 best-scoring movies of the whole catalogue (keras_rs.layers.BruteForceRetrieval).
It prints its figures beside the example's. The shuffle is numpy's, not tf.data's: the rows differ from the
example's, so expect figures near the example's, not equal to them.
Exit status 2 with one line when FOLDER is missing or is not a MovieLens folder.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# what the example reports (its table: top-10 accuracy, RMSE of the scaled rating), checked on keras.io
EXAMPLE = {"rating-specialised": (0.005, 0.26), "retrieval-specialised": (0.020, 0.78), "multi-task": (0.022, 0.25)}
WEIGHTS = {"rating-specialised": (1.0, 0.0), "retrieval-specialised": (0.0, 1.0), "multi-task": (1.0, 1.0)}  # (rating, retrieval)
TRAIN_FRACTION, SHUFFLE_SEED, BATCH_SIZE, EPOCHS, LEARNING_RATE, TOP_K = 0.8, 42, 1_000, 5, 0.1, 10
USAGE = ("usage: python bench/movielens_multitask.py FOLDER [--epochs N] (FOLDER: your MovieLens 100K copy holding "
         "u.data, u.item, u.user, from https://grouplens.org/datasets/movielens/100k/)")


def evaluate(model, inputs, rating_scaled, top_k: int = TOP_K) -> tuple[float, float]:
    """(top-k accuracy on the 5-star test rows, RMSE of the scaled rating) as the example computes them."""
    import keras
    import keras_rs
    import numpy as np


    outputs = model(inputs)
    candidates = np.asarray(model.item_embedding.embeddings)  # the candidate tower is the embedding table
    top = keras_rs.layers.BruteForceRetrieval(candidate_embeddings=candidates, k=top_k, return_scores=False)
    accuracy = keras.metrics.SparseTopKCategoricalAccuracy(k=top_k, from_sorted_ids=True)
    accuracy.update_state(inputs["item_id"], top(outputs["query"]), sample_weight=(rating_scaled > 0.9).astype("float32"))
    rmse = keras.metrics.RootMeanSquaredError()
    rmse.update_state(rating_scaled.reshape(-1, 1), outputs["rating"])
    return float(accuracy.result()), float(rmse.result())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", help="your MovieLens 100K folder (u.data, u.item, u.user)")
    parser.add_argument("--epochs", type=int, default=EPOCHS, help=f"epochs per model (default {EPOCHS}, the example's)")
    args = parser.parse_args(argv)
    if not args.folder:
        print(USAGE, file=sys.stderr)
        return 2
    from mtlrec.data import MovieLensError, load_movielens

    try:
        data = load_movielens(args.folder)
    except MovieLensError as error:
        print(f"movielens_multitask: {error}", file=sys.stderr)
        return 2

    import numpy as np

    import keras
    from mtlrec.lessons.retrieval import TwoTowerMultiTask, model_inputs, targets

    if data.meta["source"] != "MovieLens 100K":
        print(f"note: {data.meta['source']} given; the example's figures are for MovieLens 100K")
    order = np.random.default_rng(SHUFFLE_SEED).permutation(len(data))
    cut = int(round(TRAIN_FRACTION * len(data)))
    train, test = data.subset(order[:cut]), data.subset(order[cut:])
    train_inputs, test_inputs = model_inputs(train, with_features=False), model_inputs(test, with_features=False)
    train_targets = targets(train, positive=np.ones(len(train)))  # every rating is a watch: a positive pair
    print(f"{data.meta['source']}: {data.num_users} users, {data.num_items} movies, {len(train)} training and "
          f"{len(test)} test ratings; {args.epochs} epochs per model")
    print(f"{'model':<22} {'top-10 accuracy':>16} {'example':>8} {'RMSE (scaled)':>14} {'example':>8} {'seconds':>8}")
    for name, (rating_weight, retrieval_weight) in WEIGHTS.items():
        start = time.perf_counter()
        keras.utils.set_random_seed(SHUFFLE_SEED)
        model = TwoTowerMultiTask(data.num_users, data.num_items, embedding_dim=32, rating_units=(256, 128),
                                  rating_weight=rating_weight, retrieval_weight=retrieval_weight,
                                  remove_accidental_hits=False, retrieval_reduction="sum", item_bias=False)
        model.compile(optimizer=keras.optimizers.Adagrad(LEARNING_RATE))
        # the example batches one shuffled order once (tf.data cache): the same batches every epoch
        model.fit(train_inputs, train_targets, batch_size=BATCH_SIZE, epochs=args.epochs, shuffle=False, verbose=0)
        accuracy, rmse = evaluate(model, test_inputs, test.rating_scaled)
        reported_accuracy, reported_rmse = EXAMPLE[name]
        print(f"{name:<22} {accuracy:>16.3f} {reported_accuracy:>8.3f} {rmse:>14.3f} {reported_rmse:>8.2f} "
              f"{time.perf_counter() - start:>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
