"""Every chapter notebook in git is clean (no outputs), checks itself, and is in the book."""

import json
import subprocess
from pathlib import Path

import pytest
from book_toc import source_of, toc_documents

ROOT = Path(__file__).resolve().parents[1]


def tracked_notebooks():
    out = subprocess.run(
        ["git", "ls-files", "*.ipynb"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.split()
    # Outside a git checkout fall back to the folder, so the test never passes vacuously.
    return sorted(out) or sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("notebooks/*.ipynb"))


NOTEBOOKS = tracked_notebooks()


def code_cells(path):
    nb = json.loads((ROOT / path).read_text())
    return nb, [c for c in nb["cells"] if c["cell_type"] == "code"]


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found"


@pytest.mark.parametrize("path", NOTEBOOKS)
def test_committed_without_outputs(path):
    _, cells = code_cells(path)
    dirty = [i for i, c in enumerate(cells) if c.get("outputs") or c.get("execution_count")]
    assert not dirty, f"{path}: code cells {dirty} carry outputs; clear them before committing"


@pytest.mark.parametrize("path", NOTEBOOKS)
def test_has_assertion_cell(path):
    _, cells = code_cells(path)
    assert any("assert " in "".join(c["source"]) for c in cells), f"{path} checks nothing"


@pytest.mark.parametrize("path", NOTEBOOKS)
def test_uses_the_python3_kernel(path):
    nb, _ = code_cells(path)
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS)
def test_in_table_of_contents(path):
    assert str(Path(path).with_suffix("")) in toc_documents(), f"{path} is not in _toc.yml"


def test_toc_entries_exist():
    for entry in toc_documents():
        assert source_of(entry) is not None, entry
