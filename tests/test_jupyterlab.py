"""The chapters as a student meets them: in a real JupyterLab, under headless Chromium.

A JupyterLab server is started on 127.0.0.1 at a free port with a temporary token, settings
and workspace folder, on a temporary copy of the notebooks (so that running them saves
nothing into the repository). Its settings turn windowing off, so every cell is rendered.
``LECTUREKIT_BUILD`` is removed from its environment: the kernel runs as a student's would.

For every chapter: no raw MyST is visible (directive fences, ``(label)=`` targets, roles such
as ``{eq}``), every solution is a closed dropdown, and no solution code is on screen. For one
explorer in each chapter that has one: run the cells up to it, move a control, and the figure
changes. Each chapter is opened once (the ``notebook`` fixture), and that visit gathers what
both tests assert; its kernel is shut down after it. Chromium and playwright as in
``tests/_browser.py``; without Chromium the tests skip, under CI (``CI`` set) they fail.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from _browser import chromium, require_chromium
from conftest import require

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
# The code that builds one explorer in each chapter that has one (handed to widgets.explorer).
EXPLORERS = {
    "01_linear_model": "line_explorer,",
    "02_elementwise_functions": "neuron_explorer,",
    "03_hidden_layer": "bump_builder,",
    "05_training": "training_explorer,",
}
TIMEOUT_MS = 120_000
# What raw MyST looks like when it is not rendered.
RAW_MYST = {
    "directive fence": re.compile(r"(`{3,}|:{3,})\{[\w:-]+\}"),
    "target": re.compile(r"^\s*\([\w:.-]+\)=\s*$", re.M),
    "role": re.compile(r"\{(eq|ref|doc|numref|cite|cite:p|cite:t|term|math|prf:ref|glue:text)\}`"),
    "directive option": re.compile(r"^:(label|class|name):", re.M),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a copy of the notebooks; yields its base URL and token."""
    require_chromium("the JupyterLab test")
    require("jupyterlab_myst", "install the pinned requirements (`make venv`)")
    work = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", work / "notebooks", ignore=shutil.ignore_patterns("*.py"))
    settings = work / "settings" / "@jupyterlab"
    (settings / "notebook-extension").mkdir(parents=True)
    (settings / "apputils-extension").mkdir(parents=True)
    # Every cell rendered (no windowing), and no question about news covering the page.
    (settings / "notebook-extension" / "tracker.jupyterlab-settings").write_text(
        json.dumps({"windowingMode": "none"})
    )
    (settings / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ)
    env.pop("LECTUREKIT_BUILD", None)  # the kernel runs as a student's does
    env.update(
        JUPYTERLAB_SETTINGS_DIR=str(work / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(work / "workspaces"),
        JUPYTER_CONFIG_DIR=str(work / "config"),
        JUPYTER_RUNTIME_DIR=str(work / "runtime"),
    )
    log = open(work / "server.log", "w")  # noqa: SIM115 - closed after the server stops
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
         "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work / 'notebooks'}"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start:\n{(work / 'server.log').read_text()}")
                time.sleep(0.5)
        yield base, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture(scope="module")
def browser(lab):
    with chromium() as launched:
        yield launched


def open_notebook(page, lab, path: Path):
    """Open a notebook and wait until every markdown cell is rendered."""
    base, token = lab
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    # A collapsed (solution) markdown cell shows a placeholder, not its rendered text.
    n_markdown = sum(
        cell["cell_type"] == "markdown"
        and not cell["metadata"].get("jupyter", {}).get("source_hidden", False)
        for cell in cells
    )
    # ?reset: a fresh workspace, so notebooks opened by earlier tests are not open too.
    page.goto(f"{base}/lab/tree/{path.name}?reset&token={token}")
    try:
        page.wait_for_function(
            "n => document.querySelectorAll('.jp-Notebook .jp-MarkdownCell.jp-mod-rendered .myst')"
            ".length >= n",
            arg=n_markdown,
        )
    except Exception:
        rendered = page.evaluate(
            "() => document.querySelectorAll('.jp-Notebook .jp-MarkdownCell.jp-mod-rendered .myst')"
            ".length"
        )
        cells_shown = page.evaluate(
            "() => document.querySelectorAll('.jp-Notebook .jp-Cell').length"
        )
        missing = page.evaluate(
            """() => [...document.querySelectorAll('.jp-Notebook .jp-Cell')]
                 .map((c, i) => [i, c.classList.contains('jp-MarkdownCell'),
                                 !!c.querySelector('.jp-mod-rendered .myst, .myst'),
                                 c.innerText.slice(0, 80)])
                 .filter(([i, md, ok]) => md && !ok)"""
        )
        pytest.fail(
            f"{path.name}: {rendered} of {n_markdown} markdown cells rendered "
            f"({cells_shown} cells shown of {len(cells)}); not rendered: {missing}"
        )
    return cells


# Text a reader sees in the rendered markdown, without the maths (whose text is TeX-like).
_VISIBLE_MARKDOWN = """() => [...document.querySelectorAll('.jp-Notebook .jp-MarkdownCell .myst')]
  .map(el => { const c = el.cloneNode(true);
               c.querySelectorAll('math, mjx-container, .MathJax, annotation, code, pre')
                .forEach(m => m.remove());
               return c.innerText; })"""


def solution_count(cells) -> int:
    text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return len(re.findall(r"^\s*(`{3,}|:{3,})\{solution(-start)?\}", text, re.M))


def run_menu(page, item: str):
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(rf"^{re.escape(item)}$")).click()


