"""`python -m mtlrec.grade [--impl DIR] [--json] [EXERCISE ...]`: grade without pytest's noise.

Exit status: 0 when no attempted part failed, 1 when one did, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mtlrec import grading


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # exit 2 with one clear line, not a usage dump
        self.exit(2, f"mtlrec.grade: {message}\nRun `python -m mtlrec.grade --help` for usage.\n")


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="python -m mtlrec.grade", description=__doc__.splitlines()[0])
    parser.add_argument("exercises", nargs="*", metavar="EXERCISE",
                        help="exercise names such as ex00_warmup (default: all)")
    parser.add_argument("--impl", default=str(grading.EXERCISES), metavar="DIR",
                        help="folder holding the modules to grade (default: exercises/)")
    parser.add_argument("--json", action="store_true", help="print machine-readable results")
    args = parser.parse_args(argv)

    known = grading.exercise_names()
    unknown = [name for name in args.exercises if name not in known]
    if unknown:
        parser.error(f"unknown exercise {', '.join(unknown)}; known: {', '.join(known)}")
    impl = Path(args.impl)
    if not impl.is_dir():
        parser.error(f"--impl {args.impl}: no such folder")

    results = []
    for exercise in args.exercises or known:
        results += grading.grade_exercise(exercise, impl)
    if args.json:
        print(json.dumps({"results": [r.as_json() for r in results]}, ensure_ascii=False, indent=1))
    else:
        print(f"Grading {impl}\n")
        print(grading.progress_table(results))
    return 1 if any(r.status == grading.FAILED for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
