"""Explorers that work without a kernel: figures computed in advance, switched in the browser.

On the website nobody runs Python, so an ipywidgets explorer would be an empty box. Instead,
when the build executes a chapter, each explorer's figure is drawn for a grid of control values
and every frame is embedded in the page as a PNG data URI. Ordinary HTML controls (a range input
per slider, a select per choice) and a few lines of inline script pick the frame that matches
the controls and update the readout. Nothing is loaded from elsewhere.

A full Cartesian product of several sliders is too heavy for a web page, so the grid is built
in two parts: the controls named ``crossed`` take every combination of their values, and every
other control is varied *one at a time* from its starting value. Moving one of those puts the
other one-at-a-time controls back to their starting values; each explorer's caption says so.

The kernel-free twins at the end of this module take the same arguments as the live explorers
(:func:`lecturekit.linear.line_explorer`, :func:`lecturekit.widgets.neuron_explorer`,
:func:`~lecturekit.widgets.bump_builder`, :func:`~lecturekit.widgets.shape_builder`,
:func:`lecturekit.training_plots.training_explorer`); :func:`lecturekit.widgets.explorer`
shows the live one to a person and this one to everybody else.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np

#: Colours kept per PNG frame. Line plots need few; a palette PNG is about a third of an RGBA one.
PALETTE_COLOURS = 64
#: Resolution of the frames: legible at the column width, small enough for many frames.
FRAME_DPI = 80
#: Resolution of the starting figure kept as ``image/png`` for print (the PDF edition).
PRINT_DPI = 150


@dataclass(frozen=True)
class Slider:
    """A numeric control: a range input over ``values``.

    Parameters
    ----------
    name : str
        Keyword argument of the figure function.
    label : str
        What the reader sees next to the control.
    values : sequence of float
        The grid; frames are drawn at these values only. Need not be evenly spaced.
    default : float
        Starting value; must be one of ``values``.
    fmt : str
        Format of the readout, e.g. ``"{:.2f}"``.
    """

    name: str
    label: str
    values: Sequence[float]
    default: float
    fmt: str = "{:g}"

    def grid(self):
        return [float(v) for v in self.values]

    def labels(self):
        return [self.fmt.format(v) for v in self.grid()]

    def default_index(self):
        hits = np.flatnonzero(np.isclose(self.grid(), float(self.default), rtol=0, atol=1e-9))
        if hits.size == 0:
            raise ValueError(f"{self.name}: the default {self.default} is not on its grid")
        return int(hits[0])


@dataclass(frozen=True)
class Choice:
    """A control with named options: a select.

    Parameters
    ----------
    name, label : str
        As for :class:`Slider`.
    options : sequence of (str, value)
        Label shown to the reader and the value passed to the figure function.
    default : value
        Starting value; must be one of the options' values.
    """

    name: str
    label: str
    options: Sequence[tuple[str, object]]
    default: object

    def grid(self):
        return [value for _, value in self.options]

    def labels(self):
        return [str(label) for label, _ in self.options]

    def default_index(self):
        for i, value in enumerate(self.grid()):
            if value == self.default:
                return i
        raise ValueError(f"{self.name}: the default {self.default!r} is not among its options")


def frame_keys(controls, crossed=()):
    """The grid of frames as tuples of value indices, one index per control.

    The controls named in ``crossed`` take every combination of their values; each other
    control varies on its own with the rest of those at their defaults.

    Returns
    -------
    list of tuple of int
        Starting from the all-defaults frame, without repeats.
    """
    names = [c.name for c in controls]
    if len(set(names)) != len(names):
        raise ValueError(f"control names must be distinct; got {names}")
    unknown = set(crossed) - set(names)
    if unknown:
        raise ValueError(f"crossed names no control: {sorted(unknown)}")
    defaults = [c.default_index() for c in controls]
    is_crossed = [c.name in crossed for c in controls]
    # The one-at-a-time part: the defaults, then each control alone over its grid.
    singles = [tuple(defaults)]
    for i, control in enumerate(controls):
        if not is_crossed[i]:
            for j in range(len(control.grid())):
                singles.append(tuple(defaults[:i]) + (j,) + tuple(defaults[i + 1 :]))
    crossed_axes = [range(len(c.grid())) for c, x in zip(controls, is_crossed, strict=True) if x]
    keys = []
    for combo in itertools.product(*crossed_axes):
        for single in singles:
            values = iter(combo)
            key = tuple(next(values) if x else s for s, x in zip(single, is_crossed, strict=True))
            keys.append(key)
    # The defaults come first for any crossed values; dict.fromkeys drops repeats in order.
    keys = list(dict.fromkeys(keys))
    keys.remove(tuple(defaults))
    return [tuple(defaults), *keys]


def frame_data_uri(fig, fmt="png", dpi=FRAME_DPI):
    """A figure as a data URI: a palette PNG (``fmt="png"``) or an SVG (``fmt="svg"``).

    For this book's line plots the palette PNG at 80 dpi is four to five times smaller than
    the SVG (matplotlib writes SVG text as paths), so PNG is the default.
    """
    from PIL import Image

    buffer = io.BytesIO()
    if fmt == "svg":
        fig.savefig(buffer, format="svg")
        return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()
    if fmt != "png":
        raise ValueError(f'fmt must be "png" or "svg"; got {fmt!r}')
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    small = io.BytesIO()
    image.quantize(colors=PALETTE_COLOURS).save(small, format="png", optimize=True)
    return "data:image/png;base64," + base64.b64encode(small.getvalue()).decode()


def static_explorer(draw, controls, crossed=(), *, alt, caption="", fmt="png", dpi=FRAME_DPI):
    """Draw ``draw(**values)`` over a grid of control values and embed the frames in HTML.

    Parameters
    ----------
    draw : callable
        Keyword arguments named as the controls; returns a matplotlib Figure (or Axes).
        Each figure is closed once it has been stored.
    controls : sequence of Slider or Choice
        In the order they appear above the figure.
    crossed : sequence of str
        Controls that take every combination of their values (see :func:`frame_keys`).
    alt : str
        Alternative text of the figure; the current values are appended to it.
    caption : str
        Text shown under the figure, before the sentence that says which frames exist.
    fmt, dpi
        Frame format and resolution (see :func:`frame_data_uri`).

    Returns
    -------
    StaticExplorer
        Displayed as its HTML (``text/html``, for the website) and its starting figure
        (``image/png`` at :data:`PRINT_DPI`, for print); the renderer picks one. With
        ``frame_count`` and ``nbytes`` (the size of its HTML) as attributes.
    """
    controls = list(controls)
    keys = frame_keys(controls, crossed)
    frames = {}
    for key in keys:
        values = {c.name: c.grid()[i] for c, i in zip(controls, key, strict=True)}
        # A title at its fixed height: matplotlib would otherwise measure the frame's tick
        # labels to see whether they push it up (they do not, in a figure without labels on
        # top), a seventh of the frame's drawing time.
        with plt.rc_context({"axes.titley": 1.0}):
            fig = draw(**values)
        fig = getattr(fig, "figure", fig)  # an Axes has .figure; a Figure is its own
        frames[",".join(map(str, key))] = frame_data_uri(fig, fmt, dpi)
        if key == keys[0]:  # the starting values: the figure print shows
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=PRINT_DPI, facecolor="white")
            start = buffer.getvalue()
        plt.close(fig)
    text = _html(controls, crossed, frames, keys[0], alt, caption)
    return StaticExplorer(text, start, len(frames))


class StaticExplorer:
    """A kernel-free explorer's output: its HTML and, for print, its starting figure.

    Jupyter displays both (``text/html`` and ``image/png``); the book's renderer keeps the
    HTML for the website and the PNG for the PDF (``nb_mime_priority_overrides``).

    Attributes
    ----------
    data : str
        The HTML.
    png : bytes
        The figure at the starting values, at :data:`PRINT_DPI`.
    frame_count : int
    nbytes : int
        Size of the HTML in bytes.
    """

    def __init__(self, data, png, frame_count):
        self.data = data
        self.png = png
        self.frame_count = frame_count
        self.nbytes = len(data.encode())

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {
            "text/html": self.data,
            "image/png": self.png,
            "text/plain": f"<kernel-free explorer: {self.frame_count} frames>",
        }


def grid_sentence(controls, crossed=()):
    """Which frames exist, in words, for the explorer's caption."""
    count = len(frame_keys(controls, crossed))
    sized = {c.name: f"{c.label} ({len(c.grid())} values)" for c in controls}
    single = [sized[c.name] for c in controls if c.name not in crossed]
    both = [sized[c.name] for c in controls if c.name in crossed]
    parts = []
    if both:
        parts.append("every combination of " + _and(both))
    if single:
        start = "with that, " if both else ""
        alone = (
            f"{start}{_and(single)} one at a time from the starting values (moving one puts "
            "the others back at their start)"
            if len(single) > 1
            else f"{start}{single[0]}"
        )
        parts.append(alone)
    return f"Computed in advance for the website: {count} frames, " + "; ".join(parts) + "."


