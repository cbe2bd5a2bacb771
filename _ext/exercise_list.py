"""``exercise-list``: every sphinx-exercise exercise of the book, grouped by chapter.

The list is generated at build time from what sphinx-exercise registered while reading the
pages, in table-of-contents order, so it cannot fall out of date when a chapter gains, loses
or renames an exercise. A page that holds the directive is re-read on every build.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.docutils import SphinxDirective

# Registry types that start an exercise (plain and gated forms).
EXERCISE_TYPES = ("exercise", "exercise-start")


class exercise_list_placeholder(nodes.General, nodes.Element):
    """Replaced by the generated list once every page has been read."""


class ExerciseList(SphinxDirective):
    """Insert the generated list of exercises."""

    def run(self) -> list[nodes.Node]:
        pages = getattr(self.env, "exercise_list_pages", set())
        pages.add(self.env.docname)
        self.env.exercise_list_pages = pages
        # An exercise title may hold maths; Sphinx adds MathJax only to pages where it saw
        # a math node while reading, so the placeholder carries one (removed when filled).
        return [exercise_list_placeholder("", nodes.math("", ""))]


def toc_order(env: BuildEnvironment) -> list[str]:
    """Documents in the order a reader meets them: depth-first through the toctrees."""
    seen: list[str] = []

    def visit(doc: str) -> None:
        if doc in seen:
            return
        seen.append(doc)
        for child in env.toctree_includes.get(doc, []):
            visit(child)

    visit(env.config.root_doc)
    return seen


def exercises_by_document(env: BuildEnvironment) -> dict[str, list[tuple[str, list]]]:
    """``{docname: [(label, subtitle nodes), ...]}`` in page order, from sphinx-exercise."""
    registry = getattr(env, "sphinx_exercise_registry", {})
    order = getattr(env, "sphinx_exercise_node_order", {})
    found: dict[str, list[tuple[str, list]]] = {}
    for doc in toc_order(env):
        for item in order.get(doc, []):
            label = item.get("label", "")
            entry = registry.get(label)
            if entry is None or entry.get("type") not in EXERCISE_TYPES:
                continue
            found.setdefault(doc, []).append((label, subtitle_of(entry["node"])))
    return found


def subtitle_of(node: nodes.Element) -> list[nodes.Node]:
    """The exercise's own title (the directive argument) as inline nodes, or ``[]``.

    Maths and emphasis are kept; anything that would need resolving again (a cross-reference
    inside a title) is flattened to its text.
    """
    for sub in node.findall(nodes.subtitle):
        kept = (nodes.Text, nodes.math, nodes.literal, nodes.emphasis, nodes.strong)
        if all(isinstance(child, kept) for child in sub.children):
            return [child.deepcopy() for child in sub.children]
        return [nodes.Text(sub.astext().strip())]
    return []


def number_of(env: BuildEnvironment, doc: str, label: str) -> str:
    """The exercise number as the book prints it, e.g. ``3.2``, or ``""``."""
    numbers = env.toc_fignumbers.get(doc, {}).get("exercise", {}).get(label)
    return ".".join(str(n) for n in numbers) if numbers else ""


def replace_placeholders(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Fill each placeholder with one section per chapter, linking every exercise."""
    env = app.env
    for placeholder in list(doctree.findall(exercise_list_placeholder)):
        content: list[nodes.Node] = []
        for doc, items in exercises_by_document(env).items():
            title = env.titles[doc].astext() if doc in env.titles else doc
            secnumber = env.toc_secnumbers.get(doc, {}).get("")
            if secnumber:
                title = ".".join(str(n) for n in secnumber) + ". " + title
            page_uri = app.builder.get_relative_uri(docname, doc)
            heading = nodes.paragraph(classes=["exercise-list-chapter"])
            heading += nodes.strong("", "", nodes.reference("", title, refuri=page_uri))
            content.append(heading)
            bullets = nodes.bullet_list(classes=["exercise-list"])
            for label, subtitle in items:
                number = number_of(env, doc, label)
                text = f"Exercise {number}" if number else "Exercise"
                # In LaTeX, sphinx-exercise labels an exercise \label{exercise:<label>}; the
                # writer turns "%exercise#<label>" into exactly that name.
                target = f"%exercise#{label}" if app.builder.format == "latex" else None
                ref = nodes.reference("", "", refuri=target or f"{page_uri}#{label}")
                ref += nodes.Text(f"{text}: " if subtitle else text)
                ref.extend(subtitle)
                bullets += nodes.list_item("", nodes.paragraph("", "", ref))
            content.append(bullets)
        if not content:
            content.append(nodes.paragraph(text="No chapter has exercises yet."))
        placeholder.replace_self(content)


def always_reread(app: Sphinx, env: BuildEnvironment, added, changed, removed) -> list[str]:
    """Re-read the list pages every build: their content depends on other pages."""
    return sorted(getattr(env, "exercise_list_pages", set()) - set(removed))


def purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    getattr(env, "exercise_list_pages", set()).discard(docname)


def merge(app: Sphinx, env: BuildEnvironment, docnames, other: BuildEnvironment) -> None:
    pages = getattr(env, "exercise_list_pages", set())
    pages |= getattr(other, "exercise_list_pages", set())
    env.exercise_list_pages = pages


def setup(app: Sphinx) -> dict:
    app.setup_extension("sphinx_exercise")
    app.add_node(exercise_list_placeholder)
    app.add_directive("exercise-list", ExerciseList)
    app.connect("env-get-outdated", always_reread)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    app.connect("doctree-resolved", replace_placeholders)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
