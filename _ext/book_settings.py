"""The book's own settings, offered to its pages, and the PDF edition linked from the site.

- Substitutions from ``_config.yml``: ``{{ book_title }}`` (``title``) and ``{{ book_author }}``
  (``author``), so that no page repeats them by hand (the course's own names are plain
  ``myst_substitutions`` there).
- The PDF edition: when ``make pdf`` has built it (``_build/latex/<targetname>.pdf``), the
  Sphinx tag ``pdf`` is set, so that a page can link it inside ``{only} html and pdf``
  (with ``{{ pdf_link }}``), and the HTML build copies it beside ``index.html``.
"""

from __future__ import annotations

import html
import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config


def pdf_name(config: Config) -> str:
    """File name of the PDF edition: the LaTeX target's name with ``.pdf``."""
    documents = config.latex_documents or [("", "book.tex")]
    return Path(documents[0][1]).with_suffix(".pdf").name


def built_pdf(app: Sphinx) -> Path:
    """Where ``make pdf`` leaves the PDF edition."""
    return Path(app.outdir).parent / "latex" / pdf_name(app.config)


def add_settings(app: Sphinx, config: Config) -> None:
    subs = dict(config.myst_substitutions or {})
    subs["book_title"] = config.project
    subs["book_author"] = config.author
    name = html.escape(pdf_name(config))
    # From a page one folder down (book/, notebooks/) to the site's root, where it is copied.
    subs["pdf_link"] = f'<a href="../{name}" download>{name}</a>'
    config.myst_substitutions = subs


def tag_pdf(app: Sphinx, config: Config) -> None:
    # Set with the configuration, before the HTML builder hashes the tags: a PDF that appears
    # or goes makes it write every page again.
    if built_pdf(app).is_file():
        app.tags.add("pdf")


def copy_pdf(app: Sphinx, exception: Exception | None) -> None:
    if exception is None and app.builder.format == "html" and built_pdf(app).is_file():
        shutil.copy2(built_pdf(app), Path(app.outdir) / pdf_name(app.config))


def setup(app: Sphinx) -> dict:
    # After Jupyter Book has put the title and author into the configuration.
    app.connect("config-inited", add_settings, priority=900)
    app.connect("config-inited", tag_pdf)
    app.connect("build-finished", copy_pdf)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
