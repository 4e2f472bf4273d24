r"""Stationary DMFT with independent time-varying input [RAS, SGH].

Every unit receives its own input: a random-phase sinusoid
:math:`I_i(t) = I_1\sin(\omega t + \theta_i)`, :math:`\omega = 2\pi f`, :math:`\theta_i` iid
uniform, or an independent Ornstein--Uhlenbeck process of standard deviation σ and
correlation time :math:`\tau_s`.  The population statistics are stationary (time in units
of the neuronal time constant τ).

Sinusoid, exact phase average (``phase_average="exact"``).  The input current splits into
:math:`h = m + x + y(\theta)` with the filtered sinusoid
:math:`y = A\sin(\omega t + \theta)`, :math:`A = I_1/\sqrt{1+\omega^2}` (the filter's
phase lag is absorbed into the uniform θ), and the Gaussian recurrent part x of
autocovariance :math:`\Delta(\tau)`, variance :math:`\Delta_0 = \Delta(0)`:

.. math::

    (1 - \partial_\tau^2)\,\Delta(\tau) = g^2 C_\phi(\tau),\qquad
    C_\phi(\tau) = \Big\langle \big\langle \phi(m + x_1 + A\sin\theta)\,
        \phi(m + x_2 + A\sin(\theta+\omega\tau))\big\rangle_{x}\Big\rangle_\theta ,

:math:`(x_1, x_2)` jointly Gaussian with variances :math:`\Delta_0` and covariance
:math:`\Delta(\tau)`.  The sinusoid is not Gaussian: θ is averaged explicitly with the
trapezoid rule on a periodic grid (spectrally accurate).  The Gaussian pair is integrated
in closed form (ReLU, erf, linear) or, for tanh and user φ, through
:math:`x_{1,2} = \sqrt{|c|}\,z\,(\pm) + \sqrt{\Delta_0 - |c|}\,u_{1,2}`: the u-averages are
one-point integrals (:func:`meanfield.gaussian.expect`), z uses the trapezoid rule, and the
θ-average of all lags ψ = ωτ at once is a circular correlation (FFT); the result is tabulated
in :math:`(u = \sqrt{\Delta_0 - c}, \psi)` (Chebyshev × Fourier) for each :math:`\Delta_0`.

Gaussian surrogate (``phase_average="gaussian"``, an approximation): the sinusoid is
replaced by a Gaussian process of covariance :math:`(I_1^2/2)\cos\omega\tau`, which is added
to the drive of x.  Ornstein--Uhlenbeck input is Gaussian, and its covariance
:math:`\sigma^2 e^{-|\tau|/\tau_s}` is added to the drive exactly [SGH]:

.. math:: (1 - \partial_\tau^2)\,\Delta = g^2 C_\phi + \sigma^2 e^{-|\tau|/\tau_s}.

Solver.  Δ is even; it is represented by its cosine series on :math:`[0, L]` (the
periodic domain of length 2L, :math:`L = kT/2` a multiple of the half period
:math:`T/2 = \pi/\omega`), where :math:`(1-\partial_\tau^2)^{-1}` is diagonal (the Green's
function :math:`e^{-|\tau|}/2` summed over images).  The unknowns :math:`\Delta(\tau_j)` (and
the balanced mean m) solve the equation by Newton's method: the Jacobian in Δ(τ) is exact
(Price's theorem, :math:`\partial_c C_\phi = C_{\phi'}`), the columns of the global
parameters (:math:`\Delta_0`, m) are finite differences.  Iteration stops when the
residual is below ``tol`` (relative to :math:`\Delta_0`); otherwise
:class:`~meanfield.dmft.stationary.DMFTConvergenceError`.

Two solutions matter for the sinusoid.  The *periodic* one (Δ of period T, one period
suffices) is the network locked to its inputs; the *chaotic* one adds a decaying part.  The
periodic state is computed first; its Floquet exponent (below) decides: if negative, the
input suppresses chaos and the periodic state is the answer (``chaotic=False``), otherwise
the chaotic solution is computed on a box of several periods.

Largest Lyapunov exponent [SCS, SGH]:

.. math::

    -\psi'' + [1 - g^2 C_{\phi'}(\tau)]\,\psi = E\psi,\qquad \lambda_\max = -1 + \sqrt{1 - E_0},

:math:`C_{\phi'}` averaged over θ like :math:`C_\phi`.  The potential is asymptotically
periodic; the problem is solved on :math:`[0, L]` with Neumann conditions at both ends
(:math:`L = kT/2`), which gives both a bound state and the bottom of the Bloch band (the
periodic state) without box error, by the cell-centred second-order scheme of
:mod:`meanfield.dmft.schrodinger`, Richardson-extrapolated.

Balanced network (ReLU, dense): :math:`m = \sqrt K (I_0 - J_0\nu)` with
:math:`\nu = \langle\phi(m + x + y)\rangle_{x,\theta}` (finite-K balance, as
:func:`~meanfield.dmft.solve_balanced`); m is a Newton unknown.
"""
import math
import warnings

