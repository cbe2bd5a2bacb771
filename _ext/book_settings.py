"""The book's own settings, offered to its pages, and the PDF edition linked from the site.

- Substitutions from ``_config.yml``: ``{{ book_title }}`` (``title``) and ``{{ book_author }}``
  (``author``), so that no page repeats them by hand (the course's own names are plain
  ``myst_substitutions`` there).
- The PDF edition: when ``make pdf`` has built it (``_build/latex/<targetname>.pdf``), the
  Sphinx tag ``pdf`` is set, so that a page can link it inside ``{only} html and pdf``
  (with ``{{ pdf_link }}``), and the HTML build copies it beside ``index.html``.
- The PDF is numbered as the website: only the parts of ``_toc.yml`` marked ``numbered``
  number their chapters, from 1 (LaTeX would number every chapter of the book in one
  sequence), and exercises are numbered per chapter, 3.1, 3.2, … (sphinx-jupyterbook-latex
  sets ``numfig_secnum_depth`` to 2 for LaTeX, which numbers them per section, 3.5.1).
- Fonts that have every symbol of the book (ᵒ ᵀ ᵢ ⊗ ⊙ ℓ …): DejaVu Serif, Sans and Sans Mono,
  from the TeX distribution (texlive-fonts-extra); the few characters that DejaVu Serif and
  Sans Mono lack are taken from DejaVu Sans.
"""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import yaml
from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.transforms.post_transforms import SphinxPostTransform


def pdf_name(confdir: str | Path) -> str:
    """File name of the PDF edition: ``latex.latex_documents.targetname`` with ``.pdf``.

    Read from ``_config.yml`` itself: Jupyter Book applies that name to ``latex_documents``
    only once the builder exists, after the configuration events this extension uses.
    """
    config = yaml.safe_load((Path(confdir) / "_config.yml").read_text(encoding="utf-8"))
    target = ((config.get("latex") or {}).get("latex_documents") or {}).get("targetname")
    return Path(target or "book.tex").with_suffix(".pdf").name


def built_pdf(app: Sphinx) -> Path:
    """Where ``make pdf`` leaves the PDF edition."""
    return Path(app.outdir).parent / "latex" / pdf_name(app.confdir)


def add_settings(app: Sphinx, config: Config) -> None:
    subs = dict(config.myst_substitutions or {})
    # Jupyter Book puts `title` into html_title (Sphinx's `project` stays unset).
    subs["book_title"] = config.html_title or config.project
    subs["book_author"] = config.author
    name = html.escape(pdf_name(app.confdir))
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
        shutil.copy2(built_pdf(app), Path(app.outdir) / pdf_name(app.confdir))


def _dejavu(name: str, italic: str) -> str:
    return (
        f"{{{name}}}[Extension=.ttf,UprightFont=*,BoldFont=*-Bold,ItalicFont=*-{italic},"
        f"BoldItalicFont=*-Bold{italic}]"
    )


#: Characters DejaVu Serif or DejaVu Sans Mono lack, set in DejaVu Sans wherever they occur.
FALLBACK_CHARACTERS = "ℓ⋯✔✘"

FONTS = "\n".join(
    [
        r"\setmainfont" + _dejavu("DejaVuSerif", "Italic"),
        r"\setsansfont" + _dejavu("DejaVuSans", "Oblique"),
        r"\setmonofont" + _dejavu("DejaVuSansMono", "Oblique")[:-1] + ",Scale=0.88]",
        r"\newfontfamily\lkfallback" + _dejavu("DejaVuSans", "Oblique"),
        r"\usepackage{newunicodechar}",
        *(f"\\newunicodechar{{{c}}}{{{{\\lkfallback {c}}}}}" for c in FALLBACK_CHARACTERS),
    ]
)


def numbered_parts(confdir: Path) -> list[int]:
    """1-based indices of the parts of ``_toc.yml`` whose chapters are numbered."""
    toc = yaml.safe_load((confdir / "_toc.yml").read_text(encoding="utf-8"))
    return [i for i, part in enumerate(toc.get("parts", []), 1) if part.get("numbered")]


