"""The question bank and the interview drill (`python -m mtlrec.drill`), driven through standard input.

Every notebook must yield its main question and at least three follow-ups, each with its model answer in both
languages and sections to revisit (the bank format is in mtlrec/bank.py). Every mode of the drill runs as a
subprocess fed by `input=`, with a fake clock (MTLREC_DRILL_CLOCK) and a progress folder in tmp_path; the tests
check what it prints and what it keeps in the progress file, and that bad input never gives a traceback.
No TensorFlow: about ten seconds.
"""

import html.parser
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mtlrec import bank, drill

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = bank.notebooks()
START = 1_700_000_000  # the fake clock's first reading, seconds since the epoch
DAY = 86400
CJK = re.compile(r"[\u3400-\u9fff]")


def run(tmp_path, *args, input="", clock=f"{START}+1"):
    """`python -m mtlrec.drill ARGS` with `input` on standard input; never a traceback."""
    env = {**os.environ, "MTLREC_DRILL_HOME": str(tmp_path / "home"), "MTLREC_DRILL_CLOCK": clock,
           "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run([sys.executable, "-m", "mtlrec.drill", *args], input=input, capture_output=True,
                          text=True, encoding="utf-8", env=env, cwd=ROOT, timeout=120)
    assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
    return done


def progress(tmp_path) -> dict:
    return json.loads((tmp_path / "home" / drill.PROGRESS_NAME).read_text(encoding="utf-8"))


def entries(number="00"):
    found, problems = bank.parse(bank.notebooks([number])[0])
    assert not problems, [str(p) for p in problems]
    return found


def first_line(text: str) -> str:
    return drill.plain(text).strip().splitlines()[0].strip()


# ------------------------------------------------------------------------------------------------ the bank
def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found under notebooks/"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_every_notebook_is_in_the_bank(notebook):
    found, problems = bank.parse(notebook)
    assert not problems, (f"{notebook.name} is not in the question bank's format (see mtlrec/bank.py; "
                          "`python -m mtlrec.bank --convert NN` rewrites the older layouts):\n"
                          + "\n".join(str(p) for p in problems))
    main = [e for e in found if e.kind == "main"]
    follow_ups = [e for e in found if e.kind == "follow-up"]
    assert len(main) == 1, f"{notebook.name}: no main question"
    assert len(follow_ups) >= bank.MIN_FOLLOW_UPS, f"{notebook.name}: {len(follow_ups)} follow-ups"
    for entry in found:
        assert CJK.search(entry.question_zh) and CJK.search(entry.answer_zh), f"{entry.id}: no Chinese"
        assert entry.question_en and entry.answer_en and not CJK.search(entry.question_en[:20]), f"{entry.id}: English"
        assert entry.revisit, f"{entry.id}: no section to revisit"
    assert [e.id for e in found] == [f"{notebook.stem[:2]}.{i}" for i in range(len(found))]


