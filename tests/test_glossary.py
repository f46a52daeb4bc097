"""The one glossary (mtlrec/glossary.csv): well formed, rendered into GLOSSARY.md, and used by every notebook.

A notebook's first markdown cell that mentions a glossary term, in English or in Chinese, must give both names
(the rules of a mention are in mtlrec/glossary.py); the failure names the notebook, the term and the cell. Every
term names the notebook that teaches it, which must use both of its names. Plain file reads: about a second.
"""

import json
import re

import pytest

from mtlrec import bank, glossary

NOTEBOOKS = bank.notebooks()
TERMS = glossary.load()
CJK = re.compile(r"[\u3400-\u9fff]")
REQUIRED = ["样本选择偏差", "跷跷板现象", "负迁移", "冷启动", "灾难性遗忘", "校准"]  # named by issue 13


def test_the_glossary_is_well_formed():
    assert len(TERMS) >= 40, f"only {len(TERMS)} terms"
    english = [f.lower() for t in TERMS for f in t.english]
    chinese = [f for t in TERMS for f in t.chinese]
    assert len(set(english)) == len(english), sorted({f for f in english if english.count(f) > 1})
    assert len(set(chinese)) == len(chinese), sorted({f for f in chinese if chinese.count(f) > 1})
    for term in TERMS:
        assert all(CJK.search(f) for f in term.chinese), f"{term.en}: a Chinese form without Chinese"
        assert not any(CJK.search(f) for f in term.english), f"{term.zh}: an English form with Chinese"
        assert CJK.search(term.definition_zh), f"{term.en}: the Chinese definition is not Chinese"
        assert not CJK.search(term.definition_en), f"{term.en}: the English definition has Chinese in it"


def test_the_terms_the_issue_names_are_there():
    names = {f for t in TERMS for f in t.chinese}
    assert not [n for n in REQUIRED if n not in names], [n for n in REQUIRED if n not in names]


def test_glossary_md_is_rendered_from_the_csv():
    assert glossary.RENDERED.is_file(), "GLOSSARY.md is missing: run `python -m mtlrec.glossary --write`"
    assert glossary.RENDERED.read_text(encoding="utf-8") == glossary.render(TERMS), (
        "GLOSSARY.md is out of date with mtlrec/glossary.csv: run `python -m mtlrec.glossary --write`")


def test_every_term_is_taught_where_the_glossary_says():
    problems = glossary.taught_where(TERMS)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_every_notebook_introduces_its_terms_in_both_languages(notebook):
    missing = glossary.first_uses(notebook, TERMS)
    assert not missing, "\n".join(str(m) for m in missing)


# ------------------------------------------------------------------------------------------------ the rules
def _term(english, chinese):
    return glossary.Term(tuple(english.split(" | ")), tuple(chinese.split(" | ")), "d", "定义", "00")


RULE_TERMS = [_term("cold start", "冷启动"), _term("CTR | click-through rate", "点击率"),
              _term("transfer learning", "迁移学习"), _term("multi-task transfer learning", "多任务迁移学习"),
              _term("fine-tuning | fine-tune | fine-tuned", "微调")]


@pytest.mark.parametrize("text, expected", [
    ("Cold-start items", {0: {"en"}}),  # hyphen or space, any case
    ("two cold starts", {0: {"en"}}),  # a plural
    ("coldstart, cold starter", {}),  # whole words only
    ("the ctr and the CTR", {1: {"en"}}),  # an acronym matches its case only
    ("ctr only", {}),
    ("Click-through rates (点击率)", {1: {"en", "zh"}}),
    ("multi-task transfer learning (多任务迁移学习)", {3: {"en", "zh"}}),  # the longest mention wins
    ("transfer learning, 迁移学习", {2: {"en", "zh"}}),
    ("`cold_start` and `cold start` in code, $\\text{cold start}$", {}),  # code and maths are not prose
    ("[see](cold-start.md)", {}),  # nor link targets
    ("```\ncold start\n```\nfine-tuned", {4: {"en"}}),
])
def test_what_counts_as_a_mention(text, expected):
    assert glossary.mentions(text, RULE_TERMS) == expected


def test_a_missing_name_is_reported_with_notebook_term_and_cell(tmp_path):
    path = tmp_path / "98_probe.ipynb"
    cells = ["# 98 · title", "Items with no history: cold start.", "冷启动（cold start）again", "Fine-tune it (微调)."]
    path.write_text(json.dumps({"cells": [{"cell_type": "markdown", "metadata": {}, "source": c} for c in cells],
                                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    missing = glossary.first_uses(path, RULE_TERMS)
    assert [(m.cell, m.term.en, m.missing) for m in missing] == [(1, "cold start", "zh")]
    message = str(missing[0])
    assert "98_probe.ipynb" in message and "cell 1" in message and "'cold start'" in message and "冷启动" in message
