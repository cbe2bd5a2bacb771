"""The explorers on the website, without a kernel: every control moves the figure and its readout.

Each chapter that builds an explorer (a call of one of ``lecturekit.static_explorer.TWINS`` in
its code) must show that many kernel-free explorers on its page. In headless Chromium, with the
network fenced to loopback as in ``test_browser.py`` (whose fixtures this module reuses), each
control is moved the way a reader moves it: a range input with the keyboard (End, or Home when
it already stands at the end), a select by picking another option. After each move the figure's
image source, its alternative text and the control's readout must have changed, the new image
must have loaded, and the other one-at-a-time controls must be back at their starting values
(the grid holds no frame with two of them moved).

Each explorer's frame count and size, and its page's weight (the HTML with its own images), go
to ``explorers.json`` next to the site's folder. A page may weigh at most 2 MB.
"""

from __future__ import annotations

import json
import re
from urllib.parse import unquote, urlsplit

import pytest
from test_browser import (  # noqa: F401 - the fixtures are used by name
    TOC_DOCS,
    base_url,
    browser,
    doc_source,
    site,
    visit,
)

from lecturekit.static_explorer import TWINS

pytestmark = pytest.mark.browser

MAX_PAGE_BYTES = 2_000_000
CALL = re.compile(r"\.(" + "|".join(TWINS) + r")[(,]")  # a call, or handed to explorer(


def explorer_calls(doc: str) -> int:
    """How many kernel-free explorers the chapter's code builds."""
    source = doc_source(doc)
    if source is None or source.suffix != ".ipynb":
        return 0
    cells = json.loads(source.read_text(encoding="utf-8"))["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    return sum(len(CALL.findall(text)) for text in code)


EXPLORER_DOCS = [doc for doc in TOC_DOCS if explorer_calls(doc)]

# The state a reader sees: the image, its alt text, and each control with its readout.
STATE = """root => ({
    src: root.querySelector("img").getAttribute("src"),
    alt: root.querySelector("img").alt,
    loaded: root.querySelector("img").complete && root.querySelector("img").naturalWidth > 0,
    controls: Array.from(root.querySelectorAll("[data-control]")).map(c => ({
        tag: c.tagName.toLowerCase(), value: c.value, default: c.dataset.default,
        max: c.tagName === "SELECT" ? String(c.options.length - 1) : c.max,
        crossed: c.dataset.crossed === "1",
        readout: root.querySelector("output[for='" + c.id + "']").textContent})),
    frames: Object.keys(JSON.parse(root.querySelector("script.lk-frames").textContent)).length,
    declared: Number(root.dataset.frames),
    bytes: new TextEncoder().encode(root.outerHTML).length,
})"""


def page_weight(folder, page) -> int:
    """Bytes of the page's HTML and of the image files it shows (shared theme files aside)."""
    path = unquote(urlsplit(page.url).path).lstrip("/")
    total = (folder / path).stat().st_size
    for src in set(page.eval_on_selector_all("img", "els => els.map(i => i.currentSrc)")):
        parts = urlsplit(src)
        if parts.scheme in ("http", "https"):
            total += (folder / unquote(parts.path).lstrip("/")).stat().st_size
    return total


@pytest.mark.parametrize("doc", EXPLORER_DOCS)
def test_every_control_moves_the_figure_and_its_readout(doc, site, visit, record_property):  # noqa: F811
    visit.goto(f"{doc}.html")
    page = visit.page
    roots = page.locator("figure.lk-explorer")
    assert roots.count() == explorer_calls(doc), (
        f"{doc}.html: {roots.count()} kernel-free explorers shown, "
        f"{explorer_calls(doc)} built by the chapter's code"
    )
    problems: list[str] = []
    report = []
    for n in range(roots.count()):
        root = roots.nth(n)
        root.scroll_into_view_if_needed()
        state = root.evaluate(STATE)
        name = f"explorer {n + 1}"
        if state["frames"] != state["declared"] or state["frames"] < 2:
            problems.append(f"{name}: {state['frames']} frames, {state['declared']} declared")
        if not state["loaded"]:
            problems.append(f"{name}: the starting figure did not load")
        for i, control in enumerate(state["controls"]):
            element = root.locator("[data-control]").nth(i)
            if control["tag"] == "select":
                other = "0" if control["value"] != "0" else "1"
                element.select_option(value=other)
            else:
                element.focus()
                element.press("Home" if control["value"] == control["max"] else "End")
            page.wait_for_function(
                "img => img.complete && img.naturalWidth > 0",
                arg=root.locator("img").element_handle(),
            )
            after = root.evaluate(STATE)
            moved = after["controls"][i]
            what = f"{name}, control {i + 1} ({control['readout']} → {moved['readout']})"
            if moved["value"] == control["value"]:
                problems.append(f"{what}: the control did not move")
            if after["src"] == state["src"]:
                problems.append(f"{what}: the figure did not change")
            if after["alt"] == state["alt"]:
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
            state = after
        report.append({"frames": state["frames"], "bytes": state["bytes"]})
    weight = page_weight(site, page)
    record_property("explorers", report)
    record_property("page_bytes", weight)
    summary = site.parent / "explorers.json"
    known = json.loads(summary.read_text()) if summary.exists() else {}
    known[doc] = {"explorers": report, "page_bytes": weight}
    summary.write_text(json.dumps(known, indent=1) + "\n")
    if weight > MAX_PAGE_BYTES:
        problems.append(f"the page weighs {weight / 1e6:.2f} MB, more than 2 MB")
    problems += [f"console error: {text}" for text in visit.console_errors]
    problems += [f"needs the internet (blocked): {url}" for url in visit.blocked]
    assert not problems, f"{doc}.html:\n  " + "\n  ".join(problems)
