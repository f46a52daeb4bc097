"""Offline vs online and fusion, many seeds: `python bench/online.py [--seeds N] [--quick]`.

Notebook 12 runs two experiments live on 5 seeds whose online effects are too small for 5 seeds to settle:
- offline vs online (mtlrec.lessons.online.position_seed): a log written by a popularity ranker with position
  bias; click models trained on it plain, with the logged position as a feature, and with a leaked feature;
  their offline AUC on held-out logged impressions and their online clicks per visit (the truth);
- fusion (mtlrec.lessons.online.fusion_seed): click, conversion and rating heads fused by product or weighted
  sum, weights tuned on validation visits for a business value; the conversion head also trained on
  downsampled negatives and used without and with the correction.
This script runs the same code (the notebook's settings, the reference solutions of ex12_online) with more
seeds. Every seed draws a new world, new logs and new initial weights; the models of one seed share them,
so everything is paired by seed. numpy only (no TensorFlow).

Writes bench/results/online.csv (one row per experiment, model and seed) and bench/results/online.json
(settings, seeds, versions, seconds), which notebook 12 reads.
--quick: 2 seeds, nothing written (CI's smoke run).
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="seeds 0 .. N-1 (default 20)")
    parser.add_argument("--quick", action="store_true", help="2 seeds, nothing written")
    args = parser.parse_args()

    import numpy as np
    import pandas as pd

    from mtlrec.experiments import compare
    from mtlrec.lessons import online as lesson
    from solutions import ex12_online as reference

    seeds = list(range(2 if args.quick else args.seeds))
    start = time.perf_counter()
    rows = []
    for seed in seeds:
        rows += [{"experiment": "offline vs online", **row} for row in lesson.position_seed(seed, reference.auc)]
        rows += [{"experiment": "fusion", **row} for row in lesson.fusion_seed(seed, reference.fuse_scores)]
        print(f"seed {seed} done, {time.perf_counter() - start:.0f} s", flush=True)
    frame = pd.DataFrame(rows)
    seconds = time.perf_counter() - start
    position = frame[frame.experiment == "offline vs online"]
    fusion = frame[frame.experiment == "fusion"]
    print(position.groupby("model", sort=False)[["offline AUC", "online clicks per visit"]].mean().round(4).to_string())
    print(fusion.groupby("model", sort=False)[["clicks", "conversions", "rating", "value"]].mean().round(4).to_string())
    for model in ("position feature", "leaked item rate"):
        for metric in ("offline AUC", "online clicks per visit"):
            print(compare(position, metric, model, "plain"))
    for candidate, baseline in (("product, tuned", "click only"), ("product, tuned", "product 1/1/1"),
                                ("sum, tuned", "product, tuned"),
                                ("sum, tuned, downsampled CVR, corrected", "sum, tuned, downsampled CVR"),
                                ("product, tuned, downsampled CVR, corrected", "product, tuned, downsampled CVR")):
        print(compare(fusion, "value", candidate, baseline))
    print(f"{len(frame)} rows in {seconds:.0f} s")
    if args.quick:
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    frame.to_csv(RESULTS / "online.csv", index=False, float_format="%.6f")
    settings = {"feed": lesson.FEED, "num_impressions": lesson.NUM_IMPRESSIONS, "slate": lesson.SLATE,
                "candidates": lesson.CANDIDATES, "fusion_values": lesson.FUSION_VALUES,
                "product_grid": lesson.PRODUCT_GRID, "sum_grid": lesson.SUM_GRID, "l2": lesson.L2,
                "functions": ["mtlrec.lessons.online.position_seed", "mtlrec.lessons.online.fusion_seed"],
                "reference": "solutions.ex12_online"}
    meta = {"command": "python bench/online.py --seeds " + str(args.seeds), "seeds": seeds, "settings": settings,
            "seconds": round(seconds),
            "versions": {"python": platform.python_version(), "numpy": np.__version__, "pandas": pd.__version__}}
    (RESULTS / "online.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)}/online.csv and .json")


if __name__ == "__main__":
    main()
