"""`python -m mtlrec.watch [EXERCISE ...] [--impl DIR]`: re-grade an exercise each time its file is saved.

One long-lived grading process keeps TensorFlow imported, so a save is graded in about the time of
the part's own checks. After each grade: the progress table, the first failure's message and how to
get the next hint. Keys (then Enter): h = next hint for the first part not passed yet, g = grade all
again, q = quit. Ctrl-C also quits, with the final table. A syntax error, an exception or a crash in
the learner's file is shown and the watcher goes on (a crashed grading process is replaced).
"""

from __future__ import annotations

import argparse
import queue
import sys
import threading
import time
from pathlib import Path

from mtlrec import grading
from mtlrec.notebook import hints

POLL_SECONDS = 0.2  # how often the files' modification times are looked at


class Watcher:
    """The state of one watch session: files, their last grades and the hints shown."""

    def __init__(self, exercises: list[str], impl: Path, out=sys.stdout):
        self.exercises, self.impl, self.out = exercises, impl, out
        self.results: dict[str, list[grading.Result]] = {}
        self.seen: dict[str, tuple] = {}
        self.hints_shown: dict[tuple[str, str], int] = {}

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def stamp(self, exercise: str) -> tuple:
        path = grading.module_path(exercise, self.impl)
        try:
            info = path.stat()
        except FileNotFoundError:
            return ()
        return (info.st_mtime_ns, info.st_size)

    def grade(self, exercise: str) -> float:
        """Grade one exercise afresh; returns the seconds it took."""
        start = time.perf_counter()
        self.seen[exercise] = self.stamp(exercise)
        self.results[exercise] = grading.grade_exercise(exercise, self.impl, fresh=True)
        return time.perf_counter() - start

    def changed(self) -> list[str]:
        return [e for e in self.exercises if self.stamp(e) != self.seen.get(e)]

    def all_results(self) -> list[grading.Result]:
        return [r for e in self.exercises for r in self.results.get(e, [])]

    def report(self) -> None:
        """The table, the first failure's message, and what to do next."""
        results = self.all_results()
        self.say(grading.progress_table(results, messages=False))
        failed = [r for r in results if r.status == grading.FAILED]
        if failed:
            self.say(f"\nFirst failure, {failed[0].exercise}.{failed[0].part}:\n{_indent(failed[0].message)}")
        todo = self.next_part()
        if todo is None:
            self.say("\nEvery watched part passes. Well done.")
        else:
            self.say(f"\nNext: {todo[0]}.{todo[1]} (h + Enter: a hint for it; q + Enter or Ctrl-C: quit)")

    def next_part(self) -> tuple[str, str] | None:
        for r in self.all_results():
            if r.status != grading.PASSED:
                return r.exercise, r.part
        return None

    def hint(self) -> None:
        todo = self.next_part()
        if todo is None:
            self.say("Every watched part passes: no hint needed.")
            return
        items = hints(*todo)
        if not items:
            self.say(f"{todo[0]}.{todo[1]} has no hints; its docstring says what to build.")
            return
        shown = min(self.hints_shown.get(todo, 0) + 1, len(items))
        self.hints_shown[todo] = shown
        last = " (the last one; solutions/ has the reference answer)" if shown == len(items) else ""
        self.say(f"Hint {shown}/{len(items)} for {todo[1]}{last}: {items[shown - 1]}")


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def _keys(lines: queue.Queue) -> None:
    """Read the learner's commands from standard input (a thread; ends at end of input)."""
    for line in sys.stdin:
        lines.put(line.strip().lower())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mtlrec.watch", description=__doc__.splitlines()[0])
    parser.add_argument("exercises", nargs="*", metavar="EXERCISE", help="exercise names (default: all)")
    parser.add_argument("--impl", default=str(grading.EXERCISES), metavar="DIR",
                        help="folder holding the files to watch (default: exercises/)")
    args = parser.parse_args(argv)
    known = grading.exercise_names()
    unknown = [name for name in args.exercises if name not in known]
    if unknown:
        parser.exit(2, f"mtlrec.watch: unknown exercise {', '.join(unknown)}; known: {', '.join(known)}\n")
    impl = Path(args.impl).resolve()
    if not impl.is_dir():
        parser.exit(2, f"mtlrec.watch: --impl {args.impl}: no such folder\n")

    watcher = Watcher(args.exercises or known, impl)
    commands: queue.Queue = queue.Queue()
    threading.Thread(target=_keys, args=(commands,), daemon=True).start()
    try:
        watcher.say(f"Watching {len(watcher.exercises)} exercise file(s) in {impl}; loading TensorFlow once ...")
        grading.warm_up(watcher.exercises)
        for exercise in watcher.exercises:
            watcher.grade(exercise)
        watcher.report()
        while True:
            for exercise in watcher.changed():
                time.sleep(0.05)  # let the editor finish writing
                stamp = watcher.stamp(exercise)
                saved = stamp[0] / 1e9 if stamp else time.time()
                seconds = watcher.grade(exercise)
                watcher.say(f"\n=== {exercise}.py saved: graded in {seconds:.2f} s "
                            f"({time.time() - saved:.2f} s after the save) ===")
                watcher.report()
                if grading.warm_up(watcher.exercises):  # the learner's code ended the grading process
                    watcher.say("(the grading process had ended; a new one is ready)")
            try:
                command = commands.get(timeout=POLL_SECONDS)
            except queue.Empty:
                continue
            if command in ("q", "quit", "exit"):
                break
            if command == "h":
                watcher.hint()
            elif command == "g":
                for exercise in watcher.exercises:
                    watcher.grade(exercise)
                watcher.report()
            elif command:
                watcher.say(f"Unknown key {command!r}: h = hint, g = grade all again, q = quit.")
    except KeyboardInterrupt:
        pass
    finally:
        grading.stop_all_workers()
    watcher.say("\nFinal table:")
    watcher.say(grading.progress_table(watcher.all_results(), messages=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
