"""lecturekit.context.interactive: a person unless the build's environment variable says not."""

import subprocess
from pathlib import Path

import pytest

from lecturekit.context import BUILD_VARIABLE, interactive


@pytest.mark.parametrize(
    ("value", "expected"), [(None, True), ("", True), ("0", True), ("1", False), ("yes", False)]
)
def test_interactive_reads_the_build_variable(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv(BUILD_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(BUILD_VARIABLE, value)
    assert interactive() is expected


def _recipe(target):
    """The commands ``make`` would run for ``target`` (a dry run, nothing executes)."""
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        ["make", "-n", "-C", str(root), target], capture_output=True, text=True, check=True
    )
    return done.stdout


@pytest.mark.parametrize("target", ["notebooks", "strict-html", "book"])
def test_the_makefile_sets_the_variable_for_nbval_and_the_build(target):
    commands = [
        line for line in _recipe(target).splitlines() if "pytest" in line or "jupyter-book" in line
    ]
    assert commands
    assert all(f"{BUILD_VARIABLE}=1" in line for line in commands)


def test_jupyterlab_runs_without_the_variable():
    assert BUILD_VARIABLE not in _recipe("lab")
