"""The grading engine shared by pytest, the notebooks' check cells and `python -m mtlrec.grade`.

An exercise `exNN_topic` has a checks module `mtlrec/checks/exNN_topic.py` holding
`PARTS = {"function_name": check_function, ...}` (in the stub's order) and optionally
`TIMEOUTS = {"function_name": seconds}`. A check function takes the implementation module and
raises AssertionError with a message for the learner.

Each part ends in one of three states:
- "not attempted": the function is missing, or raises NotImplementedError from the learner's file;
- "failed": the check's AssertionError, or anything the learner's code did (an exception at import
  or call time, a wrong type, NaN, a time-out), with a message that says what happened;
- "passed".
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.util
import io
import os
import pkgutil
import signal
import sys
import threading
import time
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
DEFAULT_TIMEOUT = 60.0  # seconds for one part, unless the checks module says otherwise
IMPORT_TIMEOUT = 60.0  # seconds for importing a learner's module (it may import TensorFlow)

PASSED, FAILED, NOT_ATTEMPTED = "passed", "failed", "not attempted"


@dataclass
class Result:
    """The outcome of grading one exercise part."""

    exercise: str
    part: str
    status: str
    message: str = ""
    seconds: float = 0.0

    def as_json(self) -> dict:
        """The four keys of `python -m mtlrec.grade --json`."""
        data = asdict(self)
        data.pop("seconds")
        return data


class PartTimeout(BaseException):
    """Raised inside a part that ran past its time limit (a BaseException, so `except Exception` in
    learner code does not swallow it)."""


# ------------------------------------------------------------------------------ the exercises
def exercise_names() -> list[str]:
    """All exercises that have a checks module, in course order."""
    import mtlrec.checks

    return sorted(
        info.name for info in pkgutil.iter_modules(mtlrec.checks.__path__) if info.name[:2] == "ex"
    )


def checks_module(exercise: str):
    """The checks module of an exercise (ValueError for an unknown name)."""
    if exercise not in exercise_names():
        raise ValueError(f"unknown exercise {exercise!r}; known: {', '.join(exercise_names())}")
    return importlib.import_module(f"mtlrec.checks.{exercise}")


def parts(exercise: str) -> list[str]:
    """The public functions a learner fills in, in the stub's order."""
    return list(checks_module(exercise).PARTS)


def part_timeout(exercise: str, part: str) -> float:
    return float(getattr(checks_module(exercise), "TIMEOUTS", {}).get(part, DEFAULT_TIMEOUT))


# ------------------------------------------------------------------------------ running safely
def run_with_timeout(function, seconds: float):
    """Call function(); raise PartTimeout after `seconds`.

    In the main thread of a POSIX process an interval timer interrupts the call itself; elsewhere
    (Windows, a worker thread) the call runs in a daemon thread that is abandoned on time-out.
    """
    if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
        def on_alarm(signum, frame):
            raise PartTimeout()

        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return function()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    outcome: dict = {}

    def target():
        try:
            outcome["value"] = function()
        except BaseException as error:  # handed back to the caller's thread
            outcome["error"] = error

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise PartTimeout()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def _where_in(error: BaseException, path: Path | None) -> str:
    """' (your file, line N: code)' for the innermost frame of the traceback inside `path`."""
    if path is None:
        return ""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if Path(f.filename) == path]
    if not frames:
        return ""
    frame = frames[-1]
    return f" ({path.name}, line {frame.lineno}, in {frame.name}: {frame.line})"


def _raised_by_stub(error: BaseException, path: Path | None) -> bool:
    """True when a NotImplementedError was raised by the learner's own file (an untouched stub)."""
    if not isinstance(error, NotImplementedError) or path is None:
        return False
    frames = traceback.extract_tb(error.__traceback__)
    return bool(frames) and Path(frames[-1].filename) == path


