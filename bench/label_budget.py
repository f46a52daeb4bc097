"""How much do clicks help ratings as the ratings grow? `python bench/label_budget.py [--seeds N] [--quick]`.

Notebook 03's label-budget sweep with more seeds and budgets than a notebook's minute allows. For every seed
(new data, split, label subsets and initial weights) and every budget (share of training and validation rows
that keep a rating), mtlrec.lessons.multitask_evidence.label_budget_runs trains a single-task rating model
and the multi-task model with each auxiliary click weight lambda, all stopped on the rating validation loss;
the rating subsets come from the reference ex03_label_budget.subsample_labels. At VIEW_BUDGET the tuned run is
also retrained with the ID view switched off (lesson.content_only_run), notebook 03's multi-view check.

Writes bench/results/label_budget.csv (one row per run) and bench/results/label_budget.json (settings, seeds,
versions, seconds), which notebook 03 reads. --quick: 2 seeds, 2 budgets, nothing written (CI's smoke run).
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

BUDGETS = (0.03, 0.1, 0.3, 1.0)
AUX_WEIGHTS = (1.0, 10.0)
VIEW_BUDGET = 0.1  # the multi-view check: the tuned run at this budget, retrained without the ID view
RESULTS = ROOT / "bench" / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=40, help="seeds 0 .. N-1 (default 40)")
    parser.add_argument("--quick", action="store_true", help="2 seeds, 2 budgets, nothing written")
    args = parser.parse_args()

    import numpy as np
    import pandas as pd

    import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
    import keras
    import tensorflow as tf
    from mtlrec import grading
    from mtlrec.lessons import multitask_evidence as lesson
    from mtlrec.training import Retrainer

    reference = grading.load_module(grading.SOLUTIONS / "ex01_multitask_loss.py")
    budget_tools = grading.load_module(grading.SOLUTIONS / "ex03_label_budget.py")
    seeds = range(2 if args.quick else args.seeds)
    budgets = (0.1, 1.0) if args.quick else BUDGETS
    start = time.perf_counter()
    trainer = Retrainer(lambda: lesson.build_hybrid(lesson.make_splits(0).train, reference.masked_loss), seeds=seeds)
    rows = []
    for seed in seeds:
        splits = lesson.make_splits(seed)
        runs = pd.DataFrame(lesson.label_budget_runs(trainer, seed, splits, budgets, AUX_WEIGHTS,
                                                     budget_tools.subsample_labels))
        at_view = lesson.choose_on_validation(runs[runs.budget == VIEW_BUDGET]).set_index("model")
        chosen = {**at_view.loc["multi-task (tuned)"].to_dict(), "budget": VIEW_BUDGET,
                  "single_validation_loss": at_view.loc["single-task", "validation_loss"]}
        rows += runs.to_dict("records") + [lesson.content_only_run(trainer, seed, splits, chosen,
                                                                   budget_tools.subsample_labels)]
        print(f"seed {seed} done, {time.perf_counter() - start:.0f} s", flush=True)
    frame = lesson.choose_on_validation(pd.DataFrame(rows))
    seconds = time.perf_counter() - start
    print(frame.groupby(["budget", "model"])[["rating_rmse", "train_rmse"]].mean().round(4))
    print(f"{len(frame)} rows in {seconds:.0f} s")
    if args.quick:
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    frame.to_csv(RESULTS / "label_budget.csv", index=False, float_format="%.6f")
    settings = {"data": lesson.DATA, "task_correlation": 0.8, "test_fraction": lesson.TEST_FRACTION,
                "validation_fraction": lesson.VALIDATION_FRACTION, "embedding_dim": lesson.EMBEDDING_DIM,
                "shared_units": lesson.SHARED_UNITS, "tower_units": lesson.TOWER_UNITS,
                "learning_rate": lesson.LEARNING_RATE, "batch_size": lesson.BATCH_SIZE,
                "max_epochs": lesson.MAX_EPOCHS, "patience": lesson.PATIENCE, "aux_weights": AUX_WEIGHTS,
                "view_budget": VIEW_BUDGET}
    meta = {"command": "python bench/label_budget.py --seeds " + str(args.seeds), "seeds": list(seeds),
            "budgets": list(budgets), "settings": settings, "seconds": round(seconds),
            "versions": {"python": platform.python_version(), "tensorflow": tf.__version__,
                         "keras": keras.__version__, "numpy": np.__version__, "pandas": pd.__version__}}
    (RESULTS / "label_budget.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)}/label_budget.csv and .json")


if __name__ == "__main__":
    main()
