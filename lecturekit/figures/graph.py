"""The computational graph that the autodiff engine records, drawn with its reverse sweep."""

from __future__ import annotations

import matplotlib.pyplot as plt

from .. import autodiff

# How each recorded operation is written on its node.
OP_SYMBOLS = {
    "leaf": "input",
    "matmul": "matrix product",
    "closure": "[1  ·]  (add ones column)",
    "tanh": "tanh, element-wise",
    "sigmoid": "sigmoid, element-wise",
    "relu": "relu, element-wise",
    "add": "+",
    "sub": "−",
    "mul": "⊙  (element-wise ×)",
    "sum": "Σ  (sum of entries)",
}


def shape_text(shape):
    """``(5, 4)`` as ``"5×4"``; a scalar as ``"scalar"``."""
    return "×".join(str(s) for s in shape) if shape else "scalar"


def graph_layers(root):
    """The recorded nodes behind ``root`` grouped by depth (longest path from an input).

    Returns
    -------
    order : list of Tensor
        :func:`lecturekit.autodiff.topological_order` of ``root``.
    depth : dict
        ``node → depth``; inputs have depth 0, every other node one more than its deepest
        parent, so an edge always goes down at least one layer.
    """
    order = autodiff.topological_order(root)
    depth = {}
    for node in order:  # parents come first in a topological order
        depth[node] = 1 + max((depth[p] for p in node.parents), default=-1)
    return order, depth


def computational_graph(root, names=None, ax=None):
    """Draw the graph behind ``root``: one box per recorded operation, inputs at the top.

    Each box shows the operation, the shape of its value and, in a red circle, the step at
    which the reverse sweep reaches it: the sweep visits the topological order backwards,
    starting from ``root`` (step 1), so a node is reached only after every node that uses
    it has passed its gradient back.

    Parameters
    ----------
    root : Tensor
        The output (usually the scalar loss) whose graph is drawn.
    names : dict, optional
        ``Tensor → label`` for nodes that have a name in the book (for example the weights).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    names = names or {}
    order, depth = graph_layers(root)
    if not order:
        raise ValueError("root records no graph: no input of it has requires_grad=True")
    if len(order) == 1 and root.op != "leaf":
        # backward() without retain_graph=True releases the graph behind its output
        raise ValueError(
            f"the graph behind this {root.op} was released by backward(); draw it before "
            "differentiating, record it again, or pass retain_graph=True to backward()"
        )
    sweep_step = {node: k for k, node in enumerate(reversed(order), start=1)}
    layers = max(depth.values()) + 1
    rows = {}
    for node in order:
        rows.setdefault(depth[node], []).append(node)
    widest = max(len(nodes) for nodes in rows.values())
    if ax is None:
        _, ax = plt.subplots(figsize=(2.6 + 2.4 * widest, 0.95 * layers + 0.6))
    position = {}
    for level, nodes in rows.items():
        for i, node in enumerate(nodes):
            position[node] = (2.4 * (i - (len(nodes) - 1) / 2), -level)
    _draw_edges(ax, order, position)
    for node in order:
        _draw_node(ax, node, position[node], names, sweep_step[node])
    xs = [x for x, _ in position.values()]
    ax.set_xlim(min(xs) - 1.5, max(xs) + 1.5)
    ax.set_ylim(-layers + 0.5, 0.6)
    ax.set_axis_off()
    ax.set_title("forward: top to bottom; red numbers: order of the reverse sweep", fontsize=10)
    ax.figure.tight_layout()
    return ax.figure


def _draw_edges(ax, order, position):
    """An arrow from each parent down to the node that uses it."""
    for node in order:
        x1, y1 = position[node]
        for parent in node.parents:
            x0, y0 = position[parent]
            ax.annotate(
                "",
                xy=(x1, y1 + 0.22),
                xytext=(x0, y0 - 0.22),
                arrowprops={"arrowstyle": "->", "color": "0.4", "lw": 1.2},
            )


def _draw_node(ax, node, xy, names, step):
    """The node's box (operation and shape) and, in a red circle, its step of the sweep."""
    x, y = xy
    label = names.get(node, OP_SYMBOLS.get(node.op, node.op))
    ax.text(
        x,
        y,
        f"{label}\n{shape_text(node.shape)}",
        ha="center",
        va="center",
        fontsize=10,
        bbox={"boxstyle": "round,pad=0.35", "fc": "#cfe3f5" if node.parents else "#f3d9a4"},
    )
    # The step number sits just right of the box; the box is about 0.062 units per char.
    half_width = 0.031 * max(len(line) for line in label.splitlines()) + 0.3
    ax.text(
        x + max(half_width, 0.45),
        y,
        str(step),
        ha="center",
        va="center",
        color="white",
        fontsize=9,
        fontweight="bold",
        bbox={"boxstyle": "circle,pad=0.25", "fc": "#c0392b", "ec": "none"},
    )
