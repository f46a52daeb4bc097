"""pytest glue: the `--impl DIR` option, the per-exercise tests and the closing progress table.

Each tests/test_exNN_topic.py holds one line, `globals().update(exercise_tests("exNN_topic"))`,
which makes four parametrized tests:
- test_reference_solution[part]: solutions/ must pass every check;
- test_your_exercise[part]: the learner's file (exercises/ or --impl DIR): passed, failed with the
  check's message, or skipped as not attempted;
- test_mutant_is_rejected[file]: tests/mutants/exNN_topic/<part>__<mistake>.py must fail <part>;
- test_alternative_is_accepted[file]: tests/alternatives/exNN_topic/*.py must pass every part.
The last two are the proofs that the checks tell right from wrong: they run with `pytest --proofs`
(CI does), and are skipped otherwise so that a learner's `pytest` stays quick.
Every file is graded by mtlrec.grading in a worker process: this process never imports it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mtlrec import grading

TESTS = grading.ROOT / "tests"
_your_results: list[grading.Result] = []


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
        (result,) = grading.grade_exercise(exercise, grading.SOLUTIONS, only=[part])
        if result.status != grading.PASSED:
            pytest.fail(f"the reference solution {exercise}.{part} is {result.status}: {result.message}",
                        pytrace=False)

    @pytest.mark.parametrize("part", names)
    def test_your_exercise(part, request):
        impl = _impl_dir(request.config)
        (result,) = grading.grade_exercise(exercise, impl, only=[part])
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
        result = grading.grade_file(exercise, part, mutant)
        assert result.status == grading.FAILED, (
            f"the checks of {exercise}.{part} did not reject the mutant {mutant.name} ({result.status})")

    @pytest.mark.parametrize("alternative", alternatives, ids=[a.stem for a in alternatives])
    def test_alternative_is_accepted(alternative, request):
        _proofs_only(request)
        results = [grading.grade_file(exercise, p, alternative) for p in names]
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


def _proofs_only(request) -> None:
    if not request.config.getoption("--proofs"):
        pytest.skip("a proof of the checks: run `pytest --proofs`")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not _your_results:
        return
    impl = _impl_dir(config)
    order = {name: i for i, name in enumerate(grading.exercise_names())}
    results = sorted(_your_results, key=lambda r: (order.get(r.exercise, 99), grading.parts(r.exercise).index(r.part)))
    terminalreporter.section(f"your progress ({impl})")
    terminalreporter.write_line(grading.progress_table(results, messages=False))
