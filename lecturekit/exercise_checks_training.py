"""Checks for the exercises of chapters 5 to 8 (training, ordering, PINNs, inverse problems).

Each ``check_…`` function takes what the exercise's answer cell asks for and returns a
:class:`lecturekit.exercises.Feedback`: ``correct``, a ``diagnosis`` and a message in the
lecture's notation. It recomputes the expected answer from the problem itself, names the
slips the exercise invites (an objective recorded one step short, a penalty without its 1/m,
a shape transposed, a bias left out of a count, a factor forgotten in a derivative), and never
raises on a stub: an answer left as ``...`` (or None) gets the diagnosis ``"not answered"``.

:func:`folded_output` keeps what a solution prints folded, so that running every cell does
not show a solution's result next to its collapsed code.
"""

from __future__ import annotations

import contextlib
import html
import io
import math

import numpy as np

from .exercises import Feedback, check

#: The diagnosis of an answer that is still the stub's ``...`` (or None).
NOT_ANSWERED = "not answered"


# -- helpers -------------------------------------------------------------------------------------


def _unanswered(*values):
    """Whether any of the answers is still the stub's ``...`` or None."""
    return any(v is Ellipsis or v is None for v in values)


def _not_answered(symbol, what):
    return Feedback(
        False,
        NOT_ANSWERED,
        f"{symbol}: not answered yet. Replace the ... in the answer cell by {what}, then run "
        "this cell again.",
        symbol,
    )


def _ok(symbol, message):
    return Feedback(True, "correct", f"correct: {message}", symbol)


def _wrong(symbol, diagnosis, message):
    return Feedback(False, diagnosis, f"{symbol}: {message}", symbol)


def _call(fn, symbol, *args):
    """``fn(*args)`` as a float array, or the Feedback that says why it could not be used."""
    if not callable(fn):
        return None, _wrong(symbol, "unreadable", f"expected a function, got {type(fn).__name__}")
    try:
        with np.errstate(all="ignore"):
            value = fn(*args)
    except Exception as err:  # the student's code: report, never raise
        return None, _wrong(symbol, "error", f"your function raised {type(err).__name__}: {err}")
    if value is Ellipsis or value is None:
        return None, _not_answered(symbol, "the function's return expression")
    try:
        return np.asarray(value, dtype=float), None
    except (TypeError, ValueError):
        return None, _wrong(
            symbol, "unreadable", f"your function returned {type(value).__name__}, not numbers"
        )


def _close(a, b, rtol=1e-8, atol=0.0):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol))


@contextlib.contextmanager
def folded_output(summary="Output of the solution"):
    """Print inside a solution, folded.

    Everything printed in the ``with`` block is shown afterwards in a closed HTML
    ``<details>`` element (plain text where HTML is not shown), so a solution's printed result
    stays hidden until the reader opens it, also after JupyterLab's "Run All", which unfolds
    the outputs of collapsed cells.
    """
    buffer = io.StringIO()
    try:
        with contextlib.redirect_stdout(buffer):
            yield
    finally:
        text = buffer.getvalue()
        if text:
            from IPython.display import display

            body = (
                f"<details><summary>{html.escape(summary)}</summary>"
                f"<pre>{html.escape(text)}</pre></details>"
            )
            display({"text/plain": text.rstrip("\n"), "text/html": body}, raw=True)


class OpenAnswer(Feedback):
    """The response to an answer in words: it cannot be marked, only compared."""

    def _repr_html_(self):
        return (
            '<div style="border-left:4px solid #555;padding:0.4em 0.8em;margin:0.3em 0">'
            f"<b>{html.escape(self.diagnosis)}:</b> {html.escape(self.message)}</div>"
        )


def check_open_answer(**answers):
    """An answer in words: "not answered" while a stub is left, else where to compare it.

    Each keyword is one part of the answer (a short text, a formula in words).
    """
    missing = [name for name, value in answers.items() if _unanswered(value)]
    names = ", ".join(answers)
    if missing:
        return _not_answered(", ".join(missing), "your answer in a few words")
    return OpenAnswer(
        False,
        "answered",
        f"{names}: answered. An answer in words cannot be marked by a program: compare yours "
        "with the worked example below, then open the solution.",
        names,
    )


# -- chapter 5 -----------------------------------------------------------------------------------

#: The keys of ``shapes`` in ex-05-transpose.
TRANSPOSE_KEYS = ("D_y ℓ", "D_w̄ y", "D_w̄ ℓ", "w̄(k+1) − w̄(k)")


