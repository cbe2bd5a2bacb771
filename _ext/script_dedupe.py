"""Drop duplicate inline ``<script>`` tags from every page.

Sphinx 7.4 registers a body-only script added after the builder started (sphinx-thebe and
sphinx-togglebutton do this) twice: once with ``filename=None`` and again with ``""`` when
writing starts, and its de-duplication treats the two as different. The page then declares
``const THEBE_JS_URL`` twice and the browser reports an uncaught SyntaxError on every page.
"""

from __future__ import annotations

from sphinx.application import Sphinx


def _key(script) -> tuple:
    attributes = getattr(script, "attributes", {}) or {}
    filename = getattr(script, "filename", script) or ""
    return filename, tuple(sorted((k, str(v)) for k, v in attributes.items()))


def drop_duplicate_scripts(app: Sphinx, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple] = set()
    unique = []
    for script in scripts:
        key = _key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    # In place: the builder restores its own list after each page.
    scripts[:] = unique


def setup(app: Sphinx) -> dict:
    # Late, after every extension has added its scripts for the page.
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
