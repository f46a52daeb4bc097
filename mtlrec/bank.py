"""The question bank, parsed from the notebooks: `python -m mtlrec.bank [NN ...]` checks it, `--convert` helps write it.

The drill (`python -m mtlrec.drill`) reads its questions and model answers from the notebooks' markdown every time
it starts, so the notebooks and the drill cannot drift. A notebook is a bank entry when its markdown has this shape
(headings outside fenced code; which cell a line sits in does not matter):

1. **The main question**, in the first cell (the title cell), as two quoted lines:

       > **面试题：** 什么是多任务迁移学习？
       > **Interview question:** What is multi-task transfer learning?

   A coding problem says `> **编程题：**` and `> **Interview problem:**`.

2. **The one-minute answer**, the model answer of the main question:

       ## 一分钟回答 · The answer in one minute

       **中文**
       the Chinese answer, as a Chinese interviewer expects it (not a rendering of the English)

       **English**
       the English answer

   A notebook whose headings are numbered may number this one too (`## 1. 一分钟回答 · The answer in one minute`).

3. **The follow-up questions**, at least three, each with its answer in both languages and the sections of the same
   notebook a learner who missed it should read again:

       ## 追问 · Follow-up questions

       ### 1. 硬共享还是软共享？ · Hard or soft sharing, when?

       **中文**
       先用硬共享……

       **English**
       Hard sharing first: ...

       **复习 · Revisit:** Evidence 1: one shared bottom against two single-task models

   Every follow-up is a `###` heading `<n>. <Chinese question> · <English question>`, numbered 1, 2, 3, ... in order;
   the Chinese question is the text before the first ` · `. The revisit line names one or more headings of the same
   notebook, exactly as written after their `#` marks, separated by `; `. The follow-ups end at the next `#` or `##`
   heading (Pitfalls, Summary, ...).

A marker (`**中文**`, `**English**`, `**复习 · Revisit:**`) starts a line, and text may follow it on that line; what
follows a marker, up to the next marker or heading, belongs to it. Chinese comes first, then English. Terms are
the glossary's (`mtlrec/glossary.csv`, rendered in GLOSSARY.md).

Entries are named `NN.0` (the main question of notebook NN) and `NN.k` (its k-th follow-up); the drill keeps its
progress under these names. `python -m mtlrec.bank` lists every notebook's entries and the problems that keep a
notebook out of the bank (exit 1 when there is one); `python -m mtlrec.bank --convert NN` rewrites the older
layouts of the course's notebooks into this one (markdown cells only) and marks with TODO what a person must write.
Plain file reads: no TensorFlow.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
MIN_FOLLOW_UPS = 3

ONE_MINUTE_TITLE = "一分钟回答 · The answer in one minute"
FOLLOW_UPS_TITLE = "追问 · Follow-up questions"
ZH_MARK, EN_MARK, REVISIT_MARK = "**中文**", "**English**", "**复习 · Revisit:**"

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
_NUMBERED = r"^(?:\d+\.\s+)?"
_ONE_MINUTE = re.compile(_NUMBERED + re.escape(ONE_MINUTE_TITLE) + r"$")
_FOLLOW_UPS = re.compile(_NUMBERED + re.escape(FOLLOW_UPS_TITLE) + r"$")
_FOLLOW_UP = re.compile(r"^(\d+)\.\s+(.+?) · (.+)$")
_QUESTION_ZH = re.compile(r"^>\s*\*\*(面试题|编程题)：\*\*\s*(.+?)\s*$")
_QUESTION_EN = re.compile(r"^>\s*\*\*Interview (question|problem):\*\*\s*(.+?)\s*$")
_MARKERS = [("zh", ZH_MARK), ("en", EN_MARK), ("revisit", REVISIT_MARK)]
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass
class Entry:
    """One question of the bank with its model answer in both languages."""

    id: str  # "01.0" the main question, "01.3" the third follow-up
    notebook: str  # "01"
    path: Path
    title: str  # the notebook's title heading
    kind: str  # "main" or "follow-up"
    number: int  # 0 for the main question
    question_zh: str
    question_en: str
    answer_zh: str
    answer_en: str
    section: str  # the heading the answer sits under
    revisit: list[str] = field(default_factory=list)  # headings of the notebook to read again
    cell: int = 0

    def question(self, lang: str) -> str:
        return {"zh": self.question_zh, "en": self.question_en}.get(lang, f"{self.question_zh} · {self.question_en}")

    def answer(self, lang: str) -> str:
        return self.answer_zh if lang == "zh" else self.answer_en

    def where(self) -> str:
        """The notebook file and the sections to revisit, as the drill prints them."""
        sections = "; ".join(f"§ {s}" for s in (self.revisit or [self.section]))
        return f"notebooks/{self.path.name}: {sections}"


@dataclass
class Problem:
    """Something that keeps a notebook (or one of its questions) out of the bank."""

    notebook: str
    cell: int | None
    message: str

    def __str__(self) -> str:
        where = f"cell {self.cell}: " if self.cell is not None else ""
        return f"notebooks/{self.notebook}: {where}{self.message}"


@dataclass
class _Section:
    level: int
    title: str
    cell: int
    lines: list[str]


def markdown_cells(path: Path) -> list[tuple[int, str]]:
    """(cell index, source) of every markdown cell of a notebook."""
    notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    return [(i, "".join(c.get("source", ""))) for i, c in enumerate(notebook["cells"]) if c["cell_type"] == "markdown"]


def _sections(cells: list[tuple[int, str]]) -> list[_Section]:
    """Every heading outside fenced code, with the lines up to the next heading (a first, untitled one too)."""
    sections = [_Section(0, "", cells[0][0] if cells else 0, [])]
    for index, source in cells:
        fenced = False
        for line in source.split("\n"):
            if line.lstrip().startswith(("```", "~~~")):
                fenced = not fenced
            heading = None if fenced else _HEADING.match(line)
            if heading:
                sections.append(_Section(len(heading.group(1)), heading.group(2), index, []))
            else:
                sections[-1].lines.append(line)
        sections[-1].lines.append("")  # a cell boundary ends a paragraph
    return sections


def headings(path: Path) -> list[str]:
    """The text of every heading of a notebook, in order (what a revisit line may name)."""
    return [s.title for s in _sections(markdown_cells(path))[1:]]


def _split(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    """{'zh'|'en'|'revisit': text} from marker lines, and the non-blank text found before the first marker."""
    parts: dict[str, list[str]] = {}
    current, before = None, []
    for line in lines:
        for name, mark in _MARKERS:
            if line.startswith(mark):
                current = name
                parts.setdefault(name, [])
                line = line[len(mark):].lstrip()
                break
        if current is None:
            if line.strip():
                before.append(line)
        else:
            parts[current].append(line)
    return {k: "\n".join(v).strip() for k, v in parts.items()}, before


def _check_languages(zh: str, en: str) -> list[str]:
    wrong = []
    if not zh:
        wrong.append(f"no Chinese answer (a {ZH_MARK} paragraph)")
    elif len(_CJK.findall(zh)) < 0.3 * len(re.sub(r"[\s\W\d_]", "", zh)):
        wrong.append(f"the {ZH_MARK} answer is mostly not Chinese")
    if not en:
        wrong.append(f"no English answer (an {EN_MARK} paragraph)")
    elif len(_CJK.findall(en)) > 0.2 * len(re.sub(r"[\s\W\d_]", "", en)):
        wrong.append(f"the {EN_MARK} answer is mostly Chinese")
    return wrong


def parse(path: Path) -> tuple[list[Entry], list[Problem]]:
    """The entries of one notebook (main question first) and what keeps any of them out of the bank."""
    path = Path(path)
    number, name = path.stem[:2], path.name
    cells = markdown_cells(path)
    problems: list[Problem] = []
    if not cells:
        return [], [Problem(name, None, "no markdown cells")]
    sections = _sections(cells)
    titles = [s.title for s in sections[1:]]
    title = next((s.title for s in sections if s.level == 1), path.stem)

    # 1. the main question, in the first cell
    first_cell, first_source = cells[0]
    zh_question = en_question = None
    for line in first_source.split("\n"):
        zh_question = zh_question or _QUESTION_ZH.match(line)
        en_question = en_question or _QUESTION_EN.match(line)
    if not (zh_question and en_question):
        problems.append(Problem(name, first_cell, "the title cell has no '> **面试题：** ...' and "
                                "'> **Interview question:** ...' lines (the main question in both languages)"))

    # 2. the one-minute answer
    one_minute = next((s for s in sections if s.level == 2 and _ONE_MINUTE.match(s.title)), None)
    main = None
    if one_minute is None:
        problems.append(Problem(name, None, f"no '## {ONE_MINUTE_TITLE}' section (the main question's model answer)"))
    else:
        parts, before = _split(one_minute.lines)
        wrong = _check_languages(parts.get("zh", ""), parts.get("en", ""))
        if before:
            wrong.append(f"text before {ZH_MARK}: {before[0][:60]!r}")
        for message in wrong:
            problems.append(Problem(name, one_minute.cell, f"'{one_minute.title}': {message}"))
        if zh_question and en_question and not wrong:
            main = Entry(f"{number}.0", number, path, title, "main", 0, zh_question.group(2),
                         en_question.group(2).strip("*_ "), parts["zh"], parts["en"], one_minute.title,
                         [one_minute.title], one_minute.cell)

    # 3. the follow-ups
    entries = [main] if main else []
    start = next((i for i, s in enumerate(sections) if s.level == 2 and _FOLLOW_UPS.match(s.title)), None)
    if start is None:
        problems.append(Problem(name, None, f"no '## {FOLLOW_UPS_TITLE}' section"))
        return entries, problems
    follow_ups = []
    for section in sections[start + 1:]:
        if section.level <= 2:
            break
        if section.level == 3:
            follow_ups.append(section)
    if len(follow_ups) < MIN_FOLLOW_UPS:
        problems.append(Problem(name, sections[start].cell, f"{len(follow_ups)} follow-up questions under "
                                f"'{sections[start].title}' (### headings); at least {MIN_FOLLOW_UPS} are needed"))
    for expected, section in enumerate(follow_ups, start=1):
        heading = _FOLLOW_UP.match(section.title)
        if not heading:
            problems.append(Problem(name, section.cell, f"follow-up heading '### {section.title}' is not "
                                    "'### <n>. <Chinese question> · <English question>'"))
            continue
        wrong = []
        if int(heading.group(1)) != expected:
            wrong.append(f"is numbered {heading.group(1)}, expected {expected}")
        question_zh, question_en = heading.group(2).strip(), heading.group(3).strip()
        if not _CJK.search(question_zh):
            wrong.append("its question before ' · ' is not Chinese")
        parts, before = _split(section.lines)
        wrong += _check_languages(parts.get("zh", ""), parts.get("en", ""))
        if before:
            wrong.append(f"text before {ZH_MARK}: {before[0][:60]!r}")
        revisit = [r.strip() for r in parts.get("revisit", "").replace("\n", " ").split(";") if r.strip()]
        if not revisit:
            wrong.append(f"no '{REVISIT_MARK} <heading>' line (the sections to read again)")
        for target in revisit:
            if target not in titles:
                wrong.append(f"revisits '{target}', which is not a heading of this notebook")
        for message in wrong:
            problems.append(Problem(name, section.cell, f"follow-up '{section.title[:50]}': {message}"))
        if not wrong:
            entries.append(Entry(f"{number}.{expected}", number, path, title, "follow-up", expected, question_zh,
                                 question_en, parts["zh"], parts["en"], section.title, revisit, section.cell))
    return entries, problems


def notebooks(chosen: list[str] | None = None, folder: Path = NOTEBOOKS) -> list[Path]:
    """The course's notebooks, or those numbered (or named) in `chosen`."""
    every = sorted(Path(folder).glob("[0-9][0-9]_*.ipynb"))
    if not chosen:
        return every
    return [p for p in every if p.stem[:2] in chosen or p.stem in chosen]