def check_gradient_shapes(shapes, grad_shapes, m, n, p):
    """ex-05-transpose: the shapes of the chain's factors, of the step, and of the gradients.

    ``shapes`` maps each of :data:`TRANSPOSE_KEYS` to a (rows, columns) pair; ``grad_shapes``
    is the pair of ``.shape`` of the two arrays ``train.loss_and_gradient`` returns.
    """
    symbol = "shapes"
    if _unanswered(shapes, grad_shapes) or (
        isinstance(shapes, dict) and any(_unanswered(shapes.get(k, 0)) for k in TRANSPOSE_KEYS)
    ):
        return _not_answered(symbol, "(rows, columns) pairs of integers")
    if not isinstance(shapes, dict) or set(shapes) != set(TRANSPOSE_KEYS):
        return _wrong(symbol, "unreadable", f"expected a dict with the keys {TRANSPOSE_KEYS}")
    nbar, pbar = n + 1, p + 1
    P = nbar * p + pbar
    want = {
        TRANSPOSE_KEYS[0]: (1, m),
        TRANSPOSE_KEYS[1]: (m, P),
        TRANSPOSE_KEYS[2]: (1, P),
        TRANSPOSE_KEYS[3]: (P, 1),
    }
    no_bias = {n * p + p, n * p + pbar, nbar * p + p}  # one or both biases left out
    for key in TRANSPOSE_KEYS:
        wrong = _factor_shape_feedback(key, shapes[key], want[key], no_bias, P, nbar)
        if wrong is not None:
            return wrong
    wrong = _grad_shapes_feedback(grad_shapes, nbar, p)
    if wrong is not None:
        return wrong
    return _ok(symbol, "every shape matches the numerator layout, and the step is a column.")


def _factor_shape_feedback(key, answer, want, no_bias, P, nbar):
    """What is wrong with the shape given for ``key`` of ex-05-transpose, or ``None``."""
    try:
        got = tuple(int(v) for v in answer)
    except (TypeError, ValueError):
        return _wrong(key, "unreadable", "write the shape as a pair (rows, columns)")
    if got == want:
        return None
    if got == want[::-1]:
        if key == TRANSPOSE_KEYS[3]:
            msg = (
                "this is a row, but w̄ is a column vector: the step must have w̄'s shape, "
                "so it uses the transpose of the derivative."
            )
        else:
            msg = (
                "rows and columns are swapped. In numerator layout D_x y has one row per "
                "entry of y and one column per entry of x; the derivative of a scalar is a row."
            )
        return _wrong(key, "transposed", msg)
    if len(got) == 2 and any(v in no_bias for v in got) and P not in got:
        return _wrong(
            key,
            "bias left out",
            f"count the weights again: w̄ = [vec W̄ʰ; w̄ᵒ] holds every weight and bias "
            f"(row 0 of W̄ʰ and w₀ᵒ included), n̄p + p̄ with n̄ = n + 1 = {nbar}.",
        )
    return _wrong(key, "shape", f"{got} is not the shape of {key}; recount rows and columns.")


def _grad_shapes_feedback(grad_shapes, nbar, p):
    """What is wrong with the two gradient shapes of ex-05-transpose, or ``None``."""
    try:
        g = [tuple(int(v) for v in s) for s in grad_shapes]
    except (TypeError, ValueError):
        return _wrong("grad_shapes", "unreadable", "give the two .shape tuples, as a pair")
    if len(g) != 2:
        return _wrong("grad_shapes", "shape", "loss_and_gradient returns two gradient arrays")
    if g[0] == (p, nbar):
        return _wrong(
            "∂ℓ/∂W̄ʰ",
            "transposed",
            "the gradient comes back in the shape of W̄ʰ itself (n̄ rows, p columns).",
        )
    if g != [(nbar, p), (p + 1,)]:
        return _wrong(
            "grad_shapes",
            "shape",
            "run train.loss_and_gradient once and look at the .shape of the arrays it returns: "
            "each has the shape of the weights it belongs to.",
        )
    return None


def check_bernoulli_factors(dl_dy, sigma_prime):
    """ex-05-bernoulli: the two factors ``∂ℓᵢ/∂yᵢ`` and ``σ′(z)``, and their product."""
    z = np.linspace(-3.0, 3.0, 7)
    d = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0])
    y = 0.5 * (1 + np.tanh(0.5 * z))  # σ(z)
    got, fb = _call(dl_dy, "∂ℓᵢ/∂yᵢ", y, d)
    if fb is not None:
        return fb
    fb = check(got, (y - d) / (y * (1 - y)), "∂ℓᵢ/∂yᵢ")
    if not fb.correct:
        return fb
    got_s, fb = _call(sigma_prime, "σ′(z)", z)
    if fb is not None:
        return fb
    fb = check(got_s, y * (1 - y), "σ′(z)")
    if not fb.correct:
        return fb
    if not _close(got * got_s, y - d, rtol=1e-10, atol=1e-12):
        return _wrong("product", "values", "the product of your factors is not σ(z) − d.")
    y_big = 1 / (1 + np.exp(-np.array([1000.0])))  # σ(1000) in float64
    first = _call(dl_dy, "∂ℓᵢ/∂yᵢ", y_big, np.zeros(1))[0]
    second = _call(sigma_prime, "σ′(z)", np.array([1000.0]))[0]
    if first is None or second is None:
        return _ok("∂ℓᵢ/∂yᵢ, σ′(z)", "both factors, and their product is σ(zᵢ) − dᵢ.")
    with np.errstate(all="ignore"):
        product = first * second
    return _ok(
        "∂ℓᵢ/∂yᵢ, σ′(z)",
        "both factors, and their product is σ(zᵢ) − dᵢ. At z = 1000, d = 0 your functions "
        f"give {first.ravel()[0]} and {second.ravel()[0]}, whose product is "
        f"{product.ravel()[0]}, where σ(z) − d = 1. Compare with your at_1000.",
    )


