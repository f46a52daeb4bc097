"""Slide decks from the notebooks: `python -m mtlrec.slides [NN ...] [--out DIR]`, `--tag` to (re)mark.

Every notebook cell carries `metadata.slideshow.slide_type`, which `jupyter nbconvert --to slides`
reads: a `#` or `##` heading starts a slide, a `###` heading a sub-slide (reveal.js: down arrow), and a
cell that would make the current slide longer than SLIDE_LINES lines starts a sub-slide too; every
other cell continues the slide. `--tag` writes these marks into notebooks/ (outputs untouched; run it
after adding or editing a notebook; a test checks the marks). Building writes one HTML deck per
notebook into slides/ (ignored by git). The decks load reveal.js from its CDN when opened; to present
offline, pass `--reveal-prefix DIR` with a local copy of reveal.js.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SLIDE_LINES = 28  # lines of source and text output one slide shows before a sub-slide starts
OUTPUT_LINES_PER_IMAGE = 12


def notebooks(chosen: list[str] | None = None) -> list[Path]:
    """The notebooks whose number (or file stem) is in `chosen`, all of them by default."""
    every = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if not chosen:
        return every
    found = [p for p in every if p.stem[:2] in chosen or p.stem in chosen]
    missing = [c for c in chosen if not any(p.stem[:2] == c or p.stem == c for p in found)]
    if missing:
        raise SystemExit(f"mtlrec.slides: no notebook numbered {', '.join(missing)} in notebooks/")
    return found


def _lines(cell: dict) -> int:
    text = "".join(cell.get("source", ""))
    count = text.count("\n") + 1
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if "image/png" in data or "image/svg+xml" in data:
            count += OUTPUT_LINES_PER_IMAGE
        else:
            count += "".join(output.get("text", data.get("text/plain", ""))).count("\n") + 1
    return count


def slide_types(cells: list[dict]) -> list[str]:
    """The slide type of every cell, by the rule in the module docstring."""
    types, on_slide = [], 0
    for cell in cells:
        first = "".join(cell.get("source", "")).lstrip().split("\n", 1)[0]
        lines = _lines(cell)
        if cell["cell_type"] == "markdown" and first.startswith(("# ", "## ")):
            kind = "slide"
        elif cell["cell_type"] == "markdown" and first.startswith("### "):
            kind = "subslide"
        elif on_slide and on_slide + lines > SLIDE_LINES:
            kind = "subslide"
        else:
            kind = "-"
        on_slide = lines if kind != "-" else on_slide + lines
        types.append(kind)
    return types


def tag(path: Path) -> bool:
    """Write the slide types into one notebook; True when something changed."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    changed = False
    for cell, kind in zip(notebook["cells"], slide_types(notebook["cells"])):
        if cell.setdefault("metadata", {}).get("slideshow", {}).get("slide_type") != kind:
            cell["metadata"]["slideshow"] = {"slide_type": kind}
            changed = True
    if changed:
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    return changed


def build(path: Path, out: Path, reveal_prefix: str | None = None) -> Path:
    """One reveal.js deck for one notebook, written into `out`; returns its path."""
    command = [sys.executable, "-m", "nbconvert", "--to", "slides", "--output-dir", str(out),
               "--SlidesExporter.reveal_scroll=True", str(path)]
    if reveal_prefix:
        command.insert(-1, f"--SlidesExporter.reveal_url_prefix={reveal_prefix}")
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"mtlrec.slides: building {path.name} failed:\n{done.stderr.strip()[-2000:]}")
    return out / f"{path.stem}.slides.html"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mtlrec.slides", description=__doc__.splitlines()[0])
    parser.add_argument("numbers", nargs="*", metavar="NN", help="notebook numbers such as 04 (default: all)")
    parser.add_argument("--out", default=str(ROOT / "slides"), metavar="DIR", help="where decks go (default: slides/)")
    parser.add_argument("--tag", action="store_true", help="write the slide marks into the notebooks instead")
    parser.add_argument("--reveal-prefix", metavar="URL_OR_DIR", help="where the decks load reveal.js from")
    args = parser.parse_args(argv)
    chosen = notebooks(args.numbers)
    if args.tag:
        for path in chosen:
            print(f"{path.name}: {'marked' if tag(path) else 'already marked'}")
        return 0
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for path in chosen:
        deck = build(path, out, args.reveal_prefix)
        print(f"{path.name} -> {deck}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
