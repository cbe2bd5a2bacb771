"""A small reverse-mode automatic-differentiation engine on numpy arrays.

This is the "lower operator level" at which libraries such as PyTorch apply the chain rule.
Every operation records its inputs and its vector–Jacobian product (VJP): given the gradient
``G = ∂ℓ/∂(output)`` (same shape as the output), it returns ``∂ℓ/∂(input)`` for each input.
In the book's notation, if ``vec Y = J vec X`` to first order (``J = D_X Y``), the VJP is
``vec(∂ℓ/∂X) = Jᵀ vec(G)``, i.e. the row vector ``D_Y ℓ · D_X Y`` reshaped like ``X``. Each
operation's docstring names the matrix-calculus rule its VJP implements.

:meth:`Tensor.backward` sorts the graph topologically with an explicit stack (no recursion, so
graphs of any depth work) and sweeps it once in reverse order: a node used several times
receives the sum of all contributions before it passes its gradient on.

Example
-------
>>> from lecturekit import autodiff as ad
>>> W = ad.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
>>> loss = ad.sum(ad.tanh(W @ W))
>>> loss.backward()
>>> W.grad.shape
(2, 2)
"""

from __future__ import annotations

import math

import numpy as np

from ._validate import data_vector, finite_array, shape_str
from .activations import sigmoid as _sigmoid
from .vectorise import closure as _closure

__all__ = [
    "Tensor",
    "tensor",
    "grad",
    "topological_order",
    "add",
    "sub",
    "mul",
    "div",
    "neg",
    "power",
    "matmul",
    "tanh",
    "sigmoid",
    "relu",
    "exp",
    "log",
    "sin",
    "cos",
    "sum",
    "mean",
    "closure",
    "concat",
    "transpose",
    "reshape",
    "network_loss",
    "loss_and_gradient",
]


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


def _finite_out(out, op):
    """Refuse a non-finite result of ``op`` (for BLAS products, whose flags may be lost)."""
    if not np.all(np.isfinite(out)):
        raise FloatingPointError(
            f"{op} left the float64 range (an entry is ±inf or NaN); the graph would carry "
            "it on: scale the inputs or the weights down"
        )
    return out


def _unbroadcast(g, shape):
    """Sum ``g`` down to ``shape``: the adjoint of numpy broadcasting.

    Broadcasting ``x`` to a larger shape is the linear map ``x ↦ E x`` that copies entries;
    its VJP is ``Eᵀ G``, which adds the copies back together (sum over the broadcast axes).
    """
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    if extra:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g