def _gd_weights(X, d, Wh0, wo0, lr, lam, epochs, **slip):
    """Full-batch gradient descent on J (ch05-objective), optionally with one slip.

    Returns the weights after ``epochs`` steps and the objective before each step and after
    the last (``epochs + 1`` values). ``slip`` may set ``penalty_factor`` (1 is correct),
    ``penalty_over_m`` (True), ``loss_over_m`` (True), ``penalise_bias`` (True).
    """
    from .train import loss_and_gradient

    m = len(d)
    c = slip.get("penalty_factor", 1.0)
    pm = m if slip.get("penalty_over_m", True) else 1.0
    lm = m if slip.get("loss_over_m", True) else 1.0
    mask_h = np.ones_like(Wh0)
    mask_o = np.ones_like(wo0)
    if not slip.get("penalise_bias", True):
        mask_h[0], mask_o[0] = 0.0, 0.0
    Wh, wo = Wh0.copy(), wo0.copy()
    history = []
    for _ in range(epochs + 1):
        loss, gWh, gwo = loss_and_gradient(X, d, Wh, wo)
        history.append((loss + 0.5 * lam * (np.sum(Wh**2) + wo @ wo)) / m)
        if len(history) > epochs:
            break
        Wh = Wh - lr * (gWh / lm + c * lam / pm * mask_h * Wh)
        wo = wo - lr * (gwo / lm + c * lam / pm * mask_o * wo)
    return Wh, wo, np.array(history)


_GD_SLIPS = (
    (
        {"penalise_bias": False},
        "bias not penalised",
        "the penalty leaves the biases out. The book's ½λ‖w̄‖² penalises every entry of W̄ʰ "
        "and w̄ᵒ, the biases (row 0 of W̄ʰ, w₀ᵒ) included, as train.fit does.",
    ),
    (
        {"penalty_over_m": False},
        "penalty not divided by m",
        "the penalty's gradient is missing its 1/m: J divides the whole objective, penalty "
        "included, by m, so the penalty adds (λ/m) w̄ to the gradient.",
    ),
    (
        {"penalty_factor": 2.0},
        "penalty gradient doubled",
        "the penalty's gradient is twice too large: the gradient of ½λ‖w̄‖² is λw̄, not 2λw̄.",
    ),
    (
        {"penalty_factor": 0.0},
        "penalty missing",
        "your weights are those of the unpenalised objective: add the penalty's gradient "
        "(λ/m) w̄ to the loss gradient.",
    ),
    (
        {"loss_over_m": False},
        "loss not divided by m",
        "the loss gradient from loss_and_gradient is that of ℓ, not of ℓ/m: J is per "
        "observation, so divide it by m.",
    ),
)


def check_gd_history(J_hist, Wh_k, wo_k, X, d, Wh0, wo0, lr, lam, epochs):
    """ex-05-gd-loop: the objective history and final weights of gradient descent by hand.

    The expected history holds ``epochs + 1`` values: ``J(w̄(0))`` before the first step and
    ``J(w̄(k))`` after each step k, as ``train.fit(...).history``.
    """
    symbol = "J_hist"
    if _unanswered(J_hist, Wh_k, wo_k):
        return _not_answered(
            "J_hist, Wh_k, wo_k", "your recorded objective values and final weights"
        )
    from .train import fit

    ref = fit(X, d, Wh0, wo0, lr=lr, epochs=epochs, lam=lam)
    try:
        Jh = np.asarray(J_hist, dtype=float).ravel()
        Wh_k, wo_k = np.asarray(Wh_k, dtype=float), np.asarray(wo_k, dtype=float)
    except (TypeError, ValueError):
        return _wrong(symbol, "unreadable", "J_hist must be a list of numbers")
    if Wh_k.shape != ref.Wh.shape or wo_k.shape != ref.wo.shape:
        return _wrong(
            "Wh_k, wo_k", "shape", f"expected the shapes of W̄ʰ {ref.Wh.shape} and w̄ᵒ {ref.wo.shape}"
        )
    if not (_close(Wh_k, ref.Wh, 1e-10) and _close(wo_k, ref.wo, 1e-10)):
        return _gd_weights_feedback(Wh_k, wo_k, X, d, Wh0, wo0, lr, lam, epochs)
    return _gd_history_feedback(Jh, ref, X, d, Wh0, wo0, lr, lam, epochs)


def _gd_weights_feedback(Wh_k, wo_k, X, d, Wh0, wo0, lr, lam, epochs):
    """Which slip gives the student's final weights: a known one, one step more or less."""
    for slip, diagnosis, message in _GD_SLIPS:
        Wh_s, wo_s, _ = _gd_weights(X, d, Wh0, wo0, lr, lam, epochs, **slip)
        if _close(Wh_k, Wh_s, 1e-10) and _close(wo_k, wo_s, 1e-10):
            return _wrong("Wh_k, wo_k", diagnosis, message)
    for k in (epochs - 1, epochs + 1):
        Wh_s, wo_s, _ = _gd_weights(X, d, Wh0, wo0, lr, lam, k)
        if _close(Wh_k, Wh_s, 1e-10) and _close(wo_k, wo_s, 1e-10):
            return _wrong(
                "Wh_k, wo_k",
                "step count",
                f"these are the weights after {k} steps, not {epochs}.",
            )
    return _wrong(
        "Wh_k, wo_k",
        "values",
        "the final weights differ from train.fit's. Check the step w̄ ← w̄ − η (gradient of "
        "ℓ/m + (λ/m) w̄), both weight arrays updated from the same old weights.",
    )


