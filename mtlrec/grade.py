"""`python -m mtlrec.grade [--impl DIR | --class DIR] [--json] [--csv FILE] [EXERCISE ...]`: grade
without pytest's noise.

- default: the learner's exercises/ (or --impl DIR), one progress table;
- --class DIR: every learner's sub-folder of DIR (each holding exercise files under the course's names),
  a learner x exercise table, the most common failures per part (labelled by the mutant that fails
  the same way, when one does), and with --csv FILE one row per learner, exercise and part.
Exercises are graded in parallel (one worker process per core; --workers N). Learner code runs in
worker processes: one learner's crash or endless loop fails that learner's part, never the others.

Exit status: 0 when no attempted part failed, 1 when one did, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import json
import re
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from mtlrec import grading

LEARNER_TIME_LIMIT = 600.0  # seconds of grading per learner in --class (each part also has its own limit)
SAME_MISTAKE = 0.85  # how alike (difflib ratio) a learner's message and a mutant's must be to share a label


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # exit 2 with one clear line, not a usage dump
        self.exit(2, f"mtlrec.grade: {message}\nRun `python -m mtlrec.grade --help` for usage.\n")


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="python -m mtlrec.grade", description=__doc__.splitlines()[0])
    parser.add_argument("exercises", nargs="*", metavar="EXERCISE",
                        help="exercise names such as ex00_warmup (default: all)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--impl", default=str(grading.EXERCISES), metavar="DIR",
                       help="folder holding the modules to grade (default: exercises/)")
    where.add_argument("--class", dest="class_dir", metavar="DIR",
                       help="grade every learner's sub-folder of DIR")
    parser.add_argument("--json", action="store_true", help="print machine-readable results")
    parser.add_argument("--csv", metavar="FILE", help="with --class: write learner, exercise, part, status, message")
    parser.add_argument("--workers", type=int, default=None, metavar="N",
                        help=f"parts graded at once (default: {grading.default_workers()}, one per core)")
    parser.add_argument("--learner-time-limit", type=float, default=LEARNER_TIME_LIMIT, metavar="SECONDS",
                        help=f"with --class: grading time per learner (default {LEARNER_TIME_LIMIT:.0f})")
    parser.add_argument("--no-labels", action="store_true",
                        help="with --class: do not grade the mutants to label the common failures")
    args = parser.parse_args(argv)

    known = grading.exercise_names()
    unknown = [name for name in args.exercises if name not in known]
    if unknown:
        parser.error(f"unknown exercise {', '.join(unknown)}; known: {', '.join(known)}")
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.csv and not args.class_dir:
        parser.error("--csv goes with --class DIR")
    exercises = args.exercises or known
    pool = grading.executor(args.workers)
    try:
        if args.class_dir:
            folder = Path(args.class_dir)
            if not folder.is_dir():
                parser.error(f"--class {args.class_dir}: no such folder")
            return grade_class(folder, exercises, pool, args)
        impl = Path(args.impl)
        if not impl.is_dir():
            parser.error(f"--impl {args.impl}: no such folder")
        results = [r for job in [pool.submit(grading.grade_exercise, e, impl) for e in exercises] for r in job.result()]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        grading.stop_all_workers()
    if args.json:
        print(json.dumps({"results": [r.as_json() for r in results]}, ensure_ascii=False, indent=1))
    else:
        print(f"Grading {impl}\n")
        print(grading.progress_table(results))
    return 1 if any(r.status == grading.FAILED for r in results) else 0


# ------------------------------------------------------------------------------ a class
def learner_folders(folder: Path) -> list[Path]:
    """The sub-folders of `folder` that stand for learners (hidden ones and caches left out)."""
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


class _Budget:
    """Seconds of grading left for one learner, shared by the threads grading their exercises."""

    def __init__(self, seconds: float):
        self.left, self.lock = seconds, threading.Lock()

    def __call__(self) -> float:
        with self.lock:
            return self.left

    def grade(self, exercise: str, folder: Path) -> list[grading.Result]:
        start = time.monotonic()
        try:
            return grading.grade_exercise(exercise, folder, time_left=self)
        finally:
            with self.lock:
                self.left -= time.monotonic() - start


def grade_class(folder: Path, exercises: list[str], pool, args) -> int:
    """Grade every learner's folder; print the table and the common failures; write the CSV."""
    learners = learner_folders(folder)
    if not learners:
        print(f"{folder} has no sub-folders: --class expects one folder per learner, each holding files such as "
              f"{exercises[0]}.py")
        return 2
    empty = [p.name for p in learners if not any((p / f"{e}.py").is_file() for e in exercises)]
    jobs = {}
    for learner in learners:
        budget = _Budget(args.learner_time_limit)
        for exercise in exercises:
            jobs[learner.name, exercise] = pool.submit(budget.grade, exercise, learner)
    results = {key: job.result() for key, job in jobs.items()}
    labels = {} if args.no_labels else mistake_labels(results, pool)

    rows = [(learner, r.exercise, r.part, r.status, r.message) for (learner, _), rs in results.items() for r in rs]
    if args.csv:
        with open(args.csv, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["learner", "exercise", "part", "status", "message"])
            writer.writerows(rows)
    if args.json:
        keys = ("learner", "exercise", "part", "status", "message")
        print(json.dumps({"results": [dict(zip(keys, row)) for row in rows], "no_exercise_files": empty},
                         ensure_ascii=False, indent=1))
    else:
        print(class_table([p.name for p in learners], exercises, results))
        if empty:
            print(f"\nNo exercise files (named like {exercises[0]}.py) in: {', '.join(empty)}")
        print(common_failures(results, labels))
        if args.csv:
            print(f"\nOne row per learner, exercise and part written to {args.csv}")
    failed = any(r.status == grading.FAILED for rs in results.values() for r in rs)
    return 1 if failed or empty else 0


