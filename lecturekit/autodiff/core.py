"""The engine's core: a tensor that records its operation, and the reverse sweep.

This is the "lower operator level" at which libraries such as PyTorch apply the chain rule.
Every operation (:mod:`lecturekit.autodiff.ops`) records its inputs and its vector–Jacobian
product (VJP): given ``G = ∂ℓ/∂(output)`` (same shape as the output), it returns
``∂ℓ/∂(input)`` for each input. In the book's notation, if ``vec Y = J vec X`` to first order
(``J = D_X Y``), the VJP is ``vec(∂ℓ/∂X) = Jᵀ vec(G)``, the row ``D_Y ℓ · D_X Y`` reshaped
like ``X``.

:meth:`Tensor.backward` sorts the graph topologically with an explicit stack (no recursion, so
graphs of any depth work) and sweeps it once in reverse order: a node used several times
receives the sum of all contributions before it passes its gradient on.
"""

from __future__ import annotations

import math

import numpy as np

from .._validate import boolean, finite_array, shape_str


class _fp_check:
    """``with _fp_check(op):`` float64 overflow inside raises an error that names ``op``.

    Without it numpy would only warn, and ±inf or NaN would travel on through the graph (a
    later tanh even turns inf back into a finite 1). numpy checks its floating-point flags
    after every operation anyway, so raising costs nothing on large arrays.
    """

    __slots__ = ("op", "_state")

    def __init__(self, op):
        self.op = op
        self._state = np.errstate(over="raise", invalid="raise")

    def __enter__(self):
        self._state.__enter__()

    def __exit__(self, kind, err, tb):
        self._state.__exit__(kind, err, tb)
        if kind is FloatingPointError:
            raise FloatingPointError(
                f"{self.op} left the float64 range (numpy: {err}); the graph would carry "
                "±inf or NaN on: scale the inputs or the weights down"
            ) from None
        return False