def _gd_history_feedback(Jh, ref, X, d, Wh0, wo0, lr, lam, epochs):
    """The final weights are right: check the recorded objective values against ``ref``."""
    symbol = "J_hist"
    H = ref.history
    if Jh.size == epochs and _close(Jh, H[:-1], 1e-10):
        return _wrong(
            symbol,
            "one value short",
            f"you recorded J before each of the {epochs} steps; the history also holds J "
            f"after the last step, {epochs + 1} values in all.",
        )
    if Jh.size == epochs and _close(Jh, H[1:], 1e-10):
        return _wrong(
            symbol,
            "one value short",
            f"you recorded J after each step; the history starts with J(w̄(0)) at the initial "
            f"weights, {epochs + 1} values in all.",
        )
    if Jh.size != epochs + 1:
        return _wrong(
            symbol,
            "length",
            f"expected {epochs + 1} values (J(w̄(0)), …, J(w̄({epochs}))), got {Jh.size}",
        )
    if _close(Jh, H, 1e-10):
        return _ok(symbol, "the history and the final weights agree with train.fit.")
    m = len(d)
    losses = H - 0.5 * lam / m * _sq_norms(ref, X, d, Wh0, wo0, lr, lam, epochs)
    if _close(Jh, losses, 1e-10):
        return _wrong(symbol, "penalty missing", "your J leaves out the penalty ½λ‖w̄‖²/m.")
    if _close(Jh, m * H, 1e-10):
        return _wrong(symbol, "not divided by m", "J is per observation: divide by m.")
    return _wrong(
        symbol,
        "values",
        "the weights are right but the recorded J is not J(w̄) = (ℓ + ½λ‖w̄‖²)/m at those weights.",
    )


def _sq_norms(ref, X, d, Wh0, wo0, lr, lam, epochs):
    """‖w̄(k)‖² along the correct run, k = 0, …, epochs."""
    from .train import fit

    norms = []

    def record(epoch, Wh, wo, J):
        norms.append(float(np.sum(Wh**2) + wo @ wo))

    fit(X, d, Wh0, wo0, lr=lr, epochs=epochs, lam=lam, callback=record)
    return np.array([float(np.sum(Wh0**2) + wo0 @ wo0), *norms])


def check_decay_factor(shrink_factor, eta_monotone):
    """ex-05-decay: one step's factor on a weight with zero data gradient, and its η range.

    ``shrink_factor(eta, lam, m)`` is the number one step multiplies such a weight by;
    ``eta_monotone(lam, m)`` is the largest η for which it shrinks without changing sign.
    """
    symbol = "shrink_factor"
    if _unanswered(shrink_factor, eta_monotone):
        return _not_answered("shrink_factor, eta_monotone", "two functions")
    eta, lam, m = np.array([0.3, 0.05, 1.0]), np.array([0.1, 2.0, 0.5]), np.array([40, 7, 3])
    got, fb = _call(shrink_factor, symbol, eta, lam, m)
    if fb is not None:
        return fb
    if not _close(got, 1 - eta * lam / m):
        for alt, diagnosis, msg in (
            (1 - eta * lam, "penalty not divided by m", "the penalty's share of J is over m."),
            (1 - 2 * eta * lam / m, "penalty gradient doubled", "the gradient of ½λ‖w̄‖² is λw̄."),
            (1 + eta * lam / m, "sign", "a step goes against the gradient: the weight shrinks."),
        ):
            if _close(got, alt):
                return _wrong(symbol, diagnosis, msg)
        return check(got, 1 - eta * lam / m, symbol)
    got_eta, fb = _call(eta_monotone, "eta_monotone", lam, m)
    if fb is not None:
        return fb
    if _close(got_eta, 2 * m / lam):
        return _wrong(
            "eta_monotone",
            "oscillation",
            "up to that η the weight still tends to zero, but beyond the half of it the factor "
            "is negative and the weight changes sign every step: not monotone.",
        )
    if not _close(got_eta, m / lam):
        return _wrong(
            "eta_monotone",
            "values",
            "at that η the factor of one step is not 0: the largest η for a monotone decay is "
            "where the factor reaches 0.",
        )
    return _ok("shrink_factor, eta_monotone", "the factor and the monotone range of η.")


# -- chapter 6 -----------------------------------------------------------------------------------