def load(chosen: list[str] | None = None, folder: Path = NOTEBOOKS) -> tuple[list[Entry], list[Problem]]:
    """Every entry of every notebook (in notebook order), and every problem found on the way."""
    entries, problems = [], []
    for path in notebooks(chosen, folder):
        found, wrong = parse(path)
        entries += found
        problems += wrong
    return entries, problems


# ------------------------------------------------------------------------------------------- converting
_OLD_ONE_MINUTE = re.compile(r"^(#{2})\s+(\d+\.\s+)?.*(one minute|one-minute|under a minute|一分钟).*$", re.I)
_OLD_FOLLOW_UPS = re.compile(r"^(#{2})\s+(\d+\.\s+)?.*(follow-up questions|追问).*$", re.I)
_OLD_ZH = re.compile(r"^\*\*中文[^*]*\*\*\s*")
_OLD_EN = re.compile(r"^\*\*English[^*]*\*\*\s*")
_OLD_QUESTION = re.compile(r"^\*\*Q[:：]\s*(.+?)\*\*\s*$")
_QUOTED = re.compile(r"^>\s?(.*)$")


def _is_chinese(line: str) -> bool:
    letters = re.sub(r"[\s\W\d_]", "", line)
    return bool(letters) and len(_CJK.findall(line)) >= 0.3 * len(letters)


