"""Who runs the notebook: a person, or the build.

The chapters run in two settings. A student runs them in JupyterLab, Binder or Colab, and a
cell that trains for several seconds should show a progress bar there. The Makefile's nbval
run and the book build execute the same notebooks unattended; a progress bar would then be
stored in the built page as noise. Those runs set the environment variable ``LECTUREKIT_BUILD``
(``LECTUREKIT_BUILD=1``), and :func:`interactive` reads it.
"""

from __future__ import annotations

import os

#: The environment variable the Makefile's nbval and book-build runs set.
BUILD_VARIABLE = "LECTUREKIT_BUILD"


def interactive():
    """Say whether a person runs this notebook (True) or the build or nbval does (False).

    False exactly when the environment variable ``LECTUREKIT_BUILD`` is set to anything but
    ``""`` or ``"0"``; the Makefile sets it for its nbval and book-build runs. Everywhere
    else (JupyterLab, Binder, Colab, a plain ``python`` session) the answer is True.

    Use it for what only a person should see, such as progress bars::

        fit(..., progress=interactive())

    Returns
    -------
    bool
    """
    return os.environ.get(BUILD_VARIABLE, "") in ("", "0")


__all__ = ["BUILD_VARIABLE", "interactive"]
