"""The built book as a reader meets it: every page of the table of contents in headless Chromium.

The site (``BOOK_HTML_DIR``, default ``_build/html``; built with ``jupyter-book build .`` when
the default is missing) is served on 127.0.0.1 at a free port. Every request that does not go
to loopback is blocked and counted as a failure, so a page that needs the internet fails here
as it would in a lecture theatre without wifi.

Each page is visited ONCE (:func:`read_page`), and that visit gathers every fact the tests
below assert, in this order: at 1280 px in the light theme, what loaded, the maths, images,
code cells, links, figures, display equations and code boxes, and a full-page JPEG screenshot
(to ``screenshots/`` next to the site's folder, ``_build/screenshots/`` by default); axe-core's
WCAG 2.1 A/AA check in the light theme, then in the dark theme (switched with the theme's own
button) its colour rules, or all its rules when the dark theme shows or hides an element the
light one does not (a theme switch changes nothing else); at 390 px, what sticks out and the
header; back at 1280 px, every control of every kernel-free explorer moved with the mouse's
and the keyboard's actions. The console errors and
failed or blocked requests of the whole visit count against the page.

Per page: the page loads without console errors or failed requests; where there is maths,
MathJax has typeset every formula without errors; every image has loaded and has alt text;
every internal link and anchor resolves; no output shows an error or a traceback; every code
cell that draws a figure shows one; no widget output is an empty area (see ``cell_problems``);
no critical or serious WCAG 2.1 A/AA violation in either theme; the figures, equations and
code fit (see their tests); each explorer's controls are named, reached with Tab, moved with
the arrow keys, and every move changes the figure, its alternative text and the readout.
The search page must find "Kronecker". The sidebar toggle opens and closes the chapter list at
a phone's width (390 px) and a desktop's (1280 px).

Chromium is Debian's (``apt-get install -y chromium``), driven by the pinned playwright; axe-core
is the copy bundled by the pinned ``axe-playwright-python``. Without Chromium the tests skip
with instructions; under CI (``CI`` set) they fail instead.
"""

from __future__ import annotations

import functools
import html.parser
import json
import os
import re
import subprocess
import sys
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from _browser import (
    BLOCKING_IMPACTS,
    COLOUR_RULES,
    SHOWN_ELEMENTS,
    Visit,
    chromium,
    require_chromium,
    serve,
    set_theme,
    settle,
)
from book_toc import toc_documents

from lecturekit.static_explorer import TWINS

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SITE = ROOT / "_build" / "html"
SEARCH_TERM = "Kronecker"
THEMES = ("light", "dark")
DESKTOP, PHONE = 1280, 390


# --- the table of contents -------------------------------------------------------------------


TOC_DOCS = toc_documents()
CHAPTERS = [doc for doc in TOC_DOCS if doc.startswith("notebooks/")]


def doc_source(doc: str) -> Path | None:
    """The source file of a docname (``.md``, ``.ipynb``, ...), or None if there is none yet."""
    for suffix in (".md", ".ipynb", ".rst", ".myst"):
        if (ROOT / f"{doc}{suffix}").exists():
            return ROOT / f"{doc}{suffix}"
    return None


# Kernel-free explorers a chapter's code builds (a call of one of lecturekit.static_explorer's
# TWINS): the page must show that many.
EXPLORER_CALL = re.compile(r"\.(" + "|".join(TWINS) + r")[(,]")  # a call, or handed to explorer(


