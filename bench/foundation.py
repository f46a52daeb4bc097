"""Pre-train a small foundation model and transfer it, over seeds: `python bench/foundation.py [--seeds N] [--quick]`.

Notebook 11 (大模型) pre-trains a transformer encoder with next-item prediction on the source sequences of
mtlrec.data.make_sequence_world and transfers it to the target's click and rating in four ways (from scratch, frozen
encoder + heads, full fine-tuning, adapters: the reference build_adapter_model of ex11). For the small encoder it
does so at three label budgets (1 %, 10 %, 100 % of a pool of 3,000 labelled target rows) and measures catastrophic
forgetting (the source next-item recall@10 before and after); the medium and large encoders
(mtlrec.lessons.foundation.ENCODER_SIZES), pre-trained on the same source, are transferred the same way at 10 % of
the labels. Last, the semantic-ID cold-start comparison (the reference residual_quantize). Every seed draws a new
world (new data) and new initial weights; within a seed every mode starts from the same pre-trained encoder.

Writes bench/results/foundation.csv (one row per size, seed, label fraction and mode), foundation_cold.csv
(semantic IDs vs item IDs on cold items) and foundation.json (settings, seeds, versions, seconds), which notebook
11 reads. --quick: 2 seeds, the small size, 10 % of the labels, 3 pre-training epochs and at most 100 transfer
steps, results not written (CI's smoke run, under a minute).
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
FRACTIONS = (0.01, 0.1, 1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="seeds 0 .. N-1 (default 10)")
    parser.add_argument("--quick", action="store_true", help="2 seeds, small size, 10 %% labels, nothing written")
    parser.add_argument("--sizes", default="small,medium,large", help="encoder sizes, comma separated")
    args = parser.parse_args()

    import numpy as np
    import pandas as pd

    import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
    import keras
    import tensorflow as tf
    from mtlrec.lessons import foundation as fd
    from solutions import ex11_foundation_transfer as reference

    seeds = list(range(2 if args.quick else args.seeds))
    sizes = ["small"] if args.quick else args.sizes.split(",")
    fractions = (0.1,) if args.quick else FRACTIONS
    start = time.perf_counter()
    rows = []
    for size in sizes:  # the label curve for the small size; the size comparison at 10 % of the labels
        lab = fd.TransferLab(size, build_adapter_model=reference.build_adapter_model,
                             **(dict(pretrain_epochs=3, transfer_steps=100) if args.quick else {}))
        for seed in seeds:
            rows += fd.run_seed(lab, seed, fractions=fractions if size == "small" else (0.1,))
            print(f"{size}, seed {seed}: {time.perf_counter() - start:.0f} s", flush=True)
    frame = pd.DataFrame(rows)
    cold = pd.DataFrame([row for seed in seeds for row in fd.cold_start_run(seed, reference.residual_quantize)])
    seconds = time.perf_counter() - start
    print(frame.groupby(["size", "fraction", "mode"], sort=False)[["click AUC", "rating RMSE"]].mean().round(4))
    print(cold.groupby("items", sort=False)[["cold click AUC", "warm click AUC"]].mean().round(4))
    print(f"{len(frame)} rows in {seconds:.0f} s")
    if args.quick:
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    frame.to_csv(RESULTS / "foundation.csv", index=False, float_format="%.6g")
    cold.to_csv(RESULTS / "foundation_cold.csv", index=False, float_format="%.6g")
    meta = {"command": f"python bench/foundation.py --seeds {args.seeds}", "seeds": seeds, "sizes": sizes,
            "settings": {"world": fd.WORLD, "encoder_sizes": {s: fd.ENCODER_SIZES[s] for s in sizes},
                         "fractions": list(fractions), "pool_rows": fd.POOL_ROWS, "test_rows": fd.TEST_ROWS,
                         "validation_share": fd.VALIDATION_SHARE, "head_units": fd.HEAD_UNITS,
                         "bottleneck": fd.BOTTLENECK, "pretrain_epochs": fd.PRETRAIN_EPOCHS,
                         "pretrain_batch": fd.PRETRAIN_BATCH, "pretrain_learning_rate": fd.PRETRAIN_LEARNING_RATE,
                         "transfer_learning_rate": fd.TRANSFER_LEARNING_RATE, "transfer_batch": fd.TRANSFER_BATCH,
                         "transfer_steps": fd.TRANSFER_STEPS, "patience": fd.PATIENCE, "cold_start": fd.COLD_START},
            "parameters": {s: fd.encoder_parameters(s) for s in sizes},
            "seconds": round(seconds),
            "versions": {"python": platform.python_version(), "tensorflow": tf.__version__,
                         "keras": keras.__version__, "numpy": np.__version__, "pandas": pd.__version__}}
    (RESULTS / "foundation.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)}/foundation.csv, foundation_cold.csv and foundation.json")


if __name__ == "__main__":
    main()