def _and(words):
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


# The page's script: find the frame of the controls' indices; if the grid holds none (two
# one-at-a-time controls moved), put the other one-at-a-time controls back to their defaults.
_SCRIPT = """
(function () {
  var root = document.getElementById("%(id)s");
  var frames = JSON.parse(root.querySelector("script.lk-frames").textContent);
  var img = root.querySelector("img");
  var controls = Array.prototype.slice.call(root.querySelectorAll("[data-control]"));
  var key = function () { return controls.map(function (c) { return c.value; }).join(","); };
  var show = function (moved) {
    if (!(key() in frames)) {
      controls.forEach(function (c) {
        if (c !== moved && c.dataset.crossed !== "1") { c.value = c.dataset.default; }
      });
    }
    var said = controls.map(function (c) {
      var label = JSON.parse(c.dataset.labels)[c.value];
      root.querySelector("output[for='" + c.id + "']").textContent = label;
      if (c.type === "range") { c.setAttribute("aria-valuetext", label); }
      return c.dataset.name + " = " + label;
    });
    img.src = frames[key()];
    img.alt = img.dataset.alt + " (" + said.join(", ") + ")";
  };
  controls.forEach(function (c) { c.addEventListener("input", function () { show(c); }); });
})();
"""


# Label, control and readout on one line, wrapping on a phone rather than overflowing.
ROW_STYLE = "display:flex;flex-wrap:wrap;align-items:center;gap:0.5em;margin:0.2em 0"


