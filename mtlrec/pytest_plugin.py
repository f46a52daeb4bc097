"""pytest glue: the `--impl DIR` option, the per-exercise tests and the closing progress table.

Each tests/test_exNN_topic.py holds one line, `globals().update(exercise_tests("exNN_topic"))`,
which makes four parametrized tests:
- test_your_exercise[part]: the learner's file (exercises/ or --impl DIR): passed, failed with the
  check's message, or skipped as not attempted;
- test_reference_solution[part]: solutions/ must pass every check. In a learner's run it is checked
  where the learner's part does not pass yet (so a failure is theirs, not the install's) and skipped
  where theirs passes the same checks; with --proofs it is always checked;
- test_mutant_is_rejected[file]: tests/mutants/exNN_topic/<part>__<mistake>.py must fail <part>;
- test_alternative_is_accepted[file]: tests/alternatives/exNN_topic/*.py must pass every part.
The last two are the proofs that the checks tell right from wrong: they run with `pytest --proofs`
(CI does). So do the course's own tests (tests/test_grading.py, test_data.py, ...). A learner's plain
`pytest` deselects all of them and stays quick: it grades their parts and checks the reference.
Every file is graded by mtlrec.grading in a worker process: this process never imports it. Once the
tests are collected, everything they need is handed to a pool of workers (one per core, see
grading.default_workers) and each test waits for its own result, so grading runs in parallel while
pytest reports in order.
"""

from __future__ import annotations

import sys
import time
from concurrent.futures import Future
from pathlib import Path

import pytest

from mtlrec import grading

TESTS = grading.ROOT / "tests"
_your_results: list[grading.Result] = []
_pending: dict[tuple, Future] = {}  # (kind, exercise, part or file) -> the grading's future
SECONDS_KEY = "mtlrec/part_seconds"  # pytest's cache: how long each part took last time (for the order)


def pytest_addoption(parser):
    parser.addoption("--impl", default=None, metavar="DIR",
                     help="grade the exercise modules in DIR instead of exercises/ (e.g. a learner's copy)")
    parser.addoption("--proofs", action="store_true", default=False,
                     help="also prove that the checks reject every mutant and accept every alternative")


def _impl_dir(config) -> Path:
    chosen = config.getoption("--impl")
    if chosen is None:
        return grading.EXERCISES
    path = Path(chosen).resolve()
    if not path.is_dir():
        raise pytest.UsageError(f"--impl {chosen}: no such folder")
    return path


def pytest_configure(config):
    config.addinivalue_line("markers", "exercise(name): tests generated for one exercise")
    if config.getoption("--impl") is not None:
        _impl_dir(config)  # fail early, with a clear message


def exercise_tests(exercise: str) -> dict:
    """The four parametrized tests of one exercise (see the module docstring)."""
    names = grading.parts(exercise)
    mutants = sorted((TESTS / "mutants" / exercise).glob("*.py"))
    alternatives = sorted((TESTS / "alternatives" / exercise).glob("*.py"))

    @pytest.mark.parametrize("part", names)
    def test_reference_solution(part):
        result = _result(("reference", exercise, part),
                         lambda: grading.grade_exercise(exercise, grading.SOLUTIONS, only=[part])[0])
        if result is None:
            pytest.skip(f"your {exercise}.{part} passes the same checks (`pytest --proofs` checks the reference too)")
        if result.status != grading.PASSED:
            pytest.fail(f"the reference solution {exercise}.{part} is {result.status}: {result.message}",
                        pytrace=False)

    @pytest.mark.parametrize("part", names)
    def test_your_exercise(part, request):
        impl = _impl_dir(request.config)
        result = _result(("yours", exercise, part), lambda: grading.grade_exercise(exercise, impl, only=[part])[0])
        _your_results.append(result)
        if result.status == grading.NOT_ATTEMPTED:
            pytest.skip(f"not attempted: {impl.name}/{exercise}.py::{part} ({result.message})")
        if result.status == grading.FAILED:
            pytest.fail(f"{impl.name}/{exercise}.py::{part}\n{result.message}", pytrace=False)

    @pytest.mark.parametrize("mutant", mutants, ids=[m.stem for m in mutants])
    def test_mutant_is_rejected(mutant, request):
        _proofs_only(request)
        part = mutant.stem.split("__")[0]
        assert part in names, f"mutant {mutant.name} must be named <part>__<mistake>.py, parts: {names}"
        result = _result(("mutant", exercise, mutant), lambda: grading.grade_file(exercise, part, mutant))
        assert result.status == grading.FAILED, (
            f"the checks of {exercise}.{part} did not reject the mutant {mutant.name} ({result.status})")
        crashed = result.message.startswith(f"checking {part}() raised") and mutant.name not in result.message
        assert not crashed, (f"the checks of {exercise}.{part} crashed on the mutant {mutant.name} instead of "
                             f"explaining the mistake (nothing in the mutant's file raised): {result.message}")

    @pytest.mark.parametrize("alternative", alternatives, ids=[a.stem for a in alternatives])
    def test_alternative_is_accepted(alternative, request):
        _proofs_only(request)
        results = _result(("alternative", exercise, alternative),
                          lambda: [grading.grade_file(exercise, p, alternative) for p in names])
        rejected = [f"{r.part}: {r.status}: {r.message}" for r in results if r.status != grading.PASSED]
        assert not rejected, f"the correct alternative {alternative.name} was not accepted:\n" + "\n".join(rejected)

    def test_mutants_and_alternatives_exist():
        missing = [p for p in names if not any(m.stem.split("__")[0] == p for m in mutants)]
        assert len(mutants) >= 3, f"{exercise} needs at least three mutants, has {len(mutants)}"
        assert not missing, f"{exercise}: no mutant exercises the parts {missing}"
        assert alternatives, f"{exercise} needs at least one alternative correct answer"

    tests = {
        "test_reference_solution": test_reference_solution,
        "test_your_exercise": test_your_exercise,
        "test_mutant_is_rejected": test_mutant_is_rejected,
        "test_alternative_is_accepted": test_alternative_is_accepted,
        "test_mutants_and_alternatives_exist": test_mutants_and_alternatives_exist,
    }
    for test in tests.values():
        pytest.mark.exercise(exercise)(test)
    return tests