def _notebook(tmp_path, cells: list[str]) -> Path:
    path = tmp_path / "99_probe.ipynb"
    path.write_text(json.dumps({"cells": [{"cell_type": "markdown", "metadata": {}, "source": c} for c in cells],
                                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    return path


GOOD = [
    "# 99 · 探针\n\n> **面试题：** 什么是探针？\n> **Interview question:** What is a probe?",
    "## 一分钟回答 · The answer in one minute\n\n**中文**\n探针就是测试用的小例子。\n\n**English**\nA small test example.",
    "## Evidence\n\nSome text.\n\n```python\n# 这不是标题\n```",
    "## 追问 · Follow-up questions\n\n"
    + "\n\n".join(f"### {n}. 第{n}个问题？ · Question {n}?\n\n**中文** 中文答案{n}。\n\n**English** Answer {n}.\n\n"
                  f"**复习 · Revisit:** Evidence" for n in (1, 2, 3))
    + "\n\n## Summary\n\nDone.",
]


def test_the_bank_parses_its_format(tmp_path):
    found, problems = bank.parse(_notebook(tmp_path, GOOD))
    assert not problems, [str(p) for p in problems]
    assert [(e.id, e.question_zh, e.question_en) for e in found] == [
        ("99.0", "什么是探针？", "What is a probe?"), ("99.1", "第1个问题？", "Question 1?"),
        ("99.2", "第2个问题？", "Question 2?"), ("99.3", "第3个问题？", "Question 3?")]
    assert found[0].answer_zh == "探针就是测试用的小例子。" and found[0].answer_en == "A small test example."
    assert found[2].answer_zh == "中文答案2。" and found[2].revisit == ["Evidence"]


@pytest.mark.parametrize("broken, expected", [
    (lambda c: c[:1] + [c[1].replace("**English**\nA small test example.", "")] + c[2:], "no English answer"),
    (lambda c: c[:3] + [c[3].replace("### 2.", "### 5.")], "numbered 5, expected 2"),
    (lambda c: c[:3] + [c[3].replace("Revisit:** Evidence", "Revisit:** Nowhere", 1)],
     "'Nowhere', which is not a heading"),
    (lambda c: c[:3] + [c[3].replace("### 3. 第3个问题？ · Question 3?", "### Question 3?")], "is not '### <n>."),
    (lambda c: [c[0].replace("> **Interview question:** What is a probe?", "")] + c[1:], "the main question"),
    (lambda c: c[:3] + [c[3].split("### 3.")[0]], "2 follow-up questions"),
])
def test_the_bank_names_what_is_wrong(tmp_path, broken, expected):
    _, problems = bank.parse(_notebook(tmp_path, broken(list(GOOD))))
    assert any(expected in str(p) for p in problems), [str(p) for p in problems]


def test_the_converter_rewrites_the_older_layout(tmp_path):
    old = ["# 99 · 探针是什么？ · What is a probe?\n\nGoal.",
           "## The answer in one minute\n\n**中文（面试时这样答）**\n探针。\n\n**English:** A probe.",
           "## Follow-up questions\n\n" + "\n\n".join(
               f"**Q: 第{n}个问题？ Question {n}?**\nA: 中文答案{n}。\nAnswer {n}." for n in (1, 2, 3))]
    path = _notebook(tmp_path, old)
    notes = bank.convert(path)
    found, problems = bank.parse(path)
    assert [e.question_en for e in found] == ["What is a probe?"]
    assert all("revisits 'TODO" in str(p) for p in problems) and len(problems) == 3, [str(p) for p in problems]
    assert sum("name the section" in n for n in notes) == 3
    text = "".join(json.loads(path.read_text(encoding="utf-8"))["cells"][2]["source"])
    assert "### 2. 第2个问题？ · Question 2?\n\n**中文**\n中文答案2。\n\n**English**\nAnswer 2." in text


def test_the_converter_guesses_the_sections_an_answer_names(tmp_path):
    old = ["# 99 · 探针是什么？ · What is a probe?", "## 1. The answer in one minute\n\n**中文：** 探针。\n\n**English:** A probe.",
           "## 2. Gradients\n\nText.", "## 3. Costs\n\nText.",
           "## 4. Follow-up questions\n\n" + "\n\n".join(
               f"**Q: 第{n}个问题？ Question {n}?**\nA: 中文答案（第 {n + 1} 节）。\nAnswer {n} (section {n + 1})." for n in (1, 2))
           + "\n\n**Q: 第3个问题？ Question 3?**\n中文答案。\nSections 2 and 3 measure it."]
    path = _notebook(tmp_path, old)
    bank.convert(path)
    found, problems = bank.parse(path)
    assert not problems, [str(p) for p in problems]
    assert [e.revisit for e in found[1:]] == [["2. Gradients"], ["3. Costs"], ["2. Gradients", "3. Costs"]]
    assert found[0].section == "1. 一分钟回答 · The answer in one minute"


# ------------------------------------------------------------------------------------------------ cards
def test_cards_show_the_model_answer_and_keep_the_ratings(tmp_path):
    bank00 = entries()
    done = run(tmp_path, "cards", "--notebooks", "00", "--count", "3", "--seed", "0",
               input="my answer\n\n2\n\n0\n\n3\n")
    assert done.returncode == 0, done.stderr
    for entry in bank00[:3]:
        assert entry.question_zh in done.stdout and entry.question_en in done.stdout
        assert first_line(entry.answer_zh) in done.stdout and first_line(entry.answer_en) in done.stdout
    assert str(tmp_path / "home" / drill.PROGRESS_NAME) in done.stdout
    cards = progress(tmp_path)["cards"]
    assert {k: c["box"] for k, c in cards.items()} == {"00.0": 2, "00.1": 1, "00.2": 3}
    for key, days in (("00.0", 1), ("00.1", 0), ("00.2", 3)):
        assert cards[key]["due"] - cards[key]["last_review"] == days * DAY
    assert "Reviewed 3 card(s)" in done.stdout and "not seen yet: 2" in done.stdout
    assert "notebooks/00_setup_and_data.ipynb: § " in done.stdout  # the card rated 0 is to be revisited


def test_cards_come_back_when_due(tmp_path):
    run(tmp_path, "cards", "--notebooks", "00", "--seed", "0", input="\n2\n" "\n0\n" "\n2\n" "\n3\n" "\n2\n")
    boxes = {k: c["box"] for k, c in progress(tmp_path)["cards"].items()}
    assert sorted(boxes.values()) == [1, 2, 2, 2, 3]
    again = run(tmp_path, "cards", "--notebooks", "00", "--seed", "0", input="\n1\n", clock=f"{START + 60}+1")
    assert "1 card(s): 1 due, 0 new" in again.stdout, again.stdout  # only the card rated 0
    later = run(tmp_path, "cards", "--notebooks", "00", "--seed", "0", input="", clock=f"{START + 2 * DAY}+1")
    assert "4 card(s): 4 due, 0 new" in later.stdout, later.stdout  # box 1 and box 2 cards; the box 3 card waits


def test_cards_retry_bad_ratings_and_end_cleanly_at_end_of_input(tmp_path):
    done = run(tmp_path, "cards", "--notebooks", "00", "--seed", "0", input="\n9\n-1\nabc\n\n1\n\n")
    assert "9 is out of range" in done.stdout and "-1 is out of range" in done.stdout
    assert "'abc' is not a rating" in done.stdout and "Type a number" in done.stdout
    assert "End of input" in done.stdout and "Reviewed 1 card(s)" in done.stdout
    assert done.returncode == 0
    assert list(progress(tmp_path)["cards"]) == ["00.0"]


def test_cards_stop_on_q(tmp_path):
    done = run(tmp_path, "cards", "--notebooks", "00", input="\nq\n")
    assert "Stopped." in done.stdout and "Reviewed no card." in done.stdout and done.returncode == 0


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_cards_in_one_language(tmp_path, lang):
    entry = entries()[0]
    done = run(tmp_path, "cards", "--lang", lang, "--notebooks", "00", "--count", "1", input="\n2\n")
    shown, hidden = (entry.answer_zh, entry.answer_en) if lang == "zh" else (entry.answer_en, entry.answer_zh)
    assert first_line(shown) in done.stdout and first_line(hidden) not in done.stdout


@pytest.mark.parametrize("content, kind", [
    ("{not json", "corrupt"),
    ('{"cards": {"00.0": {"box": 9, "due": 0}}, "format": "mtlrec-drill-progress", "version": 1}', "corrupt"),
    ('{"cards": {}, "format": "mtlrec-drill-progress", "version": 0}', "old-format"),
])
def test_an_unusable_progress_file_is_kept_aside(tmp_path, content, kind):
    home = tmp_path / "home"
    home.mkdir()
    (home / drill.PROGRESS_NAME).write_text(content, encoding="utf-8")
    done = run(tmp_path, "cards", "--notebooks", "00", "--count", "1", input="\n2\n")
    kept = list(home.glob(f"{drill.PROGRESS_NAME}.{kind}-*"))
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == content
    assert kept[0].name in done.stdout and "starting a new progress file" in done.stdout
    assert progress(tmp_path)["version"] == drill.VERSION and list(progress(tmp_path)["cards"]) == ["00.0"]


# ------------------------------------------------------------------------------------------------ mock
def test_mock_runs_until_the_time_is_up(tmp_path):
    bank00 = entries()
    answer = "shared layers, task towers\n\n"
    done = run(tmp_path, "mock", "--minutes", "2", "--notebooks", "00", "--seed", "3",
               input=(answer + "1\n") + (answer + "2\n") * 10, clock=f"{START}+10")
    assert done.returncode == 0
    assert "Time is up (2:00)" in done.stdout
    assert bank00[0].question_zh in done.stdout.split("Time is up")[0]  # the main question comes first
    asked = re.findall(r"^ +\d+\. (\d)/3 ", done.stdout, flags=re.M)
    assert asked and asked[0] == "1" and len(asked) < len(bank00)
    assert "notebooks/00_setup_and_data.ipynb: § " in done.stdout.split("面试小结")[1]  # the 1 is to be revisited
    saved = progress(tmp_path)
    assert saved["mocks"][0]["minutes"] == 2 and len(saved["mocks"][0]["scores"]) == len(asked)
    assert saved["cards"]["00.0"]["last_rating"] == 1


def test_mock_retries_an_empty_answer_and_ends_at_end_of_input(tmp_path):
    done = run(tmp_path, "mock", "--minutes", "5", "--notebooks", "00", input="\n")
    assert "An empty answer" in done.stdout and "End of input" in done.stdout
    assert "No question was answered." in done.stdout and done.returncode == 0


def test_mock_skip_shows_the_answer_and_counts_as_a_miss(tmp_path):
    entry = entries()[0]
    done = run(tmp_path, "mock", "--minutes", "5", "--notebooks", "00", input="skip\nq\n")
    assert first_line(entry.answer_en) in done.stdout
    assert re.search(r"^ +1\. skipped", done.stdout, flags=re.M) and "Stopped." in done.stdout


def test_mock_order_is_seeded():
    bank_all = entries("00") + entries("01")
    order = lambda seed: [e.id for e in drill.mock_order(bank_all, __import__("random").Random(seed), None)]  # noqa
    assert order(5) == order(5)
    assert {tuple(order(s)) for s in range(6)} != {tuple(order(5))}
    first = drill.mock_order(bank_all, __import__("random").Random(0), "01")
    assert first[0].id == "01.0" and [e.kind for e in first].count("main") == 2


# ------------------------------------------------------------------------------------------------ export
class _Balanced(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.errors = [], []

    def handle_starttag(self, tag, attrs):
        if tag != "meta":
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(tag)


def test_export_writes_markdown_and_html(tmp_path):
    md, page = tmp_path / "bank.md", tmp_path / "bank.html"
    done = run(tmp_path, "export", "--markdown", str(md), "--html", str(page))
    assert done.returncode == 0 and str(md) in done.stdout
    text, markup = md.read_text(encoding="utf-8"), page.read_text(encoding="utf-8")
    every, _ = bank.load()
    for entry in every:
        assert entry.question_zh in text and entry.question_en in text
        assert html.escape(entry.question_zh, quote=False) in markup
    assert "负迁移" in text and "negative transfer" in text  # the glossary closes the sheet
    checker = _Balanced()
    checker.feed(markup)
    assert not checker.errors and checker.stack == [], (checker.errors, checker.stack)


def test_export_in_english_only(tmp_path):
    md = tmp_path / "bank.md"
    run(tmp_path, "export", "--lang", "en", "--notebooks", "00", "--markdown", str(md))
    text = md.read_text(encoding="utf-8")
    entry = entries()[1]
    assert first_line(entry.answer_en) in text and first_line(entry.answer_zh) not in text


# ------------------------------------------------------------------------------------------------ options
@pytest.mark.parametrize("args, expected", [
    (["--frobnicate"], "unrecognized arguments: --frobnicate"),
    (["mock"], "mock needs --minutes N"),
    (["mock", "--minutes", "abc"], "invalid float value: 'abc'"),
    (["mock", "--minutes", "0"], "mock needs --minutes N"),
    (["cards", "--minutes", "3"], "--minutes is an option of `mock`"),
    (["export"], "export needs --markdown FILE"),
    (["--lang", "fr"], "invalid choice: 'fr'"),
    (["cards", "--notebooks", "77"], "no notebook numbered 77"),
    (["--notebooks", "01", "mock", "--minutes", "5"], "put the mode before --notebooks"),
])
def test_bad_options_get_one_clear_line(tmp_path, args, expected):
    done = run(tmp_path, *args)
    assert done.returncode == 2
    assert expected in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not (tmp_path / "home").exists()


def test_the_drill_needs_no_heavy_or_terminal_packages():
    code = ("import sys, mtlrec.drill, mtlrec.bank, mtlrec.glossary; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'tensorflow', 'keras', 'numpy', 'curses', "
            "'readline', 'termios', 'msvcrt'}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr
