"""Six ways to balance two tasks' losses, over many seeds: `python bench/loss_balancing.py [--seeds N] [--quick]`.

Notebook 10 asks whether the adaptive methods (uncertainty weighting, DWA, GradNorm, PCGrad) beat fixed
loss weights, equal or tuned on validation, on two synthetic worlds with a known truth: a click and a watch
time whose losses differ in scale by about a thousand (mtlrec.data.make_loss_scale_tasks), and two
regression tasks that compete for a narrow shared bottom (make_conflicting_tasks). The notebook trains a
small live version; this script runs the same code (mtlrec.lessons.loss_balancing.run_setup, with the
reference solutions of ex10) with more seeds, more data and more epochs. Every seed draws new data and new
initial weights; within a seed every method starts from the same weights and sees the same batches, so the
methods are compared paired by seed. It also times one training step per method (step_timings).

Writes bench/results/loss_balancing.csv (one row per setup, seed and replica: method "fixed" with its weight
ratio for the grid that "equal weights" and "tuned weights" come from, or an adaptive method) and
bench/results/loss_balancing.json (settings, seeds, versions, seconds, step timings), which notebook 10 reads.
--quick: 2 seeds, 2 epochs, 512 training rows, 2 timing rounds, results not written (CI's smoke run).
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

RESULTS = ROOT / "bench" / "results"
NUM_TRAIN, NUM_VALIDATION, NUM_TEST = 4000, 1000, 2000
EPOCHS, BATCH_SIZE, LEARNING_RATE = 40, 128, 1e-2
DWA_TEMPERATURE, GRADNORM_ALPHA, GRADNORM_LEARNING_RATE = 2.0, 1.5, 0.025
TIMING_ROUNDS = 9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="seeds 0 .. N-1 (default 20)")
    parser.add_argument("--quick", action="store_true", help="2 seeds, 2 epochs, 512 rows, nothing written")
    args = parser.parse_args()

    import numpy as np
    import pandas as pd

    import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
    import keras
    import tensorflow as tf
    from mtlrec.lessons import loss_balancing as lb
    from solutions import ex10_loss_balancing as reference

    seeds = list(range(2 if args.quick else args.seeds))
    sizes = (dict(num_train=512, num_validation=256, num_test=256) if args.quick else
             dict(num_train=NUM_TRAIN, num_validation=NUM_VALIDATION, num_test=NUM_TEST))
    epochs = 2 if args.quick else EPOCHS
    settings = dict(learning_rate=LEARNING_RATE, dwa_temperature=DWA_TEMPERATURE, gradnorm_alpha=GRADNORM_ALPHA,
                    gradnorm_learning_rate=GRADNORM_LEARNING_RATE)
    start = time.perf_counter()
    frames, timings = [], {}
    for setup in lb.SETUPS:
        replicas, _, _ = lb.run_setup(setup, seeds, uncertainty_layer=reference.UncertaintyWeighting,
                                      dwa=reference.dwa_weights, epochs=epochs, batch_size=BATCH_SIZE, **sizes,
                                      **settings)
        frames.append(replicas)
        timing = lb.step_timings(setup, uncertainty_layer=reference.UncertaintyWeighting, dwa=reference.dwa_weights,
                                 rounds=2 if args.quick else TIMING_ROUNDS, steps=5 if args.quick else 40)
        timings[setup] = timing.to_dict(orient="list")
        print(f"{setup}: step timings (ms, median of {timing['round'].nunique()} rounds):",
              (timing.groupby("method")["seconds"].median() * 1000).round(2).to_dict(), flush=True)
    frame = pd.concat(frames, ignore_index=True)
    seconds = time.perf_counter() - start
    for setup, part in frame.groupby("setup", sort=False):
        table = lb.method_table(part).dropna(axis=1, how="all")
        metrics = [c for c in table.columns if c.endswith(" AUC") or c.endswith(" nMSE")]
        print(setup)
        print(table.groupby("method", sort=False)[metrics].mean().round(4))
    print(f"{len(frame)} rows in {seconds:.0f} s")
    if args.quick:
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    columns = ["setup", "seed", "method", "ratio"] + [c for c in frame.columns
                                                      if c not in ("setup", "seed", "method", "ratio")]
    frame[columns].to_csv(RESULTS / "loss_balancing.csv", index=False, float_format="%.6g")
    meta = {"command": f"python bench/loss_balancing.py --seeds {args.seeds}", "seeds": seeds,
            "settings": {**sizes, "epochs": EPOCHS, "batch_size": BATCH_SIZE, **settings,
                         "setups": {name: {"tasks": s.tasks, "kinds": s.kinds, "grid": s.grid,
                                           "shared_units": s.shared_units, "knobs": s.knobs}
                                    for name, s in lb.SETUPS.items()},
                         "timing": {"rounds": TIMING_ROUNDS, "steps": 40, "batch_size": 512,
                                    "shared_units": [256, 128], "tower_units": 64}},
            "seconds": round(seconds), "step_seconds": timings,
            "versions": {"python": platform.python_version(), "tensorflow": tf.__version__,
                         "keras": keras.__version__, "numpy": np.__version__, "pandas": pd.__version__}}
    (RESULTS / "loss_balancing.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)}/loss_balancing.csv and .json")


if __name__ == "__main__":
    main()