def _result(key: tuple, grade_now):
    """The result prefetched for `key` by the pool, or grade_now() when nothing was prefetched."""
    future = _pending.pop(key, None)
    return future.result() if future is not None else grade_now()


def pytest_collection_modifyitems(session, config, items):
    """Without --proofs leave out the proofs over mutants and alternatives, and, in a plain `pytest`
    (the tests/ folder collected by default), the course's own tests: a learner's run keeps their parts
    and the reference's. Test files named on the command line and notebooks (--nbval) are kept."""
    if config.getoption("--proofs"):
        return
    source = getattr(config, "args_source", None)
    implicit = source is not None and source.name == "TESTPATHS"
    keep, drop = [], []
    for item in items:
        name = getattr(item, "originalname", "")
        exercise_test = item.get_closest_marker("exercise") is not None
        proof = exercise_test and name in ("test_mutant_is_rejected", "test_alternative_is_accepted")
        course_test = (implicit and not exercise_test and TESTS in Path(str(item.path)).parents) or (
            implicit and name == "test_mutants_and_alternatives_exist")
        (drop if proof or course_test else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


_early: dict = {}
_NOT_GRADING = ("--co", "--collect-only", "-h", "--help", "--version", "--fixtures", "--markers", "--nbval",
                "--nbval-lax", "--setup-plan")


def _start_early() -> None:
    """Start the grading workers and their TensorFlow import at once (this module is loaded by `-p`, before
    pytest imports its other plugins and collects): only for what looks like a plain `pytest` (no path among
    the arguments, nothing that grades nothing). A wrong guess costs a background import, never a result."""
    arguments = sys.argv[1:]
    if any(a in _NOT_GRADING for a in arguments) or any(Path(a).exists() for a in arguments if not a.startswith("-")):
        return
    workers = grading.default_workers()
    pool = _early["pool"] = grading.executor(workers)
    for _ in range(workers):
        pool.submit(_quietly, grading.warm_up, grading.exercise_names())


def pytest_sessionstart(session):
    """Keep the early workers only for a plain `pytest` (the tests/ folder collected by default)."""
    config = session.config
    source = getattr(config, "args_source", None)
    plain = not config.option.collectonly and source is not None and source.name == "TESTPATHS"
    if _early and not plain:
        _early.pop("pool").shutdown(wait=False, cancel_futures=True)
        grading.stop_all_workers()
    config.add_cleanup(lambda: _early and (_early.pop("pool").shutdown(cancel_futures=True), grading.stop_all_workers()))


def _quietly(function, *args) -> None:
    try:
        function(*args)
    except Exception:  # a worker that cannot start is reported by the grading that needs it
        pass


def pytest_collection_finish(session):
    """Hand every grading the collected tests need to a pool of workers, in test order."""
    config, wanted = session.config, {}
    if config.option.collectonly:
        return
    proofs = config.getoption("--proofs")
    for item in session.items:
        marker = item.get_closest_marker("exercise")
        params = getattr(getattr(item, "callspec", None), "params", {})
        if marker is None or not params:
            continue
        kind = item.originalname.split("_")[1]  # your, reference, mutant, alternative
        if kind in ("mutant", "alternative") and not proofs:
            continue
        wanted.setdefault(marker.args[0], {}).setdefault(kind, []).append(next(iter(params.values())))
    if not wanted:
        return
    pool = _early.pop("pool", None) or grading.executor()
    impl = _impl_dir(config)
    cache = getattr(config, "cache", None)
    seconds = cache.get(SECONDS_KEY, {}) if cache is not None else {}
    jobs = []  # (expected seconds, job): the longest first, so the workers finish together
    for exercise, kinds in wanted.items():
        jobs += _part_jobs(exercise, impl, kinds.get("your", []), kinds.get("reference", []), proofs, seconds)
    for exercise, kinds in wanted.items():
        for mutant in kinds.get("mutant", []):
            part = mutant.stem.split("__")[0]
            jobs.append((0.0, _job(("mutant", exercise, mutant), grading.grade_file, exercise, part, mutant)))
        for alternative in kinds.get("alternative", []):
            jobs.append((0.0, _job(("alternative", exercise, alternative),
                                   lambda e=exercise, a=alternative: [grading.grade_file(e, p, a) for p in grading.parts(e)])))
    for _, job in sorted(jobs, key=lambda pair: -pair[0]):  # a stable sort: test order among equals
        pool.submit(job)

    def finish():
        pool.shutdown(wait=True, cancel_futures=True)
        grading.stop_all_workers()
        if cache is not None:
            cache.set(SECONDS_KEY, seconds)

    config.add_cleanup(finish)


def _job(key: tuple, function, *args):
    """A callable for the pool that fulfils the future the test `key` will wait for."""
    future = _pending[key] = Future()

    def run():
        try:
            future.set_result(function(*args))
        except BaseException as error:  # surfaces in the test that waits for it
            future.set_exception(error)

    return run


def _part_jobs(exercise, impl, yours, references, proofs, seconds) -> list:
    """One job per part: the learner's answer, then the reference's where it is still needed (always
    with --proofs; otherwise where the learner's part does not pass). A learner's file that ended the
    grading process while being imported fails its other parts with the same message, ungraded."""
    died: dict[str, grading.Result] = {}
    jobs = []
    for part in [p for p in grading.parts(exercise) if p in yours or p in references]:
        mine = Future() if part in yours else None
        theirs = Future() if part in references else None
        if mine is not None:
            _pending["yours", exercise, part] = mine
        if theirs is not None:
            _pending["reference", exercise, part] = theirs

        def job(part=part, mine=mine, theirs=theirs):
            start = time.perf_counter()
            try:
                result = None
                if mine is not None:
                    if "import" in died:
                        result = grading.Result(exercise, part, grading.FAILED, died["import"].message)
                    else:
                        (result,) = grading.grade_exercise(exercise, impl, only=[part])
                        if result.status == grading.FAILED and " while importing " in result.message:
                            died["import"] = result
                    mine.set_result(result)
                if theirs is not None:
                    needed = proofs or result is None or result.status != grading.PASSED
                    theirs.set_result(grading.grade_exercise(exercise, grading.SOLUTIONS, only=[part])[0]
                                      if needed else None)
            except BaseException as error:  # surfaces in the tests that wait for these results
                for future in (mine, theirs):
                    if future is not None and not future.done():
                        future.set_exception(error)
            seconds[f"{exercise}.{part}"] = round(time.perf_counter() - start, 2)

        # expected seconds: the last run's, else a twentieth of the part's time limit (heavier parts have longer ones)
        jobs.append((seconds.get(f"{exercise}.{part}", grading.part_timeout(exercise, part) / 20), job))
    return jobs


def _proofs_only(request) -> None:
    if not request.config.getoption("--proofs"):
        pytest.skip("a proof of the checks: run `pytest --proofs`")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not config.getoption("--proofs"):
        terminalreporter.write_line("(the proofs over mutants and alternatives and the course's own tests run with "
                                    "`pytest --proofs`)")
    if not _your_results:
        return
    impl = _impl_dir(config)
    order = {name: i for i, name in enumerate(grading.exercise_names())}
    results = sorted(_your_results, key=lambda r: (order.get(r.exercise, 99), grading.parts(r.exercise).index(r.part)))
    terminalreporter.section(f"your progress ({impl})")
    terminalreporter.write_line(grading.progress_table(results, messages=False))


_start_early()
