"""The PDF edition that `make pdf` builds: the whole book, named after it, every symbol
printed, numbered as the website is, every reference resolved.

The checks read the built files (the PDF, XeLaTeX's log and the .aux of the last run); they are
skipped, with a message, where the PDF has not been built (`make pdf` builds it, then runs
this file).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
LATEX = ROOT / "_build" / "latex"


def target():
    """The PDF's name without suffix, from latex.latex_documents.targetname in _config.yml."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return Path(config["latex"]["latex_documents"]["targetname"]).stem


@pytest.fixture(scope="module")
def built():
    pdf = LATEX / f"{target()}.pdf"
    if not pdf.is_file():
        pytest.skip(f"the PDF edition has not been built ({pdf.relative_to(ROOT)}): run `make pdf`")
    log = (LATEX / f"{target()}.log").read_text(encoding="utf-8", errors="replace")
    aux = (LATEX / f"{target()}.aux").read_text(encoding="utf-8", errors="replace")
    return pdf, log, aux


def test_the_pdf_is_named_after_the_book():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    slug = re.sub(r"[^a-z0-9]+", "-", config["title"].lower()).strip("-")
    assert target() == slug


def test_the_pdf_holds_the_whole_book(built):
    pdf, log, _ = built
    assert pdf.read_bytes()[:5] == b"%PDF-"
    pages = re.search(r"Output written on \S+ \((\d+) pages?", log)
    assert pages, "XeLaTeX's log does not say how many pages it wrote"
    assert int(pages.group(1)) > 100


def test_every_symbol_has_a_glyph(built):
    _, log, _ = built
    missing = sorted(set(re.findall(r"Missing character: There is no (.+?) in font", log)))
    assert not missing, f"{len(missing)} characters without a glyph: {missing[:20]}"


def test_every_reference_resolves(built):
    _, log, _ = built
    undefined = re.findall(r"LaTeX Warning: (?:Hyper r|R)eference `([^']+)' on page", log)
    assert not undefined, undefined[:20]
    assert "There were undefined references" not in log


def test_chapters_are_numbered_as_on_the_website(built):
    """Chapter 1 is the linear model (numbered 1), and the book's chapters follow in order."""
    _, _, aux = built
    chapters = re.findall(r"\\contentsline \{chapter\}\{\\numberline \{(\d+)\}([^}]*)\}", aux)
    assert chapters, "no numbered chapter in the .aux"
    numbers = [int(n) for n, _ in chapters]
    assert numbers == list(range(1, len(numbers) + 1))
    assert chapters[0][1].startswith("The linear model")
    assert len(chapters) == 8


def test_exercises_are_numbered_as_on_the_website():
    """Exercises are numbered per chapter, 1.1, 1.2, … (not by section, 1.5.1)."""
    tex = LATEX / f"{target()}.tex"
    if not tex.is_file():
        pytest.skip(f"the PDF edition has not been built ({tex.relative_to(ROOT)}): run `make pdf`")
    text = tex.read_text(encoding="utf-8")
    numbers = re.findall(r"\\begin\{sphinxadmonition\}\{note\}\{Exercise ([\d.]+)", text)
    assert len(numbers) > 20, "too few numbered exercises in the LaTeX"
    assert all(re.fullmatch(r"\d+\.\d+", n) for n in numbers), sorted(set(numbers))[:10]
    # Per chapter, in order: 1.1, 1.2, …, 2.1, …
    pairs = [tuple(map(int, n.split("."))) for n in numbers]
    assert pairs == sorted(pairs) and pairs[0] == (1, 1)


def test_figures_and_equations_are_numbered_per_chapter():
    """As on the website, Fig. 1.3 and (1.2): sphinx.sty's counters reset at each chapter."""
    tex = LATEX / f"{target()}.tex"
    if not tex.is_file():
        pytest.skip(f"the PDF edition has not been built ({tex.relative_to(ROOT)}): run `make pdf`")
    assert re.search(r"\\usepackage\[[^]]*numfigreset=1[,\]]", tex.read_text(encoding="utf-8"))
