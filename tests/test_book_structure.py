"""The book's sources keep the conventions the website relies on (no build needed).

Exercises: one style across the book (sphinx-exercise, a ``:label:`` ``ex-NN-...`` with the
chapter's number, unique, each followed by its collapsed solution), every chapter has some,
and the exercises page is the generated list. The quick reference names tests that exist.
Every citation key is in ``references.bib``. Chapters and pages are found through
``_toc.yml``, so new chapters are checked without edits here.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
from book_toc import source_of, toc_documents

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "_ext"))

import exercise_list  # noqa: E402  (the book's own Sphinx extensions, in _ext/)
import launch_config  # noqa: E402

# ```{exercise} Title   or   :::{solution-start} ex-01-x   (MyST backtick or colon fences)
DIRECTIVE = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{(?P<name>exercise|exercise-start|exercise-end|solution|"
    r"solution-start|solution-end)\}[ \t]*(?P<arg>.*)$"
)
OPTION = re.compile(r"^:(?P<key>[\w-]+):[ \t]*(?P<value>.*)$")
CITE = re.compile(r"\{cite(?::[a-z]+)?\}`(?P<keys>[^`]+)`")
REPO_FILE = re.compile(r"\{repo-file\}`(?P<target>[^`]+)`")


@dataclass
class Directive:
    source: str  # path relative to the repository
    order: int  # position in the source
    name: str
    arg: str
    options: dict[str, str]


def markdown_of(path: Path) -> str:
    """A page's MyST markdown: the file itself, or a notebook's markdown cells in order."""
    if path.suffix != ".ipynb":
        return path.read_text(encoding="utf-8")
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def directives_in(path: Path) -> list[Directive]:
    """The sphinx-exercise directives of one page, with their options."""
    lines = markdown_of(path).splitlines()
    found = []
    for i, line in enumerate(lines):
        match = DIRECTIVE.match(line.strip())
        if not match:
            continue
        options = {}
        for follow in lines[i + 1 :]:
            option = OPTION.match(follow.strip())
            if not option:
                break
            options[option["key"]] = option["value"].strip()
        rel = str(path.relative_to(ROOT))
        found.append(Directive(rel, len(found), match["name"], match["arg"].strip(), options))
    return found


PAGES = [(doc, source_of(doc)) for doc in toc_documents() if source_of(doc) is not None]
CHAPTERS = [(doc, path) for doc, path in PAGES if path.suffix == ".ipynb"]
ALL_DIRECTIVES = {doc: directives_in(path) for doc, path in PAGES}


def chapter_number(doc: str) -> str | None:
    match = re.match(r"(\d+)_", Path(doc).name)
    return match[1] if match else None


def exercises(doc: str) -> list[Directive]:
    return [d for d in ALL_DIRECTIVES[doc] if d.name in ("exercise", "exercise-start")]


def test_the_toc_has_chapters():
    assert CHAPTERS, "no chapter notebooks found through _toc.yml"


@pytest.mark.parametrize("doc", [doc for doc, _ in PAGES])
def test_exercise_labels_follow_the_convention(doc):
    """``:label: ex-NN-short-name`` with NN the chapter's number; titles are given."""
    number = chapter_number(doc)
    prefix = f"ex-{number}-" if number else "ex-"
    for ex in exercises(doc):
        label = ex.options.get("label", "")
        assert label, f"{ex.source}: exercise {ex.arg!r} has no :label:"
        assert re.fullmatch(rf"{re.escape(prefix)}[a-z0-9]+(-[a-z0-9]+)*", label), (
            f"{ex.source}: label {label!r} should look like {prefix}short-name"
        )
        assert ex.arg, f"{ex.source}: exercise {label} has no title"


def test_exercise_labels_are_unique_across_the_book():
    seen: dict[str, str] = {}
    for doc in ALL_DIRECTIVES:
        for ex in exercises(doc):
            label = ex.options.get("label")
            assert label not in seen, f"{label} is used in {seen.get(label)} and {ex.source}"
            seen[label] = ex.source