class Tensor:
    """A numpy array that remembers how it was computed, for reverse-mode differentiation.

    Parameters
    ----------
    data : array_like
        Real numbers, copied as float64 (a later change to the array given does not change
        the tensor); NaN and inf are refused.
    requires_grad : bool
        Whether :meth:`backward` should compute ``∂ℓ/∂(this tensor)`` into :attr:`grad`.

    Attributes
    ----------
    data : ndarray
        The value.
    grad : ndarray or None
        After ``loss.backward()``, the gradient ``∂ℓ/∂data`` (same shape as ``data``), for
        every leaf with ``requires_grad=True`` (and for nodes that called :meth:`retain_grad`).
        Like PyTorch, repeated calls to ``backward`` add to it; see :meth:`zero_grad`.
    """

    __slots__ = (
        "data",
        "grad",
        "requires_grad",
        "_parents",
        "_vjp",
        "_op",
        "_retain",
    )
    # Makes ``ndarray + Tensor`` call Tensor.__radd__ instead of broadcasting over objects.
    __array_ufunc__ = None

    def __init__(self, data, requires_grad=False):
        if isinstance(data, Tensor):
            data = data.data
        # A copy: a leaf that shared the caller's array would change when the array does.
        self.data = np.array(finite_array(data, "Tensor data"), dtype=float)
        self.grad = None
        self.requires_grad = boolean(requires_grad, "requires_grad")
        self._parents = ()
        self._vjp = None
        self._op = "leaf"
        self._retain = False

    # -- construction of graph nodes (no validation: inputs were already checked) ----------
    @classmethod
    def _node(cls, data, parents, vjp, op):
        """A result of ``op`` with its inputs ``parents`` and its VJP ``G ↦ (∂ℓ/∂parent, …)``."""
        out = cls.__new__(cls)
        out.data = data
        out.grad = None
        out._op = op
        out._retain = False
        if any(p.requires_grad for p in parents):
            out.requires_grad = True
            out._parents = parents
            out._vjp = vjp
        else:  # constants only: nothing to differentiate, keep no graph
            out.requires_grad = False
            out._parents = ()
            out._vjp = None
        return out

    @classmethod
    def _constant(cls, data):
        out = cls.__new__(cls)
        out.data, out.grad, out.requires_grad = data, None, False
        out._parents, out._vjp, out._op, out._retain = (), None, "leaf", False
        return out

    # -- array-like conveniences -----------------------------------------------------------
    @property
    def shape(self):
        """Shape of the value, as numpy's ``ndarray.shape``."""
        return self.data.shape

    @property
    def ndim(self):
        """Number of axes of the value."""
        return self.data.ndim

    @property
    def size(self):
        """Number of entries of the value."""
        return self.data.size

    @property
    def T(self):
        """Transpose, see :func:`transpose`."""
        return ops.transpose(self)

    @property
    def is_leaf(self):
        return self._vjp is None

    @property
    def op(self):
        """Name of the operation that produced this tensor (``"leaf"`` for inputs)."""
        return self._op

    @property
    def parents(self):
        """The recorded inputs of this operation that need a gradient (empty for leaves)."""
        return tuple(p for p in self._parents if p.requires_grad)

    def __len__(self):
        return len(self.data)

    def numpy(self):
        """The value as a numpy array (not a copy)."""
        return self.data

    def item(self):
        """The value of a one-element tensor as a Python float."""
        return self.data.item()

    def detach(self):
        """The same value as a new constant leaf, cut off from the graph."""
        return Tensor._constant(self.data)

    def retain_grad(self):
        """Also store ``∂ℓ/∂(this node)`` in :attr:`grad` when it is not a leaf."""
        self._retain = True
        return self

    def zero_grad(self):
        """Forget the accumulated gradient."""
        self.grad = None

    def reshape(self, *shape):
        """Reshape in numpy's row-major order (not the column-major vec), see :func:`reshape`."""
        return ops.reshape(self, shape[0] if len(shape) == 1 else shape)

    def sum(self, axis=None, keepdims=False):
        """Sum over ``axis``, see :func:`sum`."""
        return ops.sum(self, axis, keepdims)

    def mean(self, axis=None, keepdims=False):
        """Mean over ``axis``, see :func:`mean`."""
        return ops.mean(self, axis, keepdims)

    def __repr__(self):
        flag = ", requires_grad=True" if self.requires_grad else ""
        body = np.array2string(self.data, precision=4, separator=", ", prefix="Tensor(")
        return f"Tensor({body}{flag})"

    # -- operators ------------------------------------------------------------------------
    def __add__(self, other):
        return ops.add(self, other)

    def __radd__(self, other):
        return ops.add(other, self)

    def __sub__(self, other):
        return ops.sub(self, other)

    def __rsub__(self, other):
        return ops.sub(other, self)

    def __mul__(self, other):
        return ops.mul(self, other)

    def __rmul__(self, other):
        return ops.mul(other, self)

    def __truediv__(self, other):
        return ops.div(self, other)

    def __rtruediv__(self, other):
        return ops.div(other, self)

    def __neg__(self):
        return ops.neg(self)

    def __pow__(self, other):
        return ops.power(self, other)

    def __rpow__(self, other):
        return ops.power(other, self)

    def __matmul__(self, other):
        return ops.matmul(self, other)

    def __rmatmul__(self, other):
        return ops.matmul(other, self)

    def __getitem__(self, index):
        return ops._getitem(self, index)

    # -- the backward sweep ---------------------------------------------------------------
    def backward(self, grad=None, retain_graph=False):
        """Reverse sweep: add ``∂ℓ/∂x`` to ``x.grad`` for every leaf ``x`` with requires_grad.

        Parameters
        ----------
        grad : array_like, optional
            The seed ``G = ∂ℓ/∂(this tensor)``. Omit it for a scalar (the seed is 1); give it
            for a non-scalar output to compute the vector–Jacobian product ``G · D_x(this)``.
        retain_graph : bool
            Keep the recorded operations so the graph can be differentiated again. By default
            (as in PyTorch) each operation's saved arrays are released as soon as its VJP has
            run, which lowers the peak memory of the sweep; values (``.data``) stay available.
        """
        if not self.requires_grad:
            raise ValueError(
                "backward() needs a tensor that depends on a leaf with requires_grad=True"
            )
        seed = _seed(self, grad, "backward()", "grad")
        _sweep(self, seed, accumulate_leaves=True, retain_graph=retain_graph)


def _seed(output, G, caller, argname):
    """The seed ``G = ∂ℓ/∂(output)``: 1 for a scalar, else a finite array of the output's shape."""
    if G is None:
        if output.data.size != 1:
            raise ValueError(
                f"{caller} without a seed needs a scalar output; this tensor has shape "
                f"{shape_str(output.shape)}: pass {argname}=G of the same shape"
            )
        return np.ones_like(output.data)
    seed = finite_array(G, "G")
    if seed.shape != output.shape:
        raise ValueError(
            f"the seed G must have the output's shape {shape_str(output.shape)}; "
            f"got {shape_str(seed.shape)}"
        )
    return seed


def _toposort(root):
    """Nodes that need a gradient, inputs before the nodes computed from them (iterative DFS)."""
    order, seen = [], set()
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        for p in node._parents:
            if p.requires_grad and p not in seen:
                stack.append((p, False))
    return order


def _freed(g):
    raise RuntimeError(
        "this part of the graph was already differentiated and its saved arrays released; "
        "pass retain_graph=True to the first backward() (or grad()) to differentiate it again"
    )