import numpy as np
from scipy.fft import dct
from scipy.linalg import eigh_tridiagonal
from scipy.optimize import brentq

from .. import _kernels as K
from .. import gaussian as G
from .. import nonlinearities
from .._validation import check_choice, check_int, check_real
from . import schrodinger as S
from .stationary import DMFTConvergenceError, StationarySolution, solve_balanced, solve_scs

__all__ = ["solve_independent", "lambda_max_curve", "independent_critical_amplitude"]

_Z_MAX = 9.0            # z-range of the tanh/user table quadrature
_TABLE_CACHE = 6        # tables kept per kernel


# ====================================================================== Gaussian x theta kernel

class _PhaseKernel:
    r"""θ-averaged two-point integrals :math:`Q_f(c, \psi; v, m)`, f in {"phi", "dphi"}.

    ``A`` is the filtered sine amplitude (0: no sinusoid); ``n_theta`` the periodic θ grid.
    Closed forms are used point by point for ReLU/erf/linear; tanh and user φ are tabulated.
    """

    def __init__(self, nl, A, n_theta, n_cheb=None):
        self.nl, self.A = nl, float(A)
        self.n_theta = 1 if self.A == 0.0 else int(n_theta)
        self.theta = 2.0 * np.pi * np.arange(self.n_theta) / self.n_theta
        self.direct = nl.code in (K.RELU, K.ERF, K.LINEAR)
        self.tabulated = not self.direct
        self.n_cheb = n_cheb
        self._tables = {}
        self.n_tables = 0

    # ---- one-point mean nu = <phi(m + x + A sin theta)>
    def mean(self, f, v, m):
        mu = m + self.A * np.sin(self.theta)
        return float(np.mean(G.expect(f, mu, v, phi=self.nl)))

    def __call__(self, f, c, psi, v, m):
        c = np.minimum(np.asarray(c, dtype=np.float64), v)
        c = np.maximum(c, -v)
        psi = np.broadcast_to(np.asarray(psi, dtype=np.float64), c.shape)
        if self.direct:
            return self._direct(f, c, psi, v, m)
        return self._table(f, v, m)(c, psi)

    def _direct(self, f, c, psi, v, m):
        th = self.theta[None, :]
        mu1 = m + self.A * np.sin(th) + 0.0 * c[:, None]
        mu2 = m + self.A * np.sin(th + psi[:, None])
        out = G.expect2(f, mu1, mu2, v, v, c[:, None], phi=self.nl)
        return np.mean(np.atleast_2d(out), axis=1)

    def _table(self, f, v, m):
        key = (f, float(v), float(m))
        tab = self._tables.get(key)
        if tab is None:
            if len(self._tables) >= _TABLE_CACHE:
                self._tables.pop(next(iter(self._tables)))
            tab = self._tables[key] = _Table(self, f, v, m)
            self.n_tables += 1
        return tab


class _Table:
    """Q_f(c, psi) at fixed (v, m): Chebyshev in u = sqrt(v - c) on [0, sqrt(2v)] x cosine series in psi."""

    def __init__(self, ker, f, v, m):
        nl, A, nth = ker.nl, ker.A, ker.n_theta
        self.v = v
        nc = ker.n_cheb or int(min(64, max(32, 24 + 8 * math.sqrt(v))))
        self.umax = math.sqrt(2.0 * v)
        xk = np.cos(np.pi * (np.arange(nc) + 0.5) / nc)        # Chebyshev points, first kind
        uk = 0.5 * self.umax * (xk + 1.0)
        ck = v - uk * uk
        ys = A * np.sin(ker.theta)
        nk = nth // 2 + 1
        coef = np.empty((nc, nk))
        for i, c in enumerate(ck):
            r = math.sqrt(abs(c))
            s2 = max(v - abs(c), 0.0)
            dz = min(0.35, 0.3 / r) if r > 0 else 1.0
            nz = 2 * int(math.ceil(_Z_MAX / dz)) + 1
            z = np.linspace(-_Z_MAX, _Z_MAX, nz) if r > 0 else np.zeros(1)
            w = (z[1] - z[0]) * np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi) if r > 0 else np.ones(1)
            mu = m + r * z[:, None] + ys[None, :]
            if s2 > 0:
                F = G.expect(f, mu, s2, phi=nl)
            else:
                F = nl(mu) if f == "phi" else nl.derivative(mu)
            F2 = F[::-1] if c < 0 else F
            a = np.fft.rfft(F, axis=1)
            b = np.fft.rfft(F2, axis=1)
            S_ = (w[:, None] * np.conj(a) * b).sum(axis=0).real / (nth * nth)
            q = 2.0 * S_
            q[0] = S_[0]
            if nth % 2 == 0 and nth > 1:
                q[-1] = S_[-1]
            coef[i] = q
        self.cheb = np.polynomial.chebyshev.chebfit(xk, coef, nc - 1)
        self.k = np.arange(nk)

    def __call__(self, c, psi):
        u = np.sqrt(np.clip(self.v - c, 0.0, self.umax ** 2))
        x = 2.0 * u / self.umax - 1.0
        a = np.polynomial.chebyshev.chebval(x, self.cheb)      # (nk, P)
        a = np.atleast_2d(a)
        return np.einsum("kp,kp->p", a, np.cos(self.k[:, None] * np.ravel(psi)[None, :])).reshape(np.shape(c))


