"""The book's table of contents, read once for every test that walks it."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def toc_documents(toc_path: Path = ROOT / "_toc.yml") -> list[str]:
    """Every document of ``_toc.yml`` in reading order, as docnames without suffix."""
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    found: list[str] = []

    def walk(node) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for key in ("root", "file"):
                if isinstance(node.get(key), str):
                    found.append(str(Path(node[key]).with_suffix("")))
            for key in ("parts", "chapters", "sections"):
                walk(node.get(key))

    walk(toc)
    return list(dict.fromkeys(found))


def source_of(doc: str) -> Path | None:
    """The source file of a docname (notebook or markdown), or ``None`` if there is none."""
    for suffix in (".ipynb", ".md"):
        if (ROOT / f"{doc}{suffix}").is_file():
            return ROOT / f"{doc}{suffix}"
    return None
