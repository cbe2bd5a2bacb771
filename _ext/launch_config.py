"""Launch and repository buttons driven by one setting: ``repository.url`` in ``_config.yml``.

sphinx-book-theme builds Binder, Colab and JupyterHub links from the repository URL and
crashes on notebook pages when launch buttons are configured without one; Jupyter Book refuses
``use_repository_button`` without one. This extension makes the URL the single switch:

* URL set: repository and issue buttons are switched on and the launch buttons stay;
* URL empty: launch, repository and issue buttons are removed, so the build stays clean.

With a URL the Sphinx tag ``repository`` is set, so a page can say ``{only} repository`` for
text about the launch buttons that would be false without them.

It also offers the URL to pages: the substitution ``{{ repository_url }}``; a ``repo-code``
directive, a code block in which ``{repository_url}`` is replaced by the URL (MyST does not
substitute inside code fences); and a ``repo-file`` role, ``{repo-file}`tests/test_x.py::test_y```,
which checks at build time that the file (and the test function) exists, warns otherwise,
and links to its line in the repository when the URL is set (not in the student edition, whose
repository, the student release, holds no tests).

The student edition (``tools/student.py book``) sets ``student_edition: true`` under
``sphinx.config``; the Sphinx tag ``student_edition`` is then set too, for text that holds only
there (``{only} student_edition``) or only in the full edition (``{only} not student_edition``).
"""

from __future__ import annotations

import re
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, SphinxRole

logger = logging.getLogger(__name__)

# Shown in place of the URL while none is configured.
PLACEHOLDER = "https://github.com/OWNER/REPOSITORY"
# The theme's launch providers that need a repository to point at.
PROVIDERS = ("binderhub_url", "jupyterhub_url", "colab_url", "deepnote_url", "thebe")


def repository_url(config: Config) -> str:
    """The configured repository URL without a trailing slash, or ``""`` when unset."""
    return str(config.html_theme_options.get("repository_url") or "").strip().rstrip("/")


def apply_repository_switch(app: Sphinx, config: Config) -> None:
    """Turn the repository-dependent buttons on or off to match ``repository.url``."""
    options = config.html_theme_options
    url = repository_url(config)
    if url:
        options["repository_url"] = url
        # Jupyter Book always passes these (default false), so set them, not setdefault.
        options["use_repository_button"] = True
        options["use_issues_button"] = True
    else:
        options.pop("repository_url", None)
        launch = dict(options.get("launch_buttons") or {})
        for key in PROVIDERS:
            launch.pop(key, None)
        options["launch_buttons"] = launch
        for key in ("use_repository_button", "use_issues_button", "use_edit_page_button"):
            options[key] = False
    subs = dict(config.myst_substitutions or {}) if "myst_substitutions" in config else {}
    # Unset, the placeholder is shown as code so that linkify does not make it a link.
    subs["repository_url"] = url or f"`{PLACEHOLDER}`"
    # Words for readers: where to get the repository, or who gives it when none is set.
    subs["repository_sentence"] = (
        f"from {url}" if url else "(your course gives you its address, or a folder to download)"
    )
    config.myst_substitutions = subs


def tag_repository(app: Sphinx, config: Config) -> None:
    """Set the Sphinx tag ``repository`` when a URL is configured, for ``{only} repository``,
    and the tag ``student_edition`` in the student edition."""
    for tag, on in (
        ("repository", bool(repository_url(config))),
        ("student_edition", bool(config.student_edition)),
    ):
        if on:
            app.tags.add(tag)
        elif app.tags.has(tag):
            app.tags.remove(tag)


class RepoCode(SphinxDirective):
    """A literal block whose ``{repository_url}`` is replaced by the configured URL."""

    has_content = True
    optional_arguments = 1
    option_spec = {"caption": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        url = repository_url(self.config) or PLACEHOLDER
        text = "\n".join(self.content).replace("{repository_url}", url)
        block = nodes.literal_block(text, text)
        block["language"] = self.arguments[0] if self.arguments else "text"
        self.set_source_info(block)
        return [block]


def find_definition(file: Path, name: str) -> int | None:
    """1-based line of ``def name``/``class name`` in ``file`` (any indentation), or None."""
    pattern = re.compile(rf"^\s*(?:async\s+)?(?:def|class)\s+{re.escape(name)}\b")
    for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
        if pattern.match(line):
            return number
    return None


class RepoFile(SphinxRole):
    """``path`` or ``path::name`` (``name`` may be ``Class::method``; ``[param]`` ignored)."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        target = self.text.strip()
        path, _, qualname = target.partition("::")
        file = Path(self.env.srcdir) / path
        line = None
        if not file.is_file():
            logger.warning(f"repo-file: no file {path}", location=self.get_location())
        else:
            self.env.note_dependency(str(file))
            if qualname:
                name = qualname.split("::")[-1].split("[")[0]
                line = find_definition(file, name)
                if line is None:
                    logger.warning(
                        f"repo-file: {path} defines no {name}", location=self.get_location()
                    )
        literal = nodes.literal(target, target, classes=["repo-file"])
        url = repository_url(self.config)
        if not url or self.config.student_edition:
            return [literal], []
        branch = self.config.html_theme_options.get("repository_branch") or "main"
        uri = f"{url}/blob/{branch}/{path}" + (f"#L{line}" if line else "")
        return [nodes.reference("", "", literal, refuri=uri)], []


def setup(app: Sphinx) -> dict:
    # Priority below the default 500 so the theme sees the final options.
    app.connect("config-inited", apply_repository_switch, priority=400)
    app.connect("config-inited", tag_repository, priority=401)
    app.add_config_value("student_edition", False, "env", types=[bool])
    app.add_directive("repo-code", RepoCode)
    app.add_role("repo-file", RepoFile())
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
