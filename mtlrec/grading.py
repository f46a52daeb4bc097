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

Learner code never runs in the calling process: `grade_file` and `grade_exercise` hand each part to
a worker process (`python -m mtlrec.worker`, TensorFlow imported once and kept) and read its answer
from a private pipe. A worker that exits, is killed, crashes or hangs fails that part with a message
saying what happened and where; the next part gets a fresh worker. The in-process functions below
(`load_module`, `check_in_process`) are what the worker runs.
"""

from __future__ import annotations

import ast
import atexit
import collections
import contextlib
import hashlib
import json
import queue
import subprocess
import importlib
import importlib.util
import io
import os
import signal
import sys
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
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
    """All exercises that have a checks module, in course order (read from the folder: importing
    mtlrec.checks would import numpy, which the grading parent does not need)."""
    return sorted(path.stem for path in (Path(__file__).parent / "checks").glob("ex*.py"))


def checks_module(exercise: str):
    """The checks module of an exercise (ValueError for an unknown name). Imports TensorFlow for the
    Keras exercises: only the worker process calls it."""
    _known(exercise)
    return importlib.import_module(f"mtlrec.checks.{exercise}")


def _known(exercise: str) -> None:
    if exercise not in exercise_names():
        raise ValueError(f"unknown exercise {exercise!r}; known: {', '.join(exercise_names())}")


def _literal_dicts(exercise: str) -> dict[str, dict]:
    """PARTS (names only) and TIMEOUTS read from the checks module's source, without importing it,
    so the grading parent never imports TensorFlow or the learner's code."""
    _known(exercise)
    source = (Path(__file__).parent / "checks" / f"{exercise}.py").read_text(encoding="utf-8")
    found: dict[str, dict] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name in ("PARTS", "TIMEOUTS") and isinstance(node.value, ast.Dict):
                keys = [ast.literal_eval(key) for key in node.value.keys]
                values = node.value.values if name == "TIMEOUTS" else [None] * len(keys)
                found[name] = {k: (ast.literal_eval(v) if v is not None else None) for k, v in zip(keys, values)}
    if "PARTS" not in found:
        raise ValueError(f"mtlrec/checks/{exercise}.py needs a literal PARTS = {{'part': check, ...}}")
    return found


def parts(exercise: str) -> list[str]:
    """The public functions a learner fills in, in the stub's order."""
    return list(_literal_dicts(exercise)["PARTS"])


def part_timeout(exercise: str, part: str) -> float:
    return float(_literal_dicts(exercise).get("TIMEOUTS", {}).get(part, DEFAULT_TIMEOUT))


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


def load_module(path: Path, *, fresh: bool = False, import_timeout: float | None = None):
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
    import_timeout = IMPORT_TIMEOUT if import_timeout is None else import_timeout
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            run_with_timeout(lambda: spec.loader.exec_module(module), import_timeout)
    except PartTimeout:
        raise ImportFailure(f"importing {path.name} did not finish within {import_timeout:.0f} s "
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
def check_in_process(exercise: str, part: str, module, *, path: Path | None = None,
                     timeout: float | None = None) -> Result:
    """Run one part's check against an imported module and classify the outcome (the worker's job)."""
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


# ------------------------------------------------------------------------------ the worker process
WORKER_START_TIMEOUT = 180.0  # seconds for a new worker to answer its first request (it may import TensorFlow)
GRACE = 15.0  # seconds the parent waits beyond a worker's own time limit before stopping it
_SIGNAL_CAUSES = {"SIGKILL": " (the system sends SIGKILL when memory runs out)",
                  "SIGSEGV": " (a crash in native code: a segmentation fault)",
                  "SIGABRT": " (a native library aborted)"}


class _Worker:
    """One `python -m mtlrec.worker` process; requests and answers are JSON lines on private pipes."""

    def __init__(self):
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in [env.get("PYTHONPATH")] if p])
        env.setdefault("PYTHONIOENCODING", "utf-8")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mtlrec.worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=env)
        self.fresh = True
        self.answers: queue.Queue = queue.Queue()
        self.stderr_tail: collections.deque = collections.deque(maxlen=12)
        threading.Thread(target=self._read_answers, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_answers(self):
        for line in self.process.stdout:
            with contextlib.suppress(ValueError):
                self.answers.put(json.loads(line))
        self.answers.put(None)  # end of output: the worker is gone

    def _read_stderr(self):
        for line in self.process.stderr:
            text = line.decode("utf-8", "replace").rstrip()
            if text:
                self.stderr_tail.append(text)

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self):
        with contextlib.suppress(OSError):
            self.process.kill()
        with contextlib.suppress(Exception):
            self.process.wait(10)

    def request(self, payload: dict, time_limit: float) -> tuple[dict | None, str]:
        """Send one request; return (answer, "") or (None, what happened while doing what)."""
        try:
            self.process.stdin.write((json.dumps(payload) + "\n").encode())
            self.process.stdin.flush()
        except OSError:
            return None, self._death("starting")
        doing = "starting"
        limit = WORKER_START_TIMEOUT if self.fresh else IMPORT_TIMEOUT + GRACE
        deadline = time.monotonic() + limit
        while True:
            try:
                answer = self.answers.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self.stop()
                return None, (f"the grading process stopped answering while {doing} and was ended after "
                              f"{limit:.0f} s (an endless loop that ignores the time limit?)")
            if answer is None:
                return None, self._death(doing)
            self.fresh = False
            if "doing" in answer:  # progress: "importing ex00_warmup.py", "running scale_ratings()"
                doing = answer["doing"]
                limit = (IMPORT_TIMEOUT if doing.startswith("importing") else time_limit) + GRACE
                deadline = time.monotonic() + limit
                continue
            return answer, ""

    def _death(self, doing: str) -> str:
        try:
            code = self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.stop()
            code = self.process.returncode
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = str(-code)
            how, cause = f"was killed by signal {name}", _SIGNAL_CAUSES.get(name, "")
        else:
            how, cause = f"exited with status {code}", " (os._exit() or a native crash ends the whole process)"
        last = f"; its last error output: {self.stderr_tail[-1]}" if self.stderr_tail else ""
        return f"the grading process {how} while {doing}{cause}{last}"


