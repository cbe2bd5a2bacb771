"""The figures module draws what it claims: every picture is produced and shows its content."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lecturekit import autodiff as ad  # noqa: E402
from lecturekit import chain, figures  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def rendered(fig):
    """The figure drawn to pixels: an RGB array that is not a blank page."""
    fig.canvas.draw()
    pixels = np.asarray(fig.canvas.buffer_rgba())[..., :3]
    assert pixels.size and (pixels < 250).any(), "the figure is blank"
    return pixels


def network_graph(m=5, n=2, p=4, seed=0):
    rng = np.random.default_rng(seed)
    X, d = rng.normal(size=(m, n)), rng.normal(size=m)
    Wh = ad.tensor(rng.normal(size=(n + 1, p)), requires_grad=True)
    wo = ad.tensor(rng.normal(size=p + 1), requires_grad=True)
    return ad.network_loss(X, d, Wh, wo), Wh, wo


@pytest.mark.parametrize(("m", "n", "p"), [(5, 2, 4), (3, 1, 2)])
def test_computational_graph_draws_every_recorded_node_with_shape_and_sweep_step(m, n, p):
    loss, Wh, wo = network_graph(m, n, p)
    order = ad.topological_order(loss)
    fig = figures.computational_graph(loss, {Wh: "W̄ʰ", wo: "w̄ᵒ"})
    rendered(fig)
    labels = texts(fig)
    boxes = [t for t in labels if "\n" in t]
    assert len(boxes) == len(order), "one box per recorded operation"
    # Shapes on the nodes: the hidden layer's m×p and the closure's m×p̄ are both shown.
    assert any(t.endswith(f"{m}×{p}") for t in boxes)
    assert any(t.endswith(f"{m}×{p + 1}") for t in boxes)
    assert any(t.startswith("W̄ʰ") and t.endswith(f"{n + 1}×{p}") for t in boxes)
    # The reverse sweep's steps 1..N, each once; step 1 is the loss (the last node).
    steps = sorted(int(t) for t in labels if t.isdigit())
    assert steps == list(range(1, len(order) + 1))


def test_computational_graph_edges_follow_the_recorded_parents():
    loss, Wh, wo = network_graph()
    order = ad.topological_order(loss)
    fig = figures.computational_graph(loss)
    arrows = [c for c in fig.axes[0].texts if getattr(c, "arrow_patch", None) is not None]
    assert len(arrows) == sum(len(node.parents) for node in order)


def test_computational_graph_refuses_a_graph_with_nothing_recorded():
    constant = ad.tensor(np.ones(3)) * 2.0
    with pytest.raises(ValueError, match="records no graph"):
        figures.computational_graph(constant)


@pytest.mark.parametrize(("m", "n", "p"), [(4, 2, 3), (2, 1, 2)])
def test_jacobian_blocks_have_the_factor_shapes_and_their_product_pattern(m, n, p):
    (_, J1), (_, J2), (_, J3), (_, D) = figures.jacobian_factors(m, n, p)
    assert J1.shape == (m, m * p) and J2.shape == (m * p, m * p)
    assert J3.shape == (m * p, (n + 1) * p) and D.shape == (m, (n + 1) * p)
    assert np.count_nonzero(J1) == m * p  # p diagonal blocks
    assert np.count_nonzero(J2) == m * p  # a diagonal
    assert np.count_nonzero(J3) == m * (n + 1) * p  # p copies of X̄
    fig = figures.jacobian_blocks_figure(m, n, p)
    rendered(fig)
    sizes = [t for t in texts(fig) if "×" in t and "$" not in t]
    assert sizes == [f"{m}×{m * p}", f"{m * p}×{m * p}", f"{m * p}×{(n + 1) * p}",
                     f"{m}×{(n + 1) * p}"]  # fmt: skip
    shaded = [pt for pt in fig.axes[0].patches if pt.get_fill() and pt.get_width() == 1]
    assert len(shaded) == sum(np.count_nonzero(M) for M in (J1, J2, J3, D))


@pytest.mark.parametrize("order", ["reverse", "forward"])
def test_chain_steps_add_up_to_the_chain_cost(order):
    dims = chain.gradient_chain_dims(7, 3, 5)
    k = len(dims) - 1
    parenthesis = chain.left_to_right(k) if order == "reverse" else chain.right_to_left(k)
    steps = figures.chain_steps(dims, order)
    assert len(steps) == k - 1
    assert sum(cost for _, cost in steps) == chain.chain_cost(dims, parenthesis)


def test_chain_order_figure_shows_both_orders_with_their_sizes():
    m, n, p = 30, 4, 6
    fig = figures.chain_order_figure(m, n, p)
    rendered(fig)
    top, bottom = fig.axes
    dims = chain.gradient_chain_dims(m, n, p)
    for ax, order in ((top, "reverse"), (bottom, "forward")):
        steps = figures.chain_steps(dims, order)
        assert [bar.get_width() for bar in ax.patches] == [cost for _, cost in steps]
        ticks = [t.get_text() for t in ax.get_yticklabels()]
        assert all(text in tick for (text, _), tick in zip(steps, ticks, strict=True))
        assert f"{sum(c for _, c in steps):,}" in ax.get_title()


def test_chain_steps_refuses_an_unknown_order():
    with pytest.raises(ValueError, match="reverse"):
        figures.chain_steps([1, 2, 3], "sideways")


def fake_path(lams, seed=0):
    """A Tikhonov path of the shape inverse.tikhonov_path returns, with seeded weights."""
    from types import SimpleNamespace

    from lecturekit import network

    fits = [
        SimpleNamespace(Wh=Wh, wo=wo)
        for Wh, wo in (network.init_weights(1, 3, seed=seed + k) for k in range(len(lams)))
    ]
    k = np.arange(len(lams), dtype=float)
    return SimpleNamespace(
        lams=np.asarray(lams), residual_norms=1.0 + k, weight_norms=10.0 / (1.0 + k), fits=fits
    )


def test_tikhonov_choice_figure_stacks_three_panels_with_each_rule_marked():
    rng = np.random.default_rng(8)
    lams = np.logspace(-4, 0, 5)
    path = fake_path(lams)
    chosen = {"L-curve corner": 1, "discrepancy": 2, "hold-out": 3}
    X = rng.uniform(0, 6, (12, 1))
    d = np.sin(X[:, 0])
    fig = figures.tikhonov_choice_figure(
        path, chosen, np.linspace(0.1, 0.5, 5), 0.8, X, d, np.linspace(0, 6, 30)[:, None]
    )
    rendered(fig)
    assert len(fig.axes) == 3
    # stacked: one column, so each panel keeps the column's width
    lefts = {round(ax.get_position().x0, 3) for ax in fig.axes}
    assert len(lefts) == 1
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    for rule, k in chosen.items():
        assert f"{rule}, λ = {lams[k]:.1g}" in legend
    fit_labels = [line.get_label() for line in fig.axes[2].get_lines()]
    assert all(rule in fit_labels for rule in chosen)


@pytest.mark.slow
def test_early_stopping_figure_marks_the_discrepancy_stop():
    from types import SimpleNamespace

    epochs = 50
    k = np.arange(epochs, dtype=float)
    es = SimpleNamespace(
        residual_norms=5.0 / (1 + k),
        weight_norms=1.0 + k,
        val_errors=0.1 + 0.001 * (k - 20) ** 2,
        train_loss=1.0 / (1 + k),
        discrepancy_epoch=17,
    )
    fig = figures.early_stopping_figure(fake_path([1e-3, 1e-2]), es, 0.3, 0.1, m=20)
    rendered(fig)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "discrepancy stop, epoch 17" in labels
    stops = [line for line in fig.axes[1].get_lines() if line.get_label() == "discrepancy stop"]
    assert stops and np.allclose(stops[0].get_xdata(), 17)


def test_gradient_sweep_figure_leaves_out_refused_points():
    from types import SimpleNamespace

    sweep = [
        SimpleNamespace(method=method, m=m, seconds=np.nan if refused else 1e-3 * m,
                        peak_bytes=1000 * m)
        for method in ("kron", "structured", "reverse")
        for m in (8, 16, 32)
        for refused in [method == "kron" and m == 32]
    ]  # fmt: skip
    fig = figures.gradient_sweep_figure(sweep, ("kron", "structured", "reverse"), 2, 8, 2**24)
    rendered(fig)
    ax_t, ax_m = fig.axes
    points = {line.get_label(): len(line.get_xdata()) for line in ax_t.get_lines()}
    assert points == {"kron": 2, "structured": 3, "reverse": 3}
    assert "16 MiB" in fig._suptitle.get_text()


def test_jacobian_factors_figure_shows_three_patterns_and_the_product_in_two_rows():
    (_, J1), (_, J2), (_, J3), (_, D) = figures.jacobian_factors(4, 2, 3)
    fig = figures.jacobian_factors_figure(J1, J2, J3, D, nbar=3, p=3)
    rendered(fig)
    panels = [ax for ax in fig.axes if ax.get_images()][:4]
    assert len(panels) == 4
    assert len({round(ax.get_position().y0, 2) for ax in panels}) == 2  # two rows
    assert [ax.get_images()[0].get_array().shape for ax in panels] == [
        M.shape for M in (J1, J2, J3, D)
    ]
    assert len(panels[3].get_lines()) == 3 - 1  # lines between the p blocks


def test_chain_cost_figure_draws_the_four_counts_of_gradient_chain_costs():
    ms = [10, 100, 1000]
    fig = figures.chain_cost_figure(ms, n=3, p=4)
    rendered(fig)
    lines = fig.axes[0].get_lines()
    assert len(lines) == 4
    for line, (field, _, label) in zip(lines, figures.shapes.CHAIN_COST_LINES, strict=True):
        assert line.get_label() == label
        expected = [getattr(chain.gradient_chain_costs(m, 3, 4), field) for m in ms]
        assert list(line.get_ydata()) == expected


def test_weight_decay_and_coverage_figures_are_drawn():
    from types import SimpleNamespace

    from lecturekit import network

    rng = np.random.default_rng(5)
    X = rng.uniform(0, 6, (10, 1))
    d = np.sin(X[:, 0])
    Wh, wo = network.init_weights(1, 3, seed=5)
    decay = {0.0: (SimpleNamespace(Wh=Wh, wo=wo), np.linspace(1, 0.1, 30))}
    fig = figures.weight_decay_figure(decay, X, d, 0.04, lambda X, d, Wh, wo: 1.0)
    rendered(fig)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["held out, λ = 0", "noise level σ²/2"]
    points = np.array([[0.5], [3.0], [8.0]])
    cov = {
        m: SimpleNamespace(
            coverage=np.array([0.9, 0.95, 0.7]),
            stderr=np.full(3, 0.03),
            half_widths=rng.uniform(0.1, 1, (20, 3)),
        )
        for m in (15, 40)
    }
    fig = figures.coverage_figure(cov, points, 20)
    rendered(fig)
    assert len(fig.axes[0].patches) == 2 * 3  # a bar per point and per m
    assert "20 repetitions" in fig.axes[0].get_title()


def test_poisson_figure_stacks_solution_error_and_losses():
    from types import SimpleNamespace

    x = np.linspace(0, 1, 50)[:, None]
    model = SimpleNamespace(
        predict=lambda x: np.sin(np.pi * x) + 1e-3,
        history={"pde": np.logspace(0, -6, 40), "bc": np.logspace(-1, -7, 40)},
    )
    exact = lambda x: np.sin(np.pi * x)  # noqa: E731
    fig = figures.poisson_figure(model, x, np.linspace(0, 1, 8), exact, 2e-3, switch_step=20)
    rendered(fig)
    assert len(fig.axes) == 3
    assert len({round(ax.get_position().x0, 3) for ax in fig.axes}) == 1  # stacked
    error = fig.axes[1].get_lines()[0].get_ydata()
    assert np.allclose(error, 1e-3)
    assert "2.0e-03" in fig.axes[1].get_title()


def test_computational_graph_refuses_a_graph_released_by_backward():
    loss, _, _ = network_graph()
    loss.backward()
    with pytest.raises(ValueError, match="released by backward"):
        figures.computational_graph(loss)
