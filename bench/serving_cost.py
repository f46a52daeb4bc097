"""Serving cost of multi-task rankers: `python bench/serving_cost.py [--repeats N] [--quick]`.

Notebook 12 asks what a multi-task architecture costs online. For shared bottom, MMoE (4 and 8 experts),
CGC and two-level PLE at a production ranker's sizes (512 input features per candidate, 256-unit experts,
3 tasks with 128-unit towers), this script reports parameters, FLOPs from the layer shapes, and the latency of
ranking one request of 1,000 candidates: a traced tf.function called after warm-up, repeated, median and the
10th-90th percentiles (mtlrec.lessons.serving). Latency depends on the machine, its load and its threads: the
JSON records them; compare architectures within one run, not across machines.

Writes bench/results/serving_cost.csv (one row per architecture) and bench/results/serving_cost.json
(settings, versions, CPU count, seconds), which notebook 12 shows beside a small live run.
--quick: 5 repeats after 2 warm-up calls, results not written (CI's smoke run, under 30 s).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200, help="timed calls per architecture (default 200)")
    parser.add_argument("--quick", action="store_true", help="5 repeats, 2 warm-up calls, nothing written")
    args = parser.parse_args()

    import numpy as np
    import pandas as pd

    import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
    import keras
    import keras_rs
    import tensorflow as tf
    from mtlrec.lessons import serving

    repeats, warmup = (5, 2) if args.quick else (args.repeats, 20)
    start = time.perf_counter()
    frame = pd.DataFrame(serving.serving_cost(repeats=repeats, warmup=warmup))
    seconds = time.perf_counter() - start
    print(frame.round(3).to_string(index=False))
    print(f"{len(frame)} architectures in {seconds:.0f} s")
    if args.quick:
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    frame.to_csv(RESULTS / "serving_cost.csv", index=False, float_format="%.4f")
    settings = {"input_dim": serving.INPUT_DIM, "num_candidates": serving.NUM_CANDIDATES,
                "num_tasks": serving.NUM_TASKS, "expert_units": serving.EXPERT_UNITS,
                "tower_units": serving.TOWER_UNITS, "warmup": warmup, "repeats": repeats,
                "timing": "traced tf.function, one request per call, outputs copied to numpy",
                "architectures": "mtlrec.lessons.serving.ARCHITECTURES"}
    meta = {"command": f"python bench/serving_cost.py --repeats {args.repeats}", "settings": settings,
            "seconds": round(seconds), "cpu_count": os.cpu_count(), "load_average": [round(v, 2) for v in os.getloadavg()],
            "tensorflow_threads": {"intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
                                   "inter_op": tf.config.threading.get_inter_op_parallelism_threads()},
            "versions": {"python": platform.python_version(), "tensorflow": tf.__version__, "keras": keras.__version__,
                         "keras_rs": keras_rs.__version__, "numpy": np.__version__, "pandas": pd.__version__}}
    (RESULTS / "serving_cost.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)}/serving_cost.csv and .json")


if __name__ == "__main__":
    main()
