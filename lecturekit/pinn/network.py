"""The PINN: a network ``u(x; w)`` with its input derivatives, and its training.

The network ``u(x; w)`` stacks layers ``Aₗ = H̄ₗ₋₁ W̄ₗ``, ``Hₗ = f(Aₗ)`` with ``H₀ = X`` (one row
per point, bias first: ``H̄ = [1 H]``, row 0 of ``W̄ₗ`` is the bias) and a linear output layer.
For an input coordinate xⱼ, differentiating every layer gives (``Wₗ`` is ``W̄ₗ`` without its bias
row, which does not depend on x)

    Aₗ,ⱼ  = Hₗ₋₁,ⱼ  Wₗ,          Hₗ,ⱼ  = f′(Aₗ) ⊙ Aₗ,ⱼ,
    Aₗ,ⱼⱼ = Hₗ₋₁,ⱼⱼ Wₗ,          Hₗ,ⱼⱼ = f″(Aₗ) ⊙ Aₗ,ⱼ ⊙ Aₗ,ⱼ + f′(Aₗ) ⊙ Aₗ,ⱼⱼ,

starting from ``H₀,ⱼ = eⱼᵀ`` (a row of the identity, the same for every point) and
``H₀,ⱼⱼ = 0``. The three quantities travel together as one stacked matrix per layer, so each
layer costs one matrix product, on the package's one network core
(:func:`lecturekit.network.propagate`, where the bias dropping out is derived). The loss
gradient with respect to every ``W̄ₗ`` and every physical parameter is the reverse sweep
(vector–Jacobian products) through these formulas; the residual's own partial derivatives
come from one evaluation on dual numbers (:mod:`lecturekit.pinn_dual`).

The loss is :class:`lecturekit.pinn.loss.PINNLoss`.
"""

from __future__ import annotations

import numpy as np

from .._validate import integer, points, real
from ..activations import get_activation, identity
from ..formulas.activations import TABLE
from ..network import InputDerivativeStep, propagate, with_derivative_rows
from ..vectorise import closure
from .finish import (
    check_finish_memory,
    finish_blas_threads,
    levenberg_marquardt_finish,
    single_threaded_blas,
)
from .loss import PINNLoss
from .trainer import Recorder, adam_phase, lbfgs_finish, penalty_of, phi, summarise
from .uncertainty import parameter_uncertainty


def relative_l2(u, u_exact):
    """Relative L2 error ``‖u − u_exact‖₂ / ‖u_exact‖₂`` (over the evaluation points)."""
    u = np.asarray(u, dtype=float).ravel()
    u_exact = np.asarray(u_exact, dtype=float).ravel()
    if u.shape != u_exact.shape:
        raise ValueError(f"u has {u.size} values but u_exact has {u_exact.size}")
    return float(np.linalg.norm(u - u_exact) / np.linalg.norm(u_exact))


def _make_derivs(act):
    """``A ↦ (f, f′, f″, f‴)`` for a smooth activation, from the one activation table."""
    if act.name in ("tanh", "sigmoid", "softplus"):
        return TABLE[act.name].stack
    raise ValueError(
        f"a PINN needs a smooth activation with f′, f″ and f‴ (tanh, sigmoid or softplus); "
        f"got {act.name!r}"
    )


# --- the network ------------------------------------------------------------------------------