def _split_question(text: str) -> tuple[str, str] | None:
    """'硬共享还是软共享？ Hard or soft sharing?' -> (Chinese, English)."""
    match = re.match(r"^(.*?[？?])\s+([A-Za-z].*)$", text) if "？" in text else None
    if match and _CJK.search(match.group(1)):
        return match.group(1).strip(), match.group(2).strip()
    match = re.match(r"^(.*?[\u3400-\u9fff）」])\s+([A-Za-z].*)$", text)
    return (match.group(1).strip(), match.group(2).strip()) if match else None


def _guess_revisit(text: str, titles: list[str]) -> list[str]:
    """The headings an answer points at ("section 5", "sections 2, 3", "第 3 节"), for numbered headings."""
    numbers = []
    for match in re.finditer(r"[Ss]ections?\s+(\d+(?:(?:,\s*|\s+and\s+)\d+)*)|第\s*(\d+(?:[、,，]\s*\d+)*)\s*节", text):
        numbers += re.findall(r"\d+", match.group(1) or match.group(2))
    found = []
    for number in numbers:
        heading = next((t for t in titles if re.match(rf"^{number}\s*[.·]\s", t)), None)
        if heading and heading not in found:
            found.append(heading)
    return found


def _chinese_share(text: str) -> float:
    letters = re.sub(r"[\s\W\d_]", "", text)
    return len(_CJK.findall(text)) / len(letters) if letters else 0.0


