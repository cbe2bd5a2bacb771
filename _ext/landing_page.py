"""The site's ``index.html`` as a page, not a bare redirect.

Jupyter Book writes ``index.html`` as a single ``<meta http-equiv="Refresh">`` tag that sends
the browser to the root document. A reader whose browser does not follow it (or who looks
while it loads) meets an empty page. After the build, this extension rewrites it as a short
HTML page that still redirects at once but also names the book and links to its first page.
"""

from __future__ import annotations

import html
from pathlib import Path

from sphinx.application import Sphinx


def write_landing_page(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    root = app.config.root_doc
    if root == "index":
        return  # the root document is index.html itself
    target = html.escape(app.builder.get_target_uri(root))
    title = html.escape(app.config.html_title or app.config.project or "The book")
    page = (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n"
        f'<meta http-equiv="Refresh" content="0; url={target}">\n'
        f'<link rel="canonical" href="{target}">\n'
        "</head>\n<body>\n"
        f"<h1>{title}</h1>\n"
        f'<p><a href="{target}">Start reading: the introduction</a></p>\n'
        "</body>\n</html>\n"
    )
    (Path(app.outdir) / "index.html").write_text(page, encoding="utf-8")


def setup(app: Sphinx) -> dict:
    # After Jupyter Book's own build-finished handler, which writes the bare redirect.
    app.connect("build-finished", write_landing_page, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
