"""The student edition (``tools/student.py``): exercises kept, solutions gone, one mechanism.

The same functions write the student notebooks (``make student``) and stage the student
book (``make book-student``), so both are checked here: on synthetic MyST for the parsing
rules, then on every chapter and page of the book. The solution code cells of the full
notebooks must carry the ``solution`` tag, collapsed in JupyterLab, so that a new solution
cannot forget it.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PAGES = sorted((ROOT / "book").glob("*.md"))

_spec = importlib.util.spec_from_file_location("student", ROOT / "tools" / "student.py")
student = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(student)


def markdown(*cells):
    """A notebook of the given cells: strings are markdown, ``("code", src, tags)`` code and
    ``("markdown", src, tags)`` tagged markdown."""
    nb_cells = []
    for i, cell in enumerate(cells):
        if isinstance(cell, str):
            cell = ("markdown", cell, [])
        kind, source, tags = cell
        if kind == "markdown":
            nb_cells.append(
                {
                    "cell_type": "markdown",
                    "id": f"m{i}",
                    "metadata": {"tags": list(tags)},
                    "source": source,
                }
            )
        else:
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


def python_names(cells):
    """``(defined, used)``: the names the code cells assign, define or import, and read."""
    defined, used = set(), set()
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        lines = "".join(cell["source"]).splitlines()
        # IPython's magics and shell lines are not Python.
        tree = ast.parse("\n".join(x for x in lines if not x.lstrip().startswith(("%", "!"))))
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                (used if isinstance(node.ctx, ast.Load) else defined).add(node.id)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                defined.add(node.name)
            elif isinstance(node, ast.Import | ast.ImportFrom):
                defined.update((a.asname or a.name).split(".")[0] for a in node.names)
            elif isinstance(node, ast.arg):
                defined.add(node.arg)
    return defined, used


def used_but_defined_only_by_solutions(nb):
    """Names the student notebook reads that only the removed solutions define."""
    full_defined, _ = python_names(nb["cells"])
    defined, used = python_names(student.student_notebook(nb)["cells"])
    return (used & full_defined) - defined


def test_a_name_that_only_a_solution_defines_is_found():
    nb = markdown(
        *EXERCISE_CELLS,
        ("code", "print(answer, helper)", []),
        "````{solution-start} ex-a\n````",
        ("code", "helper = 2", ["solution"]),
        "````{solution-end}\n````",
    )
    assert used_but_defined_only_by_solutions(nb) == {"helper"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_student_notebook_uses_no_name_that_only_a_solution_defines(path):
    """Otherwise a student's Run All stops at the first cell after a removed solution."""
    missing = used_but_defined_only_by_solutions(read(path))
    assert not missing, (
        f"{path.name}: the student notebook uses {sorted(missing)}, which only a solution "
        "defines: define them outside the solution (or in the answer stub)"
    )


def test_the_staged_book_has_student_pages_and_everything_else_unchanged(tmp_path):
    staged = student.stage_book(ROOT, tmp_path / "book")
    source = student.release_requirement(student.read_config(ROOT))
    for path in NOTEBOOKS:
        copy = staged / path.relative_to(ROOT)
        assert read(copy) == student.student_notebook(read(path), source)
    full, kept = {}, {}
    for path in PAGES:
        copy = staged / path.relative_to(ROOT)
        assert not re.search(r"\{solution(-start|-end)?\}", copy.read_text())
        full.update(exercises([path.read_text()]))
        kept.update(exercises([copy.read_text()]))
    assert kept == full
    for name in ("_toc.yml", "references.bib", "_ext/launch_config.py"):
        assert (staged / name).read_bytes() == (ROOT / name).read_bytes()
    config = yaml.safe_load((staged / "_config.yml").read_text())
    assert config == student.student_config(student.read_config(ROOT))
    assert not (staged / ".venv").exists() and not (staged / "_build").exists()
    assert student.leaks(staged) == []


