"""The course's one bilingual glossary (中英术语表): `mtlrec/glossary.csv`, rendered into GLOSSARY.md.

`python -m mtlrec.glossary` checks that GLOSSARY.md is up to date and that every notebook introduces each glossary
term in both languages (exit 1 and one line per problem otherwise); `--write` renders GLOSSARY.md again from the
CSV; `--notebooks NN ...` checks only those notebooks.

**The source.** `mtlrec/glossary.csv`, one term a row: `english`, `chinese`, `definition_en`, `definition_zh`,
`notebook` (the number of the notebook that teaches it). `english` and `chinese` may list other written forms after
the name, separated by ` | ` (`fine-tuning | fine-tune | fine-tuned`); the first form is the term's name, the one a
notebook, the drill and GLOSSARY.md use.

**A mention** of a term is any of its forms in a markdown cell, outside code (fenced blocks and `inline code`),
maths (`$...$`), link targets and HTML comments:
- English: whole words (no letter, digit or `_` touching either end), a space and a hyphen interchangeable
  ("cold start" = "cold-start"), an optional plural `s`/`es` on the last word; case-insensitive, except a form with
  a capital letter after its first character (an acronym or a name: `CTR`, `MMoE`), which must match exactly.
- Chinese: the form as written (a substring).
- The longest mention wins: where forms overlap, the longer one is the mention (so "multi-task transfer learning"
  is not also a mention of "transfer learning", and 多门控混合专家 not also one of 专家).

**First use.** In every notebook, the first markdown cell that mentions a term (in either language) must mention
it in both: "negative transfer (负迁移)" or "负迁移（negative transfer）", or the two halves of a bilingual cell.
Later cells may use either name alone. The test (tests/test_glossary.py) names the notebook, the term and the cell.
Plain file reads: no TensorFlow.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = Path(__file__).resolve().parent / "glossary.csv"
RENDERED = ROOT / "GLOSSARY.md"
NOTEBOOKS = ROOT / "notebooks"
COLUMNS = ["english", "chinese", "definition_en", "definition_zh", "notebook"]


@dataclass(frozen=True)
class Term:
    """One glossary term: its English and Chinese forms (the first is the name), definitions, teaching notebook."""

    english: tuple[str, ...]
    chinese: tuple[str, ...]
    definition_en: str
    definition_zh: str
    notebook: str

    @property
    def en(self) -> str:
        return self.english[0]

    @property
    def zh(self) -> str:
        return self.chinese[0]


def _forms(text: str) -> tuple[str, ...]:
    return tuple(f.strip() for f in text.split("|") if f.strip())


def load(path: Path = SOURCE) -> list[Term]:
    """Every term of the glossary, in the file's order; a malformed row raises ValueError naming its line."""
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != COLUMNS:
            raise ValueError(f"{path}: the header must be {','.join(COLUMNS)}, found {reader.fieldnames}")
        terms = []
        for line, row in enumerate(reader, start=2):
            if any(not (row.get(c) or "").strip() for c in COLUMNS):
                raise ValueError(f"{path}, line {line}: every column needs a value: {row}")
            if not re.fullmatch(r"\d\d", row["notebook"].strip()):
                raise ValueError(f"{path}, line {line}: notebook must be two digits such as 04, "
                                 f"not {row['notebook']!r}")
            terms.append(Term(_forms(row["english"]), _forms(row["chinese"]), row["definition_en"].strip(),
                              row["definition_zh"].strip(), row["notebook"].strip()))
    return terms


# ------------------------------------------------------------------------------------------------ matching
_CODE_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.S | re.M)
_HIDDEN = [
    re.compile(r"`[^`\n]*`"),  # inline code
    re.compile(r"\$\$.*?\$\$", re.S),  # display maths
    re.compile(r"(?<!\\)\$[^$\n]+(?<!\\)\$"),  # inline maths
    re.compile(r"<!--.*?-->", re.S),  # HTML comments
    re.compile(r"(?<=\])\([^)\s]*\)"),  # link targets
]


def prose(markdown: str) -> str:
    """The markdown with code, maths, comments and link targets blanked out (lengths kept)."""
    blank = lambda m: re.sub(r"[^\n]", " ", m.group(0))  # noqa: E731
    text = _CODE_FENCE.sub(blank, markdown)
    for pattern in _HIDDEN:
        text = pattern.sub(blank, text)
    return text


def _english_pattern(form: str) -> re.Pattern:
    words = re.split(r"[\s\-]+", form.strip())
    body = r"[\s\-]+".join(re.escape(w) for w in words) + r"(?:s|es)?"
    exact = any(c.isupper() for c in form[1:])
    return re.compile(r"(?<![A-Za-z0-9_])" + body + r"(?![A-Za-z0-9_])", 0 if exact else re.I)


@lru_cache(maxsize=8)
def _patterns(terms: tuple[Term, ...]) -> list[tuple[int, str, re.Pattern]]:
    found = []
    for index, term in enumerate(terms):
        found += [(index, "en", _english_pattern(f)) for f in term.english]
        found += [(index, "zh", re.compile(re.escape(f))) for f in term.chinese]
    return found