class PINN:
    """A fully connected network ``u(x; w)`` with input derivatives, trained with physics.

    Parameters
    ----------
    layers : sequence of int
        Widths ``[n, p₁, …, p_L, 1]``: n inputs (1 for u(x), 2 for u(x, t), …), hidden widths,
        one output.
    activation : str
        Smooth hidden activation: ``"tanh"`` (default), ``"sigmoid"`` or ``"softplus"``.
    seed : int
        Seed of the initial weights: every entry of ``W̄ₗ`` (biases included) is drawn
        uniformly from ±1/√pₗ₋₁.

    Attributes
    ----------
    Wbar : list of ndarray
        ``W̄ₗ`` of shape (pₗ₋₁ + 1)×pₗ, bias row first.
    params : dict
        Fitted physical parameters (empty before an inverse fit).
    history : dict of ndarray
        Loss terms per optimisation step: ``"total"`` (weighted), ``"pde"``, ``"bc"``, ``"data"``
        (unweighted mean squares, for the terms present), one entry per parameter, and ``"time"``
        (seconds since the fit started).

    Notes
    -----
    For input dimension n > 1 the residual receives ``x`` as an m×n matrix and ``ux``, ``uxx`` as
    m×n matrices of the first and pure second derivatives ``∂u/∂xⱼ`` and ``∂²u/∂xⱼ²`` (column j
    for coordinate j), e.g. the heat equation ``uₜ = κ uₓₓ`` on points ``[x, t]`` is
    ``lambda X, u, du, d2u, p: du[:, 1] - kappa * d2u[:, 0]``. Mixed derivatives are not formed.
    """

    def __init__(self, layers=(1, 32, 1), activation="tanh", seed=0):
        layers = list(layers)
        if len(layers) < 3 or any(
            isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1 for n in layers
        ):
            raise ValueError(
                "layers must list positive integer widths [n, p₁, …, 1] with at least one "
                f"hidden layer; got {layers!r}"
            )
        if layers[-1] != 1:
            raise ValueError(f"the output width must be 1 (a scalar field u); got {layers[-1]}")
        self.layers = [int(n) for n in layers]
        self.activation = get_activation(activation)
        self._derivs = _make_derivs(self.activation)
        self.seed = seed
        rng = np.random.default_rng(seed)
        shapes = [(a + 1, b) for a, b in zip(self.layers[:-1], self.layers[1:], strict=True)]
        self._shapes = shapes
        self._offsets = np.cumsum([0] + [r * c for r, c in shapes])
        # Weights and biases uniform on ±1/√(fan-in): the biases spread the tanh transitions
        # over the domain, which oscillating solutions need (zero biases stall them).
        theta = []
        for r, c in shapes:
            bound = 1.0 / np.sqrt(r - 1)
            theta.append(rng.uniform(-bound, bound, (r, c)).ravel(order="F"))
        self._theta = np.concatenate(theta)
        self._params = {}
        self.history = {}

    # θ ↔ [W̄₁, …]: column-major vec, as everywhere in the book; the W̄ₗ are views of θ.
    def unflatten(self, theta):
        """``[W̄₁, …, W̄_L]`` from ``θ = [vec W̄₁; …]`` (column-major vec): views of θ."""
        o = self._offsets
        return [theta[o[i] : o[i + 1]].reshape(s, order="F") for i, s in enumerate(self._shapes)]

    @property
    def theta(self):
        """The network's weights as one vector ``θ = [vec W̄₁; …; vec W̄_L]`` (a copy)."""
        return self._theta.copy()

    @property
    def Wbar(self):
        """Copies of the weight matrices ``[W̄₁, …, W̄_L, w̄]``, each (pₗ₋₁ + 1)×pₗ, bias row first."""
        return [W.copy() for W in self.unflatten(self._theta)]

    @property
    def params(self):
        """Fitted physical parameters as ``{name: value}``."""
        return dict(self._params)

    # --- forward: value, first and second input derivatives, layer by layer ---------------

    def propagate(self, Ws, X, keep=False):
        """``u``, ``uₓ``, ``uₓₓ`` at the rows of X (m, m×n, m×n) and, if keep, the reverse cache.

        The network core :func:`lecturekit.network.propagate` on X̄ stacked with its derivative
        rows, ``[X̄; [0 E₁] … [0 Eₙ]; 0 … 0]`` (:func:`~lecturekit.network.with_derivative_rows`),
        with the chain-rule step of :class:`~lecturekit.network.InputDerivativeStep` in every
        hidden layer: each layer is one product ``[H̄; [0 H,ⱼ]; [0 H,ⱼⱼ]] W̄``. The output layer
        is linear, so its stacked pre-activation is already ``[u; u,ⱼ; u,ⱼⱼ]``.
        """
        n_in = X.shape[1]
        Xs = with_derivative_rows(X)
        ones = Xs[:, :1]  # 1 on the value rows, 0 on the derivative rows
        step = InputDerivativeStep(n_in, self._derivs, keep)
        As, _, Hbars = propagate(Xs, Ws, [step] * (len(Ws) - 1) + [identity], ones)
        out = As[-1].reshape(1 + 2 * n_in, len(X))
        u, ux, uxx = out[0], out[1 : 1 + n_in].T, out[1 + n_in :].T
        # The reverse sweep needs f′, f″, f‴ and A,ⱼ, A,ⱼⱼ per hidden layer and every layer's
        # stacked input [X̄ₛ, H̄₁, …]: all kept from this one pass.
        return u, ux, uxx, (step.kept, [Xs] + Hbars, n_in)

    def backward(self, Ws, cache, gu, gux, guxx, per_point=False):
        """Reverse sweep: ∂L/∂vec(W̄ₗ) for all l, given ∂L/∂u, ∂L/∂uₓ, ∂L/∂uₓₓ per point.

        Through ``H = f(A)``, ``H,ⱼ = f′ A,ⱼ``, ``H,ⱼⱼ = f″ A,ⱼ² + f′ A,ⱼⱼ`` (all element-wise):
        ``Ā,ⱼⱼ = f′ H̄,ⱼⱼ``, ``Ā,ⱼ = f′ H̄,ⱼ + 2 f″ A,ⱼ H̄,ⱼⱼ`` and
        ``Ā = f′ H̄ + Σⱼ [f″ A,ⱼ H̄,ⱼ + (f‴ A,ⱼ² + f″ A,ⱼⱼ) H̄,ⱼⱼ]``; through ``A = Z W̄`` (Z the
        stacked input ``[H̄; [0 H,ⱼ]; [0 H,ⱼⱼ]]``): ``∂L/∂W̄ = Zᵀ Ā`` (its bias row collects the
        value rows of Ā alone, the derivative rows having 0 there) and ``∂L/∂H = Ā Wᵀ``.

        Every row of every matrix belongs to one point, so ``Zᵀ Ā`` is a sum over points of
        one outer product each. With ``per_point=True`` that sum is not taken: row i of the
        m×P result is the gradient of point i's share alone. Seeding point i with the partials
        of residual i then gives the residual Jacobian ``D_θ ρ`` row by row, in one sweep.
        """
        layers, Zs, n_in = cache
        k = 1 + 2 * n_in
        m = len(gu)
        grads = [None] * len(Ws)
        if per_point:
            J = np.empty((m, self._offsets[len(Ws)]))  # row i: point i's share of the gradient

        def outer(li, Z, Abar):  # Σ over stacked blocks (and points, unless per_point) of Zᵀ Ā
            if not per_point:
                return Z.T @ Abar.reshape(-1, Abar.shape[-1])
            # Point i's block of row i is vec(Σₖ Zₖᵢᵀ Āₖᵢ), column-major: entry (a, b) of W̄ₗ
            # sits at a + rows·b, so the block, seen as b×a per point, is Σₖ Āₖᵢᵀ Zₖᵢ. The
            # product is written straight into J (a view of its columns, no copy).
            rows, cols = Ws[li].shape
            block = J[:, self._offsets[li] : self._offsets[li + 1]].reshape(m, cols, rows)
            Zt = Z.reshape(k, m, rows).transpose(1, 0, 2)  # m × k × rows
            np.matmul(Abar.transpose(1, 2, 0), Zt, out=block)  # m × cols × rows
            return None

        # Output layer (linear): its stacked pre-activation is [u; u,ⱼ; u,ⱼⱼ] itself.
        Gout = np.concatenate([gu[None, :], gux.T, guxx.T])[:, :, None]  # k×m×1
        grads[-1] = outer(len(Ws) - 1, Zs[-1], Gout)
        Hbar = Gout * Ws[-1][1:, 0]  # ∂L/∂[H; H,ⱼ; H,ⱼⱼ], k×m×p
        for li in range(len(Ws) - 2, -1, -1):
            Aj, Ajj, F1, F2, F3 = layers[li]
            Hb, Tb, Sb = Hbar[0], Hbar[1 : 1 + n_in], Hbar[1 + n_in :]
            F2Aj = F2 * Aj
            Abar = F1 * Hb + np.sum(F2Aj * Tb + (F3 * (Aj * Aj) + F2 * Ajj) * Sb, axis=0)
            Aall = np.concatenate([Abar[None], F1 * Tb + 2.0 * F2Aj * Sb, F1 * Sb])
            grads[li] = outer(li, Zs[li], Aall)
            if li:
                Hbar = Aall @ Ws[li][1:].T
        if per_point:
            return J
        return np.concatenate([g.ravel(order="F") for g in grads])

    # --- public evaluation -------------------------------------------------------------------

    def _inputs(self, x):
        return points(x, self.layers[0], "x")

    def predict(self, x):
        """Network output ``u(x)`` at the points x (m values; x is m or m×n).

        Implements ``Hₗ = f(H̄ₗ₋₁ W̄ₗ)`` for the hidden layers and ``u = H̄_L w̄`` at the end.
        """
        X = self._inputs(x)
        Ws = self.unflatten(self._theta)
        _, Hs, _ = propagate(closure(X), Ws, [self.activation] * (len(Ws) - 1) + [identity])
        return Hs[-1][:, 0]

    def derivatives(self, x):
        """``(u, uₓ, uₓₓ)`` at the points x by the layer-by-layer propagation rules.

        For one input coordinate each is a vector of length m; for n inputs ``uₓ`` and ``uₓₓ``
        are m×n (first and pure second derivative along each coordinate).
        """
        X = self._inputs(x)
        u, ux, uxx, _ = self.propagate(self.unflatten(self._theta), X)
        if self.layers[0] == 1:
            return u, ux[:, 0], uxx[:, 0]
        return u, ux, uxx

    def loss(
        self, residual, x_collocation=None, conditions=(), data=None, params=None, weights=None
    ):
        """The loss of a problem as a :class:`PINNLoss` (θ ↦ (L, ∇L)), at the current weights.

        Arguments as in :meth:`fit`; every input is checked here, before any training.
        """
        return PINNLoss(self, residual, x_collocation, conditions, data, params, weights)

    def fit(
        self,
        residual,
        x_collocation=None,
        conditions=(),
        data=None,
        params=None,
        weights=None,
        adam_steps=2000,
        finish="lm",
        finish_steps=2000,
        lam=0.0,
        gtol=1e-8,
        ftol=1e-12,
        progress=True,
        lr=1e-3,
        callback=None,
    ):
        """Train on ``Φ(θ) = L(θ) + (w_data/m)·λ‖θ_net‖²``, L the PINN loss {eq}`pinn-loss`.

        ``L = w_pde·mean(r²) + w_bc·Σ mean(condition misfit²) + w_data·mean(misfit²)`` and
        ``‖θ_net‖²`` is the sum of squares of every network weight and bias (not of the physical
        parameters). λ is the book's one Tikhonov weight: with m observations ``eᵈ`` the data
        term and the penalty together are ``(2w_data/m)·(½‖eᵈ‖² + ½λ‖θ_net‖²)``, chapter 8's
        ``Φ_λ`` up to the factor, so a λ means the same here as in ``lecturekit.inverse``.
        Adam moves the weights into a good region, then a finishing phase runs to
        a stated criterion that does not depend on the units of the problem: the gradient
        vanishes relative to the residual, the cosine between ``[ρ; √Λθ]`` (``Φ = ‖ρ‖² +
        θᵀΛθ``, :meth:`PINNLoss.residuals`) and every column of its Jacobian is at most
        ``gtol`` (:func:`lecturekit.inverse.least_squares.gradient_cosine`), or (for a problem
        with an exact solution, whose loss can fall to rounding level) the loss falls below
        ``ftol·Φ(θ₀)``, θ₀ the initial weights. ``fit_info`` records whether it converged and
        why it stopped; reaching ``finish_steps`` first is reported there and warned about.

        Parameters
        ----------
        residual : callable or None
            ``residual(x, u, ux, uxx, p)`` returning the equation's residual at the collocation
            points, written with numpy arithmetic (it receives dual arrays for u, ux, uxx and p's
            values, and a plain array x); None fits the conditions and data only (a plain NN).
            It must be pointwise: the residual at point i may read x, u, ux, uxx at point i
            only (and p), which is checked before training.
        x_collocation : array_like, shape (m,) or (m, n)
            Points where the residual is enforced; observations must lie inside their box.
        conditions : sequence of tuples
            ``(x0, k, value)``: ``u⁽ᵏ⁾(x0) = value`` for k in {0, 1}; x0 may hold several
            points (then value is a scalar or one value per point). For n > 1 inputs, a fourth
            entry ``axis`` picks the coordinate of the derivative (default 0).
        data : (x_obs, u_obs), optional
            Observations; adds the data-misfit term.
        params : dict, optional
            Trainable physical parameters and their starting values, e.g. ``{"mu": 0.0}``; the
            residual reads them as ``p["mu"]``.
        weights : dict, optional
            Loss-term weights, keys ``"pde"``, ``"bc"``, ``"data"`` (default 1 each).
        adam_steps : int
            Adam steps (learning rate ``lr``), the warm start.
        finish : {"lm", "lbfgs", None}
            The finishing phase: ``"lm"``, Levenberg–Marquardt on the residual vector
            ``ρ(θ)`` with ``L = ‖ρ‖²`` (:meth:`PINNLoss.residuals`, chapter 8's method);
            ``"lbfgs"``, scipy's L-BFGS-B on Φ; None, Adam only.
        finish_steps : int
            Most iterations of the finishing phase.
        lam : float
            Tikhonov weight λ ≥ 0 (it needs data: λ weighs the weights against the data misfit).
            With more weights than residuals JᵀJ is singular, so the Gauss–Newton step of L
            alone is not determined; any λ > 0 makes JᵀJ + Λ positive definite, so every step
            is. (The exact Hessian need not be, so this does not make the minimum unique.)
        gtol, ftol : float
            Convergence: the cosine above ``≤ gtol`` or ``Φ ≤ ftol·Φ(θ₀)`` (the second only
            with "lm"). Decreases of Φ below about ``ε·Φ`` cannot be seen, so on a noisy
            (large-residual) problem the cosine stalls near ``10⁻⁹``: the default ``10⁻⁸``
            lies above that floor; the LM finish also ends, converged, when Φ is minimal to
            working precision (:func:`~lecturekit.pinn.finish.levenberg_marquardt_finish`).
        progress : bool
            Show a progress bar with the current loss terms.
        lr : float
            Adam learning rate (> 0).
        callback : callable, optional
            ``callback(step, phase)`` after every step (phase "adam", "lm" or "lbfgs"); time
            spent in it is not counted in ``history["time"]``.

        Returns
        -------
        PINN
            self, trained; ``fit_info`` holds ``converged``, ``reason``, the iteration counts,
            the final cosine ``grad_cosine`` and ``‖∇Φ‖∞`` (``grad_norm``, in Φ's units).
        """
        adam_steps = integer(adam_steps, "adam_steps", minimum=0)
        finish_steps = integer(finish_steps, "finish_steps", minimum=0)
        if finish not in ("lm", "lbfgs", None):
            raise ValueError(f'finish must be "lm", "lbfgs" or None; got {finish!r}')
        lr = real(lr, "lr", minimum=0.0, strict=True)
        gtol = real(gtol, "gtol", minimum=0.0, strict=True)
        ftol = real(ftol, "ftol", minimum=0.0, strict=True)
        lam = real(lam, "λ (lam)", minimum=0.0)
        problem = self.loss(residual, x_collocation, conditions, data, params, weights)
        if lam and problem.data_rows is None:
            raise ValueError(
                f"λ (lam) = {lam:g} weighs the network's weights against the data misfit "
                "½‖u − u_obs‖², but this problem has no data: give data=(x_obs, u_obs) or lam=0"
            )
        self._optimise(
            problem, adam_steps, finish, finish_steps, lam, (gtol, ftol), progress, lr, callback
        )
        return self

    def _optimise(
        self, problem, adam_steps, finish, finish_steps, lam, tols, progress, lr, callback
    ):
        """The phases of :meth:`fit`: Adam, then the finish (LM, L-BFGS or none)."""
        gtol, ftol = tols
        theta, penalty = problem.theta0.copy(), penalty_of(problem, lam)
        if finish == "lm":  # refused before Adam spends any time, and before J is formed
            check_finish_memory(len(problem.X), theta.size, penalty)
        total = adam_steps + (finish_steps if finish else 0)
        record = Recorder(self, problem, total, progress, lr, callback)
        with single_threaded_blas():
            phi_start = phi(problem, penalty)(theta)[0]
            if not np.isfinite(phi_start):
                record.stop(0, "the start", "the loss")
            adam_phase(problem, theta, penalty, adam_steps, lr, record)
        info = {"adam_steps": adam_steps, "finish": finish, "lam": lam, "gtol": gtol, "ftol": ftol}
        if finish == "lm":
            with finish_blas_threads(len(problem.X), theta.size):
                theta, lm_info = levenberg_marquardt_finish(
                    problem,
                    theta,
                    penalty,
                    finish_steps,
                    (gtol, ftol * phi_start),
                    record,
                    adam_steps,
                    record.stop,
                )
            info |= lm_info
        elif finish == "lbfgs":
            with single_threaded_blas():
                theta, lbfgs_info = lbfgs_finish(
                    problem, theta, penalty, finish_steps, gtol, record, adam_steps
                )
            info |= lbfgs_info
        self.history = record.close()
        with single_threaded_blas():
            self.fit_info = summarise(problem, theta, penalty, info, gtol)
        n_net = problem.n_net
        self._theta = theta[:n_net].copy()
        self._params = {k: float(theta[n_net + i]) for i, k in enumerate(problem.param_names)}
        self._problem, self._penalty = problem, penalty

    def parameter_uncertainty(self, sigma=None):
        """Linearised standard errors of the physical parameters at the fitted θ̂.

        Divide the residual vector by ``√(w_data/m_d)`` so that its data entries are the raw
        misfits eᵈ; with that ``J̃ = D_θ ρ̃`` and ``Λ̃`` (the Tikhonov weights, scaled alike:
        λ on the network's weights), ``Φ ∝ ‖ρ̃‖² + θᵀΛ̃θ``. For data
        ``u_obs = u(x; θ) + ε``, ε ~ N(0, σ²I), and a Gaussian prior that makes the physics
        and Tikhonov terms the rest of ``‖ρ̃‖² + θᵀΛ̃θ``, the Laplace (Gaussian-posterior)
        covariance is ``σ² A⁻¹``, ``A = J̃ᵀJ̃ + Λ̃``. Treating only the data as random, the
        delta method gives the sandwich ``σ² A⁻¹ J̃_dᵀJ̃_d A⁻¹`` (J̃_d the data rows). σ² is
        estimated, unless given, as ``σ̂² = ‖eᵈ‖² / (m_d − tr(J̃_d A⁻¹ J̃_dᵀ))``.

        Returns
        -------
        dict
            ``{"laplace": {name: se}, "sandwich": {name: se}, "sigma": σ̂ or σ, "dof": m_d − tr}``
        """
        problem = getattr(self, "_problem", None)
        if problem is None or problem.data_rows is None or not problem.param_names:
            raise ValueError(
                "parameter_uncertainty needs a fitted inverse problem: fit with data and params"
            )
        sigma = None if sigma is None else real(sigma, "sigma", minimum=0.0)
        theta = np.concatenate([self._theta, list(self._params.values())])
        return parameter_uncertainty(problem, theta, self._penalty, sigma)
