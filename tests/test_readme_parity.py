"""README.zh-CN.md at parity with README.md: the same sections, course-map rows, table figures and commands.

The mapping: every `## ` heading of README.zh-CN.md is followed by a line `<!-- README.md: ## <English heading> -->`
naming the README.md section it mirrors. Then, section by section and in the same order:
- the course map lists the same rows (each row's notebook link and exercise names);
- every table has the same numbers, row by row (figures are language-independent: timings, counts, notebook numbers);
- the same commands appear (code spans and code-block lines that start with python, pytest, pip, jupyter, git or
  MTLREC_; a code block's trailing `# comment` is not part of the command).
When README.md changes, the failure says which section, row or command README.zh-CN.md must follow.
Plain file reads: well under a second.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENGLISH, CHINESE = ROOT / "README.md", ROOT / "README.zh-CN.md"
COURSE_MAP = "## Course map"
MAPPING = re.compile(r"^<!--\s*README\.md:\s*(##.*?)\s*-->\s*$")
COMMAND_STARTS = ("python ", "python3 ", "pytest", "pip ", "jupyter ", "git ", "MTLREC_")
NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _sections(path: Path, mapped: bool) -> list[tuple[str, list[str]]]:
    """[(English '## ' heading, its lines)] outside code fences; the Chinese file names the heading it mirrors."""
    lines = path.read_text(encoding="utf-8").splitlines()
    sections, fenced = [], False
    for number, line in enumerate(lines):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        if not fenced and line.startswith("## "):
            heading = line.rstrip()
            if mapped:
                following = next((n for n in lines[number + 1:] if n.strip()), "")
                match = MAPPING.match(following.strip())
                assert match, (f"README.zh-CN.md: the heading '{heading}' is not followed by "
                               f"'<!-- README.md: ## <the English heading it mirrors> -->'")
                heading = match.group(1)
            sections.append((heading, []))
        elif sections:
            sections[-1][1].append(line)
    return sections


def _pairs():
    english, chinese = _sections(ENGLISH, False), _sections(CHINESE, True)
    return list(zip(english, chinese))


def _table_rows(lines: list[str]) -> list[str]:
    return [l for l in lines if l.lstrip().startswith("|") and not re.fullmatch(r"[\s|:\-]+", l)]


def _commands(lines: list[str]) -> set[str]:
    found, fenced = set(), False
    for line in lines:
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            command = re.split(r"\s{2,}#", line)[0].strip()
            if command.startswith(COMMAND_STARTS):
                found.add(command)
        else:
            found |= {span.strip() for span in re.findall(r"`([^`\n]+)`", line) if span.startswith(COMMAND_STARTS)}
    return found


def test_both_readmes_exist():
    assert ENGLISH.is_file() and CHINESE.is_file()


def test_the_same_sections_in_the_same_order():
    english = [heading for heading, _ in _sections(ENGLISH, False)]
    chinese = [heading for heading, _ in _sections(CHINESE, True)]
    assert chinese == english, (
        "README.zh-CN.md's sections (by the README.md heading each one names) differ from README.md's:\n"
        f"README.md:       {english}\nREADME.zh-CN.md: {chinese}")


def test_the_same_course_map_rows():
    def rows(path, mapped):
        lines = dict(_sections(path, mapped)).get(COURSE_MAP)
        assert lines is not None, f"{path.name} has no '{COURSE_MAP}' section"
        found = []
        for row in _table_rows(lines):
            link = re.search(r"\]\((notebooks/[^)]+)\)", row)
            if link:
                found.append((link.group(1), re.findall(r"`(ex\d\d[A-Za-z0-9_*]*)`", row)))
        return found

    english, chinese = rows(ENGLISH, False), rows(CHINESE, True)
    assert english, "README.md's course map has no notebook rows"
    assert chinese == english, (
        "the course maps differ (notebook link, exercises) row by row:\n"
        + "\n".join(f"README.md {e}  |  README.zh-CN.md {c}" for e, c in zip(english + [None] * len(chinese),
                                                                          chinese + [None] * len(english))
                    if e != c))


def test_the_same_figures_in_every_table():
    for (heading, english), (_, chinese) in _pairs():
        numbers = lambda lines: [NUMBER.findall(row) for row in _table_rows(lines)]  # noqa: E731
        assert numbers(chinese) == numbers(english), (
            f"section '{heading}': the tables' numbers differ row by row; README.zh-CN.md must follow README.md:\n"
            + "\n".join(f"README.md {e} | README.zh-CN.md {c}"
                        for e, c in zip(numbers(english), numbers(chinese)) if e != c)
            + f"\n(rows: {len(numbers(english))} in README.md, {len(numbers(chinese))} in README.zh-CN.md)")


def test_the_same_commands_in_every_section():
    for (heading, english), (_, chinese) in _pairs():
        missing, extra = _commands(english) - _commands(chinese), _commands(chinese) - _commands(english)
        assert not missing and not extra, (
            f"section '{heading}': README.zh-CN.md lacks {sorted(missing)} and has {sorted(extra)} that README.md "
            "does not")


def test_both_readmes_say_how_to_drill():
    for path in (ENGLISH, CHINESE):
        assert "python -m mtlrec.drill" in path.read_text(encoding="utf-8"), f"{path.name} does not mention the drill"
