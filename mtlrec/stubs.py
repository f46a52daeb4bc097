"""Make the learner's stubs from the reference solutions, so both keep one set of docstrings.

`python -m mtlrec.stubs --check` (CI): every exercises/exNN.py equals the stub made from
solutions/exNN.py. `python -m mtlrec.stubs --create EXERCISE`: write the stub only where no file
exists yet; it never overwrites a learner's work (reset an exercise with git instead, see README).

A stub keeps the solution's imports and constants and each part's signature and docstring, with
`raise NotImplementedError` as the body (every method of a class part); helpers that are not parts
are left out, since they would give the answer away. The solution's module docstring line that
starts with "Reference solution" becomes the instruction below.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

from mtlrec import grading

INSTRUCTION = ("Your exercise: replace each `raise NotImplementedError` with your code, then run\n"
               "`python -m mtlrec.grade {name}` or the check cell of its notebook.")


def _stub_function(node: ast.FunctionDef, lines: list[str], indent: str) -> list[str]:
    head_end = node.body[0].end_lineno if ast.get_docstring(node) else node.body[0].lineno - 1
    return lines[node.lineno - 1 - len(node.decorator_list): head_end] + [f"{indent}    raise NotImplementedError"]


def make_stub(exercise: str) -> str:
    """The stub text for one exercise, made from its solution."""
    source = (grading.SOLUTIONS / f"{exercise}.py").read_text(encoding="utf-8")
    lines = source.splitlines()
    part_names = set(grading.parts(exercise))
    out: list[str] = []
    for index, node in enumerate(ast.parse(source).body):
        start = node.lineno - 1 - len(getattr(node, "decorator_list", []))
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name not in part_names:
            continue
        if isinstance(node, ast.FunctionDef):
            out += [""] * 2 + _stub_function(node, lines, "")
        elif isinstance(node, ast.ClassDef):
            first = node.body[0]
            head_end = first.end_lineno if ast.get_docstring(node) else node.lineno
            out += [""] * 2 + lines[start:head_end]
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    out += [""] + _stub_function(item, lines, "    ")
        elif index == 0 and isinstance(node, ast.Expr):
            out += _module_docstring(lines[start:node.end_lineno], exercise)
        else:
            out += lines[start:node.end_lineno]
    return "\n".join(out).strip("\n") + "\n"


def _module_docstring(doc_lines: list[str], exercise: str) -> list[str]:
    result, skipping = [], False
    for line in doc_lines:
        if line.strip().startswith("Reference solution"):
            result += INSTRUCTION.format(name=exercise).splitlines()
            skipping = True
        elif skipping and line.strip() and not line.strip().endswith('"""'):
            continue
        else:
            skipping = False
            result.append(line)
    return result + [""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mtlrec.stubs", description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--check", action="store_true", help="exit 1 if a stub differs from its solution's")
    group.add_argument("--create", nargs="+", metavar="EXERCISE", help="write missing stubs (never overwrites)")
    args = parser.parse_args(argv)
    if args.check:
        stale = [name for name in grading.exercise_names()
                 if not (grading.EXERCISES / f"{name}.py").is_file()
                 or (grading.EXERCISES / f"{name}.py").read_text(encoding="utf-8") != make_stub(name)]
        for name in stale:
            print(f"exercises/{name}.py differs from the stub made from solutions/{name}.py")
        return 1 if stale else 0
    for name in args.create:
        target = grading.EXERCISES / f"{name}.py"
        if target.exists():
            print(f"{target.relative_to(grading.ROOT)} exists: left untouched")
            continue
        target.write_text(make_stub(name), encoding="utf-8")
        print(f"wrote {target.relative_to(grading.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
