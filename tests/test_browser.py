"""The built book as a reader meets it: every page of the table of contents in headless Chromium.

The site (``BOOK_HTML_DIR``, default ``_build/html``; built with ``jupyter-book build .`` when
the default is missing) is served on 127.0.0.1 at a free port. Every request that does not go
to loopback is blocked and counted as a failure, so a page that needs the internet fails here
as it would in a lecture theatre without wifi. For each page of ``_toc.yml``: the page loads
without console errors or failed requests; where there is maths, MathJax has typeset every
formula without errors; every image has loaded and has alt text; every internal link and
anchor resolves. A full-page screenshot of each page goes to ``screenshots/`` next to the
site's folder (``_build/screenshots/`` by default). The search page must find "Kronecker".

Chromium is Debian's (``apt-get install -y chromium``), driven by the pinned playwright.
Without it the tests skip with instructions; under CI (``CI`` set) they fail instead.
"""

from __future__ import annotations

import functools
import html.parser
import os
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from book_toc import toc_documents
from conftest import IN_CI, require

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SITE = ROOT / "_build" / "html"
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
INSTALL_HINT = (
    "install Debian's Chromium as root: `apt-get update && apt-get install -y chromium` "
    "(never `playwright install`; set CHROMIUM_PATH if it lives elsewhere)"
)
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
    if not CHROMIUM.exists():
        msg = f"Chromium not found at {CHROMIUM}: {INSTALL_HINT}"
        if IN_CI:
            pytest.fail(f"CI must run the browser test: {msg}")
        pytest.skip(msg)
    require("playwright.sync_api", "install the pinned requirements (`make venv`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


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
