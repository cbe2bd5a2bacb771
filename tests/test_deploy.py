"""The documented deploy path: the GitHub Pages workflow runs what the README says, CI and the
workflow install the same TeX packages, and a version a lecturer can pin has its changelog."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _workflow():
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return data, data["jobs"]["build"]["steps"]


def _commands(steps):
    """Every shell command of the steps, in order, continuation lines joined."""
    out = []
    for step in steps:
        for line in step.get("run", "").replace("\\\n", " ").splitlines():
            if line.strip():
                out.append(" ".join(line.split()))
    return out


def _readme_section(title):
    start = README.index(f"## {title}")
    end = README.find("\n## ", start + 1)
    return README[start : end if end > 0 else None]


def test_the_workflow_builds_the_book_as_the_readme_documents():
    data, steps = _workflow()
    on = data.get("on", data.get(True))  # YAML 1.1 reads the key `on` as True
    assert on["push"]["branches"] == ["main"]
    commands = _commands(steps)
    documented = [
        "python -m pip install -r requirements.txt",
        "jupyter-book build . --builder pdflatex",
        "jupyter-book build .",
    ]
    # In this order: the PDF first, so that the website built after it links it.
    positions = [commands.index(c) for c in documented]
    assert positions == sorted(positions)
    section = _readme_section("For lecturers")
    for command in documented:
        assert command in section
    assert ".github/workflows/book.yml" in section
    assert "Settings → Pages" in section and "GitHub Actions" in WORKFLOW.read_text()


def test_the_workflow_publishes_the_built_site():
    data, steps = _workflow()
    upload = [s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact")]
    assert upload and upload[0]["with"]["path"] == "_build/html"
    deploy = data["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert any(s.get("uses", "").startswith("actions/deploy-pages") for s in deploy["steps"])
    assert data["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}


def _tex_packages(text):
    """The TeX packages of the `apt-get install` commands in ``text``."""
    lines = text.replace("\\\n", " ").splitlines()
    words = {w for line in lines if "apt-get install" in line for w in shlex.split(line)}
    return {w for w in words if w.startswith(("texlive", "latexmk", "fonts-", "xindy"))}


def test_ci_and_the_workflow_install_the_same_tex_packages():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    expected = {
        "latexmk",
        "texlive-latex-extra",
        "texlive-fonts-extra",
        "texlive-xetex",
        "fonts-freefont-otf",
        "xindy",
    }
    assert _tex_packages(ci) == expected
    assert _tex_packages(WORKFLOW.read_text(encoding="utf-8")) == expected
    # CI builds and checks the PDF after the tests.
    lines = [line.strip() for line in ci.splitlines()]
    assert lines.index("make pdf") > lines.index("make test")


def test_the_version_is_one_number_with_a_changelog_entry():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    version = re.search(r'^version = "([^"]+)"', pyproject, re.M).group(1)
    init = (ROOT / "lecturekit" / "__init__.py").read_text(encoding="utf-8")
    assert f'__version__ = "{version}"' in init
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## {re.escape(version)}$", changelog, re.M)
    assert f"git tag v{version}" in README  # the README's tag instruction names this version