def check_chain_costs(costs, cheapest, direction, dims):
    """ex-06-abcd: the cost of each parenthesisation, the cheapest, and its direction.

    ``costs`` maps each order, written as ``chain.to_string`` writes it, to its number of
    multiplications; ``cheapest`` is one of those strings; ``direction`` is ``"forward"``,
    ``"reverse"`` or ``"neither"``.
    """
    from . import chain

    if _unanswered(costs, cheapest, direction) or (
        isinstance(costs, dict) and any(_unanswered(v) for v in costs.values())
    ):
        return _not_answered("costs", "integers (multiplications), and two short strings")
    k = len(dims) - 1
    want = {chain.to_string(o): chain.chain_cost(dims, o) for o in chain.all_orders(k)}
    if not isinstance(costs, dict) or set(costs) != set(want):
        return _wrong("costs", "unreadable", f"expected a dict with the keys {sorted(want)}")
    for order, value in costs.items():
        if value != want[order]:
            other = [o for o, c in want.items() if c == value and o != order]
            hint = f" That is the cost of {other[0]}." if other else ""
            return _wrong(
                f"cost of {order}",
                "values",
                f"{value} is not it. Add abc for each product of an a×b by a b×c matrix, "
                f"in the order the brackets say.{hint}",
            )
    best = min(want, key=want.get)
    if cheapest != best:
        return _wrong("cheapest", "values", "compare your five costs again: which is smallest?")
    right = chain.to_string(chain.right_to_left(k))
    left = chain.to_string(chain.left_to_right(k))
    expected_dir = "forward" if best == right else "reverse" if best == left else "neither"
    if str(direction).strip().lower() != expected_dir:
        return _wrong(
            "direction",
            "values",
            "which end does the cheapest order start from? Forward order starts at the input "
            "end (the right), reverse at the output end (the left).",
        )
    return _ok("costs", "all five costs, the cheapest order and its direction.")


def check_jacobian_costs(cost_left_to_right, cost_right_to_left):
    """ex-06-jacobian: dense costs of the two orders of the three-factor Jacobian chain."""
    from . import chain

    if _unanswered(cost_left_to_right, cost_right_to_left):
        return _not_answered("cost_left_to_right, cost_right_to_left", "two functions of m, n, p")
    for m, n, p in [(1000, 2, 8), (10, 10, 64), (7, 3, 5)]:
        dims = chain.gradient_chain_dims(m, n, p)[1:]
        dims_nobias = chain.gradient_chain_dims(m, n - 1, p)[1:]  # n̄ = n: the bias left out
        for fn, order, name in (
            (cost_left_to_right, chain.left_to_right(3), "cost_left_to_right"),
            (cost_right_to_left, chain.right_to_left(3), "cost_right_to_left"),
        ):
            got, fb = _call(fn, name, m, n, p)
            if fb is not None:
                return fb
            if got == chain.chain_cost(dims, order):
                continue
            other = (
                chain.left_to_right(3)
                if order != chain.left_to_right(3)
                else chain.right_to_left(3)
            )
            if got == chain.chain_cost(dims, other):
                return _wrong(name, "swapped", "that is the cost of the other order.")
            if got == chain.chain_cost(dims_nobias, order):
                return _wrong(
                    name, "bias left out", "W̄ʰ has n̄ = n + 1 rows: its vec has n̄p entries."
                )
            return _wrong(
                name,
                "values",
                f"at (m, n, p) = ({m}, {n}, {p}) your cost is {int(got)}, which is not the "
                "dense cost of that order.",
            )
    return _ok(
        "cost_left_to_right, cost_right_to_left", "both costs, at three sizes. Now compare them."
    )


def _engine_gradient(fn, t0):
    from . import autodiff as ad

    t = ad.Tensor(np.asarray(t0, dtype=float), requires_grad=True)
    ad.sum(fn(t)).backward()
    return t.grad


def check_softplus(softplus_naive, softplus, grad_kinked_at_zero):
    """ex-06-softplus: the naive and the stable softplus, and the kinked gradient at 0."""
    from . import autodiff as ad

    if _unanswered(softplus_naive, softplus, grad_kinked_at_zero):
        return _not_answered(
            "softplus_naive, softplus, grad_kinked_at_zero", "two functions and a number"
        )

    def sigma(t):
        return 0.5 * (1 + np.tanh(0.5 * t))

    for name, fn, points in (
        ("softplus_naive", softplus_naive, [-3.0, -0.5, 0.7, 2.0]),
        ("softplus", softplus, [-1000.0, -40.0, -3.0, 0.0, 0.7, 40.0, 1000.0]),
    ):
        t0 = np.array(points)
        try:
            out = fn(ad.Tensor(t0))
        except ValueError as err:
            return _wrong(
                name,
                "overflow",
                f"the engine refused a step at t = {t0.tolist()}: {err}. Rewrite it so that "
                "exp only ever sees a non-positive argument.",
            )
        except Exception as err:
            return _wrong(name, "error", f"your function raised {type(err).__name__}: {err}")
        if out is Ellipsis or out is None:
            return _not_answered(name, "an expression in engine operations")
        if not isinstance(out, ad.Tensor):
            return _wrong(name, "unreadable", "build it from engine operations on the Tensor t")
        if not _close(out.data, np.logaddexp(0.0, t0), rtol=1e-12, atol=1e-15):
            return check(out.data, np.logaddexp(0.0, t0), f"{name}(t)")
        grad = _engine_gradient(fn, t0)
        if not _close(grad, sigma(t0), rtol=1e-12, atol=1e-15):
            if name == "softplus" and _close(grad[t0 != 0], sigma(t0[t0 != 0]), 1e-12, 1e-15):
                return _wrong(
                    name,
                    "kink",
                    "right values, but the engine's gradient at t = 0 is not σ(0): the kinks "
                    "in your way of writing |t| do not cancel there (part 4).",
                )
            return check(grad, sigma(t0), f"gradient of {name}")
    try:
        g0 = float(grad_kinked_at_zero)
    except (TypeError, ValueError):
        return _wrong("grad_kinked_at_zero", "unreadable", "a single number")

    def kinked(t):
        abs_t = ad.relu(t) + ad.relu(-t)
        return ad.relu(t) + ad.log(1.0 + ad.exp(-abs_t))

    want = float(_engine_gradient(kinked, [0.0])[0])
    if g0 != want:
        if math.isclose(g0, 0.5):
            return _wrong(
                "grad_kinked_at_zero",
                "values",
                "0.5 = σ(0) is the true derivative, not what the engine returns for this form. "
                "Run it through the engine, or apply the chain rule with relu′(0) = 0.",
            )
        return _wrong("grad_kinked_at_zero", "values", "run that form through the engine at t = 0.")
    return _ok("softplus", "both versions, their gradients, and the kinked form's gradient at 0.")