@pytest.mark.parametrize("doc", [doc for doc, _ in PAGES])
def test_each_exercise_is_followed_by_its_collapsed_solution(doc):
    directives = ALL_DIRECTIVES[doc]
    for ex in exercises(doc):
        label = ex.options.get("label")
        solutions = [
            d for d in directives if d.name in ("solution", "solution-start") and d.arg == label
        ]
        assert solutions, f"{ex.source}: exercise {label} has no solution"
        for sol in solutions:
            assert sol.order > ex.order, f"{ex.source}: the solution to {label} comes before it"
            classes = sol.options.get("class", "").split()
            assert "dropdown" in classes, f"{ex.source}: the solution to {label} is not collapsed"


@pytest.mark.parametrize("doc", [doc for doc, _ in PAGES])
def test_gated_directives_are_closed(doc):
    names = [d.name for d in ALL_DIRECTIVES[doc]]
    for kind in ("exercise", "solution"):
        opened, closed = names.count(f"{kind}-start"), names.count(f"{kind}-end")
        assert opened == closed, f"{doc}: {opened} {kind}-start but {closed} {kind}-end"


@pytest.mark.parametrize("doc", [doc for doc, _ in CHAPTERS])
def test_every_chapter_has_exercises(doc):
    """The introduction promises exercises at the end of each chapter."""
    assert exercises(doc), f"{doc} has no exercises"


def test_exercises_page_is_generated_from_the_chapters():
    """book/exercises.md holds the generated list, so it cannot miss an exercise."""
    page = ROOT / "book" / "exercises.md"
    assert "book/exercises" in toc_documents(), "the exercises page is not in _toc.yml"
    assert re.search(r"^(`{3,}|:{3,})\{exercise-list\}", page.read_text(), re.M), (
        "book/exercises.md must use the {exercise-list} directive"
    )


def test_exercise_list_follows_the_toc_and_skips_solutions():
    """The generator orders chapters as the toctree does and lists exercises only."""
    from docutils import nodes

    def record(kind, title=""):
        node = nodes.admonition()
        if title:
            node += nodes.subtitle("", "", nodes.Text(title))
        return {"type": kind, "node": node}

    env = SimpleNamespace(
        config=SimpleNamespace(root_doc="intro"),
        toctree_includes={"intro": ["ch2", "ch1"], "ch1": ["ch1a"]},
        sphinx_exercise_registry={
            "ex-1": record("exercise", "First"),
            "sol-1": record("solution"),
            "ex-1a": record("exercise-start", "Gated"),
            "ex-2": record("exercise"),
            "ex-orphan": record("exercise", "Not in the toc"),
        },
        sphinx_exercise_node_order={
            "ch1": [{"label": "ex-1"}, {"label": "sol-1"}],
            "ch1a": [{"label": "ex-1a"}],
            "ch2": [{"label": "ex-2"}],
            "draft": [{"label": "ex-orphan"}],
        },
    )
    listed = exercise_list.exercises_by_document(env)
    assert list(listed) == ["ch2", "ch1", "ch1a"]
    assert [label for label, _ in listed["ch1"]] == ["ex-1"]
    assert nodes.paragraph("", "", *listed["ch1"][0][1]).astext() == "First"
    assert listed["ch2"] == [("ex-2", [])]


def repo_file_targets() -> list[tuple[str, str]]:
    found = []
    for doc, path in PAGES:
        for match in REPO_FILE.finditer(markdown_of(path)):
            found.append((doc, match["target"].strip()))
    return found


def test_quick_reference_cites_tests():
    assert any(doc == "book/quickref" for doc, _ in repo_file_targets())


@pytest.mark.parametrize("doc,target", repo_file_targets())
def test_cited_tests_exist(doc, target):
    """Each ``{repo-file}`path::test``` names a file that defines that test."""
    path, _, qualname = target.partition("::")
    file = ROOT / path
    assert file.is_file(), f"{doc} cites {path}, which does not exist"
    if qualname:
        name = qualname.split("::")[-1].split("[")[0]
        assert launch_config.find_definition(file, name), f"{doc}: {path} defines no {name}"


def test_citation_keys_are_in_the_bibliography():
    bib = (ROOT / "references.bib").read_text(encoding="utf-8")
    known = set(re.findall(r"^@\w+\{([^,\s]+),", bib, re.M))
    missing = []
    for doc, path in PAGES:
        for match in CITE.finditer(markdown_of(path)):
            for key in (k.strip() for k in match["keys"].split(",")):
                if key not in known:
                    missing.append(f"{doc}: {key}")
    assert not missing, f"citation keys not in references.bib: {missing}"


