"""Small seeded data sets for the training chapters: a noisy sine and two interleaved moons.

Both generators return the lecture's layout: features ``X`` as an m×n matrix (one row per
observation, no ones column) and data ``d`` as a vector of length m. Every draw comes from
``numpy.random.default_rng(seed)``, so the same arguments give the same numbers on every run.
"""

from __future__ import annotations

import numpy as np

from ._validate import check_memory, integer, real


def make_sine(m, noise=0.1, seed=0, domain=(0.0, 2 * np.pi)):
    """Noisy samples of a sine: ``dᵢ = sin(xᵢ) + σ εᵢ`` with ``εᵢ ~ N(0, 1)``.

    The inputs ``xᵢ`` are drawn uniformly from ``domain`` and returned sorted, so that
    ``plt.plot(X[:, 0], d)`` draws from left to right.

    Parameters
    ----------
    m : int
        Number of observations (rows of ``X``).
    noise : float
        Standard deviation σ of the additive Gaussian noise (0 gives exact samples).
    seed : int
        Seed for ``numpy.random.default_rng``.
    domain : (float, float)
        Interval ``[a, b]`` the inputs are drawn from.

    Returns
    -------
    X : ndarray, shape (m, 1)
        Inputs, one per row (n = 1 feature).
    d : ndarray, shape (m,)
        Noisy data.
    """
    m = integer(m, "m (the number of observations)", minimum=1)
    noise = real(noise, "noise (the standard deviation)", minimum=0.0)
    check_memory(f"a sine data set of m = {m}", {"x": (m,), "X": (m, 1), "noise": (m,), "d": (m,)})
    a, b = (float(v) for v in domain)
    if not (np.isfinite(a) and np.isfinite(b) and a < b):
        raise ValueError(f"domain must be a finite interval (a, b) with a < b; got {domain}")
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(a, b, m))
    d = np.sin(x) + noise * rng.standard_normal(m)
    return x[:, None], d


def make_moons(m, noise=0.1, seed=0):
    """Two interleaved half circles in the plane, labelled 0 and 1.

    Class 0 lies on the upper half of the unit circle, ``(cos t, sin t)``; class 1 on the
    lower half circle shifted right and down, ``(1 − cos t, 1/2 − sin t)``, with
    ``t ~ U[0, π]``. Gaussian noise of standard deviation σ is added to both coordinates and the
    rows are shuffled. Class 0 gets ``⌈m/2⌉`` points and class 1 gets ``⌊m/2⌋``.

    Parameters
    ----------
    m : int
        Number of observations (at least 2, so both classes appear).
    noise : float
        Standard deviation σ of the Gaussian noise on each coordinate.
    seed : int
        Seed for ``numpy.random.default_rng``.

    Returns
    -------
    X : ndarray, shape (m, 2)
        Points, one per row (n = 2 features).
    labels : ndarray of float, shape (m,)
        Class labels ``dᵢ ∈ {0, 1}``, as floats so they can be used directly as data ``d``.
    """
    m = integer(m, "m (the number of observations)", minimum=2)
    noise = real(noise, "noise (the standard deviation)", minimum=0.0)
    check_memory(
        f"a moons data set of m = {m}",
        {"t": (m,), "the half circles": (m, 2), "noise": (m, 2), "X": (m, 2), "labels": (m,)},
    )
    rng = np.random.default_rng(seed)
    m0 = (m + 1) // 2
    t = rng.uniform(0.0, np.pi, m)
    upper = np.column_stack([np.cos(t[:m0]), np.sin(t[:m0])])
    lower = np.column_stack([1.0 - np.cos(t[m0:]), 0.5 - np.sin(t[m0:])])
    X = np.vstack([upper, lower]) + noise * rng.standard_normal((m, 2))
    labels = np.concatenate([np.zeros(m0), np.ones(m - m0)])
    order = rng.permutation(m)
    return X[order], labels[order]
