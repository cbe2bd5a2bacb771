"""The first cell of every chapter installs lecturekit where it is missing (Colab), from the
repository and ref that _config.yml names, and does nothing where it is installed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import install_cell  # noqa: E402

CONFIG = {"repository": {"url": "https://github.com/owner/book/", "lecturekit_ref": "v0.2.0"}}


def _first_code_cell(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    return next(c for c in nb["cells"] if c["cell_type"] == "code")


@pytest.mark.parametrize("path", install_cell.chapters(), ids=lambda p: p.name)
def test_every_chapter_starts_with_the_configured_install_cell(path):
    cell = _first_code_cell(path)
    assert install_cell.TAG in cell["metadata"].get("tags", [])
    expected = install_cell.cell_source(install_cell.load_config())
    assert "".join(cell["source"]) == expected, "run `make install-cells`"


def test_there_are_eight_chapters():
    assert len(install_cell.chapters()) == 8


def test_the_requirement_pins_the_configured_repository_and_ref():
    assert install_cell.requirement(CONFIG) == (
        "lecturekit @ git+https://github.com/owner/book@v0.2.0"
    )
    inner = {"repository": {**CONFIG["repository"], "path_to_book": "course/book/"}}
    assert install_cell.requirement(inner).endswith("@v0.2.0#subdirectory=course/book")
    assert install_cell.requirement({"repository": {"url": ""}}) == ""
    with pytest.raises(ValueError, match="lecturekit_ref"):
        install_cell.requirement({"repository": {"url": "https://github.com/o/r"}})


def test_the_cell_has_one_source_line_the_student_release_can_rewrite():
    lines = install_cell.cell_source(CONFIG).splitlines()
    sources = [line for line in lines if line.startswith("LECTUREKIT_SOURCE = ")]
    assert sources == [
        'LECTUREKIT_SOURCE = "lecturekit @ git+https://github.com/owner/book@v0.2.0"'
    ]


def _run_cell(monkeypatch, source, importable):
    """Run the cell's code with lecturekit importable or not; return the commands it ran."""
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: calls.append((cmd, kw)))
    if not importable:
        monkeypatch.setitem(sys.modules, "lecturekit", None)  # `import lecturekit` fails
    exec(compile(source, "install-cell", "exec"), {})
    return calls


def test_where_lecturekit_is_installed_the_cell_does_nothing(monkeypatch):
    assert _run_cell(monkeypatch, install_cell.cell_source(CONFIG), importable=True) == []


def test_where_lecturekit_is_missing_the_cell_installs_the_pinned_requirement(monkeypatch):
    calls = _run_cell(monkeypatch, install_cell.cell_source(CONFIG), importable=False)
    assert calls == [
        (
            [sys.executable, "-m", "pip", "install", "--quiet", install_cell.requirement(CONFIG)],
            {"check": True},
        )
    ]


def test_without_a_repository_the_cell_says_how_to_install(monkeypatch):
    source = install_cell.cell_source({"repository": {"url": ""}})
    with pytest.raises(ImportError, match="Run it yourself"):
        _run_cell(monkeypatch, source, importable=False)


def test_the_tool_rewrites_the_cell_in_place(tmp_path):
    path = tmp_path / "01_x.ipynb"
    nb = {
        "cells": [
            {"cell_type": "markdown", "id": "t", "metadata": {}, "source": ["# T"]},
            {"cell_type": "code", "execution_count": None, "id": "i", "metadata": {},
             "outputs": [], "source": ["import numpy"]},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }  # fmt: skip
    path.write_text(json.dumps(nb))
    assert install_cell.write(path, install_cell.cell_source(CONFIG))
    cells = json.loads(path.read_text())["cells"]
    assert [c["id"] for c in cells] == ["t", install_cell.CELL_ID, "i"]
    assert not install_cell.write(path, install_cell.cell_source(CONFIG))  # idempotent
    install_cell.write(path, install_cell.cell_source({"repository": {"url": ""}}))
    cells = json.loads(path.read_text())["cells"]
    assert [c["id"] for c in cells] == ["t", install_cell.CELL_ID, "i"]
    assert 'LECTUREKIT_SOURCE = ""' in "".join(cells[1]["source"])
