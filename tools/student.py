"""The student edition: the chapters and pages with their exercises and without their solutions.

One mechanism serves both forms of it:

* ``python tools/student.py notebooks OUT`` writes student notebooks into ``OUT`` (for
  download, Binder or Colab; ``make student``);
* ``python tools/student.py book OUT`` stages a copy of the book in ``OUT`` whose notebooks
  and markdown pages are the student versions (``make book-student`` builds it).

What counts as a solution is what sphinx-exercise renders as one:

* a ``{solution}`` directive, written inside one markdown cell or page;
* a gated solution, from a ``{solution-start}`` directive to the next ``{solution-end}``,
  which may span cells: everything between them goes, code cells included. Those code
  cells carry the tag ``solution`` (with their input and output collapsed in JupyterLab),
  which :func:`untagged_solution_cells` checks, and a cell tagged ``solution`` anywhere
  goes too.

Exercises stay as they are. Outputs are dropped: a student runs the notebook.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The tag of a code cell that belongs to a solution.
SOLUTION_TAG = "solution"
#: Directives that are solutions; the gated pair marks a solution that spans cells.
SOLUTION = "solution"
GATE_START, GATE_END = "solution-start", "solution-end"
# A fence that opens a block: backticks or colons (colon_fence), three or more.
_OPEN = re.compile(r"^\s*(?P<fence>`{3,}|:{3,})\s*(?P<info>.*?)\s*$")
_DIRECTIVE = re.compile(r"^\{(?P<name>[^}\s]+)\}\s*(?P<arg>.*)$")
# What the staged book leaves out: build output, the environment, version control, caches.
_NOT_STAGED = (".venv", "_build", ".git", ".pytest_cache", ".hypothesis", ".ruff_cache")


def _blocks(lines):
    """Yield ``(start, end, directive, argument)`` for each top-level fenced block.

    ``lines[start]`` is the opening fence and ``lines[end]`` its closing fence (or the last
    line, if it is never closed). ``directive`` is the MyST directive's name, or None for a
    plain code block; a fence closes at the next line of the same character that is at least
    as long, so blocks nested inside with shorter fences are skipped with their parent.
    """
    i = 0
    while i < len(lines):
        opened = _OPEN.match(lines[i])
        if not opened:
            i += 1
            continue
        fence = opened["fence"]
        closing = re.compile(rf"^\s*{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        end = next((j for j in range(i + 1, len(lines)) if closing.match(lines[j])), None)
        end = len(lines) - 1 if end is None else end
        directive = _DIRECTIVE.match(opened["info"])
        name, arg = (directive["name"], directive["arg"]) if directive else (None, "")
        yield i, end, name, arg
        i = end + 1


def strip_solutions(text, gated=False):
    """Remove the solutions from a piece of MyST markdown (one cell, or one page).

    Parameters
    ----------
    text : str
    gated : bool
        Whether ``text`` starts inside a gated solution (after a ``{solution-start}`` of an
        earlier cell, before its ``{solution-end}``).

    Returns
    -------
    (str, bool)
        The text without solutions, and whether it ends inside a gated solution.
    """
    lines = text.splitlines()
    keep = [True] * len(lines)
    start_of_gate = 0 if gated else None
    for start, end, name, _ in _blocks(lines):
        if start_of_gate is not None:
            if name == GATE_END:
                keep[start_of_gate : end + 1] = [False] * (end + 1 - start_of_gate)
                start_of_gate = None
        elif name == SOLUTION:
            keep[start : end + 1] = [False] * (end + 1 - start)
        elif name == GATE_START:
            start_of_gate = start
    if start_of_gate is not None:
        keep[start_of_gate:] = [False] * (len(lines) - start_of_gate)
    kept = "\n".join(line for line, k in zip(lines, keep, strict=True) if k)
    # Two blank lines where a solution was are one.
    kept = re.sub(r"\n{3,}", "\n\n", kept).strip("\n")
    return kept, start_of_gate is not None


def _source(cell):
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def _lines(text):
    """A cell's source as nbformat stores it on disk: a list of lines with their newlines."""
    return text.splitlines(keepends=True)


def gated_cells(nb):
    """The ids of the cells that lie wholly inside a gated solution (between its cells).

    The cell holding ``{solution-start}`` and the one holding ``{solution-end}`` are not
    counted: their other text may belong to the exercises around them.
    """
    inside, gated = [], False
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            starts_gated = gated
            _, gated = strip_solutions(_source(cell), gated)
            if starts_gated and gated and GATE_END not in _source(cell):
                inside.append(cell["id"])
        elif gated:
            inside.append(cell["id"])
    return inside


def is_tagged_solution(cell):
    """Whether a cell carries the solution tag and is collapsed in JupyterLab."""
    meta = cell.get("metadata", {})
    hidden = meta.get("jupyter", {})
    collapsed = hidden.get("source_hidden") is True
    if cell["cell_type"] == "code":
        collapsed = collapsed and hidden.get("outputs_hidden") is True
    return SOLUTION_TAG in meta.get("tags", []) and collapsed


def untagged_solution_cells(nb):
    """Ids of cells inside a gated solution that lack the tag or the collapsed metadata."""
    cells = {cell["id"]: cell for cell in nb["cells"]}
    return [i for i in gated_cells(nb) if not is_tagged_solution(cells[i])]


def student_notebook(nb):
    """The student version of a notebook (a new dict; ``nb`` is left as it is).

    Solutions go (directives, gated regions, cells tagged ``solution``), and so does every
    output; a markdown cell left empty goes too. Cell ids of the kept cells stay.
    """
    student = copy.deepcopy(nb)
    cells, gated = [], False
    for cell in student["cells"]:
        if cell["cell_type"] == "markdown":
            text, gated = strip_solutions(_source(cell), gated)
            if text.strip():
                cell["source"] = _lines(text)
                cells.append(cell)
            continue
        if gated or SOLUTION_TAG in cell.get("metadata", {}).get("tags", []):
            continue
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
        cells.append(cell)
    student["cells"] = cells
    return student


def read_notebook(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def write_notebook(nb, path):
    """Write as the repository's notebooks are written: indent 1, UTF-8, final newline."""
    Path(path).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def write_student_notebooks(source, out):
    """Write the student version of every notebook in ``source`` into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(Path(source).glob("*.ipynb")):
        write_notebook(student_notebook(read_notebook(path)), out / path.name)
        written.append(out / path.name)
    return written


def stage_book(root, out):
    """Copy the book in ``root`` to ``out`` with every notebook and page in student form.

    Every ``.ipynb`` and ``.md`` file of the copy (outside the folders of build output and
    the environment) is rewritten by :func:`student_notebook` or :func:`strip_solutions`.
    """
    root, out = Path(root), Path(out)
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(root, out, ignore=shutil.ignore_patterns(*_NOT_STAGED, "*.ipynb_checkpoints"))
    for path in sorted(out.rglob("*.ipynb")):
        write_notebook(student_notebook(read_notebook(path)), path)
    for path in sorted(out.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        stripped, _ = strip_solutions(text)
        if stripped.strip("\n") != text.strip("\n"):
            path.write_text(stripped + "\n", encoding="utf-8")
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["notebooks", "book"])
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    if args.what == "notebooks":
        written = write_student_notebooks(ROOT / "notebooks", args.out)
        print(f"{len(written)} student notebooks in {args.out}")
    else:
        stage_book(ROOT, args.out)
        print(f"student edition staged in {args.out}")


if __name__ == "__main__":
    sys.exit(main())