def numbering(parts: list[int]) -> str:
    """LaTeX that numbers the chapters of ``parts`` only, in one sequence from 1.

    A chapter outside them is unnumbered (``secnumdepth`` −1), so it does not advance the
    chapter counter either, as on the website (``use_multitoc_numbering``).
    """
    is_numbered = "".join(rf"\ifnum\value{{lkpart}}={i}\relax\lknumberedtrue\fi" for i in parts)
    return "\n".join(
        [
            r"\usepackage{etoolbox}",
            r"\newcounter{lkpart}",
            r"\newcounter{lksecnumdepth}",
            r"\newif\iflknumbered",
            # Keep the depth Sphinx chose; before the first part (the introduction) nothing
            # is numbered.
            r"\AtBeginDocument{\setcounter{lksecnumdepth}{\value{secnumdepth}}"
            r"\setcounter{secnumdepth}{-1}}",
            r"\pretocmd{\part}{\stepcounter{lkpart}\lknumberedfalse"
            + is_numbered
            + r"\iflknumbered\setcounter{secnumdepth}{\value{lksecnumdepth}}"
            r"\else\setcounter{secnumdepth}{-1}\fi}{}{}",
        ]
    )


def latex_settings(app: Sphinx, config: Config) -> None:
    elements = dict(config.latex_elements or {})
    elements["fontpkg"] = FONTS
    elements["preamble"] = (
        elements.get("preamble", "") + "\n" + numbering(numbered_parts(Path(app.confdir)))
    )
    config.latex_elements = elements


def exercises_per_chapter(app: Sphinx) -> None:
    """Number exercises (and other numbered blocks) per chapter in LaTeX too, as the site does.

    Runs after sphinx-jupyterbook-latex has set ``numfig_secnum_depth = 2`` for LaTeX: the
    numbers are assigned while the pages are read, with depth 1; the LaTeX writer then gets
    its 2 back (:func:`writer_depth`), which resets equations and figures per chapter.
    """
    if app.builder.format == "latex" and app.config.numfig_secnum_depth == 2:
        app.config.numfig_secnum_depth = 1
        app.env.lk_writer_secnum_depth = 2


def writer_depth(app: Sphinx, doctree, docname: str) -> None:
    """Give the LaTeX writer its depth back once the pages are read and numbered.

    The LaTeX builder emits no ``write-started``; the first document it resolves for writing
    comes after the numbers were assigned and the environment was saved.
    """
    depth = getattr(app.env, "lk_writer_secnum_depth", None)
    if app.builder.format == "latex" and depth:
        app.config.numfig_secnum_depth = depth


class ExerciseReferencesInLatex(SphinxPostTransform):
    """A numbered reference to an exercise, in LaTeX: its number as text, linked to its label.

    Sphinx writes such a reference as ``\\ref{<page>:<label>}``, but sphinx-exercise labels the
    exercise ``exercise:<label>`` in LaTeX, so the reference would stay unresolved (and a
    ``\\ref`` would give a section's number, not the exercise's).
    """

    default_priority = 20  # after the references are resolved (10)
    formats = ("latex",)

    def run(self, **kwargs) -> None:
        registry = getattr(self.env, "sphinx_exercise_registry", {})
        for node in list(self.document.findall(addnodes.number_reference)):
            label = node.get("refid") or node.get("refuri", "").partition("#")[2]
            if label not in registry:
                continue
            link = nodes.reference("", "", nodes.Text(node.astext()), internal=True)
            link["refuri"] = f"%exercise#{label}"
            node.replace_self(link)


def setup(app: Sphinx) -> dict:
    # After Jupyter Book has put the title and author into the configuration.
    app.connect("config-inited", add_settings, priority=900)
    app.connect("config-inited", tag_pdf)
    app.connect("config-inited", latex_settings, priority=900)
    # After sphinx-jupyterbook-latex's own builder-inited handler (default priority 500).
    app.connect("builder-inited", exercises_per_chapter, priority=900)
    app.connect("doctree-resolved", writer_depth)
    app.add_post_transform(ExerciseReferencesInLatex)
    app.connect("build-finished", copy_pdf)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