def _html(controls, crossed, frames, first, alt, caption):
    ident = "lk-explorer-" + hashlib.sha1(json.dumps(frames).encode()).hexdigest()[:12]
    rows = []
    for n, (control, index) in enumerate(zip(controls, first, strict=True)):
        cid = f"{ident}-{n}"
        labels = control.labels()
        common = (
            f'id="{cid}" data-control data-name="{html.escape(control.label)}" '
            f'data-default="{index}" data-crossed="{int(control.name in crossed)}" '
            f"data-labels='{html.escape(json.dumps(labels, ensure_ascii=False))}'"
        )
        if isinstance(control, Slider):
            # A range input's value is the frame's index; aria-valuetext gives a screen
            # reader the value the reader sees in the readout.
            widget = (
                f'<input type="range" {common} min="0" max="{len(labels) - 1}" step="1" '
                f'value="{index}" aria-valuetext="{html.escape(labels[index])}">'
            )
        else:
            options = "".join(
                f'<option value="{i}"{" selected" if i == index else ""}>'
                f"{html.escape(label)}</option>"
                for i, label in enumerate(labels)
            )
            widget = f"<select {common}>{options}</select>"
        rows.append(
            f'<label for="{cid}" style="display:inline-block;min-width:8em">'
            f"{html.escape(control.label)}</label> {widget} "
            f'<output for="{cid}" style="font-family:monospace">{html.escape(labels[index])}'
            "</output>"
        )
    said = ", ".join(f"{c.label} = {c.labels()[i]}" for c, i in zip(controls, first, strict=True))
    first_key = ",".join(map(str, first))
    # "<" is escaped so that no label can close the script element early.
    data = json.dumps(frames).replace("<", "\\u003c")
    note = (caption + " " if caption else "") + grid_sentence(controls, crossed)
    return (
        f'<figure class="lk-explorer" id="{ident}" data-frames="{len(frames)}" '
        'style="margin:0.5em 0">'
        + "".join(f'<div style="{ROW_STYLE}">{row}</div>' for row in rows)
        + f'<img src="{frames[first_key]}" data-alt="{html.escape(alt)}" '
        f'alt="{html.escape(alt)} ({html.escape(said)})" style="max-width:100%;height:auto">'
        # The caption takes the text colour of the output it sits in: the theme's muted grey
        # for captions is made for the page's background, not for an output's panel.
        f'<figcaption style="font-size:0.9em;color:inherit">{html.escape(note)}</figcaption>'
        f'<script type="application/json" class="lk-frames">{data}</script>'
        f"<script>{_SCRIPT % {'id': ident}}</script></figure>"
    )


