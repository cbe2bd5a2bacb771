"""Numbers in the prose come from the computation.

A chapter's markdown may state a decimal number (``0.03``, ``1e-4``, ``10^{-6}``, ``2.5``) or
a percentage (``95 %``) only if it is glued from the cell that computes it (myst-nb's
``{glue:text}`` role, which these checks never see as a number) or written literally in that
notebook's code: a constant of the set-up. Anything else is a result typed by hand, which
drifts when the code changes. Integers are free (sizes, counts, seeds, epochs).

Not read as numbers: cross-references and citations (``{eq}``, ``{ref}``, ``{cite}``…),
labels, glue roles themselves, section numbers of cited books ("section 7.8"), and file
names. The book pages (``book/*.md``) are checked against the code they quote (their fenced
code blocks and inline code), except the errata page, whose code-free pages quote the lecture.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
PAGES = sorted((ROOT / "book").glob("*.md"))

# Roles and directives whose argument is a name, not prose: {eq}`ch08-band`, {cite:t}`key`,
# {glue:text}`name:.3f`, {numref}, {ref}, {doc}, {download}, {repo-file}, and `:label: ...`.
ROLE = re.compile(r"\{[a-z-]+(?::[a-z-]+)?\}`[^`]*`")
OPTION_LINE = re.compile(r"^\s*:[\w-]+:.*$", re.MULTILINE)
EQUATION_LABEL = re.compile(r"\$\$\s*\([\w-]+\)")
LINK_TARGET = re.compile(r"\]\([^)]*\)")
SECTION = re.compile(r"\b(?:section|sections|chapter|eq\.|equation)s?\s+\d+(?:\.\d+)+", re.I)
FILE_NAME = re.compile(r"[\w/-]+\.(?:py|md|ipynb|yml|toml|txt|bib|json|cfg|html|png|svg)\b")
VERSION = re.compile(r"\b(?:Python|numpy|PyTorch|torch|Sphinx|version|v)\s*\d+(?:\.\d+)+", re.I)

# A decimal number, scientific notation (1e-4, 1.5e3, 10^{-6}, 10^-6, 10⁻⁶) or a percentage.
NUMBER = re.compile(
    r"(?<![\w.])10\^\{?(?P<pow2>[+-−]?\d+)\}?"
    r"|(?<![\w.])10(?P<sup>[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)"
    r"|(?<![\w.])"
    r"(?P<mant>\d+(?:\.\d+)?)"
    r"(?:"
    r"(?P<e>[eE][+-]?\d+)"
    r"|\s*(?:\\times|×|\\cdot|·)\s*10\^\{?(?P<pow1>[+-−]?\d+)\}?"
    r"|\s*(?:\\times|×|\\cdot|·)\s*10(?P<sup1>[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)"
    r"|(?P<pct>\s*(?:\\[,;]|~)?\s*\\?%)"
    r")?"
)
SUPERSCRIPT = str.maketrans("⁻⁺⁰¹²³⁴⁵⁶⁷⁸⁹", "-+0123456789")

# Numeric literals of Python code (1e-3, 0.5, 2, .5), and the same in strings of the code.
CODE_NUMBER = re.compile(r"(?<![\w.])(\d+\.\d*|\.\d+|\d+)(?:[eE]([+-]?\d+))?(?![\w])")


def _value(match):
    """The value a prose number stands for and whether it needs a source (None if free)."""
    exponent = match.group("pow2") or match.group("pow1") or match.group("e")
    superscript = match.group("sup") or match.group("sup1")
    if superscript is not None:
        exponent = superscript.translate(SUPERSCRIPT)
    mant = match.group("mant") or "1"
    if exponent is not None:
        exponent = int(exponent.lstrip("eE").replace("−", "-"))
        if exponent >= 0 and "." not in mant:
            return None  # 10⁶, 3·10^5, 2e3: an integer, free
        return float(mant) * 10.0**exponent
    value = float(mant)
    if match.group("pct"):
        return ("%", value)
    if "." in mant:
        return value
    return None  # an integer: free


def prose_of(text):
    """Markdown with the parts that are names, not statements, removed."""
    text = ROLE.sub(" ", text)
    text = OPTION_LINE.sub(" ", text)
    text = EQUATION_LABEL.sub("$$", text)
    text = LINK_TARGET.sub("]", text)
    for pattern in (SECTION, FILE_NAME, VERSION):
        text = pattern.sub(" ", text)
    return text


def stated_numbers(markdown):
    """``(text, value)`` of every decimal, scientific or percentage number the prose states."""
    found = []
    for match in NUMBER.finditer(prose_of(markdown)):
        value = _value(match)
        if value is not None:
            found.append((match.group(0).strip(), value))
    return found


def code_numbers(code):
    """The values of the numeric literals written in code."""
    values = set()
    for mant, exp in CODE_NUMBER.findall(code):
        values.add(float(mant + (f"e{exp}" if exp else "")))
    return values


def _close(a, b):
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=0.0)


def is_sourced(value, literals):
    """A percentage matches its value or its fraction in the code; any other its value."""
    if isinstance(value, tuple):
        pct = value[1]
        candidates = (pct, pct / 100)
    else:
        candidates = (value,)
    return any(_close(c, lit) for c in candidates for lit in literals)


def unsourced(markdown, code):
    """The prose numbers of ``markdown`` that neither a glue role nor the ``code`` gives."""
    literals = code_numbers(code)
    return [text for text, value in stated_numbers(markdown) if not is_sourced(value, literals)]


def notebook_parts(path):
    """A notebook's markdown (all markdown cells) and code (all code cells)."""
    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    md = "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    code = "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    return md, code