# -- chapter 7 -----------------------------------------------------------------------------------


def check_logistic(model):
    """ex-07-logistic: a trained PINN for ``u′ = u(1 − u)``, ``u(0) = 0.1`` on [0, 5]."""
    symbol = "logistic"
    if _unanswered(model):
        return _not_answered(symbol, "the PINN you trained")
    if not hasattr(model, "predict"):
        return _wrong(symbol, "unreadable", "expected a PINN (an object with .predict)")
    x = np.linspace(0, 5, 501)
    exact = 1 / (1 + 9 * np.exp(-x))
    u, fb = _call(model.predict, symbol, x)
    if fb is not None:
        return fb
    err = float(np.linalg.norm(u - exact) / np.linalg.norm(exact))
    if err < 1e-3:
        return _ok(symbol, f"relative L2 error {err:.1e} against u = 1/(1 + 9e⁻ˣ).")
    if abs(u[0] - 0.1) > 1e-2:
        return _wrong(
            symbol,
            "initial condition",
            f"u(0) = {u[0]:.3g}, not 0.1: is the condition (0.0, 0, 0.1) in `conditions`?",
        )
    info = getattr(model, "fit_info", {}) or {}
    if not info.get("converged", True):
        return _wrong(
            symbol, "not converged", f"the fit stopped without converging ({info.get('reason')})."
        )
    return _wrong(
        symbol,
        "values",
        f"relative L2 error {err:.1e}; u(0) is right, so look at the residual: u′ − u(1 − u).",
    )


def check_source_estimates(a_hat, tol=0.05):
    """ex-07-inverse: the source strength a of ``u″ = −a sin(πx)`` at two noise levels.

    ``a_hat`` maps each noise level σ to the estimate; at the smaller σ it must be within a
    relative ``tol`` of the true a = π².
    """
    symbol = "a_hat"
    if _unanswered(a_hat) or (
        isinstance(a_hat, dict) and any(_unanswered(v) for v in a_hat.values())
    ):
        return _not_answered(symbol, "your estimate of a at each noise level (a number)")
    if not isinstance(a_hat, dict) or not a_hat:
        return _wrong(symbol, "unreadable", "expected a dict {σ: estimate of a}")
    a_true = np.pi**2
    lines = []
    for sigma in sorted(a_hat):
        a = float(a_hat[sigma])
        rel = abs(a - a_true) / a_true
        lines.append(f"σ = {sigma}: relative error {rel:.1%}")
    sigma0 = min(a_hat)
    a0 = float(a_hat[sigma0])
    if abs(a0 - 1.0) < 1e-6:
        return _wrong(
            symbol,
            "not trained",
            "a is still its starting value 1.0: is it in `params` and read by the residual?",
        )
    if abs(a0 + a_true) / a_true < tol:
        return _wrong(symbol, "sign", "a has the wrong sign: the equation is u″ = −a sin(πx).")
    if abs(a0 - a_true) / a_true >= tol:
        return _wrong(
            symbol,
            "values",
            f"at σ = {sigma0} the estimate is far from the true a: " + "; ".join(lines),
        )
    return _ok(symbol, "; ".join(lines) + ". Compare: how does the error change with σ?")


def _third_derivative_variant(model, x, c3, c2, c1):
    """u‴ of a tanh PINN with the coefficients of H‴'s three terms replaced by c3, c2, c1."""
    H, Hx = x[:, None], np.ones((x.size, 1))
    Hxx = Hxxx = np.zeros((x.size, 1))
    for Wbar in model.Wbar[:-1]:
        b, W = Wbar[0], Wbar[1:]
        A, Ax, Axx, Axxx = H @ W + b, Hx @ W, Hxx @ W, Hxxx @ W
        f = np.tanh(A)
        d1 = 1 - f**2
        d2, d3 = -2 * f * d1, d1 * (6 * f**2 - 2)
        H, Hx = f, d1 * Ax
        Hxx, Hxxx = d2 * Ax**2 + d1 * Axx, c3 * d3 * Ax**3 + c2 * d2 * Ax * Axx + c1 * d1 * Axxx
    return Hxxx @ model.Wbar[-1][1:, 0]