# ====================================================================== the problem

class _Problem:
    """Parameters of one stationary problem (network + independent input)."""

    def __init__(self, nl, g, kind, amp, omega, tau_s, phase_average, balance, n_theta):
        self.nl, self.g, self.kind = nl, g, kind
        self.amp, self.omega, self.tau_s = amp, omega, tau_s
        self.phase_average = phase_average
        self.balance = balance               # None or (J0, I0, K)
        exact_sine = kind == "sine" and phase_average == "exact" and amp > 0
        self.A = amp / math.sqrt(1.0 + omega * omega) if exact_sine else 0.0
        if n_theta is None:
            n_theta = 16
            while n_theta < 12.0 * (1.0 + self.A) + 8:
                n_theta *= 2
        self.kernel = _PhaseKernel(nl, self.A, n_theta)
        self.periodic = kind == "sine" and amp > 0

    @property
    def period(self):
        return 2.0 * math.pi / self.omega if self.periodic else math.inf

    def drive(self, tau):
        """Gaussian input covariance added to g^2 C_phi (surrogate sine, OU)."""
        if self.kind == "ou":
            return self.amp ** 2 * np.exp(-np.abs(tau) / self.tau_s)
        if self.kind == "sine" and self.phase_average == "gaussian":
            return 0.5 * self.amp ** 2 * np.cos(self.omega * tau)
        return np.zeros_like(tau)

    def psi(self, tau):
        return self.omega * tau if self.A > 0 else np.zeros_like(tau)


class _Grid:
    """Cosine (DCT-I) grid on [0, L]: tau_j = j L / M; G = (1 - d^2)^{-1} as a dense matrix."""

    def __init__(self, L, M):
        self.L, self.M = L, M
        self.tau = np.linspace(0.0, L, M + 1)
        k = np.pi * np.arange(M + 1) / L
        self.k = k

    def apply_G(self, f):
        """(1 - d^2)^{-1} f for columns of f (DCT-I, O(M log M))."""
        k2 = (1.0 + self.k * self.k).reshape((-1,) + (1,) * (np.ndim(f) - 1))
        return dct(dct(f, type=1, axis=0) / k2, type=1, axis=0) / (2 * self.M)

    def coefficients(self, f):
        a = dct(f, type=1) / self.M
        a[0] *= 0.5
        a[-1] *= 0.5
        return a

    def evaluate(self, f, tau):
        a = self.coefficients(f)
        tau = np.asarray(tau, dtype=np.float64)
        out = np.zeros(tau.shape)
        for start in range(0, a.size, 256):
            n = np.arange(start, min(start + 256, a.size))
            out += np.cos(np.multiply.outer(tau, self.k[n])) @ a[n]
        return out


def _residual(prob, grid, X):
    """R = [Delta - G(g^2 C_phi + drive), balance]."""
    D = X[:grid.M + 1]
    m = X[-1] if prob.balance else 0.0
    v = D[0]
    if not v > 0:
        raise DMFTConvergenceError("variance became non-positive in the Newton iteration", {"Delta0": v})
    C = prob.kernel("phi", D, prob.psi(grid.tau), v, m)
    R = D - grid.apply_G(prob.g ** 2 * C + prob.drive(grid.tau))
    if prob.balance:
        J0, I0, Kb = prob.balance
        nu = prob.kernel.mean("phi", v, m)
        R = np.append(R, nu - I0 / J0 + m / (math.sqrt(Kb) * J0))
    return R


