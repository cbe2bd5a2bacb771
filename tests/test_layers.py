"""The two layers of lecturekit, checked from the source: the formulas (``lecturekit/formulas``)
import only numpy, math and the standard library, never the kit; no function is over 60 lines of
code and no formula over 25; every formula is documented; every third-party module the package
imports is declared in pyproject.toml.

Each rule is a function of a package directory that returns what breaks it, so the tests can
show on a small package in ``tmp_path`` that every rule does fail when it should.
"""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import re
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "lecturekit"
KIT_LIMIT, FORMULA_LIMIT = 60, 25
# Third-party modules the formulas may use besides the standard library.
FORMULA_MODULES = {"numpy"}
# numpy's section names (numpydoc's format guide).
SECTIONS = {
    "Parameters", "Returns", "Yields", "Receives", "Other Parameters", "Raises", "Warns",
    "Warnings", "See Also", "Notes", "References", "Examples", "Attributes", "Methods",
}  # fmt: skip


def _function_sizes():
    spec = importlib.util.spec_from_file_location(
        "function_sizes", ROOT / "tools/function_sizes.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.function_sizes


function_sizes = _function_sizes()


# -- reading a package ---------------------------------------------------------------------------


def modules(package, sub=None):
    """``(path, dotted name, syntax tree)`` of every module of ``package`` (or its ``sub``)."""
    top = package / sub if sub else package
    for path in sorted(top.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield path, ".".join(parts), ast.parse(path.read_text(encoding="utf-8"))


def imported_names(name, path, tree):
    """``(line, absolute module name)`` of every import in ``tree``, functions' imports too.

    ``from a import b`` gives ``a.b`` (``b`` may be a module); relative imports are resolved
    against the module ``name`` at ``path``.
    """
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield from ((node.lineno, f"{base}.{alias.name}") for alias in node.names)


def _is_within(module, prefix):
    return module == prefix or module.startswith(prefix + ".")


def where(path, package, line):
    return f"{path.relative_to(package.parent)}:{line}"


# -- the rules -----------------------------------------------------------------------------------


def formulas_third_party(package):
    """Imports in ``formulas/`` of anything but numpy, the standard library and the package."""
    bad = []
    for path, name, tree in modules(package, "formulas"):
        for line, module in imported_names(name, path, tree):
            top = module.split(".")[0]
            if top in sys.stdlib_module_names or top in FORMULA_MODULES or top == package.name:
                continue
            bad.append(f"{where(path, package, line)} imports {module}")
    return bad


def formulas_import_kit(package):
    """Imports in ``formulas/`` of a module of the package outside ``formulas/``."""
    formulas = f"{package.name}.formulas"
    bad = []
    for path, name, tree in modules(package, "formulas"):
        for line, module in imported_names(name, path, tree):
            if _is_within(module, package.name) and not _is_within(module, formulas):
                bad.append(f"{where(path, package, line)} imports the kit's {module}")
    return bad


def functions_over(package, limit, sub=None):
    """``"size name where"`` of every function over ``limit`` lines of code."""
    inside = f"{package.name}/{sub}/" if sub else f"{package.name}/"
    return [
        f"{size} lines: {name} at {at}"
        for size, at, name in function_sizes(package)
        if size > limit and at.startswith(inside)
    ]


def docstring_problems(package):
    """Modules of ``formulas/`` without a docstring, public functions without a numpy-style one.

    Numpy style: a one-line summary ending in a full stop, then a blank line before any more;
    each section a known name underlined by dashes of its length; a Parameters section, when
    there is one, names every parameter.
    """
    bad = []
    for path, _, tree in modules(package, "formulas"):
        if not ast.get_docstring(tree):
            bad.append(f"{where(path, package, 1)}: the module has no docstring")
        for node in _public_functions(tree):
            problem = _numpy_docstring_problem(node)
            if problem:
                bad.append(f"{where(path, package, node.lineno)} {node.name}: {problem}")
    return bad


def _public_functions(tree):
    """Module-level public functions and the public methods of public classes."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if not node.name.startswith("_"):
                yield node
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            yield from (
                f
                for f in node.body
                if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
                and not f.name.startswith("_")
            )


def _numpy_docstring_problem(node):
    doc = ast.get_docstring(node)
    if not doc:
        return "no docstring"
    lines = doc.splitlines()
    if not lines[0].strip().endswith("."):
        return "the summary is not one line ending in a full stop"
    if len(lines) > 1 and lines[1].strip():
        return "no blank line after the one-line summary"
    sections = {}
    for i, (title, rule) in enumerate(zip(lines, lines[1:], strict=False)):
        if re.fullmatch(r"-{3,}", rule.strip()) and title.strip():
            if title.strip() not in SECTIONS or len(rule.strip()) != len(title.strip()):
                return f"{title.strip()!r} is not a numpy section underlined to its length"
            sections[title.strip()] = i + 2
    if "Parameters" in sections:
        text = "\n".join(lines[sections["Parameters"] :])
        args = node.args
        names = [a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]]
        missing = [n for n in names if n not in {"self", "cls"} and n not in text]
        if missing:
            return f"the Parameters section does not name {', '.join(missing)}"
    return None


def undeclared_imports(package, pyproject):
    """Third-party modules ``package`` imports whose distribution ``pyproject`` does not declare
    (in ``dependencies`` or an optional extra)."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    requirements = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    declared = {_normalise(re.match(r"[A-Za-z0-9._-]+", r).group()) for r in requirements}
    distributions = importlib.metadata.packages_distributions()
    bad = []
    for path, name, tree in modules(package):
        for line, module in imported_names(name, path, tree):
            top = module.split(".")[0]
            if top in sys.stdlib_module_names or top == package.name:
                continue
            dists = {_normalise(d) for d in distributions.get(top, [top])}
            if not dists & declared:
                bad.append(f"{where(path, package, line)} imports {module} ({', '.join(dists)})")
    return sorted(bad)


def _normalise(distribution):
    return re.sub(r"[-_.]+", "-", distribution).lower()


def _report(rule, bad):
    return f"{rule}:\n  " + "\n  ".join(bad)


# -- the rules on lecturekit ---------------------------------------------------------------------


def test_formulas_import_only_numpy_math_and_the_standard_library():
    bad = formulas_third_party(PACKAGE)
    assert not bad, _report("formulas/ imports only numpy and the standard library", bad)


def test_formulas_never_import_the_kit():
    bad = formulas_import_kit(PACKAGE)
    assert not bad, _report("the kit depends on the formulas, never the reverse", bad)


def test_no_function_over_60_lines_of_code():
    bad = functions_over(PACKAGE, KIT_LIMIT)
    assert not bad, _report(f"functions over {KIT_LIMIT} lines of code", bad)


def test_no_formula_over_25_lines_of_code():
    bad = functions_over(PACKAGE, FORMULA_LIMIT, sub="formulas")
    assert not bad, _report(f"formulas over {FORMULA_LIMIT} lines of code", bad)


def test_every_formula_module_and_function_is_documented():
    bad = docstring_problems(PACKAGE)
    assert not bad, _report("formulas/ docstrings", bad)


def test_every_third_party_import_is_declared_in_pyproject():
    bad = undeclared_imports(PACKAGE, ROOT / "pyproject.toml")
    assert not bad, _report("imported but not declared in pyproject.toml", bad)


# -- every rule can fail -------------------------------------------------------------------------

GOOD_FORMULA = '''"""A formula."""

import math

import numpy as np

from . import other
from .other import twice


def square(x):
    """``y = x ⊙ x``.

    Parameters
    ----------
    x : ndarray

    Returns
    -------
    ndarray
    """
    return np.square(x) + 0 * math.pi + 0 * twice(other.ONE)
'''


@pytest.fixture
def tiny(tmp_path):
    """A package ``tiny`` with a kit module and ``formulas/`` that break no rule."""
    package = tmp_path / "tiny"
    (package / "formulas").mkdir(parents=True)
    (package / "__init__.py").write_text('"""Tiny."""\n')
    (package / "kit.py").write_text('"""Kit."""\n\nfrom .formulas import square\n')
    (package / "formulas" / "__init__.py").write_text('"""Formulas."""\n')
    (package / "formulas" / "other.py").write_text(
        '"""Other."""\n\nONE = 1\n\n\ndef twice(x):\n    """``2x``."""\n    return 2 * x\n'
    )
    (package / "formulas" / "square.py").write_text(GOOD_FORMULA)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "tiny"\ndependencies = ["numpy"]\n')
    return package


def _formula(package, source):
    (package / "formulas" / "bad.py").write_text(f'"""Bad."""\n\n{source}')


def _function(lines):
    body = "".join(f"    x{i} = {i}\n" for i in range(lines))
    return f'def long():\n    """Long."""\n{body}'


def test_the_tiny_package_breaks_no_rule(tiny):
    assert formulas_third_party(tiny) == []
    assert formulas_import_kit(tiny) == []
    assert functions_over(tiny, KIT_LIMIT) == []
    assert functions_over(tiny, FORMULA_LIMIT, sub="formulas") == []
    assert docstring_problems(tiny) == []
    assert undeclared_imports(tiny, tiny.parent / "pyproject.toml") == []


@pytest.mark.parametrize("line", ["import scipy.linalg", "def f():\n    from sympy import Matrix"])
def test_a_third_party_import_in_the_formulas_fails(tiny, line):
    _formula(tiny, line + "\n")
    bad = formulas_third_party(tiny)
    assert len(bad) == 1 and bad[0].startswith("tiny/formulas/bad.py:"), bad


@pytest.mark.parametrize(
    "line", ["from .. import kit", "from ..kit import square", "import tiny.kit", "import tiny"]
)
def test_a_kit_import_in_the_formulas_fails(tiny, line):
    _formula(tiny, line + "\n")
    assert len(formulas_import_kit(tiny)) == 1


def test_a_function_over_the_limits_fails(tiny):
    (tiny / "kit.py").write_text(_function(KIT_LIMIT))
    assert functions_over(tiny, KIT_LIMIT) == []
    (tiny / "kit.py").write_text(_function(KIT_LIMIT + 1))
    assert functions_over(tiny, KIT_LIMIT) == ["61 lines: long at tiny/kit.py:1"]
    _formula(tiny, _function(FORMULA_LIMIT + 1))
    assert functions_over(tiny, FORMULA_LIMIT, sub="formulas") == [
        "26 lines: long at tiny/formulas/bad.py:3"
    ]


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("def f(x):\n    return x\n", "no docstring"),
        ('def f(x):\n    """Two\n    lines."""\n', "the summary is not one line"),
        ('def f(x):\n    """One.\n    More."""\n', "no blank line"),
        ('def f(x):\n    """One.\n\n    Params\n    ------\n    """\n', "'Params' is not"),
        ('def f(x):\n    """One.\n\n    Returns\n    ----\n    """\n', "'Returns' is not"),
        ('def f(x, y):\n    """One.\n\n    Parameters\n    ----------\n    x : float\n    """\n',
         "does not name y"),
        ('class C:\n    def f(self):\n        return 1\n', "no docstring"),
    ],
)  # fmt: skip
def test_a_missing_or_malformed_docstring_fails(tiny, source, problem):
    _formula(tiny, source)
    bad = docstring_problems(tiny)
    assert len(bad) == 1 and problem in bad[0], bad


def test_a_formula_module_without_a_docstring_fails(tiny):
    (tiny / "formulas" / "bad.py").write_text("X = 1\n")
    assert docstring_problems(tiny) == ["tiny/formulas/bad.py:1: the module has no docstring"]


def test_an_undeclared_import_fails(tiny):
    pyproject = tiny.parent / "pyproject.toml"
    (tiny / "kit.py").write_text('"""Kit."""\n\n\ndef f():\n    import PIL.Image\n')
    assert undeclared_imports(tiny, pyproject) == ["tiny/kit.py:5 imports PIL.Image (pillow)"]
    pyproject.write_text('[project]\nname = "tiny"\ndependencies = ["numpy", "Pillow>=10"]\n')
    assert undeclared_imports(tiny, pyproject) == []
    pyproject.write_text(
        '[project]\nname = "tiny"\ndependencies = ["numpy"]\n'
        '[project.optional-dependencies]\nimages = ["pillow"]\n'
    )
    assert undeclared_imports(tiny, pyproject) == []
