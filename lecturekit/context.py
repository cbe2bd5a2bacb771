"""Who runs the notebook: a person, or an unattended run.

The chapters run in two settings. A student runs them in JupyterLab, Binder or Colab, and a
cell that trains for several seconds should show a progress bar there, and an explorer should
be a live widget. The book build (``jupyter-book build``, however it is started), nbval and
any other unattended execution (nbclient, nbconvert, papermill) run the same notebooks with
nobody watching: a progress bar would be stored in the page as noise, and a live widget would
be an empty box without a kernel.

The kernel can tell the two apart without any setting: a front end a person uses (JupyterLab,
Notebook, Colab, VS Code) sends each cell with ``allow_stdin`` true, as it can answer
``input()``; the unattended executors send it false, as nobody could answer. So the book built
with a plain ``jupyter-book build .`` is the same as the one ``make book`` builds.
"""

from __future__ import annotations

import os

#: Setting this environment variable to anything but ``""`` or ``"0"`` forces the unattended
#: behaviour everywhere, even in JupyterLab (for example, to time a chapter without its bars).
#: The build does not need it.
BUILD_VARIABLE = "LECTUREKIT_BUILD"


def interactive():
    """Say whether a person watches this run (True) or nobody does (False).

    False when the cell was sent by a front end that cannot take input from a person (the book
    build, nbval, nbclient: their ``execute_request`` has ``allow_stdin`` false), or when the
    environment variable ``LECTUREKIT_BUILD`` is set to anything but ``""`` or ``"0"``.
    Everywhere else (JupyterLab, Binder, Colab, a terminal ``python`` or IPython session) the
    answer is True.

    Use it for what only a person should see, such as progress bars::

        fit(..., progress=interactive())

    Returns
    -------
    bool
    """
    if os.environ.get(BUILD_VARIABLE, "") not in ("", "0"):
        return False
    return _front_end_takes_input()


def _front_end_takes_input():
    """``allow_stdin`` of the cell being run, when a Jupyter kernel runs it; else True."""
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python without IPython: a terminal, so a person
        return True
    shell = get_ipython()
    kernel = getattr(shell, "kernel", None)
    if kernel is None:  # IPython in a terminal, or no IPython at all
        return True
    # ipykernel keeps the current request's flag; a kernel without it is taken as attended.
    return bool(getattr(kernel, "_allow_stdin", True))


__all__ = ["BUILD_VARIABLE", "interactive"]