def explorer_calls(doc: str) -> int:
    """How many kernel-free explorers the chapter's code builds."""
    source = doc_source(doc)
    if source is None or source.suffix != ".ipynb":
        return 0
    cells = json.loads(source.read_text(encoding="utf-8"))["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    return sum(len(EXPLORER_CALL.findall(text)) for text in code)


EXPLORER_DOCS = [doc for doc in TOC_DOCS if explorer_calls(doc)]


# --- the site, its server and the browser ----------------------------------------------------


@pytest.fixture(scope="session")
def site() -> Path:
    """The built HTML folder; builds the default one when it is missing."""
    configured = os.environ.get("BOOK_HTML_DIR")
    path = Path(configured).resolve() if configured else DEFAULT_SITE
    if not (path / "index.html").exists():
        if configured:
            pytest.fail(f"BOOK_HTML_DIR={configured} holds no built book (no index.html)")
        book = Path(sys.executable).with_name("jupyter-book")
        subprocess.run([str(book), "build", str(ROOT), "--keep-going"], check=True, cwd=ROOT)
    return path


@pytest.fixture(scope="session")
def base_url(site: Path):
    """Serve ``site`` on 127.0.0.1 at a free port for the whole session, then stop."""
    with serve(site) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium under playwright; skip (or fail under CI) when either is missing."""
    require_chromium("the browser test")
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="session")
def screenshot_dir(site: Path) -> Path:
    path = site.parent / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def visit(browser, base_url):
    v = Visit(browser, base_url)
    yield v
    v.close()


# --- anchors of pages, read from the static HTML ---------------------------------------------


class _IdCollector(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id" or (tag == "a" and name == "name"):
                self.ids.add(value or "")


@functools.cache
def ids_in(file: Path) -> frozenset[str]:
    parser = _IdCollector()
    parser.feed(file.read_text(encoding="utf-8", errors="replace"))
    return frozenset(parser.ids)


def internal_link_problems(
    hrefs: list[str], live_ids: set[str], here: str, site: Path, base_url: str
) -> tuple[list[str], int]:
    """Every loopback link's file exists and its ``#anchor`` is an id on the target page
    (``live_ids``: the ids of the page itself, at path ``here``, as the browser built it)."""
    problems: list[str] = []
    checked = 0
    for href in sorted(set(hrefs)):
        parts = urlsplit(href)
        if parts.scheme not in ("http", "https") or href.startswith(base_url) is False:
            continue  # external (not followed here), mailto:, javascript:
        checked += 1
        path = unquote(parts.path)
        target = site / path.lstrip("/")
        if path.endswith("/") or target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            problems.append(f"broken link {href}")
            continue
        fragment = unquote(parts.fragment)
        if not fragment or target.suffix != ".html":
            continue
        ids = live_ids if parts.path == here else ids_in(target)
        if fragment not in ids:
            problems.append(f"missing anchor #{fragment} in {href}")
    return problems, checked


# --- the checks ------------------------------------------------------------------------------

WAIT_FOR_MATHJAX = """async () => {
    if (!window.MathJax) { return "absent"; }
    for (let i = 0; i < 600 && !(MathJax.startup && MathJax.startup.promise); i++) {
        await new Promise(r => setTimeout(r, 50));
    }
    await MathJax.startup.promise;
    return "ready";
}"""

LOAD_ALL_IMAGES = """async () => {
    const imgs = Array.from(document.images);
    imgs.forEach(img => { img.loading = "eager"; });
    await Promise.all(imgs.map(img => img.complete ? null :
        new Promise(r => { img.addEventListener("load", r); img.addEventListener("error", r); })));
    return imgs.map(img => ({src: img.currentSrc || img.src, width: img.naturalWidth,
                             alt: (img.getAttribute("alt") || "").trim(),
                             complete: img.complete}));
}"""

MATH_REPORT = """() => {
    const maths = Array.from(document.querySelectorAll(".math"));
    const untypeset = maths.filter(m => !m.querySelector("mjx-container"));
    return {maths: maths.length,
            containers: document.querySelectorAll("mjx-container").length,
            errors: Array.from(document.querySelectorAll("mjx-merror"))
                .map(e => e.getAttribute("data-mjx-error") || e.textContent),
            // MathJax's noundefined package shows an unknown macro as red text, not an error.
            undefined: Array.from(document.querySelectorAll("mjx-assistive-mml mtext[mathcolor]"))
                .filter(e => e.getAttribute("mathcolor") === "red")
                .map(e => e.textContent).filter(t => t.startsWith(String.fromCharCode(92)))
                .map(t => "undefined control sequence " + t),
            untypeset: untypeset.slice(0, 5).map(m => m.textContent.slice(0, 80))};
}"""


# One record per code cell of a page (myst-nb: div.cell > div.cell_input, div.cell_output).
# The source is the highlighted code's text (without the copy button's label); an error output
# is myst-nb's `traceback` or `stderr` output; a widget is its view script, and it counts as
# rendered only if a widget manager drew something of nonzero size in its output area.
# `after_text` says whether prose stands between this cell and the previous code cell.
CELL_REPORT = """() => {
    const cells = Array.from(document.querySelectorAll("div.cell"));
    return cells.map((cell, index) => {
        const input = cell.querySelector(".cell_input pre");
        const output = cell.querySelector(".cell_output");
        const images = output ? Array.from(output.querySelectorAll("img")) : [];
        const views = output ? Array.from(output.querySelectorAll(
            'script[type="application/vnd.jupyter.widget-view+json"]')) : [];
        const drawn = el => {
            const r = el.getBoundingClientRect();
            return r.width > 0 && r.height > 0;
        };
        const rendered = views.filter(v => Array.from(v.parentElement.querySelectorAll(
            ".jupyter-widgets, .widget-box, .lm-Widget")).some(drawn));
        let between = false;
        if (index > 0) {
            // Any element with text between the previous cell and this one is prose.
            const range = document.createRange();
            range.setStartAfter(cells[index - 1]);
            range.setEndBefore(cell);
            between = range.toString().trim().length > 0;
        }
        return {
            index: index,
            source: input ? input.textContent : "",
            output_text: output ? output.innerText : "",
            error_outputs: output ? Array.from(output.querySelectorAll(".traceback, .stderr"))
                .map(e => (e.innerText || e.textContent).trim().slice(0, 300)) : [],
            images: images.filter(img => img.complete && img.naturalWidth > 0).length,
            widgets: views.length,
            unrendered_widgets: views.length - rendered.length,
            after_text: between,
        };
    });
}"""

# A cell "makes a figure" when it shows one: plt.show(), or a last line that is a figure
# (a bare `fig`, or a call of one of lecturekit's `*_figure` functions).
SHOWS_FIGURE = re.compile(r"^\s*plt\.show\(\)", re.M)
LAST_LINE_FIGURE = re.compile(r"^\s*(fig|[\w.]*_figure\(.*\)?)\s*(#.*)?$")
# An exception printed by the code itself, not by the kernel (so not an error output).
PRINTED_ERROR = re.compile(r"Traceback \(most recent call last\)|^\w+(Error|Exception): ", re.M)


def makes_figure(source: str) -> bool:
    lines = [line for line in source.splitlines() if line.strip()]
    return bool(SHOWS_FIGURE.search(source)) or bool(lines and LAST_LINE_FIGURE.match(lines[-1]))


def cell_problems(cells: list[dict]) -> list[str]:
    """What a reader would call broken in a page's code cells.

    - any error output (a traceback, stderr) or a traceback printed in an output;
    - a cell that makes a figure (``makes_figure``) whose output shows no loaded image;
    - an empty widget area: a widget output that nothing rendered (offline there is no widget
      JavaScript), with no static figure beside it: no loaded image in the same cell's output,
      nor in the code cell directly before it with no prose between (a figure of the
      widget's starting values, which is what a reader without a kernel sees).
    """
    problems = []
    for i, cell in enumerate(cells):
        where = f"code cell {cell['index'] + 1}"
        first_line = next((ln.strip() for ln in cell["source"].splitlines() if ln.strip()), "")
        for text in cell["error_outputs"]:
            problems.append(f"{where} ({first_line[:50]!r}) shows an error output: {text!r}")
        if not cell["error_outputs"] and PRINTED_ERROR.search(cell["output_text"]):
            problems.append(f"{where} ({first_line[:50]!r}) prints a traceback or an exception")
        if makes_figure(cell["source"]) and cell["images"] == 0:
            problems.append(f"{where} ({first_line[:50]!r}) makes a figure but shows none")
        if cell["unrendered_widgets"]:
            beside = cell["images"]
            if i > 0 and not cell["after_text"]:
                beside += cells[i - 1]["images"]
            if beside < cell["unrendered_widgets"]:
                problems.append(
                    f"{where} ({first_line[:50]!r}): {cell['unrendered_widgets']} widget "
                    f"output(s) render nothing and only {beside} static figure(s) stand beside "
                    "them: the reader sees an empty area (draw the starting values' figure in "
                    "the same cell or in the cell just before)"
                )
    return problems


# --- figures, equations and widths: the page as it reads at 1280 px and 390 px -------------

# Every image a code cell shows, with its rendered size, its natural size and its figure's
# caption (myst-nb's figure metadata or a glued figure: <figure> with a numbered figcaption).
# Images of explorer cells (their controls drive frames, they are not captioned figures) are
# reported apart.
FIGURE_REPORT = """() => {
    const column = document.querySelector("main #main-content article, article.bd-article");
    return Array.from(document.querySelectorAll("div.cell .cell_output img")).map(img => {
        const r = img.getBoundingClientRect();
        const figure = img.closest("figure");
        const caption = figure ? figure.querySelector("figcaption") : null;
        const number = caption ? caption.querySelector(".caption-number") : null;
        const cell = img.closest("div.cell");
        const source = (cell.querySelector(".cell_input pre") || {}).textContent || "";
        return {src: (img.getAttribute("src") || "").slice(-40),
                width: r.width, height: r.height, natural: img.naturalWidth,
                column: column ? column.getBoundingClientRect().width : innerWidth,
                id: figure ? figure.id : "",
                number: number ? number.textContent.trim() : "",
                caption: caption ? caption.innerText.trim() : "",
                explorer: /\\bwidgets\\.|interactive\\(|explorer\\(/.test(source)};
    });
}"""
# A figure is legible when it is shown at no less than this fraction of its drawn size (a
# matplotlib label of 10 pt at 100 dpi stays ≥ 8 px) and is tall enough to hold labelled axes.
MIN_FIGURE_SCALE = 0.6
MIN_FIGURE_HEIGHT_PX = 200

# Display equations (MathJax's display containers) against the column they sit in: the
# typeset formula plus the equation number must fit the width of its div.math.
EQUATION_REPORT = """() => Array.from(document.querySelectorAll("mjx-container[display='true']"))
    .map(c => {
        const box = c.closest("div.math, .math") || c.parentElement;
        const math = c.querySelector("mjx-math");
        const number = box.querySelector(".eqno");
        return {tex: (box.textContent || "").slice(0, 60).replace(/\\s+/g, " "),
                width: math ? math.getBoundingClientRect().width : 0,
                number: number ? number.getBoundingClientRect().width : 0,
                label: number ? number.textContent.trim() : "",
                column: box.getBoundingClientRect().width};
    })"""


# Elements that stick out past the right edge of the viewport without a scrolling (or
# clipping) box around them that itself fits. Hidden drawers (the sidebars) are skipped.
OVERFLOW_REPORT = """() => {
    const limit = document.documentElement.clientWidth + 1;
    const clipped = el => {
        for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
            const ox = getComputedStyle(a).overflowX;
            if (ox !== "visible" && a.getBoundingClientRect().right <= limit) { return true; }
        }
        return false;
    };
    const out = [];
    for (const el of document.querySelectorAll("main *")) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.right <= limit) { continue; }
        if (getComputedStyle(el).visibility === "hidden") { continue; }
        if (el.closest(".bd-sidebar-primary, .bd-sidebar-secondary")) { continue; }
        if (clipped(el)) { continue; }
        out.push(el.tagName.toLowerCase() + "." + (el.className || "").toString().slice(0, 40)
                 + " '" + (el.textContent || "").trim().slice(0, 40) + "' right=" +
                 Math.round(r.right));
    }
    return {scroll: document.documentElement.scrollWidth,
            viewport: document.documentElement.clientWidth, offenders: out.slice(0, 8)};
}"""

# Code that does not fit its cell: a pre wider than its box must scroll, never be cut off.
CUT_CODE = """() => Array.from(document.querySelectorAll("div.highlight pre"))
    .filter(pre => pre.scrollWidth > pre.clientWidth + 1)
    .filter(pre => !["auto", "scroll"].includes(getComputedStyle(pre).overflowX) &&
                   !["auto", "scroll"].includes(getComputedStyle(pre.parentElement).overflowX))
    .map(pre => pre.textContent.split("\\n").sort((a, b) => b.length - a.length)[0].slice(0, 60))"""


HEADER_REPORT = """() => {
    const shown = e => {
        const r = e.getBoundingClientRect(), cs = getComputedStyle(e);
        return r.width > 0 && r.height > 0 && cs.display !== "none" &&
            cs.visibility !== "hidden";
    };
    const bands = Array.from(document.querySelectorAll("header.bd-header, .bd-header-article"))
        .filter(shown).map(e => ({cls: e.className.toString().slice(0, 40),
                                  text: e.innerText.trim().length,
                                  controls: e.querySelectorAll("a, button").length}));
    const searches = Array.from(document.querySelectorAll(
        ".search-button-field, button.search-button, form.bd-search input")).filter(shown);
    return {bands: bands, searches: searches.length};
}"""


# --- the kernel-free explorers ---------------------------------------------------------------

# The state a reader sees: the image, its alt text, and each control with its readout, its
# aria-valuetext and its accessible name's source (the label that names it).
EXPLORER_STATE = """root => ({
    src: root.querySelector("img").getAttribute("src"),
    alt: root.querySelector("img").alt,
    loaded: root.querySelector("img").complete && root.querySelector("img").naturalWidth > 0,
    controls: Array.from(root.querySelectorAll("[data-control]")).map(c => ({
        id: c.id, tag: c.tagName.toLowerCase(), value: c.value, default: c.dataset.default,
        max: c.tagName === "SELECT" ? String(c.options.length - 1) : c.max,
        crossed: c.dataset.crossed === "1",
        label: c.labels.length ? c.labels[0].textContent.trim() : "",
        valuetext: c.getAttribute("aria-valuetext"),
        readout: root.querySelector("output[for='" + c.id + "']").textContent})),
    frames: Object.keys(JSON.parse(root.querySelector("script.lk-frames").textContent)).length,
    declared: Number(root.dataset.frames),
    bytes: new TextEncoder().encode(root.outerHTML).length,
})"""
FIGURE_LOADED = "img => img.complete && img.naturalWidth > 0"


def _settle(page, root) -> dict:
    page.wait_for_function(FIGURE_LOADED, arg=root.locator("img").element_handle())
    return root.evaluate(EXPLORER_STATE)


def _explore(page, root) -> dict:
    """Move every control of one explorer, first as a mouse user does (a range to its other
    end with End or Home, a select to another option), then from the keyboard alone: Tab from
    the figure to each control in turn and one arrow key. Records each state before and after."""
    state = root.evaluate(EXPLORER_STATE)
    record: dict = {"start": state, "moves": [], "keys": [], "names": []}
    for i, control in enumerate(state["controls"]):
        role = "combobox" if control["tag"] == "select" else "slider"
        named = root.get_by_role(role, name=control["label"] or "?", exact=True)
        record["names"].append(
            {"label": control["label"], "role": role, "id": control["id"],
             "named": named.evaluate_all("els => els.map(e => e.id)")}
        )  # fmt: skip
        element = root.locator("[data-control]").nth(i)
        if control["tag"] == "select":
            element.select_option(value="0" if control["value"] != "0" else "1")
        else:
            element.focus()
            element.press("Home" if control["value"] == control["max"] else "End")
        after = _settle(page, root)
        record["moves"].append({"before": state, "after": after, "index": i})
        state = after
    # The keyboard: focus starts on the figure (tabindex -1 keeps it out of the Tab order).
    root.evaluate("r => { r.tabIndex = -1; r.focus(); }")
    for i, control in enumerate(state["controls"]):
        page.keyboard.press("Tab")
        focused = root.evaluate(
            "(r, i) => document.activeElement === r.querySelectorAll('[data-control]')[i]", i
        )
        at_end = state["controls"][i]["value"] == state["controls"][i]["max"]
        if control["tag"] == "select":
            key = "ArrowUp" if at_end else "ArrowDown"
        else:
            key = "ArrowLeft" if at_end else "ArrowRight"
        page.keyboard.press(key)
        after = _settle(page, root)
        record["keys"].append(
            {"index": i, "key": key, "focused": focused, "before": state, "after": after}
        )
        state = after
    root.evaluate("r => r.removeAttribute('tabindex')")
    return record


def page_weight(folder: Path, url: str, image_sources: list[str]) -> int:
    """Bytes of the page's HTML and of the image files it shows (shared theme files aside)."""
    path = unquote(urlsplit(url).path).lstrip("/")
    total = (folder / path).stat().st_size
    for src in set(image_sources):
        parts = urlsplit(src)
        if parts.scheme in ("http", "https"):
            total += (folder / unquote(parts.path).lstrip("/")).stat().st_size
    return total


# --- one visit per page ----------------------------------------------------------------------

GLOSSARY_DOC = "book/glossary"
GLOSSARY_TERMS = """() => Array.from(document.querySelectorAll("dl.glossary > dt[id^='term-']"))
    .map(dt => ({id: dt.id, text: dt.innerText.trim(),
                 code: !!(dt.nextElementSibling &&
                          dt.nextElementSibling.querySelector("code"))}))"""
TERM_LINKS = "a.reference.internal[href*='glossary.html#term-']"


@dataclass
class PageFacts:
    """What one visit of a page found (see the module's docstring for the order of the visit)."""

    doc: str
    url: str = ""
    error: str = ""  # the visit itself failed: how
    mathjax: str = ""
    math: dict = field(default_factory=dict)
    images: list[dict] = field(default_factory=list)
    cells: list[dict] = field(default_factory=list)
    hrefs: list[str] = field(default_factory=list)
    live_ids: set[str] = field(default_factory=set)
    downloads: list[str] = field(default_factory=list)
    figures: list[dict] = field(default_factory=list)
    figure_refs: set[str] = field(default_factory=set)
    equations: list[dict] = field(default_factory=list)
    cut_code: dict[int, list[str]] = field(default_factory=dict)
    overflow: dict = field(default_factory=dict)  # at PHONE width
    header: dict[int, dict] = field(default_factory=dict)
    article_text: str = ""
    glossary_terms: list[dict] = field(default_factory=list)
    term_links: list[str] = field(default_factory=list)
    themes: dict[str, str] = field(default_factory=dict)  # wanted theme -> theme reached
    axe: dict[str, list[dict]] = field(default_factory=dict)
    explorers: list[dict] = field(default_factory=list)
    image_sources: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)


