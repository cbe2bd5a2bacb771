"""The chapters read cleanly in JupyterLab as well as in the book.

JupyterLab (with jupyterlab-myst) renders one notebook at a time: a ``{ref}``, ``{eq}`` or
``{numref}`` to a label of another document shows as unresolved there, a ``{doc}`` role too,
and a relative link opens the file it names, so ``../book/run`` (no such file) leads nowhere.
A reference to another document is therefore a Markdown link to its source file, which
JupyterLab opens and Jupyter Book resolves; a fragment names a heading of that file, as the
book's heading anchors (``myst_heading_anchors``) slug it, so that the book finds it too.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from myst_parser.mdit_to_docutils.base import default_slugify

ROOT = Path(__file__).resolve().parents[1]
#: The chapters whose references have been written for both readers.
CHAPTERS = sorted((ROOT / "notebooks").glob("0[1-8]_*.ipynb"))

ROLE = re.compile(r"\{(ref|eq|numref|doc)\}`([^`]*)`")
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^(#{1,3})\s+(.*?)\s*$", re.M)
CODE_BLOCK = re.compile(r"^(`{3,})(?!\{).*?^\1\s*$", re.M | re.S)


def markdown_of(path):
    if path.suffix == ".ipynb":
        nb = json.loads(path.read_text())
        return [("".join(c["source"])) for c in nb["cells"] if c["cell_type"] == "markdown"]
    return [path.read_text()]


def labels_of(path):
    """Every target a role in ``path`` can name: (label)=, :label:, :name:, equation labels."""
    nb = json.loads(path.read_text())
    text = "\n".join("".join(c["source"]) for c in nb["cells"])
    found = set(re.findall(r"^\(([^)\s]+)\)=", text, re.M))
    found |= set(re.findall(r"^\s*:(?:label|name):\s*(\S+)", text, re.M))
    found |= set(re.findall(r"^\$\$\s*\(([^)\s]+)\)", text, re.M))
    found |= set(re.findall(r"#\|\s*label:\s*(\S+)", text))
    for cell in nb["cells"]:  # a figure named in the cell's metadata, as myst-nb reads it
        figure = cell.get("metadata", {}).get("mystnb", {}).get("figure", {})
        if "name" in figure:
            found.add(figure["name"])
    return found


def heading_slugs(path):
    """The anchors Jupyter Book gives the headings of ``path`` (levels 1 to 3)."""
    slugs = set()
    for text in markdown_of(path):
        text = CODE_BLOCK.sub("", text)
        for _, title in HEADING.findall(text):
            plain = re.sub(r"\$[^$]*\$", "", title).replace("`", "")
            slugs.add(default_slugify(plain))
    return slugs


def problems_of(path):
    out = []
    own = labels_of(path)
    for text in markdown_of(path):
        for role, arg in ROLE.findall(text):
            target = re.sub(r"^.*<(.*)>$", r"\1", arg).strip()
            if role == "doc":
                out.append(f"{{doc}}`{arg}`: write a link to the source file, e.g. [text](x.md)")
            elif target not in own:
                out.append(f"{{{role}}}`{arg}`: {target} is in another document")
        for href in LINK.findall(text):
            if re.match(r"^[a-z]+:", href) or href.startswith("#"):
                continue  # a URL, or an anchor of this notebook
            file, _, anchor = href.partition("#")
            target = (path.parent / file).resolve()
            if not target.is_file():
                out.append(f"[..]({href}): no file {file} next to {path.name}")
            elif anchor and target.suffix in (".md", ".ipynb"):
                if anchor not in heading_slugs(target):
                    out.append(f"[..]({href}): no heading with anchor {anchor!r} in {file}")
    return out


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_reference_resolves_in_jupyterlab_and_in_the_book(path):
    problems = problems_of(path)
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


def test_the_scan_finds_each_kind_of_broken_reference(tmp_path):
    nb = {
        "cells": [
            {
                "cell_type": "markdown",
                "source": [
                    "(here)=\n## A heading\n$$\nx\n$$ (eq-here)\n",
                    "{ref}`here` {eq}`eq-here` [ok](#here) [web](https://example.org)\n",
                    "{doc}`../book/run` {eq}`eq-elsewhere` [run](../book/run)\n",
                    "[bad anchor](other.md#nowhere) [good anchor](other.md#a-title)\n",
                ],
            }
        ]
    }
    (tmp_path / "other.md").write_text("# A title\n")
    path = tmp_path / "x.ipynb"
    path.write_text(json.dumps(nb))
    found = problems_of(path)
    assert len(found) == 4, found
    assert any("{doc}" in p for p in found) and any("eq-elsewhere" in p for p in found)
    assert any("no file ../book/run" in p for p in found)
    assert any("nowhere" in p for p in found)
