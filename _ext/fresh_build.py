"""No build passes on stale pages, whatever ran before it.

Sphinx reads again only the pages whose source changed, and myst-nb takes a notebook's outputs
from the jupyter-cache when the notebook's code is unchanged. Neither sees the package the
notebooks import (``lecturekit``): after a change there, an incremental build would keep the
old outputs. This extension

- puts a digest of the package's sources in the configuration (``fresh_build_digest``), so a
  change there makes Sphinx read every page again;
- empties the jupyter-cache when it was filled under another digest (the digest is written
  beside it, in ``lecturekit.digest``), so every notebook runs against today's package;
- reads again every notebook whose execution failed in the previous build.

``python _ext/fresh_build.py stamp CACHE_DIR`` writes the digest beside a cache that was just
filled (the Makefile does so after nbval records into it).
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

#: File beside the jupyter-cache's database that names the digest it was filled under.
STAMP = "lecturekit.digest"


def source_digest(paths):
    """SHA-256 over the relative names and bytes of every ``.py`` file under ``paths``."""
    sha = hashlib.sha256()
    for root in map(Path, paths):
        for file in sorted(root.rglob("*.py")):
            if "__pycache__" in file.parts:
                continue
            sha.update(file.relative_to(root.parent).as_posix().encode())
            sha.update(b"\0")
            sha.update(file.read_bytes())
            sha.update(b"\0")
    return sha.hexdigest()


def stamp(cache_dir, digest):
    """Write ``digest`` beside the jupyter-cache at ``cache_dir``."""
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    (cache_dir / STAMP).write_text(digest + "\n")


def _digest_config(app, config):
    confdir = Path(app.confdir)
    config.fresh_build_digest = source_digest(confdir / p for p in config.fresh_build_sources)


def _check_cache(app):
    """Empty the jupyter-cache if it was filled under another digest (or an unknown one)."""
    mystnb = getattr(app.env, "mystnb_config", None)
    if mystnb is None or not mystnb.execution_cache_path:
        return
    cache = Path(mystnb.execution_cache_path)
    digest = app.config.fresh_build_digest
    stamp_file = cache / STAMP
    known = stamp_file.read_text().strip() if stamp_file.exists() else None
    if cache.exists() and known != digest:
        logger.info(
            f"fresh_build: lecturekit changed since the jupyter-cache was filled; emptying {cache}"
        )
        shutil.rmtree(cache)
    stamp(cache, digest)


def _failed_notebooks(app, env, added, changed, removed):
    """Docnames whose notebook failed to execute in the previous build: read them again."""
    data = getattr(env, "nb_metadata", None) or {}
    return [
        name
        for name, meta in data.items()
        if (meta.get("exec_data") or {}).get("succeeded") is False and name in env.found_docs
    ]


def setup(app):
    app.add_config_value("fresh_build_sources", ["lecturekit"], "env")
    app.add_config_value("fresh_build_digest", "", "env")
    app.connect("config-inited", _digest_config)
    # After myst-nb has set its cache path (builder-inited, default priority 500).
    app.connect("builder-inited", _check_cache, priority=900)
    app.connect("env-get-outdated", _failed_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "stamp":
        sys.exit("usage: python _ext/fresh_build.py stamp CACHE_DIR")
    stamp(sys.argv[2], source_digest([Path(__file__).resolve().parents[1] / "lecturekit"]))
