"""The student edition (``tools/student.py``): exercises kept, solutions gone, one mechanism.

The same functions write the student notebooks (``make student``) and stage the student
book (``make book-student``), so both are checked here: on synthetic MyST for the parsing
rules, then on every chapter and page of the book. The solution code cells of the full
notebooks must carry the ``solution`` tag, collapsed in JupyterLab, so that a new solution
cannot forget it.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PAGES = sorted((ROOT / "book").glob("*.md"))

_spec = importlib.util.spec_from_file_location("student", ROOT / "tools" / "student.py")
student = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(student)


def markdown(*cells):
    """A notebook of the given cells: strings are markdown, ``("code", src, tags)`` code."""
    nb_cells = []
    for i, cell in enumerate(cells):
        if isinstance(cell, str):
            nb_cells.append(
                {"cell_type": "markdown", "id": f"m{i}", "metadata": {}, "source": cell}
            )
        else:
            _, source, tags = cell
            nb_cells.append(
                {
                    "cell_type": "code",
                    "id": f"c{i}",
                    "metadata": {"tags": list(tags)},
                    "source": source,
                    "outputs": [{"output_type": "stream", "name": "stdout", "text": "x"}],
                    "execution_count": 1,
                }
            )
    return {"cells": nb_cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def sources(nb):
    return ["".join(cell["source"]) for cell in nb["cells"]]


# --- the parsing rules, on synthetic MyST -----------------------------------------------------


def test_a_solution_directive_goes_and_its_exercise_stays():
    text = (
        "```{exercise} Title\n:label: ex-a\n\nDo it.\n```\n\n"
        "```{solution} ex-a\n:class: dropdown\n\nDone.\n```\n\nAfter."
    )
    kept, gated = student.strip_solutions(text)
    assert not gated
    assert kept == "```{exercise} Title\n:label: ex-a\n\nDo it.\n```\n\nAfter."


def test_nested_fences_and_colon_fences_close_at_their_own_length():
    text = (
        "````{solution} ex-a\n```python\nx = 1\n```\nstill the solution\n````\n"
        ":::{solution} ex-b\ncolon body\n:::\nkept"
    )
    kept, _ = student.strip_solutions(text)
    assert kept == "kept"


def test_a_solution_quoted_inside_a_code_block_is_not_a_solution():
    text = "````markdown\n```{solution} ex-a\nshown as an example\n```\n````"
    assert student.strip_solutions(text) == (text, False)


def test_a_gated_solution_spans_cells_and_takes_its_code_cells_with_it():
    nb = markdown(
        "```{exercise} E\n:label: ex-a\nDo it.\n```",
        "````{solution-start} ex-a\n:class: dropdown\n````\nSolution prose.",
        ("code", "answer = 42", []),
        "More solution prose.",
        ("code", "check(answer)", ["solution"]),
        "````{solution-end}\n````\n\n## Next section",
        ("code", "print('kept')", []),
    )
    assert student.gated_cells(nb) == ["c2", "m3", "c4"]
    assert student.untagged_solution_cells(nb) == ["c2", "m3", "c4"]  # none collapsed yet
    result = student.student_notebook(nb)
    assert sources(result) == [
        "```{exercise} E\n:label: ex-a\nDo it.\n```",
        "## Next section",
        "print('kept')",
    ]
    assert [cell["id"] for cell in result["cells"]] == ["m0", "m5", "c6"]
    assert result["cells"][-1]["outputs"] == [] and result["cells"][-1]["execution_count"] is None
    assert sources(nb)[2] == "answer = 42", "the full notebook is left as it is"


def test_a_tagged_cell_outside_a_gate_goes_too():
    nb = markdown(("code", "secret = 1", ["solution"]), ("code", "public = 2", []))
    assert sources(student.student_notebook(nb)) == ["public = 2"]


def test_a_cell_counts_as_tagged_only_when_collapsed():
    cell = {"cell_type": "code", "metadata": {"tags": ["solution"]}}
    assert not student.is_tagged_solution(cell)
    cell["metadata"]["jupyter"] = {"source_hidden": True}
    assert not student.is_tagged_solution(cell), "a code cell's output must be collapsed too"
    cell["metadata"]["jupyter"]["outputs_hidden"] = True
    assert student.is_tagged_solution(cell)


# --- the book's own notebooks and pages -------------------------------------------------------

_EXERCISE_LABEL = re.compile(r"^:label:\s*(\S+)", re.M)


def directive_blocks(text, names):
    """The full text of each top-level block whose directive is one of ``names``."""
    lines = text.splitlines()
    return [
        "\n".join(lines[start : end + 1])
        for start, end, name, _ in student._blocks(lines)
        if name in names
    ]


def exercises(texts):
    """Each exercise's block text, by label."""
    found = {}
    for text in texts:
        for block in directive_blocks(text, ("exercise", "exercise-start")):
            label = _EXERCISE_LABEL.search(block)
            assert label, f"exercise without a label: {block[:80]!r}"
            found[label[1]] = block
    return found


