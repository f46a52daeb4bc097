"""The interview drill: `python -m mtlrec.drill [cards | mock --minutes N | export] [--lang zh|en|both]`.

Reading a model answer is not giving one. The drill asks you the course's questions in a plain terminal (keyboard
only; Linux, macOS and Windows; no extra package) and shows the model answer after yours:

- `cards` (the default): flash cards with spaced repetition (Leitner boxes). You answer aloud or type, press Enter
  on an empty line, read the model answer and rate yourself 0-3 (0 missed, 1 partly, 2 good, 3 easy). A 0 sends the
  card back to box 1, a 1 down one box, a 2 up one box, a 3 up two; box 1 is due again at once, boxes 2-5 after
  1, 3, 7 and 21 days. Each session takes the due cards (lowest box first), then cards not seen yet, up to
  `--count` (10).
- `mock --minutes N`: a timed mock interview. A notebook's main question (`--notebook NN`, or one drawn at random),
  then its follow-ups in random order, then the next notebook, until the time is up. You type your answer (an empty
  line ends it; `skip` gives up on the question, `q` ends the interview), see the model answer and the time you
  took, and score yourself 0-3. The summary names the notebooks and sections to revisit. Scores also update the
  cards, as a review would.
- `export --markdown FILE --html FILE`: the whole bank (every question and model answer, the glossary after it) as
  one printable Markdown file and one HTML file (either option alone is fine).

`--lang zh` asks and answers in Chinese, `en` in English, `both` (the default) Chinese first, then English.
`--notebooks NN ...` keeps the questions of those notebooks only; `--seed N` fixes the random draws (the seed in use
is printed; by default it comes from the clock).

The questions and model answers are read from the notebooks every time the drill starts (`mtlrec.bank` describes
the format), so the drill and the notebooks never drift; the terms come from the glossary (`mtlrec/glossary.csv`).
Progress is kept outside the repository in `$MTLREC_DRILL_HOME/drill-progress.json` (default `~/.mtlrec/`), and its
path is printed. A progress file that cannot be read, or has another format version, is reported and renamed
with a timestamp (`drill-progress.json.corrupt-20250101T120000`), never overwritten; the drill then starts a new one.

Bad input (an unknown option, an empty answer, a rating out of range) gets one line saying what to type, and the
question again; the end of input (Ctrl-D, or Ctrl-Z then Enter on Windows) ends the session with its summary.
For tests, `MTLREC_DRILL_CLOCK=START[+STEP]` replaces the clock: it reads START seconds since the epoch and
advances by STEP seconds at every reading.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import random
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, TextIO

from mtlrec import bank as bank_module
from mtlrec import glossary

FORMAT, VERSION = "mtlrec-drill-progress", 1
PROGRESS_NAME = "drill-progress.json"
HOME_ENV, CLOCK_ENV = "MTLREC_DRILL_HOME", "MTLREC_DRILL_CLOCK"
BOX_DAYS = {1: 0, 2: 1, 3: 3, 4: 7, 5: 21}  # Leitner box -> days until the card is due again
RATINGS = {0: "missed · 不会", 1: "partly · 部分", 2: "good · 答对", 3: "easy · 轻松"}
DEFAULT_COUNT = 10
MAX_TERMS = 12  # glossary terms listed under one model answer
TARGET_SECONDS = {"main": 60, "follow-up": 45}  # what a mock answer should take, said aloud
RULE = "─" * 60

LABELS = {
    "question": ("问", "Q"),
    "interviewer": ("面试官", "Interviewer"),
    "answer": ("标准答案", "Model answer"),
    "terms": ("术语", "Terms"),
    "revisit": ("复习", "Revisit"),
    "summary": ("小结", "Summary"),
    "main": ("主问题", "main question"),
    "follow-up": ("追问", "follow-up"),
}


class EndOfInput(Exception):
    """Standard input ended (Ctrl-D, Ctrl-Z Enter, or the end of a piped file)."""


class Stop(Exception):
    """The learner asked to stop (q)."""


def label(key: str, lang: str) -> str:
    zh, en = LABELS[key]
    return {"zh": zh, "en": en}.get(lang, f"{zh} · {en}")


def make_clock(environ=os.environ) -> Callable[[], float]:
    """time.time, or the fake clock of MTLREC_DRILL_CLOCK=START[+STEP] (tests)."""
    spec = environ.get(CLOCK_ENV, "").strip()
    if not spec:
        return time.time
    start, _, step = spec.partition("+")
    state = {"now": float(start) - float(step or 0)}

    def clock() -> float:
        state["now"] += float(step or 0)
        return state["now"]

    return clock


def minutes_seconds(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60}:{seconds % 60:02d}"


def local_time(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(epoch))


def plain(markdown: str) -> str:
    """A model answer as a terminal shows it: markdown emphasis and backslash escapes removed."""
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", markdown, flags=re.S)
    text = re.sub(r"(?<![A-Za-z0-9*])\*(?!\s)(.+?)(?<!\s)\*(?![A-Za-z0-9*])", r"\1", text)
    return text


# ------------------------------------------------------------------------------------------------ terminal
class Terminal:
    """Lines in, lines out: input() without readline or curses, so it behaves the same in every terminal."""

    def __init__(self, stdin: TextIO, stdout: TextIO):
        self.stdin, self.stdout = stdin, stdout

    def say(self, text: str = "") -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def ask(self, prompt: str) -> str:
        self.stdout.write(prompt)
        self.stdout.flush()
        line = self.stdin.readline()
        if line == "":
            self.stdout.write("\n")
            raise EndOfInput
        return line.rstrip("\r\n")

    def rating(self, prompt: str) -> int:
        """A self-rating 0-3; anything else gets one line and the prompt again; q stops."""
        while True:
            reply = self.ask(prompt).strip().lower()
            if reply in ("q", "quit", "exit"):
                raise Stop
            if reply.isdigit() and int(reply) in RATINGS:
                return int(reply)
            if not reply:
                self.say("  Type a number: 0 missed, 1 partly, 2 good, 3 easy (q to stop).")
            elif reply.lstrip("-").isdigit():
                self.say(f"  {reply} is out of range: type 0, 1, 2 or 3 (q to stop).")
            else:
                self.say(f"  '{reply}' is not a rating: type 0, 1, 2 or 3 (q to stop).")


# ------------------------------------------------------------------------------------------------ progress
class ProgressError(Exception):
    """The progress file exists but cannot be used (the message says why)."""

    def __init__(self, message: str, kind: str):
        super().__init__(message)
        self.kind = kind  # "corrupt" or "old-format"


@dataclass
class Progress:
    """The learner's Leitner boxes, kept in a JSON file outside the repository."""

    path: Path
    cards: dict = field(default_factory=dict)
    mocks: list = field(default_factory=list)
    write_failed: str | None = None
    readonly: bool = False  # set when an unusable file could not be moved aside: never overwrite it

    @staticmethod
    def read(path: Path) -> "Progress":
        """The progress in `path` (empty if there is none); ProgressError if the file is unusable."""
        if not path.exists():
            return Progress(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ProgressError(f"it is not readable JSON ({error})", "corrupt") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ProgressError(f"it is not a drill progress file (no \"format\": \"{FORMAT}\")", "corrupt")
        if data.get("version") != VERSION:
            raise ProgressError(f"it has format version {data.get('version')!r}; this drill reads version {VERSION}",
                                "old-format")
        cards = data.get("cards")
        if not isinstance(cards, dict) or not isinstance(data.get("mocks", []), list):
            raise ProgressError("its \"cards\" or \"mocks\" entry has the wrong type", "corrupt")
        for name, card in cards.items():
            if not (isinstance(card, dict) and card.get("box") in BOX_DAYS
                    and isinstance(card.get("due"), (int, float))):
                raise ProgressError(f"card {name!r} has no valid box (1-5) and due time", "corrupt")
        return Progress(path, cards, data.get("mocks", []))

    @staticmethod
    def open(path: Path, now: float, term: Terminal) -> "Progress":
        """Read the progress; an unusable file is reported, renamed with a timestamp and replaced by a new one."""
        try:
            progress = Progress.read(path)
        except ProgressError as problem:
            stamp = time.strftime("%Y%m%dT%H%M%S", time.localtime(now))
            aside = path.with_name(f"{path.name}.{problem.kind}-{stamp}")
            number = 1
            while aside.exists():
                number += 1
                aside = path.with_name(f"{path.name}.{problem.kind}-{stamp}-{number}")
            try:
                os.replace(path, aside)
            except OSError as error:
                term.say(f"Progress file {path}: {problem}, and it could not be set aside ({error}); "
                         "this session's progress will not be saved.")
                return Progress(path, write_failed=f"the old file could not be set aside ({error})", readonly=True)
            term.say(f"Progress file {path}: {problem}. It is kept as {aside.name}; starting a new progress file.")
            progress = Progress(path)
        return progress

    def due(self, entry_id: str, now: float) -> bool:
        card = self.cards.get(entry_id)
        return card is not None and card["due"] <= now

    def review(self, entry: bank_module.Entry, rating: int, now: float) -> dict:
        """Move the card by the rating (see the module docstring) and save."""
        card = self.cards.get(entry.id, {"box": 1, "reviews": 0})
        box = card["box"]
        box = 1 if rating == 0 else max(1, box - 1) if rating == 1 else min(5, box + (1 if rating == 2 else 2))
        card.update(box=box, due=now + BOX_DAYS[box] * 86400, reviews=card.get("reviews", 0) + 1,
                    last_rating=rating, last_review=now, question=f"{entry.question_zh} · {entry.question_en}")
        self.cards[entry.id] = card
        self.save()
        return card

    def save(self) -> None:
        if self.readonly:
            return
        data = {"format": FORMAT, "version": VERSION, "cards": self.cards, "mocks": self.mocks}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_name(self.path.name + ".tmp")
            text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
            temporary.write_text(text, encoding="utf-8")
            os.replace(temporary, self.path)
        except OSError as error:
            self.write_failed = str(error)


def progress_path(environ=os.environ) -> Path:
    home = environ.get(HOME_ENV)
    return (Path(home).expanduser() if home else Path.home() / ".mtlrec") / PROGRESS_NAME


# ------------------------------------------------------------------------------------------------ showing
def show_question(term: Terminal, entry: bank_module.Entry, lang: str, who: str = "question") -> None:
    if lang in ("zh", "both"):
        term.say(f"{LABELS[who][0]}：{entry.question_zh}")
    if lang in ("en", "both"):
        term.say(f"{LABELS[who][1]}: {entry.question_en}")


def terms_of(entry: bank_module.Entry, lang: str, terms: list[glossary.Term]) -> list[glossary.Term]:
    text = {"zh": entry.answer_zh, "en": entry.answer_en}.get(lang, entry.answer_zh + "\n" + entry.answer_en)
    return [terms[i] for i in sorted(glossary.mentions(text, terms))]


def show_answer(term: Terminal, entry: bank_module.Entry, lang: str, terms: list[glossary.Term]) -> None:
    term.say(f"── {label('answer', lang)} " + "─" * 40)
    if lang in ("zh", "both"):
        term.say(plain(entry.answer_zh))
    if lang == "both":
        term.say("")
    if lang in ("en", "both"):
        term.say(plain(entry.answer_en))
    used = terms_of(entry, lang, terms)
    if used:
        shown = "; ".join(f"{t.zh} {t.en}" for t in used[:MAX_TERMS]) + (" …" if len(used) > MAX_TERMS else "")
        term.say(f"{label('terms', lang)}: {shown}")
    term.say(f"{label('revisit', lang)}: {entry.where()}")


def revisit_lines(entries: list[bank_module.Entry]) -> list[str]:
    """One line per notebook: its file and the sections to read again, in course order."""
    by_notebook: dict[str, list[str]] = {}
    files = {}
    for entry in sorted(entries, key=lambda e: (e.notebook, e.number)):
        files[entry.notebook] = entry.path.name
        for section in entry.revisit or [entry.section]:
            if section not in by_notebook.setdefault(entry.notebook, []):
                by_notebook[entry.notebook].append(section)
    return [f"  notebooks/{files[n]}: " + "; ".join(f"§ {s}" for s in sections) for n, sections in by_notebook.items()]


# ------------------------------------------------------------------------------------------------ cards
def run_cards(entries, progress, term, lang, count, rng, clock, terms, reviewed: list) -> None:
    """One spaced-repetition session; appends (entry, rating) to `reviewed` as the learner rates."""
    now = clock()
    due = [e for e in entries if progress.due(e.id, now)]
    rng.shuffle(due)
    due.sort(key=lambda e: progress.cards[e.id]["box"])
    new = [e for e in entries if e.id not in progress.cards]
    session = (due + new)[:count]
    if not session:
        upcoming = [c["due"] for i, c in progress.cards.items() if i in {e.id for e in entries}]
        when = f"; the next is due {local_time(min(upcoming))}" if upcoming else ""
        term.say(f"No card is due now{when}. (`mock --minutes N` drills without waiting.)")
        return
    term.say(f"{len(session)} card(s): {sum(e.id in progress.cards for e in session)} due, "
             f"{sum(e.id not in progress.cards for e in session)} new. Answer aloud or type; an empty line shows "
             "the model answer. Rate 0 missed, 1 partly, 2 good, 3 easy; q stops.")
    for number, entry in enumerate(session, start=1):
        box = progress.cards.get(entry.id, {}).get("box")
        kind = label(entry.kind, lang) + (f" {entry.number}" if entry.kind == "follow-up" else "")
        term.say("")
        term.say(RULE)
        term.say(f"[{number}/{len(session)}] {entry.notebook} · {kind} · " + (f"box {box}" if box else "new"))
        show_question(term, entry, lang)
        while term.ask("> ").strip():
            pass
        show_answer(term, entry, lang, terms)
        rating = term.rating("Rate yourself 0-3 (0 missed, 1 partly, 2 good, 3 easy; q to stop): ")
        card = progress.review(entry, rating, clock())
        reviewed.append((entry, rating))
        term.say(f"  → box {card['box']}, due {'again next session' if card['box'] == 1 else local_time(card['due'])}")


def cards_summary(term, reviewed, progress, entries, lang, clock) -> None:
    term.say("")
    term.say(f"── {label('summary', lang)} " + "─" * 40)
    if reviewed:
        counts = {r: sum(1 for _, x in reviewed if x == r) for r in RATINGS}
        term.say(f"Reviewed {len(reviewed)} card(s): " + ", ".join(f"{counts[r]} × {RATINGS[r]}" for r in RATINGS
                                                                   if counts[r]) + ".")
    else:
        term.say("Reviewed no card.")
    ids = {e.id for e in entries}
    boxes = {b: sum(1 for i, c in progress.cards.items() if i in ids and c["box"] == b) for b in BOX_DAYS}
    unseen = sum(1 for e in entries if e.id not in progress.cards)
    term.say("Boxes: " + " · ".join(f"box {b}: {n}" for b, n in boxes.items()) + f" · not seen yet: {unseen}")
    now = clock()
    later = [c["due"] for i, c in progress.cards.items() if i in ids and c["due"] > now]
    due_now = sum(1 for e in entries if progress.due(e.id, now))
    term.say(f"Due now: {due_now}" + (f"; next due {local_time(min(later))}" if later else ""))
    weak = [e for e, r in reviewed if r <= 1]
    if weak:
        term.say(f"{label('revisit', lang)} (rated 0-1):")
        for line in revisit_lines(weak):
            term.say(line)
    term.say(f"Progress: {progress.path}")
    if progress.write_failed:
        term.say(f"Could not save the progress file: {progress.write_failed}")


# ------------------------------------------------------------------------------------------------ mock
def read_answer(term: Terminal) -> str | None:
    """The learner's typed answer (ended by an empty line), None for skip; q stops; an empty answer is retried."""
    while True:
        first = term.ask("> ")
        if first.strip().lower() in ("q", "quit", "exit"):
            raise Stop
        if first.strip().lower() == "skip":
            return None
        if first.strip():
            break
        term.say("  An empty answer: say it in a few sentences first (or type skip to see the model answer, q to end).")
    lines = [first]
    while True:
        line = term.ask("> ")
        if not line.strip():
            return "\n".join(lines)
        lines.append(line)


@dataclass
class Asked:
    entry: bank_module.Entry
    seconds: float
    score: int
    skipped: bool


def mock_order(entries, rng, first: str | None) -> list[bank_module.Entry]:
    """Notebooks in random order (the chosen one first); each: its main question, then its follow-ups shuffled."""
    by_notebook: dict[str, list] = {}
    for entry in entries:
        by_notebook.setdefault(entry.notebook, []).append(entry)
    numbers = sorted(by_notebook)
    rng.shuffle(numbers)
    if first in by_notebook:
        numbers.remove(first)
        numbers.insert(0, first)
    order = []
    for number in numbers:
        main = [e for e in by_notebook[number] if e.kind == "main"]
        follow = [e for e in by_notebook[number] if e.kind != "main"]
        rng.shuffle(follow)
        order += main + follow
    return order


def run_mock(entries, progress, term, lang, minutes, rng, clock, terms, first, asked: list) -> float:
    """A timed mock interview; appends an Asked to `asked` per question and returns the time used."""
    budget = minutes * 60
    order = mock_order(entries, rng, first)
    term.say(f"Mock interview · 模拟面试: {minutes:g} minute(s). Type your answer; an empty line ends it "
             "(skip: see the model answer; q: end the interview). Score yourself 0-3 after each answer.")
    start = clock()
    try:
        for entry in order:
            elapsed = clock() - start
            if elapsed >= budget:
                term.say("")
                term.say(f"Time is up ({minutes_seconds(budget)}). 时间到。")
                return elapsed
            term.say("")
            term.say(RULE)
            kind = label(entry.kind, lang)
            term.say(f"[{minutes_seconds(elapsed)} / {minutes_seconds(budget)}] {entry.notebook} · {kind}")
            show_question(term, entry, lang, "interviewer")
            began = clock()
            answer = read_answer(term)
            took = clock() - began
            target = TARGET_SECONDS[entry.kind]
            advice = f", aim for under {minutes_seconds(target)}" if took > target else ""
            note = "skipped" if answer is None else f"took {minutes_seconds(took)}{advice}"
            term.say(f"  ({note})")
            show_answer(term, entry, lang, terms)
            score = 0 if answer is None else term.rating("Score your answer 0-3 (0 missed, 1 partly, 2 good, "
                                                         "3 easy; q to end): ")
            asked.append(Asked(entry, took, score, answer is None))
            progress.review(entry, score, clock())
        elapsed = clock() - start
        term.say("")
        term.say("No questions left. 题目已问完。")
        return elapsed
    finally:
        if asked:
            progress.mocks.append({"at": start, "minutes": minutes, "scores": {a.entry.id: a.score for a in asked}})
            progress.save()


def mock_summary(term, asked: list[Asked], elapsed: float, minutes: float, progress, lang) -> None:
    term.say("")
    term.say(f"── {label('summary', lang)} · 面试小结 " + "─" * 30)
    if not asked:
        term.say("No question was answered.")
    for number, a in enumerate(asked, start=1):
        question = a.entry.question(lang if lang != "both" else "zh")
        score = "skipped" if a.skipped else f"{a.score}/3"
        term.say(f"  {number:>2}. {score:<7} {minutes_seconds(a.seconds):>5}  {a.entry.notebook} {question}")
    if asked:
        total = sum(a.score for a in asked)
        term.say(f"Score {total}/{3 * len(asked)} over {len(asked)} question(s) in "
                 f"{minutes_seconds(elapsed)} of {minutes_seconds(minutes * 60)}.")
    weak = [a.entry for a in asked if a.score <= 1]
    if weak:
        term.say(f"{label('revisit', lang)} (scored 0-1 or skipped):")
        for line in revisit_lines(weak):
            term.say(line)
    elif asked:
        term.say("Nothing scored below 2: try `cards` for the questions you have not met yet.")
    term.say(f"Progress: {progress.path}")
    if progress.write_failed:
        term.say(f"Could not save the progress file: {progress.write_failed}")


# ------------------------------------------------------------------------------------------------ export
def export_markdown(entries, lang: str, terms: list[glossary.Term]) -> str:
    lines = ["# 面试题库 · The interview question bank", "",
             "Generated from the course's notebooks by `python -m mtlrec.drill export`; every answer is the",
             "notebook's own. 由 `python -m mtlrec.drill export` 从课程 notebook 生成。", ""]
    current = None
    for entry in entries:
        if entry.notebook != current:
            current = entry.notebook
            lines += [f"## {entry.title}", "", f"*notebooks/{entry.path.name}*", ""]
        kind = label(entry.kind, lang) + (f" {entry.number}" if entry.kind == "follow-up" else "")
        question = {"zh": entry.question_zh, "en": entry.question_en}.get(
            lang, f"{entry.question_zh} · {entry.question_en}")
        lines += [f"### {kind}: {question}", ""]
        if lang in ("zh", "both"):
            lines += [("**中文**" if lang == "both" else "") , entry.answer_zh, ""]
        if lang in ("en", "both"):
            lines += [("**English**" if lang == "both" else ""), entry.answer_en, ""]
        lines += [f"*{label('revisit', lang)}: {entry.where()}*", ""]
    lines += ["## 中英术语表 · Glossary", "", "| 中文 | English | 定义 · Definition |", "|---|---|---|"]
    for t in terms:
        definition = {"zh": t.definition_zh, "en": t.definition_en}.get(lang, f"{t.definition_zh} {t.definition_en}")
        lines.append(f"| {t.zh} | {t.en} | {definition.replace('|', '/')} |")
    text = "\n".join(lines) + "\n"
    return re.sub(r"\n{3,}", "\n\n", text.replace("\n\n\n", "\n\n"))


def _inline(text: str) -> str:
    """Markdown inline syntax (code, bold, italic, links) as HTML, everything else escaped."""
    parts = re.split(r"(`[^`]+`)", text)
    out = []
    for part in parts:
        if part.startswith("`") and part.endswith("`") and len(part) > 1:
            out.append(f"<code>{html.escape(part[1:-1])}</code>")
            continue
        part = html.escape(part, quote=False)
        part = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", part)
        part = re.sub(r"(?<![A-Za-z0-9*])\*(?!\s)(.+?)(?<!\s)\*(?![A-Za-z0-9*])", r"<em>\1</em>", part)
        part = re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", lambda m: f'<a href="{html.escape(m.group(2))}">{m.group(1)}</a>',
                      part)
        out.append(part)
    return "".join(out)