class _Jacobian:
    """J = I - G diag(g^2 C_phi') in Delta(tau) (Price: exact), with finite-difference columns for the
    global unknowns Delta_0 and m (reused from ``old``, a chord step, when given: with tabulated
    kernels those columns are the expensive part).  Solved by GMRES (J is identity + compact)."""

    def __init__(self, prob, grid, X, R0, old=None):
        M1 = grid.M + 1
        D = X[:M1]
        v = D[0]
        m = X[-1] if prob.balance else 0.0
        self.grid, self.n, self.M1 = grid, X.size, M1
        self.w = prob.g ** 2 * prob.kernel("dphi", D, prob.psi(grid.tau), v, m)
        self.glob = [0, self.n - 1] if prob.balance else [0]
        if old is not None:
            self.cols = old.cols
        else:
            self.cols = {}
            for j in self.glob:
                h = 1e-6 * (v if j == 0 else max(abs(X[j]), math.sqrt(v)))
                Xp = X.copy()
                Xp[j] += h
                self.cols[j] = (_residual(prob, grid, Xp) - R0) / h

    def matvec(self, x):
        x = np.asarray(x).ravel()
        y = np.zeros(self.n)
        xd = x[:self.M1].copy()
        for j in self.glob:
            if j < self.M1:
                xd[j] = 0.0
        y[:self.M1] = xd - self.grid.apply_G(self.w * xd)
        for j in self.glob:
            y += self.cols[j] * x[j]
        return y

    def solve(self, R):
        from scipy.sparse.linalg import LinearOperator, gmres
        op = LinearOperator((self.n, self.n), matvec=self.matvec, dtype=np.float64)
        x, info = gmres(op, R, rtol=1e-13, atol=0.0, restart=200, maxiter=20)
        return x


def _newton(prob, grid, X0, tol, max_iter=40):
    """Damped Newton (chord in the global columns while convergence is fast)."""
    X = X0.copy()
    R = _residual(prob, grid, X)
    hist = [float(np.abs(R).max())]
    Jm = None
    for it in range(max_iter):
        scale = max(X[0], 1e-300)
        if hist[-1] <= tol * scale:
            return X, {"newton_iterations": it, "residual": hist[-1] / scale, "residual_history": hist}
        slow = len(hist) > 1 and hist[-1] > 0.05 * hist[-2]
        Jm = _Jacobian(prob, grid, X, R, None if (Jm is None or slow or not prob.kernel.tabulated) else Jm)
        step = Jm.solve(R)
        t = 1.0
        while True:
            Xn = X - t * step
            ok = Xn[0] > 0
            if ok:
                try:
                    Rn = _residual(prob, grid, Xn)
                    ok = np.all(np.isfinite(Rn)) and np.abs(Rn).max() < (1 - 0.25 * t) * hist[-1] + 1e-300
                except DMFTConvergenceError:
                    ok = False
            if ok or t < 1e-3:
                break
            t *= 0.5
        if not ok:
            raise DMFTConvergenceError("Newton iteration for Delta(tau) stalled",
                                       {"iteration": it, "residual_history": hist, "box": grid.L})
        X, R = Xn, Rn
        hist.append(float(np.abs(R).max()))
    raise DMFTConvergenceError("Newton iteration for Delta(tau) did not converge",
                               {"iterations": max_iter, "residual_history": hist, "tol": tol, "box": grid.L})


def _lowest_neumann(U, h):
    """Lowest eigenvalue of -d2 + U on cells of width h, Neumann at both ends."""
    d = 2.0 / h ** 2 + U
    d[0] -= 1.0 / h ** 2
    d[-1] -= 1.0 / h ** 2
    e = np.full(U.size - 1, -1.0 / h ** 2)
    return eigh_tridiagonal(d, e, select="i", select_range=(0, 0), eigvals_only=True)[0]


def _lambda(prob, grid, D, m, h=None):
    """Ground state of -psi'' + [1 - g^2 C_phi'(tau)] psi on [0, L], Neumann at 0 and L."""
    L = grid.L
    if h is None:
        h = min(0.02, L / 64.0)
    n = int(math.ceil(L / h))
    h = L / n
    v = D[0]

    def U(tau):
        Dt = grid.evaluate(D, tau)
        return 1.0 - prob.g ** 2 * prob.kernel("dphi", Dt, prob.psi(tau), v, m)
    tc = (np.arange(n) + 0.5) * h
    tf = (np.arange(2 * n) + 0.5) * (h / 2)
    Ec = _lowest_neumann(U(tc), h)
    Ef = _lowest_neumann(U(tf), h / 2)
    E0 = (4.0 * Ef - Ec) / 3.0
    err = abs(Ef - E0)
    lam = S.lambda_from_energy(E0)
    return lam, E0, err / (2.0 * math.sqrt(max(1.0 - E0, 1e-300))), h


# ====================================================================== solution drivers

