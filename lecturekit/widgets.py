"""Interactive explorers: one neuron (chapter 2) and the two-tanh bump (chapter 3), and the
one way every chapter shows an explorer, :func:`explorer`.

Each explorer has two halves. A plain function draws the static figure for given parameters,
and a builder wraps that function in an ``ipywidgets.interactive`` UI. Building the UI needs
no display: ipywidgets is imported only inside the builders, and the figures are ordinary
matplotlib figures.

A chapter shows an explorer with ``explorer(builder, *args)``: a person with a kernel gets the
live widget, and any run nobody watches (the book build, however it is started, and nbval)
gets its kernel-free twin from :mod:`lecturekit.static_explorer`, whose output carries both the
HTML for the website and the starting figure for print.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ._validate import finite_array, integer
from .activations import get_activation
from .context import interactive
from .figures import GALLERY
from .network import forward
from .training_plots import _axes

#: Target shapes the shape builder can approximate, on the interval [−1, 1].
TARGETS = {
    "sine": lambda x: np.sin(np.pi * x),
    "parabola": lambda x: x**2,
    "absolute value": np.abs,
    "gaussian": lambda x: np.exp(-8 * x**2),
    "step": lambda x: (x > 0.2).astype(float),
}


def neuron_figure(activation="sigmoid", w0=0.0, w1=1.0, x_range=(-5.0, 5.0), ax=None):
    """Draw one neuron's output ``y = f(w̄₀ + w̄₁ x)`` against a single feature ``x``.

    The dotted line marks ``x = −w̄₀/w̄₁``, where the pre-activation ``z = w̄₀ + w̄₁x`` is zero
    (the perceptron's threshold, logistic regression's 50 % point).

    Parameters
    ----------
    activation : str or Activation
    w0, w1 : float
        Bias ``w̄₀`` and weight ``w̄₁``.
    x_range : (float, float)
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    act = get_activation(activation)
    w0, w1 = (float(v) for v in finite_array([w0, w1], "w̄", 1))
    fig, ax = _axes(ax, figsize=(6, 3.4))
    x = np.linspace(*x_range, 501)
    z = w0 + w1 * x
    ax.plot(x, act.f(z), lw=2, label=f"$y = f(z)$, f = {act.name}")
    ax.plot(x, z, ":", color="0.5", lw=1, label="pre-activation $z = \\bar w_0 + \\bar w_1 x$")
    if w1 != 0:
        ax.axvline(-w0 / w1, color="k", ls=":", lw=1)
    ax.set_ylim(-1.6, 2.1)
    ax.set_xlim(*x_range)
    ax.set_xlabel("feature $x$")
    ax.set_ylabel("neuron output $y$")
    ax.set_title(
        f"one neuron: $y = f(\\bar w_0 + \\bar w_1 x)$, $\\bar w_0$ = {w0:g}, $\\bar w_1$ = {w1:g}"
    )
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


def neuron_explorer(activation="sigmoid", w0=0.0, w1=1.0):
    """Build the neuron explorer: choose the activation and the weights, see the output.

    Returns
    -------
    ipywidgets.interactive
        Its ``result`` is the current figure (from :func:`neuron_figure`), its ``kwargs`` the
        current parameter values.
    """
    import ipywidgets as W

    return W.interactive(
        _redraw(neuron_figure),
        activation=W.Dropdown(
            options=list(GALLERY), value=get_activation(activation).name, description="f"
        ),
        w0=W.FloatSlider(value=w0, min=-5, max=5, step=0.1, description="bias w̄₀"),
        w1=W.FloatSlider(value=w1, min=-5, max=5, step=0.1, description="weight w̄₁"),
    )


def _redraw(draw):
    """Wrap a figure function so each redraw closes the previous figure (no pile-up)."""
    state = {}

    def wrapped(**kwargs):
        if state.get("fig") is not None:
            plt.close(state["fig"])
        state["fig"] = draw(**kwargs)
        return state["fig"]

    wrapped.__name__ = draw.__name__
    return wrapped


def bump_weights(left=-0.5, right=0.5, steepness=10.0, height=1.0):
    """Weights of a one-input network with two tanh hidden neurons whose output is a bump.

    The output is ``y(x) = (h/2)[tanh(s(x − a)) − tanh(s(x − b))]`` for left edge ``a``,
    right edge ``b``, steepness ``s`` and height ``h``; as the lecture's network
    ``y = [1 tanh(X̄ W̄ʰ)] w̄ᵒ`` that is ``W̄ʰ = [[−sa, −sb], [s, s]]`` and
    ``w̄ᵒ = (0, h/2, −h/2)``. The peak, at the centre (a + b)/2, is ``h·tanh(s(b − a)/2)``.

    Returns
    -------
    Wh : ndarray, shape (2, 2)
    wo : ndarray, shape (3,)
    """
    return bumps_weights([left, right], [height], steepness)