def _split_mixed(text: str) -> tuple[str, str] | None:
    """A paragraph in one language followed by the other -> (Chinese, English); None if no clean split."""
    zh_first = _chinese_share(text.split("\n")[0][:80]) >= 0.3
    boundary = r"(?<=[。！？）」])\s*(?=[A-Z*`$(])" if zh_first else r"(?<=[.!?)*`$])\s+(?=[\u3400-\u9fff])"
    for match in re.finditer(boundary, text):
        head, tail = text[:match.start()].strip(), text[match.end():].strip()
        if zh_first and _chinese_share(head) >= 0.3 and _chinese_share(tail) < 0.2:
            return head, tail
        if not zh_first and _chinese_share(head) < 0.2 and _chinese_share(tail) >= 0.3:
            return tail, head
    return None


def _question_blocks(lines: list[str]) -> tuple[list[str], list[tuple[str, str, list[str]]]]:
    """The text before the first question, and (question as written, layout, body lines) per follow-up.

    Two older layouts: `**Q: 中文？ English?**` on its own line with the answer's lines under it ("q"), and a
    paragraph that starts with a bold `**English? · 中文？**` and goes on with both answers ("bold")."""
    before, blocks, i = [], [], 0
    while i < len(lines):
        question = _OLD_QUESTION.match(lines[i])
        paragraph_start = lines[i].startswith("**") and (i == 0 or not lines[i - 1].strip())
        bold = None
        if not question and paragraph_start:
            j = i
            while j < len(lines) and lines[j].strip():
                j += 1
            match = re.match(r"^\*\*(.+?)\*\*\s*(.*)$", "\n".join(lines[i:j]), re.S)
            if match and " · " in match.group(1):
                asked = re.sub(r"(?<=[\u3000-\u9fff\uff00-\uffef])\n(?=[\u3000-\u9fff\uff00-\uffef])", "",
                               match.group(1))
                bold = (asked.replace("\n", " "), match.group(2).split("\n"), j)
        if question:
            body, i = [], i + 1
            while i < len(lines) and not _OLD_QUESTION.match(lines[i]) and not lines[i].startswith("#"):
                body.append(re.sub(r"^A[:：]\s*", "", lines[i]))
                i += 1
            blocks.append((question.group(1), "q", body))
        elif bold:
            blocks.append((bold[0], "bold", bold[1]))
            i = bold[2]
        else:
            (blocks[-1][2] if blocks and blocks[-1][1] == "q" else before).append(lines[i])
            i += 1
    return before, blocks


