"""The learner's loop and the instructor's kit: plain `pytest`, the watcher, class grading, slides.

Each test drives the real command in a subprocess, on generated folders, never on exercises/.
"""

from __future__ import annotations

import csv
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from mtlrec import grading, slides

ROOT = grading.ROOT
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
ENV.pop(__import__("mtlrec").REFERENCE_ENV, None)


def run(*args, cwd=ROOT, timeout=600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=cwd, env=ENV, capture_output=True, text=True, timeout=timeout)


# ------------------------------------------------------------------------------ plain pytest
def test_plain_pytest_grades_yours_and_checks_the_reference_only_where_needed(tmp_path):
    """Stubs: the reference is checked. A passing answer: the reference test is skipped, saying why.
    Either way the proofs and the course's own tests are deselected."""
    shutil.copy(ROOT / "exercises" / "ex00_warmup.py", tmp_path / "ex00_warmup.py")
    done = run("-m", "pytest", "tests/test_ex00_warmup.py", "-q", "-p", "no:cacheprovider", "--impl", str(tmp_path))
    assert done.returncode == 0, done.stdout[-3000:]
    assert re.search(r"3 passed, 2 skipped, \d+ deselected", done.stdout), done.stdout[-2000:]
    assert "pytest --proofs" in done.stdout

    shutil.copy(ROOT / "solutions" / "ex00_warmup.py", tmp_path / "ex00_warmup.py")
    done = run("-m", "pytest", "tests/test_ex00_warmup.py", "-q", "-rs", "-p", "no:cacheprovider",
               "--impl", str(tmp_path))
    assert done.returncode == 0, done.stdout[-3000:]
    assert re.search(r"3 passed, 2 skipped, \d+ deselected", done.stdout), done.stdout[-2000:]
    assert "passes the same checks" in done.stdout


