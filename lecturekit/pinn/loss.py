"""The PINN loss and its gradient, and its residual vector for Levenberg–Marquardt.

Loss (``r`` the residual at the collocation points, ``eᶜ`` the misfit of condition c, ``eᵈ`` the
data misfit; every term a mean square)::

    L = w_pde · mean(r²) + w_bc · Σ_c mean((eᶜ)²) + w_data · mean((eᵈ)²)

The residual's own partial derivatives come from one evaluation on dual numbers
(:mod:`lecturekit.pinn_dual`); the network's are the reverse sweep of
:meth:`lecturekit.pinn.PINN.backward`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import finite_array, points, real, shape_str
from ..formulas.pinn import gradient_from_jacobian, gradient_seeds, residual_scale
from ..pinn_dual import Dual

TERMS = ("pde", "bc", "data")


# --- input checks -----------------------------------------------------------------------------


# --- the inputs of a PINN loss, one check each -------------------------------------------------


def _check_residual_fn(residual, x_collocation):
    if residual is not None and not callable(residual):
        raise ValueError("residual must be a callable residual(x, u, ux, uxx, p)")
    if residual is not None and x_collocation is None:
        raise ValueError("x_collocation is required when a residual is given")
    return residual


def _collocation(x_collocation, n_in):
    Xc = points(x_collocation, n_in, "x_collocation")
    if len(Xc) == 0:
        raise ValueError("x_collocation must hold at least one point")
    return Xc


def _condition(i, cond, n_in):
    """Condition i, ``u⁽ᵏ⁾(x₀) = value``: its points, k, the axis of the derivative, the values."""
    if not isinstance(cond, (tuple, list)) or len(cond) not in (3, 4):
        raise ValueError(
            f"condition {i} must be a tuple (x0, k, value) or (x0, k, value, axis); got {cond!r}"
        )
    x0, k, value = cond[:3]
    axis = cond[3] if len(cond) == 4 else 0
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k not in (0, 1):
        raise ValueError(
            f"condition {i}: the derivative order k must be 0 (u(x0) = value) or "
            f"1 (u'(x0) = value); got k = {k!r}"
        )
    if not isinstance(axis, (int, np.integer)) or not 0 <= axis < n_in:
        raise ValueError(f"condition {i}: axis must be in 0..{n_in - 1}; got {axis!r}")
    X0 = points(x0, n_in, f"condition {i} point x0")
    try:
        v = finite_array(value, f"condition {i} value")
    except TypeError as err:
        raise ValueError(str(err)) from None
    v = np.broadcast_to(v.ravel() if v.ndim else v, (len(X0),)).astype(float)
    return X0, int(k), int(axis), v


def _observations(data, n_in):
    """The data term's points and observed values ``(x_obs, u_obs)``."""
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise ValueError("data must be a pair (x_obs, u_obs)")
    Xd = points(data[0], n_in, "data x_obs")
    try:
        ud = finite_array(data[1], "data u_obs").ravel()
    except TypeError as err:
        raise ValueError(str(err)) from None
    if ud.size != len(Xd):
        raise ValueError(
            f"data u_obs must have one value per observation point (m = {len(Xd)}); "
            f"got shape {shape_str(np.shape(data[1]))}"
        )
    return Xd, ud


def _show_point(x):
    """A point as the reader wrote it: ``0.5`` for one coordinate, ``(0.5, 0.1)`` for several."""
    return f"{x[0]:.4g}" if x.size == 1 else "(" + ", ".join(f"{v:.4g}" for v in x) + ")"


def _check_inside(Xd, Xc):
    """Refuse observations outside the box of the collocation points, where r is not enforced.

    There the equation does not tie u to the parameters, so an inverse fit would estimate
    them from extrapolation (a parameter fitted to data the physics never sees).
    """
    low, high = Xc.min(axis=0), Xc.max(axis=0)
    slack = 1e-12 * np.maximum(high - low, 1.0)
    outside = np.any((Xd < low - slack) | (Xd > high + slack), axis=1)
    if np.any(outside):
        i = int(np.flatnonzero(outside)[0])
        box = " × ".join(f"[{a:.4g}, {b:.4g}]" for a, b in zip(low, high, strict=True))
        raise ValueError(
            f"data x_obs has {int(outside.sum())} of {len(Xd)} points outside the collocation "
            f"domain {box} (first x_obs[{i}] = {_show_point(Xd[i])}): there the equation is not "
            "enforced, so the physics does not constrain u, nor the parameters through it. "
            "Extend x_collocation to cover the observations, or leave those points out"
        )


