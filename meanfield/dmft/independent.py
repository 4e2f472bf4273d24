r"""Stationary DMFT with independent time-varying input [RAS, SGH].

Every unit receives its own input: a random-phase sinusoid
:math:`I_i(t) = I_1\sin(\omega t + \theta_i)`, :math:`\omega = 2\pi f`, :math:`\theta_i` iid
uniform, or an independent Ornstein--Uhlenbeck process of standard deviation σ and
correlation time :math:`\tau_s`.  The population statistics are stationary (time in units
of the neuronal time constant τ).  The low-level solver :func:`solve_independent` takes plain
parameters (``g, amplitude, frequency, phi, J0, I0, K, ...``); :func:`model_parameters` turns a
model into them (:func:`meanfield.dmft.solve` is the model front end).

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
in closed form (ReLU, erf, linear: Numba kernels in :mod:`._independent_kernels`) or, for
tanh and user φ, through
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
the balanced mean m) solve the equation by Newton's method with GMRES: the Jacobian in Δ(τ) is
exact (Price's theorem, :math:`\partial_c C_\phi = C_{\phi'}`), the columns of the global
parameters (:math:`\Delta_0`, m) are finite differences (a chord: reused while Newton
converges fast).  Iteration stops when the residual is below ``tol`` (relative to
:math:`\Delta_0`); otherwise :class:`~meanfield.errors.ConvergenceError`.

Two solutions matter for the sinusoid.  The *periodic* (entrained) one, Δ of period T (one
half period with Neumann ends suffices), is the network locked to its inputs; the *chaotic*
one adds a decaying part and lives on a box of several periods.

Largest Lyapunov exponent [SCS, SGH]:

.. math::

    -\psi'' + [1 - g^2 C_{\phi'}(\tau)]\,\psi = E\psi,\qquad \lambda_\max = -1 + \sqrt{1 - E_0},

:math:`C_{\phi'}` averaged over θ like :math:`C_\phi`.  For the periodic state the potential
is periodic and :math:`E_0` is the bottom of its Bloch band: the Floquet exponent
:math:`\lambda_P` of the entrained state, from the Neumann problem on one half period
(the band-bottom Bloch function is even about 0 and T/2).  For the chaotic state the
potential is asymptotically periodic and the problem is solved on the box :math:`[0, L]` with
Neumann ends (:math:`L = kT/2`), which gives both a bound state and the bottom of the Bloch
band of the tail.  Both use the cell-centred second-order scheme, Richardson-extrapolated.

Branch rule (``branch="auto"``).  The periodic state is computed first (for sine input).  If
its Floquet exponent :math:`\lambda_P \le 0` the entrained state is stable and is reported
(``branch="periodic"``, ``lambda_max`` = :math:`\lambda_P \le 0`); otherwise the chaotic
solution is computed and its exponent :math:`\lambda_C` reported (``branch="chaotic"``).  As
:math:`I_1` rises to the critical amplitude :math:`I_1^*` the chaotic solution merges with the
periodic one (its decaying part vanishes), so :math:`\lambda_C \to \lambda_P \to 0`: λ(I1)
is continuous and :math:`I_1^*` is the root of :math:`\lambda_P` (where both meet zero).  Right at
the transition (:math:`0 < \lambda_P \le 10^{-3}`) the chaotic solution may have merged with the
periodic one (its decaying part below 1e-6, or Newton no longer converging); if no chaotic solution is
found there, :math:`\lambda_P` is reported (``branch="periodic"``, ``diagnostics["merged"]``), an error
of at most :math:`\lambda_P` where :math:`0 < \lambda_C \le \lambda_P` (as in every sweep of
``tests/test_dmft_independent_sweep.py``).
Without a periodic drive (OU input, :math:`I_1 = 0`) there is one stationary solution;
``branch`` is "chaotic" when its λ > 0 and "stable" otherwise.

Robustness.  ``guess=`` (a previous result at a neighbouring amplitude or frequency) starts
Newton from its state (``coefficients``, ``periodic_coefficients``).  When a direct solve
fails, the solver continues in amplitude from a converged neighbour with step halving
(periodic state: down from a larger, entrained amplitude; chaotic state: up from the
no-input solution or the guess); the number of continuation steps is
``diagnostics["fallbacks"]``.  :func:`lambda_max_curve` continues along the curve.

Balanced network (ReLU, dense): :math:`m = \sqrt K (I_0 - J_0\nu)` with
:math:`\nu = \langle\phi(m + x + y)\rangle_{x,\theta}` (finite-K balance, as
:func:`~meanfield.dmft.solve_balanced`); m is a Newton unknown.

Discrete time (SCS, leak Δ = 1, ``time="discrete"``): :math:`h_{t+1} = J\phi(h_t) + I_t`
has no memory: :math:`\Delta_0 = g^2 E_{z,\theta}[\phi(\sqrt{\Delta_0}z + I_1\sin\theta)^2]`
(plus σ² for OU input) and :math:`\lambda_\max = \tfrac12\ln(g^2 E_{z,\theta}[\phi'^2])`
per iteration.

Regimes not covered (:class:`~meanfield.errors.UnsupportedRegimeError`): common or partially
common input (non-stationary: :func:`meanfield.dmft.lyapunov_max`); leaky discrete time
(Δ < 1) with input; discrete-time balanced networks; sparse balanced couplings; balanced
networks with φ ≠ ReLU or g ≤ √2 (no chaotic no-input branch); SCS with positively
homogeneous φ (ReLU, linear: use the balanced network).
"""
import math
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.fft import dct
from scipy.optimize import brentq

from .. import _kernels as K
from .. import gaussian as G
from .. import nonlinearities
from .._validation import check_choice, check_int, check_real
from ..errors import ConvergenceError, UnsupportedRegimeError
from ..results import Result, diagnostics, provenance
from . import _independent_kernels as IK
from . import schrodinger as S
from .stationary import StationarySolution, solve_balanced, solve_scs

__all__ = ["solve_independent", "lambda_max_curve", "independent_critical_amplitude", "model_parameters",
           "IndependentSolution", "LambdaCurve"]

_Z_MAX = 9.0            # z-range of the tanh/user table quadrature
_MAX_THETA = 4096       # largest phase grid (the n_theta= range): beyond it the tables need GiBs
_TABLE_CACHE = 6        # tables kept per kernel
_F_CODE = {"phi": 0, "dphi": 1}     # meanfield._gauss_kernels.F_PHI, F_DPHI


# ====================================================================== results

@dataclass
class IndependentSolution(StationarySolution):
    r"""Stationary DMFT solution with independent input (a :class:`StationarySolution`).

    Extra attributes
    ----------------
    method : str
        "independent".
    settings : dict
        Solver settings (``phase_average``, ``tol``, ``n_theta``, ``box``, ``dtau``,
        ``h_lambda``, ``branch`` asked for).
    branch : str
        "periodic" (entrained state, its Floquet exponent), "chaotic" (the chaotic solution)
        or "stable" (no periodic drive and λ ≤ 0).
    coefficients : ndarray
        Cosine coefficients :math:`a_k` of the recurrent Δ(τ) of the reported state,
        :math:`\Delta(\tau) = \sum_k a_k\cos(k\pi\tau/L)`, L = ``diagnostics["box_length"]``
        (used by ``guess=``).
    periodic_coefficients : ndarray
        The same for the periodic state on :math:`[0, T/2]` (empty if not computed).
    """

    method: str = "independent"
    settings: dict = field(default_factory=dict)
    branch: str = "chaotic"
    coefficients: np.ndarray = field(default_factory=lambda: np.empty(0))
    periodic_coefficients: np.ndarray = field(default_factory=lambda: np.empty(0))


@dataclass
class LambdaCurve(Result):
    r"""λ_max of the independent-input DMFT along a line of amplitudes or frequencies.

    Attributes
    ----------
    amplitudes, frequencies : ndarray
        The points (amplitude: I1, or σ for OU input; frequency: cycles per τ, NaN for OU).
    lambda_max, lambda_max_error : ndarray
        Exponent (1/τ; per iteration in discrete time) and its discretisation error.
    branch : ndarray of str
        Reported branch at each point ("periodic", "chaotic", "stable").
    variance : ndarray
        Total input variance (recurrent + filtered sine).
    periodic_lambda : ndarray
        Floquet exponent of the periodic state where it was computed (NaN elsewhere).
    parameters, settings, diagnostics : dict
        Problem parameters, solver settings, and the standard diagnostics (summed over the
        points; ``fallbacks``: continuation steps).
    """

    amplitudes: np.ndarray
    frequencies: np.ndarray
    lambda_max: np.ndarray
    lambda_max_error: np.ndarray
    branch: np.ndarray
    variance: np.ndarray
    periodic_lambda: np.ndarray
    parameters: dict
    settings: dict
    diagnostics: dict
    method: str = "independent"
    versions: dict = field(default_factory=provenance)

    _old_keys = {"amplitude": "amplitudes", "frequency": "frequencies", "lambda_max": "lambda_max",
                 "lambda_max_error": "lambda_max_error", "variance": "variance"}

    def __getitem__(self, key):
        """Dict-style access of the former return value (deprecated)."""
        warnings.warn("lambda_max_curve returns a LambdaCurve; item access is deprecated, use attributes "
                      "(amplitudes, frequencies, lambda_max, ...)", DeprecationWarning, stacklevel=2)
        if key == "chaotic":
            return self.branch == "chaotic"
        return getattr(self, self._old_keys[key])

    @property
    def chaotic(self):
        return (self.branch == "chaotic") & (self.lambda_max > 0)


