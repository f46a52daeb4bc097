"""What the notebooks call: `check` (the check cell), `hint` (one hint at a time), `use` (yours or
the reference, said in a visible line)."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from types import SimpleNamespace

from mtlrec import grading

_hints_shown: dict[tuple[str, str], int] = {}


def check(exercise: str, *, impl=None) -> list[grading.Result]:
    """Grade `exercise` in exercises/ (or `impl`), re-reading the file, and print the statuses."""
    impl_dir = Path(impl) if impl is not None else grading.EXERCISES
    results = grading.grade_exercise(exercise, impl_dir, fresh=True)
    print(grading.progress_table(results))
    if all(r.status == grading.NOT_ATTEMPTED for r in results):
        print(f"\nOpen exercises/{exercise}.py, replace a `raise NotImplementedError` and run this cell again.")
    return results


def hints(exercise: str, part: str) -> list[str]:
    """The items of the 'Hints:' section of the reference docstring (read from source, not imported)."""
    source = (grading.SOLUTIONS / f"{exercise}.py").read_text(encoding="utf-8")
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name == part:
            doc = ast.get_docstring(node) or ""
            section = doc.split("Hints:", 1)[1] if "Hints:" in doc else ""
            items = re.split(r"\n\s*(?:\d+[.)]|-)\s+", "\n" + section.strip())
            return [" ".join(item.split()) for item in items if item.strip()]
    raise ValueError(f"{exercise} has no part {part!r}; parts: {', '.join(grading.parts(exercise))}")


def hint(exercise: str, part: str) -> str:
    """Print the next hint for one part; each call reveals one more."""
    items = hints(exercise, part)
    if not items:
        text = f"{exercise}.{part} has no hints."
    else:
        shown = min(_hints_shown.get((exercise, part), 0) + 1, len(items))
        _hints_shown[(exercise, part)] = shown
        text = f"Hint {shown}/{len(items)} for {part}: {items[shown - 1]}"
        if shown == len(items):
            text += "\n(That was the last hint; solutions/ has the reference answer.)"
    print(text)
    return text


def use(exercise: str) -> SimpleNamespace:
    """The exercise's functions for a notebook to run, printing which implementation each one is.

    A part uses the learner's function when it passes its checks, otherwise the reference; setting
    MTLREC_USE_REFERENCE=1 forces the reference everywhere (CI does).
    """
    reference = grading.load_module(grading.SOLUTIONS / f"{exercise}.py")
    chosen = {name: getattr(reference, name) for name in grading.parts(exercise)}
    if grading.reference_forced():
        print(f"{exercise}: using the reference solutions (MTLREC_USE_REFERENCE is set)")
        return SimpleNamespace(**chosen)
    for result in grading.grade_exercise(exercise, grading.EXERCISES, fresh=True):
        if result.status == grading.PASSED:
            learner = grading.load_module(grading.module_path(exercise, grading.EXERCISES))
            chosen[result.part] = getattr(learner, result.part)
            print(f"{exercise}.{result.part}: using YOUR implementation (it passes its checks)")
        else:
            print(f"{exercise}.{result.part}: using the reference (yours: {result.status})")
    return SimpleNamespace(**chosen)