# --- kernel-free twins of the book's explorers (same arguments as the live ones) ------------


def _on_grid(values, default):
    """``values`` with ``default`` added where it is missing, sorted."""
    grid = [float(v) for v in values]
    if not np.any(np.isclose(grid, float(default), rtol=0, atol=1e-9)):
        grid.append(float(default))
    return sorted(grid)


def _steps(lo, hi, step):
    """``lo, lo + step, …, hi`` without rounding noise (so labels read 0.5, not 0.5000001)."""
    return list(np.round(np.arange(lo, hi + step / 2, step), 10))


def line_explorer(x, d, w0=0.0, w1=0.0, limits=(-3.0, 3.0)):
    """Kernel-free :func:`lecturekit.linear.line_explorer`: every (w₀, w₁) on a 0.5 grid.

    The vertical axis is fixed by the data, so the frames can be compared.
    """
    from . import linear

    x = np.asarray(x, float)
    d = np.asarray(d, float)
    best = linear.sse(x, d, linear.least_squares(x, d))
    pad = 0.5 * (d.max() - d.min())

    def draw(w0, w1):
        ax = linear.plot_fit(x, d, np.array([w0, w1]))
        ax.plot([], [], " ", label=f"least-squares loss {best:.3f}")
        ax.legend(loc="upper left")
        ax.set_ylim(d.min() - pad, d.max() + pad)
        return ax.figure

    lo, hi = limits
    controls = [
        Slider("w0", "w₀", _on_grid(_steps(lo, hi, 0.5), w0), w0, "{:.2f}"),
        Slider("w1", "w₁", _on_grid(_steps(lo, hi, 0.5), w1), w1, "{:.2f}"),
    ]
    return static_explorer(
        draw,
        controls,
        crossed=("w0", "w1"),
        alt="The data, the line y = w₀ + w₁x with its residuals, and its loss in the title",
    )