FENCE = re.compile(r"^(`{3,}|~{3,})[^\n]*\n.*?^\1\s*$", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"(?<!})`([^`\n]+)`")


def page_parts(path):
    """A book page's prose and the code it quotes (fenced blocks and inline code)."""
    text = Path(path).read_text(encoding="utf-8")
    fences = [
        m.group(0) for m in FENCE.finditer(text) if not m.group(0).lstrip("`~").startswith("{")
    ]
    code = "\n".join(fences + INLINE_CODE.findall(text))
    return text, code


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_prose_numbers_are_glued_or_in_the_code(path):
    md, code = notebook_parts(path)
    bad = unsourced(md, code)
    assert not bad, (
        f"{path.name} states numbers that are neither glued nor written in its code: {bad}. "
        "Glue each result from the cell that computes it (myst_nb.glue, shown with "
        "{glue:text}`name:format`), or write the set-up constant in the code."
    )


@pytest.mark.parametrize(
    "path", [p for p in PAGES if p.name not in ("errata.md", "references.md")], ids=lambda p: p.stem
)
def test_book_page_numbers_come_from_code(path):
    text, code = page_parts(path)
    bad = unsourced(text, code)
    assert not bad, f"book/{path.name} states numbers that no code on the page gives: {bad}"


# The checker itself must be able to fail.


def _notebook(tmp_path, markdown, code):
    cells = [
        {"cell_type": "markdown", "id": "a", "metadata": {}, "source": markdown},
        {"cell_type": "code", "id": "b", "metadata": {}, "source": code, "outputs": [],
         "execution_count": None},
    ]  # fmt: skip
    nb = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "99_synthetic.ipynb"
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("markdown", "code", "expected"),
    [
        ("The error is 0.183 here.", "x = 1", ["0.183"]),
        ("Coverage drops to 87.5 % at the edge.", "n = 40", ["87.5 %"]),
        ("It stops at $10^{-6}$.", "gtol = 1e-8", ["10^{-6}"]),
        ("It stops at 1e-6.", "gtol = 1e-8", ["1e-6"]),
        ("Its mean square is about $1.6\\times 10^5$.", "k = 400", ["1.6\\times 10^5"]),
        ("Up to $10^5$ epochs and $4\\cdot 10^{-4}$.", "", ["4\\cdot 10^{-4}"]),
        ("A learning rate of 3·10⁻³ and 10⁻⁶.", "lr = 3e-3", ["10⁻⁶"]),
        ("A learning rate of 3·10⁻³.", "lr = 1e-3", ["3·10⁻³"]),
        ("94 \\% cover.", "", ["94 \\%"]),
        # sourced: glued, set-up constants in the code, integers, names
        ("The error is {glue:text}`err:.3f`.", "glue('err', 0.183)", []),
        ("With $\\lambda = 0.03$ and 95 % bands.", "lam = 0.03\nlevel = 0.95", []),
        ("It stops at $10^{-6}$.", "gtol = 1e-6", []),
        ("We take m = 40 points and 2000 epochs.", "", []),
        ("See {eq}`ch08-band`, {numref}`fig-08-band` and section 7.8 of the book.", "", []),
    ],
)
def test_the_check_fails_on_a_number_typed_by_hand(tmp_path, markdown, code, expected):
    md, src = notebook_parts(_notebook(tmp_path, markdown, code))
    assert unsourced(md, src) == expected


def test_the_notebook_check_fails_on_a_synthetic_notebook(tmp_path):
    path = _notebook(tmp_path, "Training reaches a loss of 0.0123 after 2.5 s.", "lr = 0.3")
    with pytest.raises(AssertionError, match=r"0\.0123.*2\.5"):
        test_notebook_prose_numbers_are_glued_or_in_the_code(path)