def bumps_weights(edges, heights, steepness):
    """Weights of a tanh network whose output is a sum of adjacent bumps.

    Bump ``k`` spans ``[eₖ, eₖ₊₁]`` with height ``hₖ``; it costs two hidden neurons, so
    ``K`` bumps use ``p = 2K``:
    ``y(x) = Σₖ (hₖ/2)[tanh(s(x − eₖ)) − tanh(s(x − eₖ₊₁))]``.

    Parameters
    ----------
    edges : array_like, shape (K + 1,)
        Increasing bump edges.
    heights : array_like, shape (K,)
    steepness : float
        ``s > 0``; larger is sharper.

    Returns
    -------
    Wh : ndarray, shape (2, 2K)
    wo : ndarray, shape (2K + 1,)
    """
    e = finite_array(edges, "edges", 1)
    h = finite_array(heights, "heights", 1)
    if h.size < 1 or e.size != h.size + 1:
        raise ValueError(
            f"need K ≥ 1 heights and K + 1 edges; got {h.size} heights and {e.size} edges"
        )
    if np.any(np.diff(e) <= 0):
        raise ValueError("edges must be strictly increasing (each bump needs left < right)")
    s = float(steepness)
    if not np.isfinite(s) or s <= 0:
        raise ValueError(f"steepness s must be positive and finite; got {steepness}")
    centres = np.column_stack([e[:-1], e[1:]]).ravel()  # a₁, b₁, a₂, b₂, …
    Wh = np.vstack([-s * centres, np.full(centres.size, s)])
    wo = np.r_[0.0, np.column_stack([h / 2, -h / 2]).ravel()]
    return Wh, wo


def shape_weights(target="sine", k=8, sharpness=3.0, interval=(-1.0, 1.0)):
    """Approximate a target shape on an interval by ``k`` adjacent bumps (``p = 2k`` neurons).

    Bump heights are the target at the bump midpoints; the steepness is
    ``s = sharpness · k / (b − a)``, so the transitions narrow as the bumps do. As ``k`` grows
    the output converges to the target: the intuition behind universal approximation.

    Parameters
    ----------
    target : str or callable
        A key of :data:`TARGETS` or a vectorised function of ``x``.
    k : int
        Number of bumps.
    sharpness : float
    interval : (float, float)

    Returns
    -------
    Wh : ndarray, shape (2, 2k)
    wo : ndarray, shape (2k + 1,)
    """
    fun = _target(target)
    k = integer(k, "k (the number of bumps)", minimum=1)
    a, b = (float(v) for v in interval)
    edges = np.linspace(a, b, k + 1)
    mids = 0.5 * (edges[:-1] + edges[1:])
    return bumps_weights(edges, fun(mids), sharpness * k / (b - a))


def _target(target):
    if callable(target):
        return target
    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r}; choose one of {', '.join(TARGETS)}")
    return TARGETS[target]


def network_curve(x, Wh, wo):
    """Output and hidden layer of the one-input tanh network at the points ``x``.

    Returns ``(y, H)`` from :func:`lecturekit.network.forward` with ``f = tanh``, ``g = identity``.
    """
    fw = forward(np.asarray(x, dtype=float)[:, None], Wh, wo, "tanh", "identity")
    return fw.y, fw.H


def bump_figure(left=-0.5, right=0.5, steepness=10.0, height=1.0, ax=None):
    """Draw the two weighted hidden neurons and their sum, the bump.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not left < right:
        raise ValueError(f"the bump needs left < right; got left = {left}, right = {right}")
    Wh, wo = bump_weights(left, right, steepness, height)
    fig, ax = _axes(ax, figsize=(6, 3.4))
    x = np.linspace(-2, 2, 801)
    y, H = network_curve(x, Wh, wo)
    ax.plot(
        x, wo[1] * H[:, 0], "--", lw=1.2, label=f"$\\bar w^o_1 h_1$: tanh step up at x = {left:g}"
    )
    ax.plot(
        x,
        wo[2] * H[:, 1],
        "--",
        lw=1.2,
        label=f"$\\bar w^o_2 h_2$: tanh step down at x = {right:g}",
    )
    ax.plot(x, y, "k", lw=2.2, label="output $y$ (their sum)")
    top = max(abs(height), 0.5)
    ax.set_ylim(-1.3 * top, 2.0 * top)
    ax.set_xlabel("input $x$")
    ax.set_ylabel("output $y$")
    ax.set_title(f"two tanh neurons make a bump (steepness s = {steepness:g})")
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


def shape_figure(target="sine", k=8, sharpness=3.0, ax=None):
    """Draw a target on [−1, 1] and its approximation by ``k`` tanh bumps.

    The title reports ``p = 2k`` and the root-mean-square error on a fine grid.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fun = _target(target)
    Wh, wo = shape_weights(fun, k, sharpness)
    fig, ax = _axes(ax, figsize=(6, 3.4))
    x = np.linspace(-1, 1, 801)
    y, _ = network_curve(x, Wh, wo)
    ax.plot(x, fun(x), color="0.6", lw=4, label="target")
    ax.plot(x, y, "k", lw=1.6, label=f"network, {k} bumps")
    rms = float(np.sqrt(np.mean((y - fun(x)) ** 2)))
    ax.set_xlabel("input $x$")
    ax.set_ylabel("output $y$")
    name = target if isinstance(target, str) else "target"
    ax.set_title(f"{name} from p = {2 * k} tanh neurons: RMS error {rms:.3f}")
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    return fig