def solution_pieces(nb):
    """The solutions' text and code in ``nb``, found without ``student_notebook``.

    ``{solution}`` blocks; the text after a ``{solution-start}`` fence and before a
    ``{solution-end}`` fence in their cells; and every cell tagged ``solution``.
    """
    pieces = []
    for cell in nb["cells"]:
        text = "".join(cell["source"])
        if student.SOLUTION_TAG in cell["metadata"].get("tags", []):
            pieces.append(text)
        elif cell["cell_type"] == "markdown":
            pieces += directive_blocks(text, (student.SOLUTION,))
            pieces += re.findall(r"`{3,}\{solution-start\}.*", text, re.S)
            pieces += re.findall(r"^.*?`{3,}\{solution-end\}", text, re.S)
    return pieces


def solution_lines(nb):
    """Lines that only the solutions of ``nb`` hold: no other cell or passage has them."""
    pieces = solution_pieces(nb)
    outside = "\n".join(sources(nb))
    for piece in pieces:
        outside = outside.replace(piece, "")
    common = {line.strip() for line in outside.splitlines()}
    return {
        line.strip()
        for piece in pieces
        for line in piece.splitlines()
        if len(line.strip()) >= 12 and line.strip() not in common
    }


def read(path):
    return json.loads(path.read_text(encoding="utf-8"))


def markdown_sources(nb):
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_cell_of_a_gated_solution_is_tagged_and_collapsed(path):
    nb = read(path)
    assert student.untagged_solution_cells(nb) == [], (
        f"{path.name}: tag these cells `solution` and collapse them in JupyterLab "
        '(metadata "jupyter": {"source_hidden": true, "outputs_hidden": true})'
    )


@pytest.mark.parametrize("path", NOTEBOOKS + PAGES, ids=lambda p: p.stem)
def test_every_solution_is_a_dropdown(path):
    texts = markdown_sources(read(path)) if path.suffix == ".ipynb" else [path.read_text()]
    for text in texts:
        for block in directive_blocks(text, (student.SOLUTION, student.GATE_START)):
            assert re.search(r"^:class:.*\bdropdown\b", block, re.M), (
                f"{path.name}: a solution that is not collapsed: {block.splitlines()[0]}"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_student_notebook_keeps_every_exercise_and_no_solution(path):
    nb = read(path)
    result = student.student_notebook(nb)
    full_exercises = exercises(markdown_sources(nb))
    assert full_exercises, f"{path.name} has no exercise to check"
    assert exercises(markdown_sources(result)) == full_exercises

    text = "\n".join(sources(result))
    assert not re.search(r"\{solution(-start|-end)?\}", text)
    hidden = solution_lines(nb)
    assert hidden, f"{path.name}: no solution text to check"
    assert hidden.isdisjoint(line.strip() for line in text.splitlines())
    solution_code = [
        cell["id"]
        for cell in nb["cells"]
        if student.SOLUTION_TAG in cell["metadata"].get("tags", [])
    ]
    assert solution_code, f"{path.name}: no solution code cell to check"
    assert not {cell["id"] for cell in result["cells"]} & set(solution_code)
    assert all(not cell.get("outputs") for cell in result["cells"])


def test_the_staged_book_has_student_pages_and_everything_else_unchanged(tmp_path):
    staged = student.stage_book(ROOT, tmp_path / "book")
    for path in NOTEBOOKS:
        copy = staged / path.relative_to(ROOT)
        assert read(copy) == student.student_notebook(read(path))
    full, kept = {}, {}
    for path in PAGES:
        copy = staged / path.relative_to(ROOT)
        assert not re.search(r"\{solution(-start|-end)?\}", copy.read_text())
        full.update(exercises([path.read_text()]))
        kept.update(exercises([copy.read_text()]))
    assert kept == full
    for name in ("_config.yml", "_toc.yml", "references.bib"):
        assert (staged / name).read_bytes() == (ROOT / name).read_bytes()
    assert not (staged / ".venv").exists() and not (staged / "_build").exists()
