"""List the functions of lecturekit by their lines of code, largest first.

A line of code is a line of a function's body that is neither blank, nor a comment, nor part of
its docstring. Run ``python tools/function_sizes.py [N]`` for the N largest (default 10);
``--over K`` lists only those above K lines.
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "lecturekit"


def _body_start(node):
    """First line after the docstring (or the first line of the body when there is none)."""
    first = node.body[0]
    is_doc = (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    )
    return first.end_lineno + 1 if is_doc else first.lineno


def function_sizes(package=PACKAGE):
    """``[(lines, "path:line", qualified name)]`` for every function, largest first."""
    rows = []
    for path in sorted(package.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        tree = ast.parse("\n".join(lines))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body = lines[_body_start(node) - 1 : node.end_lineno]
                code = [s for s in (b.strip() for b in body) if s and not s.startswith("#")]
                where = f"{path.relative_to(package.parent)}:{node.lineno}"
                rows.append((len(code), where, node.name))
    return sorted(rows, key=lambda row: (-row[0], row[1]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=10)
    parser.add_argument("--over", type=int, default=None)
    args = parser.parse_args()
    rows = function_sizes()
    shown = [r for r in rows if r[0] > args.over] if args.over is not None else rows[: args.n]
    for size, where, name in shown:
        print(f"{size:4d}  {name:32s} {where}")


if __name__ == "__main__":
    main()