def _convert_follow_ups(lines: list[str], titles: list[str] = ()) -> tuple[list[str], list[str]]:
    """Older follow-up layouts (see _question_blocks) -> the bank's layout; and notes for a person."""
    before, blocks = _question_blocks(lines)
    out, notes = list(before), []
    while out and not out[-1].strip():
        out.pop()
    out.append("")
    for number, (question, layout, body) in enumerate(blocks, start=1):
        if layout == "bold":
            first, second = question.split(" · ", 1)
            split = (first, second) if _CJK.search(first) and not _CJK.search(second) else (second, first)
        else:
            split = _split_question(question)
        zh_q, en_q = split if split else ("TODO 中文问题", question)
        if not split:
            notes.append(f"follow-up {number}: write its Chinese question")
        while body and not body[-1].strip():
            body.pop()
        text = "\n".join(body).strip()
        kinds = ["zh" if _is_chinese(line) else "en" for line in body if line.strip()]
        by_lines = kinds in (sorted(kinds, key=lambda k: k != "zh"), sorted(kinds, key=lambda k: k != "en"))
        mixed = _split_mixed(text) if layout == "bold" or not by_lines else None
        if mixed:
            zh_lines, en_lines = mixed[0].split("\n"), mixed[1].split("\n")
        elif by_lines:
            zh_lines = [line for line in body if line.strip() and _is_chinese(line)]
            en_lines = [line for line in body if line.strip() and not _is_chinese(line)]
        else:
            zh_lines, en_lines = ["TODO 中文答案"], body
            notes.append(f"follow-up {number}: its Chinese and English could not be told apart; split by hand")
        if not zh_lines:
            zh_lines = ["TODO 中文答案"]
            notes.append(f"follow-up {number}: write its Chinese answer")
        if not en_lines:
            en_lines = ["TODO English answer"]
            notes.append(f"follow-up {number}: write its English answer")
        revisit = _guess_revisit(text, list(titles))
        out += [f"### {number}. {zh_q.strip()} · {en_q.strip()}", "", ZH_MARK, *zh_lines, "", EN_MARK, *en_lines, "",
                f"{REVISIT_MARK} " + ("; ".join(revisit) if revisit else "TODO (a heading of this notebook)"), ""]
        notes.append(f"follow-up {number}: " + ("check the sections to revisit (guessed from the answer)" if revisit
                                                else "name the section(s) to revisit"))
    return out, notes