def topological_order(root):
    """The recorded operations behind ``root``, each after every operation it depends on.

    Only nodes that need a gradient are listed (constants are not recorded). The backward
    sweep visits this list in reverse: a node's gradient is complete once every node that
    uses it has passed its contribution back.
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"topological_order needs a Tensor; got {type(root).__name__}")
    return _toposort(root) if root.requires_grad else []


def _sweep(root, seed, accumulate_leaves, wanted=None, retain_graph=False):
    """The reverse sweep: micrograd's ``for v in reversed(topo): v._backward()``.

    ``grads[v]`` collects ``∂ℓ/∂v``, starting from ``grads[root] = G``. Visited root first
    (reverse topological order), a node has received every contribution from the nodes that
    use it, so its gradient is complete; its VJP passes it on, added to its parents' gradients.
    Returns ``{x: ∂ℓ/∂x}`` for the nodes in ``wanted``.
    """
    grads, found = {root: seed}, {}
    for node in _reverse_topological(root):
        if node not in grads:  # no path from this node to the root carries a gradient
            continue
        _keep(node, grads[node], accumulate_leaves, wanted, found)
        if node.is_leaf:
            del grads[node]
        else:
            _pass_back(node, grads)  # ∂ℓ/∂parent += VJP(∂ℓ/∂node), for each parent
            _release(node, retain_graph)
    return found


def _reverse_topological(root):
    """The nodes behind ``root``, root first; each leaves the list when visited (memory)."""
    order = _toposort(root)
    while order:
        yield order.pop()


def _keep(node, g, accumulate_leaves, wanted, found):
    """Store ``g = ∂ℓ/∂node`` where it was asked for: ``grad()``'s inputs, ``.grad``."""
    if wanted is not None and node in wanted:
        found[node] = g
    if accumulate_leaves and (node.is_leaf or node._retain):  # leaves, and retain_grad()
        node.grad = np.array(g, dtype=float) if node.grad is None else node.grad + g


def _pass_back(node, grads):
    """Pop ``∂ℓ/∂node`` and add its VJP to each parent's gradient (overflow raises)."""
    with _fp_check(f"the backward pass (VJP) of {node._op}"):
        parent_grads = node._vjp(grads.pop(node))  # the popped gradient is freed after the VJP
        for p, pg in zip(node._parents, parent_grads, strict=True):
            if pg is not None and p.requires_grad:
                # Out-of-place sum: a VJP may hand the same array to several parents.
                grads[p] = grads[p] + pg if p in grads else pg


def _release(node, retain_graph):
    """Unless retained, drop the node's saved arrays (closure captures) and its parents."""
    if not retain_graph:
        node._vjp, node._parents = _freed, ()


def grad(output, inputs, seed=None, retain_graph=False):
    """Gradients of ``output`` with respect to ``inputs``, without touching any ``.grad``.

    Implements the same reverse sweep as :meth:`Tensor.backward`, returning
    ``[∂ℓ/∂x for x in inputs]`` (zeros where ``output`` does not depend on ``x``).

    Parameters
    ----------
    output : Tensor
        A scalar ``ℓ`` (or any tensor, with ``seed`` = G of its shape).
    inputs : sequence of Tensor
        Tensors with ``requires_grad=True`` (leaves or intermediate nodes).
    seed : array_like, optional
        ``G`` for a non-scalar output.
    retain_graph : bool
        As in :meth:`Tensor.backward`.
    """
    inputs = list(inputs)
    for k, x in enumerate(inputs):
        if not isinstance(x, Tensor) or not x.requires_grad:
            raise ValueError(f"inputs[{k}] must be a Tensor with requires_grad=True")
    if not isinstance(output, Tensor):
        raise TypeError(f"grad() needs a Tensor output; got {type(output).__name__}")
    seed = _seed(output, seed, "grad()", "seed")
    if not output.requires_grad:
        return [np.zeros_like(x.data) for x in inputs]
    found = _sweep(
        output, seed, accumulate_leaves=False, wanted=set(inputs), retain_graph=retain_graph
    )
    return [np.array(found[x]) if x in found else np.zeros_like(x.data) for x in inputs]


def tensor(data, requires_grad=False):
    """Shorthand for :class:`Tensor` (returns ``data`` itself if it already is a Tensor)."""
    if isinstance(data, Tensor):
        return data
    return Tensor(data, requires_grad)


def _as_tensor(x):
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        # plain numbers (0.5, 2, …) are frequent constants: skip the array checks
        if not math.isfinite(x):
            raise ValueError(f"constants must be finite; got {x}")
        return Tensor._constant(np.asarray(float(x)))
    return Tensor(x)


# The operations, looked up when a Tensor operator runs (ops imports this module).
from . import ops  # noqa: E402
