"""Every exercise can be done alone: a hint, an answer cell, a check, in that order.

After each ``{exercise}`` cell and before its solution, a chapter has a collapsed hint
(markdown, tag ``hint``), an answer cell whose names are still ``...`` (code, tag ``answer``),
and a check cell (code, tag ``check-answer``) or, for an open question, a collapsed worked
example (markdown, tag ``worked-example``).

The strongest test runs each chapter in one IPython shell in this process, cell by cell: every
check cell, run on the stub answers, must say "not answered" without an error; then the
solution's code (its gated code cells, or the ``python`` blocks of a ``{solution}``
directive) runs, and the same check cell must now say "correct". So every check accepts the
book's own answer, and every solution defines the names its answer cell asks for.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("0[1-8]_*.ipynb"))

EXERCISE = re.compile(r"^(`{3,}|:{3,})\{exercise\}.*?\n:label:\s*(\S+)", re.M)
SOLUTION = re.compile(r"^(`{3,}|:{3,})\{(solution|solution-start)\}\s*(\S+)", re.M)
GATE_END = re.compile(r"^(`{3,}|:{3,})\{solution-end\}", re.M)
PYTHON_BLOCK = re.compile(r"^(`{3,})python\n(.*?)^\1\s*$", re.M | re.S)
DIAGNOSIS = re.compile(r"diagnosis='([^']*)'")


def source(cell):
    return "".join(cell["source"])


def tags(cell):
    return set(cell.get("metadata", {}).get("tags", []))


def exercises(nb):
    """Per exercise: its label and the indices of its cells, from the statement to the solution.

    Returns a list of dicts with ``label``, ``start`` (the exercise cell), ``between`` (the
    cells up to the solution), ``solution`` (the first solution cell) and ``solution_code``
    (the code the solution runs: gated code cells, or python blocks inside ``{solution}``).
    """
    cells = nb["cells"]
    found = []
    for i, cell in enumerate(cells):
        if cell["cell_type"] != "markdown":
            continue
        labels = [m.group(2) for m in EXERCISE.finditer(source(cell))]
        assert len(labels) <= 1, f"one exercise per cell, so that its cells can follow it: {labels}"
        if not labels:
            continue
        label = labels[0]
        sol = next(
            (
                j
                for j in range(i, len(cells))
                if cells[j]["cell_type"] == "markdown"
                and any(m.group(3) == label for m in SOLUTION.finditer(source(cells[j])))
            ),
            None,
        )
        assert sol is not None, f"{label} has no solution"
        assert sol > i, f"{label}: the solution shares the exercise's cell"
        code = []
        head = source(cells[sol])
        if re.search(r"\{solution-start\}\s*" + re.escape(label), head):
            j = sol
            while not GATE_END.search(source(cells[j])):
                if cells[j]["cell_type"] == "code":
                    code.append(j)
                j += 1
        found.append(
            {
                "label": label,
                "start": i,
                "between": list(range(i + 1, sol)),
                "solution": sol,
                "solution_cells": code,
                "solution_blocks": [m.group(2) for m in PYTHON_BLOCK.finditer(head)]
                if not code
                else [],
            }
        )
    return found


def load(path):
    return json.loads(path.read_text())


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_exercise_has_hint_answer_and_check_in_order(path):
    nb = load(path)
    found = exercises(nb)
    assert found, f"{path.name} has no exercises"
    problems = []
    for ex in found:
        kinds = []
        for j in ex["between"]:
            cell = nb["cells"][j]
            t = tags(cell)
            kind = next(
                (k for k in ("hint", "answer", "check-answer", "worked-example") if k in t), None
            )
            if kind is None:
                problems.append(f"{ex['label']}: cell {cell['id']} before the solution has no tag")
                continue
            kinds.append(kind)
            want_type = "code" if kind in ("answer", "check-answer") else "markdown"
            if cell["cell_type"] != want_type:
                problems.append(f"{ex['label']}: the {kind} cell must be {want_type}")
            if kind in ("hint", "worked-example"):
                text = source(cell)
                if not re.search(r"\{admonition\}", text) or ":class: dropdown" not in text:
                    problems.append(f"{ex['label']}: the {kind} is not a collapsed admonition")
            if kind == "answer" and "..." not in source(cell):
                problems.append(f"{ex['label']}: the answer cell has no ... to fill in")
        order = [k for k in kinds if k != "worked-example"]
        if (
            order[:2] != ["hint", "answer"]
            or "check-answer" not in kinds[2:]
            and ("worked-example" not in kinds)
        ):
            problems.append(f"{ex['label']}: cells are {kinds}, want hint, answer, check")
        if kinds and kinds[0] != "hint":
            problems.append(f"{ex['label']}: the hint must come first, got {kinds}")
        checks = [k for k in kinds if k == "check-answer"]
        if len(checks) > 1 or (checks and kinds.index("check-answer") < kinds.index("answer")):
            problems.append(f"{ex['label']}: one check cell, after the answer cell: {kinds}")
    assert not problems, "\n".join(problems)


# -- running the check cells ---------------------------------------------------------------


class Chapter:
    """One chapter's code, run cell by cell in an IPython shell of this process."""

    def __init__(self, path):
        from IPython.core.interactiveshell import InteractiveShell

        self.path = path
        self.shell = InteractiveShell()
        self.shell.run_cell("import matplotlib; matplotlib.use('Agg')")

    def run(self, code, what):
        import matplotlib.pyplot as plt
        from IPython.utils.capture import capture_output

        with capture_output(display=True) as captured:
            result = self.shell.run_cell(code, store_history=False, silent=False)
        plt.close("all")  # as Jupyter's inline backend does after every cell
        text = captured.stdout + captured.stderr
        for output in captured.outputs:
            text += "\n" + output.data.get("text/plain", "")
        if result.error_before_exec or result.error_in_exec:
            err = result.error_before_exec or result.error_in_exec
            raise AssertionError(f"{self.path.name}, {what} raised {type(err).__name__}: {err}")
        # the value of the last expression reaches the display hook, also when not captured
        if result.result is not None:
            text += "\n" + repr(result.result)
        return text


