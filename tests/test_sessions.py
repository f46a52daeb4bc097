"""instructors/: a session plan for every notebook, with the same sections; cited mutants exist; README links them.

Every notebook `notebooks/NN_topic.ipynb` has `instructors/sessions/NN_topic.md` whose second-level headings are
exactly SECTIONS, in that order; both timed plans are tables with the columns minutes, activity and notebook
section; every mutant a plan cites (`tests/mutants/exNN_topic/<part>__<mistake>.py`) exists, and each plan cites
at least one; `instructors/README.md` links every plan and links no plan that does not exist.
Plain file reads: no TensorFlow, well under a second.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
INSTRUCTORS = ROOT / "instructors"
SESSIONS = INSTRUCTORS / "sessions"
README = INSTRUCTORS / "README.md"

SECTIONS = [
    "## 45-minute plan",
    "## 90-minute plan",
    "## Live-coding",
    "## Discussion questions",
    "## Mistakes learners make",
    "## What to grade",
]
TIMED = ("## 45-minute plan", "## 90-minute plan")
MUTANT = re.compile(r"tests/mutants/[A-Za-z0-9_]+/[A-Za-z0-9_]+__[A-Za-z0-9_]+\.py")
PLAN_LINK = re.compile(r"\]\((sessions/[^)\s]+\.md)\)")


def _sections(text: str) -> dict[str, str]:
    """{'## heading': its body} for every second-level heading outside code blocks."""
    sections, current, fenced = {}, None, False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        if not fenced and line.startswith("## "):
            current = line.rstrip()
            sections[current] = ""
        elif current is not None:
            sections[current] += line + "\n"
    return sections


def _shown(path: Path) -> str:
    """The path as a message shows it: relative to the repository when it lies inside."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _plans() -> list[Path]:
    return sorted(SESSIONS.glob("*.md"))


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found under notebooks/"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_every_notebook_has_a_plan_with_the_sections(notebook):
    plan = SESSIONS / f"{notebook.stem}.md"
    assert plan.is_file(), f"notebook {notebook.name} has no session plan: write {_shown(plan)}"
    sections = _sections(plan.read_text(encoding="utf-8"))
    assert list(sections) == SECTIONS, (
        f"{_shown(plan)}: its '## ' headings are {list(sections)}; expected exactly {SECTIONS}, in order")
    for heading in TIMED:
        header = next((line for line in sections[heading].splitlines() if line.lstrip().startswith("|")), "")
        columns = [cell.strip().lower() for cell in header.strip().strip("|").split("|")]
        assert columns[:3] == ["minutes", "activity", "notebook section"], (
            f"{_shown(plan)}, {heading}: the first table's columns are {columns}; "
            "expected minutes | activity | notebook section")
    assert MUTANT.search(sections["## Mistakes learners make"]), (
        f"{_shown(plan)}: 'Mistakes learners make' cites no mutant (tests/mutants/exNN_topic/<part>__<mistake>.py)")


@pytest.mark.parametrize("plan", _plans(), ids=[p.stem for p in _plans()])
def test_every_cited_mutant_exists(plan):
    cited = sorted(set(MUTANT.findall(plan.read_text(encoding="utf-8"))))
    missing = [path for path in cited if not (ROOT / path).is_file()]
    assert not missing, f"{_shown(plan)} cites mutants that do not exist: {missing}"


def test_readme_links_every_plan():
    assert README.is_file(), "instructors/README.md is missing"
    linked = set(PLAN_LINK.findall(README.read_text(encoding="utf-8")))
    plans = {f"sessions/{plan.name}" for plan in _plans()}
    assert plans, "no session plans under instructors/sessions/"
    assert not plans - linked, f"instructors/README.md does not link {sorted(plans - linked)}"
    assert not linked - plans, f"instructors/README.md links plans that do not exist: {sorted(linked - plans)}"