def check_third_derivative(third_derivative, model, x):
    """ex-07-third: ``third_derivative(model, x)`` returns u‴ at the points x (length x.size)."""
    symbol = "u‴"
    if _unanswered(third_derivative):
        return _not_answered(symbol, "a function third_derivative(model, x)")
    x = np.asarray(x, dtype=float)
    got, fb = _call(third_derivative, symbol, model, x)
    if fb is not None:
        return fb
    got = got.ravel() if got.size == x.size else got
    want = _third_derivative_variant(model, x, 1, 3, 1)
    h = 1e-4
    fd = (model.derivatives(x + h)[2] - model.derivatives(x - h)[2]) / (2 * h)
    assert np.allclose(want, fd, atol=1e-6)  # the reference itself against finite differences
    if got.shape == want.shape and np.allclose(got, want, rtol=1e-8, atol=1e-10):
        gap = np.max(np.abs(got - fd))
        return _ok(symbol, f"agrees with central differences of u″ to {gap:.0e}.")
    for coeffs, msg in (
        (
            (1, 1, 1),
            "the middle term needs the factor 3: differentiating f″ Aₓ Aₓ gives it twice, "
            "and f′ Aₓₓ once more.",
        ),
        ((1, 2, 1), "the middle term needs the factor 3, not 2: f′(A) ⊙ Aₓₓ contributes one more."),
        ((0, 3, 1), "the term f‴(A) ⊙ Aₓ³ is missing."),
        ((1, 3, 0), "the term f′(A) ⊙ Aₓₓₓ is missing: Aₓₓₓ = H‴ of the previous layer times W."),
    ):
        alt = _third_derivative_variant(model, x, *coeffs)
        if got.shape == alt.shape and np.allclose(got, alt, rtol=1e-8, atol=1e-10):
            return _wrong(symbol, "missing factor", msg)
    return check(got, want, symbol)


def _oscillator_scales(k, mu=4.0, points=60, seed=0):
    """The sizes behind the choice of w_pde for ``u″ + μu′ + ku = 0``, ``u(0) = 1, u′(0) = 0``.

    Returns the mean square of the residual of the untrained ``PINN(layers=[1, 32, 32, 1],
    seed=seed)`` and the mean square of the term ``k u`` at the exact solution, both at
    ``points`` equally spaced collocation points on [0, 1].
    """
    from .classical import damped_oscillator
    from .pinn import PINN

    t = np.linspace(0, 1, points)
    u, ux, uxx = PINN(layers=[1, 32, 32, 1], seed=seed).derivatives(t)
    residual_init = float(np.mean((uxx + mu * ux + k * u) ** 2))
    term_exact = float(np.mean((k * damped_oscillator(t, mu, k)) ** 2))
    return residual_init, term_exact


