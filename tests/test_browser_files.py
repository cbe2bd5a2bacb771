"""Every browser test file is run by `make browser`, each in its own process."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_make_browser_runs_every_browser_test_file():
    marked = {
        p.name
        for p in (ROOT / "tests").glob("test_*.py")
        if re.search(r"^pytestmark = pytest\.mark\.browser", p.read_text(encoding="utf-8"), re.M)
        or re.search(r"^@pytest\.mark\.browser", p.read_text(encoding="utf-8"), re.M)
    }
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\nbrowser:", 1)[1].split("\n\n", 1)[0]
    run = set(re.findall(r"tests/(test_\w+\.py)", recipe))
    assert marked and marked <= run, f"browser tests not run by `make browser`: {marked - run}"