def read_page(browser, base_url: str, doc: str, screenshot_dir: Path) -> PageFacts:
    """Visit ``doc`` once and gather every fact the tests assert (order: module docstring)."""
    facts = PageFacts(doc)
    visit = Visit(browser, base_url, width=DESKTOP, height=900)
    page = visit.page
    try:
        visit.goto(f"{doc}.html")
        facts.url = page.url
        facts.mathjax = page.evaluate(WAIT_FOR_MATHJAX)
        facts.math = page.evaluate(MATH_REPORT)
        facts.images = page.evaluate(LOAD_ALL_IMAGES)
        facts.cells = page.evaluate(CELL_REPORT)
        facts.hrefs = page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)")
        facts.live_ids = set(page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
        facts.downloads = page.eval_on_selector_all(
            "a[href$='.ipynb']", "els => els.map(a => a.getAttribute('href'))"
        )
        facts.figures = page.evaluate(FIGURE_REPORT)
        facts.figure_refs = set(
            page.eval_on_selector_all(
                "a.reference.internal[href*='#']", "els => els.map(a => a.hash.slice(1))"
            )
        )
        facts.equations = page.evaluate(EQUATION_REPORT)
        facts.cut_code[DESKTOP] = page.evaluate(CUT_CODE)
        facts.header[DESKTOP] = page.evaluate(HEADER_REPORT)
        facts.article_text = page.inner_text("article")
        facts.glossary_terms = page.evaluate(GLOSSARY_TERMS)
        facts.term_links = page.eval_on_selector_all(TERM_LINKS, "els => els.map(a => a.href)")
        facts.image_sources = page.eval_on_selector_all("img", "els => els.map(i => i.currentSrc)")
        # JPEG: a whole long page encodes in half the time of a PNG, and reads as well.
        shot = screenshot_dir / f"{doc.replace('/', '__')}.jpg"
        page.screenshot(path=str(shot), full_page=True, type="jpeg", quality=70)
        # Accessibility in the theme the page opens in (light), every rule; then in the dark
        # theme the colour rules, or every rule again if the theme shows or hides an element.
        shown = {}
        for theme in THEMES:
            facts.themes[theme] = set_theme(page, theme)
            shown[theme] = page.evaluate(SHOWN_ELEMENTS)
            same = theme != THEMES[0] and shown[theme] == shown[THEMES[0]]
            facts.axe[theme] = visit.axe(COLOUR_RULES if same else None)
        set_theme(page, "light")
        # A phone's width.
        page.set_viewport_size({"width": PHONE, "height": 844})
        facts.overflow = page.evaluate(OVERFLOW_REPORT)
        facts.cut_code[PHONE] = page.evaluate(CUT_CODE)
        facts.header[PHONE] = page.evaluate(HEADER_REPORT)
        page.set_viewport_size({"width": DESKTOP, "height": 900})
        # Last, as it changes the page: every control of every explorer.
        roots = page.locator("figure.lk-explorer")
        for n in range(roots.count()):
            root = roots.nth(n)
            root.scroll_into_view_if_needed()
            facts.explorers.append(_explore(page, root))
    except Exception:  # noqa: BLE001 - reported by every test of the page
        facts.error = traceback.format_exc(limit=3)
    finally:
        facts.console_errors = list(visit.console_errors)
        facts.failed = list(visit.failed)
        facts.blocked = list(visit.blocked)
        visit.close()
    return facts


# Longest wait for the second visitor's page (it reads its pages one after another).
SECOND_VISITOR_TIMEOUT_S = 900


def wanted_docs(items) -> list[str]:
    """The pages the selected tests will ask ``book`` for, in the table of contents' order: the
    ``doc`` of each such test, or every page if one of them reads them all."""
    wanted = set()
    for item in items:
        if "book" in getattr(item, "fixturenames", ()):
            params = getattr(getattr(item, "callspec", None), "params", {})
            wanted |= {params["doc"]} if "doc" in params else set(TOC_DOCS)
    return [doc for doc in TOC_DOCS if doc in wanted]


@pytest.fixture(scope="session")
def book(request, browser, base_url, site, screenshot_dir):
    """``book(doc)``: the facts of ``doc``, from one visit made the first time it is asked for.

    Two pages are read at a time: a second thread, with its own Playwright and Chromium (a
    sync Playwright serves one thread), reads every other one of the pages the selected tests
    ask for, in order, while the tests read the others as they ask for them; a visit mostly
    waits for Chromium, so the two overlap. At the end, the accessibility counts by rule go to
    ``axe.json`` next to the site's folder."""
    read: dict[str, PageFacts] = {}
    second = {doc: threading.Event() for doc in wanted_docs(request.session.items)[1::2]}
    stop = threading.Event()  # the session is over: no further page

    def second_visitor():
        try:
            with chromium() as own:
                for doc in second:
                    if stop.is_set():
                        break
                    read[doc] = read_page(own, base_url, doc, screenshot_dir)
                    second[doc].set()
        except Exception:  # noqa: BLE001 - reported by every test of the pages left
            error = traceback.format_exc(limit=3)
            for doc, ready in second.items():
                if not ready.is_set():
                    read[doc] = PageFacts(doc, error=f"the second visitor failed:\n{error}")
                    ready.set()

    visitor = threading.Thread(target=second_visitor, daemon=True)
    visitor.start()

    def facts(doc: str) -> PageFacts:
        if doc in second:
            if not second[doc].wait(SECOND_VISITOR_TIMEOUT_S):
                pytest.fail(f"{doc}.html: not read within {SECOND_VISITOR_TIMEOUT_S} s")
        elif doc not in read:
            read[doc] = read_page(browser, base_url, doc, screenshot_dir)
        if read[doc].error:
            pytest.fail(f"{doc}.html: the visit failed:\n{read[doc].error}")
        return read[doc]

    yield facts
    stop.set()
    visitor.join(SECOND_VISITOR_TIMEOUT_S)
    summary = {
        doc: {
            theme: {f"{v['id']} ({v['impact']})": len(v["nodes"]) for v in violations}
            for theme, violations in f.axe.items()
        }
        for doc, f in read.items()
    }
    (site.parent / "axe.json").write_text(json.dumps(summary, indent=1) + "\n")


# --- the checks of every page ----------------------------------------------------------------


@pytest.mark.parametrize("doc", TOC_DOCS)
def test_page(doc, site, base_url, book):
    """One page of the table of contents, checked the way a reader would meet it."""
    source = doc_source(doc)
    if source is None:
        pytest.fail(f"{doc} is listed in _toc.yml but has no source file")
    target = site / f"{doc}.html"
    assert target.is_file(), f"{doc}.html is not in the built site {site}: rebuild the book"
    facts = book(doc)
    problems: list[str] = []

    # Maths: every formula typeset by MathJax, none in error.
    report = facts.math
    if report["maths"]:
        if facts.mathjax != "ready":
            problems.append(f"{report['maths']} formulas but MathJax did not load")
        if report["containers"] == 0:
            problems.append("maths present but no mjx-container: MathJax did not typeset")
        problems += [f"formula not typeset: {text!r}" for text in report["untypeset"]]
    problems += [f"MathJax error: {err}" for err in report["errors"] + report["undefined"]]

    # Images: loaded, with alt text.
    for img in facts.images:
        name = img["src"].rsplit("/", 1)[-1][:60]
        if not img["complete"] or img["width"] <= 0:
            problems.append(f"image did not load: {img['src']}")
        if not img["alt"]:
            problems.append(f"image without alt text: {name}")

    # Code cells: no error output, no missing figure, no empty widget area.
    problems += cell_problems(facts.cells)

    # Links and anchors.
    here = urlsplit(facts.url).path
    link_problems, _ = internal_link_problems(facts.hrefs, facts.live_ids, here, site, base_url)
    problems += link_problems

    # A chapter notebook offers itself for download.
    if source.suffix == ".ipynb" and not facts.downloads:
        problems.append("no download link for the notebook (.ipynb)")

    problems += [f"console error: {text}" for text in facts.console_errors]
    problems += [f"request failed: {text}" for text in facts.failed]
    problems += [f"needs the internet (blocked): {url}" for url in facts.blocked]
    assert not problems, f"{doc}.html:\n  " + "\n  ".join(problems)


def blocking_violations(violations: list[dict]) -> list[str]:
    """axe's critical and serious violations, one line per element."""
    return [
        f"{v['id']} ({v['impact']}: {v['help']}) at {node['target']}: {node['summary']}"
        for v in violations
        if v["impact"] in BLOCKING_IMPACTS
        for node in v["nodes"]
    ]


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("doc", TOC_DOCS)
def test_page_meets_wcag_2_1_aa(doc, theme, book):
    """axe-core finds no critical or serious violation of WCAG 2.1 A/AA, in either theme."""
    facts = book(doc)
    assert facts.themes[theme] == theme, f"{doc}.html: the theme button gave {facts.themes}"
    found = blocking_violations(facts.axe[theme])
    assert not found, f"{doc}.html, {theme} theme:\n  " + "\n  ".join(found)


# The sidebar's chapter links a reader can click: inside the viewport and not covered (the
# element at the link's point is the link). A drawer slid off-screen or hidden counts as closed.
REACHABLE_CHAPTER_LINKS = """() => {
    const links = Array.from(document.querySelectorAll(
        ".bd-sidebar-primary nav a.reference.internal"));
    return links.filter(a => {
        const r = a.getBoundingClientRect();
        const x = r.left + Math.min(r.width / 2, 20), y = r.top + r.height / 2;
        if (!(r.width > 0 && r.height > 0 && x >= 0 && x < innerWidth && y >= 0
              && y < innerHeight)) { return false; }
        const hit = document.elementFromPoint(x, y);
        return !!hit && (hit === a || a.contains(hit));
    }).map(a => a.getAttribute("href"));
}"""
NAV_PAGE = next((doc for doc in TOC_DOCS if doc.startswith("notebooks/")), TOC_DOCS[0])
TOGGLE = "button.primary-toggle"


@pytest.mark.parametrize("width", [390, 1280])
def test_sidebar_toggle_opens_and_closes_the_navigation(width, site, browser, base_url):
    """A phone reader (390 px) opens the chapter list with the toggle and closes it again
    (overlay); on a desktop (1280 px) the list is open and the toggle hides and shows it."""
    context = browser.new_context(viewport={"width": width, "height": 800})
    try:
        page = context.new_page()
        page.goto(f"{base_url}{NAV_PAGE}.html", wait_until="load")
        chapters = {f"{doc.rsplit('/', 1)[-1]}.html" for doc in TOC_DOCS if doc != NAV_PAGE}

        def reachable() -> list[str]:
            settle(page)  # the drawer's slide
            return page.evaluate(REACHABLE_CHAPTER_LINKS)

        def assert_open(when: str) -> None:
            links = reachable()
            assert links, f"{width} px, {when}: the navigation should be open, no chapter link is"
            named = {href.split("#")[0].rsplit("/", 1)[-1] for href in links}
            assert named & chapters, f"{width} px, {when}: no chapter among the links {links}"

        def assert_closed(when: str) -> None:
            links = reachable()
            assert not links, f"{width} px, {when}: the navigation should be closed: {links}"

        toggle = page.locator(TOGGLE)
        assert toggle.count() == 1 and toggle.is_visible(), f"{width} px: no sidebar toggle"
        if width < 960:  # pydata-sphinx-theme's breakpoint: a drawer on narrow screens
            assert_closed("on load")
            toggle.click()
            assert_open("after the toggle")
            page.mouse.click(width - 10, 400)  # the overlay beside the drawer
            assert_closed("after a click beside the drawer")
            toggle.click()
            assert_open("after the toggle again")
        else:
            assert_open("on load")
            toggle.click()
            assert_closed("after the toggle")
            toggle.click()
            assert_open("after the toggle again")
    finally:
        context.close()


def test_search_finds_kronecker(site, visit):
    """The search page (offline, from searchindex.js) finds a term the book is built on, and
    with its results shown it meets WCAG 2.1 A/AA (no critical or serious violation) in both
    themes."""
    visit.goto(f"search.html?q={SEARCH_TERM}")
    # Sphinx's search reports either "Search finished, found ..." or "did not match".
    visit.page.wait_for_function(
        """() => /finished|did not match/i.test(
            (document.querySelector("#search-results .search-summary") || {}).textContent || "")"""
    )
    hrefs = visit.page.eval_on_selector_all(
        "#search-results ul.search li a", "els => els.map(a => a.href)"
    )
    assert hrefs, f"search for {SEARCH_TERM!r} found nothing"
    for href in hrefs:
        path = unquote(urlsplit(href).path).lstrip("/")
        assert (site / path).is_file(), f"search result {href} is not a page of the site"
    for theme in THEMES:
        assert set_theme(visit.page, theme) == theme
        found = blocking_violations(visit.axe())
        assert not found, f"search.html, {theme} theme:\n  " + "\n  ".join(found)
    assert not visit.console_errors, visit.console_errors
    assert not visit.blocked, f"search needs the internet: {visit.blocked}"


# Pages Sphinx writes besides the table of contents that a reader reaches by a link (the search
# page is checked with its results in test_search_finds_kronecker).
GENERATED_PAGES = ["genindex"]


@pytest.mark.parametrize("name", GENERATED_PAGES)
def test_generated_pages_meet_wcag_2_1_aa(name, site, visit):
    """No critical or serious WCAG 2.1 A/AA violation on Sphinx's own pages, in either theme."""
    if not (site / f"{name}.html").is_file():
        pytest.skip(f"the site has no {name}.html")
    visit.goto(f"{name}.html")
    for theme in THEMES:
        assert set_theme(visit.page, theme) == theme
        found = blocking_violations(visit.axe())
        assert not found, f"{name}.html, {theme} theme:\n  " + "\n  ".join(found)
    assert not visit.console_errors, visit.console_errors
    assert not visit.failed and not visit.blocked, visit.failed + visit.blocked


def test_exercise_page_lists_every_exercise(site):
    """Each exercise on a page of the book is linked from the exercises page, and only those."""
    if "book/exercises" not in TOC_DOCS:
        pytest.skip("no exercises page in _toc.yml")
    expected: set[tuple[str, str]] = set()
    for doc in TOC_DOCS:
        page = site / f"{doc}.html"
        if doc != "book/exercises" and page.is_file():
            expected |= {(f"{doc}.html", ident) for ident in exercise_ids(page)}
    exercises_page = site / "book" / "exercises.html"
    listed = {link for link in fragment_links(exercises_page, site) if link in expected}
    missing = sorted(expected - listed)
    assert not missing, f"exercises missing from the exercises page: {missing}"
    # And every exercise-looking link there lands on a real exercise.
    stray = sorted(
        link
        for link in fragment_links(exercises_page, site)
        if link[1].startswith("ex-") and link not in expected
    )
    assert not stray, f"exercises page links to exercises that do not exist: {stray}"


class _ExerciseCollector(html.parser.HTMLParser):
    """Ids of sphinx-exercise exercises (class ``exercise``; solutions are ``solution``)."""

    def __init__(self):
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "exercise" in (attrs.get("class") or "").split() and attrs.get("id"):
            self.ids.append(attrs["id"])


def exercise_ids(page: Path) -> list[str]:
    parser = _ExerciseCollector()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.ids


class _LinkCollector(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs += [v for k, v in attrs if k == "href" and v]


def fragment_links(page: Path, site: Path) -> set[tuple[str, str]]:
    """``{(target page relative to the site, fragment)}`` for the page's relative links."""
    parser = _LinkCollector()
    parser.feed(page.read_text(encoding="utf-8"))
    links = set()
    for href in parser.hrefs:
        parts = urlsplit(href)
        if parts.scheme or not parts.fragment or not parts.path:
            continue
        target = (page.parent / unquote(parts.path)).resolve()
        links.add((target.relative_to(site.resolve()).as_posix(), unquote(parts.fragment)))
    return links


@pytest.mark.parametrize("doc", CHAPTERS)
def test_figures_are_numbered_captioned_referred_to_and_legible(doc, book):
    """Each figure has a number and a caption, the text refers to it, and it is not shrunk."""
    facts = book(doc)
    figures = [f for f in facts.figures if not f["explorer"]]
    refs = facts.figure_refs
    problems = []
    for f in figures:
        name = f["id"] or f["src"]
        if not f["number"] or len(f["caption"]) <= len(f["number"]) + 10:
            problems.append(f"{name}: no numbered caption ({f['caption']!r})")
        if f["id"] and f["id"] not in refs:
            problems.append(f"{name} ({f['number']}): no reference to it in the text")
        scale = f["width"] / f["natural"] if f["natural"] else 0
        if scale < MIN_FIGURE_SCALE:
            problems.append(
                f"{name}: shown at {f['width']:.0f} of {f['natural']} px ({scale:.2f}×): split "
                "or stack its panels rather than shrink it"
            )
        if f["height"] < MIN_FIGURE_HEIGHT_PX:
            problems.append(f"{name}: only {f['height']:.0f} px tall")
    assert not problems, f"{doc}.html:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("doc", TOC_DOCS)
def test_display_equations_fit_the_column_at_1280px(doc, book):
    """No display equation is wider than its column (with its number) on a desktop."""
    wide = [
        f"{e['label'] or e['tex']!r}: {e['width'] + e['number']:.0f} px in a "
        f"{e['column']:.0f} px column"
        for e in book(doc).equations
        if e["width"] + e["number"] > e["column"] + 1
    ]
    assert not wide, f"{doc}.html: display equations wider than the column:\n  " + "\n  ".join(wide)


@pytest.mark.parametrize("doc", TOC_DOCS)
def test_pages_fit_a_phone_at_390px(doc, book):
    """At 390 px nothing is wider than the viewport except inside scrolling boxes."""
    report = book(doc).overflow
    assert report["scroll"] <= report["viewport"] and not report["offenders"], (
        f"{doc}.html at 390 px: page {report['scroll']} px wide in a {report['viewport']} px "
        "viewport; sticking out: " + "; ".join(report["offenders"])
    )


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_long_code_lines_scroll_rather_than_being_cut(width, book):
    cut = {doc: book(doc).cut_code[width][:3] for doc in TOC_DOCS if book(doc).cut_code[width]}
    assert not cut, f"code cut off at the cell's edge at {width} px: {cut}"


# --- the explorers ---------------------------------------------------------------------------

MAX_PAGE_BYTES = 2_000_000


def move_problems(name: str, before: dict, after: dict, i: int) -> list[str]:
    """What is wrong after control ``i`` moved from state ``before`` to ``after``."""
    problems = []
    control, moved = before["controls"][i], after["controls"][i]
    what = f"{name}, control {i + 1} ({control['readout']} → {moved['readout']})"
    if moved["value"] == control["value"]:
        problems.append(f"{what}: the control did not move")
    if after["src"] == before["src"]:
        problems.append(f"{what}: the figure did not change")
    if after["alt"] == before["alt"]:
        problems.append(f"{what}: the figure's alt text did not change")
    if moved["readout"] == control["readout"]:
        problems.append(f"{what}: the readout did not change")
    if not after["loaded"]:
        problems.append(f"{what}: the new figure did not load")
    if not moved["crossed"]:
        stuck = [
            c["readout"]
            for j, c in enumerate(after["controls"])
            if j != i and not c["crossed"] and c["value"] != c["default"]
        ]
        if stuck:
            problems.append(f"{what}: other controls not back at their start: {stuck}")
    return problems


@pytest.mark.parametrize("doc", EXPLORER_DOCS)
def test_every_control_moves_the_figure_and_its_readout(doc, site, book, record_property):
    """Each kernel-free explorer the chapter builds is on its page. Each control, moved as a
    reader moves it (a range input with End, or Home when it stands at the end; a select by
    picking another option), changes the figure's image, its alternative text and the readout;
    the new image loads, and the other one-at-a-time controls are back at their start (the grid
    holds no frame with two of them moved). Each explorer's frame count and size, and the
    page's weight (its HTML with its own images, at most 2 MB), go to ``explorers.json`` next
    to the site's folder."""
    facts = book(doc)
    assert len(facts.explorers) == explorer_calls(doc), (
        f"{doc}.html: {len(facts.explorers)} kernel-free explorers shown, "
        f"{explorer_calls(doc)} built by the chapter's code"
    )
    problems: list[str] = []
    report = []
    for n, explorer in enumerate(facts.explorers):
        name = f"explorer {n + 1}"
        start = explorer["start"]
        if start["frames"] != start["declared"] or start["frames"] < 2:
            problems.append(f"{name}: {start['frames']} frames, {start['declared']} declared")
        if not start["loaded"]:
            problems.append(f"{name}: the starting figure did not load")
        for move in explorer["moves"]:
            problems += move_problems(name, move["before"], move["after"], move["index"])
        report.append({"frames": start["frames"], "bytes": start["bytes"]})
    weight = page_weight(site, facts.url, facts.image_sources)
    record_property("explorers", report)
    record_property("page_bytes", weight)
    summary = site.parent / "explorers.json"
    known = json.loads(summary.read_text()) if summary.exists() else {}
    known[doc] = {"explorers": report, "page_bytes": weight}
    summary.write_text(json.dumps(known, indent=1) + "\n")
    if weight > MAX_PAGE_BYTES:
        problems.append(f"the page weighs {weight / 1e6:.2f} MB, more than 2 MB")
    problems += [f"console error: {text}" for text in facts.console_errors]
    problems += [f"needs the internet (blocked): {url}" for url in facts.blocked]
    assert not problems, f"{doc}.html:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("doc", EXPLORER_DOCS)
def test_explorer_controls_are_named_and_work_from_the_keyboard(doc, book):
    """Each control's accessible name is its label, and a range input tells a screen reader
    the value shown (aria-valuetext = the readout). From the keyboard alone: Tab from the figure
    reaches its controls one after the other, and an arrow key moves the focused control,
    which changes the figure, its alternative text and the readout."""
    facts = book(doc)
    assert facts.explorers, f"{doc}.html shows no kernel-free explorer"
    problems: list[str] = []
    for n, explorer in enumerate(facts.explorers):
        name = f"explorer {n + 1}"
        for i, named in enumerate(explorer["names"]):
            if not named["label"] or named["named"] != [named["id"]]:
                problems.append(
                    f"{name}, control {i + 1}: no {named['role']} is named by its label "
                    f"{named['label']!r} (found {named['named']})"
                )
        for key in explorer["keys"]:
            i = key["index"]
            if not key["focused"]:
                problems.append(f"{name}, control {i + 1}: not reached with Tab in order")
                continue
            problems += move_problems(f"{name} ({key['key']})", key["before"], key["after"], i)
        final = explorer["keys"][-1]["after"] if explorer["keys"] else explorer["start"]
        for i, c in enumerate(final["controls"]):
            if c["tag"] == "input" and c["valuetext"] != c["readout"]:
                problems.append(
                    f"{name}, control {i + 1}: aria-valuetext {c['valuetext']!r} but the "
                    f"readout shows {c['readout']!r}"
                )
    assert not problems, f"{doc}.html:\n  " + "\n  ".join(problems)


# --- the glossary, the index and the launch buttons -----------------------------------------


def test_glossary_defines_terms_with_code_names_and_pages_link_to_them(book):
    """The glossary is a Sphinx glossary whose terms name their code, and other pages link to
    its terms (term links that land on a defined term)."""
    if GLOSSARY_DOC not in TOC_DOCS:
        pytest.fail(f"{GLOSSARY_DOC} is not in _toc.yml")
    terms = book(GLOSSARY_DOC).glossary_terms
    assert len(terms) >= 10, f"the glossary defines only {len(terms)} terms"
    without_code = [t["text"] for t in terms if not t["code"]]
    assert not without_code, f"glossary terms that name no code: {without_code}"
    defined = {t["id"] for t in terms}
    linked: dict[str, set[str]] = {}
    for doc in TOC_DOCS:
        if doc == GLOSSARY_DOC:
            continue
        for href in book(doc).term_links:
            linked.setdefault(doc, set()).add(unquote(urlsplit(href).fragment))
    assert linked, "no page links to a glossary term ({term} role)"
    stray = {doc: sorted(ids - defined) for doc, ids in linked.items() if ids - defined}
    assert not stray, f"term links to terms the glossary does not define: {stray}"


def test_the_index_has_entries_or_is_not_offered(site):
    """A reader who finds a link to the general index finds entries there."""
    genindex = site / "genindex.html"
    offered = [
        doc
        for doc in TOC_DOCS
        if "genindex.html" in (site / f"{doc}.html").read_text(encoding="utf-8")
    ]
    if not offered:
        return
    entries = re.findall(r'class="indextable', genindex.read_text(encoding="utf-8"))
    assert entries, f"the index is empty, but {offered} link to it"


RUN_DOC = "book/run"


def repository_url_of(config: Path) -> str:
    import yaml

    return str((yaml.safe_load(config.read_text(encoding="utf-8")) or {}).get(
        "repository", {}
    ).get("url") or "").strip()  # fmt: skip


def test_run_it_yourself_speaks_to_readers(book):
    """The page gives the two commands and how to open JupyterLab; without a repository
    address it neither shows a placeholder nor promises launch buttons."""
    text = book(RUN_DOC).article_text
    for needed in ("make book", "make lab", "JupyterLab", "localhost:8888"):
        assert needed in text, f"Run it yourself does not say {needed!r}"
    assert "OWNER/REPOSITORY" not in text, "a placeholder address is shown to readers"
    if not repository_url_of(ROOT / "_config.yml"):
        for promise in ("Binder", "Colab", "rocket"):
            assert promise not in text, f"{promise!r} is promised but no launch button exists"


DUMMY_REPOSITORY = "https://github.com/example-course/matrix-calculus-book"
DUMMY_HUB = "https://hub.example.org"


@pytest.fixture(scope="session")
def site_with_repository(tmp_path_factory) -> Path:
    """The book built once with a repository address and a JupyterHub set (notebooks not
    executed: only the buttons and the pages' text matter here)."""
    import shutil

    import yaml

    book = tmp_path_factory.mktemp("book-with-repository")
    ignore = shutil.ignore_patterns(".venv", "_build", ".git", "*.pyc", "__pycache__")
    for item in ROOT.iterdir():
        if item.name in {".venv", "_build", ".git"}:
            continue
        if item.is_dir():
            shutil.copytree(item, book / item.name, ignore=ignore)
        else:
            shutil.copy2(item, book / item.name)
    config = yaml.safe_load((book / "_config.yml").read_text(encoding="utf-8"))
    config["repository"]["url"] = DUMMY_REPOSITORY
    config.setdefault("launch_buttons", {})["jupyterhub_url"] = DUMMY_HUB
    config["execute"]["execute_notebooks"] = "off"
    (book / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    jb = Path(sys.executable).with_name("jupyter-book")
    subprocess.run([str(jb), "build", str(book), "--keep-going", "-q"], check=True, cwd=book)
    return book / "_build" / "html"


def test_launch_buttons_appear_with_a_repository_address(site_with_repository, browser):
    """With ``repository.url`` set, every chapter offers Binder, Colab and JupyterHub, and
    Run it yourself quotes the address and describes the buttons."""
    with serve(site_with_repository) as base:
        visit = Visit(browser, base)
        try:
            for doc in CHAPTERS:
                visit.goto(f"{doc}.html")
                page = visit.page
                page.locator("button[aria-label='Launch interactive content']").first.click()
                hrefs = page.eval_on_selector_all(
                    ".dropdown-launch-buttons a",
                    "els => els.filter(a => a.offsetParent).map(a => a.href)",
                )
                joined = " ".join(hrefs)
                for provider in ("mybinder.org", "colab.research.google.com", DUMMY_HUB):
                    assert provider in joined, f"{doc}: no visible {provider} button in {hrefs}"
                assert DUMMY_REPOSITORY.split("github.com/")[1] in joined, hrefs
            visit.goto(f"{RUN_DOC}.html")
            text = visit.page.inner_text("article")
            assert DUMMY_REPOSITORY in text, "Run it yourself does not quote the address"
            for provider in ("Binder", "Colab", "JupyterHub"):
                assert provider in text, f"Run it yourself does not describe {provider}"
        finally:
            visit.close()


def test_the_landing_page_names_the_book_and_links_to_it(site, visit):
    """``index.html`` is not an empty page: it names the book and links to the introduction
    (and sends the browser there)."""
    text = (site / "index.html").read_text(encoding="utf-8")
    assert re.search(r"<h1>[^<]+</h1>", text), "index.html names no book"
    links = re.findall(r'<a href="([^"]+)"', text)
    assert links and all((site / link).is_file() for link in links), links
    visit.goto("index.html")
    target = urlsplit(links[0]).path.rsplit("/", 1)[-1]
    visit.page.wait_for_url(f"**/{target}")
    assert visit.page.locator("article h1").count() >= 1, "index.html does not lead to a page"


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_one_header_band_and_one_search_box(width, book):
    """The top of a chapter shows one band of buttons and one way into search, not a second,
    empty band with a search box of its own."""
    report = book(NAV_PAGE).header[width]
    empty = [b["cls"] for b in report["bands"] if not b["text"] and not b["controls"]]
    assert not empty, f"{width} px: empty header bands {empty}"
    assert len(report["bands"]) <= 1, f"{width} px: {len(report['bands'])} header bands"
    assert report["searches"] == 1, f"{width} px: {report['searches']} search boxes shown"