# --- a course, not an audit ------------------------------------------------------------------

TEST_NAME = re.compile(r"tests/test_\w+\.py|\btest_\w+\b")
ERRATUM_BOX = re.compile(r"^(`{3,}|:{3,})\{admonition\}[^\n]*\n((?::[\w-]+:[^\n]*\n)*)", re.M)


@pytest.mark.parametrize(("doc", "path"), CHAPTERS)
def test_chapters_name_no_tests_in_their_prose(doc, path):
    """Test names belong to the quick reference's table and the errata page, not the story."""
    found = sorted(set(TEST_NAME.findall(markdown_of(path))))
    assert not found, f"{doc} names tests in its text: {found}"


def test_the_quick_reference_names_tests_only_in_its_checked_by_table():
    text = (ROOT / "book" / "quickref.md").read_text(encoding="utf-8")
    outside = [
        line for line in text.splitlines() if REPO_FILE.search(line) and not line.startswith("| ")
    ]
    assert not outside, f"quick reference lines outside its table that name tests: {outside}"


@pytest.mark.parametrize(("doc", "path"), CHAPTERS)
def test_lecture_slips_in_chapters_are_collapsed_notes_linking_to_the_errata(doc, path):
    """An admonition about the lecture's slips is a collapsed dropdown with an errata link."""
    text = markdown_of(path)
    for box in ERRATUM_BOX.finditer(text):
        body = text[box.end() : text.find(box.group(1), box.end())]
        if "errata" not in body.lower():
            continue
        classes = re.search(r":class:\s*([^\n]*)", box.group(2) or "")
        assert classes and "dropdown" in classes.group(1).split(), (
            f"{doc}: an erratum box is open in the reading flow: {box.group(0).strip()!r}"
        )
        # a role, or a link to the errata page that JupyterLab can open too
        errata_link = r"\{ref\}`[^`]*errata-[\w-]+>?`|\{doc\}`[^`]*errata|\]\([^)]*errata\.md"
        assert re.search(errata_link, body), (
            f"{doc}: an erratum box links to no errata entry: {box.group(0).strip()!r}"
        )


@pytest.mark.parametrize(("doc", "path"), CHAPTERS)
def test_check_cells_are_folded(doc, path):
    """A code cell made mostly of assert lines is folded on the site (hide-input or
    remove-input), so the argument is not interrupted by blocks of checks."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    open_checks = []
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        lines = [
            ln.strip()
            for ln in "".join(cell["source"]).splitlines()
            if ln.strip() and not ln.strip().startswith("#")
        ]
        asserts = [ln for ln in lines if ln.startswith("assert")]
        tags = set(cell.get("metadata", {}).get("tags", []))
        if "solution" in tags:
            continue  # a solution's cells are collapsed with their solution
        if (
            lines
            and len(asserts) / len(lines) >= 0.5
            and not tags & {"hide-input", "remove-input", "remove-cell", "hide-cell"}
        ):
            open_checks.append(cell.get("id"))
    assert not open_checks, f"{doc}: check cells shown open: {open_checks}"


def figure_cells(path: Path):
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        figure = cell.get("metadata", {}).get("mystnb", {}).get("figure")
        if cell["cell_type"] == "code" and figure:
            yield cell, figure


@pytest.mark.parametrize(("doc", "path"), CHAPTERS)
def test_figures_have_a_name_a_caption_and_a_reference(doc, path):
    """Every captioned figure cell is referred to from the chapter's text by its name."""
    text = markdown_of(path)
    for _, figure in figure_cells(path):
        name = figure.get("name", "")
        assert re.fullmatch(r"fig-\d\d-[a-z0-9-]+", name), f"{doc}: figure name {name!r}"
        assert len(figure.get("caption", "")) > 20, f"{doc}: {name} has no real caption"
        assert f"{{numref}}`{name}`" in text or f"<{name}>`" in text, (
            f"{doc}: nothing in the text refers to {name}"
        )


def test_figure_names_are_unique_across_the_book():
    names = [figure["name"] for _, path in CHAPTERS for _, figure in figure_cells(path)]
    assert len(names) == len(set(names)), sorted({n for n in names if names.count(n) > 1})