# --- nothing lost, nothing leaked: a small book in a temporary folder ------------------------

RELEASE_URL, RELEASE_REF = "https://github.com/course/student-notebooks", "v1"
FULL_URL = "https://github.com/course/full-book"
EXERCISE_CELLS = (
    ("markdown", "# Chapter\n\n```{exercise} E\n:label: ex-a\n\nDo it.\n```", []),
    ("markdown", "```{admonition} Hint\n:class: dropdown\nThink.\n```", ["hint"]),
    ("code", "answer = ...  # an array of shape (2, 3)", ["answer"]),
    ("code", "check(answer)", ["check-answer"]),
    (
        "markdown",
        "```{admonition} A worked example\n:class: dropdown\nLike so.\n```",
        ["worked-example"],
    ),
    "````{solution-start} ex-a\n:class: dropdown\n````\nThe secret reasoning.",
    ("code", "answer = secret_formula()", ["solution"]),
    "````{solution-end}\n````\n\n## After the exercises",
)
INSTALL_CELL = (
    "code",
    'LECTUREKIT_SOURCE = "lecturekit @ git+https://github.com/course/full-book@v0"\n'
    "try:\n    import lecturekit\nexcept ImportError:\n    pass",
    ["install-lecturekit"],
)


def write_json(path, nb):
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")


