"""The explorers: the bump has the claimed shape, sums of bumps converge, the UIs build and
react without a display, and the gallery plots every activation."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lecturekit import figures, widgets  # noqa: E402
from lecturekit.activations import get_activation  # noqa: E402
from lecturekit.network import predict  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize(("a", "b", "s", "h"), [(-0.5, 0.5, 10, 1.0), (0.2, 1.4, 6, -0.7)])
def test_bump_has_the_claimed_shape(a, b, s, h):
    Wh, wo = widgets.bump_weights(a, b, s, h)
    assert Wh.shape == (2, 2) and wo.shape == (3,)
    x = np.linspace(-4, 4, 8001)
    y, H = widgets.network_curve(x, Wh, wo)
    # It is the lecture's network y = [1 tanh(X̄ W̄ʰ)] w̄ᵒ ...
    np.testing.assert_allclose(y, predict(x[:, None], Wh, wo, "tanh", "identity"))
    # ... equal to the closed form (h/2)[tanh(s(x − a)) − tanh(s(x − b))].
    np.testing.assert_allclose(y, h / 2 * (np.tanh(s * (x - a)) - np.tanh(s * (x - b))), atol=1e-14)
    c = (a + b) / 2
    peak = h * np.tanh(s * (b - a) / 2)
    assert np.isclose(y[np.argmin(abs(x - c))], peak, atol=1e-5)
    assert abs(peak) > 0.99 * abs(h)
    # Its extreme sits at the centre, it is symmetric about it, and it vanishes far away.
    assert abs(x[np.argmax(abs(y))] - c) < 2e-3
    d = np.linspace(0, 2, 50)
    y_left, _ = widgets.network_curve(c - d, Wh, wo)
    y_right, _ = widgets.network_curve(c + d, Wh, wo)
    np.testing.assert_allclose(y_left, y_right, atol=1e-12)
    assert np.all(np.abs(y[(x < a - 1) | (x > b + 1)]) < 1e-3 * abs(h))
    # Half height at the edges.
    ya, _ = widgets.network_curve(np.array([a, b]), Wh, wo)
    np.testing.assert_allclose(ya, h / 2 * np.tanh(s * (b - a)), rtol=1e-12)


def test_sum_of_bumps_converges_to_target():
    x = np.linspace(-1, 1, 2001)
    errs = []
    for k in (4, 16, 64):
        Wh, wo = widgets.shape_weights("sine", k)
        assert Wh.shape == (2, 2 * k) and wo.shape == (2 * k + 1,)
        y, _ = widgets.network_curve(x, Wh, wo)
        errs.append(np.sqrt(np.mean((y - np.sin(np.pi * x)) ** 2)))
    assert errs[0] > errs[1] > errs[2]
    assert errs[2] < 0.01


def test_bump_weights_validate():
    with pytest.raises(ValueError, match="strictly increasing"):
        widgets.bump_weights(0.5, -0.5)
    with pytest.raises(ValueError, match="steepness s must be positive"):
        widgets.bump_weights(-1, 1, steepness=0)
    with pytest.raises(ValueError, match="K ≥ 1 heights and K \\+ 1 edges"):
        widgets.bumps_weights([0, 1, 2], [1.0], 5)
    with pytest.raises(ValueError, match="unknown target"):
        widgets.shape_weights("cosine")


def test_neuron_figure_plots_the_neuron():
    fig = widgets.neuron_figure("tanh", w0=1.0, w1=-2.0)
    ax = fig.axes[0]
    x, y = ax.lines[0].get_data()
    np.testing.assert_allclose(y, np.tanh(1.0 - 2.0 * x))
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()


def test_neuron_explorer_builds_and_reacts_without_display():
    ui = widgets.neuron_explorer("sigmoid", 0.0, 1.0)
    assert ui.kwargs == {"activation": "sigmoid", "w0": 0.0, "w1": 1.0}
    x, y = ui.result.axes[0].lines[0].get_data()
    np.testing.assert_allclose(y, get_activation("sigmoid").f(x))
    controls = {c.description: c for c in ui.children if hasattr(c, "value")}
    controls["f"].value = "relu"
    controls["bias w̄₀"].value = 2.0
    x, y = ui.result.axes[0].lines[0].get_data()
    np.testing.assert_allclose(y, np.maximum(2.0 + x, 0))
    # Redrawing closes the previous figure instead of piling them up.
    assert len(plt.get_fignums()) == 1


@pytest.mark.slow
def test_bump_and_shape_builders_react():
    ui = widgets.bump_builder()
    controls = {c.description: c for c in ui.children if hasattr(c, "value")}
    controls["height h"].value = -1.0
    ys = ui.result.axes[0].lines[2].get_ydata()
    assert ys.min() < -0.99 and ys.max() < 1e-6
    # Crossing the edges keeps the widget drawable.
    controls["left a"].value = 1.0
    controls["right b"].value = 0.0
    assert ui.result is not None
    shape = widgets.shape_builder()
    ctrl = {c.description: c for c in shape.children if hasattr(c, "value")}
    ctrl["bumps k"].value = 3
    assert "p = 6" in shape.result.axes[0].get_title()


def test_gallery_has_every_activation_with_labels():
    fig = figures.activation_gallery()
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == list(figures.GALLERY)
    for ax, name in zip(visible, figures.GALLERY, strict=True):
        z, f = ax.lines[0].get_data()
        _, df = ax.lines[1].get_data()
        act = get_activation(name)
        np.testing.assert_allclose(f, act.f(z))
        np.testing.assert_allclose(df, act.df(z))
        assert ax.get_xlabel() and ax.get_ylabel()


def test_neuron_map_boundary_and_data():
    X, d = figures.two_classes(40, seed=1)
    assert X.shape == (40, 2) and set(d) == {0.0, 1.0}
    ax = figures.neuron_map([0.0, 1.0, 1.0], "heaviside", X, d)
    assert "heaviside" in ax.get_title()
    with pytest.raises(ValueError, match="length n̄ = 3"):
        figures.neuron_map([0.0, 1.0], "sigmoid")


def test_explorer_shows_the_kernel_free_twin_where_nobody_watches(monkeypatch, first_frame_only):
    """The book's output: the twin's HTML for the website and its starting figure for print.
    (Only the twin's first frame is drawn here; tests/test_static_explorer.py draws grids.)"""
    monkeypatch.setenv("LECTUREKIT_BUILD", "1")
    bundle = widgets.explorer(widgets.bump_builder, -0.5, 0.5, 10.0, 1.0)._repr_mimebundle_()
    assert set(bundle) == {"text/html", "image/png", "text/plain"}
    assert bundle["text/html"].startswith('<figure class="lk-explorer"')
    assert bundle["image/png"].startswith(b"\x89PNG\r\n\x1a\n")
    assert "application/vnd.jupyter.widget-view+json" not in bundle


def test_explorer_shows_the_live_widget_to_a_person(monkeypatch):
    from lecturekit import context

    monkeypatch.delenv("LECTUREKIT_BUILD", raising=False)
    monkeypatch.setattr(context, "_front_end_takes_input", lambda: True)
    bundle = widgets.explorer(widgets.neuron_explorer, "tanh", w0=1.0)._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "text/html" not in bundle  # the twin is not drawn for nobody to see


def test_explorer_refuses_a_function_without_a_twin():
    with pytest.raises(ValueError, match="bump_figure has no kernel-free twin"):
        widgets.explorer(widgets.bump_figure)


@pytest.mark.parametrize("k", [2.7, "8", True])
def test_shape_weights_refuses_a_k_that_is_not_a_whole_number(k):
    # 2.7 bumps would be truncated to 2 without a word
    with pytest.raises((TypeError, ValueError), match="k"):
        widgets.shape_weights(k=k)