def class_table(learners: list[str], exercises: list[str], results: dict) -> str:
    """Learner x exercise: passed/parts, and how many failed ('F2'); '-' when nothing was attempted."""
    def cell(rs):
        passed = sum(r.status == grading.PASSED for r in rs)
        failed = sum(r.status == grading.FAILED for r in rs)
        if not passed and not failed:
            return "-"
        return f"{passed}/{len(rs)}" + (f" F{failed}" if failed else "")

    short = [e.split("_")[0] for e in exercises]
    width = max(len(n) for n in learners + ["learner"])
    lines = [f"{'learner':<{width}}  " + "  ".join(f"{s:>7}" for s in short) + "   passed",
             f"{'-' * width}  " + "  ".join("-" * 7 for _ in short) + "   ------"]
    for learner in learners:
        rs = [results[learner, e] for e in exercises]
        total = sum(len(r) for r in rs)
        passed = sum(x.status == grading.PASSED for r in rs for x in r)
        lines.append(f"{learner:<{width}}  " + "  ".join(f"{cell(r):>7}" for r in rs) + f"   {passed}/{total}")
    lines.append("(cells: parts passed/parts; F2 = two parts failed; - = nothing attempted)")
    return "\n".join(lines)


def _signature(message: str) -> str:
    """A failure message with its numbers and the learner's file details masked, for comparing."""
    text = re.sub(r"\(\w+\.py, line \d+.*?\)", "", message)
    return re.sub(r"-?\d+(\.\d+)?(e-?\d+)?", "#", text)[:400]


def mistake_labels(results: dict, pool) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """{(exercise, part): [(mutant mistake name, its failure signature)]} for every part some learner
    failed: the mutants of those parts are graded (in parallel) so that a learner's failure can be named
    after the mutant that fails the same way."""
    failing = {(r.exercise, r.part) for rs in results.values() for r in rs if r.status == grading.FAILED}
    jobs = []
    for exercise, part in sorted(failing):
        for mutant in sorted((grading.ROOT / "tests" / "mutants" / exercise).glob(f"{part}__*.py")):
            jobs.append((exercise, part, mutant.stem.split("__", 1)[1],
                         pool.submit(grading.grade_file, exercise, part, mutant)))
    labels: dict = {}
    for exercise, part, mistake, job in jobs:
        result = job.result()
        if result.status == grading.FAILED:
            labels.setdefault((exercise, part), []).append((mistake, _signature(result.message)))
    return labels


def label_of(result: grading.Result, labels: dict) -> str:
    """The mutant mistake a failure looks like, or the failure's first line."""
    signature = _signature(result.message)
    best, score = None, 0.0
    for mistake, known in labels.get((result.exercise, result.part), []):
        ratio = difflib.SequenceMatcher(None, signature, known).ratio()
        if ratio > score:
            best, score = mistake, ratio
    if best is not None and score >= SAME_MISTAKE:
        return f"like the mutant '{best}'"
    first = result.message.strip().splitlines()[0] if result.message.strip() else "failed"
    return f"'{first[:90]}{'...' if len(first) > 90 else ''}'"


def common_failures(results: dict, labels: dict, per_part: int = 3) -> str:
    """Per part that someone failed: how many learners failed it and its most common failures."""
    by_part: dict[tuple[str, str], Counter] = {}
    for rs in results.values():
        for r in rs:
            if r.status == grading.FAILED:
                by_part.setdefault((r.exercise, r.part), Counter())[label_of(r, labels)] += 1
    if not by_part:
        return "\nNo attempted part failed."
    lines = ["\nMost common failures per part:"]
    order = {name: i for i, name in enumerate(grading.exercise_names())}
    for (exercise, part), counts in sorted(by_part.items(),
                                           key=lambda kv: (order[kv[0][0]], grading.parts(kv[0][0]).index(kv[0][1]))):
        lines.append(f"  {exercise}.{part}: {sum(counts.values())} failed")
        lines += [f"    {count} x {label}" for label, count in counts.most_common(per_part)]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