# ====================================================================== Gaussian x theta kernel

class _PhaseKernel:
    r"""θ-averaged two-point integrals :math:`Q_f(c, \psi; v, m)`, f in {"phi", "dphi"}.

    ``A`` is the filtered sine amplitude (0: no sinusoid); ``n_theta`` the periodic θ grid.
    Closed forms (Numba) are used point by point for ReLU/erf/linear; tanh and user φ are
    tabulated.
    """

    def __init__(self, nl, A, n_theta, n_cheb=None):
        self.nl, self.A = nl, float(A)
        self.n_theta = 1 if self.A == 0.0 else int(n_theta)
        self.theta = 2.0 * np.pi * np.arange(self.n_theta) / self.n_theta
        self.sin_t = np.sin(self.theta)
        self.cos_t = np.cos(self.theta)
        self.direct = nl.code in (K.RELU, K.ERF, K.LINEAR)
        self.tabulated = not self.direct
        self.n_cheb = n_cheb
        self._tables = {}
        self.n_tables = 0
        self.n_points = 0          # two-point kernel evaluations (work counter)

    # ---- one-point mean nu = <phi(m + x + A sin theta)>
    def mean(self, f, v, m):
        if self.direct:
            return IK.phase_mean(self.nl.code, _F_CODE[f], float(v), float(m), self.A, self.sin_t)
        mu = m + self.A * self.sin_t
        return float(np.mean(G.expect(f, mu, v, phi=self.nl)))

    def _prep(self, c, psi):
        c = np.ascontiguousarray(np.ravel(np.asarray(c, dtype=np.float64)))
        psi = np.ascontiguousarray(np.broadcast_to(np.ravel(np.asarray(psi, dtype=np.float64)), c.shape))
        return c, psi

    def __call__(self, f, c, psi, v, m):
        shape = np.shape(c)
        c, psi = self._prep(c, psi)
        self.n_points += c.size
        if self.direct:
            out = IK.phase_q(self.nl.code, _F_CODE[f], c, psi, float(v), float(m), self.A, self.sin_t,
                             self.cos_t, np.empty(c.size))
        else:
            c = np.maximum(np.minimum(c, v), -v)
            out = self._table(f, v, m)(c, psi)
        return out.reshape(shape)

    def pair(self, c, psi, v, m):
        """(Q_phi, Q_phi') at the same points."""
        if not self.direct:
            return self("phi", c, psi, v, m), self("dphi", c, psi, v, m)
        shape = np.shape(c)
        c, psi = self._prep(c, psi)
        self.n_points += c.size
        a, b = IK.phase_q_pair(self.nl.code, c, psi, float(v), float(m), self.A, self.sin_t, self.cos_t,
                               np.empty(c.size), np.empty(c.size))
        return a.reshape(shape), b.reshape(shape)

    def _table(self, f, v, m):
        key = (f, float(v), float(m))
        tab = self._tables.get(key)
        if tab is None:
            if len(self._tables) >= _TABLE_CACHE:
                self._tables.pop(next(iter(self._tables)))
            tab = self._tables[key] = _Table(self, f, v, m)
            self.n_tables += 1
        return tab


_LAG_P, _LAG_H = 10, 0.02     # Lagrange stencil and spacing of the tanh one-point interpolant