class Tensor:
    """A numpy array that remembers how it was computed, for reverse-mode differentiation.

    Parameters
    ----------
    data : array_like
        Real numbers (converted to float64); NaN and inf are refused.
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
        self.data = finite_array(data, "Tensor data")
        self.grad = None
        self.requires_grad = bool(requires_grad)
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
        return transpose(self)

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
        return reshape(self, shape[0] if len(shape) == 1 else shape)

    def sum(self, axis=None, keepdims=False):
        """Sum over ``axis``, see :func:`sum`."""
        return sum(self, axis, keepdims)

    def mean(self, axis=None, keepdims=False):
        """Mean over ``axis``, see :func:`mean`."""
        return mean(self, axis, keepdims)

    def __repr__(self):
        flag = ", requires_grad=True" if self.requires_grad else ""
        body = np.array2string(self.data, precision=4, separator=", ", prefix="Tensor(")
        return f"Tensor({body}{flag})"

    # -- operators ------------------------------------------------------------------------
    def __add__(self, other):
        return add(self, other)

    def __radd__(self, other):
        return add(other, self)

    def __sub__(self, other):
        return sub(self, other)

    def __rsub__(self, other):
        return sub(other, self)

    def __mul__(self, other):
        return mul(self, other)

    def __rmul__(self, other):
        return mul(other, self)

    def __truediv__(self, other):
        return div(self, other)

    def __rtruediv__(self, other):
        return div(other, self)

    def __neg__(self):
        return neg(self)

    def __pow__(self, other):
        return power(self, other)

    def __rpow__(self, other):
        return power(other, self)

    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(other, self)

    def __getitem__(self, index):
        return _getitem(self, index)

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
    """Propagate ``seed`` from ``root`` to the leaves; returns the gradients of ``wanted``."""
    grads = {root: seed}
    found = {}
    order = _toposort(root)
    while order:
        node = order.pop()  # root first: reverse topological order
        g = grads.pop(node, None)
        if g is None:  # no path from this node to the root carries a gradient
            continue
        if wanted is not None and node in wanted:
            found[node] = g
        vjp = node._vjp
        if vjp is None:
            if accumulate_leaves:
                node.grad = np.array(g, dtype=float) if node.grad is None else node.grad + g
            continue
        if node._retain and accumulate_leaves:
            node.grad = np.array(g, dtype=float) if node.grad is None else node.grad + g
        with _fp_check(f"the backward pass (VJP) of {node._op}"):
            parent_grads = vjp(g)
            g = None
            for p, pg in zip(node._parents, parent_grads, strict=True):
                if pg is None or not p.requires_grad:
                    continue
                # Out-of-place sum: a VJP may hand the same array to several parents.
                grads[p] = grads[p] + pg if p in grads else pg
        parent_grads = pg = None
        if not retain_graph:  # release the saved arrays (closure captures) and the parents
            node._vjp, node._parents = _freed, ()
    return found


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


# ------------------------------------------------------------------------------------------
# Element-wise arithmetic with broadcasting
# ------------------------------------------------------------------------------------------
def add(a, b):
    """``C = A + B`` with numpy broadcasting.

    VJP: ``D_A C = I``, so ``∂ℓ/∂A = G`` (summed over broadcast axes, see ``_unbroadcast``), and
    likewise ``∂ℓ/∂B = G``.
    """
    a, b = _as_tensor(a), _as_tensor(b)
    sa, sb = a.data.shape, b.data.shape
    with _fp_check("add (A + B)"):
        out = a.data + b.data
    return Tensor._node(
        out,
        (a, b),
        lambda g: (_unbroadcast(g, sa), _unbroadcast(g, sb)),
        "add",
    )


def sub(a, b):
    """``C = A − B`` with broadcasting.

    VJP: ``D_A C = I`` and ``D_B C = −I``, so ``∂ℓ/∂A = G`` and ``∂ℓ/∂B = −G`` (unbroadcast).
    """
    a, b = _as_tensor(a), _as_tensor(b)
    sa, sb = a.data.shape, b.data.shape
    with _fp_check("sub (A − B)"):
        out = a.data - b.data
    return Tensor._node(
        out,
        (a, b),
        lambda g: (_unbroadcast(g, sa), _unbroadcast(-g, sb)),
        "sub",
    )


def neg(a):
    """``C = −A``. VJP: ``D_A C = −I``, so ``∂ℓ/∂A = −G``."""
    a = _as_tensor(a)
    return Tensor._node(-a.data, (a,), lambda g: (-g,), "neg")


def mul(a, b):
    """Element-wise (Hadamard) product ``C = A ⊙ B`` with broadcasting.

    VJP: ``d vec C = diag(vec B) d vec A + diag(vec A) d vec B`` (the product rule; element-wise
    maps have diagonal Jacobians), so ``∂ℓ/∂A = G ⊙ B`` and ``∂ℓ/∂B = G ⊙ A`` (unbroadcast).
    """
    a, b = _as_tensor(a), _as_tensor(b)
    ad, bd = a.data, b.data

    def vjp(g):
        return (
            _unbroadcast(g * bd, ad.shape) if a.requires_grad else None,
            _unbroadcast(g * ad, bd.shape) if b.requires_grad else None,
        )

    with _fp_check("mul (A ⊙ B)"):
        out = ad * bd
    return Tensor._node(out, (a, b), vjp, "mul")


def div(a, b):
    """Element-wise quotient ``C = A ⊘ B`` with broadcasting.

    VJP: ``d vec C = diag(1/vec B) d vec A − diag(vec A / (vec B)²) d vec B``, so
    ``∂ℓ/∂A = G ⊘ B`` and ``∂ℓ/∂B = −G ⊙ A ⊘ B²`` (unbroadcast). Division by zero is refused.
    """
    a, b = _as_tensor(a), _as_tensor(b)
    ad, bd = a.data, b.data
    if np.any(bd == 0):
        raise ValueError("division by a tensor with zero entries (the quotient is not finite)")
    with _fp_check("div (A ⊘ B)"):
        out = ad / bd

    def vjp(g):
        q = g / bd
        return (
            _unbroadcast(q, ad.shape) if a.requires_grad else None,
            _unbroadcast(-q * out, bd.shape) if b.requires_grad else None,
        )

    return Tensor._node(out, (a, b), vjp, "div")


def power(a, b):
    """Element-wise power ``C = A^B`` (``b`` a number or a tensor).

    VJP: for a constant exponent ``D_A C = diag(b A^(b−1))``, so ``∂ℓ/∂A = G ⊙ b A^(b−1)``; for a
    tensor exponent also ``D_B C = diag(A^B ⊙ log A)``, so ``∂ℓ/∂B = G ⊙ C ⊙ log A`` (needs A > 0).
    """
    a = _as_tensor(a)
    ad = a.data
    if not isinstance(b, Tensor):
        e = float(b)
        if e == 2.0:  # the common case (squares in losses): skip the pow call
            with _fp_check("square (A ⊙ A)"):
                sq = ad * ad
            return Tensor._node(sq, (a,), lambda g: (g * (2.0 * ad),), "square")
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            out = np.power(ad, e)
        if not np.all(np.isfinite(out)):
            raise ValueError(f"A^{e:g} is not finite for some entries of A (negative or zero base)")
        return Tensor._node(out, (a,), lambda g: (g * (e * np.power(ad, e - 1.0)),), "pow")
    bd = b.data
    if np.any(ad <= 0) and b.requires_grad:
        raise ValueError("A^B with a differentiable exponent B needs A > 0 (it uses log A)")
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = np.power(ad, bd)
    if not np.all(np.isfinite(out)):
        raise ValueError("A^B is not finite for some entries")

    def vjp(g):
        ga = _unbroadcast(g * bd * np.power(ad, bd - 1.0), ad.shape) if a.requires_grad else None
        gb = _unbroadcast(g * out * np.log(ad), bd.shape) if b.requires_grad else None
        return ga, gb

    return Tensor._node(out, (a, b), vjp, "pow")


# ------------------------------------------------------------------------------------------
# Matrix product
# ------------------------------------------------------------------------------------------
def matmul(a, b):
    """Matrix product ``C = X W`` (matrices or vectors, as numpy's ``@``).

    VJP: ``vec(X W) = (Wᵀ ⊗ I) vec X = (I ⊗ X) vec W``, so for ``ℓ(XW)``
    ``D_X ℓ`` reshaped is ``∂ℓ/∂X = G Wᵀ`` and ``D_W ℓ`` reshaped is ``∂ℓ/∂W = Xᵀ G``; a vector
    operand is the one-column (or one-row) case, giving outer products.
    """
    a, b = _as_tensor(a), _as_tensor(b)
    sa, sb = a.shape, b.shape
    if len(sa) == 0 or len(sb) == 0 or len(sa) > 2 or len(sb) > 2:
        raise ValueError(f"matmul takes vectors or matrices; got {shape_str(sa)} @ {shape_str(sb)}")
    if sa[-1] != sb[0]:
        raise ValueError(
            f"matmul needs the columns of the left factor ({shape_str(sa)}) to equal the "
            f"rows of the right factor ({shape_str(sb)})"
        )
    ra, rb = a.requires_grad, b.requires_grad
    ad, bd = a.data, b.data
    if ad.ndim == 2 and bd.ndim == 2:

        def vjp(g):
            return (g @ bd.T if ra else None, ad.T @ g if rb else None)

    elif ad.ndim == 2:  # matrix @ vector

        def vjp(g):
            return (np.outer(g, bd) if ra else None, ad.T @ g if rb else None)

    elif bd.ndim == 2:  # vector @ matrix

        def vjp(g):
            return (bd @ g if ra else None, np.outer(ad, g) if rb else None)

    else:  # inner product

        def vjp(g):
            return (g * bd if ra else None, g * ad if rb else None)

    with _fp_check("matmul (X W)"):
        out = ad @ bd
    return Tensor._node(_finite_out(out, "matmul (X W)"), (a, b), vjp, "matmul")


# ------------------------------------------------------------------------------------------
# Element-wise functions: Jacobian diag(φ′(vec A)), so the VJP is G ⊙ φ′(A)
# ------------------------------------------------------------------------------------------
def tanh(a):
    """``H = tanh(A)`` element-wise.

    VJP: ``D_A H = diag(f′(vec A))`` with ``f′ = 1 − tanh²``, so ``∂ℓ/∂A = G ⊙ (1 − H ⊙ H)``.
    """
    a = _as_tensor(a)
    H = np.tanh(a.data)
    return Tensor._node(H, (a,), lambda g: (g * (1.0 - H * H),), "tanh")


def sigmoid(a):
    """``S = σ(A) = 1/(1 + e^(−A))`` element-wise, evaluated stably (no overflow at |A| = 1000).

    VJP: ``D_A S = diag(σ′(vec A))`` with ``σ′ = σ(1 − σ)``, so ``∂ℓ/∂A = G ⊙ S ⊙ (1 − S)``.
    """
    a = _as_tensor(a)
    S = _sigmoid.f(a.data)
    return Tensor._node(S, (a,), lambda g: (g * S * (1.0 - S),), "sigmoid")


def relu(a):
    """``R = max(A, 0)`` element-wise.

    VJP: ``D_A R = diag(H(vec A))`` with the Heaviside step (``H(0) = 0``, the subgradient
    PyTorch also uses), so ``∂ℓ/∂A = G ⊙ [A > 0]``.
    """
    a = _as_tensor(a)
    mask = a.data > 0
    return Tensor._node(a.data * mask, (a,), lambda g: (g * mask,), "relu")


def exp(a):
    """``E = exp(A)`` element-wise. VJP: ``D_A E = diag(vec E)``, so ``∂ℓ/∂A = G ⊙ E``."""
    a = _as_tensor(a)
    with np.errstate(over="ignore"):
        out = np.exp(a.data)
    if not np.all(np.isfinite(out)):
        raise ValueError("exp(A) overflows for some entries of A (above about 709)")
    return Tensor._node(out, (a,), lambda g: (g * out,), "exp")


def log(a):
    """``L = log(A)`` element-wise, for A > 0.

    VJP: ``D_A L = diag(1/vec A)``, so ``∂ℓ/∂A = G ⊘ A``.
    """
    a = _as_tensor(a)
    ad = a.data
    if np.any(ad <= 0):
        raise ValueError("log needs positive entries")
    return Tensor._node(np.log(ad), (a,), lambda g: (g / ad,), "log")


def sin(a):
    """``S = sin(A)`` element-wise. VJP: ``D_A S = diag(cos vec A)``, so ``∂ℓ/∂A = G ⊙ cos A``."""
    a = _as_tensor(a)
    ad = a.data
    return Tensor._node(np.sin(ad), (a,), lambda g: (g * np.cos(ad),), "sin")


def cos(a):
    """``C = cos(A)`` element-wise. VJP: ``D_A C = −diag(sin vec A)``, so ``∂ℓ/∂A = −G ⊙ sin A``."""
    a = _as_tensor(a)
    ad = a.data
    return Tensor._node(np.cos(ad), (a,), lambda g: (-g * np.sin(ad),), "cos")


# ------------------------------------------------------------------------------------------
# Reductions
# ------------------------------------------------------------------------------------------
def _norm_axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if np.isscalar(axis) else tuple(axis)
    out = []
    for ax in axes:
        if not -ndim <= ax < ndim:
            raise ValueError(f"axis {ax} is out of range for a tensor with {ndim} axes")
        out.append(ax % ndim)
    return tuple(sorted(set(out)))


def sum(a, axis=None, keepdims=False):
    """``s = Σ A`` over ``axis`` (all entries by default).

    VJP: ``s = 1ᵀ vec A`` (or, per axis, ``A 1`` / ``1ᵀ A``) is linear with Jacobian made of
    ones, so ``∂ℓ/∂A = G`` broadcast back over the summed axes.
    """
    a = _as_tensor(a)
    shape = a.data.shape
    axes = _norm_axes(axis, a.data.ndim)
    with _fp_check("sum (Σ A)"):
        out = np.sum(a.data, axis=axes, keepdims=keepdims)

    def vjp(g):
        if not keepdims:
            g = np.expand_dims(g, axes)
        return (np.broadcast_to(g, shape),)

    return Tensor._node(np.asarray(out), (a,), vjp, "sum")


def mean(a, axis=None, keepdims=False):
    """Arithmetic mean over ``axis``: ``(1/k) Σ A`` with ``k`` entries per mean.

    VJP: the Jacobian is ``(1/k)`` times that of :func:`sum`, so ``∂ℓ/∂A = G / k`` broadcast back.
    """
    a = _as_tensor(a)
    shape = a.data.shape
    axes = _norm_axes(axis, a.data.ndim)
    k = int(np.prod([shape[i] for i in axes])) if axes else 1
    if k == 0:
        raise ValueError("mean over an empty axis is undefined")
    with _fp_check("mean"):
        out = np.mean(a.data, axis=axes, keepdims=keepdims)

    def vjp(g):
        if not keepdims:
            g = np.expand_dims(g, axes)
        return (np.broadcast_to(g / k, shape),)

    return Tensor._node(np.asarray(out), (a,), vjp, "mean")


# ------------------------------------------------------------------------------------------
# Structure: closure, concatenation, indexing, transpose, reshape
# ------------------------------------------------------------------------------------------
def closure(X):
    """The lecture's closure ``X̄ = [1 X]``: prepend a column of ones (bias first).

    VJP: ``vec X̄ = [1; vec X]``, i.e. ``D_X X̄ = [0; I]`` (the ones column is constant), so
    the gradient with respect to X̄ loses its first column: ``∂ℓ/∂X = G[:, 1:]``. A vector is
    read as one column.
    """
    X = _as_tensor(X)
    if X.ndim == 1:
        X = reshape(X, (-1, 1))
    if X.ndim != 2:
        raise ValueError(f"closure takes a matrix X (m×n); got shape {shape_str(X.shape)}")
    return Tensor._node(_closure(X.data), (X,), lambda g: (g[:, 1:],), "closure")


def concat(tensors, axis=0):
    """Join tensors along ``axis`` (numpy's ``concatenate``).

    VJP: ``vec [A B]`` is a permutation of ``[vec A; vec B]``, a linear map whose transpose
    splits ``G`` back into the blocks: ``∂ℓ/∂A, ∂ℓ/∂B = split(G)``.
    """
    ts = [_as_tensor(t) for t in tensors]
    if not ts:
        raise ValueError("concat needs at least one tensor")
    out = np.concatenate([t.data for t in ts], axis=axis)
    ax = axis % out.ndim
    bounds = np.cumsum([t.data.shape[ax] for t in ts])[:-1]

    def vjp(g):
        return tuple(np.split(g, bounds, axis=ax))

    return Tensor._node(out, tuple(ts), vjp, "concat")


def _is_basic_index(index):
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis for i in items)


def _getitem(a, index):
    """``B = A[index]``: selection. VJP: scatter ``G`` back (repeated picks add up)."""
    if isinstance(index, Tensor):
        raise TypeError("index with integers, slices, lists or numpy arrays, not a Tensor")
    shape = a.data.shape
    basic = _is_basic_index(index)
    out = a.data[index]

    def vjp(g):
        full = np.zeros(shape)
        if basic:
            full[index] = g
        else:
            np.add.at(full, index, g)
        return (full,)

    return Tensor._node(np.asarray(out), (a,), vjp, "getitem")


def transpose(a):
    """``B = Aᵀ``. VJP: ``vec Aᵀ = K vec A`` with the commutation matrix K, so ``∂ℓ/∂A = Gᵀ``."""
    a = _as_tensor(a)
    return Tensor._node(a.data.T, (a,), lambda g: (g.T,), "transpose")


def reshape(a, shape):
    """Reshape in numpy's (row-major) order.

    VJP: the entries are only relabelled, so ``∂ℓ/∂A`` is ``G`` reshaped back to ``A``'s shape.
    """
    a = _as_tensor(a)
    old = a.data.shape
    return Tensor._node(a.data.reshape(shape), (a,), lambda g: (g.reshape(old),), "reshape")


# ------------------------------------------------------------------------------------------
# The lecture's network, built from the operations above
# ------------------------------------------------------------------------------------------
_ACTIVATIONS = {"tanh": tanh, "sigmoid": sigmoid, "relu": relu, "identity": lambda t: t}


def network_loss(X, d, Wh, wo, f="tanh", g="identity"):
    """The sum-of-squares loss of the one-hidden-layer network as a graph of engine operations.

    Builds ``A = X̄ W̄ʰ``, ``H = f(A)``, ``z = H̄ w̄ᵒ``, ``y = g(z)``, ``ℓ = ½ Σ (y − d)²``.

    Parameters
    ----------
    X : array_like, shape (m, n)
        Features without the ones column.
    d : array_like, shape (m,)
        Targets.
    Wh, wo : Tensor or array_like
        ``W̄ʰ`` (n̄×p) and ``w̄ᵒ`` (p̄); pass Tensors with ``requires_grad=True`` to
        differentiate with respect to them.
    f, g : {"tanh", "sigmoid", "relu", "identity"}
        Hidden and output activations.

    Returns
    -------
    Tensor
        The scalar ``ℓ``.
    """
    from .network import check_shapes

    for name, act in (("f", f), ("g", g)):
        if act not in _ACTIVATIONS:
            raise ValueError(f"{name} must be one of {sorted(_ACTIVATIONS)}; got {act!r}")
    Wt, wt = _as_tensor(Wh), _as_tensor(wo)
    Xbar, _, _ = check_shapes(X, Wt.data, wt.data)  # shape errors in the lecture's notation
    d = data_vector(d, Xbar.shape[0])
    if wt.ndim != 1:
        wt = reshape(wt, (-1,))
    H = _ACTIVATIONS[f](closure(Xbar[:, 1:]) @ Wt)
    r = _ACTIVATIONS[g](closure(H) @ wt) - d
    return 0.5 * sum(r * r)


def loss_and_gradient(X, d, Wh, wo, f="tanh", g="identity"):
    """``(ℓ, ∂ℓ/∂W̄ʰ, ∂ℓ/∂w̄ᵒ)`` of :func:`network_loss`, by one reverse sweep of the engine.

    The same numbers as ``lecturekit.train.loss_and_gradient`` (sum-of-squares loss), computed
    op by op instead of by the hand-derived formulas.
    """
    W = Tensor(Wh, requires_grad=True)
    w = Tensor(wo, requires_grad=True)
    loss = network_loss(X, d, W, w, f, g)
    loss.backward()
    return loss.item(), W.grad, w.grad.reshape(np.shape(wo))