def _describe(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


# ------------------------------------------------------------------------------ loading modules
class ImportFailure(Exception):
    """A learner's module could not be imported; the message says why."""


_module_cache: dict[tuple[str, float], object] = {}


def module_path(exercise: str, impl_dir) -> Path:
    return Path(impl_dir).resolve() / f"{exercise}.py"


def load_module(path: Path, *, fresh: bool = False):
    """Import a module from a file under a private name (no clash with `solutions.*`).

    Cached by path and modification time, so an edited file is re-read; `fresh` forces a re-read.
    Raises FileNotFoundError when the file is missing and ImportFailure when importing it fails.
    """
    path = Path(path).resolve()
    if not path.is_file():
        raise FileNotFoundError(path)
    key = (str(path), path.stat().st_mtime)
    if not fresh and key in _module_cache:
        return _module_cache[key]
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:10]
    name = f"_mtlrec_impl_{digest}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            run_with_timeout(lambda: spec.loader.exec_module(module), IMPORT_TIMEOUT)
    except PartTimeout:
        raise ImportFailure(f"importing {path.name} did not finish within {IMPORT_TIMEOUT:.0f} s "
                            "(an endless loop or a long computation at module level?)") from None
    except SyntaxError as error:
        raise ImportFailure(f"{path.name} does not parse: line {error.lineno}: {error.msg}") from None
    except KeyboardInterrupt:
        raise
    except BaseException as error:
        raise ImportFailure(f"importing {path.name} raised {_describe(error)}{_where_in(error, path)}") from None
    finally:
        if sys.modules.get(name) is not module:
            sys.modules.pop(name, None)
    _module_cache[key] = module
    return module


# ------------------------------------------------------------------------------ grading
def grade_part(exercise: str, part: str, module, *, path: Path | None = None,
               timeout: float | None = None) -> Result:
    """Run one part's check against an imported module and classify the outcome."""
    check = checks_module(exercise).PARTS[part]
    path = Path(path).resolve() if path is not None else _module_file(module)
    shown = path.name if path is not None else exercise
    if not callable(getattr(module, part, None)):
        return Result(exercise, part, NOT_ATTEMPTED, f"{shown} has no function {part}()")
    seconds = part_timeout(exercise, part) if timeout is None else timeout
    start = time.perf_counter()

    def result(status, message=""):
        return Result(exercise, part, status, message, round(time.perf_counter() - start, 3))

    try:
        with contextlib.redirect_stdout(io.StringIO()):  # a learner's prints must not garble output
            run_with_timeout(lambda: check(module), seconds)
    except PartTimeout:
        return result(FAILED, f"{part}() did not finish within {seconds:.0f} s: an endless loop, or "
                              "far more work than the exercise needs (a huge model or many epochs?)")
    except AssertionError as error:
        return result(FAILED, str(error).strip() or f"{part}() failed a check")
    except KeyboardInterrupt:
        raise
    except BaseException as error:
        if _raised_by_stub(error, path):
            return result(NOT_ATTEMPTED, f"{shown}: {part}() still raises NotImplementedError")
        return result(FAILED, f"checking {part}() raised {_describe(error)}{_where_in(error, path)}")
    return result(PASSED)


def _module_file(module) -> Path | None:
    file = getattr(module, "__file__", None)
    return Path(file).resolve() if file else None


def grade_exercise(exercise: str, impl_dir=EXERCISES, *, only: list[str] | None = None,
                   fresh: bool = False) -> list[Result]:
    """Grade every part (or those in `only`) of `exercise` as found in `impl_dir`."""
    names = parts(exercise) if only is None else only
    path = module_path(exercise, impl_dir)
    try:
        module = load_module(path, fresh=fresh)
    except FileNotFoundError:
        return [Result(exercise, p, NOT_ATTEMPTED, f"no file {path.name} in {Path(impl_dir)}") for p in names]
    except ImportFailure as error:
        return [Result(exercise, p, FAILED, str(error)) for p in names]
    return [grade_part(exercise, p, module, path=path) for p in names]


# ------------------------------------------------------------------------------ the table
def progress_table(results: list[Result], *, messages: bool = True) -> str:
    """A plain-text table, one row per part, then the totals and the failures' messages."""
    marks = {PASSED: "passed", FAILED: "FAILED", NOT_ATTEMPTED: "not attempted"}
    width = max([len(f"{r.exercise}.{r.part}") for r in results] + [12])
    lines = [f"{'exercise part':<{width}}  status", f"{'-' * width}  {'-' * 13}"]
    lines += [f"{r.exercise + '.' + r.part:<{width}}  {marks[r.status]}" for r in results]
    counts = {s: sum(r.status == s for r in results) for s in (PASSED, FAILED, NOT_ATTEMPTED)}
    lines.append(f"{counts[PASSED]} passed, {counts[FAILED]} failed, {counts[NOT_ATTEMPTED]} not attempted")
    if messages:
        for r in results:
            if r.status == FAILED:
                lines.append(f"\n{r.exercise}.{r.part} FAILED:\n{_indent(r.message)}")
    return "\n".join(lines)


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def reference_forced() -> bool:
    """True when the environment asks notebooks to run the reference solutions."""
    from mtlrec import REFERENCE_ENV

    return os.environ.get(REFERENCE_ENV, "").strip().lower() not in ("", "0", "false", "no")
