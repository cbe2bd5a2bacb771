"""Debian's Chromium under the pinned playwright, shared by the browser test files.

Each browser test file runs in its own process (``make browser``): two sync Playwrights cannot
share one, so every file opens its own with :func:`chromium` in a fixture of its own scope.
Also here: a static server for a built site, a page whose network is fenced to loopback
(:class:`Visit`), the theme switch, and axe-core's WCAG check.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import IN_CI, require

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
PAGE_TIMEOUT_MS = 60_000


def require_chromium(what: str) -> None:
    """Skip when Chromium is missing; under CI (``CI`` set) fail, naming ``what`` needs it."""
    if not CHROMIUM.exists():
        msg = f"Chromium not found at {CHROMIUM}: {INSTALL_HINT}"
        if IN_CI:
            pytest.fail(f"CI must run {what}: {msg}")
        pytest.skip(msg)


@contextlib.contextmanager
def chromium():
    """Launch Chromium headless under playwright; close it (and playwright) on exit."""
    require("playwright.sync_api", "install the pinned requirements (`make venv`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature fixed by the base class
        pass


@contextlib.contextmanager
def serve(folder: Path):
    """Serve ``folder`` on 127.0.0.1 at a free port; yields the base URL, then stops."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class Visit:
    """One browser page with the network fenced to loopback and every problem recorded."""

    def __init__(self, browser, base_url: str, width: int = 1280, height: int = 900):
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.blocked: list[str] = []
        self.console_errors: list[str] = []
        self.failed: list[str] = []
        # While axe runs, its own requests (it fetches the style sheets to read them; an
        # @import it resolves against the page, not the sheet, e.g. /basic.css, fails) are
        # not the page's: their failures are kept apart.
        self.checking = False
        self.checker_failed: list[str] = []
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
        url = (message.location or {}).get("url", "")
        if any(failure.startswith(f"{url}: ") for failure in self.checker_failed):
            return  # the console's line for a failed request of axe's
        self.console_errors.append(text)

    def _checkers(self, request) -> bool:
        return self.checking and request.resource_type in ("xhr", "fetch")

    def _request_failed(self, request) -> None:
        if (urlsplit(request.url).hostname or "") in LOOPBACK:
            failure = f"{request.url}: {request.failure}"
            (self.checker_failed if self._checkers(request) else self.failed).append(failure)

    def _response(self, response) -> None:
        if response.status >= 400:
            failure = f"{response.url}: HTTP {response.status}"
            mine = self._checkers(response.request)
            (self.checker_failed if mine else self.failed).append(failure)

    def axe(self, rules=None) -> list[dict]:
        """The page's WCAG 2.1 A/AA violations (:func:`run_axe`)."""
        self.checking = True
        try:
            return run_axe(self.page, rules)
        finally:
            self.checking = False

    def goto(self, path: str):
        response = self.page.goto(self.base_url + path, wait_until="load")
        assert response is not None and response.ok, (
            f"{path}: HTTP status {response and response.status}"
        )
        return response

    def close(self) -> None:
        self.context.close()


# --- the theme -------------------------------------------------------------------------------

# Wait for the CSS transitions running now to end (their `finished` promises; transitions
# end, unlike looping animations), one frame after the change that started them.
_SETTLE = """async () => {
    await new Promise(requestAnimationFrame);  // the new styles apply, transitions start
    const moving = document.getAnimations().filter(a => a instanceof CSSTransition);
    await Promise.all(moving.map(a => a.finished.catch(() => null)));
}"""


def settle(page) -> None:
    """Return once the page's CSS transitions (a theme's colours, a drawer's slide) have ended."""
    page.evaluate(_SETTLE)


# The theme's own button, pressed until the page is in the wanted theme (it cycles through
# auto, light and dark); returns the theme the page ends in.
_SWITCH_THEME = """theme => {
    const html = document.documentElement;
    const button = document.querySelector(".theme-switch-button");
    for (let i = 0; button && i < 3 && html.dataset.theme !== theme; i++) { button.click(); }
    return html.dataset.theme;
}"""


def set_theme(page, theme: str) -> str:
    """Switch the page to ``theme`` ("light" or "dark") with the theme's button; colours are
    read after its transitions have ended."""
    now = page.evaluate(_SWITCH_THEME, theme)
    settle(page)
    return now


# --- accessibility: axe-core -----------------------------------------------------------------

# WCAG 2.1 at levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Impacts a page must not have (axe's scale: minor, moderate, serious, critical).
BLOCKING_IMPACTS = ("serious", "critical")
# The rules whose outcome depends on colours, which is all a theme switch changes on a page
# that shows and hides the same elements in both themes (read_page checks that it does).
COLOUR_RULES = ["color-contrast", "link-in-text-block"]
# Elements rendered (with a box): the same count in both themes means neither theme shows an
# element of its own.
SHOWN_ELEMENTS = """() => Array.from(document.querySelectorAll("body *"))
    .filter(e => e.getClientRects().length > 0).length"""
_RUN_AXE = """only => axe.run(document, {runOnly: only, resultTypes: ["violations"]})
    .then(results => results.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => ({target: n.target.join(" "),
                                  summary: (n.failureSummary || "").slice(0, 300)}))})))"""


@functools.cache
def axe_script() -> str:
    """axe-core's script, as bundled by the pinned axe-playwright-python (nothing downloaded)."""
    module = require("axe_playwright_python", "install the pinned requirements (`make venv`)")
    return (Path(module.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


def run_axe(page, rules=None) -> list[dict]:
    """The page's WCAG 2.1 A/AA violations: ``{id, impact, help, nodes: [{target, summary}]}``.

    Every rule of the WCAG 2.1 A/AA tags, or only the axe rules named in ``rules``."""
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(content=axe_script())
    only = {"type": "rule", "values": rules} if rules else {"type": "tag", "values": WCAG_TAGS}
    return page.evaluate(_RUN_AXE, only)