def markdown_to_html(markdown: str, title: str) -> str:
    """The small Markdown subset the bank uses (headings, paragraphs, nested lists, tables) as a printable page."""
    body, lines, i = [], markdown.split("\n"), 0
    list_stack: list[tuple[int, str]] = []  # (indent, "ul"|"ol")

    def close_lists(to_indent: int = -1) -> None:
        while list_stack and list_stack[-1][0] > to_indent:
            body.append(f"</li></{list_stack.pop()[1]}>")

    while i < len(lines):
        line = lines[i]
        item = re.match(r"^(\s*)([-*]|\d+\.)\s+(.*)$", line)
        if not line.strip():
            close_lists()
            i += 1
        elif line.startswith("#"):
            close_lists()
            level = len(line) - len(line.lstrip("#"))
            body.append(f"<h{level}>{_inline(line[level:].strip())}</h{level}>")
            i += 1
        elif line.startswith("|"):
            close_lists()
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                if not all(re.fullmatch(r":?-+:?", c) for c in cells):
                    rows.append(cells)
                i += 1
            body.append("<table>")
            for number, cells in enumerate(rows):
                tag = "th" if number == 0 else "td"
                body.append("<tr>" + "".join(f"<{tag}>{_inline(c)}</{tag}>" for c in cells) + "</tr>")
            body.append("</table>")
        elif item:
            indent, kind = len(item.group(1)), "ol" if item.group(2)[0].isdigit() else "ul"
            if list_stack and indent > list_stack[-1][0]:
                body.append(f"<{kind}><li>")
                list_stack.append((indent, kind))
            else:
                close_lists(indent)
                if list_stack and list_stack[-1][0] == indent:
                    body.append("</li><li>")
                else:
                    body.append(f"<{kind}><li>")
                    list_stack.append((indent, kind))
            body.append(_inline(item.group(3)))
            i += 1
        elif list_stack and line.startswith(" "):
            body.append(_inline(line.strip()))
            i += 1
        else:
            close_lists()
            paragraph = []
            while i < len(lines) and lines[i].strip() and not re.match(r"^(#|\||\s*([-*]|\d+\.)\s)", lines[i]):
                paragraph.append(lines[i].strip())
                i += 1
            body.append(f"<p>{_inline(' '.join(paragraph))}</p>")
    close_lists()
    style = ("body{font-family:system-ui,'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif;max-width:52em;"
             "margin:2em auto;line-height:1.5;padding:0 1em}h2{border-bottom:1px solid #999;margin-top:2em}"
             "h2,h3{page-break-after:avoid}table{border-collapse:collapse}"
             "td,th{border:1px solid #aaa;padding:.2em .4em;vertical-align:top}code{font-size:.95em}@media print{body{margin:0;max-width:none}}")
    return ("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{html.escape(title)}</title>\n<style>{style}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


# ------------------------------------------------------------------------------------------------ main
class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one clear line instead of usage + message
        raise SystemExit(f"mtlrec.drill: {message} (see `python -m mtlrec.drill --help`)")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m mtlrec.drill", description=__doc__.split("\n\n")[0],
                     formatter_class=argparse.RawDescriptionHelpFormatter,
                     epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    parser.add_argument("mode", nargs="?", default="cards", choices=["cards", "mock", "export"],
                        help="cards (default), mock or export")
    parser.add_argument("--lang", default="both", choices=["zh", "en", "both"],
                        help="zh, en or both (Chinese first; the default)")
    parser.add_argument("--notebooks", nargs="+", metavar="NN", help="only these notebooks' questions")
    parser.add_argument("--seed", type=int, help="seed of the random draws (default: from the clock)")
    parser.add_argument("--count", type=int, help=f"cards: at most this many cards (default {DEFAULT_COUNT})")
    parser.add_argument("--minutes", type=float, help="mock: the interview's length in minutes")
    parser.add_argument("--notebook", metavar="NN", help="mock: start with this notebook's main question")
    parser.add_argument("--markdown", metavar="FILE", help="export: write the bank as Markdown here")
    parser.add_argument("--html", metavar="FILE", help="export: write the bank as HTML here")
    return parser


def _check_options(args) -> str | None:
    """The first option that does not fit the mode, as a message; None when all fit."""
    modes = [n for n in args.notebooks or [] if n in ("cards", "mock", "export")]
    if modes:
        return f"put the mode before --notebooks, e.g. `python -m mtlrec.drill {modes[0]} --notebooks 01 03`"
    belongs = {"count": "cards", "minutes": "mock", "notebook": "mock", "markdown": "export", "html": "export"}
    for option, mode in belongs.items():
        if getattr(args, option) is not None and args.mode != mode:
            return f"--{option} is an option of `{mode}`, not of `{args.mode}`"
    if args.mode == "mock" and (args.minutes is None or not 0 < args.minutes <= 600):
        return "mock needs --minutes N, a number of minutes between 0 and 600, e.g. `mock --minutes 10`"
    if args.mode == "cards" and args.count is not None and args.count < 1:
        return "--count must be 1 or more"
    if args.mode == "export" and not (args.markdown or args.html):
        return "export needs --markdown FILE and/or --html FILE"
    return None


def main(argv: list[str] | None = None, *, stdin: TextIO | None = None, stdout: TextIO | None = None,
         stderr: TextIO | None = None, clock: Callable[[], float] | None = None, environ=None) -> int:
    """Run the drill; returns the exit status (0 done, 1 nothing to drill or export failed, 2 bad options)."""
    environ = os.environ if environ is None else environ
    stdin, stdout, stderr = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    for stream in (stdin, stdout, stderr):
        try:
            stream.reconfigure(errors="replace")  # a console that cannot show Chinese gets '?', not a traceback
        except (AttributeError, ValueError, OSError):
            pass
    try:
        args = _parser().parse_args(argv)
        problem = _check_options(args)
        if problem:
            raise SystemExit(f"mtlrec.drill: {problem}")
        clock = clock or make_clock(environ)
    except SystemExit as exit_:
        if isinstance(exit_.code, str):
            stderr.write(exit_.code + "\n")
            return 2
        return exit_.code or 0
    except ValueError as error:
        stderr.write(f"mtlrec.drill: {CLOCK_ENV} must look like 1700000000 or 1700000000+30 ({error})\n")
        return 2
    term = Terminal(stdin, stdout)

    entries, problems = bank_module.load(args.notebooks)
    if args.notebooks:
        known = {p.stem[:2] for p in bank_module.notebooks()}
        unknown = [n for n in args.notebooks if n not in known]
        if unknown:
            stderr.write(f"mtlrec.drill: no notebook numbered {', '.join(unknown)} in notebooks/\n")
            return 2
    reported = set()
    for problem in problems:
        if problem.notebook not in reported:
            reported.add(problem.notebook)
            stderr.write(f"mtlrec.drill: some questions of {problem.notebook} are left out: {problem.message} "
                         f"(`python -m mtlrec.bank {problem.notebook[:2]}` lists them)\n")
    if not entries:
        stderr.write("mtlrec.drill: no question found in the chosen notebooks\n")
        return 1
    try:
        terms = glossary.load()
    except (OSError, ValueError) as error:
        stderr.write(f"mtlrec.drill: the glossary could not be read ({error}); terms are not listed\n")
        terms = []

    if args.mode == "export":
        return _export(args, entries, terms, term, stderr)

    seed = args.seed if args.seed is not None else int(clock() * 1000) % 2**31
    rng = random.Random(seed)
    progress = Progress.open(progress_path(environ), clock(), term)
    term.say(f"Progress: {progress.path} · {len(entries)} question(s) from {len({e.notebook for e in entries})} "
             f"notebook(s) · seed {seed}")
    reviewed: list = []
    asked: list[Asked] = []
    status, started = 0, clock()
    elapsed = 0.0
    try:
        if args.mode == "cards":
            run_cards(entries, progress, term, args.lang, args.count or DEFAULT_COUNT, rng, clock, terms, reviewed)
        else:
            elapsed = run_mock(entries, progress, term, args.lang, args.minutes, rng, clock, terms, args.notebook,
                               asked)
    except EndOfInput:
        term.say("End of input: the session ends here.")
        elapsed = clock() - started
    except Stop:
        term.say("Stopped.")
        elapsed = clock() - started
    except KeyboardInterrupt:
        term.say("")
        term.say("Interrupted.")
        elapsed = clock() - started
        status = 130
    if args.mode == "cards":
        cards_summary(term, reviewed, progress, entries, args.lang, clock)
    else:
        mock_summary(term, asked, elapsed, args.minutes, progress, args.lang)
    return status


def _export(args, entries, terms, term, stderr) -> int:
    text = export_markdown(entries, args.lang, terms)
    written = []
    try:
        if args.markdown:
            Path(args.markdown).write_text(text, encoding="utf-8")
            written.append(args.markdown)
        if args.html:
            Path(args.html).write_text(markdown_to_html(text, "面试题库 · The interview question bank"),
                                       encoding="utf-8")
            written.append(args.html)
    except OSError as error:
        stderr.write(f"mtlrec.drill: could not write the export: {error}\n")
        return 1
    term.say(f"Exported {len(entries)} question(s) from {len({e.notebook for e in entries})} notebook(s) to "
             + " and ".join(written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
