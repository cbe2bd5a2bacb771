"""The kernel-free explorers: which frames exist, that each is the figure of its values, that the
page needs nothing from elsewhere, and that the book's five twins start at their live figure
(their pages' weight is measured on the built site by tests/test_browser.py)."""

from __future__ import annotations

import base64
import html.parser
import io
import json
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from lecturekit import data, linear, network, training_plots, widgets  # noqa: E402
from lecturekit import static_explorer as se  # noqa: E402

pytest.importorskip("IPython")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


class _Page(html.parser.HTMLParser):
    """Tags and attributes of an explorer's HTML, and the text of its JSON script."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self._in_json = False
        self.frames = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        self._in_json = tag == "script" and attrs.get("type") == "application/json"

    def handle_data(self, text):
        if self._in_json:
            self.frames = json.loads(text)
            self._in_json = False


def parse(explorer) -> _Page:
    page = _Page()
    page.feed(explorer.data)
    return page


def png_of(uri: str) -> Image.Image:
    head, payload = uri.split(",", 1)
    assert head == "data:image/png;base64"
    return Image.open(io.BytesIO(base64.b64decode(payload)))


def line_figure(a, b):
    fig, ax = plt.subplots(figsize=(3, 2))
    x = np.linspace(0, 1, 20)
    ax.plot(x, a + b * x)
    ax.set_ylim(-3, 3)
    return fig


SLIDERS = [
    se.Slider("a", "intercept a", [-1.0, 0.0, 1.0], 0.0),
    se.Slider("b", "slope b", [-2.0, -1.0, 0.0, 1.0, 2.0], 1.0),
]


def test_one_at_a_time_varies_each_control_from_the_defaults():
    keys = se.frame_keys(SLIDERS)
    assert keys[0] == (1, 3)  # the defaults' indices come first
    assert len(keys) == len(set(keys)) == 1 + (3 - 1) + (5 - 1)
    # Every frame differs from the defaults in at most one control.
    assert all(sum(k != d for k, d in zip(key, keys[0], strict=True)) <= 1 for key in keys)


def test_crossed_controls_take_every_combination():
    assert sorted(se.frame_keys(SLIDERS, crossed=("a", "b"))) == [
        (i, j) for i in range(3) for j in range(5)
    ]
    # One crossed control with one varied alone: each value of `a` with every `b`, here the
    # same as the product; with a third control, that one moves alone for each `a`.
    third = [*SLIDERS, se.Choice("c", "colour", [("red", "r"), ("blue", "b")], "r")]
    keys = se.frame_keys(third, crossed=("a",))
    assert len(keys) == len(set(keys)) == 3 * (1 + 4 + 1)
    assert {k[0] for k in keys} == {0, 1, 2}
    assert all(k[1] == 3 or k[2] == 0 for k in keys)  # b and c never both moved


@pytest.mark.parametrize(
    ("controls", "crossed", "message"),
    [
        ([se.Slider("a", "a", [0.0, 1.0], 0.5)], (), "not on its grid"),
        ([se.Choice("f", "f", [("x", 1)], 2)], (), "not among its options"),
        ([SLIDERS[0], SLIDERS[0]], (), "distinct"),
        (SLIDERS, ("c",), "crossed names no control"),
    ],
)
def test_bad_grids_are_refused(controls, crossed, message):
    with pytest.raises(ValueError, match=message):
        se.frame_keys(controls, crossed)


@pytest.mark.slow
def test_each_frame_is_the_figure_of_its_values():
    calls = []

    def draw(a, b):
        calls.append((a, b))
        return line_figure(a, b)

    explorer = se.static_explorer(draw, SLIDERS, alt="a line")
    page = parse(explorer)
    assert explorer.frame_count == len(page.frames) == len(calls) == 7
    assert explorer.nbytes == len(explorer.data.encode())
    assert not plt.get_fignums(), "the explorer leaves its figures open"
    for key, uri in page.frames.items():
        i, j = map(int, key.split(","))
        a, b = SLIDERS[0].values[i], SLIDERS[1].values[j]
        assert (a, b) in calls
        fig = line_figure(a, b)
        again = se.frame_data_uri(fig)
        plt.close(fig)
        assert uri == again, f"frame {key} is not the figure of a = {a}, b = {b}"
    # The frames are distinct pictures (the line moves), as palette PNGs.
    assert len(set(page.frames.values())) == len(page.frames)
    assert png_of(next(iter(page.frames.values()))).mode == "P"


def test_the_page_shows_the_defaults_and_needs_nothing_from_elsewhere():
    explorer = se.static_explorer(line_figure, SLIDERS, alt="a line", caption="Try it.")
    page = parse(explorer)
    ranges = [attrs for tag, attrs in page.tags if tag == "input"]
    assert [r["type"] for r in ranges] == ["range", "range"]
    assert [int(r["value"]) for r in ranges] == [1, 3]  # the defaults' indices
    assert [int(r["max"]) for r in ranges] == [2, 4]
    # Each control is named by its label, and a screen reader hears the value, not its index.
    named = {attrs["for"]: attrs for tag, attrs in page.tags if tag == "label"}
    assert all(r["id"] in named for r in ranges)
    assert [r["aria-valuetext"] for r in ranges] == ["0", "1"]
    labels = [json.loads(r["data-labels"]) for r in ranges]
    assert labels == [["-1", "0", "1"], ["-2", "-1", "0", "1", "2"]]
    (img,) = [attrs for tag, attrs in page.tags if tag == "img"]
    assert img["src"] == page.frames["1,3"]
    assert "intercept a = 0" in img["alt"] and "slope b = 1" in img["alt"]
    # No address outside the page: every src is a data URI and no script has a src.
    assert not re.search(r"(src|href)=[\"'](?!data:)", explorer.data)
    assert not re.search(r"https?://", explorer.data)
    assert "Try it." in explorer.data and "7 frames" in explorer.data
    assert "one at a time" in se.grid_sentence(SLIDERS)
    assert "every combination" in se.grid_sentence(SLIDERS, crossed=("a", "b"))


def test_a_choice_is_a_select_and_svg_frames_are_possible():
    controls = [se.Choice("b", "slope", [("flat", 0.0), ("steep", 2.0)], 0.0)]
    explorer = se.static_explorer(lambda b: line_figure(0.0, b), controls, alt="x", fmt="svg")
    page = parse(explorer)
    options = [attrs for tag, attrs in page.tags if tag == "option"]
    assert [o["value"] for o in options] == ["0", "1"] and "selected" in options[0]
    assert all(uri.startswith("data:image/svg+xml;base64,") for uri in page.frames.values())
    with pytest.raises(ValueError, match="fmt"):
        se.frame_data_uri(line_figure(0, 0), fmt="gif")


# --- the book's explorers ---------------------------------------------------------------------


def chapter_5_explorer():
    X, d = data.make_sine(40, noise=0.15, seed=5)
    Wh, wo = network.init_weights(1, 12, seed=0)
    # Few epochs: the frames' count and weight are what is tested, not the training.
    return se.training_explorer(X, d, Wh, wo, lr=0.1, batch_size=8, epochs=5, truth=np.sin), (
        training_plots.training_figure(X, d, Wh, wo, 0.1, 8, 5, truth=np.sin)
    )


def chapter_1_explorer():
    rng = np.random.default_rng(721)
    x = np.sort(rng.uniform(-2, 2, 12))
    d = 0.5 + 1.5 * x + rng.normal(0, 0.4, 12)
    return se.line_explorer(x, d), linear.plot_fit(x, d, np.zeros(2)).figure


TWINS = {
    "line_explorer": chapter_1_explorer,
    "neuron_explorer": lambda: (
        se.neuron_explorer("sigmoid", 0.0, 1.0),
        widgets.neuron_figure("sigmoid", 0.0, 1.0),
    ),
    "bump_builder": lambda: (se.bump_builder(), widgets.bump_figure()),
    "shape_builder": lambda: (se.shape_builder("sine", 8), widgets.shape_figure("sine", 8)),
    "training_explorer": chapter_5_explorer,
}


# Twins whose frames are the live figure function's output as it is (the line and training
# twins add a fixed vertical range and a legend entry, so that their frames compare).
SAME_CALL = ("neuron_explorer", "bump_builder", "shape_builder")


@pytest.mark.parametrize("name", se.TWINS)
def test_the_books_explorers_start_at_the_live_figure(name, first_frame_only):
    """Each of the book's twins has a grid of more than ten frames, and its first frame is drawn
    at the live explorer's starting values: the same size of picture. Only that frame is drawn
    here; the built pages, every frame included, are weighed by the browser test (at most 2 MB
    a page: ``tests/test_browser.py``)."""
    grid = first_frame_only
    explorer, live_default = TWINS[name]()
    assert len(grid) > 10, f"{name}: {len(grid)} frames"
    (first,) = parse(explorer).frames.values()
    assert png_of(first).size == tuple(
        round(v) for v in live_default.get_size_inches() * se.FRAME_DPI
    )
    if name in SAME_CALL:  # the twin draws with the live figure's own call: the same pixels
        assert first == se.frame_data_uri(live_default)
