"""The grading harness: three states, a learner's faults contained, the CLI contract, hints, stubs."""

import json
import subprocess
import sys
import textwrap
import time

import pytest

from mtlrec import grading, notebook, stubs

EXERCISE = "ex00_warmup"  # numpy only, so these tests do not import TensorFlow


def write(folder, source, name=EXERCISE):
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return folder


def statuses(results):
    return {r.part: r.status for r in results}


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "mtlrec.grade", *args], capture_output=True, text=True,
                          cwd=grading.ROOT, timeout=300)


def test_fresh_stubs_are_not_attempted(tmp_path):
    for name in grading.exercise_names():
        write(tmp_path, stubs.make_stub(name), name)
    results = grading.grade_exercise(EXERCISE, tmp_path)
    assert statuses(results) == {"scale_ratings": "not attempted", "multi_hot": "not attempted"}
    assert all("NotImplementedError" in r.message for r in results)


def test_reference_passes_and_missing_function_is_not_attempted(tmp_path):
    assert set(statuses(grading.grade_exercise(EXERCISE, grading.SOLUTIONS)).values()) == {"passed"}
    write(tmp_path, "from solutions.ex00_warmup import scale_ratings\n")
    assert statuses(grading.grade_exercise(EXERCISE, tmp_path)) == {
        "scale_ratings": "passed", "multi_hot": "not attempted"}
    assert statuses(grading.grade_exercise(EXERCISE, tmp_path / "nowhere"))["multi_hot"] == "not attempted"


@pytest.mark.parametrize("source, expected_words", [
    ("def scale_ratings(:\n", ["does not parse", "line 1"]),
    ("raise RuntimeError('boom at import')\n", ["RuntimeError", "boom at import", "line 1"]),
    ("import sys\nsys.exit(3)\n", ["SystemExit"]),
])
def test_a_module_that_fails_to_import_fails_every_part(tmp_path, source, expected_words):
    results = grading.grade_exercise(EXERCISE, write(tmp_path, source), fresh=True)
    assert [r.status for r in results] == ["failed", "failed"]
    for word in expected_words:
        assert word in results[0].message


def test_learner_faults_are_failures_with_clear_messages(tmp_path):
    write(tmp_path, """
        import numpy as np
        def scale_ratings(ratings):
            return [0.0, 0.25]            # wrong type
        def multi_hot(genre_lists, num_genres):
            return {}["missing"]          # raises KeyError
    """)
    results = {r.part: r for r in grading.grade_exercise(EXERCISE, tmp_path, fresh=True)}
    assert results["scale_ratings"].status == "failed"
    assert "expected a numpy array" in results["scale_ratings"].message
    assert results["multi_hot"].status == "failed"
    assert "KeyError" in results["multi_hot"].message and "line 6" in results["multi_hot"].message


def test_nan_and_library_not_implemented_are_failures(tmp_path):
    write(tmp_path / "lib", "def helper():\n    raise NotImplementedError('library gap')\n", name="helper_lib")
    write(tmp_path, f"""
        import sys, numpy as np
        sys.path.insert(0, {str(tmp_path / 'lib')!r})
        from helper_lib import helper
        def scale_ratings(ratings):
            return np.full(np.shape(ratings), np.nan, dtype=np.float32)
        def multi_hot(genre_lists, num_genres):
            return helper()
    """)
    results = {r.part: r for r in grading.grade_exercise(EXERCISE, tmp_path, fresh=True)}
    assert results["scale_ratings"].status == "failed" and "NaN" in results["scale_ratings"].message
    # NotImplementedError from somewhere else than the learner's own file is a failure, not a stub
    assert results["multi_hot"].status == "failed" and "library gap" in results["multi_hot"].message


def test_an_endless_loop_times_out_and_the_next_part_is_still_graded(tmp_path):
    write(tmp_path, """
        from solutions.ex00_warmup import multi_hot
        def scale_ratings(ratings):
            while True:
                try:
                    pass
                except Exception:     # a learner's catch-all must not swallow the time-out
                    pass
    """)
    path = tmp_path / f"{EXERCISE}.py"
    result = grading.grade_file(EXERCISE, "scale_ratings", path, timeout=1)
    assert result.status == "failed" and "did not finish within 1 s" in result.message
    assert grading.grade_file(EXERCISE, "multi_hot", path).status == "passed"


def test_an_endless_loop_at_import_is_contained(tmp_path, monkeypatch):
    monkeypatch.setattr(grading, "IMPORT_TIMEOUT", 1.0)
    results = grading.grade_exercise(EXERCISE, write(tmp_path, "while True:\n    pass\n"), fresh=True)
    assert [r.status for r in results] == ["failed", "failed"]
    assert "importing ex00_warmup.py did not finish within 1 s" in results[0].message


