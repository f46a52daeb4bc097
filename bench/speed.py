"""Measure the speed figures quoted in the README: `python bench/speed.py [--before DIR] [--notebooks]`.

Times whole commands as a learner runs them (wall clock, best of `--repeats` runs, TensorFlow import
included) and prints one Markdown table:
- importing TensorFlow alone (the floor of every Keras grade);
- `pytest` as a learner runs it on a fresh clone (`git clone` of HEAD into a temporary folder), once with
  every stub untouched and once with every stub filled in (the reference copied into exercises/), and
  `pytest --proofs` (mutants, alternatives and the course's own tests; CI runs it);
- `python -m mtlrec.watch`: the seconds from saving a file to its printed grade, beside the same
  parts' checks timed inside one warm process (what the watcher cannot avoid);
- grading each exercise and all exercises with `python -m mtlrec.grade` (the learner's code runs in a
  worker process), and the same parts checked in one process without a worker (what isolation costs);
- with `--before DIR` (an older checkout, e.g. `git worktree add ../before <commit>`), its grading
  commands beside these, on the same machine in the same run;
- with `--notebooks`, every notebook under `pytest --nbval-lax`.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
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


# the checks of one exercise timed in this warm process (TensorFlow already imported): seconds as JSON
CHECKS_ONLY = """
import json, sys, time
from mtlrec import grading
exercise = sys.argv[1]
path = grading.module_path(exercise, grading.SOLUTIONS)
module = grading.load_module(path)
grading.checks_module(exercise)
import keras  # imported by the checks of Keras exercises anyway
start = time.perf_counter()
for part in grading.parts(exercise):
    assert grading.check_in_process(exercise, part, module, path=path).status == "passed"
print(json.dumps(time.perf_counter() - start))
"""


def checks_seconds(exercise: str) -> float:
    """Seconds the exercise's checks take on the reference in one warm process."""
    done = subprocess.run([sys.executable, "-c", CHECKS_ONLY, exercise], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    return float(done.stdout.strip().splitlines()[-1])


def watch_seconds(exercise: str) -> float:
    """Seconds from saving the reference over a stub to the watcher's printed grade."""
    folder = Path(tempfile.mkdtemp(prefix="mtlrec-watch-"))
    shutil.copy(ROOT / "exercises" / f"{exercise}.py", folder)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "-m", "mtlrec.watch", exercise, "--impl", str(folder)], cwd=ROOT,
                               env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()

    def wait_for(pattern):
        while True:
            line = lines.get(timeout=300)
            if re.search(pattern, line):
                return line

    try:
        wait_for(r"^Next: ")
        shutil.copy(ROOT / "solutions" / f"{exercise}.py", folder / f"{exercise}.py")
        line = wait_for(r"saved: graded in")
        return float(re.search(r"\(([\d.]+) s after the save\)", line).group(1))
    finally:
        process.kill()
        shutil.rmtree(folder, ignore_errors=True)


def fresh_clone(filled_in: bool) -> Path:
    """A `git clone` of HEAD in a temporary folder; with filled_in, the reference copied over every stub."""
    folder = Path(tempfile.mkdtemp(prefix="mtlrec-clone-")) / "course"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(folder)], check=True)
    if filled_in:
        for solution in (folder / "solutions").glob("ex*.py"):
            shutil.copy(solution, folder / "exercises" / solution.name)
    return folder


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
    env.pop("MTLREC_WORKERS", None)
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
    parser.add_argument("--no-pytest", action="store_true", help="skip the pytest runs")
    parser.add_argument("--no-watch", action="store_true", help="skip the watcher's timings")
    parser.add_argument("--watch", nargs="+", default=["ex00_warmup", "ex04_mmoe", "ex07_multilabel"],
                        metavar="EXERCISE", help="exercises whose save-to-grade time is measured")
    args = parser.parse_args()
    from mtlrec.grading import exercise_names

    python, names = sys.executable, exercise_names()
    rows: list[tuple[str, str, int, str]] = []

    def add(label, command, *, before_command=None, cwd=ROOT):
        seconds, code, cpu = timed(command, cwd, args.repeats)
        earlier = ""
        if args.before is not None and before_command is not None:
            old_seconds, old_code, old_cpu = timed(before_command, args.before, args.repeats)
            earlier = (f"{old_seconds:.1f} / {old_cpu:.1f} (exit {old_code}) | "
                       f"{seconds / old_seconds:.2f}x / {cpu / old_cpu:.2f}x")
        rows.append((label, f"{seconds:.1f} / {cpu:.1f}", code, earlier))

    add("`python -c 'import tensorflow'`", [python, "-c", "import tensorflow"])
    if not args.no_pytest:
        for filled_in, how in ((False, "every stub untouched"), (True, "every stub filled in")):
            clone = fresh_clone(filled_in)
            add(f"`pytest` on a fresh clone, {how} (a learner's run)", [python, "-m", "pytest", "-q"], cwd=clone)
            shutil.rmtree(clone.parent, ignore_errors=True)
        add("`pytest --proofs` (CI)", [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--proofs"])
    if not args.no_watch:
        for exercise in args.watch:
            after_save, checks = watch_seconds(exercise), checks_seconds(exercise)
            rows.append((f"`python -m mtlrec.watch {exercise}`: save to grade / its checks in a warm process",
                         f"{after_save:.2f} / {checks:.2f}", 0, ""))
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
