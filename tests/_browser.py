"""Debian's Chromium under the pinned playwright, shared by the browser test files.

Each browser test file runs in its own process (``make browser``): two sync Playwrights cannot
share one, so every file opens its own with :func:`chromium` in a fixture of its own scope.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

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
