"""The MMoE paper's synthetic sweep with many seeds: `python bench/mmoe_sweep.py [--seeds N] [--quick]`.

Notebook 04, section 3, trains shared bottom, MMoE and two separate models on the paper's synthetic
tasks (Ma et al., KDD 2018) at four task correlations with 12 seeds live. Some of its questions (does the
shared bottom lose accuracy as the tasks drift apart, and more than MMoE?) are differences of about
0.02 nMSE, at the edge of what 12 seeds resolve. This script runs the same code
(mtlrec.lessons.challenges.run_sweep, the notebook's settings) with more seeds: every seed draws new
data and new initial weights, and the replicas of one seed share their data draws and initial weights
across correlations, so everything is paired by seed.

Writes bench/results/mmoe_sweep.csv (one row per model, seed and correlation) and
bench/results/mmoe_sweep.json (settings, seeds, versions, seconds), which notebook 04 reads.
--quick: 3 seeds, 2 correlations, 2 epochs, results not written (CI's smoke run).
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
# the notebook's settings (notebooks/04_challenges.ipynb, sections 2 and 3)
CORRELATIONS = (1.0, 0.9, 0.5, 0.0)
INPUT_DIM = 20
NUM_TRAIN, NUM_TEST = 3072, 2048
EPOCHS, BATCH_SIZE, LEARNING_RATE = 30, 256, 1e-2
SEEDS_PER_CHUNK = 30  # replicas per model = 4 correlations x 30 seeds; chunks keep the memory small


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=60, help="seeds 0 .. N-1 (default 60)")
    parser.add_argument("--quick", action="store_true", help="3 seeds, 2 correlations, 2 epochs, nothing written")
    args = parser.parse_args()

    import numpy as np
    import pandas as pd

    import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
    import keras
    import tensorflow as tf
    from mtlrec.lessons import challenges

    seeds = list(range(3 if args.quick else args.seeds))
    correlations = (1.0, 0.0) if args.quick else CORRELATIONS
    epochs = 2 if args.quick else EPOCHS
    start = time.perf_counter()
    frames = []
    for first in range(0, len(seeds), SEEDS_PER_CHUNK):
        chunk = seeds[first:first + SEEDS_PER_CHUNK]
        data = challenges.sweep_data(correlations, chunk, num_train=NUM_TRAIN, num_test=NUM_TEST, input_dim=INPUT_DIM)
        # initial_seed=first: seeds 0..11 of the first chunk start from the notebook's initial weights
        results, _, _ = challenges.run_sweep(*data, epochs=epochs, batch_size=BATCH_SIZE, learning_rate=LEARNING_RATE,
                                             initial_seed=first)
        frames.append(results)
        print(f"seeds {chunk[0]}..{chunk[-1]} done, {time.perf_counter() - start:.0f} s", flush=True)
    frame = pd.concat(frames, ignore_index=True)
    seconds = time.perf_counter() - start
    print(frame.groupby(["task_correlation", "model"])["test_nmse"].mean().unstack().round(4))
    print(f"{len(frame)} rows in {seconds:.0f} s")
    if args.quick:
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    frame.to_csv(RESULTS / "mmoe_sweep.csv", index=False, float_format="%.6f")
    settings = {"input_dim": INPUT_DIM, "num_train": NUM_TRAIN, "num_test": NUM_TEST, "epochs": EPOCHS,
                "batch_size": BATCH_SIZE, "learning_rate": LEARNING_RATE, "seeds_per_chunk": SEEDS_PER_CHUNK,
                "architectures": "mtlrec.lessons.challenges.build_replicas defaults"}
    meta = {"command": "python bench/mmoe_sweep.py --seeds " + str(args.seeds), "seeds": seeds,
            "task_correlations": list(correlations), "settings": settings, "seconds": round(seconds),
            "versions": {"python": platform.python_version(), "tensorflow": tf.__version__,
                         "keras": keras.__version__, "numpy": np.__version__, "pandas": pd.__version__}}
    (RESULTS / "mmoe_sweep.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)}/mmoe_sweep.csv and .json")


if __name__ == "__main__":
    main()