def small_book(root):
    """A book of one chapter (with an exercise, its student cells and its solution) and one
    page, with the files a release takes: a stand-in for the repository."""
    (root / "notebooks").mkdir(parents=True)
    (root / "book").mkdir()
    (root / "lecturekit").mkdir()
    for name, cells in (("01_a", (INSTALL_CELL, *EXERCISE_CELLS)), ("02_b", EXERCISE_CELLS)):
        nb = markdown(*cells)
        nb["metadata"] = {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        }
        write_json(root / "notebooks" / f"{name}.ipynb", nb)
    (root / "book" / "intro.md").write_text(
        "# Intro\n\nSee {repo-file}`pyproject.toml`.\n\n"
        "```{only} student_edition\nOnly in the student edition.\n```\n\n"
        "```{only} not student_edition\nOnly in the full edition.\n```\n\n"
        "```{exercise} P\n:label: ex-p\nDo.\n```\n\n```{solution} ex-p\nDone.\n```\n"
    )
    (root / "lecturekit" / "__init__.py").write_text('"""The package."""\n')
    (root / "pyproject.toml").write_text('[project]\nname = "lecturekit"\n')
    (root / "constraints.txt").write_text("numpy==2.4.6\nsphinx==7.4.7\n")
    (root / "requirements.txt").write_text(
        "# pins\n-c constraints.txt\n-e .\n\n# Maths\nnumpy==2.4.6\n\n# The book\n"
        "jupyter-book==1.0.4.post1\nsphinx==7.4.7\n\n# Tests\npytest==9.2.0\n"
    )
    (root / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nchapters:\n  - file: notebooks/01_a\n"
    )
    config = {
        "title": "Small book",
        "repository": {"url": FULL_URL, "branch": "main", "path_to_book": ""},
        "student_release": {"url": RELEASE_URL, "ref": RELEASE_REF},
        "launch_buttons": {
            "binderhub_url": "https://mybinder.org",
            "colab_url": "https://colab.research.google.com",
        },
    }
    (root / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    return root


def snapshot(folder):
    """Every file under ``folder`` with its bytes: to show that nothing changed."""
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def stray_temporaries(folder):
    return [p.name for p in folder.iterdir() if p.name.endswith((".tmp", ".old"))]


def test_the_student_cells_stay_and_the_solution_goes():
    result = student.student_notebook(markdown(*EXERCISE_CELLS))
    kept = {tag: cell for cell in result["cells"] for tag in student._tags(cell)}
    assert set(kept) == set(student.STUDENT_TAGS)
    assert "".join(kept["answer"]["source"]) == "answer = ...  # an array of shape (2, 3)"
    assert "".join(kept["check-answer"]["source"]) == "check(answer)"
    text = "\n".join(sources(result))
    assert "secret" not in text and "solution" not in text
    assert sources(result)[-1] == "## After the exercises"


def test_output_equal_to_input_is_refused_from_the_repository_root(tmp_path, monkeypatch, capsys):
    root = small_book(tmp_path / "repo")
    before = snapshot(root)
    monkeypatch.setattr(student, "ROOT", root)
    monkeypatch.chdir(root)
    assert student.main(["book", "."]) == 1
    assert "is the input folder itself" in capsys.readouterr().err
    assert student.main(["release", "."]) == 1
    with pytest.raises(student.StudentError, match="is the input folder itself"):
        student.write_student_notebooks(root / "notebooks", root / "notebooks")
    assert snapshot(root) == before
    assert stray_temporaries(tmp_path) == []


def test_an_output_inside_its_input_or_holding_it_is_refused(tmp_path):
    root = small_book(tmp_path / "repo")
    before = snapshot(root)
    with pytest.raises(student.StudentError, match="lies inside the input"):
        student.stage_book(root, root / "book" / "student")
    with pytest.raises(student.StudentError, match="lies inside the input"):
        student.write_student_notebooks(root / "notebooks", root / "notebooks" / "student")
    with pytest.raises(student.StudentError, match="holds the input"):
        student.stage_book(root, tmp_path)
    with pytest.raises(student.StudentError, match="holds the input"):
        student.write_release(root, tmp_path)
    with pytest.raises(student.StudentError, match="holds the input"):
        student.write_student_notebooks(root / "notebooks", root)
    assert snapshot(root) == before
    # Under the build folder, which the copy never reads, it may be.
    staged = student.stage_book(root, root / "_build" / "student" / "book")
    assert (staged / "notebooks" / "01_a.ipynb").is_file()
    assert not (staged / "_build").exists()


def test_a_missing_input_folder_is_refused(tmp_path):
    with pytest.raises(student.StudentError, match="does not exist"):
        student.write_student_notebooks(tmp_path / "nowhere", tmp_path / "out")
    with pytest.raises(student.StudentError, match="does not exist"):
        student.stage_book(tmp_path / "nowhere", tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_an_input_without_notebooks_or_release_files_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(student.StudentError, match="holds no notebook"):
        student.write_student_notebooks(tmp_path / "empty", tmp_path / "out")
    root = small_book(tmp_path / "repo")
    (root / "requirements.txt").unlink()
    with pytest.raises(student.StudentError, match="has no requirements.txt"):
        student.write_release(root, tmp_path / "out")
    assert not (tmp_path / "out").exists() and stray_temporaries(tmp_path) == []


def test_a_folder_the_tool_did_not_write_is_never_replaced(tmp_path):
    root = small_book(tmp_path / "repo")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("years of work")
    with pytest.raises(student.StudentError, match="did not write"):
        student.write_student_notebooks(root / "notebooks", mine)
    assert snapshot(mine) == {Path("thesis.tex"): b"years of work"}


def test_a_malformed_notebook_is_named_and_nothing_is_written(tmp_path):
    root = small_book(tmp_path / "repo")
    (root / "notebooks" / "01_a.ipynb").write_text('{"cells": [')
    out = tmp_path / "out"
    with pytest.raises(student.StudentError, match=r"01_a\.ipynb: not a notebook \(invalid JSON"):
        student.write_student_notebooks(root / "notebooks", out)
    with pytest.raises(student.StudentError, match=r"01_a\.ipynb: not a notebook"):
        student.stage_book(root, out)
    with pytest.raises(student.StudentError, match=r"01_a\.ipynb: not a notebook"):
        student.write_release(root, out)
    assert not out.exists() and stray_temporaries(tmp_path) == []


def _problem(nb, tmp_path):
    """The error of writing ``nb`` as a student notebook, whose file is ``ch.ipynb``."""
    folder = tmp_path / "nb"
    folder.mkdir()
    write_json(folder / "ch.ipynb", nb)
    with pytest.raises(student.StudentError) as error:
        student.write_student_notebooks(folder, tmp_path / "out")
    assert not (tmp_path / "out").exists() and stray_temporaries(tmp_path) == []
    return str(error.value)


def test_an_unterminated_start_is_named_with_its_cell_and_exercise(tmp_path):
    nb = markdown(
        "```{exercise} A\n:label: ex-a\nDo.\n```",
        "````{solution-start} ex-a\n:class: dropdown\n````\nHalf a solution.",
        ("code", "x = 1", ["solution"]),
        "```{exercise} B\n:label: ex-b\nDo more.\n```",
        "````{solution-start} ex-b\n:class: dropdown\n````\nB.",
        "````{solution-end}\n````",
    )
    message = _problem(nb, tmp_path)
    assert "ch.ipynb: cell 4: exercise ex-b inside the gated solution of ex-a" in message
    assert "opened at cell 2" in message


def test_a_start_never_closed_at_the_end_of_a_notebook(tmp_path):
    nb = markdown("```{exercise} A\n:label: ex-a\nDo.\n```", "````{solution-start} ex-a\n````")
    message = _problem(nb, tmp_path)
    assert "ch.ipynb: cell 2: the {solution-start} of ex-a has no {solution-end}" in message


def test_a_stray_end_is_named_with_its_cell_and_exercise(tmp_path):
    nb = markdown(
        "```{exercise} A\n:label: ex-a\nDo.\n```\n\n```{solution} ex-a\nDone.\n```",
        "````{solution-end}\n````",
    )
    message = _problem(nb, tmp_path)
    assert "ch.ipynb: cell 2: a {solution-end} without a {solution-start}" in message
    assert "after exercise ex-a" in message


def test_nested_starts_are_named(tmp_path):
    nb = markdown(
        "````{solution-start} ex-a\n````",
        "````{solution-start} ex-b\n````",
        "````{solution-end}\n````",
        "````{solution-end}\n````",
    )
    message = _problem(nb, tmp_path)
    assert "cell 2: another {solution-start} inside the gated solution of ex-a" in message


def test_a_page_with_an_unterminated_start_is_named_by_line(tmp_path):
    root = small_book(tmp_path / "repo")
    (root / "book" / "intro.md").write_text("# Intro\n\n````{solution-start} ex-p\n````\nAll.\n")
    with pytest.raises(student.StudentError, match=r"intro\.md: line 3: the \{solution-start\}"):
        student.stage_book(root, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_the_final_scan_catches_a_leak_and_keeps_the_earlier_output(tmp_path, monkeypatch):
    root = small_book(tmp_path / "repo")
    out = tmp_path / "out"
    student.write_student_notebooks(root / "notebooks", out)
    before = snapshot(out)
    monkeypatch.setattr(student, "student_notebook", lambda nb, source=None: nb)
    with pytest.raises(student.StudentError, match="solutions left") as error:
        student.write_student_notebooks(root / "notebooks", out)
    assert "01_a.ipynb: cell" in str(error.value) and "tagged solution" in str(error.value)
    assert snapshot(out) == before, "the earlier output is kept"
    assert stray_temporaries(tmp_path) == []


def test_the_scan_names_each_kind_of_leak(tmp_path):
    nb = markdown(
        "```{exercise} A\n:label: ex-a\n```\n\n:::{solution} ex-a\nDone.\n:::",
        ("code", "y = 2", ["solution"]),
        ("code", "z = 3", []),
    )
    found = student.notebook_leaks(nb)
    assert "cell 1, line 5: :::{solution} ex-a" in found
    assert "cell 2 is tagged solution" in found
    assert "cell 3 has outputs" in found
    assert student.notebook_leaks(student.student_notebook(nb)) == []
    (tmp_path / "page.md").write_text("Text\n```{solution-end}\n```\n")
    assert student.leaks(tmp_path) == ["page.md: line 2: ```{solution-end}"]


def test_a_failure_while_writing_removes_the_temporary_folder(tmp_path, monkeypatch):
    root = small_book(tmp_path / "repo")
    out = tmp_path / "out"
    student.write_student_notebooks(root / "notebooks", out)
    before = snapshot(out)
    calls = []

    def fail_on_the_second(nb, path):
        calls.append(path)
        if len(calls) == 2:
            raise OSError("disk full")
        return write_notebook(nb, path)

    write_notebook = student.write_notebook
    monkeypatch.setattr(student, "write_notebook", fail_on_the_second)
    with pytest.raises(OSError, match="disk full"):
        student.write_student_notebooks(root / "notebooks", out)
    assert calls and calls[0].parent != out, "written to a temporary folder, not to out"
    assert snapshot(out) == before
    assert stray_temporaries(tmp_path) == []


def test_an_output_written_earlier_is_replaced_whole(tmp_path):
    root = small_book(tmp_path / "repo")
    out = tmp_path / "out"
    student.write_student_notebooks(root / "notebooks", out)
    (root / "notebooks" / "02_b.ipynb").unlink()
    student.write_student_notebooks(root / "notebooks", out)
    assert sorted(p.name for p in out.iterdir()) == [student.MARKER, "01_a.ipynb"]
    assert stray_temporaries(tmp_path) == []


def test_an_output_changed_since_it_was_written_is_not_replaced(tmp_path):
    root = small_book(tmp_path / "repo")
    out = tmp_path / "out"
    student.write_student_notebooks(root / "notebooks", out)
    # What JupyterLab and a build add may go; it is made again.
    (out / ".ipynb_checkpoints").mkdir()
    (out / ".ipynb_checkpoints" / "01_a-checkpoint.ipynb").write_text("{}")
    student.write_student_notebooks(root / "notebooks", out)
    answered = (out / "01_a.ipynb").read_text().replace("answer = ...", "answer = X.T")
    (out / "01_a.ipynb").write_text(answered)
    (out / "notes.txt").write_text("mine")
    before = snapshot(out)
    with pytest.raises(student.StudentError, match="changed since") as error:
        student.write_student_notebooks(root / "notebooks", out)
    assert "01_a.ipynb: changed" in str(error.value) and "notes.txt: added" in str(error.value)
    assert snapshot(out) == before and stray_temporaries(tmp_path) == []


def test_lab_student_opens_changed_notebooks_as_they_are(tmp_path, monkeypatch, capsys):
    root = small_book(tmp_path / "repo")
    monkeypatch.setattr(student, "ROOT", root)
    out = tmp_path / "out"
    assert student.main(["notebooks", str(out), "--keep-changed"]) == 0
    (out / "01_a.ipynb").write_text((out / "01_a.ipynb").read_text().replace("...", "X.T"))
    before = snapshot(out)
    assert student.main(["notebooks", str(out)]) == 1
    assert "changed since" in capsys.readouterr().err
    assert student.main(["notebooks", str(out), "--keep-changed"]) == 0
    assert "kept as it is" in capsys.readouterr().out
    assert snapshot(out) == before
    # Other errors still fail.
    assert student.main(["notebooks", str(root / "notebooks"), "--keep-changed"]) == 1


def test_the_install_cell_points_at_the_release_or_is_left_alone():
    nb = markdown(INSTALL_CELL, "Text")
    assert student.set_lecturekit_source(nb, "lecturekit @ git+https://x/y@v1")
    assert sources(nb)[0].splitlines()[0] == 'LECTUREKIT_SOURCE = "lecturekit @ git+https://x/y@v1"'
    commented = markdown(
        ("code", "LECTUREKIT_SOURCE = 'a'  # pinned\nx = 1", ["install-lecturekit"])
    )
    student.set_lecturekit_source(commented, "b")
    assert sources(commented) == ['LECTUREKIT_SOURCE = "b"  # pinned\nx = 1']
    assert sources(nb)[0].splitlines()[1:] == INSTALL_CELL[1].splitlines()[1:]
    without = markdown("Text", ("code", "import lecturekit", []))
    assert not student.set_lecturekit_source(without, "lecturekit @ git+https://x/y@v1")
    assert sources(without) == ["Text", "import lecturekit"]
    broken = markdown(("code", "import lecturekit", ["install-lecturekit"]))
    with pytest.raises(student.StudentError, match="expected exactly one"):
        student.set_lecturekit_source(broken, "lecturekit")


# --- the student release ----------------------------------------------------------------------


def test_the_release_holds_what_a_student_needs_and_no_solution(tmp_path):
    root = small_book(tmp_path / "repo")
    out = student.write_release(root, tmp_path / "release")
    files = {str(p) for p in snapshot(out)}
    assert {
        "notebooks/01_a.ipynb",
        "notebooks/02_b.ipynb",
        "lecturekit/__init__.py",
        "pyproject.toml",
        "constraints.txt",
        "requirements.txt",
        "README.md",
    } <= files
    assert not any(name.startswith(("book/", "tests/", "_config")) for name in files)
    assert student.leaks(out) == []
    everything = "\n".join(p.read_text() for p in out.rglob("*") if p.is_file())
    assert "secret" not in everything and FULL_URL not in everything
    first = read(out / "notebooks" / "01_a.ipynb")
    assert sources(first)[0].splitlines()[0] == (
        f'LECTUREKIT_SOURCE = "lecturekit @ git+{RELEASE_URL}@{RELEASE_REF}"'
    )
    requirements = (out / "requirements.txt").read_text().splitlines()
    assert [r for r in requirements if not r.startswith("#")] == [
        "-c constraints.txt",
        "-e .",
        "numpy==2.4.6",
    ]
    readme = (out / "README.md").read_text()
    assert f"https://mybinder.org/v2/gh/course/student-notebooks/{RELEASE_REF}" in readme
    assert (
        f"https://colab.research.google.com/github/course/student-notebooks/blob/{RELEASE_REF}"
        "/notebooks/01_a.ipynb" in readme
    )
    with zipfile.ZipFile(tmp_path / "release.zip") as archive:
        zipped = {name.removeprefix("release/") for name in archive.namelist()}
    assert zipped == files - {student.MARKER}


def test_the_release_of_this_book_leaks_no_solution(tmp_path):
    out = student.write_release(ROOT, tmp_path / "release")
    assert student.leaks(out) == []
    assert sorted(p.name for p in (out / "notebooks").iterdir()) == [p.name for p in NOTEBOOKS]
    source = student.release_requirement(student.read_config(ROOT))
    for path in NOTEBOOKS:
        assert read(out / "notebooks" / path.name) == student.student_notebook(read(path), source)


# --- the student edition's configuration ------------------------------------------------------


def _theme_options(config):
    """The theme options Jupyter Book makes of ``config``, after validating it strictly."""
    from jupyter_book.config import get_final_config

    final, _ = get_final_config(
        user_yaml=config,
        cli_config={"latex_individualpages": False},
        validate=True,
        raise_on_invalid=True,
    )
    return final["html_theme_options"]


class _SphinxConfig:
    """The two settings of a Sphinx config that ``_ext/launch_config.py`` reads and writes."""

    def __init__(self, options):
        self.html_theme_options, self.myst_substitutions = options, {}

    def __contains__(self, name):
        return hasattr(self, name)


def _switched(options):
    _spec = importlib.util.spec_from_file_location("launch", ROOT / "_ext" / "launch_config.py")
    launch = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(launch)
    config = _SphinxConfig(dict(options))
    launch.apply_repository_switch(None, config)
    return config.html_theme_options


def test_this_books_config_with_the_release_setting_is_valid():
    config = student.read_config(ROOT)
    assert set(config["student_release"]) == {"url", "ref"}
    _theme_options(config)  # raises on a key Jupyter Book refuses


def test_the_student_edition_points_at_the_release_and_says_what_it_is():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["repository"]["url"] = FULL_URL
    config["student_release"] = {"url": RELEASE_URL, "ref": RELEASE_REF}
    staged = student.student_config(config)
    assert staged["title"] == f"{config['title']} (student edition)"
    options = _switched(_theme_options(staged))
    assert options["repository_url"] == RELEASE_URL
    assert options["repository_branch"] == RELEASE_REF
    assert options["use_repository_button"] and options["use_issues_button"]
    assert not options.get("use_edit_page_button")
    assert options["launch_buttons"]["binderhub_url"] and options["launch_buttons"]["colab_url"]
    assert "student edition" in options["announcement"] and RELEASE_URL in options["announcement"]
    assert FULL_URL not in json.dumps(staged)
    assert staged["sphinx"]["config"]["student_edition"] is True


def test_without_a_release_the_student_edition_has_no_launch_or_repository_buttons():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["repository"]["url"] = FULL_URL
    config["student_release"] = {"url": "", "ref": "main"}
    options = _switched(_theme_options(student.student_config(config)))
    assert "repository_url" not in options
    assert not options["use_repository_button"] and not options["use_issues_button"]
    assert not set(options["launch_buttons"]) & {"binderhub_url", "colab_url", "jupyterhub_url"}
    assert "student edition" in options["announcement"]
    assert FULL_URL not in json.dumps(options)


@pytest.mark.slow
@pytest.mark.slow
def test_a_built_student_edition_opens_the_release_and_never_the_full_repository(tmp_path):
    """One small book, staged and built strictly as `make book-student` does (no execution)."""
    root = small_book(tmp_path / "repo")
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["repository"]["url"] = FULL_URL
    config["student_release"] = {"url": RELEASE_URL, "ref": RELEASE_REF}
    config["execute"]["execute_notebooks"] = "off"
    (root / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    shutil.copytree(ROOT / "_ext", root / "_ext")
    shutil.copy(ROOT / "references.bib", root / "references.bib")
    staged = student.stage_book(root, tmp_path / "staged")
    build = subprocess.run(
        [Path(sys.executable).parent / "jupyter-book", "build", staged, "-W", "-n", "--keep-going"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    site = staged / "_build" / "html"
    pages = {p.relative_to(site).as_posix(): p.read_text() for p in site.rglob("*.html")}
    chapter = pages["notebooks/01_a.html"]
    slug = "course/student-notebooks"
    assert (
        f"https://mybinder.org/v2/gh/{slug}/{RELEASE_REF}?urlpath=lab/tree/notebooks/01_a.ipynb"
        in chapter
    )
    assert (
        f"https://colab.research.google.com/github/{slug}/blob/{RELEASE_REF}/notebooks/01_a.ipynb"
        in chapter
    )
    assert f'href="{RELEASE_URL}"' in chapter and f"{RELEASE_URL}/issues/new" in chapter
    for name in ("notebooks/01_a.html", "book/intro.html"):
        assert "(student edition)</title>" in pages[name]
        assert "The student edition: the exercises without their solutions." in pages[name]
    assert "/blob/" not in pages["book/intro.html"], "no link to a file the release lacks"
    assert "Only in the student edition." in pages["book/intro.html"]
    assert "Only in the full edition." not in pages["book/intro.html"]
    for name, page in pages.items():
        assert FULL_URL not in page, name
        assert "secret" not in page, name