def _mean_square_slip(value, want, symbol, of):
    """Feedback on a mean square that does not match, without stating the expected number."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return _wrong(symbol, "unreadable", "a single number")
    if math.isclose(value, want, rel_tol=1e-6):
        return None
    if math.isclose(value, math.sqrt(want), rel_tol=1e-6):
        return _wrong(symbol, "root mean square", f"that is the root of the mean of {of}.")
    if math.isclose(value, 60 * want, rel_tol=1e-6):
        return _wrong(symbol, "sum", f"that is the sum of {of} over the 60 points, not the mean.")
    return _wrong(
        symbol,
        "values",
        f"not the mean of {of} over the 60 points of t_col: check the points, the network "
        "(untrained, seed 0) and each term.",
    )


def check_pde_weight(ms_residual_init, ms_ku_exact, w_pde_k100):
    """ex-07-weights: the two mean squares for k = 400 and a w_pde for k = 100."""
    if _unanswered(ms_residual_init, ms_ku_exact, w_pde_k100):
        return _not_answered("ms_residual_init, ms_ku_exact, w_pde_k100", "three numbers")
    init, term = _oscillator_scales(400.0)
    fb = _mean_square_slip(ms_residual_init, init, "ms_residual_init", "r² = (u″ + μu′ + ku)²")
    if fb is not None:
        return fb
    if math.isclose(float(ms_ku_exact), 400.0**2, rel_tol=0.05):
        return _wrong(
            "ms_ku_exact",
            "values",
            "that is k², the size of (k u)² where |u| = 1; average (k u)² over the points, where "
            "the oscillation has decayed.",
        )
    fb = _mean_square_slip(ms_ku_exact, term, "ms_ku_exact", "(k u)² at the exact solution")
    if fb is not None:
        return fb
    _, term100 = _oscillator_scales(100.0)
    w = float(w_pde_k100)
    if math.isclose(w, 1 / 100.0**2, rel_tol=0.05):
        return _wrong(
            "w_pde_k100",
            "values",
            "1/k² would balance a residual of size k; the terms' mean square is smaller, since "
            "u decays. Use the same balance as for k = 400.",
        )
    if not 1 / (3 * term100) <= w <= 3 / term100:
        return _wrong(
            "w_pde_k100",
            "values",
            "that does not bring w_pde times the mean square of the terms (for k = 100) near one.",
        )
    return _ok("w_pde", "both mean squares, and a weight that balances the terms for k = 100.")


# -- chapter 8 -----------------------------------------------------------------------------------


def _seeded_problem(rows=8, cols=3, seed=18):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(rows, cols)), rng.normal(size=rows)


def check_lm_step(lm_step):
    """ex-08-lm-limits: ``lm_step(J, r, mu)`` is the step δ(μ) with λ = 0 and D = I."""
    symbol = "δ(μ)"
    if _unanswered(lm_step):
        return _not_answered(symbol, "a function lm_step(J, r, mu)")
    J, r = _seeded_problem()
    mu = 0.7
    got, fb = _call(lm_step, symbol, J, r, mu)
    if fb is not None:
        return fb
    want = -np.linalg.solve(J.T @ J + mu * np.eye(J.shape[1]), J.T @ r)
    fb = check(got.ravel() if got.size == want.size else got, want, symbol, rtol=1e-8)
    if not fb.correct:
        return fb
    gn = -np.linalg.lstsq(J, r, rcond=None)[0]
    small = _call(lm_step, symbol, J, r, 1e-10)[0]
    large = _call(lm_step, symbol, J, r, 1e10)[0]
    return _ok(
        symbol,
        f"at μ = 1e-10 your step differs from Gauss–Newton's by "
        f"{np.max(np.abs(small.ravel() - gn)):.0e}; at μ = 1e10, μ·δ differs from −∇ℓ = −Jᵀr "
        f"by {np.max(np.abs(1e10 * large.ravel() + J.T @ r)):.0e}.",
    )


def check_landweber(landweber_filter, lam_match, s, eta, k):
    """ex-08-landweber: the filter factors after k steps, and the matching Tikhonov λ."""
    if _unanswered(landweber_filter, lam_match):
        return _not_answered("landweber_filter, lam_match", "a function and a number")
    s = np.asarray(s, dtype=float)
    got, fb = _call(landweber_filter, "filter factors", s, eta, k)
    if fb is not None:
        return fb
    want = 1 - (1 - eta * s**2) ** k
    for kk in (k - 1, k + 1):
        if _close(got, 1 - (1 - eta * s**2) ** kk, 1e-10) and not _close(got, want, 1e-10):
            return _wrong(
                "filter factors", "step count", f"that is the factor after {kk} steps, not {k}."
            )
    fb = check(got, want, "filter factors", rtol=1e-10)
    if not fb.correct:
        return fb
    s2 = 1 / (eta * k)
    F = 1 - (1 - eta * s2) ** k  # Landweber's factor at s² = 1/(ηk), exactly
    exact = s2 * (1 / F - 1)
    large_k = s2 * (1 / (1 - math.exp(-1)) - 1)
    lam = float(lam_match)
    if math.isclose(lam, s2, rel_tol=1e-6):
        return _wrong(
            "lam_match",
            "values",
            "at λ = s² Tikhonov's factor is ½, while Landweber's is near 1 − e⁻¹ there.",
        )
    if math.isclose(lam, exact, rel_tol=1e-6) or math.isclose(lam, large_k, rel_tol=1e-6):
        return _ok("filter factors, lam_match", "the filters agree at s² = 1/(ηk) for your λ.")
    return _wrong("lam_match", "values", "at this λ, s²/(s² + λ) differs from Landweber's factor.")


def check_sandwich(sandwich_cov):
    """ex-08-sandwich: ``sandwich_cov(A, lam, sigma)``, the covariance of the Tikhonov estimate."""
    symbol = "Cov ŵ"
    if _unanswered(sandwich_cov):
        return _not_answered(symbol, "a function sandwich_cov(A, lam, sigma)")
    A, _ = _seeded_problem(12, 4, seed=88)
    lam, sigma = 0.3, 0.2
    got, fb = _call(sandwich_cov, symbol, A, lam, sigma)
    if fb is not None:
        return fb
    Minv = np.linalg.inv(A.T @ A + lam * np.eye(4))
    want = sigma**2 * Minv @ A.T @ A @ Minv
    if _close(got, sigma**2 * Minv, 1e-8):
        return _wrong(
            symbol,
            "posterior",
            "that is σ²M⁻¹, the covariance of the Gaussian posterior, not the spread of ŵ over "
            "repeated noise: write ŵ − E ŵ in terms of ε first.",
        )
    fb = check(got, want, symbol, rtol=1e-8)
    if not fb.correct:
        return fb
    smallest = float(np.linalg.eigvalsh(sigma**2 * Minv - got).min())
    return _ok(
        symbol,
        f"the smallest eigenvalue of σ²M⁻¹ minus yours is {smallest:.1e} (≥ 0 up to rounding): "
        "now show it in general.",
    )


def check_residual_dof(residual_dof, m, Wh, wo):
    """ex-08-discrepancy: m − P for a network with weights ``Wh`` (n̄×p) and ``wo`` (p̄)."""
    symbol = "m − P"
    if _unanswered(residual_dof):
        return _not_answered(symbol, "an integer")
    P = int(np.size(Wh) + np.size(wo))
    nbar, p = np.shape(Wh)
    if residual_dof == m - (nbar - 1) * p - p:
        return _wrong(symbol, "bias left out", "P counts every weight and bias of W̄ʰ and w̄ᵒ.")
    if residual_dof == P - m:
        return _wrong(symbol, "sign", "the residual degrees of freedom are m − P.")
    if residual_dof != m - P:
        return _wrong(symbol, "values", f"P = n̄p + p̄ for the network with n̄ = {nbar}, p = {p}.")
    return _ok(symbol, "so what does ‖r₀‖²/(m − P) estimate here?")