def mentions(text: str, terms: list[Term]) -> dict[int, set[str]]:
    """{term index: {'en', 'zh'}} for the terms a markdown text mentions (the rules in the module docstring)."""
    text = prose(text)
    spans = []
    for index, lang, pattern in _patterns(tuple(terms)):
        spans += [(m.start(), m.end(), index, lang) for m in pattern.finditer(text)]
    spans.sort(key=lambda s: (-(s[1] - s[0]), s[0]))
    taken = bytearray(len(text) + 1)
    found: dict[int, set[str]] = {}
    for start, end, index, lang in spans:
        if any(taken[start:end]):
            continue
        taken[start:end] = b"\x01" * (end - start)
        found.setdefault(index, set()).add(lang)
    return found


@dataclass
class Missing:
    """A term whose first use in a notebook lacks one of its names."""

    notebook: str
    cell: int
    term: Term
    missing: str  # "en" or "zh"

    def __str__(self) -> str:
        have, lack = ((self.term.zh, self.term.en) if self.missing == "en" else (self.term.en, self.term.zh))
        pair = f"{self.term.en} ({self.term.zh})"
        return (f"notebooks/{self.notebook}, cell {self.cell}: '{have}' is used without '{lack}' on the term's first "
                f"use in this notebook; write both there, e.g. '{pair}'")


def first_uses(path: Path, terms: list[Term]) -> list[Missing]:
    """Every term whose first markdown cell in the notebook does not mention it in both languages."""
    from mtlrec.bank import markdown_cells

    seen, missing = set(), []
    for index, source in markdown_cells(path):
        for term_index, langs in sorted(mentions(source, terms).items()):
            if term_index in seen:
                continue
            seen.add(term_index)
            for lang in ("en", "zh"):
                if lang not in langs:
                    missing.append(Missing(Path(path).name, index, terms[term_index], lang))
    return missing


def taught_where(terms: list[Term], folder: Path = NOTEBOOKS) -> list[str]:
    """Problems with the `notebook` column: a notebook that exists but never mentions the term it teaches."""
    from mtlrec.bank import markdown_cells

    problems, found = [], {}
    for index, term in enumerate(terms):
        paths = sorted(Path(folder).glob(f"{term.notebook}_*.ipynb"))
        if not paths:
            continue  # a notebook still to be written
        if paths[0] not in found:
            found[paths[0]] = {}
            for _, source in markdown_cells(paths[0]):
                for key, langs in mentions(source, terms).items():
                    found[paths[0]].setdefault(key, set()).update(langs)
        if found[paths[0]].get(index) != {"en", "zh"}:
            problems.append(f"glossary: '{term.en}' ({term.zh}) is taught in notebook {term.notebook} by the CSV, "
                            f"but {paths[0].name} does not use both of its names")
    return problems


# ------------------------------------------------------------------------------------------------ rendering
def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(terms: list[Term]) -> str:
    """GLOSSARY.md: a table per notebook, terms in the CSV's order."""
    lines = [
        "# 中英术语表 · Glossary",
        "",
        "<!-- Generated from mtlrec/glossary.csv by `python -m mtlrec.glossary --write`; "
        "edit the CSV, not this file. -->",
        "",
        "The course's terms in Chinese and English, with a one-line definition in each language, grouped by the",
        "notebook that teaches them. Notebooks give both names on a term's first use; the drill",
        "(`python -m mtlrec.drill`) lists the terms of each model answer. Other written forms the notebooks use",
        "are in parentheses.",
        "",
        "课程中的术语（中英对照），每个术语附中英文一句话定义，按讲授它的 notebook 分组。notebook 在第一次使用术语时",
        "给出中英两个名称；练习工具 `python -m mtlrec.drill` 会列出每个标准答案用到的术语。",
        "",
    ]
    for number in sorted({t.notebook for t in terms}):
        paths = sorted(NOTEBOOKS.glob(f"{number}_*.ipynb"))
        name = f"[{paths[0].stem}](notebooks/{paths[0].name})" if paths else f"notebook {number}"
        lines += [f"## {number} · {name}", "", "| 中文 | English | 定义 | Definition |", "|---|---|---|---|"]
        for term in (t for t in terms if t.notebook == number):
            zh = term.zh + (f" ({' / '.join(term.chinese[1:])})" if len(term.chinese) > 1 else "")
            en = term.en + (f" ({' / '.join(term.english[1:])})" if len(term.english) > 1 else "")
            lines.append(f"| {_cell(zh)} | {_cell(en)} | {_cell(term.definition_zh)} | {_cell(term.definition_en)} |")
        lines.append("")
    lines.append(f"{len(terms)} terms.")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mtlrec.glossary", description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="render GLOSSARY.md from mtlrec/glossary.csv")
    parser.add_argument("--notebooks", nargs="*", metavar="NN", help="check only these notebooks' first uses")
    args = parser.parse_args(argv)
    try:
        terms = load()
    except ValueError as error:
        print(f"mtlrec.glossary: {error}", file=sys.stderr)
        return 1
    if args.write:
        RENDERED.write_text(render(terms), encoding="utf-8")
        print(f"wrote {RENDERED.relative_to(ROOT)}: {len(terms)} terms")
        return 0
    problems = []
    if not RENDERED.is_file() or RENDERED.read_text(encoding="utf-8") != render(terms):
        problems.append("GLOSSARY.md is out of date with mtlrec/glossary.csv: run `python -m mtlrec.glossary --write`")
    from mtlrec.bank import notebooks

    for path in notebooks(args.notebooks or None):
        problems += [str(m) for m in first_uses(path, terms)]
    if not args.notebooks:
        problems += taught_where(terms)
    for problem in problems:
        print(problem)
    print(f"{len(terms)} terms; {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
