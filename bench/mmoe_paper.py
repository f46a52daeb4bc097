"""The MMoE paper's synthetic study at its input width: `python bench/mmoe_paper.py [--seeds N] [--quick]`.

Ma et al. (KDD 2018) control the relatedness of two regression tasks by the cosine p between their
weight vectors (mtlrec.data.make_mmoe_tasks) and compare a shared bottom, a one-gate mixture of
experts (OMoE) and MMoE as p falls. This script trains the three on the paper's 100-wide inputs at
p = 1, 0.9, 0.5 and 0, with sizes of the usual reproduction (8 ReLU experts of 16 units; a shared
bottom of 113 units, about the same number of parameters; towers of 8 units), on 20,000 training
samples per data set, Adam at 3e-3, batches of 256, 30 epochs (the mixtures of experts have about
levelled off by then; the shared bottom still improves slowly), recording the test nMSE along the way.
Every seed draws new data and new initial weights; within a seed the four correlations share the
inputs, the sine terms, the noise and the initial weights, so everything is paired by seed.

Writes bench/results/mmoe_paper.csv (final test nMSE per model, correlation and seed),
bench/results/mmoe_paper_curves.csv (test nMSE at the recorded epochs) and bench/results/mmoe_paper.json
(settings, seeds, versions, seconds); notebook 09 reads them.
--quick: 2 seeds, correlations 1 and 0, 2 000 samples, 2 epochs, nothing written (CI's smoke run).
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
CORRELATIONS = (1.0, 0.9, 0.5, 0.0)
KINDS = ("shared bottom", "OMoE", "MMoE")
INPUT_DIM = 100                      # the paper's input width
NUM_TRAIN, NUM_TEST = 20_000, 2_000  # samples per (correlation, seed)
EPOCHS, BATCH_SIZE, LEARNING_RATE = 30, 256, 3e-3
CURVE_EPOCHS = (1, 2, 3, 5, 7, 10, 15, 20, 25, 30)
SIZES = {"bottom_units": 113, "num_experts": 8, "expert_units": 16, "tower_units": 8}
SEEDS_PER_CHUNK = 8  # replicas per model = 4 correlations x 8 seeds; chunks keep the memory small


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=16, help="seeds 0 .. N-1 (default 16)")
    parser.add_argument("--quick", action="store_true", help="2 seeds, 2 correlations, 2 epochs, nothing written")
    args = parser.parse_args()

    import numpy as np
    import pandas as pd

    import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
    import keras
    import tensorflow as tf
    from mtlrec.lessons import ple

    seeds = list(range(2 if args.quick else args.seeds))
    correlations = (1.0, 0.0) if args.quick else CORRELATIONS
    epochs = 2 if args.quick else EPOCHS
    num_train = 2_000 if args.quick else NUM_TRAIN
    curve_epochs = tuple(e for e in CURVE_EPOCHS if e <= epochs)
    start = time.perf_counter()
    finals, curves = [], []
    for first in range(0, len(seeds), SEEDS_PER_CHUNK):
        chunk = seeds[first:first + SEEDS_PER_CHUNK]
        data = ple.paper_data(correlations, chunk, num_train=num_train, num_test=NUM_TEST, input_dim=INPUT_DIM)
        results, curve, _ = ple.train_replicas(KINDS, *data, epochs=epochs, batch_size=BATCH_SIZE,
                                               learning_rate=LEARNING_RATE, curve_epochs=curve_epochs,
                                               initial_seed=first, report=None, **SIZES)
        finals.append(results)
        curves.append(curve)
        print(f"seeds {chunk[0]}..{chunk[-1]} done, {time.perf_counter() - start:.0f} s", flush=True)
    final, curve = pd.concat(finals, ignore_index=True), pd.concat(curves, ignore_index=True)
    seconds = time.perf_counter() - start
    print(final.groupby(["task_correlation", "model"])["test_nmse"].mean().unstack().round(4))
    print(f"{len(final)} rows in {seconds:.0f} s")
    if args.quick:
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    final.to_csv(RESULTS / "mmoe_paper.csv", index=False, float_format="%.6f")
    curve.to_csv(RESULTS / "mmoe_paper_curves.csv", index=False, float_format="%.6f")
    settings = {"input_dim": INPUT_DIM, "num_train": NUM_TRAIN, "num_test": NUM_TEST, "epochs": EPOCHS,
                "batch_size": BATCH_SIZE, "learning_rate": LEARNING_RATE, "curve_epochs": list(CURVE_EPOCHS),
                "sizes": SIZES, "seeds_per_chunk": SEEDS_PER_CHUNK,
                "data": "mtlrec.data.make_mmoe_tasks defaults (10 sine terms, scale 1, noise std 0.1)",
                "architectures": "mtlrec.lessons.ple.build_replicas"}
    meta = {"command": "python bench/mmoe_paper.py --seeds " + str(args.seeds), "seeds": seeds,
            "task_correlations": list(correlations), "models": list(KINDS), "settings": settings,
            "seconds": round(seconds),
            "versions": {"python": platform.python_version(), "tensorflow": tf.__version__,
                         "keras": keras.__version__, "numpy": np.__version__, "pandas": pd.__version__}}
    (RESULTS / "mmoe_paper.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)}/mmoe_paper.csv, mmoe_paper_curves.csv and mmoe_paper.json")


if __name__ == "__main__":
    main()