_local = threading.local()  # each thread grades with its own worker process (see `executor`)
_all_workers: list[_Worker] = []
_registry_lock = threading.Lock()


def _current_worker() -> _Worker:
    worker = getattr(_local, "worker", None)
    if worker is None or not worker.alive():
        worker = _local.worker = _Worker()
        with _registry_lock:
            _all_workers.append(worker)
    return worker


@atexit.register
def stop_all_workers() -> None:
    """End every worker process of every thread (at exit, or when a pool of graders is done): killed at
    once, as a worker holds no state worth a graceful exit (TensorFlow's teardown takes a second or two)."""
    with _registry_lock:
        workers, _all_workers[:] = list(_all_workers), []
    for worker in workers:
        worker.stop()
    _local.worker = None


def default_workers() -> int:
    """How many parts to grade at once: $MTLREC_WORKERS, else one per CPU core, at most 4 (each
    worker holds its own TensorFlow, about 0.5 GB)."""
    chosen = os.environ.get("MTLREC_WORKERS", "").strip()
    if chosen.isdigit() and int(chosen) > 0:
        return int(chosen)
    return max(1, min(4, os.cpu_count() or 1))


def executor(workers: int | None = None) -> ThreadPoolExecutor:
    """A thread pool for grading in parallel: grade_file and grade_exercise called in one of its
    threads use that thread's own worker process. Call stop_all_workers() when done."""
    return ThreadPoolExecutor(max_workers=workers or default_workers(), thread_name_prefix="grader")


def _grade_in_worker(exercise: str, part: str, path: Path, timeout: float | None,
                     fresh: bool) -> tuple[Result, bool]:
    """(result, True when the worker died while importing the learner's file)."""
    seconds = part_timeout(exercise, part) if timeout is None else float(timeout)
    payload = {"exercise": exercise, "part": part, "path": str(path), "timeout": seconds, "fresh": fresh,
               "import_timeout": IMPORT_TIMEOUT}
    start = time.perf_counter()
    worker = _current_worker()
    answer, death = worker.request(payload, seconds)
    if answer is not None:
        return Result(**answer), False
    if worker.alive():
        worker.stop()
    result = Result(exercise, part, FAILED, death, round(time.perf_counter() - start, 3))
    return result, "while importing" in death


def warm_up(exercises) -> bool:
    """Make sure this thread has a live worker that has imported the checks of `exercises` (TensorFlow
    with them), so that the next grade pays no import; True when a new worker had to be started."""
    current = getattr(_local, "worker", None)
    started = current is None or not current.alive()
    answer, death = _current_worker().request({"warm": list(exercises)}, WORKER_START_TIMEOUT)
    if answer is None:
        raise RuntimeError(death)
    return started


def grade_file(exercise: str, part: str, path, *, timeout: float | None = None, fresh: bool = False) -> Result:
    """Grade one part as implemented in the file at `path`, in a worker process."""
    path = Path(path).resolve()
    if not path.is_file():
        return Result(exercise, part, NOT_ATTEMPTED, f"no file {path.name} in {path.parent}")
    return _grade_in_worker(exercise, part, path, timeout, fresh)[0]


def grade_exercise(exercise: str, impl_dir=EXERCISES, *, only: list[str] | None = None,
                   fresh: bool = False, time_left=None) -> list[Result]:
    """Grade every part (or those in `only`) of `exercise` as found in `impl_dir`, in a worker process.

    A worker that dies while importing the file fails every remaining part with the same message.
    time_left: a function returning the seconds left of a budget shared by several calls (class
    grading gives each learner one); a part gets at most that long, and none is started once it is spent.
    """
    names = parts(exercise) if only is None else only
    path = module_path(exercise, impl_dir)
    if not path.is_file():
        return [Result(exercise, p, NOT_ATTEMPTED, f"no file {path.name} in {Path(impl_dir)}") for p in names]
    results: list[Result] = []
    for index, part in enumerate(names):
        timeout = None
        if time_left is not None:
            left = time_left()
            if left <= 0:
                results += [Result(exercise, p, FAILED, "not graded: the time limit for this folder was used up "
                                   "by the parts graded before it") for p in names[index:]]
                break
            timeout = min(part_timeout(exercise, part), left)
        result, died_importing = _grade_in_worker(exercise, part, path, timeout, fresh and index == 0)
        results.append(result)
        if died_importing:
            results += [Result(exercise, p, FAILED, result.message) for p in names[index + 1:]]
            break
    return results


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
