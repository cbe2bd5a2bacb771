"""The student edition: the chapters and pages with their exercises and without their solutions.

One mechanism serves every form of it:

* ``python tools/student.py notebooks OUT`` writes student notebooks into ``OUT`` (for
  download, Binder or Colab; ``make student``);
* ``python tools/student.py book OUT`` stages a copy of the book in ``OUT`` whose notebooks
  and markdown pages are the student versions, and whose ``_config.yml`` is the student
  edition's (``make book-student`` builds it);
* ``python tools/student.py release OUT`` writes the student release: a tree a lecturer
  pushes to a public repository (or branch) of its own, and ``OUT.zip`` of the same files
  (``make release``).

What counts as a solution is what sphinx-exercise renders as one:

* a ``{solution}`` directive, written inside one markdown cell or page;
* a gated solution, from a ``{solution-start}`` directive to the next ``{solution-end}``,
  which may span cells: everything between them goes, code cells included. Those code
  cells carry the tag ``solution`` (with their input and output collapsed in JupyterLab),
  which :func:`untagged_solution_cells` checks, and a cell tagged ``solution`` anywhere
  goes too.

Exercises stay as they are, with the cells a student works in (tags ``hint``, ``answer``,
``check-answer``, ``worked-example``). Outputs are dropped: a student runs the notebook.

Nothing is lost or leaked on the way. Every input is read and checked before anything is
written (a malformed notebook, or a solution directive without its pair, is an error that
names the file, the cell and the exercise); an output may not be its input, nor lie inside
it, nor hold it; everything is written to a temporary folder beside the output, scanned for
any solution left (:func:`leaks`), and only then moved into place. An existing output is
replaced only when this tool wrote it and nobody has changed it since (the file
``.student-edition`` records a checksum of each file written): a student's answers in the
student notebooks are never overwritten.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import hashlib
import html
import json
import os
import re
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
#: The tag of a code cell that belongs to a solution.
SOLUTION_TAG = "solution"
#: Directives that are solutions; the gated pair marks a solution that spans cells.
SOLUTION = "solution"
GATE_START, GATE_END = "solution-start", "solution-end"
EXERCISES = ("exercise", "exercise-start")
#: Tags of the cells a student works in (hint, answer stub, its check, a worked example).
STUDENT_TAGS = ("hint", "answer", "check-answer", "worked-example")
#: The first code cell of a chapter, which installs lecturekit where it is missing (Colab).
INSTALL_TAG = "install-lecturekit"
_INSTALL_LINE = re.compile(
    r'^(?P<indent>\s*)LECTUREKIT_SOURCE\s*=\s*(["\']).*?\2(?P<comment>\s*(?:#.*)?)$', re.M
)
#: The file that marks a folder this tool wrote, with a checksum of every file it wrote: the
#: folder may be replaced only while nobody has changed or added a file (but those below).
MARKER = ".student-edition"
# What a build, a JupyterLab session or Python adds and can make again: never a person's work.
_REGENERATED = shutil.ignore_patterns(
    "_build", ".venv", "__pycache__", "*.ipynb_checkpoints", ".pytest_cache", ".ruff_cache"
)
# A fence that opens a block: backticks or colons (colon_fence), three or more.
_OPEN = re.compile(r"^\s*(?P<fence>`{3,}|:{3,})\s*(?P<info>.*?)\s*$")
_DIRECTIVE = re.compile(r"^\{(?P<name>[^}\s]+)\}\s*(?P<arg>.*)$")
_LABEL = re.compile(r"^\s*:label:\s*(\S+)", re.M)
# Any fence that opens a solution directive, at any depth (the final scan is deliberately
# cruder than the stripper: a solution quoted inside a code block counts too).
_SOLUTION_FENCE = re.compile(r"^\s*(?:`{3,}|:{3,})\s*\{(solution|solution-start|solution-end)\}")
# What the staged book leaves out: build output, the environment, version control, caches.
_NOT_STAGED = (".venv", "_build", ".git", ".pytest_cache", ".hypothesis", ".ruff_cache")
_NOT_COPIED = shutil.ignore_patterns(*_NOT_STAGED, "*.ipynb_checkpoints", "__pycache__", MARKER)


class StudentError(Exception):
    """A problem with the input or the output, said in words; nothing has been written."""


class ChangedOutput(StudentError):
    """The output was changed since this tool wrote it (for example, a student's answers)."""


# --- parsing MyST ------------------------------------------------------------------------------


def _blocks(lines):
    """Yield ``(start, end, directive, argument)`` for each top-level fenced block.

    ``lines[start]`` is the opening fence and ``lines[end]`` its closing fence (or the last
    line, if it is never closed). ``directive`` is the MyST directive's name, or None for a
    plain code block; a fence closes at the next line of the same character that is at least
    as long, so blocks nested inside with shorter fences are skipped with their parent.
    """
    i = 0
    while i < len(lines):
        opened = _OPEN.match(lines[i])
        if not opened:
            i += 1
            continue
        fence = opened["fence"]
        closing = re.compile(rf"^\s*{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        end = next((j for j in range(i + 1, len(lines)) if closing.match(lines[j])), None)
        end = len(lines) - 1 if end is None else end
        directive = _DIRECTIVE.match(opened["info"])
        name, arg = (directive["name"], directive["arg"]) if directive else (None, "")
        yield i, end, name, arg
        i = end + 1


def strip_solutions(text, gated=False):
    """Remove the solutions from a piece of MyST markdown (one cell, or one page).

    Parameters
    ----------
    text : str
    gated : bool
        Whether ``text`` starts inside a gated solution (after a ``{solution-start}`` of an
        earlier cell, before its ``{solution-end}``).

    Returns
    -------
    (str, bool)
        The text without solutions, and whether it ends inside a gated solution.
    """
    lines = text.splitlines()
    keep = [True] * len(lines)
    start_of_gate = 0 if gated else None
    for start, end, name, _ in _blocks(lines):
        if start_of_gate is not None:
            if name == GATE_END:
                keep[start_of_gate : end + 1] = [False] * (end + 1 - start_of_gate)
                start_of_gate = None
        elif name == SOLUTION:
            keep[start : end + 1] = [False] * (end + 1 - start)
        elif name == GATE_START:
            start_of_gate = start
    if start_of_gate is not None:
        keep[start_of_gate:] = [False] * (len(lines) - start_of_gate)
    kept = "\n".join(line for line, k in zip(lines, keep, strict=True) if k)
    # Two blank lines where a solution was are one.
    kept = re.sub(r"\n{3,}", "\n\n", kept).strip("\n")
    return kept, start_of_gate is not None


def _source(cell):
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def _lines(text):
    """A cell's source as nbformat stores it on disk: a list of lines with their newlines."""
    return text.splitlines(keepends=True)


def _tags(cell):
    return cell.get("metadata", {}).get("tags", [])


# --- checking the solution directives before anything is written -----------------------------


def directive_problems(parts):
    """Every misplaced solution directive in a notebook's markdown cells or in one page.

    Parameters
    ----------
    parts : iterable of (str or None, str)
        The markdown in reading order: ``(where, text)`` with ``where`` a cell's name such
        as ``"cell 7"``, or None for a page (whose problems are then named by line).

    Returns
    -------
    list of str
        One sentence a problem: a ``{solution-start}`` inside an open gated solution or never
        closed, a ``{solution-end}`` without its start, an exercise inside an open gated
        solution; each names where, and the exercise concerned.
    """
    problems, gate, exercise = [], None, None
    for where, text in parts:
        lines = text.splitlines()
        for start, end, name, arg in _blocks(lines):
            here = where or f"line {start + 1}"
            if name in EXERCISES:
                found = _LABEL.search("\n".join(lines[start : end + 1]))
                exercise = found[1] if found else "(an exercise without a label)"
                if gate:
                    problems.append(_still_open(here, f"exercise {exercise}", gate))
            elif name == GATE_START:
                if gate:
                    problems.append(_still_open(here, "another {solution-start}", gate))
                gate = (here, arg or exercise or "(no label)")
            elif name == GATE_END and not gate:
                after = f", after exercise {exercise}" if exercise else ""
                problems.append(f"{here}: a {{solution-end}} without a {{solution-start}}{after}")
            elif name == GATE_END:
                gate = None
    if gate:
        problems.append(
            f"{gate[0]}: the {{solution-start}} of {gate[1]} has no {{solution-end}}; "
            "everything after it would be taken for its solution"
        )
    return problems


def _still_open(here, what, gate):
    where, label = gate
    return (
        f"{here}: {what} inside the gated solution of {label}, opened at {where}: "
        "close that one with a {solution-end} first"
    )


def notebook_problems(nb):
    """:func:`directive_problems` over the markdown cells of ``nb`` (cells counted from 1)."""
    parts = (
        (f"cell {i}", _source(cell))
        for i, cell in enumerate(nb["cells"], start=1)
        if cell["cell_type"] == "markdown"
    )
    return directive_problems(parts)


def read_notebook(path):
    """Read a notebook and check its form; a malformed one is a :class:`StudentError`."""
    path = Path(path)
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as err:
        raise StudentError(f"{path}: not a notebook (not UTF-8 text: {err.reason})") from None
    except json.JSONDecodeError as err:
        raise StudentError(
            f"{path}: not a notebook (invalid JSON at line {err.lineno}, column {err.colno}: "
            f"{err.msg})"
        ) from None
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list) or not all(
        isinstance(c, dict) and "cell_type" in c and "source" in c for c in cells
    ):
        raise StudentError(f"{path}: not a notebook (no list of cells with type and source)")
    return nb


def load_notebooks(paths, folder):
    """Read and check every notebook of ``paths`` (in ``folder``) before any is used.

    Returns ``{path: notebook}``; raises one :class:`StudentError` listing every problem of
    every file (unreadable JSON, misplaced solution directives), or saying there is none.
    """
    if not paths:
        raise StudentError(f"{folder} holds no notebook (*.ipynb): is it the right folder?")
    notebooks, problems = {}, []
    for path in paths:
        try:
            nb = read_notebook(path)
        except StudentError as err:
            problems.append(str(err))
            continue
        problems += [f"{path}: {problem}" for problem in notebook_problems(nb)]
        notebooks[path] = nb
    _raise_if(problems, "the notebooks were not written")
    return notebooks


def load_pages(paths):
    """Read and check every markdown page of ``paths``, as :func:`load_notebooks` does."""
    pages, problems = {}, []
    for path in paths:
        text = Path(path).read_text(encoding="utf-8")
        problems += [f"{path}: {problem}" for problem in directive_problems([(None, text)])]
        pages[path] = text
    _raise_if(problems, "nothing was written")
    return pages


def _raise_if(problems, consequence):
    if problems:
        raise StudentError("\n".join([*problems, f"({consequence})"]))


# --- the student form of a notebook ------------------------------------------------------------


def gated_cells(nb):
    """The ids of the cells that lie wholly inside a gated solution (between its cells).

    The cell holding ``{solution-start}`` and the one holding ``{solution-end}`` are not
    counted: their other text may belong to the exercises around them.
    """
    inside, gated = [], False
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            starts_gated = gated
            _, gated = strip_solutions(_source(cell), gated)
            if starts_gated and gated and GATE_END not in _source(cell):
                inside.append(cell["id"])
        elif gated:
            inside.append(cell["id"])
    return inside


def is_tagged_solution(cell):
    """Whether a cell carries the solution tag and is collapsed in JupyterLab."""
    meta = cell.get("metadata", {})
    hidden = meta.get("jupyter", {})
    collapsed = hidden.get("source_hidden") is True
    if cell["cell_type"] == "code":
        collapsed = collapsed and hidden.get("outputs_hidden") is True
    return SOLUTION_TAG in meta.get("tags", []) and collapsed


def untagged_solution_cells(nb):
    """Ids of cells inside a gated solution that lack the tag or the collapsed metadata."""
    cells = {cell["id"]: cell for cell in nb["cells"]}
    return [i for i in gated_cells(nb) if not is_tagged_solution(cells[i])]


def student_notebook(nb, lecturekit_source=None):
    """The student version of a notebook (a new dict; ``nb`` is left as it is).

    Solutions go (directives, gated regions, cells tagged ``solution``), and so does every
    output; a markdown cell left empty goes too. Cell ids of the kept cells stay. With
    ``lecturekit_source``, the install cell installs lecturekit from that requirement
    (:func:`set_lecturekit_source`).
    """
    student = copy.deepcopy(nb)
    cells, gated = [], False
    for cell in student["cells"]:
        if cell["cell_type"] == "markdown":
            text, gated = strip_solutions(_source(cell), gated)
            if text.strip():
                cell["source"] = _lines(text)
                cells.append(cell)
            continue
        if gated or SOLUTION_TAG in _tags(cell):
            continue
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
        cells.append(cell)
    student["cells"] = cells
    if lecturekit_source:
        set_lecturekit_source(student, lecturekit_source)
    return student


def set_lecturekit_source(nb, requirement):
    """Point the ``LECTUREKIT_SOURCE = "..."`` line of the install cell at ``requirement``.

    The cell is the one tagged ``install-lecturekit``. Returns whether ``nb`` has one (a
    notebook without it is left as it is); a tagged cell without the line is an error.
    """
    cell = next((c for c in nb["cells"] if INSTALL_TAG in _tags(c)), None)
    if cell is None:
        return False
    text, count = _INSTALL_LINE.subn(
        lambda m: f"{m['indent']}LECTUREKIT_SOURCE = {json.dumps(requirement)}{m['comment']}",
        _source(cell),
    )
    if count != 1:
        raise StudentError(
            f'the cell tagged {INSTALL_TAG} has {count} lines LECTUREKIT_SOURCE = "...", '
            "expected exactly one"
        )
    cell["source"] = _lines(text)
    return True


# --- the final scan ----------------------------------------------------------------------------


def text_leaks(text):
    """Lines of ``text`` that open or close a solution directive, as ``"line N: ..."``."""
    return [
        f"line {n}: {line.strip()}"
        for n, line in enumerate(text.splitlines(), start=1)
        if _SOLUTION_FENCE.match(line)
    ]


def notebook_leaks(nb):
    """What of a solution a student notebook still holds, one sentence each.

    A solution directive in any cell, a cell tagged ``solution``, and any output (a student
    notebook has none, so no solution's output can hide in one).
    """
    found = []
    for i, cell in enumerate(nb["cells"], start=1):
        found += [f"cell {i}, {leak}" for leak in text_leaks(_source(cell))]
        if SOLUTION_TAG in _tags(cell):
            found.append(f"cell {i} is tagged {SOLUTION_TAG}")
        if cell.get("outputs"):
            found.append(f"cell {i} has outputs")
    return found


def leaks(folder):
    """Every solution left in the notebooks and markdown files under ``folder``."""
    folder = Path(folder)
    found = []
    for path in sorted(folder.rglob("*.ipynb")):
        found += [f"{path.relative_to(folder)}: {leak}" for leak in notebook_leaks(_json(path))]
    for path in sorted(folder.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        found += [f"{path.relative_to(folder)}: {leak}" for leak in text_leaks(text)]
    return found


def _json(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


# --- writing safely ----------------------------------------------------------------------------


def check_destination(source, out, skipped=()):
    """Refuse an output that would overwrite, or be read as, its own input.

    ``out`` may not be ``source``, nor hold it, nor lie inside it, except inside a folder of
    ``source`` that is never read (a name in ``skipped``, such as ``_build``). An existing
    ``out`` must be empty or written by this tool; ``source`` must be a folder.
    """
    source, out = Path(source).resolve(), Path(out).resolve()
    if not source.is_dir():
        raise StudentError(f"the input folder {source} does not exist")
    if out == source:
        raise StudentError(f"the output {out} is the input folder itself: choose another")
    if out in source.parents:
        raise StudentError(f"the output {out} holds the input {source}: choose another")
    if source in out.parents:
        inside = out.relative_to(source).parts
        if not any(part in skipped for part in inside):
            raise StudentError(
                f"the output {out} lies inside the input {source}: choose a folder outside it"
                + (f" (or under one of {', '.join(skipped)})" if skipped else "")
            )
    if out.exists() and not out.is_dir():
        raise StudentError(f"the output {out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise StudentError(
            f"the output {out} is a folder this tool did not write ({MARKER} is missing) and "
            "not empty: choose a new or empty folder; nothing in it was changed"
        )
    changed = changed_since_written(out) if (out / MARKER).is_file() else []
    if changed:
        raise ChangedOutput(
            "\n".join(
                [f"the output {out} was changed since this tool wrote it:", *changed]
                + ["(copy your work elsewhere, or remove the folder; nothing was changed)"]
            )
        )


def checksums(folder):
    """``{relative path: sha256}`` of every file under ``folder`` but the regenerated ones."""
    folder, found = Path(folder), {}
    for parent, subfolders, names in os.walk(folder):
        subfolders[:] = [d for d in subfolders if not _REGENERATED(parent, [d])]
        for name in names:
            path = Path(parent, name)
            if name != MARKER and not _REGENERATED(parent, [name]):
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                found[path.relative_to(folder).as_posix()] = digest
    return found


def changed_since_written(folder):
    """The files of ``folder`` changed, added or removed since this tool wrote it."""
    try:
        written = json.loads((Path(folder) / MARKER).read_text(encoding="utf-8"))["files"]
    except (ValueError, KeyError, TypeError):
        return [f"{MARKER} is not the record this tool writes"]
    now = checksums(folder)
    return sorted(
        f"{name}: {'added' if name not in written else 'removed' if name not in now else 'changed'}"
        for name in set(written) | set(now)
        if written.get(name) != now.get(name)
    )


@contextlib.contextmanager
def staging(out):
    """Yield a temporary folder beside ``out``; put it in place of ``out`` once all is well.

    After the body, the folder is marked as this tool's and scanned (:func:`leaks`); only a
    folder without leaks replaces ``out``. On any failure the temporary folder is removed and
    ``out`` is left as it was.
    """
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        yield tmp
        record = {
            "written by": "tools/student.py: the student edition, without solutions",
            "files": checksums(tmp),
        }
        (tmp / MARKER).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
        left = leaks(tmp)
        if left:
            raise StudentError("\n".join(["solutions left in the output:", *left]))
        _replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _replace(new, out):
    """Move the folder ``new`` to ``out``, removing an earlier ``out`` only once it is in."""
    if not out.exists():
        new.rename(out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
    old.rmdir()
    out.rename(old)
    try:
        new.rename(out)
    except BaseException:
        old.rename(out)
        raise
    shutil.rmtree(old)


def write_notebook(nb, path):
    """Write as the repository's notebooks are written: indent 1, UTF-8, final newline."""
    Path(path).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_student_notebooks(notebooks, folder, lecturekit_source=None):
    """Write the student form of each of ``{path: notebook}`` into ``folder``, same names."""
    folder.mkdir(parents=True, exist_ok=True)
    for path, nb in notebooks.items():
        try:
            student = student_notebook(nb, lecturekit_source)
        except StudentError as err:
            raise StudentError(f"{path}: {err}") from None
        write_notebook(student, folder / Path(path).name)
    return [folder / Path(path).name for path in notebooks]


# --- the student edition's configuration and release files --------------------------------------

#: Named in the title and the notice of every page of the student edition.
EDITION = "student edition"
#: Files of the repository the release carries as they are (those that exist).
RELEASE_FILES = (
    "pyproject.toml",
    "constraints.txt",
    "requirements-torch.txt",
    "runtime.txt",
    "LICENSE",
)
#: Requirements that only build the book or run its tests: not in a student's environment.
BOOK_AND_TEST_ONLY = frozenset(
    """jupyter-book sphinx myst-nb sphinx-exercise sphinxcontrib-bibtex sphinx-mathjax-offline
    sphinx-book-theme pydata-sphinx-theme pytest pytest-xdist nbval hypothesis ruff
    playwright""".split()
)
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
RELEASE_MAKEFILE = """\
# `make lab` installs the notebooks' environment into .venv/ and opens JupyterLab on them;
# `make torch` adds the optional PyTorch (CPU build) for the comparisons.
BIN := .venv/bin

lab: $(BIN)/.installed
	$(BIN)/jupyter lab notebooks

torch: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -r requirements-torch.txt

$(BIN)/.installed: requirements.txt constraints.txt pyproject.toml
	test -x $(BIN)/python || python3 -m venv .venv
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

.PHONY: lab torch
"""


def read_config(root):
    """The book's ``_config.yml`` in ``root``, as a dict."""
    path = Path(root) / "_config.yml"
    if not path.is_file():
        raise StudentError(f"{path} does not exist: is {root} the book's folder?")
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def write_config(config, path):
    header = "# The student edition's configuration, written by tools/student.py book.\n"
    text = yaml.safe_dump(config, sort_keys=False, allow_unicode=True, width=100)
    Path(path).write_text(header + text, encoding="utf-8")


def release_setting(config):
    """``(url, ref)`` of the student release from ``student_release`` in the configuration.

    ``url`` is ``""`` when unset; ``ref`` (a branch, tag or commit) defaults to ``main``.
    """
    release = config.get("student_release") or {}
    url = str(release.get("url") or "").strip().rstrip("/")
    ref = str(release.get("ref") or "main").strip()
    return url, ref


def release_requirement(config):
    """The pip requirement that installs lecturekit from the student release, or None."""
    url, ref = release_setting(config)
    return f"lecturekit @ git+{url}@{ref}" if url else None


def student_config(config):
    """The student edition's configuration, made from the book's (a new dict).

    The title says it is the student edition and so does a notice on every page; the
    repository is the student release, so the launch (Binder, Colab), repository and issue
    buttons open the release and never the full notebooks. With no release configured the
    repository is left empty, and ``_ext/launch_config.py`` then leaves those buttons out.
    ``student_edition`` tells ``_ext/launch_config.py`` (the ``student_edition`` tag; no
    links to the repository's tests, which the release does not hold).
    """
    url, ref = release_setting(config)
    staged = copy.deepcopy(config)
    title = config.get("title") or "The book"
    staged["title"] = f"{title} ({EDITION})"
    staged["repository"] = {
        **(config.get("repository") or {}),
        "url": url,
        "branch": ref,
        "path_to_book": "",
    }
    notice = f"The {EDITION}: the exercises without their solutions."
    if url:
        link = html.escape(url, quote=True)
        notice += f' Its notebooks: <a href="{link}">{link}</a>.'
    staged["html"] = {
        **(config.get("html") or {}),
        "announcement": notice,
        "use_edit_page_button": False,
    }
    sphinx = staged.setdefault("sphinx", {})
    sphinx["config"] = {**(sphinx.get("config") or {}), "student_edition": True}
    return staged


def student_requirements(text):
    """The student release's ``requirements.txt`` from the repository's.

    The same pins, options (the lock, ``-c constraints.txt``) and package (``-e .``), without
    the packages that only build the book or run its tests (:data:`BOOK_AND_TEST_ONLY`);
    the comments, which speak of the full repository, are left out.
    """
    kept = [
        line.strip()
        for line in text.splitlines()
        if line.strip()
        and not line.lstrip().startswith("#")
        and _requirement(line) not in BOOK_AND_TEST_ONLY
    ]
    header = (
        "# What the notebooks need, pinned; the lock constraints.txt (the -c line) pins every\n"
        "# other package, and -e . installs lecturekit from this folder.\n"
    )
    return header + "\n".join(kept) + "\n"


def _requirement(line):
    found = _REQUIREMENT_NAME.match(line)
    return found[1].lower() if found and not line.lstrip().startswith(("#", "-")) else None


def release_readme(config, notebooks):
    """A short README for students: what is here, how to run it locally, on Binder, on Colab."""
    url, ref = release_setting(config)
    title = config.get("title") or "The course notebooks"
    first = Path(next(iter(notebooks))).name if notebooks else "01_linear_model.ipynb"
    chapters = "\n".join(f"- `notebooks/{Path(p).name}`" for p in notebooks)
    where = f"[{url}]({url})" if url else "the address your course gives you"
    hub = (config.get("launch_buttons") or {}).get("binderhub_url") or "https://mybinder.org"
    binder = f"Nothing to install: at <{hub}>, give this repository's address and launch it."
    colab = (
        "In Colab, open a notebook by File, Open notebook, GitHub and this repository's address."
    )
    github = re.match(r"https://github\.com/([^/]+/[^/]+?)(?:\.git)?$", url)
    if github:
        launch = f"{hub.rstrip('/')}/v2/gh/{github[1]}/{ref}?urlpath=lab/tree/notebooks"
        binder = f"Nothing to install: open <{launch}>."
        colab = (
            "Open a notebook in Colab, for example "
            f"<https://colab.research.google.com/github/{github[1]}/blob/{ref}/notebooks/{first}>."
        )
    return f"""# {title}: the notebooks

The chapters of the course as Jupyter notebooks, with their exercises and without their
solutions, and `lecturekit`, the small Python package they use. Each exercise has a hint, a
cell for your answer and a cell that checks it.

{chapters}

## On your own machine

You need Python 3.11 or newer. Download this repository or the zip your course links
(the repository: {where}), and inside its folder run

```bash
python3 -m venv .venv
.venv/bin/python -m pip install -r requirements.txt
.venv/bin/jupyter lab notebooks
```

(on Windows: `.venv\\Scripts\\python` and `.venv\\Scripts\\jupyter`), or simply `make lab`.
JupyterLab opens in your browser; run a notebook's cells from the top with Shift + Enter.
PyTorch, used by optional comparisons, is installed by
`.venv/bin/python -m pip install -r requirements-torch.txt` (or `make torch`).

## On Binder

{binder}

Wait for the environment to build (the first start can take several minutes). Binder sessions
are temporary: download your notebooks before you close the tab.

## On Colab

{colab}

The first cell of every chapter installs `lecturekit` from this repository when it is
missing; run the notebook from the top. Colab does not render the book's MyST markup, so
exercises and hints show as plain text there.
"""


def write_zip(folder, path):
    """Write the files of ``folder`` into the zip ``path``, under the folder's name."""
    folder, path = Path(folder), Path(path)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for file in sorted(folder.rglob("*")):
                if file.is_file() and file.name != MARKER:
                    archive.write(file, Path(folder.name) / file.relative_to(folder))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# --- the three commands ------------------------------------------------------------------------


def write_student_notebooks(source, out, lecturekit_source=None):
    """Write the student version of every notebook in the folder ``source`` into ``out``.

    Returns the paths written. See the module's docstring for what is checked first.
    """
    check_destination(source, out)
    notebooks = load_notebooks(sorted(Path(source).glob("*.ipynb")), source)
    with staging(out) as tmp:
        names = [p.name for p in _write_student_notebooks(notebooks, tmp, lecturekit_source)]
    return [Path(out) / name for name in names]


def stage_book(root, out):
    """Copy the book in ``root`` to ``out`` with every notebook and page in student form.

    Every ``.ipynb`` and ``.md`` file of the copy (outside the folders of build output and
    the environment) is rewritten by :func:`student_notebook` or :func:`strip_solutions`;
    ``_config.yml`` becomes the student edition's (:func:`student_config`), and the install
    cells point at the student release.
    """
    root, out = Path(root).resolve(), Path(out).resolve()
    check_destination(root, out, skipped=_NOT_STAGED)
    files = book_files(root)
    notebooks = load_notebooks([p for p in files if p.suffix == ".ipynb"], root)
    pages = load_pages([p for p in files if p.suffix == ".md"])
    config = student_config(read_config(root))
    with staging(out) as tmp:
        shutil.copytree(root, tmp, ignore=_NOT_COPIED, dirs_exist_ok=True)
        for path, nb in notebooks.items():
            folder = tmp / path.parent.relative_to(root)
            _write_student_notebooks({path: nb}, folder, release_requirement(config))
        for path, text in pages.items():
            stripped, _ = strip_solutions(text)
            if stripped.strip("\n") != text.strip("\n"):
                (tmp / path.relative_to(root)).write_text(stripped + "\n", encoding="utf-8")
        write_config(config, tmp / "_config.yml")
    return out


def book_files(root):
    """Every file of the book in ``root`` that the staged copy holds, in sorted order."""
    found = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if not _NOT_COPIED(folder, [d]))
        found += [Path(folder, n) for n in names if not _NOT_COPIED(folder, [n])]
    return sorted(found)


def write_release(root, out):
    """Write the student release of the book in ``root`` into ``out``, and ``out.zip``.

    The release is what a student needs and nothing of the solutions: the student notebooks
    (``notebooks/``, their install cell pointing at the release itself), the package
    ``lecturekit/``, ``pyproject.toml``, the requirements a student needs
    (:func:`student_requirements`) with the lock, and a README for students. The lecturer
    pushes the tree to the repository named by ``student_release`` in ``_config.yml``.
    """
    root, out = Path(root).resolve(), Path(out).resolve()
    check_destination(root, out, skipped=_NOT_STAGED)
    archive = out.with_name(out.name + ".zip")
    if archive.exists() and not (out / MARKER).is_file():
        raise StudentError(f"{archive} exists and was not written with {out}: move it away")
    missing = [
        name
        for name in ("lecturekit", "pyproject.toml", "requirements.txt")
        if not (root / name).exists()
    ]
    if missing:
        raise StudentError(f"{root} has no {', '.join(missing)}: a release needs them")
    config = read_config(root)
    notebooks = load_notebooks(sorted((root / "notebooks").glob("*.ipynb")), root / "notebooks")
    with staging(out) as tmp:
        _write_student_notebooks(notebooks, tmp / "notebooks", release_requirement(config))
        shutil.copytree(root / "lecturekit", tmp / "lecturekit", ignore=_NOT_COPIED)
        for name in RELEASE_FILES:
            if (root / name).is_file():
                shutil.copy2(root / name, tmp / name)
        requirements = (root / "requirements.txt").read_text(encoding="utf-8")
        (tmp / "requirements.txt").write_text(student_requirements(requirements), "utf-8")
        (tmp / "README.md").write_text(release_readme(config, notebooks), encoding="utf-8")
        (tmp / "Makefile").write_text(RELEASE_MAKEFILE, encoding="utf-8")
    write_zip(out, archive)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["notebooks", "book", "release"])
    parser.add_argument("out", type=Path)
    parser.add_argument(
        "--keep-changed",
        action="store_true",
        help="leave an output changed since it was written as it is, and say so (no error)",
    )
    args = parser.parse_args(argv)
    try:
        if args.what == "notebooks":
            source = release_requirement(read_config(ROOT))
            written = write_student_notebooks(ROOT / "notebooks", args.out, source)
            print(f"{len(written)} student notebooks in {args.out}")
        elif args.what == "book":
            stage_book(ROOT, args.out)
            print(f"student edition staged in {args.out}")
        else:
            write_release(ROOT, args.out)
            print(f"student release in {args.out} and {args.out}.zip")
            if not release_setting(read_config(ROOT))[0]:
                print(
                    "student_release.url in _config.yml is unset: the notebooks' install "
                    "cells still install lecturekit from where the full notebooks do"
                )
    except ChangedOutput as err:
        if not args.keep_changed:
            print(f"{parser.prog}: error: {err}", file=sys.stderr)
            return 1
        print(f"kept as it is, with your changes: {args.out}")
    except StudentError as err:
        print(f"{parser.prog}: error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
