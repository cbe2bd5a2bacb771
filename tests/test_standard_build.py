"""The standard build: `jupyter-book build .`, with no environment variable, gives the pages
`make book` gives, and no build passes on stale pages.

A tiny book with the project's own `_config.yml` and extensions holds one notebook that shows
an explorer the way the chapters do and runs a fit with a progress bar the way they do. It is
built as a lecturer's deploy builds it: a plain `jupyter-book build`, `LECTUREKIT_BUILD`
removed from the environment. The page must hold the explorer's kernel-free HTML (controls and
frames) and nothing of a widget or a progress bar; the LaTeX edition must print the explorer's
starting figure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")

# One worker builds the tiny book once (the module fixture), under `--dist loadgroup`.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("standard_build")]

EXPLORER_CELLS = [
    "from lecturekit import widgets\nfrom lecturekit.widgets import explorer\n\n"
    "explorer(widgets.bump_builder, -0.5, 0.5, 10.0, 1.0)",
    # As chapter 5 trains: progress bars for a person only.
    "import numpy as np\nfrom tqdm.auto import tqdm\n\n"
    "from lecturekit import data, network, train\nfrom lecturekit.context import interactive\n\n"
    "X, d = data.make_sine(40, noise=0.1, seed=0)\n"
    "Wh, wo = network.init_weights(1, 4, seed=0)\n"
    "res = train.fit(X, d, Wh, wo, lr=0.05, epochs=50, batch_size=8, progress=interactive())\n"
    "for _ in tqdm(range(3), desc='study', disable=not interactive()):\n    pass\n"
    "print(f'trained {res.epochs} epochs')",
]


def _notebook(cells):
    return {
        "cells": [{"cell_type": "markdown", "id": "title", "metadata": {}, "source": "# Page"}]
        + [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": f"c{i}",
                "metadata": {},
                "outputs": [],
                "source": src,
            }
            for i, src in enumerate(cells)
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def make_book(folder, cells, extra_config=""):
    """A book in ``folder`` with the project's configuration and one notebook, ``page``."""
    folder.mkdir(parents=True, exist_ok=True)
    config = (ROOT / "_config.yml").read_text(encoding="utf-8")
    (folder / "_config.yml").write_text(config + extra_config, encoding="utf-8")
    shutil.copytree(ROOT / "_ext", folder / "_ext", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "references.bib", folder / "references.bib")
    (folder / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: page\n")
    (folder / "intro.md").write_text("# {{ book_title }}\n\nFor {{ course_code }}.\n")
    (folder / "page.ipynb").write_text(json.dumps(_notebook(cells)), encoding="utf-8")


def build(folder, *args):
    """`jupyter-book build` as a deploy runs it: no LECTUREKIT_BUILD in the environment."""
    env = {k: v for k, v in os.environ.items() if k != "LECTUREKIT_BUILD"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [str(JUPYTER_BOOK), "build", str(folder), "-W", "-n", "--keep-going", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=folder,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return done.stdout


@pytest.fixture(scope="module")
def plain_build(tmp_path_factory):
    folder = tmp_path_factory.mktemp("standard") / "book"
    make_book(folder, EXPLORER_CELLS)
    build(folder)
    return folder


def test_the_plain_build_shows_the_kernel_free_explorer(plain_build):
    page = (plain_build / "_build" / "html" / "page.html").read_text(encoding="utf-8")
    # The kernel-free explorer: its figure element, one range input per slider, the frames.
    assert page.count('class="lk-explorer"') == 1
    assert len(re.findall(r'<input type="range"', page)) == 4
    assert re.search(r'<img src="data:image/png;base64,[A-Za-z0-9+/]{1000}', page)
    assert "Computed in advance for the website" in page


def _outputs(page):
    """The HTML of the page's cell outputs (what the cells printed or displayed)."""
    parts = page.split('<div class="cell_output docutils container">')[1:]
    return [re.split(r'<div class="cell docutils container"|</section>', part)[0] for part in parts]


def test_the_plain_build_leaves_no_widget_and_no_progress_bar(plain_build):
    page = (plain_build / "_build" / "html" / "page.html").read_text(encoding="utf-8")
    assert "application/vnd.jupyter.widget" not in page  # no widget view, no widget state
    assert "kernel-free explorer:" not in page  # the text/plain fallback was not chosen
    explorer, training = _outputs(page)
    assert 'class="lk-explorer"' in explorer
    assert not re.search(r"\d+%\|", training)  # no bar's text form, e.g. "100%|█████|"
    # The only output left is the cell's own print: no bar, no bar's description ("study").
    assert re.sub(r"<[^>]+>", "", training).split() == ["trained", "50", "epochs"]


def test_the_latex_edition_prints_the_starting_figure(plain_build):
    build(plain_build, "--builder", "latex")
    latex = plain_build / "_build" / "latex"
    (tex,) = [p for p in latex.glob("*.tex") if p.name.startswith("neural-models")]
    text = tex.read_text(encoding="utf-8")
    images = re.findall(r"\\sphinxincludegraphics(?:\[[^]]*\])?\{\{?([^}]+)\}", text)
    assert images, "no figure in the LaTeX"
    assert all((latex / (name if "." in name else name + ".png")).exists() for name in images)
    assert "IPython.core.display" not in text and "kernel-free explorer:" not in text


def test_every_chapter_shows_its_explorers_through_lecturekit_widgets_explorer():
    """No chapter chooses an explorer by itself (that choice once read a Makefile variable)."""
    shown = 0
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
        for src in code:
            assert "static_explorer" not in src, path.name
            assert "LECTUREKIT_BUILD" not in src, path.name
            shown += len(re.findall(r"\bexplorer\((?:widgets|linear|tp)\.\w+", src))
    assert shown == 5  # chapters 1, 2, 3 (two) and 5


def test_a_build_after_a_change_in_the_package_is_not_stale(tmp_path):
    """The notebook's code is unchanged, the package it imports is not: the page follows."""
    folder = tmp_path / "book"
    make_book(folder, ["import shown\nprint(f'value {shown.VALUE}')"])
    config = folder / "_config.yml"
    text = config.read_text().replace(
        "  config:\n", "  config:\n    fresh_build_sources: [shown]\n", 1
    )
    config.write_text(text)
    (folder / "shown").mkdir()
    (folder / "shown" / "__init__.py").write_text("VALUE = 1\n")
    build(folder)
    page = folder / "_build" / "html" / "page.html"
    assert "value 1" in page.read_text()
    (folder / "shown" / "__init__.py").write_text("VALUE = 2\n")
    build(folder)
    assert "value 2" in page.read_text()
