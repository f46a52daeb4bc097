"""Where does negative transfer appear? `python bench/task_correlation.py [--seeds N] [--quick]`.

Notebook 01's sweep of the data's `task_correlation` knob, with more seeds than a notebook's minute
allows. For every seed (new data, new split, new initial weights) and every task correlation, three
models of one architecture (mtlrec.lessons.multitask_evidence): click only, rating only, and the shared
bottom with balanced loss weights, each stopped on its validation loss. The clicks of a seed do not
depend on the task correlation (only the ratings do), so the click-only model is trained once per seed.

Writes bench/results/task_correlation.csv (one row per model, seed and correlation) and
bench/results/task_correlation.json (settings, seeds, versions, seconds), which notebook 01 reads.
--quick: 2 seeds, 2 correlations, results not written (CI's smoke run).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CORRELATIONS = (0.0, 0.25, 0.5, 0.75, 1.0)
RESULTS = ROOT / "bench" / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=40, help="seeds 0 .. N-1 (default 40)")
    parser.add_argument("--quick", action="store_true", help="2 seeds, 2 correlations, nothing written")
    args = parser.parse_args()

    import numpy as np
    import pandas as pd

    import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
    import keras
    import tensorflow as tf
    from mtlrec.lessons import multitask_evidence as lesson
    from mtlrec.training import Retrainer

    seeds = range(2 if args.quick else args.seeds)
    correlations = (0.0, 1.0) if args.quick else CORRELATIONS
    start = time.perf_counter()
    trainer = Retrainer(lambda: lesson.build_hybrid(lesson.make_splits(0).train), seeds=seeds)
    rows = []
    for seed in seeds:
        click_only = None
        for correlation in correlations:
            splits = lesson.make_splits(seed, task_correlation=correlation)
            validation_labels = {"click": splits.validation.click, "rating": splits.validation.rating_scaled}
            if click_only is None:
                clicks = splits.train.click
                model = lesson.fit_weighted(trainer, seed, splits, {"click": 1.0, "rating": 0.0})
                click_loss = lesson.task_losses(model, splits.validation.model_inputs(), validation_labels)["click"]
                click_only = {**lesson.scores(model, splits.test), "epochs": trainer.best_epoch}
            elif not np.array_equal(clicks, splits.train.click):
                raise AssertionError("the clicks of a seed changed with the task correlation")
            rows.append({"model": "click only", "seed": seed, "task_correlation": correlation, **click_only,
                         "rating_rmse": np.nan})
            model = lesson.fit_weighted(trainer, seed, splits, {"click": 0.0, "rating": 1.0})
            rating_loss = lesson.task_losses(model, splits.validation.model_inputs(), validation_labels)["rating"]
            rows.append({"model": "rating only", "seed": seed, "task_correlation": correlation,
                         **lesson.scores(model, splits.test), "click_auc": np.nan, "epochs": trainer.best_epoch})
            model = lesson.fit_weighted(trainer, seed, splits, lesson.balanced_weights(click_loss, rating_loss))
            rows.append({"model": "shared, balanced", "seed": seed, "task_correlation": correlation,
                         **lesson.scores(model, splits.test), "epochs": trainer.best_epoch})
        print(f"seed {seed} done, {time.perf_counter() - start:.0f} s", flush=True)
    frame = pd.DataFrame(rows)
    seconds = time.perf_counter() - start
    print(frame.groupby(["task_correlation", "model"])[["click_auc", "rating_rmse"]].mean().round(4))
    print(f"{len(frame)} rows in {seconds:.0f} s")
    if args.quick:
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    frame.to_csv(RESULTS / "task_correlation.csv", index=False, float_format="%.6f")
    settings = {"data": lesson.DATA, "test_fraction": lesson.TEST_FRACTION,
                "validation_fraction": lesson.VALIDATION_FRACTION, "embedding_dim": lesson.EMBEDDING_DIM,
                "shared_units": lesson.SHARED_UNITS, "tower_units": lesson.TOWER_UNITS,
                "learning_rate": lesson.LEARNING_RATE, "batch_size": lesson.BATCH_SIZE,
                "max_epochs": lesson.MAX_EPOCHS, "patience": lesson.PATIENCE}
    meta = {"command": "python bench/task_correlation.py --seeds " + str(args.seeds), "seeds": list(seeds),
            "task_correlations": list(correlations), "settings": settings, "seconds": round(seconds),
            "versions": {"python": platform.python_version(), "tensorflow": tf.__version__,
                         "keras": keras.__version__, "numpy": np.__version__, "pandas": pd.__version__}}
    (RESULTS / "task_correlation.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)}/task_correlation.csv and .json")


if __name__ == "__main__":
    main()
