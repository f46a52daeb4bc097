"""Measure the speed figures quoted in the README: `python bench/speed.py [--notebooks]`.

Times whole commands as a learner runs them (wall clock, one run each, TensorFlow import included):
the full `pytest`, grading each exercise with `python -m mtlrec.grade`, and with --notebooks each
notebook under `pytest --nbval-lax`. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(command: list[str]) -> tuple[float, int]:
    env = {**os.environ, "MTLREC_USE_REFERENCE": "1"}
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    return time.perf_counter() - start, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", action="store_true", help="also time every notebook")
    args = parser.parse_args()
    from mtlrec.grading import exercise_names

    python = sys.executable
    rows = [("`pytest` (whole suite)", *timed([python, "-m", "pytest", "-q", "-p", "no:cacheprovider"]))]
    for name in exercise_names():
        rows.append((f"`python -m mtlrec.grade --impl solutions {name}`",
                     *timed([python, "-m", "mtlrec.grade", "--impl", "solutions", name])))
    if args.notebooks:
        for notebook in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
            rows.append((f"`pytest --nbval-lax notebooks/{notebook.name}`",
                         *timed([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
                                 f"notebooks/{notebook.name}"])))
    print(f"{os.cpu_count()} CPU cores, Python {sys.version.split()[0]}\n")
    print("| command | seconds | exit |\n|---|---:|---:|")
    for label, seconds, code in rows:
        print(f"| {label} | {seconds:.1f} | {code} |")


if __name__ == "__main__":
    main()