def bump_builder(left=-0.5, right=0.5, steepness=10.0, height=1.0):
    """Build the bump explorer: move the two edges, the steepness and the height.

    Returns
    -------
    ipywidgets.interactive
        ``result`` is the current figure from :func:`bump_figure`.
    """
    import ipywidgets as W

    def draw(left, right, steepness, height):
        if right <= left:  # keep the widget usable while a slider crosses the other
            right = left + 0.05
        return bump_figure(left, right, steepness, height)

    draw.__name__ = "bump_figure"
    return W.interactive(
        _redraw(draw),
        left=W.FloatSlider(value=left, min=-1.9, max=1.9, step=0.05, description="left a"),
        right=W.FloatSlider(value=right, min=-1.9, max=1.9, step=0.05, description="right b"),
        steepness=W.FloatLogSlider(
            value=steepness, base=10, min=-0.3, max=2, step=0.05, description="steepness s"
        ),
        height=W.FloatSlider(value=height, min=-1.5, max=1.5, step=0.05, description="height h"),
    )


def shape_builder(target="sine", k=8, sharpness=3.0):
    """Build the shape explorer: pick a target and the number of bumps ``k``.

    Returns
    -------
    ipywidgets.interactive
        ``result`` is the current figure from :func:`shape_figure`.
    """
    import ipywidgets as W

    return W.interactive(
        _redraw(shape_figure),
        target=W.Dropdown(options=list(TARGETS), value=target, description="target"),
        k=W.IntSlider(value=k, min=1, max=40, description="bumps k"),
        sharpness=W.FloatSlider(
            value=sharpness, min=0.5, max=10, step=0.5, description="sharpness"
        ),
    )


def explorer(live, *args, **kwargs):
    """An explorer for every reader: live for a person, kernel-free for the book.

    Parameters
    ----------
    live : callable
        A live explorer builder: :func:`lecturekit.linear.line_explorer`,
        :func:`neuron_explorer`, :func:`bump_builder`, :func:`shape_builder` or
        :func:`lecturekit.training_plots.training_explorer`.
    *args, **kwargs
        Its arguments; its kernel-free twin in :mod:`lecturekit.static_explorer` takes the same.

    Returns
    -------
    Explorer
        Nothing is computed until it is displayed.

    Examples
    --------
    The last line of a cell::

        explorer(widgets.neuron_explorer, "sigmoid", w0=0.0, w1=1.0)
    """
    return Explorer(live, args, kwargs)


class Explorer:
    """What :func:`explorer` returns: displayed according to who watches.

    When displayed where a person runs the notebook (:func:`lecturekit.context.interactive`),
    it builds the live widget and shows it (``application/vnd.jupyter.widget-view+json``).
    Where nobody watches, it draws the kernel-free twin instead: ``text/html`` (controls and
    figures computed in advance, for the website) and ``image/png`` (the figure at the starting
    values, for the PDF), from which the book's renderer picks. The twin is not drawn for a
    person: it takes tens of seconds, for a page nobody would see.
    """

    def __init__(self, live, args=(), kwargs=None):
        from . import static_explorer

        name = getattr(live, "__name__", repr(live))
        if name not in static_explorer.TWINS:
            raise ValueError(
                f"{name} has no kernel-free twin; explorers with one: "
                + ", ".join(static_explorer.TWINS)
            )
        self.live = live
        self.twin = getattr(static_explorer, name)
        self.args = tuple(args)
        self.kwargs = dict(kwargs or {})

    def _repr_mimebundle_(self, include=None, exclude=None):
        if interactive():
            return self.live(*self.args, **self.kwargs)._repr_mimebundle_()
        return self.twin(*self.args, **self.kwargs)._repr_mimebundle_()

    def __repr__(self):
        return f"explorer({self.live.__name__})"