def _grid_for(prob, L_min, dtau, periods=None):
    T = prob.period
    if math.isfinite(T):
        k = periods if periods is not None else max(1, int(math.ceil(L_min / (0.5 * T))))
        L = 0.5 * T * k
        M = max(16, int(math.ceil(L / min(dtau, T / 24.0))))
    else:
        L = L_min
        M = max(16, int(math.ceil(L / dtau)))
    return _Grid(L, M)


def _periodic_state(prob, tol, guess=None):
    """Delta of period T (one period, L = T/2)."""
    grid = _grid_for(prob, 0.0, 0.1, periods=1)
    if guess is None:
        # Picard from the response to the input (stable periodic states converge)
        D = np.full(grid.M + 1, 0.5 * prob.amp ** 2 + 0.1)
        m = _balanced_guess_m(prob, D[0])
        X = np.append(D, m) if prob.balance else D
        for _ in range(4):
            R = _residual(prob, grid, X)
            X = X - R
    else:
        X = guess(grid)
    X, info = _newton(prob, grid, X, tol)
    return grid, X, info


def _balanced_guess_m(prob, v):
    if not prob.balance:
        return 0.0
    J0, I0, Kb = prob.balance
    return brentq(lambda m: prob.kernel.mean("phi", v, m) - I0 / J0 + m / (math.sqrt(Kb) * J0),
                  -50.0 * math.sqrt(v) - 1, 50.0 * math.sqrt(v) + 1)


_REF_CACHE = {}


def _reference(prob):
    """No-input stationary solution (the I1 -> 0 limit) as a starting point (cached for built-in phi)."""
    key = (prob.g, prob.nl.name, prob.balance)
    if prob.nl.code != K.USER and key in _REF_CACHE:
        return _REF_CACHE[key]
    ref = _reference_solve(prob)
    if prob.nl.code != K.USER:
        _REF_CACHE[key] = ref
    return ref


def _reference_solve(prob):
    if prob.balance:
        J0, I0, Kb = prob.balance
        return solve_balanced(prob.g, J0, I0, Kb, phi=prob.nl)
    return solve_scs(prob.g, phi=prob.nl)


def _chaotic_state(prob, tol, L_min, dtau, periodic=None):
    """Chaotic solution on a box of several half-periods; initial guess from the no-input orbit."""
    ref = _reference(prob)
    if not ref.chaotic and periodic is None and prob.kind != "ou":
        raise DMFTConvergenceError("no chaotic no-input solution to start from", {"g": prob.g})
    kappa = ref.diagnostics.get("kappa", 1.0) if ref.chaotic else 1.0
    L_need = max(L_min, ref.tau[-1] if ref.chaotic else 0.0, 30.0 / kappa)
    grid = _grid_for(prob, L_need, dtau)
    base = np.interp(grid.tau, ref.tau, ref.autocorrelation, right=ref.asymptote)
    guesses = [base + grid.apply_G(prob.drive(grid.tau))]
    if periodic is not None:
        pg, PX = periodic
        P = pg.evaluate(PX[:pg.M + 1], np.mod(grid.tau, 2 * pg.L))
        guesses.append(P + (base - ref.asymptote))      # no-input bump on the periodic state
    errors = []
    for D0 in guesses:
        X0 = np.append(D0, ref.mean_input) if prob.balance else D0
        try:
            X, info = _newton(prob, grid, X0, tol)
        except DMFTConvergenceError as exc:
            errors.append(exc.diagnostics)
            continue
        return grid, X, info, ref
    raise DMFTConvergenceError("no chaotic solution found from the no-input orbit or the periodic state",
                               {"attempts": errors})


def _check_model(model, phase_average):
    from ..inputs import OUInput, SineInput
    from ..models import BalancedNetwork, RandomNetwork
    if not isinstance(model, (RandomNetwork, BalancedNetwork)):
        raise TypeError(f"model must be a RandomNetwork or BalancedNetwork, got {type(model).__name__}")
    check_choice("phase_average", phase_average, {"exact", "gaussian"})
    inp = model.input
    if inp is not None and not isinstance(inp, (SineInput, OUInput)):
        raise TypeError(f"model.input must be SineInput, OUInput or None, got {type(inp).__name__}")
    if inp is not None and inp.c != 0.0:
        raise NotImplementedError("stationary DMFT covers independent input (correlation 0) only; common or "
                                  "partially common input is non-stationary: use meanfield.dmft.lyapunov_max "
                                  "(non-stationary DMFT)")
    if model.time != "continuous":
        raise NotImplementedError("stationary DMFT with input is implemented for continuous time only")
    if isinstance(model, BalancedNetwork):
        if model.connectivity != "dense":
            raise ValueError("stationary DMFT covers dense BalancedNetwork couplings")
        if model.nonlinearity.name != "relu":
            raise ValueError(f"the balanced DMFT supports phi='relu' only, got {model.nonlinearity.name!r}")
        if model.g * model.g <= 2.0:
            raise NotImplementedError("balanced DMFT with input needs the chaotic no-input branch, "
                                      "g > sqrt(2)")
        balance = (model.J0, model.I0, model.K)
    else:
        if model.nonlinearity.name in ("relu", "linear"):
            raise ValueError(f"phi = {model.nonlinearity.name!r} is positively homogeneous: "
                             "use BalancedNetwork")
        balance = None
    return balance


