"""Write the first cell of every chapter: it installs lecturekit where it is missing (Colab).

Colab opens a chapter with nothing but its own packages. So the first code cell of each
notebook, tagged ``install-lecturekit``, installs lecturekit from the book's repository, pinned
to a tag or commit, when ``import lecturekit`` fails, and does nothing where it is installed
(JupyterLab, Binder, the book build). Its requirement comes from ``_config.yml``:
``repository.url``, ``repository.path_to_book`` and ``repository.lecturekit_ref``.

Run it (``make install-cells``) after changing those settings; tests/test_install_cell.py
fails while a chapter's cell disagrees with them.

Usage: ``python tools/install_cell.py [NOTEBOOK ...]`` (default: every chapter in notebooks/).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
TAG = "install-lecturekit"
#: The cell's id, the same in every chapter.
CELL_ID = "install-lecturekit"

TEMPLATE = """\
# On Colab, or wherever lecturekit is missing, install it first; elsewhere this does nothing.
LECTUREKIT_SOURCE = {source}
try:
    import lecturekit  # noqa: F401
except ImportError:
    if not LECTUREKIT_SOURCE:
        raise ImportError(
            "lecturekit is not installed, and this copy of the book names no repository to "
            "install it from: install it as the page 'Run it yourself' says"
        ) from None
    import importlib
    import subprocess
    import sys

    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", LECTUREKIT_SOURCE], check=True
    )
    importlib.invalidate_caches()"""


def requirement(config):
    """The pip requirement of lecturekit at the configured repository and ref, or ``""``.

    ``lecturekit @ git+<url>@<ref>``, with ``#subdirectory=<path_to_book>`` when the book
    (and its ``pyproject.toml``) sits in a folder of the repository.
    """
    repo = config.get("repository") or {}
    url = str(repo.get("url") or "").strip().rstrip("/")
    if not url:
        return ""
    ref = str(repo.get("lecturekit_ref") or "").strip()
    if not ref:
        raise ValueError(
            "repository.lecturekit_ref is empty in _config.yml: set the tag or commit that "
            "Colab should install lecturekit from (e.g. the release tag v0.2.0)"
        )
    req = f"lecturekit @ git+{url}@{ref}"
    sub = str(repo.get("path_to_book") or "").strip().strip("/")
    return req + (f"#subdirectory={sub}" if sub else "")


def cell_source(config):
    """The text of the install cell for this configuration."""
    return TEMPLATE.format(source=json.dumps(requirement(config)))


def load_config(root=ROOT):
    return yaml.safe_load((Path(root) / "_config.yml").read_text(encoding="utf-8"))


def chapters(root=ROOT):
    return sorted((Path(root) / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def install_cell(source):
    """A new install cell (nbformat 4.5 dict) with ``source``."""
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": CELL_ID,
        # remove-cell: the website and the PDF leave it out; the notebook keeps it.
        "metadata": {"tags": [TAG, "remove-cell"]},
        "outputs": [],
        "source": source.splitlines(True),
    }


def write(path, source):
    """Put the install cell first among the code cells of the notebook at ``path``.

    An existing cell tagged ``install-lecturekit`` is replaced; otherwise the cell goes just
    before the first code cell. Returns True when the file changed.
    """
    text = Path(path).read_text(encoding="utf-8")
    nb = json.loads(text)
    cells = nb["cells"]
    tagged = [i for i, c in enumerate(cells) if TAG in c.get("metadata", {}).get("tags", [])]
    for i in reversed(tagged):
        del cells[i]
    first = next((i for i, c in enumerate(cells) if c["cell_type"] == "code"), len(cells))
    cells.insert(first, install_cell(source))
    new = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
    if new == text:
        return False
    Path(path).write_text(new, encoding="utf-8")
    return True


def main(argv):
    paths = [Path(a) for a in argv] or chapters()
    source = cell_source(load_config())
    for path in paths:
        print(f"{path}: {'updated' if write(path, source) else 'unchanged'}")


if __name__ == "__main__":
    main(sys.argv[1:])