# ------------------------------------------------------------------ faults that end or gag the process
PART_FAULTS = {
    "os._exit(0)": ("import os\nos._exit(0)", "exited with status 0 while running scale_ratings()"),
    "os._exit(3)": ("import os\nos._exit(3)", "exited with status 3 while running scale_ratings()"),
    "SIGKILL": ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", "killed by signal SIGKILL"),
    "segfault": ("import ctypes\nctypes.string_at(0)", "killed by signal SIGSEGV"),
    "abort": ("import os\nos.abort()", "killed by signal SIGABRT"),
    "out of memory": ("bytearray(1 << 60)", "MemoryError"),
}


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("fault", list(PART_FAULTS))
def test_a_part_that_ends_the_process_fails_and_the_next_part_is_graded(tmp_path, fault):
    code, expected = PART_FAULTS[fault]
    body = textwrap.indent(code, " " * 4)
    write(tmp_path, "from solutions.ex00_warmup import multi_hot\n"
                    f"def scale_ratings(ratings):\n{body}\n")
    results = {r.part: r for r in grading.grade_exercise(EXERCISE, tmp_path, fresh=True)}
    assert results["scale_ratings"].status == "failed" and expected in results["scale_ratings"].message
    assert results["multi_hot"].status == "passed"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_a_hang_that_blocks_the_time_limit_is_ended_by_the_parent(tmp_path, monkeypatch):
    monkeypatch.setattr(grading, "GRACE", 2.0)
    write(tmp_path, """
        import signal, time
        from solutions.ex00_warmup import multi_hot
        def scale_ratings(ratings):
            signal.signal(signal.SIGALRM, signal.SIG_IGN)   # the worker's own time limit is ignored
            time.sleep(600)
    """)
    started = time.perf_counter()
    result = grading.grade_file(EXERCISE, "scale_ratings", tmp_path / f"{EXERCISE}.py", timeout=1)
    assert result.status == "failed" and "stopped answering while running scale_ratings()" in result.message
    assert time.perf_counter() - started < 30
    assert grading.grade_file(EXERCISE, "multi_hot", tmp_path / f"{EXERCISE}.py").status == "passed"


def test_cli_reports_every_exercise_when_a_module_ends_the_process_at_import(tmp_path):
    for name in grading.exercise_names():
        write(tmp_path, stubs.make_stub(name), name)
    write(tmp_path, "import os\nos._exit(3)\n")
    result = run_cli("--impl", str(tmp_path), "--json", EXERCISE, "ex03_label_budget")
    assert result.returncode == 1, result.stderr
    rows = json.loads(result.stdout)["results"]
    warmup = [r for r in rows if r["exercise"] == EXERCISE]
    assert [r["status"] for r in warmup] == ["failed", "failed"]
    assert all("exited with status 3 while importing ex00_warmup.py" in r["message"] for r in warmup)
    assert {r["status"] for r in rows if r["exercise"] == "ex03_label_budget"} == {"not attempted"}


@pytest.mark.parametrize("gag", [
    "import builtins\nbuiltins.print = lambda *a, **k: None",
    "import sys\nsys.stdout.close()",
    "import os\nos.close(1)",
    "import sys, json\njson.dumps = lambda *a, **k: 'garbage'\nsys.stdout.write('{not json')",
])
def test_learner_code_cannot_gag_the_report(tmp_path, gag):
    write(tmp_path, f"{gag}\nfrom solutions.ex00_warmup import multi_hot\n"
                    "def scale_ratings(ratings):\n    return None\n")
    for args in (["--json"], []):
        result = run_cli("--impl", str(tmp_path), *args, EXERCISE)
        assert result.returncode == 1, result.stderr
        if args:
            by_part = {r["part"]: r["status"] for r in json.loads(result.stdout)["results"]}
            assert by_part == {"scale_ratings": "failed", "multi_hot": "passed"}
        else:
            assert "1 passed, 1 failed" in result.stdout


def test_the_grading_process_never_imports_the_learners_code_or_tensorflow(tmp_path):
    write(tmp_path, "import sys\nsys.modules['GRADED_HERE'] = sys\n" "from solutions.ex00_warmup import *\n")
    probe = ("import sys; from mtlrec import grading; "
             f"r = grading.grade_exercise('ex00_warmup', {str(tmp_path)!r}); "
             "grading.parts('ex07_multilabel'); "
             "print([x.status for x in r], 'GRADED_HERE' in sys.modules, 'tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=grading.ROOT,
                         timeout=300)
    assert out.stdout.strip() == "['passed', 'passed'] False False", out.stderr