def _expect_interpolated(f, mu, s2, nl):
    r"""E[f(mu + s u)] (tanh, u ~ N(0, 1)) at many mu: quadrature on a uniform grid of spacing 0.02 and
    10-point Lagrange interpolation (barycentric).  The function is analytic in the strip
    :math:`|\mathrm{Im}\,\mu| < \pi/2`: the interpolation error is ~6 (0.02)^{10} ≈ 1e-16."""
    P, h = _LAG_P, _LAG_H
    g0 = float(mu.min()) - (P // 2) * h
    n = int(math.ceil((float(mu.max()) - g0) / h)) + P + 1
    Fg = G.expect(f, g0 + h * np.arange(n), s2, phi=nl)
    x = (mu.ravel() - g0) / h
    i0 = np.floor(x).astype(np.int64) - (P // 2 - 1)
    t = x - i0
    k = np.arange(P)
    b = np.array([(-1.0) ** (P - 1 - j) / (math.factorial(j) * math.factorial(P - 1 - j)) for j in k])
    d = t[:, None] - k[None, :]
    d[d == 0.0] = 1e-30
    val = np.prod(d, axis=1) * np.sum(b * Fg[i0[:, None] + k[None, :]] / d, axis=1)
    return val.reshape(mu.shape)


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
            if s2 > 0 and nl.code == K.TANH and mu.size > 3 * (np.ptp(mu) / _LAG_H + _LAG_P):
                F = _expect_interpolated(f, mu, s2, nl)
            elif s2 > 0:
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
        psi = np.ravel(psi)
        if not np.any(psi):
            return a.sum(axis=0).reshape(np.shape(c))
        # cos(k psi) by the Chebyshev recurrence (no transcendental per term)
        c1 = np.cos(psi)
        out = a[0].copy()
        if a.shape[0] > 1:
            tkm, tk = np.ones_like(c1), c1
            out += a[1] * tk
            for k in range(2, a.shape[0]):
                tkm, tk = tk, 2.0 * c1 * tk - tkm
                out += a[k] * tk
        return out.reshape(np.shape(c))


# ====================================================================== the problem

class _Problem:
    """Parameters of one stationary problem (network + independent input)."""

    def __init__(self, nl, g, kind, amp, omega, tau_s, phase_average, balance, n_theta):
        self.nl, self.g, self.kind = nl, g, kind
        self.amp, self.omega, self.tau_s = amp, omega, tau_s
        self.phase_average = phase_average
        self.balance = balance               # None or (J0, I0, K)
        self.n_theta_arg = n_theta
        exact_sine = kind == "sine" and phase_average == "exact" and amp > 0
        self.A = amp / math.sqrt(1.0 + omega * omega) if exact_sine else 0.0
        # n_theta=None: closed-form kernels are adaptive (start at 16, double until the residual and
        # C_phi' on the grid agree with the doubled grid: _refine_theta); tabulated ones (tanh, user phi:
        # a table per Delta_0 costs n_theta one-point quadratures per node) keep the fixed rule
        # 16, 32, ... >= 12 (1 + A) + 8
        direct = nl.code in (K.RELU, K.ERF, K.LINEAR)
        self.adaptive = n_theta is None and direct
        if n_theta is None:
            n_theta = 16
            while not direct and n_theta < 12.0 * (1.0 + self.A) + 8:
                n_theta *= 2
        if n_theta > _MAX_THETA:
            raise UnsupportedRegimeError(
                f"the filtered input amplitude A = I1/sqrt(1 + (2 pi f)^2) = {self.A:.4g} needs a phase grid "
                f"of {n_theta} nodes (more than {_MAX_THETA}: tables of GiBs); the independent-input DMFT "
                f"covers A up to ~{(_MAX_THETA - 8) / 12 - 1:.0f}: lower the amplitude, raise the frequency, "
                "or use method='simulation'")
        self.kernel = _PhaseKernel(nl, self.A, n_theta)
        self.periodic = kind == "sine" and amp > 0
        self.stats = {"residuals": 0}

    def at(self, amp, n_theta=None):
        """The same problem at another amplitude (continuation) or with another θ grid."""
        p = _Problem(self.nl, self.g, self.kind, amp, self.omega, self.tau_s, self.phase_average,
                     self.balance, self.n_theta_arg if n_theta is None else n_theta)
        p.adaptive = self.adaptive
        p.stats = self.stats
        return p

    @property
    def period(self):
        return 2.0 * math.pi / self.omega if self.kind == "sine" and self.omega > 0 else math.inf

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
    """Cosine (DCT-I) grid on [0, L]: tau_j = j L / M; G = (1 - d^2)^{-1} diagonal in the cosine basis."""

    def __init__(self, L, M):
        self.L, self.M = L, M
        self.tau = np.linspace(0.0, L, M + 1)
        k = np.pi * np.arange(M + 1) / L
        self.k = k
        self._k2 = 1.0 + k * k

    def apply_G(self, f):
        """(1 - d^2)^{-1} f for columns of f (DCT-I, O(M log M))."""
        k2 = self._k2.reshape((-1,) + (1,) * (np.ndim(f) - 1))
        return dct(dct(f, type=1, axis=0) / k2, type=1, axis=0) / (2 * self.M)

    def coefficients(self, f):
        a = dct(f, type=1) / self.M
        a[0] *= 0.5
        a[-1] *= 0.5
        return a

    def evaluate(self, f, tau):
        return _eval_cosine(self.coefficients(f), self.L, tau)

    def evaluate_uniform(self, f, n):
        r"""The cosine series of f at :math:`\tau_i = iL/n`, i = 0..n (n >= M; one zero-padded DCT-I)."""
        a = self.coefficients(f)
        b = np.zeros(n + 1)
        b[:a.size] = a
        b[1:n] *= 0.5
        return dct(b, type=1)


def _eval_cosine(a, L, tau):
    """sum_k a_k cos(k pi tau / L) at the points tau."""
    tau = np.asarray(tau, dtype=np.float64)
    k = np.pi * np.arange(a.size) / L
    out = np.zeros(tau.shape)
    for start in range(0, a.size, 256):
        n = np.arange(start, min(start + 256, a.size))
        out += np.cos(np.multiply.outer(tau, k[n])) @ a[n]
    return out


def _residual(prob, grid, X, want_w=False):
    """R = [Delta - G(g^2 C_phi + drive), balance]; with want_w also w = g^2 C_phi' (direct kernels)."""
    D = X[:grid.M + 1]
    m = X[-1] if prob.balance else 0.0
    v = D[0]
    if not v > 0:
        raise ConvergenceError("variance became non-positive in the Newton iteration", {"Delta0": v})
    prob.stats["residuals"] += 1
    w = None
    if want_w and prob.kernel.direct:
        C, Cd = prob.kernel.pair(D, prob.psi(grid.tau), v, m)
        w = prob.g ** 2 * Cd
    else:
        C = prob.kernel("phi", D, prob.psi(grid.tau), v, m)
    R = D - grid.apply_G(prob.g ** 2 * C + prob.drive(grid.tau))
    if prob.balance:
        J0, I0, Kb = prob.balance
        nu = prob.kernel.mean("phi", v, m)
        R = np.append(R, nu - I0 / J0 + m / (math.sqrt(Kb) * J0))
    return (R, w) if want_w else R


class _Jacobian:
    """J = I - G diag(g^2 C_phi') in Delta(tau) (Price: exact), with finite-difference columns for the
    global unknowns Delta_0 and m (reused from ``old``, a chord step, when given).  Solved by GMRES
    (J is identity + compact)."""

    def __init__(self, prob, grid, X, R0, w=None, old=None):
        M1 = grid.M + 1
        D = X[:M1]
        v = D[0]
        m = X[-1] if prob.balance else 0.0
        self.grid, self.n, self.M1 = grid, X.size, M1
        self.w = w if w is not None else prob.g ** 2 * prob.kernel("dphi", D, prob.psi(grid.tau), v, m)
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

    def precondition(self, x):
        """(I - wbar G)^{-1} on the Delta block, wbar a constant (diagonal in the cosine basis)."""
        y = np.array(x, dtype=np.float64).ravel()
        g = self.grid
        y[:self.M1] = dct(dct(y[:self.M1], type=1) / (1.0 - self.wbar / g._k2), type=1) / (2 * g.M)
        return y

    def solve(self, R):
        from scipy.sparse.linalg import LinearOperator, gmres
        op = LinearOperator((self.n, self.n), matvec=self.matvec, dtype=np.float64)
        self.wbar = min(float(np.mean(self.w)), 0.9)
        pre = LinearOperator((self.n, self.n), matvec=self.precondition, dtype=np.float64)
        x, info = gmres(op, R, rtol=1e-13, atol=0.0, restart=150, maxiter=2, M=pre)
        return x


def _newton(prob, grid, X0, tol, max_iter=40):
    """Damped Newton (chord in the global columns while convergence is fast)."""
    X = X0.copy()
    R, w = _residual(prob, grid, X, want_w=True)
    hist = [float(np.abs(R).max())]
    Jm = None
    for it in range(max_iter):
        scale = max(X[0], 1e-300)
        if hist[-1] <= tol * scale:
            return X, {"newton_iterations": it, "residual": hist[-1] / scale, "residual_history": hist}
        if it >= 15 and hist[-1] > 1e-6 * hist[0]:
            raise ConvergenceError("Newton iteration for Delta(tau) converges too slowly",
                                   {"iteration": it, "residual_history": hist, "box": grid.L})
        slow = len(hist) > 1 and hist[-1] > 0.05 * hist[-2]
        Jm = _Jacobian(prob, grid, X, R, w, None if (Jm is None or slow or not prob.kernel.tabulated) else Jm)
        step = Jm.solve(R)
        t = 1.0
        while True:
            Xn = X - t * step
            ok = Xn[0] > 0
            if ok:
                try:
                    Rn, wn = _residual(prob, grid, Xn, want_w=True)
                    ok = np.all(np.isfinite(Rn)) and np.abs(Rn).max() < (1 - 0.25 * t) * hist[-1] + 1e-300
                except ConvergenceError:
                    ok = False
            if ok or t < 1e-3:
                break
            t *= 0.5
        if not ok:
            raise ConvergenceError("Newton iteration for Delta(tau) stalled",
                                   {"iteration": it, "residual_history": hist, "box": grid.L})
        X, R, w = Xn, Rn, wn
        hist.append(float(np.abs(R).max()))
    raise ConvergenceError("Newton iteration for Delta(tau) did not converge",
                           {"iterations": max_iter, "residual_history": hist, "tol": tol, "box": grid.L})


def _lambda(prob, grid, D, m, h=None):
    """Ground state of -psi'' + [1 - g^2 C_phi'(tau)] psi on [0, L], Neumann at 0 and L.

    Cells of width h and h/2 (cell centres), Richardson-extrapolated; Δ at the centres from one
    zero-padded DCT of the cosine series (exact trigonometric interpolation)."""
    L = grid.L
    if h is None:
        h = min(0.02, L / 64.0)
    n = int(math.ceil(L / h))
    h = L / n
    v = D[0]
    Du = grid.evaluate_uniform(D, 4 * n)          # tau_i = i h / 4
    tc = (np.arange(n) + 0.5) * h
    tf = (np.arange(2 * n) + 0.5) * (h / 2)
    Dc = Du[2:4 * n:4]
    Df = Du[1:4 * n:2]

    def U(Dt, tau):
        return 1.0 - prob.g ** 2 * prob.kernel("dphi", Dt, prob.psi(tau), v, m)
    E0, err = S.richardson_energy(U(Dc, tc), U(Df, tf), h, parity="even", end="neumann")
    lam = S.lambda_from_energy(E0)
    return lam, E0, err / (2.0 * math.sqrt(max(1.0 - E0, 1e-300))), h


# ====================================================================== states and their exponents

_H_PERIODIC = 0.02     # Schroedinger cell width on the half period of the periodic state
_H_CHAOTIC = 0.05      # ... and on the box of the chaotic state (Richardson; vs 0.02: |d lambda| < 1e-9)


class _State:
    """A converged Newton state of one branch: grid, unknowns X, Newton info, exponent."""

    def __init__(self, prob, grid, X, info, kind):
        self.prob, self.grid, self.X, self.info, self.kind = prob, grid, X, info, kind
        self.amp = prob.amp
        self.m = float(X[-1]) if prob.balance else 0.0
        self.D = X[:grid.M + 1]
        self.lam = self.E0 = self.err = None

    def exponent(self, h=None):
        if self.lam is None:
            if h is None:
                h = _H_PERIODIC if self.kind == "periodic" else _H_CHAOTIC
            self.lam, self.E0, self.err, self.h = _lambda(self.prob, self.grid, self.D, self.m,
                                                          min(h, self.grid.L / 64.0))
        return self.lam

    def delta(self, tau):
        """Delta of this state at tau (cosine series, continued evenly/periodically beyond L)."""
        return self.grid.evaluate(self.D, np.mod(tau, 2 * self.grid.L))


class _Counter:
    def __init__(self):
        self.iterations = self.fallbacks = 0
        self.notes = []


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


def _balanced_guess_m(prob, v):
    if not prob.balance:
        return 0.0
    J0, I0, Kb = prob.balance
    lo = -(prob.kernel.A + 50.0 * math.sqrt(v) + 1.0)
    hi = max(50.0 * math.sqrt(v) + 1.0, math.sqrt(Kb) * I0 + 1.0)
    return brentq(lambda m: prob.kernel.mean("phi", v, m) - I0 / J0 + m / (math.sqrt(Kb) * J0), lo, hi)


def _run_newton(prob, grid, X0, tol, count, kind):
    X, info = _newton(prob, grid, X0, tol)
    count.iterations += info["newton_iterations"]
    if prob.adaptive and prob.kernel.A > 0:
        prob, X, info = _refine_theta(prob, grid, X, info, tol, count)
    return _State(prob, grid, X, info, kind)


_THETA_WTOL = 1e-11     # |g^2 C_phi'(n) - g^2 C_phi'(2n)| accepted on the grid (the Schroedinger potential)


def _refine_theta(prob, grid, X, info, tol, count):
    """Double the θ grid until the converged state is a solution on the doubled grid too (residual below
    tol, and the potential g^2 C_phi' on the grid within 1e-11); re-solve from the state otherwise."""
    while True:
        n = prob.kernel.n_theta
        if n >= 4096:
            return prob, X, info
        fine = prob.at(prob.amp, 2 * n)
        R2, w2 = _residual(fine, grid, X, want_w=True)
        if w2 is None:
            w2 = fine.g ** 2 * fine.kernel("dphi", X[:grid.M + 1], fine.psi(grid.tau), X[0],
                                           X[-1] if fine.balance else 0.0)
        m = X[-1] if prob.balance else 0.0
        w1 = prob.g ** 2 * prob.kernel("dphi", X[:grid.M + 1], prob.psi(grid.tau), X[0], m)
        if np.abs(R2).max() <= tol * X[0] and np.abs(w2 - w1).max() <= _THETA_WTOL:
            info = dict(info, n_theta=n)
            return prob, X, info
        X, info = _newton(fine, grid, X, tol)
        count.iterations += info["newton_iterations"]
        prob = fine


def _continue(solve_at, a0, state0, a1, count, max_halvings):
    """Continuation in amplitude from a converged state at a0 to a1, step halving on failure."""
    a, st = a0, state0
    step = a1 - a0
    halvings = 0
    while a != a1:
        trial = a1 if abs(step) >= abs(a1 - a) else a + step
        try:
            st = solve_at(trial, st)
        except ConvergenceError:
            halvings += 1
            if halvings > max_halvings:
                raise ConvergenceError("amplitude continuation failed: step halved too often",
                                       {"from": a0, "to": a1, "reached": a, "halvings": halvings}) from None
            step *= 0.5
            continue
        count.fallbacks += 1
        a = trial
        step *= 2.0
    return st


# ---------------------------------------------------------------- periodic state

def _periodic_guess_from(prob, grid, st):
    """Periodic guess from another periodic state (phase-preserving if the period differs)."""
    scale = st.prob.period / prob.period
    D = st.delta(grid.tau * scale)
    return np.append(D, st.m) if prob.balance else D


def _picard_guess(prob, grid):
    """Picard from the response to the input (stable periodic states converge); balanced: from the
    no-input variance, with the balance solved for m at each step."""
    if not prob.balance:
        X = np.full(grid.M + 1, 0.5 * prob.amp ** 2 + 0.1)
        for _ in range(4):
            R = _residual(prob, grid, X)
            X = X - R
        return X
    D = np.full(grid.M + 1, _reference(prob).variance)
    for _ in range(6):
        m = _balanced_guess_m(prob, D[0])
        C = prob.kernel("phi", D, prob.psi(grid.tau), D[0], m)
        D = grid.apply_G(prob.g ** 2 * C + prob.drive(grid.tau))
        if not D[0] > 0:
            raise ConvergenceError("Picard iteration of the periodic state lost the variance", {})
    return np.append(D, _balanced_guess_m(prob, D[0]))


def _periodic_state(prob, opts, count, guesses=()):
    """Delta of period T (one half period, L = T/2): Newton from the guesses, then from Picard, then
    continuation down from a larger (entrained) amplitude."""
    grid = _grid_for(prob, 0.0, 0.1, periods=1)
    errors = []
    for st in guesses:
        if st is None:
            continue
        try:
            X0 = _periodic_guess_from(prob, grid, st)
            return _run_newton(prob, grid, X0, opts["tol"], count, "periodic")
        except ConvergenceError as exc:
            errors.append(str(exc)[:200])
    try:
        return _run_newton(prob, grid, _picard_guess(prob, grid), opts["tol"], count, "periodic")
    except (ConvergenceError, ValueError) as exc:
        errors.append(str(exc)[:200])
    # continuation from a larger amplitude, where the input entrains the network
    near = [st for st in guesses if st is not None]
    for big in ([st.amp for st in near if st.amp > prob.amp] + [2.0 * prob.amp + 0.5, 4.0 * prob.amp + 2.0]):
        p0 = prob.at(big)
        try:
            st0 = _periodic_state_plain(p0, grid, opts, count, near)
        except (ConvergenceError, ValueError) as exc:
            errors.append(str(exc)[:200])
            continue

        def at(a, st, _grid=grid):
            p = prob if a == prob.amp else prob.at(a)
            return _run_newton(p, _grid, _periodic_guess_from(p, _grid, st), opts["tol"], count, "periodic")
        try:
            return _continue(at, big, st0, prob.amp, count, opts["max_halvings"])
        except ConvergenceError as exc:
            errors.append(str(exc)[:200])
    raise ConvergenceError("no periodic (entrained) state found", {"amplitude": prob.amp, "attempts": errors})


def _periodic_state_plain(prob, grid, opts, count, near):
    for st in near:
        if st.amp == prob.amp:
            return st
    return _run_newton(prob, grid, _picard_guess(prob, grid), opts["tol"], count, "periodic")


# ---------------------------------------------------------------- chaotic state

_REF_CACHE = {}


def _reference(prob):
    """No-input stationary solution (the I1 -> 0 limit) as a starting point (cached for built-in phi)."""
    key = (prob.g, prob.nl.name, prob.balance)
    if prob.nl.code != K.USER and key in _REF_CACHE:
        return _REF_CACHE[key]
    if prob.balance:
        J0, I0, Kb = prob.balance
        ref = solve_balanced(prob.g, J0, I0, Kb, phi=prob.nl)
    else:
        ref = solve_scs(prob.g, phi=prob.nl)
    if prob.nl.code != K.USER:
        _REF_CACHE[key] = ref
    return ref


def _chaotic_grid(prob, ref, opts):
    kappa = ref.diagnostics.get("kappa", 1.0) if ref.chaotic else 1.0
    L_need = max(opts["box"], ref.tau[-1] if ref.chaotic else 0.0, 30.0 / kappa)
    return _grid_for(prob, L_need, opts["dtau"])


def _decaying_part(st):
    T = st.prob.period
    if not math.isfinite(T):
        return None
    nT = T * math.floor(st.grid.L / T)
    return float((st.D[0] - st.delta(np.array([nT]))[0]) / st.D[0])


def _chaotic_ok(st):
    dec = _decaying_part(st)
    if dec is not None and dec < 1e-6:
        raise ConvergenceError("the chaotic Newton solve returned to a periodic state",
                               {"decaying_part": dec})
    return st


def _chaotic_state(prob, opts, count, guess=None, periodic=None, direct_only=False):
    """Chaotic solution on a box of several half-periods: Newton from the guess (a neighbouring chaotic
    state), the no-input orbit and the periodic state with the no-input bump; then continuation in
    amplitude from the guess or from the no-input solution."""
    ref = _reference(prob)
    if not ref.chaotic and periodic is None and prob.kind != "ou" and guess is None:
        raise ConvergenceError("no chaotic no-input solution to start from", {"g": prob.g})
    grid = _chaotic_grid(prob, ref, opts)
    base = np.interp(grid.tau, ref.tau, ref.autocorrelation, right=ref.asymptote)

    def with_m(D, m):
        return np.append(D, m) if prob.balance else D
    cands = []
    if guess is not None:
        cands.append(with_m(guess.delta(grid.tau * (guess.prob.period / prob.period)
                                        if math.isfinite(prob.period) and math.isfinite(guess.prob.period)
                                        else grid.tau), guess.m))
    cands.append(with_m(base + grid.apply_G(prob.drive(grid.tau)), ref.mean_input))
    if periodic is not None:
        P = periodic.delta(grid.tau)
        cands.append(with_m(P + (base - ref.asymptote), periodic.m))     # no-input bump on the periodic state
    errors = []
    for X0 in cands:
        try:
            return _chaotic_ok(_run_newton(prob, grid, X0, opts["tol"], count, "chaotic"))
        except ConvergenceError as exc:
            errors.append(str(exc)[:200])
    if direct_only:
        raise ConvergenceError("no chaotic solution found from the guess, the no-input orbit or the periodic "
                               "state", {"amplitude": prob.amp, "attempts": errors})

    def at(a, st):
        p = prob if a == prob.amp else prob.at(a)
        scale = st.prob.period / p.period if math.isfinite(p.period) else 1.0
        X0 = with_m(st.delta(grid.tau * scale), st.m)
        return _chaotic_ok(_run_newton(p, grid, X0, opts["tol"], count, "chaotic"))
    starts = []
    if guess is not None and guess.grid.L == grid.L and guess.prob.omega == prob.omega:
        starts.append(guess)
    if ref.chaotic or prob.kind == "ou":
        starts.append(None)
    for st0 in starts:
        try:
            if st0 is None:
                a0 = min(1e-3, 0.5 * prob.amp)
                st0 = _run_newton(prob.at(a0), grid, cands[-2 if periodic is not None else -1], opts["tol"],
                                  count, "chaotic")
            return _continue(at, st0.amp, st0, prob.amp, count, opts["max_halvings"])
        except ConvergenceError as exc:
            errors.append(str(exc)[:200])
    raise ConvergenceError("no chaotic solution found from the guess, the no-input orbit, the periodic state "
                           "or by amplitude continuation", {"amplitude": prob.amp, "attempts": errors})


# ====================================================================== parameters

def model_parameters(model):
    """Plain keyword arguments of :func:`solve_independent` for a model.

    Parameters
    ----------
    model : RandomNetwork or BalancedNetwork
        With ``SineInput(..., correlation="independent")``, ``OUInput(..., "independent")`` or
        no input (amplitude 0).

    Returns
    -------
    dict
        ``g, amplitude, frequency, input, tau, phi, time, leak`` and, for the balanced network,
        ``J0, I0, K``.

    Raises
    ------
    TypeError
        Not a network model, or an input type the theory does not know.
    UnsupportedRegimeError
        Common or partially common input, sparse balanced couplings, or another regime the
        independent-input DMFT does not cover (the message names what to change).
    """
    from ..inputs import OUInput, SineInput
    from ..models import BalancedNetwork, RandomNetwork
    if not isinstance(model, (RandomNetwork, BalancedNetwork)):
        raise TypeError(f"model must be a RandomNetwork or BalancedNetwork, got {type(model).__name__}")
    inp = model.input
    if inp is not None and not isinstance(inp, (SineInput, OUInput)):
        raise TypeError(f"model.input must be SineInput, OUInput or None, got {type(inp).__name__}")
    if inp is not None and inp.c != 0.0:
        raise UnsupportedRegimeError("stationary DMFT covers independent input (correlation 0) only; common "
                                     "or partially common input is non-stationary: use "
                                     "meanfield.dmft.lyapunov_max (non-stationary DMFT) or set "
                                     "correlation='independent'")
    p = {"g": model.g, "phi": model.nonlinearity, "time": getattr(model, "time", "continuous"),
         "leak": getattr(model, "leak", 1.0)}
    if isinstance(model, BalancedNetwork):
        if model.connectivity != "dense":
            raise UnsupportedRegimeError("stationary DMFT covers dense BalancedNetwork couplings: use "
                                         "connectivity='dense'")
        p.update({"J0": model.J0, "I0": model.I0, "K": model.K})
    if inp is None:
        p.update({"amplitude": 0.0, "frequency": None, "input": "sine"})
    elif isinstance(inp, OUInput):
        p.update({"amplitude": inp.std, "frequency": None, "input": "ou", "tau": inp.tau})
    else:
        p.update({"amplitude": inp.amplitude, "frequency": inp.frequency, "input": "sine"})
    return p


def _resolve(g, amplitude, frequency, input, tau, phi, J0, I0, K, time, leak, phase_average, n_theta):
    """Checked plain parameters -> (_Problem or None for discrete, params dict)."""
    g = check_real("g", g, 0.0)
    amplitude = check_real("amplitude", amplitude, 0.0)
    check_choice("input", input, {"sine", "ou"})
    check_choice("phase_average", phase_average, {"exact", "gaussian"})
    check_choice("time", time, {"continuous", "discrete"})
    leak = check_real("leak", leak, 0.0, 1.0, low_open=True)
    if n_theta is not None:
        n_theta = check_int("n_theta", n_theta, 4, 4096)
    given = [x is not None for x in (J0, I0, K)]
    if any(given) and not all(given):
        raise ValueError("give all of J0, I0, K (balanced network) or none of them (SCS network)")
    balanced = all(given)
    nl = nonlinearities.resolve(phi if phi is not None else ("relu" if balanced else "tanh"))
    if balanced:
        J0 = check_real("J0", J0, 0.0, low_open=True)
        I0 = check_real("I0", I0, 0.0)
        K = check_int("K", K, 1)
        if nl.name != "relu":
            raise UnsupportedRegimeError(f"the balanced DMFT supports phi='relu' only, got {nl.name!r}: use "
                                         "phi='relu'")
        if time != "continuous":
            raise UnsupportedRegimeError("the balanced DMFT with input is continuous-time only: use "
                                         "time='continuous'")
        if g * g <= 2.0:
            raise UnsupportedRegimeError("balanced DMFT with input needs the chaotic no-input branch: use "
                                         "g > sqrt(2)")
        balance = (J0, I0, K)
    else:
        if nl.name in ("relu", "linear"):
            raise UnsupportedRegimeError(f"phi = {nl.name!r} is positively homogeneous: give J0, I0, K (the "
                                         "balanced network)")
        balance = None
    if input == "sine":
        if amplitude > 0 or frequency is not None:
            frequency = check_real("frequency", frequency, 0.0, low_open=True)
        kind, omega, tau_s = "sine", (2 * math.pi * frequency if frequency is not None else 0.0), 1.0
    else:
        tau_s = check_real("tau", tau, 0.0, low_open=True)
        kind, omega = "ou", 0.0
    if amplitude == 0:
        kind = "none"
    params = {"model": "BalancedNetwork" if balanced else "RandomNetwork", "g": g, "phi": nl.name,
              "time": time, "leak": leak, "input": input, "amplitude": amplitude}
    if input == "sine":
        params["frequency"] = frequency
    else:
        params["tau"] = tau_s
    if balanced:
        params.update({"J0": J0, "I0": I0, "K": K})
    prob = _Problem(nl, g, kind, amplitude, omega, tau_s, phase_average, balance, n_theta)
    if kind == "sine":
        params["phase_average"] = "exact" if phase_average == "exact" else "gaussian (approximation)"
        params["filtered_amplitude"] = amplitude / math.sqrt(1 + omega ** 2) if time == "continuous" \
            else amplitude
        params["n_theta"] = prob.kernel.n_theta
    return prob, params


# ====================================================================== solver

def solve_independent(g, amplitude=None, frequency=None, *, input="sine", tau=None, phi=None, J0=None,
                      I0=None, K=None, time="continuous", leak=1.0, phase_average="exact", branch="auto",
                      guess=None, tol=1e-11, n_theta=None, box=60.0, dtau=0.1, h_lambda=None, tau_max=None,
                      n_tau=2001, max_halvings=12):
    r"""Stationary DMFT of a network with independent input (random-phase sine or OU).

    Plain parameters (NNMT's pattern): the SCS network
    :math:`\dot h = -h + J\phi(h) + I` by default, the balanced ReLU network
    (:math:`m = \sqrt K (I_0 - J_0\nu)`, dense) when ``J0, I0, K`` are given.

    Parameters
    ----------
    g : float
        Coupling gain.  (A model as the first argument is deprecated: use
        :func:`meanfield.dmft.solve`; its parameters come from :func:`model_parameters`.)
    amplitude : float
        Sine amplitude :math:`I_1` (``input="sine"``) or OU standard deviation σ
        (``input="ou"``), ≥ 0.  0 returns the no-input solution (``solve_scs``/``solve_balanced``).
    frequency : float
        Sine frequency f (cycles per τ; per iteration in discrete time), > 0.
    input : {"sine", "ou"}
        Independent random-phase sinusoids or independent OU processes.
    tau : float
        OU correlation time :math:`\tau_s` (``input="ou"``).
    phi : str, pair or Nonlinearity, optional
        Transfer function (default "tanh"; "relu" for the balanced network, the only one it
        supports).
    J0, I0, K : float, float, int, optional
        Balanced network: mean coupling, external drive, in-degree (all or none).
    time : {"continuous", "discrete"}
        Discrete time: SCS network :math:`h_{t+1} = J\phi(h_t) + I_t` (leak 1, memoryless).
    leak : float
        Leak step Δ of discrete time; only 1 is covered with input.
    phase_average : {"exact", "gaussian"}
        "exact" averages over the sine's phase θ explicitly (the DMFT of [RAS]);
        "gaussian" is an *approximation*: the sinusoid replaced by a Gaussian process of
        the same covariance :math:`(I_1^2/2)\cos\omega\tau`.  Ignored for OU input.
    branch : {"auto", "periodic", "chaotic"}
        "auto": the periodic (entrained) state if its Floquet exponent
        :math:`\lambda_P \le 0`, else the chaotic solution (see the module docstring).
        "periodic" forces the periodic state (unstable if :math:`\lambda_P > 0`); "chaotic"
        the chaotic solution.
    guess : IndependentSolution, optional
        A solution at a neighbouring amplitude or frequency (same network): Newton starts
        from its state, and amplitude continuation starts from it when the direct solve fails.
    tol : float
        Newton tolerance on the residual of Δ, relative to :math:`\Delta_0`, in (0, 1e-3].
    n_theta : int, optional
        θ grid.  Default for ReLU, erf, linear: adaptive, 16 nodes doubled until the converged
        state solves the equation on the doubled grid (residual below ``tol``) and
        :math:`g^2C_{\phi'}` on the τ grid agrees to 1e-11; for tanh and user φ (tabulated):
        16, 32, ... ≥ 12(1 + A) + 8.
    box : float
        Minimal half-length L (τ) of the periodic τ-domain of the chaotic solution
        (rounded up to a multiple of T/2 and to 30/κ of the no-input orbit).
    dtau : float
        Grid spacing (τ) of Δ, at most T/24.
    h_lambda : float, optional
        Cell width of the Schrödinger problem (Richardson with h and h/2); default 0.05 on
        the chaotic box, 0.02 on the periodic half period (at most L/64).
    tau_max, n_tau
        Output grid of the autocorrelation (default extent: the box).
    max_halvings : int
        Step halvings allowed in a continuation before it gives up.

    Returns
    -------
    IndependentSolution
        ``lambda_max`` (1/τ; per iteration in discrete time), ``lambda_max_error``,
        ``branch``, ``variance`` and ``autocorrelation`` of the total input fluctuation
        :math:`x + y` (:math:`\Delta(\tau) + (A^2/2)\cos\omega\tau` for the exact sine);
        ``diagnostics``: the standard record (``converged``, ``iterations`` (Newton steps),
        ``n_evaluations`` (residual evaluations), ``fallbacks`` (continuation steps)) plus
        ``recurrent_variance`` (:math:`\Delta_0` of x alone), ``periodic_lambda`` (the Floquet
        exponent :math:`\lambda_P`), ``box_length``, residual history.  ``asymptote``: the mean
        of the periodic tail over one period.  ``potential_delta``/``potential`` are empty.

    Raises
    ------
    ConvergenceError
        No solution of the requested branch (diagnostics: the attempts).
    UnsupportedRegimeError
        Regimes listed in the module docstring.
    """
    if not isinstance(g, (int, float, np.integer, np.floating)) or isinstance(g, bool):
        from ..models import BalancedNetwork, RandomNetwork
        if not isinstance(g, (RandomNetwork, BalancedNetwork)):
            raise TypeError("model must be a RandomNetwork or BalancedNetwork (or give g), got "
                            f"{type(g).__name__}")
        warnings.warn("solve_independent(model, ...) is deprecated: use meanfield.dmft.solve(model) or "
                      "solve_independent(**model_parameters(model))", DeprecationWarning, stacklevel=2)
        if amplitude is not None and not isinstance(amplitude, (int, float)):
            phase_average = amplitude        # old positional phase_average
        kw = model_parameters(g)
        if kw["amplitude"] == 0:
            raise ValueError("model.input is None: use meanfield.dmft.stationary / solve_scs / "
                             "solve_balanced")
        g, amplitude, frequency = kw["g"], kw["amplitude"], kw["frequency"]
        input, tau, phi, time, leak = kw["input"], kw.get("tau"), kw["phi"], kw["time"], kw["leak"]
        J0, I0, K = kw.get("J0"), kw.get("I0"), kw.get("K")
    if amplitude is None:
        raise TypeError("solve_independent() needs amplitude (the sine amplitude or the OU std)")
    tol = check_real("tol", tol, 0.0, 1e-3, low_open=True)
    box = check_real("box", box, 1.0, 1e5)
    dtau = check_real("dtau", dtau, 0.0, 0.5, low_open=True)
    n_tau = check_int("n_tau", n_tau, 2)
    max_halvings = check_int("max_halvings", max_halvings, 0, 60)
    check_choice("branch", branch, {"auto", "periodic", "chaotic"})
    if tau_max is not None:
        tau_max = check_real("tau_max", tau_max, 0.0, low_open=True)
    if h_lambda is not None:
        h_lambda = check_real("h_lambda", h_lambda, 0.0, 0.5, low_open=True)
    if guess is not None and not isinstance(guess, IndependentSolution):
        raise TypeError(f"guess must be an IndependentSolution, got {type(guess).__name__}")
    prob, params = _resolve(g, amplitude, frequency, input, tau, phi, J0, I0, K, time, leak, phase_average,
                            n_theta)
    opts = {"phase_average": phase_average, "tol": tol, "n_theta": prob.kernel.n_theta, "box": box,
            "dtau": dtau, "h_lambda": h_lambda, "branch": branch, "max_halvings": max_halvings}
    if time == "discrete":
        return _solve_discrete(prob, params, opts, leak, n_tau)
    if prob.kind == "none":
        return _no_input(prob, params, opts, tau_max, n_tau)
    return _solve(prob, params, opts, branch, guess, tau_max, n_tau)


class _Stored:
    """A state rebuilt from a result (for ``guess=``)."""

    class _P:
        def __init__(self, omega):
            self.omega = omega
            self.period = 2 * math.pi / omega if omega > 0 else math.inf

    class _G:
        def __init__(self, L):
            self.L = L

    def __init__(self, coef, L, m, amp, omega):
        self.coef, self.grid, self.m, self.amp = coef, self._G(L), float(m), float(amp)
        self.prob = self._P(omega)

    def delta(self, tau):
        return _eval_cosine(self.coef, self.grid.L, np.mod(tau, 2 * self.grid.L))


def _stored(res, kind):
    if res is None:
        return None
    f = res.parameters.get("frequency")
    omega = 2 * math.pi * f if f else 0.0
    amp = res.parameters.get("amplitude", 0.0)
    if kind == "periodic":
        if res.periodic_coefficients.size == 0:
            return None
        return _Stored(res.periodic_coefficients, res.diagnostics["periodic_box_length"],
                       res.diagnostics.get("periodic_mean_input", 0.0), amp, omega)
    if res.branch == "periodic" or res.coefficients.size == 0:
        return None
    return _Stored(res.coefficients, res.diagnostics["box_length"], res.mean_input, amp, omega)


_MERGE_LAMBDA = 1e-3    # 0 < lambda_P below this: the chaotic branch may have merged with the periodic one


def _solve(prob, params, opts, branch, guess, tau_max, n_tau):
    count = _Counter()
    diag = {}
    per = None
    if prob.periodic and branch in ("auto", "periodic"):
        try:
            per = _periodic_state(prob, opts, count, (_stored(guess, "periodic"),))
            per.exponent(opts.get("h_lambda"))
        except ConvergenceError as exc:
            if branch == "periodic":
                raise
            per = None
            diag["periodic_state_error"] = str(exc)[:500]
        if per is not None:
            diag.update({"periodic_lambda": per.lam, "periodic_newton": per.info})
            if branch == "periodic" or per.lam <= 0:
                return _package(prob, params, opts, per, per, diag, tau_max, n_tau, count)
    gC = _stored(guess, "chaotic")
    merging = per is not None and per.lam <= _MERGE_LAMBDA and branch == "auto"
    try:
        ch = _chaotic_state(prob, opts, count, gC, per, direct_only=merging)
    except ConvergenceError as exc:
        if not merging:
            raise
        # at the transition the chaotic solution merges with the periodic one (lambda_C -> lambda_P -> 0)
        diag.update({"merged": True, "chaotic_state_error": str(exc)[:500]})
        count.notes.append("chaotic solution merged with the periodic state (0 < lambda_P = "
                           f"{per.lam:.3g} <= {_MERGE_LAMBDA:g}): periodic exponent reported")
        return _package(prob, params, opts, per, per, diag, tau_max, n_tau, count)
    ch.exponent(opts.get("h_lambda"))
    dec = _decaying_part(ch)
    if dec is not None:
        diag["decaying_part"] = dec
    return _package(prob, params, opts, ch, per, diag, tau_max, n_tau, count)


def _package(prob, params, opts, st, per, diag, tau_max, n_tau, count):
    grid = st.grid
    D = st.D
    m = st.m
    v = float(D[0])
    A = st.prob.kernel.A
    tmax = grid.L if tau_max is None else tau_max
    tau = np.linspace(0.0, tmax, n_tau)
    if tau_max is None and n_tau - 1 >= grid.M:
        Dx = grid.evaluate_uniform(D, n_tau - 1)
    else:
        Dx = st.delta(tau)
    total = Dx + 0.5 * A * A * np.cos(prob.omega * tau) if A > 0 else Dx
    nu = st.prob.kernel.mean("phi", v, m)
    frac = st.prob.kernel.mean("dphi", v, m) if prob.nl.code == K.RELU else None
    T = prob.period
    if math.isfinite(T):
        tt = grid.L - 0.5 * T + np.linspace(0, T, 64, endpoint=False)
        asym = float(np.mean(st.delta(tt)))
    else:
        asym = float(D[-1])
    if st.kind == "periodic":
        branch = "periodic"
    elif prob.periodic or st.lam > 0:
        branch = "chaotic"
    else:
        branch = "stable"
    extra = dict(diag)
    extra.update(st.info)
    extra.update({"recurrent_variance": v, "box_length": grid.L, "grid_points": grid.M + 1,
                  "n_theta": st.prob.kernel.n_theta, "tables_built": st.prob.kernel.n_tables,
                  "lambda_richardson_error": st.err, "h_lambda": st.h,
                  "kernel_points": st.prob.kernel.n_points, "notes": count.notes})
    pcoef = np.empty(0)
    if per is not None:
        pcoef = per.grid.coefficients(per.D)
        extra.update({"periodic_box_length": per.grid.L, "periodic_mean_input": per.m})
    settings = dict(opts)
    settings.update({"h_lambda": st.h, "n_theta": "adaptive" if st.prob.adaptive else st.prob.kernel.n_theta})
    if "n_theta" in params:
        params["n_theta"] = st.prob.kernel.n_theta
    return IndependentSolution(
        variance=v + 0.5 * A * A, asymptote=asym, tau=tau, autocorrelation=total, mean_input=m,
        mean_rate=nu, fraction_active=frac, chaotic=bool(st.kind == "chaotic" and st.lam > 0),
        lambda_max=float(st.lam), lambda_max_error=float(st.err), ground_state_energy=float(st.E0),
        potential_delta=np.empty(0), potential=np.empty(0), parameters=params,
        diagnostics=diagnostics(True, count.iterations, prob.stats["residuals"], count.fallbacks,
                                **extra),
        settings=settings, branch=branch, coefficients=grid.coefficients(D), periodic_coefficients=pcoef)


_FIELDS = ("variance", "asymptote", "tau", "autocorrelation", "mean_input", "mean_rate", "fraction_active",
           "chaotic", "lambda_max", "lambda_max_error", "ground_state_energy", "potential_delta", "potential")


def _no_input(prob, params, opts, tau_max, n_tau):
    """Amplitude 0: the no-input stationary solution, as an IndependentSolution."""
    if prob.balance:
        J0, I0, Kb = prob.balance
        ref = solve_balanced(prob.g, J0, I0, Kb, phi=prob.nl, tau_max=tau_max, n_tau=n_tau)
    else:
        ref = solve_scs(prob.g, phi=prob.nl, tau_max=tau_max, n_tau=n_tau)
    kw = {f: getattr(ref, f) for f in _FIELDS}
    extra = dict(ref.diagnostics)
    extra.update({"recurrent_variance": ref.variance,
                  "solver": "solve_balanced" if prob.balance else "solve_scs"})
    for k in ("converged", "iterations", "n_evaluations", "fallbacks"):
        extra.pop(k, None)
    return IndependentSolution(**kw, parameters=params, diagnostics=diagnostics(True, 0, 0, 0, **extra),
                               settings=dict(opts), branch="chaotic" if ref.lambda_max > 0 else "stable")


# ====================================================================== discrete time

def _solve_discrete(prob, params, opts, leak, n_tau):
    r"""Discrete-time SCS network with leak 1: memoryless single-site statistics.

    .. math:: \Delta_0 = g^2 E_{z,\theta}[\phi(\sqrt{\Delta_0}z + \mu_\theta)^2] + \sigma^2_{OU},\quad
              \lambda_\max = \tfrac12\ln\big(g^2 E_{z,\theta}[\phi'(\sqrt{\Delta_0}z + \mu_\theta)^2]\big),

    :math:`\mu_\theta = I_1\sin\theta` (no filter in discrete time), θ on a periodic trapezoid grid
    doubled until λ and Δ0 agree to 1e-13.
    """
    if leak != 1.0:
        raise UnsupportedRegimeError("discrete-time DMFT with input covers leak = 1 only (memoryless map): "
                                     "use leak=1.0 or time='continuous'")
    if prob.kind != "none" and prob.kind == "sine" and prob.phase_average != "exact":
        raise UnsupportedRegimeError("discrete time uses the exact phase average only: phase_average='exact'")
    nl, g = prob.nl, prob.g
    if prob.kind == "none":
        ref = solve_scs(g, phi=nl, time="discrete", leak=1.0)
        return IndependentSolution(
            **{f: getattr(ref, f) for f in _FIELDS}, parameters=params,
            diagnostics=diagnostics(True, 0, 0, 0, solver="solve_scs"), settings=dict(opts),
            branch="chaotic" if ref.lambda_max > 0 else "stable")
    sig2 = prob.amp ** 2 if prob.kind == "ou" else 0.0
    I1 = prob.amp if prob.kind == "sine" else 0.0
    n_evals = [0]

    def solve(nth):
        th = 2 * np.pi * np.arange(nth) / nth
        mu = I1 * np.sin(th) if I1 > 0 else np.zeros(1)

        def E(f, v):
            n_evals[0] += mu.size
            return float(np.mean(G.expect(f, mu, v + sig2, phi=nl)))

        def F(v):
            return g * g * E("phi2", v) - v
        lo, hi = 0.0, max(1.0, g * g)
        if F(lo) <= 0:
            v = 0.0
        else:
            while F(hi) > 0:
                hi *= 2.0
                if hi > 1e12:
                    raise ConvergenceError("discrete DMFT: variance diverges", {"g": g})
            v = brentq(F, lo, hi, xtol=1e-15, rtol=1e-15)
        return v, 0.5 * math.log(g * g * E("dphi2", v)), E("phi", v)
    nth = opts["n_theta"] if I1 > 0 else 1
    nth = max(nth, 64) if I1 > 0 else 1
    v, lam, nu = solve(nth)
    err = 0.0
    it = 1
    while I1 > 0:
        v2, lam2, nu2 = solve(2 * nth)
        it += 1
        err = abs(lam2 - lam)
        nth *= 2
        v, lam, nu = v2, lam2, nu2
        if (err < 1e-13 and abs(v2 - v) < 1e-13 * max(v, 1.0)) or nth >= 4096:
            break
    var = v + sig2 + 0.5 * I1 * I1
    branch = "chaotic" if lam > 0 else ("periodic" if prob.kind == "sine" else "stable")
    settings = dict(opts)
    settings["n_theta"] = nth
    params["n_theta"] = nth
    return IndependentSolution(
        variance=var, asymptote=float("nan"), tau=np.zeros(1), autocorrelation=np.array([var]),
        mean_input=0.0,
        mean_rate=nu, fraction_active=None, chaotic=bool(lam > 0), lambda_max=float(lam),
        lambda_max_error=float(err), ground_state_energy=None, potential_delta=np.empty(0),
        potential=np.empty(0), parameters=params,
        diagnostics=diagnostics(True, it, n_evals[0], 0, recurrent_variance=v, n_theta=nth,
                                note="memoryless map: autocorrelation given at lag 0 only"),
        settings=settings, branch=branch)


# ====================================================================== scans

def _plain_args(g, kwargs, what):
    """(plain kwargs, deprecated?) from a model or g as the first argument."""
    if isinstance(g, (int, float, np.integer, np.floating)) and not isinstance(g, bool):
        kw = dict(kwargs)
        kw["g"] = g
        return kw
    from ..models import BalancedNetwork, RandomNetwork
    if not isinstance(g, (RandomNetwork, BalancedNetwork)):
        raise TypeError("model must be a RandomNetwork or BalancedNetwork (or give g), got "
                        f"{type(g).__name__}")
    warnings.warn(f"{what}(model, ...) is deprecated: give plain parameters, e.g. "
                  f"{what}(**model_parameters(model), ...)", DeprecationWarning, stacklevel=3)
    kw = model_parameters(g)
    kw.update(kwargs)
    return kw


def lambda_max_curve(g, amplitudes=None, frequencies=None, **kwargs):
    r"""Largest exponent of the independent-input DMFT along a line of amplitudes or frequencies.

    Continuation along the curve: amplitudes are solved in increasing order, each from its
    neighbour (``guess=``); the periodic states are first followed *down* from the largest
    amplitude (where the input entrains the network and Picard iteration converges) to the
    amplitude where :math:`\lambda_P` turns positive, the chaotic states then *up* from the
    no-input solution.  Frequencies are solved in the given order, each from its neighbour.

    Parameters
    ----------
    g : float
        Coupling gain (a model is accepted for one release, deprecated).
    amplitudes, frequencies : array_like
        Exactly one of them (amplitude >= 0: I1, or σ for OU input; frequency > 0).
    **kwargs
        The other parameters of :func:`solve_independent` (``amplitude`` or ``frequency``
        for the fixed one, ``phi``, ``J0, I0, K``, ``input``, ``tau``, ``phase_average``,
        ``tol``, ...).  ``branch`` applies to every point.

    Returns
    -------
    LambdaCurve
    """
    kw = _plain_args(g, kwargs, "lambda_max_curve")
    if (amplitudes is None) == (frequencies is None):
        raise ValueError("give exactly one of amplitudes= and frequencies=")
    name = "amplitudes" if amplitudes is not None else "frequencies"
    vals = np.atleast_1d(G._real_array(name, amplitudes if amplitudes is not None else frequencies))
    if amplitudes is not None and np.any(vals < 0):
        raise ValueError("amplitudes must be >= 0")
    if frequencies is not None and np.any(vals <= 0):
        raise ValueError("frequencies must be > 0")
    if frequencies is not None and kw.get("input", "sine") != "sine":
        raise ValueError("frequencies= needs sine input")
    branch_req = kw.pop("branch", "auto")
    kw.pop("guess", None)
    n = vals.size
    res = [None] * n
    if amplitudes is not None:
        kw.pop("amplitude", None)
        order = np.argsort(vals, kind="stable")
        sine = kw.get("input", "sine") == "sine" and kw.get("time", "continuous") == "continuous"
        per = {}
        if sine and branch_req == "auto":
            # periodic states down from the top, while they are stable (lambda_P <= 0)
            prev = None
            for i in order[::-1]:
                if vals[i] == 0:
                    break
                try:
                    s = solve_independent(amplitude=float(vals[i]), branch="periodic", guess=prev, **kw)
                except ConvergenceError:
                    break
                per[i] = s
                prev = s
                if s.lambda_max > 0:
                    break
        prev = None
        for i in order:
            if i in per and per[i].lambda_max <= 0:
                res[i] = per[i]
                continue
            if vals[i] == 0:
                res[i] = prev = solve_independent(amplitude=0.0, branch=branch_req, **kw)
                continue
            guess = prev if (prev is not None and prev.coefficients.size and prev.parameters["amplitude"] > 0
                             and prev.branch != "periodic") else None
            if guess is None and i in per:
                guess = per[i]
            res[i] = solve_independent(amplitude=float(vals[i]), branch=branch_req, guess=guess, **kw)
            prev = res[i]
    else:
        kw.pop("frequency", None)
        prev = None
        for i, f in enumerate(vals):
            res[i] = prev = solve_independent(frequency=float(f), branch=branch_req, guess=prev, **kw)
    amps = np.array([r.parameters["amplitude"] for r in res], dtype=float)
    freqs = np.array([r.parameters.get("frequency") if r.parameters.get("frequency") is not None else np.nan
                      for r in res], dtype=float)
    diag = diagnostics(True, sum(r.diagnostics["iterations"] for r in res),
                       sum(r.diagnostics["n_evaluations"] for r in res),
                       sum(r.diagnostics["fallbacks"] for r in res), points=n)
    first = res[0]
    params = {k: v for k, v in first.parameters.items() if k not in ("amplitude", "frequency")}
    return LambdaCurve(
        amplitudes=amps, frequencies=freqs,
        lambda_max=np.array([r.lambda_max for r in res]),
        lambda_max_error=np.array([r.lambda_max_error for r in res]),
        branch=np.array([r.branch for r in res]), variance=np.array([r.variance for r in res]),
        periodic_lambda=np.array([r.diagnostics.get("periodic_lambda", np.nan) for r in res], dtype=float),
        parameters=params, settings=dict(first.settings, branch=branch_req), diagnostics=diag)


def independent_critical_amplitude(g, frequency=None, bracket=(0.05, 20.0), phase_average="exact", tol=1e-9,
                                   n_theta=None, xtol=1e-6, **kwargs):
    r"""Input amplitude :math:`I_1^*` at which independent sinusoidal input suppresses chaos.

    The periodic (input-locked) state's Floquet exponent :math:`\lambda_P(I_1)` (Schrödinger
    band bottom) is positive below :math:`I_1^*` and negative above; :math:`I_1^*` is its
    root, where the chaotic exponent meets it at zero.  The periodic state is followed by
    continuation down from the top of the bracket (each amplitude from its neighbour) until
    :math:`\lambda_P` changes sign; ``brentq`` then refines the root between the two
    neighbours, each evaluation warm-started from the nearest solved amplitude.
    (:func:`meanfield.critical_amplitude` is the general front end.)

    Parameters
    ----------
    g : float
        Coupling gain (a model with an independent ``SineInput`` is accepted for one release,
        deprecated; its amplitude is ignored).
    frequency : float
        Sine frequency (cycles per τ); overrides a model's.
    bracket : (float, float)
        Amplitude range searched; :math:`\lambda_P` must be positive somewhere in it and
        negative at its top.
    phase_average, tol, n_theta
        As in :func:`solve_independent`.
    xtol : float
        Absolute tolerance on :math:`I_1^*`.
    **kwargs
        Network parameters of :func:`solve_independent` (``phi``, ``J0, I0, K``).

    Returns
    -------
    float
    """
    if not isinstance(g, (int, float, np.integer, np.floating)) or isinstance(g, bool):
        from ..inputs import SineInput
        if getattr(g, "input", None) is not None and not isinstance(g.input, SineInput):
            raise TypeError("model.input must be an independent SineInput")
    kw = _plain_args(g, kwargs, "independent_critical_amplitude")
    if kw.get("input", "sine") != "sine":
        raise TypeError("the critical amplitude needs sine input")
    if frequency is not None:
        kw["frequency"] = check_real("frequency", frequency, 0.0, low_open=True)
    kw.pop("amplitude", None)
    lo, hi = (check_real("bracket[0]", bracket[0], 0.0, low_open=True),
              check_real("bracket[1]", bracket[1], 0.0, low_open=True))
    if not lo < hi:
        raise ValueError(f"bracket must be increasing, got {bracket!r}")
    xtol = check_real("xtol", xtol, 0.0, low_open=True)
    kw.update({"phase_average": phase_average, "tol": tol, "n_theta": n_theta, "branch": "periodic",
               "n_tau": 2})
    cache = {}

    def solve(I1):
        if I1 not in cache:
            near = min(cache, key=lambda a: abs(a - I1)) if cache else None
            cache[I1] = solve_independent(amplitude=float(I1), guess=cache.get(near), **kw)
        return cache[I1]

    def lam(x):
        return solve(x).lambda_max

    def refine(a, b):
        return brentq(lam, a, b, xtol=xtol, rtol=1e-10)
    s_hi = solve(hi)
    if s_hi.lambda_max > 0:
        raise ConvergenceError("critical amplitude not bracketed: need lambda(lo) > 0 > lambda(hi)",
                               {"bracket": (lo, hi), "lambda_hi": s_hi.lambda_max,
                                "frequency": kw["frequency"]})
    try:
        if lam(lo) > 0:
            return refine(lo, hi)
    except ConvergenceError:
        pass
    # scan down from the top (geometric steps), continuing the periodic state from its neighbour
    a_prev = hi
    for a in np.geomspace(hi, lo, 13)[1:]:
        if lam(a) > 0:
            return refine(a, a_prev)
        a_prev = a
    raise ConvergenceError("critical amplitude not bracketed: need lambda(lo) > 0 > lambda(hi)",
                           {"bracket": (lo, hi), "lambda_lo": lam(lo), "frequency": kw["frequency"]})