def _problem_of(model, phase_average, n_theta):
    from ..inputs import OUInput
    balance = _check_model(model, phase_average)
    inp = model.input
    nl = nonlinearities.resolve(model.nonlinearity)
    if inp is None:
        return _Problem(nl, model.g, "none", 0.0, 0.0, 1.0, phase_average, balance, n_theta)
    if isinstance(inp, OUInput):
        return _Problem(nl, model.g, "ou", inp.std, 0.0, inp.tau, phase_average, balance, n_theta)
    return _Problem(nl, model.g, "sine", inp.amplitude, 2 * math.pi * inp.frequency, 1.0, phase_average,
                    balance, n_theta)


def solve_independent(model, phase_average="exact", tol=1e-11, n_theta=None, box=60.0, dtau=0.1,
                      tau_max=None, n_tau=2001, branch="auto"):
    r"""Stationary DMFT of a network with independent input (random-phase sine or OU).

    Parameters
    ----------
    model : RandomNetwork or BalancedNetwork
        Continuous time.  ``RandomNetwork``: tanh, erf or a user pair; ``BalancedNetwork``:
        dense, ReLU, g > √2.  ``model.input``: ``SineInput(I1, f, "independent")``,
        ``OUInput(sigma, tau_s, "independent")`` or None.
    phase_average : {"exact", "gaussian"}
        "exact" averages over the sine's phase θ explicitly (the DMFT of [RAS]);
        "gaussian" is an *approximation*: the sinusoid replaced by a Gaussian process of
        the same covariance :math:`(I_1^2/2)\cos\omega\tau`.  Ignored for OU input.
    tol : float
        Newton tolerance on the residual of Δ, relative to :math:`\Delta_0`, in (0, 1e-3].
    n_theta : int, optional
        θ grid (default from the filtered amplitude: 16, 32, ... ≥ 12(1 + A) + 8).
    box : float
        Minimal half-length L (τ) of the periodic τ-domain of the chaotic solution
        (rounded up to a multiple of T/2 and to 30/κ of the no-input orbit).
    dtau : float
        Grid spacing (τ) of Δ, at most T/24.
    tau_max, n_tau
        Output grid of the autocorrelation (default extent: the box).
    branch : {"auto", "periodic", "chaotic"}
        "auto": the periodic state if its exponent is negative, else the chaotic one.
        "periodic" forces the periodic state (unstable if its exponent is positive).

    Returns
    -------
    StationarySolution
        ``variance`` and ``autocorrelation``: of the total input fluctuation
        :math:`x + y` (:math:`\Delta(\tau) + (A^2/2)\cos\omega\tau` for the exact sine);
        ``diagnostics["recurrent_variance"]``: :math:`\Delta_0` of x alone.
        ``asymptote``: the mean of the periodic tail over one period.
        ``parameters``: the model's, the input's and ``phase_average`` ("exact" or
        "gaussian (approximation)").  ``potential_delta``/``potential`` are empty (no
        conservative particle).

    Raises
    ------
    DMFTConvergenceError
        Newton did not converge (diagnostics: residual history, box).
    NotImplementedError
        Common or mixed input, discrete time.
    """
    tol = check_real("tol", tol, 0.0, 1e-3, low_open=True)
    box = check_real("box", box, 1.0, 1e5)
    dtau = check_real("dtau", dtau, 0.0, 0.5, low_open=True)
    n_tau = check_int("n_tau", n_tau, 2)
    if n_theta is not None:
        n_theta = check_int("n_theta", n_theta, 4, 4096)
    check_choice("branch", branch, {"auto", "periodic", "chaotic"})
    if tau_max is not None:
        tau_max = check_real("tau_max", tau_max, 0.0, low_open=True)
    prob = _problem_of(model, phase_average, n_theta)
    params = _parameters(model, prob)
    if prob.kind == "none":
        raise ValueError("model.input is None: use meanfield.dmft.stationary / solve_scs / solve_balanced")
    return _solve(prob, params, tol, box, dtau, tau_max, n_tau, branch)