def test_cli_json_contract_and_exit_codes(tmp_path):
    ok = run_cli("--impl", "solutions", "--json", EXERCISE)
    assert ok.returncode == 0, ok.stderr
    payload = json.loads(ok.stdout)
    assert list(payload) == ["results"]
    assert [set(r) for r in payload["results"]] == [{"exercise", "part", "status", "message"}] * 2
    assert {r["status"] for r in payload["results"]} == {"passed"}

    noisy = write(tmp_path, """
        print("debug output at import")
        from solutions.ex00_warmup import multi_hot
        def scale_ratings(ratings):
            print("debug output in a call")
            return ratings
    """)
    bad = run_cli("--impl", str(noisy), "--json", EXERCISE)
    assert bad.returncode == 1
    by_part = {r["part"]: r for r in json.loads(bad.stdout)["results"]}  # prints did not garble it
    assert by_part["scale_ratings"]["status"] == "failed" and by_part["multi_hot"]["status"] == "passed"

    table = run_cli("--impl", str(noisy), EXERCISE)
    assert "ex00_warmup.scale_ratings" in table.stdout and "FAILED" in table.stdout


@pytest.mark.parametrize("args, words", [
    (["ex99_nothing"], "unknown exercise"),
    (["--impl", "no/such/folder"], "no such folder"),
    (["--bogus"], "unrecognized arguments"),
])
def test_cli_bad_arguments_exit_2_with_one_clear_line(args, words):
    result = run_cli(*args)
    assert result.returncode == 2
    assert words in result.stderr and "Traceback" not in result.stderr


def test_hints_are_revealed_one_at_a_time(capsys):
    items = notebook.hints(EXERCISE, "scale_ratings")
    assert len(items) == 3
    notebook._hints_shown.clear()
    first = notebook.hint(EXERCISE, "scale_ratings")
    second = notebook.hint(EXERCISE, "scale_ratings")
    assert first.startswith("Hint 1/3") and items[0] in first
    assert second.startswith("Hint 2/3") and items[1] in second
    with pytest.raises(ValueError, match="no part"):
        notebook.hints(EXERCISE, "nope")


def test_use_prefers_passing_learner_code_and_can_be_forced_to_the_reference(tmp_path, monkeypatch, capsys):
    write(tmp_path, """
        import numpy as np
        def scale_ratings(ratings):
            ratings = np.asarray(ratings, dtype=float)
            if ratings.size and (ratings.min() < 1 or ratings.max() > 5):
                raise ValueError("range")
            return (ratings - 1) / 4
        def multi_hot(genre_lists, num_genres):
            raise NotImplementedError
    """)
    monkeypatch.setattr(grading, "EXERCISES", tmp_path)
    monkeypatch.delenv("MTLREC_USE_REFERENCE", raising=False)
    chosen = notebook.use(EXERCISE)
    out = capsys.readouterr().out
    assert "scale_ratings: using YOUR implementation" in out
    assert "multi_hot: using the reference (yours: not attempted)" in out
    assert chosen.scale_ratings.__module__ != chosen.multi_hot.__module__
    monkeypatch.setenv("MTLREC_USE_REFERENCE", "1")
    notebook.use(EXERCISE)
    assert "using the reference solutions" in capsys.readouterr().out


@pytest.mark.parametrize("name", grading.exercise_names())
def test_every_stub_made_from_its_solution_is_a_stub_of_every_part(tmp_path, name):
    write(tmp_path, stubs.make_stub(name), name)
    results = grading.grade_exercise(name, tmp_path)
    assert {r.status for r in results} == {"not attempted"}, [r.message for r in results]


def test_stub_creation_never_overwrites(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(grading, "EXERCISES", tmp_path)
    monkeypatch.setattr(grading, "ROOT", tmp_path)
    mine = write(tmp_path, "# my work\n") / f"{EXERCISE}.py"
    assert stubs.main(["--create", EXERCISE]) == 0
    assert mine.read_text() == "# my work\n"
    assert "left untouched" in capsys.readouterr().out


def test_time_limit_also_works_off_the_main_thread():
    # Windows and worker threads have no SIGALRM: the watchdog thread path must still stop waiting
    import threading
    import time

    outcome = {}

    def worker():
        try:
            grading.run_with_timeout(lambda: time.sleep(5), 0.5)
        except grading.PartTimeout:
            outcome["timed_out"] = True

    thread = threading.Thread(target=worker)
    started = time.perf_counter()
    thread.start()
    thread.join(10)
    assert outcome.get("timed_out") and time.perf_counter() - started < 3
    assert grading.run_with_timeout(lambda: 42, 1) == 42
