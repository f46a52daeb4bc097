"""instructors/: a session plan for every notebook, with the same sections; cited mutants exist; README links them.

Every notebook `notebooks/NN_topic.ipynb` has `instructors/sessions/NN_topic.md` whose second-level headings are
exactly SECTIONS, in that order; both timed plans are tables with the columns minutes, activity and notebook
section; every mutant a plan cites (`tests/mutants/exNN_topic/<part>__<mistake>.py`) exists, and each plan cites
at least one; `instructors/README.md` links every plan and links no plan that does not exist.

Every "notebook section" cell of the two timed tables names headings of that notebook as it is now, so a renamed
heading fails here instead of leaving the plan stale. The rule: a cell is one or more references separated by
", "; a reference is the text of a Markdown heading of the notebook (any level, outside code fences, without its
leading #'s, whitespace collapsed), optionally followed by a note in parentheses, e.g.
"3. The data: recommender interactions with a known truth (its known-truth table)". Nothing else may be in the
cell: no shortened heading, no English half of a bilingual heading.
Plain file reads: no TensorFlow, well under a second.
"""

import difflib
import json
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
HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")  # an ATX heading, closing #'s dropped
FENCE = re.compile(r"^ {0,3}(```|~~~)")


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


def _squeezed(text: str) -> str:
    return " ".join(text.split())


def _notebook_headings(notebook: Path) -> set[str]:
    """The text of every Markdown heading of the notebook's markdown cells, outside code fences."""
    headings = set()
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        if cell.get("cell_type") != "markdown":
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        fence = None
        for line in source.splitlines():
            opened = FENCE.match(line)
            if opened and (fence is None or opened.group(1) == fence):
                fence = None if fence else opened.group(1)
            elif fence is None and (found := HEADING.match(line)):
                headings.add(_squeezed(found.group(2)))
    return headings


def _timed_rows(body: str) -> list[tuple[str, str]]:
    """(minutes, notebook section) of every data row of the first table in a timed section."""
    lines = [line.strip() for line in body.splitlines()]
    start = next((i for i, line in enumerate(lines) if line.startswith("|")), None)
    if start is None:
        return []
    rows = []
    for line in lines[start + 2:]:  # past the header and the |---| line
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        rows.append((cells[0], cells[2] if len(cells) > 2 else ""))
    return rows


def _note_end(text: str, start: int) -> int | None:
    """The index after the ')' that closes the '(' at text[start], or None."""
    depth = 0
    for index in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[index], 0)
        if depth == 0:
            return index + 1
    return None


def _names_only_headings(cell: str, headings: set[str]) -> bool:
    """The cell is heading[ (note)](, heading[ (note)])*, each heading one of `headings`."""
    def parse(position: int) -> bool:
        for heading in headings:
            if not cell.startswith(heading, position):
                continue
            end = position + len(heading)
            candidates = [end]
            if cell.startswith(" (", end) and (closed := _note_end(cell, end + 1)) is not None:
                candidates.append(closed)
            for after in candidates:
                if after == len(cell) or (cell.startswith(", ", after) and parse(after + 2)):
                    return True
        return False

    return bool(cell) and parse(0)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_every_cited_section_is_a_heading_of_the_notebook(notebook):
    plan = SESSIONS / f"{notebook.stem}.md"
    if not plan.is_file():
        pytest.skip(f"{_shown(plan)} is missing (reported by test_every_notebook_has_a_plan_with_the_sections)")
    headings = _notebook_headings(notebook)
    sections = _sections(plan.read_text(encoding="utf-8"))
    problems = []
    for heading in TIMED:
        rows = _timed_rows(sections.get(heading, ""))
        if not rows:
            problems.append(f"{heading}: no table rows")
        for minutes, cell in rows:
            cell = _squeezed(cell)
            if not _names_only_headings(cell, headings):
                close = difflib.get_close_matches(cell.split(", ")[0], sorted(headings), n=2, cutoff=0.3)
                problems.append(f"{heading}, row {minutes}: {cell!r} is not a list of the notebook's headings "
                                f"(closest: {close})")
    assert not problems, (
        f"{_shown(plan)} cites sections that are not headings of {_shown(notebook)} as it is now (a cell is one or "
        "more headings, as written after the #'s, joined by ', ', each optionally followed by a note in "
        "parentheses):\n  " + "\n  ".join(problems))