def _parameters(model, prob):
    p = {"model": type(model).__name__, "g": model.g, "phi": prob.nl.name, "time": "continuous"}
    if prob.balance:
        p.update({"J0": prob.balance[0], "I0": prob.balance[1], "K": prob.balance[2]})
    if model.input is not None:
        p["input"] = model.input.to_dict()
    if prob.kind == "sine":
        p["phase_average"] = "exact" if prob.phase_average == "exact" else "gaussian (approximation)"
        p["filtered_amplitude"] = prob.amp / math.sqrt(1 + prob.omega ** 2)
        p["n_theta"] = prob.kernel.n_theta
    return p


def _solve(prob, params, tol, box, dtau, tau_max, n_tau, branch, periodic_guess=None):
    diag = {}
    per = pg = None
    if prob.periodic and branch in ("auto", "periodic"):
        try:
            pg, PX, pinfo = _periodic_state(prob, tol, periodic_guess)
        except DMFTConvergenceError as exc:
            if branch == "periodic":
                raise
            pg = None
            diag["periodic_state_error"] = str(exc)
    if pg is not None:
        pm = PX[-1] if prob.balance else 0.0
        lam_p, E_p, err_p, _ = _lambda(prob, pg, PX[:pg.M + 1], pm)
        per = (pg, PX)
        diag.update({"periodic_lambda": lam_p, "periodic_newton": pinfo})
        if branch == "periodic" or lam_p < 0:
            return _package(prob, params, pg, PX, False, lam_p, err_p, E_p, diag, tau_max, n_tau, pinfo)
    grid, X, info, ref = _chaotic_state(prob, tol, box, dtau, per)
    m = X[-1] if prob.balance else 0.0
    D = X[:grid.M + 1]
    lam, E0, err, h = _lambda(prob, grid, D, m)
    chaotic = lam > 0
    if math.isfinite(prob.period):
        # decaying part: Delta(0) - Delta(nT) at the last full period in the box
        nT = prob.period * math.floor(grid.L / prob.period)
        dec = (D[0] - float(grid.evaluate(D, np.array([nT]))[0])) / D[0]
        diag["decaying_part"] = dec
        if dec < 1e-6:
            warnings.warn("the chaotic Newton solve returned to a periodic state", RuntimeWarning)
    return _package(prob, params, grid, X, chaotic, lam, err, E0, diag, tau_max, n_tau, info)


def _package(prob, params, grid, X, chaotic, lam, lam_err, E0, diag, tau_max, n_tau, info):
    D = X[:grid.M + 1]
    m = float(X[-1]) if prob.balance else 0.0
    v = float(D[0])
    A = prob.kernel.A
    tmax = grid.L if tau_max is None else tau_max
    tau = np.linspace(0.0, tmax, n_tau)
    Dx = grid.evaluate(D, np.mod(tau, 2 * grid.L))
    total = Dx + 0.5 * A * A * np.cos(prob.omega * tau) if A > 0 else Dx
    nu = prob.kernel.mean("phi", v, m)
    frac = None
    if prob.nl.code == K.RELU:
        frac = prob.kernel.mean("dphi", v, m)
    T = prob.period
    if math.isfinite(T):
        tt = grid.L - 0.5 * T + np.linspace(0, T, 64, endpoint=False)
        asym = float(np.mean(grid.evaluate(D, tt)))
    else:
        asym = float(D[-1])
    diag.update(info)
    diag.update({"recurrent_variance": v, "box_length": grid.L, "grid_points": grid.M + 1,
                 "n_theta": prob.kernel.n_theta, "tables_built": prob.kernel.n_tables,
                 "lambda_richardson_error": lam_err})
    return StationarySolution(
        variance=v + 0.5 * A * A, asymptote=asym, tau=tau, autocorrelation=total, mean_input=m,
        mean_rate=nu, fraction_active=frac, chaotic=bool(chaotic), lambda_max=float(lam),
        lambda_max_error=float(lam_err), ground_state_energy=float(E0), potential_delta=np.empty(0),
        potential=np.empty(0), parameters=params, diagnostics=diag)


# ====================================================================== scans