def convert_source(source: str, first_cell: bool = False, title_line: str | None = None,
                   titles: list[str] = ()) -> tuple[str, list[str]]:
    """One markdown cell's source in the bank's layout (older layouts of this course), and notes for a person."""
    lines, notes, out = source.split("\n"), [], []
    if first_cell and not any(_QUESTION_ZH.match(line) for line in lines):
        quoted = " ".join(m.group(1).strip() for m in map(_QUOTED.match, lines) if m)
        kind = "编程题" if re.search(r"Interview problem|编程题", quoted) else "面试题"
        text = re.sub(r"(\*\*)?(Interview (question|problem)|面试题|编程题)[:：](\*\*)?", " ", quoted).strip()
        split = text.split(" — ", 1) if " — " in text else _split_question(text)
        if split and len(split) == 2 and _CJK.search(split[0]):
            zh_q, en_q = split[0].strip(), split[1].strip().strip("*_ ")
        elif title_line and len(title_line.split(" · ")) >= 3:
            zh_q, en_q = title_line.split(" · ")[1:3]
        else:
            zh_q, en_q = "TODO 中文问题", "TODO English question"
        en_q = en_q[:1].upper() + en_q[1:]
        block = [f"> **{kind}：** {zh_q}", f"> **Interview {'problem' if kind == '编程题' else 'question'}:** {en_q}"]
        kept = [line for line in lines if not _QUOTED.match(line)]
        at = 1
        while at < len(kept) and kept[at].startswith("#"):
            at += 1
        while at < len(kept) and not kept[at].strip() and at + 1 < len(kept) and not kept[at + 1].strip():
            del kept[at]
        lines = kept[:at] + [""] + block + kept[at:]
        notes.append(f"title cell: main question written as '{block[0]}' / '{block[1]}': check it")
    i = 0
    while i < len(lines):
        line = lines[i]
        one_minute, follow_ups = _OLD_ONE_MINUTE.match(line), _OLD_FOLLOW_UPS.match(line)
        if one_minute and not _ONE_MINUTE.match(line[3:]):
            out.append(f"## {one_minute.group(2) or ''}{ONE_MINUTE_TITLE}")
        elif follow_ups and not _FOLLOW_UPS.match(line[3:]):
            out.append(f"## {follow_ups.group(2) or ''}{FOLLOW_UPS_TITLE}")
            j = i + 1
            while j < len(lines) and not re.match(r"^#{1,2}\s", lines[j]):
                j += 1
            converted, more = _convert_follow_ups(lines[i + 1:j], titles)
            out += converted
            notes += more
            i = j
            continue
        elif _OLD_ZH.match(line) and not line.startswith(ZH_MARK + " ") and line.strip() != ZH_MARK:
            rest = _OLD_ZH.sub("", line)
            out += [ZH_MARK] + ([rest] if rest else [])
        elif _OLD_EN.match(line) and not line.startswith(EN_MARK + " ") and line.strip() != EN_MARK:
            rest = _OLD_EN.sub("", line)
            out += [EN_MARK] + ([rest] if rest else [])
        else:
            out.append(line)
        i += 1
    return "\n".join(out), notes


def convert(path: Path) -> list[str]:
    """Rewrite one notebook's markdown cells into the bank's layout; the notes say what a person must still do."""
    path = Path(path)
    notebook = json.loads(path.read_text(encoding="utf-8"))
    notes, changed = [], False
    titles = headings(path)
    first = next((i for i, c in enumerate(notebook["cells"]) if c["cell_type"] == "markdown"), None)
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        source = "".join(cell["source"])
        title = source.split("\n", 1)[0].lstrip("# ").strip() if index == first else None
        new, more = convert_source(source, first_cell=index == first, title_line=title, titles=titles)
        notes += [f"cell {index}: {n}" for n in more]
        if new != source:
            cell["source"] = new.splitlines(keepends=True)
            changed = True
    if changed:
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    return notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mtlrec.bank", description=__doc__.splitlines()[0])
    parser.add_argument("numbers", nargs="*", metavar="NN", help="notebook numbers such as 04 (default: all)")
    parser.add_argument("--convert", action="store_true",
                        help="rewrite these notebooks' older layouts into the bank's (markdown cells only)")
    args = parser.parse_args(argv)
    chosen = notebooks(args.numbers)
    missing = [n for n in args.numbers if not any(p.stem[:2] == n or p.stem == n for p in chosen)]
    if missing:
        print(f"mtlrec.bank: no notebook numbered {', '.join(missing)} in notebooks/", file=sys.stderr)
        return 2
    if args.convert:
        if not args.numbers:
            print("mtlrec.bank: --convert needs the notebook numbers to rewrite, e.g. --convert 04", file=sys.stderr)
            return 2
        for path in chosen:
            notes = convert(path)
            print(f"{path.name}: converted" + "".join(f"\n  {n}" for n in notes))
    failed = False
    for path in chosen:
        entries, problems = parse(path)
        follow_ups = sum(e.kind == "follow-up" for e in entries)
        main_found = any(e.kind == "main" for e in entries)
        print(f"{path.name}: {'main question' if main_found else 'NO main question'} + {follow_ups} follow-ups"
              + ("" if problems else ", ok"))
        for problem in problems:
            print(f"  {problem}")
        failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
