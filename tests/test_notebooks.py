"""Every chapter notebook in git is clean (no outputs), checks itself, and is in the book."""

import json
import shutil
import subprocess
import sys
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


# --- notebooks/conftest.py: nbval's run, recorded as nbclient records an execution ----------

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
RECORDED_CELLS = [
    "import ipywidgets as W\nimport matplotlib.pyplot as plt\n"
    "from IPython.display import clear_output, display",
    'print("a line")\nplt.plot([0, 1], [1, 0])\nplt.show()',
    'print("cleared")\nclear_output(wait=True)\nprint("kept")',
    'W.interactive(lambda a: print("twice a is", 2 * a), a=W.IntSlider(value=3))',
    'handle = display("first", display_id=True)\nhandle.update("second")',
]


def output_summary(nb):
    """Per code cell: each output's type, stream name, mime types and text."""
    cells = []
    for cell in (c for c in nb.cells if c.cell_type == "code"):
        cells.append(
            [
                (o.output_type, o.get("name"), sorted(o.get("data", {})), o.get("text"))
                for o in cell.outputs
            ]
        )
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    models = state.get("state", {}).values()
    widget_outputs = [
        [(o["output_type"], o.get("text")) for o in m["state"].get("outputs", [])]
        for m in models
        if m["model_name"] == "OutputModel"
    ]
    return cells, sorted(m["model_name"] for m in models), widget_outputs


def run_recorded(tmp_path, name, sources):
    """Write a notebook of code cells ``sources`` to ``tmp_path / name`` and run it under nbval
    with the recording plugin of notebooks/conftest.py, as ``make notebooks`` does.

    Returns the notebook, its path, the finished pytest run and the cache folder.
    """
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in sources]
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    path = tmp_path / name
    nbformat.write(nb, path)
    shutil.copy(ROOT / "notebooks" / "conftest.py", tmp_path / "conftest.py")
    cache_dir = tmp_path / "cache"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax"]
        + ["--nbval-current-env", "--record-into", str(cache_dir), path.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    return nb, path, run, cache_dir


@pytest.mark.slow
def test_recorded_run_matches_a_normal_execution(tmp_path):
    """What nbval executed and the plugin stored in the cache has the outputs a build's own
    execution (jupyter-cache, nbclient) gives: figures, cleared output, an Output widget's
    capture kept inside the widget, updated displays, the widget state."""
    nbformat = pytest.importorskip("nbformat")
    jupyter_cache = pytest.importorskip("jupyter_cache")
    from jupyter_cache.executors.utils import single_nb_execution

    nb, path, run, cache_dir = run_recorded(tmp_path, "recorded.ipynb", RECORDED_CELLS)
    assert run.returncode == 0, run.stdout + run.stderr
    cache = jupyter_cache.get_cache(cache_dir)
    recorded = cache.get_cache_bundle(cache.match_cache_notebook(nb).pk).nb

    executed = single_nb_execution(
        nbformat.read(path, as_version=4), cwd=str(tmp_path), timeout=600, allow_errors=False
    )
    assert executed.err is None, executed.exc_string
    expected = output_summary(executed.nb)
    assert output_summary(recorded) == expected
    # The cases the comparison is about are really there.
    cells, models, widget_outputs = expected
    assert cells[2] == [("stream", "stdout", [], "kept\n")]
    assert "OutputModel" in models and widget_outputs == [[("stream", "twice a is 6\n")]]
    assert [kinds for _, _, kinds, _ in cells[1]] == [[], ["image/png", "text/plain"]]


@pytest.mark.slow
def test_recorded_run_skips_a_failing_notebook(tmp_path):
    """A notebook with a failing cell is not stored: the build executes it and fails there."""
    jupyter_cache = pytest.importorskip("jupyter_cache")
    nb, _, run, cache_dir = run_recorded(tmp_path, "failing.ipynb", ["x = 1", "assert x == 2"])
    assert run.returncode == 1, run.stdout + run.stderr
    with pytest.raises(KeyError):
        jupyter_cache.get_cache(cache_dir).match_cache_notebook(nb)
