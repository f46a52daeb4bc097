"""Measure the speed figures quoted in the README: `python bench/speed.py [--before DIR] [--notebooks]`.

Times whole commands as a learner runs them (wall clock, best of `--repeats` runs, TensorFlow import
included) and prints one Markdown table:
- importing TensorFlow alone (the floor of every Keras grade);
- `pytest` (what a learner runs) and `pytest --proofs` (mutants and alternatives; CI runs it);
- grading each exercise and all exercises with `python -m mtlrec.grade` (the learner's code runs in a
  worker process), and the same parts checked in one process without a worker (what isolation costs);
- with `--before DIR` (an older checkout, e.g. `git worktree add ../before <commit>`), its grading
  commands beside these, on the same machine in the same run;
- with `--notebooks`, every notebook under `pytest --nbval-lax`.
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

# all parts of the given exercises checked in this one process, no worker: the cost isolation adds to
IN_PROCESS = """
import sys
from mtlrec import grading
for exercise in sys.argv[1:]:
    path = grading.module_path(exercise, grading.SOLUTIONS)
    module = grading.load_module(path)
    for part in grading.parts(exercise):
        assert grading.check_in_process(exercise, part, module, path=path).status == "passed"
"""


def _children_cpu() -> float:
    """CPU seconds (user + system) used so far by finished child processes (0 where unknown)."""
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], cwd: Path, repeats: int) -> tuple[float, int, float]:
    """Best wall-clock seconds of `repeats` runs, the last exit status, and the best CPU seconds
    (the command and every process it started: on a busy machine CPU time is the steadier figure)."""
    env = {**os.environ, "MTLREC_USE_REFERENCE": "1", "PYTHONPATH": str(cwd)}
    best, code, best_cpu = float("inf"), 0, float("inf")
    for _ in range(repeats):
        start, cpu = time.perf_counter(), _children_cpu()
        code = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True).returncode
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, _children_cpu() - cpu)
    return best, code, best_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="an older checkout to time beside this one")
    parser.add_argument("--repeats", type=int, default=1, help="runs per command; the best is shown")
    parser.add_argument("--notebooks", action="store_true", help="also time every notebook")
    parser.add_argument("--no-pytest", action="store_true", help="skip the two pytest runs")
    args = parser.parse_args()
    from mtlrec.grading import exercise_names

    python, names = sys.executable, exercise_names()
    rows: list[tuple[str, str, int, str]] = []

    def add(label, command, *, before_command=None):
        seconds, code, cpu = timed(command, ROOT, args.repeats)
        earlier = ""
        if args.before is not None and before_command is not None:
            old_seconds, old_code, old_cpu = timed(before_command, args.before, args.repeats)
            earlier = (f"{old_seconds:.1f} / {old_cpu:.1f} (exit {old_code}) | "
                       f"{seconds / old_seconds:.2f}x / {cpu / old_cpu:.2f}x")
        rows.append((label, f"{seconds:.1f} / {cpu:.1f}", code, earlier))

    add("`python -c 'import tensorflow'`", [python, "-c", "import tensorflow"])
    if not args.no_pytest:
        add("`pytest` (a learner's run)", [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"])
        add("`pytest --proofs` (CI)", [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--proofs"])
    grade = [python, "-m", "mtlrec.grade", "--impl", "solutions"]
    for name in names:
        add(f"`python -m mtlrec.grade --impl solutions {name}`", grade + [name], before_command=grade + [name])
    add("`python -m mtlrec.grade --impl solutions` (all exercises)", grade, before_command=grade)
    add("the same, checked in one process without a worker", [python, "-c", IN_PROCESS, *names])
    if args.notebooks:
        for notebook in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
            add(f"`pytest --nbval-lax notebooks/{notebook.name}`",
                [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax", f"notebooks/{notebook.name}"])

    load = f", load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    print(f"{os.cpu_count()} CPU cores, Python {sys.version.split()[0]}, best of {args.repeats} run(s){load}; "
          "seconds are wall clock / CPU\n")
    if args.before is not None:
        print(f"before: {args.before}\n")
        print("| command | seconds | exit | before | now / before |\n|---|---:|---:|---:|---:|")
        for label, seconds, code, earlier in rows:
            old = earlier.split(" | ") if earlier else ["", ""]
            print(f"| {label} | {seconds} | {code} | {old[0]} | {old[1]} |")
    else:
        print("| command | seconds | exit |\n|---|---:|---:|")
        for label, seconds, code, _ in rows:
            print(f"| {label} | {seconds} | {code} |")


if __name__ == "__main__":
    main()