def lambda_max_curve(model, amplitudes=None, frequencies=None, phase_average="exact", **kwargs):
    """Largest exponent of the stationary DMFT along a line of input amplitudes or frequencies.

    Parameters
    ----------
    model : RandomNetwork or BalancedNetwork
        With ``SineInput(..., correlation="independent")`` (or OU input: ``amplitudes`` are
        then standard deviations); the input's other parameters are kept.
    amplitudes, frequencies : array_like
        Exactly one of them (amplitude >= 0; frequency > 0, cycles per τ).
    phase_average : {"exact", "gaussian"}
    **kwargs
        Passed to :func:`solve_independent`.

    Returns
    -------
    dict
        ``"amplitude"``, ``"frequency"``, ``"lambda_max"``, ``"lambda_max_error"``,
        ``"variance"``, ``"chaotic"`` (arrays of equal length).
    """
    import copy
    from ..inputs import OUInput, SineInput
    if (amplitudes is None) == (frequencies is None):
        raise ValueError("give exactly one of amplitudes= and frequencies=")
    inp = model.input
    if not isinstance(inp, (SineInput, OUInput)):
        raise TypeError("model.input must be an independent SineInput or OUInput")
    if frequencies is not None and not isinstance(inp, SineInput):
        raise ValueError("frequencies= needs a SineInput")
    vals = G._real_array("amplitudes" if amplitudes is not None else "frequencies",
                         amplitudes if amplitudes is not None else frequencies)
    vals = np.atleast_1d(vals)
    if amplitudes is not None and np.any(vals < 0):
        raise ValueError("amplitudes must be >= 0")
    if frequencies is not None and np.any(vals <= 0):
        raise ValueError("frequencies must be > 0")
    out = {k: np.empty(vals.size) for k in ("amplitude", "frequency", "lambda_max", "lambda_max_error",
                                            "variance")}
    out["chaotic"] = np.empty(vals.size, dtype=bool)
    for i, val in enumerate(vals):
        m2 = copy.copy(model)
        new = copy.copy(inp)
        if amplitudes is not None:
            if isinstance(new, SineInput):
                new.amplitude = float(val)
            else:
                new.std = float(val)
        else:
            new.frequency = float(val)
        m2.input = new
        if (isinstance(new, SineInput) and new.amplitude == 0) or (isinstance(new, OUInput) and new.std == 0):
            from .stationary import stationary
            m2.input = None
            s = stationary(m2)
        else:
            s = solve_independent(m2, phase_average=phase_average, **kwargs)
        out["amplitude"][i] = new.amplitude if isinstance(new, SineInput) else new.std
        out["frequency"][i] = new.frequency if isinstance(new, SineInput) else np.nan
        out["lambda_max"][i] = s.lambda_max
        out["lambda_max_error"][i] = s.lambda_max_error
        out["variance"][i] = s.variance
        out["chaotic"][i] = s.chaotic
    return out


def independent_critical_amplitude(model, frequency=None, bracket=(0.05, 20.0), phase_average="exact",
                                   tol=1e-9, n_theta=None, xtol=1e-6):
    r"""Input amplitude :math:`I_1^*` at which independent sinusoidal input suppresses chaos.

    The periodic (input-locked) state exists for every amplitude; its Floquet exponent
    :math:`\lambda_P(I_1)` (Schrödinger band bottom) is positive below :math:`I_1^*` and
    negative above.  :math:`I_1^*` is the root of :math:`\lambda_P`, found by ``brentq``.
    (:func:`meanfield.critical_amplitude` is the general front end: any correlation, DMFT or
    simulation, with bracketing.)

    Parameters
    ----------
    model : RandomNetwork or BalancedNetwork
        With an independent ``SineInput`` (its amplitude is ignored).
    frequency : float, optional
        Overrides the input's frequency (cycles per τ).
    bracket : (float, float)
        Amplitudes with exponents of opposite sign.
    phase_average, tol, n_theta
        As in :func:`solve_independent`.
    xtol : float
        Absolute tolerance on :math:`I_1^*`.

    Returns
    -------
    float
    """
    import copy
    from ..inputs import SineInput
    if not isinstance(model.input, SineInput):
        raise TypeError("model.input must be an independent SineInput")
    lo, hi = (check_real("bracket[0]", bracket[0], 0.0, low_open=True),
              check_real("bracket[1]", bracket[1], 0.0, low_open=True))
    if not lo < hi:
        raise ValueError(f"bracket must be increasing, got {bracket!r}")
    xtol = check_real("xtol", xtol, 0.0, low_open=True)
    base = copy.copy(model)
    inp = copy.copy(model.input)
    if frequency is not None:
        inp.frequency = check_real("frequency", frequency, 0.0, low_open=True)
    cache = {}

    def lam(I1):
        new = copy.copy(inp)
        new.amplitude = float(I1)
        base.input = new
        prob = _problem_of(base, phase_average, n_theta)
        s = _solve(prob, _parameters(base, prob), tol, 60.0, 0.1, None, 2, "periodic")
        cache[I1] = s
        return s.lambda_max
    flo, fhi = lam(lo), lam(hi)
    if not (flo > 0 > fhi):
        raise DMFTConvergenceError("critical amplitude not bracketed: need lambda(lo) > 0 > lambda(hi)",
                                   {"bracket": (lo, hi), "lambda": (flo, fhi), "frequency": inp.frequency})
    return brentq(lam, lo, hi, xtol=xtol, rtol=1e-10)
