"""Show which OpenBLAS kernel numpy and scipy loaded; fail unless it is the one requested.

Usage: ``OPENBLAS_CORETYPE=<kernel> python .ci/blas_kernel.py <kernel>``. OpenBLAS picks its
kernel per CPU at load time; ``OPENBLAS_CORETYPE`` overrides the choice, but an unknown or
unsupported name silently falls back to the CPU's own kernel. A rerun "under another kernel"
therefore proves itself here first, with threadpoolctl's report of what actually loaded.
"""

import os
import sys

import numpy as np  # noqa: F401  (loads numpy's OpenBLAS)
import scipy.linalg  # noqa: F401  (scipy ships its own OpenBLAS: L-BFGS-B, lstsq, ...)
import threadpoolctl


def main(requested: str) -> int:
    set_to = os.environ.get("OPENBLAS_CORETYPE", "")
    libraries = [i for i in threadpoolctl.threadpool_info() if i["internal_api"] == "openblas"]
    if not libraries:
        print("no OpenBLAS loaded by numpy or scipy: cannot select a kernel", file=sys.stderr)
        return 1
    for lib in libraries:
        print(f"OPENBLAS_CORETYPE={set_to or '(unset)'}: {lib['filepath']} {lib['version']}")
        print(f"  architecture loaded: {lib['architecture']}")
    wrong = [lib for lib in libraries if lib["architecture"].lower() != requested.lower()]
    if set_to.lower() != requested.lower() or wrong:
        print(
            f"expected OpenBLAS kernel {requested!r} (OPENBLAS_CORETYPE={set_to!r}), "
            f"loaded {[lib['architecture'] for lib in libraries]}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: OPENBLAS_CORETYPE=<kernel> {sys.argv[0]} <kernel>")
    sys.exit(main(sys.argv[1]))
