"""Bibliography entries as list items, the ARIA structure assistive technology can read.

Docutils writes each citation as ``<div class="citation" role="doc-biblioentry">`` inside a
``<div role="list" class="citation-list">``. DPUB-ARIA 1.1 deprecates ``doc-biblioentry`` (use
``listitem``), and screen readers and axe no longer count it as an item of the list: the list
then has no items, only the entries' labels and links (axe's critical
``aria-required-children``). Each entry is given the role ``listitem`` instead.
"""

from __future__ import annotations

from sphinx.application import Sphinx

DEPRECATED = 'role="doc-biblioentry"'
ITEM = 'role="listitem"'


def citations_as_list_items(app: Sphinx, pagename, templatename, context, doctree) -> None:
    body = context.get("body")
    if body and DEPRECATED in body:
        context["body"] = body.replace(DEPRECATED, ITEM)


def setup(app: Sphinx) -> dict:
    app.connect("html-page-context", citations_as_list_items)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
