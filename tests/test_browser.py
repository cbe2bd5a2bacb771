"""The built book as a reader meets it: every page of the table of contents in headless Chromium.

The site (``BOOK_HTML_DIR``, default ``_build/html``; built with ``jupyter-book build .`` when
the default is missing) is served on 127.0.0.1 at a free port. Every request that does not go
to loopback is blocked and counted as a failure, so a page that needs the internet fails here
as it would in a lecture theatre without wifi. For each page of ``_toc.yml``: the page loads
without console errors or failed requests; where there is maths, MathJax has typeset every
formula without errors; every image has loaded and has alt text; every internal link and
anchor resolves; no output shows an error or a traceback; every code cell that draws a figure
shows one; no widget output is an empty area (see ``cell_problems``). A full-page screenshot of
each page goes to ``screenshots/`` next to the site's folder (``_build/screenshots/`` by
default). The search page must find "Kronecker". The sidebar toggle opens and closes the chapter
list at a phone's width (390 px) and a desktop's (1280 px).

Chromium is Debian's (``apt-get install -y chromium``), driven by the pinned playwright.
Without it the tests skip with instructions; under CI (``CI`` set) they fail instead.
"""

from __future__ import annotations

import functools
import html.parser
import os
import re
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from _browser import chromium, require_chromium
from book_toc import toc_documents

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SITE = ROOT / "_build" / "html"
# pydata-sphinx-theme logs this on a first visit with empty localStorage; it is harmless.
KNOWN_THEME_NOISE = ("Got invalid theme mode",)
LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}
SEARCH_TERM = "Kronecker"
PAGE_TIMEOUT_MS = 60_000


# --- the table of contents -------------------------------------------------------------------


TOC_DOCS = toc_documents()


def doc_source(doc: str) -> Path | None:
    """The source file of a docname (``.md``, ``.ipynb``, ...), or None if there is none yet."""
    for suffix in (".md", ".ipynb", ".rst", ".myst"):
        if (ROOT / f"{doc}{suffix}").exists():
            return ROOT / f"{doc}{suffix}"
    return None


# --- the site and its server -----------------------------------------------------------------


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


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature fixed by the base class
        pass