# ------------------------------------------------------------------------------ the watcher
class _Session:
    """A running `python -m mtlrec.watch`, its output read line by line."""

    def __init__(self, *args):
        self.process = subprocess.Popen([sys.executable, "-m", "mtlrec.watch", *args], cwd=ROOT, env=ENV,
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                         text=True)
        self.lines: queue.Queue = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_for(self, pattern: str, timeout: float = 120) -> str:
        """Read until a line matches `pattern`; return it (fail with everything read so far)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            self.seen.append(line)
            if re.search(pattern, line):
                return line
        pytest.fail(f"the watcher never printed {pattern!r}; its output:\n" + "\n".join(self.seen[-60:]))

    def type(self, text: str):
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()


def _save(path: Path, text: str):
    path.write_text(text, encoding="utf-8")
    stamp = path.stat().st_mtime_ns + 1_000_000  # a distinct time even on coarse file systems
    os.utime(path, ns=(stamp, stamp))


def test_watch_regrades_each_save_shows_failures_and_hints_and_survives_a_crash(tmp_path):
    target = tmp_path / "ex00_warmup.py"
    shutil.copy(ROOT / "exercises" / "ex00_warmup.py", target)
    session = _Session("ex00_warmup", "--impl", str(tmp_path))
    try:
        session.wait_for(r"0 passed, 0 failed, 2 not attempted")
        session.wait_for(r"^Next: ex00_warmup.scale_ratings")
        session.type("h")
        session.wait_for(r"^Hint 1/\d+ for scale_ratings: ")

        solution = (ROOT / "solutions" / "ex00_warmup.py").read_text(encoding="utf-8")
        _save(target, solution)
        session.wait_for(r"ex00_warmup.py saved: graded in [\d.]+ s \([\d.]+ s after the save\)")
        session.wait_for(r"2 passed, 0 failed, 0 not attempted")

        _save(target, solution.replace("def scale_ratings(", "def scale_ratings(:", 1))
        session.wait_for(r"0 passed, 2 failed")
        session.wait_for(r"does not parse: line \d+")

        _save(target, "import os\nos._exit(3)\n")
        session.wait_for(r"exited with status 3 while importing ex00_warmup.py")
        session.wait_for(r"a new one is ready")

        _save(target, solution.replace("* 4", "* 5") if "* 4" in solution else solution + "\n# saved again\n")
        session.wait_for(r"ex00_warmup.py saved")
        session.wait_for(r"\d+ passed, \d+ failed, 0 not attempted")

        session.process.send_signal(signal.SIGINT)
        session.wait_for(r"^Final table:")
        session.wait_for(r"\d+ passed, \d+ failed, 0 not attempted")
        assert session.process.wait(30) == 0
        assert not any("Traceback" in line for line in session.seen), "\n".join(session.seen)
    finally:
        if session.process.poll() is None:
            session.process.kill()


def test_watch_rejects_an_unknown_exercise_in_one_line():
    done = run("-m", "mtlrec.watch", "ex99_nothing", timeout=60)
    assert done.returncode == 2
    assert "unknown exercise ex99_nothing" in done.stderr and "Traceback" not in done.stderr


# ------------------------------------------------------------------------------ a class
def _make_class(root: Path) -> None:
    """reference, stubs, broken (syntax error, process exit, endless loop), a mutant, and no files."""
    for name in ("ref", "stubs", "broken", "mutant", "nothing"):
        (root / name).mkdir(parents=True)
    for exercise in ("ex00_warmup", "ex03_label_budget"):
        shutil.copy(ROOT / "solutions" / f"{exercise}.py", root / "ref")
        shutil.copy(ROOT / "exercises" / f"{exercise}.py", root / "stubs")
    (root / "broken" / "ex00_warmup.py").write_text("def scale_ratings(:\n", encoding="utf-8")
    (root / "broken" / "ex03_label_budget.py").write_text(
        "import os\n\ndef subsample_labels(*args, **kwargs):\n    os._exit(3)\n\n"
        "def relative_gain(*args, **kwargs):\n    while True:\n        pass\n", encoding="utf-8")
    shutil.copy(ROOT / "tests" / "mutants" / "ex00_warmup" / "multi_hot__one_based.py",
                root / "mutant" / "ex00_warmup.py")
    (root / "nothing" / "notes.txt").write_text("my notes\n", encoding="utf-8")


def test_class_grading_table_csv_and_common_failures(tmp_path):
    _make_class(tmp_path / "class")
    table = tmp_path / "grades.csv"
    done = run("-m", "mtlrec.grade", "--class", str(tmp_path / "class"), "--csv", str(table),
               "--learner-time-limit", "30", "ex00_warmup", "ex03_label_budget")
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()
            if line.split() and line.split()[0] in ("ref", "stubs", "broken", "mutant", "nothing")}
    assert rows["ref"] == ["2/2", "2/2", "4/4"], out
    assert rows["stubs"] == ["-", "-", "0/4"], out
    assert rows["broken"] == ["0/2", "F2", "0/2", "F2", "0/4"], out
    assert rows["mutant"] == ["1/2", "F1", "-", "1/4"], out
    assert "No exercise files (named like ex00_warmup.py) in: nothing" in out
    assert "like the mutant 'one_based'" in out, out
    assert "exited with status 3" in out and "did not finish within" in out

    with open(table, newline="", encoding="utf-8") as handle:
        graded = list(csv.DictReader(handle))
    assert len(graded) == 5 * 4
    assert {(r["learner"], r["part"], r["status"]) for r in graded} >= {
        ("ref", "multi_hot", "passed"), ("stubs", "multi_hot", "not attempted"),
        ("broken", "subsample_labels", "failed"), ("broken", "relative_gain", "failed"),
        ("mutant", "multi_hot", "failed"), ("mutant", "scale_ratings", "passed"),
        ("nothing", "scale_ratings", "not attempted")}


def test_class_grading_json_and_a_learner_time_limit(tmp_path):
    _make_class(tmp_path / "class")
    done = run("-m", "mtlrec.grade", "--class", str(tmp_path / "class"), "--json", "--no-labels",
               "--learner-time-limit", "3", "ex03_label_budget")
    report = json.loads(done.stdout)
    assert report["no_exercise_files"] == ["mutant", "nothing"]  # mutant/ holds ex00 only
    loop = next(r for r in report["results"] if r["learner"] == "broken" and r["part"] == "relative_gain")
    assert loop["status"] == "failed" and ("within 3 s" in loop["message"] or "time limit" in loop["message"]), loop
    assert all(r["status"] == "passed" for r in report["results"] if r["learner"] == "ref")


def test_class_grading_bad_arguments_exit_2():
    done = run("-m", "mtlrec.grade", "--class", "/no/such/folder", timeout=60)
    assert done.returncode == 2 and "no such folder" in done.stderr
    done = run("-m", "mtlrec.grade", "--csv", "x.csv", timeout=60)
    assert done.returncode == 2 and "--csv goes with --class" in done.stderr


# ------------------------------------------------------------------------------ slides
@pytest.mark.parametrize("notebook", slides.notebooks(), ids=lambda p: p.stem)
def test_every_cell_carries_its_slide_mark(notebook):
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    marks = [c.get("metadata", {}).get("slideshow", {}).get("slide_type") for c in cells]
    assert marks == slides.slide_types(cells), (
        f"{notebook.name}: slide marks are missing or out of date: run `python -m mtlrec.slides --tag`")


def test_one_deck_builds(tmp_path):
    done = run("-m", "mtlrec.slides", "00", "--out", str(tmp_path), timeout=300)
    assert done.returncode == 0, done.stderr
    deck = next(tmp_path.glob("00_*.slides.html"))
    html = deck.read_text(encoding="utf-8")
    assert "reveal" in html and html.count("<section") >= 3