def _physical_params(params):
    """Names and starting values of the trainable physical parameters."""
    params = {} if params is None else params
    if not isinstance(params, dict):
        raise ValueError(f'params must be a dict such as {{"mu": 0.0}}; got {params!r}')
    p0 = np.array([real(v, f"params[{k!r}]") for k, v in params.items()], dtype=float)
    return [str(k) for k in params], p0


def _term_weights(weights):
    """The loss-term weights ``{"pde", "bc", "data"}``, 1 unless given, each ≥ 0."""
    weights = {} if weights is None else dict(weights)
    unknown = set(weights) - set(TERMS)
    if unknown:
        raise ValueError(f"unknown loss-term weight(s) {sorted(unknown)}; known: {TERMS}")
    return {t: real(weights.get(t, 1.0), f"weights[{t!r}]", minimum=0.0) for t in TERMS}


@dataclass
class _Condition:
    rows: np.ndarray  # row indices of its points in the stacked input
    k: int  # derivative order, 0 or 1
    axis: int  # input coordinate of the derivative
    value: np.ndarray  # target values, one per point


# --- the loss ---------------------------------------------------------------------------------


class PINNLoss:
    """The PINN loss ``L(θ)`` and its gradient, θ = [vec(W̄₁); …; vec(W̄_L); p].

    Built by :meth:`PINN.loss`; calling it with a flat parameter vector returns ``(L, ∇L)``.

    Attributes
    ----------
    theta0 : ndarray
        The network's current weights followed by the starting physical parameters.
    param_names : list of str
    weights : dict
        Loss-term weights ``{"pde": w_pde, "bc": w_bc, "data": w_data}``.
    """

    def __init__(self, net, residual, x_collocation, conditions, data, params, weights):
        self.net = net
        self.n_in = n_in = net.layers[0]
        # The input points, stacked: collocation points, then each condition's, then the data's.
        self.residual = _check_residual_fn(residual, x_collocation)
        Xc = np.empty((0, n_in)) if residual is None else _collocation(x_collocation, n_in)
        self.col = slice(0, len(Xc))
        blocks, self.conditions = [Xc], []
        for i, cond in enumerate(conditions or ()):
            X0, k, axis, value = _condition(i, cond, n_in)
            start = sum(len(B) for B in blocks)
            self.conditions.append(_Condition(np.arange(start, start + len(X0)), k, axis, value))
            blocks.append(X0)
        self.data_rows = None
        if data is not None:
            Xd, self.u_obs = _observations(data, n_in)
            if residual is not None:
                _check_inside(Xd, Xc)
            start = sum(len(B) for B in blocks)
            self.data_rows = np.arange(start, start + len(Xd))
            blocks.append(Xd)
        self.X = np.vstack(blocks)
        if len(self.X) == 0:
            raise ValueError("nothing to fit: give a residual, conditions or data")
        self.param_names, p0 = _physical_params(params)
        self.weights = _term_weights(weights)
        self.theta0 = np.concatenate([net.theta, p0])
        self.n_net = self.theta0.size - p0.size
        self._seed_residual()
        self.last = None
        # Evaluate once so that every problem with the residual surfaces now, not mid-training.
        if residual is not None:
            self._check_residual()

    # Seeds of the dual evaluation: u, u_x (n of them), u_xx (n), then each parameter.
    def _seed_residual(self):
        if self.residual is None:
            return
        m = self.col.stop
        n_in, q = self.n_in, len(self.param_names)
        s = 1 + 2 * n_in + q
        self.n_seeds = s
        self._tu = np.zeros((s, m))
        self._tu[0] = 1.0
        if n_in == 1:
            self._tux = np.zeros((s, m))
            self._tux[1] = 1.0
            self._tuxx = np.zeros((s, m))
            self._tuxx[2] = 1.0
        else:
            self._tux = np.zeros((s, m, n_in))
            self._tuxx = np.zeros((s, m, n_in))
            for j in range(n_in):
                self._tux[1 + j, :, j] = 1.0
                self._tuxx[1 + n_in + j, :, j] = 1.0
        self._tp = np.eye(s)[1 + 2 * n_in :]
        self._xcol = self.X[self.col, 0] if n_in == 1 else self.X[self.col]

    def _eval_residual(self, u, ux, uxx, p):
        """Residual r and its partials (∂r/∂u, ∂r/∂uₓ, ∂r/∂uₓₓ: m or m×n; ∂r/∂p: q×m)."""
        n_in = self.n_in
        m = self.col.stop
        if n_in == 1:
            ux, uxx = ux[:, 0], uxx[:, 0]
        pd = {k: Dual(p[i], self._tp[i]) for i, k in enumerate(self.param_names)}
        r = self.residual(
            self._xcol, Dual(u, self._tu), Dual(ux, self._tux), Dual(uxx, self._tuxx), pd
        )
        if isinstance(r, Dual):
            val, tan = r.value, r.tangent
        else:
            val = np.asarray(r, dtype=float)
            tan = np.zeros((self.n_seeds,) + val.shape)
        if val.shape != (m,):
            raise ValueError(
                f"residual(x, u, ux, uxx, p) must return one value per collocation point "
                f"(shape {m}); got shape {shape_str(val.shape)}"
            )
        if n_in == 1:
            return val, tan[0], tan[1][:, None], tan[2][:, None], tan[3:]
        return (
            val,
            tan[0],
            tan[1 : 1 + n_in].T,
            tan[1 + n_in : 1 + 2 * n_in].T,
            tan[1 + 2 * n_in :],
        )

    def _check_residual(self):
        u, ux, uxx, _ = self.net.propagate(self.net.unflatten(self.theta0[: self.n_net]), self.X)
        c = self.col
        p = self.theta0[self.n_net :]
        try:
            # NaN/inf are reported below as an error, so numpy's warnings would only repeat it.
            with np.errstate(all="ignore"):
                r = self._eval_residual(u[c], ux[c], uxx[c], p)[0]
        except ValueError:
            raise
        except Exception as err:
            raise ValueError(f"the residual could not be evaluated: {err}") from err
        if not np.all(np.isfinite(r)):
            raise ValueError("the residual returns NaN or infinite values at the starting point")
        self._check_pointwise(u[c], ux[c], uxx[c], p, r)

    def _check_pointwise(self, u, ux, uxx, p, r):
        """Refuse a residual that couples collocation points.

        The loss's gradient and ``D_θ ρ`` seed every point with the same dual direction, which
        is right only if ``rᵢ`` depends on ``x, u, uₓ, uₓₓ`` at point i alone (and on p).
        Changing ``u, uₓ, uₓₓ`` at one point i must then leave every other ``rⱼ`` unchanged;
        a shift (``u[::-1]``), a mean or a difference across points does not.
        """
        m = r.size
        for i in sorted({0, m // 2}) if m > 1 else ():
            bumped = [a.copy() for a in (u, ux, uxx)]
            for a in bumped:
                a[i] += 1e-3 * (1.0 + abs(a[i]))
            with np.errstate(all="ignore"):
                r_i = self._eval_residual(*bumped, p)[0]
            moved = np.abs(r_i - r) > 1e-12 * (1.0 + np.abs(r))
            moved[i] = False
            if np.any(moved):
                j = int(np.flatnonzero(moved)[0])
                raise ValueError(
                    "the residual must be pointwise: r at a collocation point may depend on x, "
                    "u, uₓ, uₓₓ at that point only (and on the parameters p). Changing u, uₓ, "
                    f"uₓₓ at point {i} (x = {_show_point(self.X[i])}) changed r at "
                    f"{int(moved.sum())} other point(s), first at point {j} "
                    f"(x = {_show_point(self.X[j])}). A residual that couples points (a shift "
                    "such as u[::-1], a mean or a difference over points) breaks the PINN's "
                    "derivative rules, so its gradient would be wrong: write the coupling as a "
                    "derivative (ux, uxx) of the equation instead"
                )

    def terms(self, theta):
        """The unweighted loss terms ``{"pde", "bc", "data"}`` and the weighted total at θ."""
        return self.evaluate(theta, grad=False)[0]

    def __call__(self, theta):
        """``(L(θ), ∇L(θ))`` with the gradient in the layout of θ."""
        terms, g = self.evaluate(theta, grad=True)
        return terms["total"], g

    def residuals(self, theta, jacobian=True):
        """The loss as a sum of squares, ``L(θ) = ‖ρ(θ)‖²``, and the Jacobian ``D_θ ρ``.

        One entry of ρ per stacked point, scaled so that squares add up to the weighted mean
        squares of :meth:`terms`: ``√(w_pde/m_c)·rᵢ`` at the collocation points,
        ``√(w_bc/m_c)·eᶜᵢ`` at the points of condition c (m_c its number of points) and
        ``√(w_data/m_d)·eᵈᵢ`` at the observations. Row i of ``D_θ ρ`` is point i's reverse sweep
        seeded with ``∂ρᵢ/∂u, ∂ρᵢ/∂uₓ, ∂ρᵢ/∂uₓₓ``; the physical parameters' columns are
        ``√(w_pde/m_c)·∂rᵢ/∂p``.

        Returns
        -------
        rho : ndarray, shape (M,)
        J : ndarray, shape (M, P), or None if ``jacobian`` is False
        """
        rho, (Ws, cache, seeds, Jp), _ = self._walk(theta, keep=jacobian)
        if not jacobian:
            return rho, None
        J = self.net.backward(Ws, cache, *seeds, per_point=True)
        # The physical parameters' columns follow the network's; without any, J is not copied
        return rho, (np.hstack([J, Jp]) if Jp.shape[1] else J)

    def evaluate(self, theta, grad):
        """``(terms, ∇L)`` at θ (``∇L`` None unless ``grad``); remembers θ and terms in ``last``.

        ``∇L = 2Jᵀρ`` (:mod:`lecturekit.formulas.pinn`) by one reverse sweep seeded with
        ``2ρᵢ·∂ρᵢ/∂(u, uₓ, uₓₓ)``, without forming J: J costs one sweep row per point
        (``per_point``, an M×P matrix, which ``benchmarks/pinn.py``'s Adam phase would pay at
        every step for nothing), the product one sweep summed over points.
        """
        rho, (Ws, cache, seeds, Jp), terms = self._walk(theta, keep=grad)
        if not grad:
            return terms, None
        gW = self.net.backward(Ws, cache, *gradient_seeds(rho, seeds))
        g = np.concatenate([gW, gradient_from_jacobian(Jp, rho)])
        self.last = (theta.copy(), terms)
        return terms, g

    def _walk(self, theta, keep):
        """One walk over the loss terms at θ: the scaled residual vector ρ, what its Jacobian
        needs (the layers' cache, the seeds ``∂ρ/∂u, ∂ρ/∂uₓ, ∂ρ/∂uₓₓ`` and ``∂ρ/∂p``) and the
        unweighted terms (mean squares) with their weighted total."""
        Ws = self.net.unflatten(theta[: self.n_net])
        p = theta[self.n_net :]
        u, ux, uxx, cache = self.net.propagate(Ws, self.X, keep=keep)
        w = self.weights
        rho, Jp = np.zeros(len(self.X)), np.zeros((len(self.X), p.size))
        su, sux, suxx = np.zeros_like(u), np.zeros_like(ux), np.zeros_like(uxx)
        terms = {}
        if self.residual is not None:
            c = self.col
            r, dr_u, dr_ux, dr_uxx, dr_p = self._eval_residual(u[c], ux[c], uxx[c], p)
            terms["pde"] = float(np.mean(r * r))
            s = residual_scale(w["pde"], r.size)
            rho[c], su[c], sux[c], suxx[c], Jp[c] = (
                s * r,
                s * dr_u,
                s * dr_ux,
                s * dr_uxx,
                s * dr_p.T,
            )
        if self.conditions:
            terms["bc"] = 0.0
        for cond in self.conditions:
            val = u[cond.rows] if cond.k == 0 else ux[cond.rows, cond.axis]
            e = val - cond.value
            terms["bc"] += float(np.mean(e * e))
            s = residual_scale(w["bc"], e.size)
            rho[cond.rows] = s * e
            if cond.k == 0:
                su[cond.rows] = s
            else:
                sux[cond.rows, cond.axis] = s
        if self.data_rows is not None:
            e = u[self.data_rows] - self.u_obs
            terms["data"] = float(np.mean(e * e))
            s = residual_scale(w["data"], e.size)
            rho[self.data_rows], su[self.data_rows] = s * e, s
        terms["total"] = float(sum(w[k] * v for k, v in terms.items()))
        return rho, (Ws, cache, (su, sux, suxx), Jp), terms