def wait_idle(page):
    page.wait_for_function(
        "() => document.querySelector('.jp-Notebook-ExecutionIndicator')"
        "?.getAttribute('data-status') === 'idle'"
        " && ![...document.querySelectorAll('.jp-InputPrompt')]"
        ".some(p => p.innerText.includes('*'))"
    )


def figures(cell):
    """The sources of every figure in the cell's output (a cell may hold two explorers)."""
    return cell.locator(".jp-OutputArea img").evaluate_all("imgs => imgs.map(i => i.src)")


# --- one visit per notebook ------------------------------------------------------------------

SOLUTION_DROPDOWNS = """() => [...document.querySelectorAll('.jp-Notebook details')]
     .filter(d => /Solution/.test(d.querySelector('summary')?.innerText || ''))
     .map(d => d.open)"""
DROPDOWN_TITLES = """() => [...document.querySelectorAll('.jp-Notebook details summary')]
     .map(s => s.innerText)"""


def explore(page, explorer_code: str) -> tuple[list[str], list[str]]:
    """Run the cells up to the explorer built by ``explorer_code``, then the explorer; move
    its first control. Returns the figures' sources before and after the move."""
    cell = page.locator(".jp-CodeCell", has=page.locator(".cm-content", has_text=explorer_code))
    cell.first.locator(".jp-InputPrompt").click()
    run_menu(page, "Run All Above Selected Cell")
    wait_idle(page)
    cell.first.locator(".jp-InputPrompt").click()
    page.keyboard.press("Escape")
    page.keyboard.press("Control+Enter")
    wait_idle(page)
    explorer = cell.first
    explorer.locator(".jp-OutputArea img").last.wait_for()
    before = figures(explorer)
    select = explorer.locator(".jp-OutputArea select")
    if select.count():
        current = select.first.input_value()
        values = select.first.locator("option").evaluate_all("os => os.map(o => o.value)")
        select.first.select_option(next(v for v in values if v != current))
    else:
        handle = explorer.locator(".jp-OutputArea .noUi-handle").first
        handle.focus()
        for _ in range(5):
            handle.press("ArrowRight")
    page.wait_for_function(
        "([el, srcs]) => [...el.querySelectorAll('.jp-OutputArea img')]"
        ".some(i => !srcs.includes(i.src))",
        arg=[explorer.element_handle(), before],
    )
    return before, figures(explorer)


def shut_down_kernels(lab) -> None:
    """End every session the notebook opened, so kernels do not pile up on the machine."""
    base, token = lab
    with urllib.request.urlopen(f"{base}/api/sessions?token={token}", timeout=10) as answer:
        sessions = json.load(answer)
    for session in sessions:
        request = urllib.request.Request(
            f"{base}/api/sessions/{session['id']}?token={token}", method="DELETE"
        )
        urllib.request.urlopen(request, timeout=30).close()


@pytest.fixture(scope="module")
def notebook(browser, lab):
    """``notebook(path)``: what one visit of the chapter in JupyterLab found, made the first
    time it is asked for: the rendered markdown's text, the solution dropdowns, what is on
    screen, and (for a chapter in EXPLORERS) the explorer's figures before and after a move."""
    seen: dict[Path, dict] = {}

    def facts(path: Path) -> dict:
        if path not in seen:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            try:
                cells = open_notebook(page, lab, path)
                found = {
                    "cells": cells,
                    "texts": page.evaluate(_VISIBLE_MARKDOWN),
                    "summaries": page.evaluate(SOLUTION_DROPDOWNS),
                    "titles": page.evaluate(DROPDOWN_TITLES),
                    "visible": page.evaluate(
                        "() => document.querySelector('.jp-Notebook').innerText"
                    ),
                    "placeholders": page.locator(".jp-Notebook .jp-InputPlaceholder").count(),
                }
                if path.stem in EXPLORERS:
                    found["figures"] = explore(page, EXPLORERS[path.stem])
            finally:
                context.close()
                shut_down_kernels(lab)
            seen[path] = found
        return seen[path]

    return facts


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_renders_its_myst_and_keeps_solutions_closed(notebook, path):
    facts = notebook(path)
    cells = facts["cells"]
    raw = [
        f"{kind}: {m.group(0)!r}"
        for text in facts["texts"]
        for kind, pattern in RAW_MYST.items()
        for m in pattern.finditer(text)
    ]
    assert raw == [], f"{path.name}: raw MyST visible in JupyterLab"

    summaries, titles = facts["summaries"], facts["titles"]
    assert len(summaries) == solution_count(cells) > 0, f"every solution is a dropdown: {titles}"
    assert not any(summaries), "a solution is open"

    # A collapsed cell shows only a placeholder with its first line; the rest stays hidden.
    visible_lines = {line.strip() for line in facts["visible"].splitlines()}
    tagged = [c for c in cells if "solution" in c["metadata"].get("tags", [])]
    assert facts["placeholders"] >= len(tagged)
    # Lines that also occur in a cell left open (e.g. `progress=interactive(),`) prove nothing.
    open_lines = {
        line.strip() for c in cells if c not in tagged for line in "".join(c["source"]).splitlines()
    }
    for cell in tagged:
        rest = "".join(cell["source"]).strip().splitlines()[1:]
        shown = [
            line
            for line in rest
            if len(line.strip()) >= 12
            and line.strip() in visible_lines
            and line.strip() not in open_lines
        ]
        assert shown == [], f"{path.name}: solution cell {cell['id']} is open"


@pytest.mark.parametrize("name", sorted(EXPLORERS), ids=str)
def test_explorer_redraws_when_a_control_moves(notebook, name):
    before, after = notebook(ROOT / "notebooks" / f"{name}.ipynb")["figures"]
    assert after != before
