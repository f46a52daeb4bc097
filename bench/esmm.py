"""ESMM against the naive CVR model, many seeds, four conversion rates: `python bench/esmm.py [--seeds N] [--quick]`.

Notebook 08 trains the naive CVR model (clicked impressions only) and ESMM (all impressions, shared
embeddings) on the funnel of mtlrec.data.make_funnel with 5 seeds at two conversion rates. This script
runs the same code (mtlrec.lessons.esmm.run_seed, the notebook's settings, the reference solutions of
ex08_esmm) with more seeds, at four conversion rates (the sparsity knob: the mean true CVR over all
impressions), and adds ESMM-NS, ESMM without shared embeddings (mtlrec.lessons.esmm.build_esmm_unshared),
to separate what the entire-space loss does from what the shared embeddings do. Every seed draws a new
funnel and new initial weights; the three models of one seed share the funnel, and the conversion rates of
one seed share the impressions and the clicks, so everything is paired by seed.

Writes bench/results/esmm.csv (one row per model, conversion rate and seed) and bench/results/esmm.json
(settings, seeds, versions, seconds), which notebook 08 reads.
--quick: 2 seeds, 2 conversion rates, naive and ESMM, 10,000 impressions, at most 2 epochs; nothing
written (CI's smoke run).
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
CONVERSION_RATES = (0.3, 0.1, 0.03, 0.01)  # mean true CVR over all impressions: 0.01 is the sparsest
QUICK_FUNNEL = dict(num_impressions=10_000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="seeds 0 .. N-1 (default 20)")
    parser.add_argument("--quick", action="store_true", help="2 seeds, 2 rates, 2 models, 2 epochs, nothing written")
    args = parser.parse_args()

    import numpy as np
    import pandas as pd

    import mtlrec  # noqa: F401  (silences TensorFlow before it is imported)
    import keras
    import tensorflow as tf
    from mtlrec.experiments import compare
    from mtlrec.lessons import esmm as lesson
    from solutions import ex08_esmm as reference

    seeds = list(range(2 if args.quick else args.seeds))
    rates = (0.1, 0.03) if args.quick else CONVERSION_RATES
    epochs = 2 if args.quick else lesson.EPOCHS
    funnel = {**lesson.FUNNEL, **(QUICK_FUNNEL if args.quick else {})}
    builders = {"naive": reference.build_naive_cvr, "ESMM": reference.build_esmm}
    if not args.quick:
        builders["ESMM-NS"] = lesson.build_esmm_unshared
    models = lesson.trainers(builders, funnel)
    start = time.perf_counter()
    rows = []
    for rate in rates:
        for seed in seeds:
            rows += lesson.run_seed(models, reference.esmm_targets, seed, epochs=epochs, **funnel,
                                    conversion_rate=rate)
        print(f"conversion rate {rate} done, {time.perf_counter() - start:.0f} s", flush=True)
    frame = pd.DataFrame(rows)
    seconds = time.perf_counter() - start
    columns = ["relative bias, all", "AUC vs truth, all", "relative bias, clicked", "AUC vs truth, clicked"]
    print(frame.groupby(["conversion_rate", "model"])[columns].mean().round(3).to_string())
    if len(seeds) >= 2:
        for rate, part in frame.groupby("conversion_rate"):
            for metric in ("|relative bias|, all", "AUC vs truth, all"):
                print(f"rate {rate}:", compare(part, metric, "ESMM", "naive", higher_is_better="AUC" in metric))
    print(f"{len(frame)} rows in {seconds:.0f} s")
    if args.quick:
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    frame.to_csv(RESULTS / "esmm.csv", index=False, float_format="%.6f")
    settings = {"funnel": funnel, "validation_fraction": lesson.VALIDATION_FRACTION,
                "test_fraction": lesson.TEST_FRACTION, "max_epochs": lesson.EPOCHS, "patience": lesson.PATIENCE,
                "esmm_batch": lesson.ESMM_BATCH, "naive_batch": lesson.NAIVE_BATCH,
                "models": {"naive": "solutions.ex08_esmm.build_naive_cvr", "ESMM": "solutions.ex08_esmm.build_esmm",
                           "ESMM-NS": "mtlrec.lessons.esmm.build_esmm_unshared"}}
    meta = {"command": "python bench/esmm.py --seeds " + str(args.seeds), "seeds": seeds,
            "conversion_rates": list(rates), "settings": settings, "seconds": round(seconds),
            "versions": {"python": platform.python_version(), "tensorflow": tf.__version__,
                         "keras": keras.__version__, "numpy": np.__version__, "pandas": pd.__version__}}
    (RESULTS / "esmm.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)}/esmm.csv and .json")


if __name__ == "__main__":
    main()