@pytest.fixture(scope="session")
def base_url(site: Path):
    """Serve ``site`` on 127.0.0.1 at a free port for the whole session, then stop."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


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


class Visit:
    """One browser page with the network fenced to loopback and every problem recorded."""

    def __init__(self, browser, base_url: str):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.blocked: list[str] = []
        self.console_errors: list[str] = []
        self.failed: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.set_default_timeout(PAGE_TIMEOUT_MS)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.console_errors.append(f"uncaught: {exc}"))
        self.page.on("requestfailed", self._request_failed)
        self.page.on("response", self._response)
        self.base_url = base_url

    def _route(self, route) -> None:
        host = urlsplit(route.request.url).hostname or ""
        scheme = urlsplit(route.request.url).scheme
        if scheme in ("data", "blob") or host in LOOPBACK:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort("blockedbyclient")

    def _console(self, message) -> None:
        if message.type != "error":
            return
        text = message.text
        if any(noise in text for noise in KNOWN_THEME_NOISE):
            return
        # A blocked request also logs a console error; it is reported once, as blocked.
        if "ERR_BLOCKED_BY_CLIENT" in text:
            return
        self.console_errors.append(text)

    def _request_failed(self, request) -> None:
        if (urlsplit(request.url).hostname or "") in LOOPBACK:
            self.failed.append(f"{request.url}: {request.failure}")

    def _response(self, response) -> None:
        if response.status >= 400:
            self.failed.append(f"{response.url}: HTTP {response.status}")

    def goto(self, path: str):
        response = self.page.goto(self.base_url + path, wait_until="load")
        assert response is not None and response.ok, (
            f"{path}: HTTP status {response and response.status}"
        )
        return response

    def close(self) -> None:
        self.context.close()


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


def check_internal_links(page, site: Path, base_url: str) -> tuple[list[str], int]:
    """Every loopback link's file exists and its ``#anchor`` is an id on the target page."""
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)")
    live_ids = set(page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
    here = urlsplit(page.url).path
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


@pytest.mark.parametrize("doc", TOC_DOCS)
def test_page(doc, site, base_url, visit, screenshot_dir):
    """One page of the table of contents, checked the way a reader would meet it."""
    source = doc_source(doc)
    if source is None:
        pytest.fail(f"{doc} is listed in _toc.yml but has no source file")
    target = site / f"{doc}.html"
    assert target.is_file(), f"{doc}.html is not in the built site {site}: rebuild the book"

    visit.goto(f"{doc}.html")
    page = visit.page
    problems: list[str] = []

    # Maths: every formula typeset by MathJax, none in error.
    mathjax = page.evaluate(WAIT_FOR_MATHJAX)
    report = page.evaluate(MATH_REPORT)
    if report["maths"]:
        if mathjax != "ready":
            problems.append(f"{report['maths']} formulas but MathJax did not load")
        if report["containers"] == 0:
            problems.append("maths present but no mjx-container: MathJax did not typeset")
        problems += [f"formula not typeset: {text!r}" for text in report["untypeset"]]
    problems += [f"MathJax error: {err}" for err in report["errors"] + report["undefined"]]

    # Images: loaded, with alt text.
    for img in page.evaluate(LOAD_ALL_IMAGES):
        name = img["src"].rsplit("/", 1)[-1][:60]
        if not img["complete"] or img["width"] <= 0:
            problems.append(f"image did not load: {img['src']}")
        if not img["alt"]:
            problems.append(f"image without alt text: {name}")

    # Code cells: no error output, no missing figure, no empty widget area.
    problems += cell_problems(page.evaluate(CELL_REPORT))

    # Links and anchors.
    link_problems, _ = check_internal_links(page, site, base_url)
    problems += link_problems

    # A chapter notebook offers itself for download.
    if source.suffix == ".ipynb":
        downloads = page.eval_on_selector_all(
            "a[href$='.ipynb']", "els => els.map(a => a.getAttribute('href'))"
        )
        if not downloads:
            problems.append("no download link for the notebook (.ipynb)")

    page.screenshot(path=str(screenshot_dir / f"{doc.replace('/', '__')}.png"), full_page=True)

    problems += [f"console error: {text}" for text in visit.console_errors]
    problems += [f"request failed: {text}" for text in visit.failed]
    problems += [f"needs the internet (blocked): {url}" for url in visit.blocked]
    assert not problems, f"{doc}.html:\n  " + "\n  ".join(problems)


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
SETTLE_MS = 600  # the drawer's slide transition


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
            page.wait_for_timeout(SETTLE_MS)
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
    """The search page (offline, from searchindex.js) finds a term the book is built on."""
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
    assert not visit.console_errors, visit.console_errors
    assert not visit.blocked, f"search needs the internet: {visit.blocked}"


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
CHAPTERS = [doc for doc in TOC_DOCS if doc.startswith("notebooks/")]


@pytest.mark.parametrize("doc", CHAPTERS)
def test_figures_are_numbered_captioned_referred_to_and_legible(doc, site, visit):
    """Each figure has a number and a caption, the text refers to it, and it is not shrunk."""
    visit.goto(f"{doc}.html")
    page = visit.page
    page.evaluate(LOAD_ALL_IMAGES)
    figures = [f for f in page.evaluate(FIGURE_REPORT) if not f["explorer"]]
    refs = set(
        page.eval_on_selector_all(
            "a.reference.internal[href*='#']", "els => els.map(a => a.hash.slice(1))"
        )
    )
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


def display_equations(visit, doc: str, width: int) -> list[dict]:
    visit.page.set_viewport_size({"width": width, "height": 900})
    visit.goto(f"{doc}.html")
    visit.page.evaluate(WAIT_FOR_MATHJAX)
    return visit.page.evaluate(EQUATION_REPORT)


@pytest.mark.parametrize("doc", TOC_DOCS)
def test_display_equations_fit_the_column_at_1280px(doc, site, visit):
    """No display equation is wider than its column (with its number) on a desktop."""
    wide = [
        f"{e['label'] or e['tex']!r}: {e['width'] + e['number']:.0f} px in a "
        f"{e['column']:.0f} px column"
        for e in display_equations(visit, doc, 1280)
        if e["width"] + e["number"] > e["column"] + 1
    ]
    assert not wide, f"{doc}.html: display equations wider than the column:\n  " + "\n  ".join(wide)


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


@pytest.mark.parametrize("doc", TOC_DOCS)
def test_pages_fit_a_phone_at_390px(doc, site, visit):
    """At 390 px nothing is wider than the viewport except inside scrolling boxes."""
    visit.page.set_viewport_size({"width": 390, "height": 844})
    visit.goto(f"{doc}.html")
    visit.page.evaluate(WAIT_FOR_MATHJAX)
    report = visit.page.evaluate(OVERFLOW_REPORT)
    assert report["scroll"] <= report["viewport"] and not report["offenders"], (
        f"{doc}.html at 390 px: page {report['scroll']} px wide in a {report['viewport']} px "
        "viewport; sticking out: " + "; ".join(report["offenders"])
    )


# Code that does not fit its cell: a pre wider than its box must scroll, never be cut off.
CUT_CODE = """() => Array.from(document.querySelectorAll("div.highlight pre"))
    .filter(pre => pre.scrollWidth > pre.clientWidth + 1)
    .filter(pre => !["auto", "scroll"].includes(getComputedStyle(pre).overflowX) &&
                   !["auto", "scroll"].includes(getComputedStyle(pre.parentElement).overflowX))
    .map(pre => pre.textContent.split("\\n").sort((a, b) => b.length - a.length)[0].slice(0, 60))"""


@pytest.mark.parametrize("width", [390, 1280])
def test_long_code_lines_scroll_rather_than_being_cut(width, site, visit):
    visit.page.set_viewport_size({"width": width, "height": 900})
    cut = {}
    for doc in TOC_DOCS:
        visit.goto(f"{doc}.html")
        lines = visit.page.evaluate(CUT_CODE)
        if lines:
            cut[doc] = lines[:3]
    assert not cut, f"code cut off at the cell's edge at {width} px: {cut}"


# --- the glossary, the index and the launch buttons -----------------------------------------

GLOSSARY_DOC = "book/glossary"


def test_glossary_defines_terms_with_code_names_and_pages_link_to_them(site, visit):
    """The glossary is a Sphinx glossary whose terms name their code, and other pages link to
    its terms (term links that land on a defined term)."""
    if GLOSSARY_DOC not in TOC_DOCS:
        pytest.fail(f"{GLOSSARY_DOC} is not in _toc.yml")
    visit.goto(f"{GLOSSARY_DOC}.html")
    terms = visit.page.evaluate(
        """() => Array.from(document.querySelectorAll("dl.glossary > dt[id^='term-']"))
            .map(dt => ({id: dt.id, text: dt.innerText.trim(),
                         code: !!(dt.nextElementSibling &&
                                  dt.nextElementSibling.querySelector("code"))}))"""
    )
    assert len(terms) >= 10, f"the glossary defines only {len(terms)} terms"
    without_code = [t["text"] for t in terms if not t["code"]]
    assert not without_code, f"glossary terms that name no code: {without_code}"
    defined = {t["id"] for t in terms}
    linked: dict[str, set[str]] = {}
    for doc in TOC_DOCS:
        if doc == GLOSSARY_DOC:
            continue
        visit.goto(f"{doc}.html")
        for href in visit.page.eval_on_selector_all(
            "a.reference.internal[href*='glossary.html#term-']", "els => els.map(a => a.href)"
        ):
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


def test_run_it_yourself_speaks_to_readers(site, visit):
    """The page gives the two commands and how to open JupyterLab; without a repository
    address it neither shows a placeholder nor promises launch buttons."""
    visit.goto(f"{RUN_DOC}.html")
    text = visit.page.inner_text("article")
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
    site = site_with_repository
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
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
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


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


@pytest.mark.parametrize("width", [390, 1280])
def test_one_header_band_and_one_search_box(width, site, visit):
    """The top of a chapter shows one band of buttons and one way into search, not a second,
    empty band with a search box of its own."""
    visit.page.set_viewport_size({"width": width, "height": 800})
    visit.goto(f"{NAV_PAGE}.html")
    report = visit.page.evaluate(HEADER_REPORT)
    empty = [b["cls"] for b in report["bands"] if not b["text"] and not b["controls"]]
    assert not empty, f"{width} px: empty header bands {empty}"
    assert len(report["bands"]) <= 1, f"{width} px: {len(report['bands'])} header bands"
    assert report["searches"] == 1, f"{width} px: {report['searches']} search boxes shown"
