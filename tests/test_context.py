"""lecturekit.context.interactive: a person unless the front end cannot take input, or the
override variable says not; and no build depends on a variable only the Makefile sets."""

import subprocess
from pathlib import Path
from types import SimpleNamespace

import IPython
import pytest

from lecturekit.context import BUILD_VARIABLE, interactive


def _kernel_shell(allow_stdin):
    """A stand-in for IPython inside a kernel whose current request has this allow_stdin."""
    return SimpleNamespace(kernel=SimpleNamespace(_allow_stdin=allow_stdin))


@pytest.mark.parametrize(("allow_stdin", "expected"), [(True, True), (False, False)])
def test_interactive_follows_the_front_end(monkeypatch, allow_stdin, expected):
    monkeypatch.delenv(BUILD_VARIABLE, raising=False)
    monkeypatch.setattr(IPython, "get_ipython", lambda: _kernel_shell(allow_stdin))
    assert interactive() is expected


def test_outside_a_kernel_a_person_runs_it(monkeypatch):
    monkeypatch.delenv(BUILD_VARIABLE, raising=False)
    monkeypatch.setattr(IPython, "get_ipython", lambda: None)
    assert interactive() is True


@pytest.mark.parametrize(
    ("value", "expected"), [(None, True), ("", True), ("0", True), ("1", False), ("yes", False)]
)
def test_the_variable_only_ever_forces_unattended(monkeypatch, value, expected):
    monkeypatch.setattr(IPython, "get_ipython", lambda: _kernel_shell(True))
    if value is None:
        monkeypatch.delenv(BUILD_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(BUILD_VARIABLE, value)
    assert interactive() is expected


@pytest.mark.slow
def test_a_notebook_run_by_nbclient_is_unattended(tmp_path):
    """The book build's executor (nbclient) sends allow_stdin false: no progress bar."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import os\nos.environ.pop('LECTUREKIT_BUILD', None)\n"
            "from lecturekit.context import interactive\nprint(interactive())"
        )
    ]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    assert nb.cells[0].outputs[0]["text"].strip() == "False"


def _recipe(target):
    """The commands ``make`` would run for ``target`` (a dry run, nothing executes)."""
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        ["make", "-n", "-o", ".venv/.installed", "-C", str(root), target],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.mark.parametrize("target", ["notebooks", "strict-html", "book", "pdf", "lab"])
def test_the_makefile_sets_no_variable(target):
    """`make book` builds what a plain `jupyter-book build .` builds."""
    assert BUILD_VARIABLE not in _recipe(target)