def neuron_explorer(activation="sigmoid", w0=0.0, w1=1.0):
    """Kernel-free :func:`lecturekit.widgets.neuron_explorer`.

    Every activation, each with the bias and the weight moved one at a time (steps of 1).
    """
    from .activations import get_activation
    from .figures import GALLERY
    from .widgets import neuron_figure

    controls = [
        Choice(
            "activation", "f", [(name, name) for name in GALLERY], get_activation(activation).name
        ),
        Slider("w0", "bias w̄₀", _on_grid(_steps(-5, 5, 1), w0), w0, "{:.1f}"),
        Slider("w1", "weight w̄₁", _on_grid(_steps(-5, 5, 1), w1), w1, "{:.1f}"),
    ]
    return static_explorer(
        neuron_figure,
        controls,
        crossed=("activation",),
        alt="One neuron's output y = f(w̄₀ + w̄₁x) against the feature x",
    )


def bump_builder(left=-0.5, right=0.5, steepness=10.0, height=1.0):
    """Kernel-free :func:`lecturekit.widgets.bump_builder`: each control on its own.

    The left edge stays left of the right one, as the grids never cross the other's default.
    """
    from .widgets import bump_figure

    edges = _steps(-1.9, 1.9, 0.2)  # holds the defaults ±0.5
    controls = [
        Slider("left", "left a", _on_grid([e for e in edges if e < right], left), left),
        Slider("right", "right b", _on_grid([e for e in edges if e > left], right), right),
        Slider(
            "steepness",
            "steepness s",
            _on_grid([0.5, 1, 2, 3, 5, 10, 20, 50, 100], steepness),
            steepness,
        ),
        Slider("height", "height h", _on_grid(_steps(-1.5, 1.5, 0.25), height), height),
    ]
    return static_explorer(
        bump_figure,
        controls,
        alt="Two weighted tanh neurons (dashed) and their sum, the bump (solid)",
    )


def shape_builder(target="sine", k=8, sharpness=3.0):
    """Kernel-free :func:`lecturekit.widgets.shape_builder`.

    Every target, each with the number of bumps and the sharpness moved one at a time.
    """
    from .widgets import TARGETS, shape_figure

    ks = sorted({1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 40, int(k)})
    controls = [
        Choice("target", "target", [(name, name) for name in TARGETS], target),
        Slider("k", "bumps k", ks, k, "{:.0f}"),
        Slider("sharpness", "sharpness", _on_grid([1, 2, 3, 5, 10], sharpness), sharpness),
    ]

    def draw(target, k, sharpness):
        return shape_figure(target, int(k), sharpness)

    return static_explorer(
        draw,
        controls,
        crossed=("target",),
        alt="A target shape on [−1, 1] (thick grey) and the network of k tanh bumps following it",
    )


def training_explorer(X, d, Wh, wo, lr=0.1, batch_size=None, epochs=300, truth=None):
    """Kernel-free :func:`lecturekit.training_plots.training_explorer`.

    Every combination of five learning rates and five batch sizes; each frame is a training run.
    """
    from . import train
    from .training_plots import training_figure

    m = len(d)
    sizes = sorted({s for s in (1, 4, 8, 16) if s < m} | ({batch_size} - {None, m}))
    options = [(str(s), s) for s in sizes] + [(f"full ({m})", None)]
    controls = [
        Slider("lr", "η", _on_grid([0.01, 0.03, 0.1, 0.3, 1.0], lr), lr),
        Choice("batch_size", "batch size", options, None if batch_size == m else batch_size),
    ]

    # The live explorer's loss range, the same in every frame: three decades below the
    # starting objective to 100 times it.
    J0 = train.loss_value(X, d, Wh, wo) / m
    loss_ylim = (1e-3 * J0, 100 * J0)

    def draw(lr, batch_size):
        return training_figure(
            X, d, Wh, wo, lr, batch_size, epochs, truth=truth, loss_ylim=loss_ylim
        )

    return static_explorer(
        draw,
        controls,
        crossed=("lr", "batch_size"),
        alt=f"Training for {epochs} epochs: the loss curve (left) and the fitted curve (right)",
    )


#: The kernel-free twins, by the name of the live explorer they stand in for.
TWINS = ("line_explorer", "neuron_explorer", "bump_builder", "shape_builder", "training_explorer")