def diagnoses(text):
    return DIAGNOSIS.findall(text)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
@pytest.mark.slow
def test_check_cells_say_not_answered_then_accept_the_solution(path, monkeypatch):
    # As a student runs it: live explorers (the build's kernel-free twins precompute a grid of
    # figures, which is the build's cost, not the exercises').
    monkeypatch.setenv("LECTUREKIT_BUILD", "0")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(path.parent)
    problems = run_checks(path, load(path))
    assert not problems, "\n".join(problems)


def run_checks(path, nb):
    """Run a chapter; return what its check cells got wrong on the stubs and the solutions."""
    found = {ex["start"]: ex for ex in exercises(nb)}
    checks = {}
    for ex in found.values():
        kinds = set().union(*(tags(nb["cells"][j]) for j in ex["between"]))
        if not kinds & {"check-answer", "worked-example"}:  # fail before running the chapter
            pytest.fail(f"{path.name}: {ex['label']} has neither a check nor a worked example")
        for j in ex["between"]:
            if "check-answer" in tags(nb["cells"][j]):
                checks[j] = ex
    chapter = Chapter(path)
    done = set()
    problems = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code" or i in done:
            continue
        what = f"cell {cell['id']}"
        text = chapter.run(source(cell), what)
        if i not in checks:
            continue
        ex = checks[i]
        said = diagnoses(text)
        if "not answered" not in text or any(d != "not answered" for d in said):
            problems.append(f"{ex['label']}: on the stub the check said {said or text[:300]!r}")
        for j in ex["solution_cells"]:
            chapter.run(source(nb["cells"][j]), f"solution cell {nb['cells'][j]['id']}")
            done.add(j)
        for block in ex["solution_blocks"]:
            chapter.run(block, f"the python block of {ex['label']}'s solution")
        text = chapter.run(source(cell), f"{what} after the solution")
        said = diagnoses(text)
        # an answer in words cannot be marked: "answered" is the most its check can say, and
        # only where a worked example is there to compare with
        worked = any("worked-example" in tags(nb["cells"][j]) for j in ex["between"])
        accepted = {"correct", "answered"} if worked else {"correct"}
        if not said or any(d not in accepted for d in said):
            problems.append(f"{ex['label']}: on the solution the check said {text[-600:]!r}")
    return problems


def test_the_run_catches_a_check_that_rejects_the_solution(tmp_path):
    exercise = "```{exercise} T\n:label: ex-00-x\n\nDo.\n```"
    hint = "```{admonition} Hint\n:class: dropdown\n\nh\n```"

    def notebook(solution_value):
        solution = (
            "````{solution} ex-00-x\n:class: dropdown\n\n```python\n"
            f"x = {solution_value}\n```\n````"
        )
        cells = [
            ("markdown", [], "from lecturekit.exercises import check"),
            ("markdown", [], exercise),
            ("markdown", ["hint"], hint),
            ("code", ["answer"], "x = ...  # a number"),
            ("code", ["check-answer"], "check(x, 2.0, 'x')"),
            ("markdown", [], solution),
        ]
        cells[0] = ("code", [], cells[0][2])
        return {
            "cells": [
                {"cell_type": t, "id": f"c{i}", "metadata": {"tags": g}, "source": [src]}
                for i, (t, g, src) in enumerate(cells)
            ]
        }

    path = tmp_path / "x.ipynb"
    assert run_checks(path, notebook(2.0)) == []
    (problem,) = run_checks(path, notebook(3.0))
    assert "on the solution the check said" in problem and "values" in problem


def test_the_structure_test_can_fail():
    """An exercise without its hint, or whose solution shares its cell, is caught."""
    exercise = "```{exercise} T\n:label: ex-00-x\n\nDo.\n```"
    solution = "```{solution} ex-00-x\n:class: dropdown\n\nx.\n\n```python\nx = 1\n```\n```"
    nb = {
        "cells": [
            {"cell_type": "markdown", "id": "a", "metadata": {}, "source": [exercise]},
            {
                "cell_type": "code",
                "id": "b",
                "metadata": {"tags": ["answer"]},
                "source": ["x = ..."],
            },
            {"cell_type": "markdown", "id": "c", "metadata": {}, "source": [solution]},
        ]
    }
    (ex,) = exercises(nb)
    assert ex["label"] == "ex-00-x" and ex["between"] == [1]
    assert ex["solution_blocks"] == ["x = 1\n"]
    assert not any("hint" in tags(nb["cells"][j]) for j in ex["between"])
    nb["cells"][0]["source"] = [exercise + "\n\n" + solution]
    with pytest.raises(AssertionError, match="shares the exercise's cell"):
        exercises(nb)
    assert diagnoses("Feedback(correct=False, diagnosis='values', message='')") == ["values"]
