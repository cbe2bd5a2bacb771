"""The training chapter's figures and explorer: they draw what they claim and react."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lecturekit import data, network, train  # noqa: E402
from lecturekit import training_plots as tp  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def sine():
    X, d = data.make_sine(20, 0.1, seed=0)
    Wh, wo = network.init_weights(1, 4, seed=0)
    return X, d, Wh, wo


def test_plot_history_draws_one_line_per_run(sine):
    X, d, Wh, wo = sine
    runs = {"a": train.fit(X, d, Wh, wo, epochs=5), "b": train.fit(X, d, Wh, wo, epochs=8)}
    fig = tp.plot_history(runs, title="T")
    ax = fig.axes[0]
    lines = ax.get_lines()
    assert [len(line.get_xdata()) for line in lines] == [6, 9]
    np.testing.assert_array_equal(lines[1].get_ydata(), runs["b"].history)
    assert ax.get_title() == "T" and ax.get_yscale() == "log" and ax.get_xlabel() == "epoch"
    fig = tp.plot_history(runs, against="time")
    np.testing.assert_array_equal(fig.axes[0].get_lines()[0].get_xdata(), runs["a"].times)


def test_plot_history_clips_a_diverged_run(sine):
    fig = tp.plot_history({"x": np.array([1.0, 1e200, np.inf])}, ylim=(0.1, 10))
    y = fig.axes[0].get_lines()[0].get_ydata()
    assert y[0] == 1.0 and y[1] == 100.0 and np.isnan(y[2])
    assert fig.axes[0].get_ylim() == pytest.approx((0.1, 10))


def test_plot_history_bad_arguments():
    with pytest.raises(ValueError, match="map a label"):
        tp.plot_history([np.ones(3)])
    with pytest.raises(ValueError, match="needs a TrainResult"):
        tp.plot_history({"x": np.ones(3)}, against="time")
    with pytest.raises(ValueError, match='against must be "epoch" or "time"'):
        tp.plot_history({"x": np.ones(3)}, against="steps")


def test_fit_figure_draws_the_network_curve(sine):
    X, d, Wh, wo = sine
    fig = tp.fit_figure(X, d, Wh, wo, truth=np.sin)
    data_line, truth_line, net_line = fig.axes[0].get_lines()
    np.testing.assert_array_equal(data_line.get_ydata(), d)
    x = net_line.get_xdata()
    np.testing.assert_allclose(net_line.get_ydata(), network.predict(x[:, None], Wh, wo))
    np.testing.assert_allclose(truth_line.get_ydata(), np.sin(x))
    with pytest.raises(ValueError, match="X must be m×1"):
        tp.fit_figure(np.zeros((20, 2)), d, np.zeros((3, 4)), wo)


def test_boundary_figure_reports_the_accuracy():
    X, labels = data.make_moons(40, 0.1, seed=0)
    Wh, wo = network.init_weights(2, 3, seed=0)
    fig = tp.boundary_figure(X, labels, Wh, wo, title="B")
    acc = np.mean((network.predict(X, Wh, wo, "tanh", "sigmoid") > 0.5) == (labels == 1))
    assert fig.axes[0].get_title() == f"B (training accuracy {acc:.0%})"
    assert len(fig.axes) == 2  # the plot and its colour bar
    with pytest.raises(ValueError, match="X must be m×2"):
        tp.boundary_figure(X[:, :1], labels, Wh, wo)


@pytest.mark.slow
def test_training_figure_and_explorer_react(sine):
    X, d, Wh, wo = sine
    fig = tp.training_figure(X, d, Wh, wo, lr=0.1, batch_size=4, epochs=3)
    assert fig.result.steps == 15 and len(fig.axes) == 2
    ui = tp.training_explorer(X, d, Wh, wo, lr=0.1, batch_size=4, epochs=3)
    first = ui.result
    assert first.result.steps == 15
    open_figures = len(plt.get_fignums())
    ui.children[1].value = len(d)  # full batch
    assert ui.result is not first and ui.result.result.steps == 3
    assert len(plt.get_fignums()) == open_figures  # the previous figure was closed
    diverging = tp.training_figure(X, d, Wh, wo, lr=1e3, epochs=50)
    assert "diverged" in diverging.axes[0].get_title()


@pytest.mark.slow
def test_every_batch_size_option_keeps_its_label(sine):
    X, d, Wh, wo = sine
    ui = tp.training_explorer(X, d, Wh, wo, lr=0.1, batch_size=None, epochs=1)
    dropdown = ui.children[1]
    assert dropdown.label == f"full ({len(d)})"
    for label, value in dropdown.options:
        dropdown.value = value
        assert (dropdown.label, dropdown.index) == (label, dropdown.options.index((label, value)))
    assert ui.result.result.steps == 1, "the full option trains on the full batch"


def test_a_diverged_fit_is_clipped_to_the_data_and_labelled(sine):
    X, d, Wh, wo = sine
    fig = tp.training_figure(X, d, Wh, wo, lr=1e3, epochs=50)
    assert fig.result.diverged
    low, high = fig.axes[1].get_ylim()
    assert d.min() - (d.max() - d.min()) <= low < d.min() and d.max() < high
    assert high <= d.max() + (d.max() - d.min())
    assert "diverged" in fig.axes[1].get_title()


@pytest.mark.slow
def test_the_explorer_keeps_its_axes_and_says_it_is_training(sine, monkeypatch):
    X, d, Wh, wo = sine
    ui = tp.training_explorer(X, d, Wh, wo, lr=0.1, batch_size=4, epochs=30)
    slider, dropdown, status = ui.children[:3]
    assert slider.continuous_update is False  # retrain on release, not on every tick
    limits = [ax.get_ylim() for ax in ui.result.axes]
    first_final = ui.result.result.history[-1]
    assert status.value == f"trained: final J = {first_final:.3g}"
    slider.value = 10**slider.max  # the largest η, another loss curve entirely
    final = ui.result.result.history[-1]
    assert final != pytest.approx(first_final)
    assert status.value in ("diverged", f"trained: final J = {final:.3g}")
    assert [ax.get_ylim() for ax in ui.result.axes] == limits

    seen = []
    figure = tp.training_figure
    monkeypatch.setattr(
        tp, "training_figure", lambda *a, **k: seen.append(status.value) or figure(*a, **k)
    )
    dropdown.value = 2
    assert seen == ["training…"]
