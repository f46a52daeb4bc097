"""The seesaw and the experts' use, with many seeds: `python bench/ple.py [--seeds N] [--quick]`.

Notebook 09 asks whether, on a task pair where sharing can help one task and hurt the other, a
multi-task model improves one task and worsens the other against single-task models (the seesaw), for
a shared bottom, MMoE, CGC and PLE. The pair (mtlrec.lessons.ple.seesaw_data): two regression tasks of
the MMoE paper's generator whose weight vectors have cosine 0.9; task 0 observed with heavy label noise,
task 1 clean; every model is scored against the noise-free truth, each task at its own best epoch on
validation data (a single-task model is stopped on its own loss; so is each task of a multi-task model).
Every seed draws new data and new initial weights; all models of one seed see the same data.

Writes bench/results/ple_seesaw.csv (test nMSE per model, seed and task, with the epochs chosen),
bench/results/ple_gates.csv (mean gate weight per model, seed, level, gate and expert, on the test
inputs) and bench/results/ple.json (settings, seeds, versions, seconds); notebook 09 reads them.
--quick: 2 seeds, 3 epochs, nothing written (CI's smoke run).
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
KINDS = ("single-task", "shared bottom", "MMoE", "CGC", "PLE")
DATA = {"input_dim": 20, "task_correlation": 0.9, "label_noise": 1.5,
        "num_train": 2_000, "num_validation": 1_000, "num_test": 2_000}
EPOCHS, BATCH_SIZE, LEARNING_RATE = 60, 128, 1e-2
# shared bottom 16 units; MMoE 4 experts of 8; CGC 2 shared + 1 per task, of 8; PLE 2 such levels; towers 8
SIZES = {"bottom_units": 16, "num_experts": 4, "expert_units": 8, "num_shared_experts": 2, "num_task_experts": 1,
         "num_levels": 2, "tower_units": 8}
SEEDS_PER_CHUNK = 12


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=24, help="seeds 0 .. N-1 (default 24)")
    parser.add_argument("--quick", action="store_true", help="2 seeds, 3 epochs, nothing written")
    args = parser.parse_args()

    import numpy as np
    import pandas as pd

    import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
    import keras
    import tensorflow as tf
    from mtlrec.lessons import ple

    seeds = list(range(2 if args.quick else args.seeds))
    epochs = 3 if args.quick else EPOCHS
    start = time.perf_counter()
    results, gates = [], []
    for first in range(0, len(seeds), SEEDS_PER_CHUNK):
        chunk = seeds[first:first + SEEDS_PER_CHUNK]
        train, validation, test, replicas = ple.seesaw_data(chunk, **DATA)
        frame, _, model = ple.train_replicas(KINDS, *train, *test, replicas, epochs=epochs, batch_size=BATCH_SIZE,
                                              learning_rate=LEARNING_RATE, validation=validation,
                                              initial_seed=first, report=None, **SIZES)
        results.append(frame)
        for kind in ("MMoE", "CGC", "PLE"):
            usage = ple.gate_usage(model, test[0], kind)
            usage.insert(0, "model", kind)
            usage.insert(1, "seed", [replicas[r]["seed"] for r in usage.replica])
            gates.append(usage.drop(columns="replica"))
        print(f"seeds {chunk[0]}..{chunk[-1]} done, {time.perf_counter() - start:.0f} s", flush=True)
    frame, usage = pd.concat(results, ignore_index=True), pd.concat(gates, ignore_index=True)
    seconds = time.perf_counter() - start
    print(frame.groupby("model")[["task_0_nmse", "task_1_nmse"]].mean().round(4))
    print(ple.comparison_table(ple.versus_single_task(frame, KINDS[1:])).to_string())
    print(f"{len(frame)} rows in {seconds:.0f} s")
    if args.quick:
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    frame.to_csv(RESULTS / "ple_seesaw.csv", index=False, float_format="%.6f")
    usage.to_csv(RESULTS / "ple_gates.csv", index=False, float_format="%.6f")
    settings = {"data": DATA, "epochs": EPOCHS, "batch_size": BATCH_SIZE, "learning_rate": LEARNING_RATE,
                "sizes": SIZES, "seeds_per_chunk": SEEDS_PER_CHUNK,
                "model selection": "each task at its own best validation epoch (mtlrec.lessons.ple.BestEpoch)",
                "architectures": "mtlrec.lessons.ple.build_replicas"}
    meta = {"command": "python bench/ple.py --seeds " + str(args.seeds), "seeds": seeds, "models": list(KINDS),
            "settings": settings, "seconds": round(seconds),
            "versions": {"python": platform.python_version(), "tensorflow": tf.__version__,
                         "keras": keras.__version__, "numpy": np.__version__, "pandas": pd.__version__}}
    (RESULTS / "ple.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)}/ple_seesaw.csv, ple_gates.csv and ple.json")


if __name__ == "__main__":
    main()
