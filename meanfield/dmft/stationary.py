r"""Stationary dynamic mean-field theory [SCS, KS, EIKGA].

Random (SCS) network, continuous time: the autocovariance
:math:`\Delta(\tau) = \langle h(t)h(t+\tau)\rangle` obeys

.. math::

    \Delta'' = \Delta - g^2 q_\phi(\Delta;\Delta_0) = -\partial_\Delta V,\qquad
    V(\Delta) = -\tfrac12\Delta^2 + g^2\langle\Phi(h_1)\Phi(h_2)\rangle,

with :math:`(h_1,h_2)` jointly Gaussian of variance :math:`\Delta_0` and
covariance :math:`\Delta` (Price's theorem: :math:`\partial_c\langle\Phi\Phi\rangle = q_\phi`).
The chaotic solution leaves :math:`\Delta_0` at rest and reaches the saddle
:math:`\Delta_\infty = g^2 q_\phi(\Delta_\infty)` at rest:
:math:`V(\Delta_0) = V(\Delta_\infty)`.

Balanced network [EIKGA, KS]: :math:`h = m + \tilde h`, the covariance
:math:`c(\tau)` of :math:`\tilde h` obeys the same equation with the
uncentred :math:`q_\phi` at mean m, and the mean is balanced,
:math:`m = \sqrt K(I_0 - J_0\nu)`, :math:`\nu = \sqrt{c_0}F_1(m/\sqrt{c_0})`.
ReLU is positively homogeneous, so :math:`x = m/\sqrt{c_0}` and
:math:`c(\tau)/c_0` depend on g only; the balance fixes the scale:

.. math::

    \nu = \frac{I_0}{J_0 + x/(\sqrt K F_1(x))}.

Discrete time, :math:`h_{t+1} = (1-\Delta)h_t + \Delta(J\phi(h_t))`: with
b = 1 - Δ, :math:`(1+b^2)\Delta_\tau - b(\Delta_{\tau+1}+\Delta_{\tau-1}) = \Delta^2 g^2 q_\phi(\Delta_\tau)`;
Δ = 1 has no memory: :math:`\Delta_0 = g^2\langle\phi^2\rangle`, :math:`\Delta_{\tau\ge1} = \Delta_\infty`.

The largest Lyapunov exponent comes from :mod:`meanfield.dmft.schrodinger`.
"""
import math
import sys
import types
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import brentq
from scipy.special import ndtr

from .. import _gauss_kernels as GK
from .. import gaussian as G
from .. import nonlinearities
from .._transfer import TANH, USER
from .._validation import check_choice, check_int, check_real
from ..errors import ConvergenceError, UnsupportedRegimeError  # noqa: F401
from ..results import Result, provenance, standard_diagnostics
from . import _stationary_kernels as SK
from . import onset as ONSET
from . import schrodinger as S

DMFTConvergenceError = ConvergenceError   # historical name, kept for one release (use ConvergenceError)

H_DEFAULT = 0.02        # coarse Schroedinger spacing: lambda error ~5e-12 relative at g = 2 (tanh)


@dataclass
class StationarySolution(Result):
    r"""Stationary DMFT solution.

    Attributes
    ----------
    variance : float
        :math:`\Delta_0` (SCS) or :math:`c_0` (balanced): variance of the
        input current around its population mean.
    asymptote : float
        :math:`\Delta_\infty = \lim_{\tau\to\infty}\Delta(\tau)`.
    tau, autocorrelation : ndarray
        Lag grid (τ; iterations in discrete time) and :math:`\Delta(\tau)`
        (autocovariance of the fluctuation around the mean).
    mean_input : float
        Population mean input m (0 for the SCS network).
    mean_rate : float
        :math:`\nu = \langle\phi(h)\rangle`; for the balanced network with the
        finite-K correction.
    fraction_active : float or None
        :math:`P(h > 0)` for ReLU (None for other φ).
    chaotic : bool
        True for the chaotic solution, False for a stable fixed point.
    lambda_max : float
        Largest Lyapunov exponent (1/τ; per iteration in discrete time).
    lambda_max_error : float
        Estimated discretisation error of ``lambda_max``.
    ground_state_energy : float or None
        :math:`E_0` of the Schrödinger problem (continuous time).
    potential_delta, potential : ndarray
        V(Δ) on a grid between :math:`\Delta_\infty` and :math:`\Delta_0`
        (continuous time).
    diagnostics : dict
        Consistency checks: energy mismatch of the orbit, the zero-mode
        energy (should vanish), Richardson error.
    """

    variance: float
    asymptote: float
    tau: np.ndarray
    autocorrelation: np.ndarray
    mean_input: float
    mean_rate: float
    fraction_active: object
    chaotic: bool
    lambda_max: float
    lambda_max_error: float
    ground_state_energy: object
    potential_delta: np.ndarray
    potential: np.ndarray
    parameters: dict
    diagnostics: dict
    method: str = "stationary"
    model: object = None
    settings: dict = field(default_factory=dict)
    versions: dict = field(default_factory=provenance)

    def __post_init__(self):
        self.diagnostics = standard_diagnostics(self.diagnostics)

    @property
    def lambda_max_units(self):
        return "per iteration" if self.parameters.get("time") == "discrete" else "1/tau"


_GL48 = np.polynomial.legendre.leggauss(48)


class _Kernel:
    """Gaussian integrals at fixed mean m and variance v, as functions of the covariance c.

    ``q``, ``qd``, ``PP`` (and ``V``) take a float or an array of c.  Built-in transfer
    functions evaluate through the Numba kernels of :mod:`._stationary_kernels` (``kind``:
    Mehler series for tanh at moderate v, else the scalar kernels of
    :mod:`meanfield._gauss_kernels`); user pairs through :func:`meanfield.gaussian.expect2`
    (``kind`` None).
    """

    _NONE = np.zeros((3, 1))

    def __init__(self, nl, m, v):
        self.nl, self.m, self.v = nl, m, v
        self.kind = None
        self.cf = self.tl = self._NONE
        if nl.code != USER:
            self.code = int(nl.code)
            mc = SK.mehler_coefficients(float(m), float(v)) if nl.code == TANH else None
            if mc is not None:
                self.kind = SK.KIND_MEHLER
                self.cf, self.tl = mc
            else:
                self.kind = SK.KIND_Q2

    def _eval(self, which, c):
        if self.kind is None and which == 2:
            return self._pp_price(c)
        if self.kind is None:
            return G.expect2(("phi", "dphi", "Phi")[which], self.m, self.m, self.v, self.v, c, phi=self.nl)
        args = (self.kind, self.code, float(self.m), float(self.v), self.cf, self.tl, which)
        if np.ndim(c) == 0:
            return SK.kval(*args, float(c))
        c = np.asarray(c, dtype=np.float64)
        out = np.empty(c.size)
        SK.kvals(*args, np.ascontiguousarray(c.ravel()), out)
        return out.reshape(c.shape)

    def _pp_price(self, c):
        r"""User pairs carry no primitive Φ: by Price's theorem
        :math:`\langle\Phi\Phi\rangle(c) = \langle\Phi\Phi\rangle(0) + \int_0^c q_\phi(c')\,dc'`;
        the constant drops out of every energy difference and is set to 0 (48-point Gauss–Legendre)."""
        x, w = _GL48
        c = np.asarray(c, dtype=np.float64)
        out = np.empty(c.shape)
        for idx, ci in np.ndenumerate(c):
            nodes = 0.5 * ci * (x + 1.0)
            qs = G.expect2("phi", self.m, self.m, self.v, self.v, nodes, phi=self.nl)
            out[idx] = 0.5 * ci * float(np.dot(w, qs))
        return float(out) if out.ndim == 0 else out

    def q(self, c):
        return self._eval(0, c)

    def qd(self, c):
        return self._eval(1, c)

    def PP(self, c):
        return self._eval(2, c)

    def V(self, c, g):
        return -0.5 * np.multiply(c, c) + g * g * self.PP(c)


def _mean_phi(nl, m, v):
    """<phi(h)>, h ~ N(m, v)."""
    if nl.code == USER:
        return float(G.expect("phi", m, v, phi=nl))
    return float(GK.q1(int(nl.code), GK.F_PHI, float(m), float(v)))


def _saddle(kern, g, v, require=True):
    """Delta_inf: the saddle of the particle, the largest root of F(c) = c - g^2 q(c)
    in [-v, v) with F'(c) = 1 - g^2 q_phi'(c) > 0.

    Without ``require`` (inside the energy root search, away from the solution)
    the root nearest 0 stands in when no root is a saddle.
    """
    F = lambda c: c - g * g * kern.q(c)  # noqa: E731
    # uniform in [-v, v) plus geometric points towards v, where c_inf sits near a transition
    near_v = v * (1.0 - np.geomspace(1e-2, 1e-10, 33))
    grid = np.unique(np.concatenate([np.linspace(-v, v, 201)[:-1], near_v]))
    if isinstance(kern, _Kernel):
        Fv = grid - g * g * kern.q(grid)
    else:
        Fv = np.array([F(c) for c in grid])
    roots = []
    for i in range(grid.size - 1):
        if Fv[i] == 0.0:
            roots.append(grid[i])
        elif Fv[i] * Fv[i + 1] < 0:
            roots.append(brentq(F, grid[i], grid[i + 1], xtol=1e-15 * max(v, 1e-300), rtol=1e-15))
    if not roots:
        raise ConvergenceError("no asymptote Delta_inf of the DMFT particle was found",
                               {"g": g, "variance": v})
    saddles = [r for r in roots if 1.0 - g * g * kern.qd(r) > 0]
    if saddles:
        return max(saddles)
    if require:
        raise ConvergenceError("no saddle Delta_inf (kappa^2 > 0) among the roots of c = g^2 q(c)",
                               {"g": g, "variance": v, "roots": roots})
    return min(roots, key=abs)


class _Dense:
    """Piecewise DOP853 dense output of the Numba orbit, called like scipy's ``OdeSolution``."""

    def __init__(self, t_old, hs, y_old, F):
        self.t_old, self.hs, self.y_old, self.F = t_old, hs, y_old, F

    def component(self, s, j):
        s = np.ascontiguousarray(np.atleast_1d(np.asarray(s, dtype=np.float64)))
        return SK.dense_eval(self.t_old, self.hs, self.y_old, self.F, self.t_old.size, s, j, np.empty(s.size))

    def __call__(self, s):
        out = np.array([self.component(s, 0), self.component(s, 1)])
        return out[:, 0] if np.ndim(s) == 0 else out


class _Orbit:
    """Homoclinic orbit Delta(tau), tau >= 0: dense ODE output, then the saddle's exponential tail."""

    def __init__(self, sol, s_end, c_inf, eps, kappa):
        self.sol, self.s_end, self.c_inf, self.eps, self.kappa = sol, s_end, c_inf, eps, kappa

    def __call__(self, tau):
        tau = np.asarray(tau, dtype=np.float64)
        out = np.empty_like(tau)
        core = tau <= self.s_end
        if isinstance(self.sol, _Dense):
            out[core] = self.sol.component(self.s_end - tau[core], 0)
        else:
            out[core] = self.sol(self.s_end - tau[core])[0]
        t = tau[~core] - self.s_end
        out[~core] = self.c_inf + self.eps * np.exp(-self.kappa * t)
        return out


_DOP = []


def _dop853_tables():
    if not _DOP:
        from scipy.integrate._ivp import dop853_coefficients as c
        _DOP.extend(np.ascontiguousarray(a, dtype=np.float64) for a in (c.A, c.B, c.C, c.E3, c.E5, c.D))
    return _DOP


def _orbit(kern, g, v, c_inf):
    """Integrate Delta'' = Delta - g^2 q(Delta) backwards from the saddle to the turning point.

    Forward shooting from Delta_0 is unstable (homoclinic orbit); backwards,
    the saddle's stable direction becomes the unstable one, rate
    kappa = sqrt(1 - g^2 q_phi'(Delta_inf)).  Returns the orbit and the
    Delta_0 it reached (compared with the energy root as a diagnostic).
    DOP853 (rtol 1e-12) in Numba for built-in transfer functions, scipy's otherwise.
    """
    kappa = math.sqrt(1.0 - g * g * kern.qd(c_inf))
    eps = 1e-7 * (v - c_inf)
    s_max = 60.0 / kappa + 100.0
    atol = 1e-15 * max(v, 1e-300)
    diag = {"g": g, "variance": v, "asymptote": c_inf, "s_max": s_max}
    if isinstance(kern, _Kernel) and kern.kind is not None:
        status, n, t_old, hs, y_old, F, s_end, d_end, _ = SK.orbit_dop853(
            kern.kind, kern.code, float(kern.m), float(v), kern.cf, kern.tl, float(g * g), c_inf + eps,
            kappa * eps, s_max, 1e-12, atol, tuple(_dop853_tables()), 20000)
        if status != 1:
            raise ConvergenceError("the correlation orbit did not reach its turning point",
                                   dict(diag, status=int(status), steps=int(n)))
        sol = _Dense(t_old[:n].copy(), hs[:n].copy(), y_old[:n].copy(), F[:n].copy())
        return _Orbit(sol, float(s_end), c_inf, eps, kappa), float(d_end)

    def rhs(s, y):
        return [y[1], y[0] - g * g * kern.q(min(y[0], v))]

    def turn(s, y):
        return y[1]
    turn.terminal, turn.direction = True, -1
    sol = solve_ivp(rhs, (0.0, s_max), [c_inf + eps, kappa * eps], method="DOP853", rtol=1e-12,
                    atol=atol, events=turn, dense_output=True)
    if sol.status != 1:
        raise ConvergenceError("the correlation orbit did not reach its turning point", diag)
    s_end = float(sol.t_events[0][0])
    return _Orbit(sol.sol, s_end, c_inf, eps, kappa), float(sol.y_events[0][0][0])


def _scs_energy_root(nl, g):
    """Delta_0 from V(Delta_0) = V(Delta_inf) for the zero-mean SCS network.

    E(log v) = [V(v) - V(Delta_inf)] / v^2 is > 0 below the root and < 0 above; the bracket
    is found walking out from v = 0.6 (g^2 - 1) (tanh: Delta_0 / (g^2 - 1) = 0.5 ... 0.7 for
    g = 1 ... 3) by factors of 1.5 inside [1e-8, 100 g^2] (kernels at large variances are
    slow), then Brent's method.
    """
    def energy(logv):
        v = math.exp(logv)
        k = _Kernel(nl, 0.0, v)
        c_inf = _saddle(k, g, v, require=False)
        return (k.V(v, g) - k.V(c_inf, g)) / (v * v)
    lo, hi = math.log(1e-8), math.log(100.0 * max(g * g, 1.0))
    step = math.log(1.5)
    a = min(max(math.log(max(0.6 * (g * g - 1.0), 1e-8)), lo), hi)
    ea = energy(a)
    if ea == 0.0:
        return math.exp(a)
    up = ea > 0
    while True:
        b = min(a + step, hi) if up else max(a - step, lo)
        eb = energy(b)
        if (eb < 0) if up else (eb > 0):
            break
        if b in (lo, hi):
            elo, ehi = (energy(lo), eb) if up else (eb, energy(hi))
            raise ConvergenceError("no chaotic solution bracketed", {"g": g, "E(lo)": elo, "E(hi)": ehi})
        a, ea = b, eb
    a, b = min(a, b), max(a, b)
    return math.exp(brentq(energy, a, b, xtol=1e-15, rtol=1e-15))


def _qd_interpolant(kern, v, u_max):
    """Vectorised q_phi'(Delta) on the orbit's range [v - u_max^2, v].

    Exact for the Mehler kernel; otherwise a Chebyshev interpolant (degree 96) in
    u = sqrt(v - c), which removes the square-root cusp of ReLU's q_phi' at c -> v.
    """
    if isinstance(kern, _Kernel) and kern.kind == SK.KIND_MEHLER:
        return lambda d: kern.qd(np.clip(d, v - u_max * u_max, v))
    if isinstance(kern, _Kernel):
        f = lambda u: kern.qd(v - np.square(u))  # noqa: E731
    else:
        f = lambda u: np.array([kern.qd(v - ui * ui) for ui in np.atleast_1d(u)])  # noqa: E731
    coef = np.ascontiguousarray(
        np.polynomial.chebyshev.Chebyshev.interpolate(f, 96, domain=[0.0, u_max]).coef, dtype=np.float64)

    def qd(d):
        d = np.asarray(d, dtype=np.float64)
        u = np.ascontiguousarray(np.sqrt(np.clip(v - d, 0.0, u_max ** 2)).ravel())
        return SK.cheb_eval(coef, 0.0, u_max, u, np.empty(u.size)).reshape(d.shape)
    return qd


def _potential_on_grid(qd, g, orbit, tau):
    """U(tau) = 1 - g^2 q_phi'(Delta(tau)); on the tail Delta = c_inf + eps e^{-kappa t}, so
    q_phi' there is a cubic (Chebyshev, 4 nodes) in delta in [0, eps] (error ~eps^4)."""
    U = np.empty(tau.size)
    core = tau <= orbit.s_end
    U[core] = qd(orbit(tau[core]))
    t = tau[~core] - orbit.s_end
    if t.size:
        c_inf, eps = orbit.c_inf, orbit.eps
        cub = np.polynomial.chebyshev.Chebyshev.interpolate(lambda d: qd(c_inf + d), 3, domain=[0.0, eps])
        U[~core] = cub(eps * np.exp(-orbit.kappa * t))
    return 1.0 - g * g * U


def _lambda_continuous(kern, g, v, orbit, h=None):
    """Ground state of -psi'' + [1 - g^2 q_phi'(Delta(tau))] psi = E psi on [0, L],
    L = s_end + 40/kappa, cell-centred grids h and h/2 (default h = min(H_DEFAULT, L/4000)),
    Richardson-extrapolated.  Returns (lambda, E0, lambda error estimate, odd-state energy, L, h).
    """
    c_lo = min(orbit.c_inf, float(orbit(np.linspace(0, orbit.s_end, 401)).min()))
    u_max = math.sqrt(max(v - c_lo, 0.0))
    qd = _qd_interpolant(kern, v, u_max)
    L = orbit.s_end + 40.0 / orbit.kappa
    if h is None:
        h = min(H_DEFAULT, L / 4000.0)
    tau_c, tau_f = S.grids(L, h)
    Uc, Uf = _potential_on_grid(qd, g, orbit, tau_c), _potential_on_grid(qd, g, orbit, tau_f)
    E0, err = S.richardson_energy(Uc, Uf, h, "even")
    E_odd, _ = S.richardson_energy(Uc, Uf, h, "odd", guess=0.0)     # the zero mode Delta'

    lam = S.lambda_from_energy(E0)
    lam_err = err / (2.0 * max(math.sqrt(max(1.0 - E0, 1e-300)), 1e-300))
    return lam, E0, lam_err, E_odd, L, h


def _potential_grid(kern, g, c_inf, v, n=101):
    d = np.linspace(c_inf, v, n)
    return d, np.asarray(kern.V(d, g), dtype=np.float64)


def _finish_continuous(nl, g, m, v, params, tau_max, n_tau, mean_rate, fraction):
    """Chaotic branch common to SCS and balanced: saddle, orbit, lambda, outputs."""
    kern = _Kernel(nl, m, v)
    c_inf = _saddle(kern, g, v)
    orbit, v_orbit = _orbit(kern, g, v, c_inf)
    lam, E0, lam_err, E_odd, L, h = _lambda_continuous(kern, g, v, orbit)
    tau_max = max(orbit.s_end, 10.0) if tau_max is None else tau_max
    tau = np.linspace(0.0, tau_max, n_tau)
    pd, pv = _potential_grid(kern, g, c_inf, v)
    diag = {"orbit_variance_mismatch": abs(v_orbit - v) / v, "zero_mode_energy": E_odd,
            "richardson_error_E0": lam_err, "box_length": L, "grid_spacing": h, "kappa": orbit.kappa}
    if diag["orbit_variance_mismatch"] > 1e-6:
        warnings.warn(f"DMFT orbit reached Delta_0 = {v_orbit:.12g}, energy root {v:.12g}", RuntimeWarning)
    return StationarySolution(
        variance=v, asymptote=c_inf, tau=tau, autocorrelation=orbit(tau), mean_input=m, mean_rate=mean_rate,
        fraction_active=fraction, chaotic=True, lambda_max=lam, lambda_max_error=lam_err,
        ground_state_energy=E0, potential_delta=pd, potential=pv, parameters=params, diagnostics=diag)


def _fixed_point_solution(v, c_inf, m, mean_rate, fraction, lam, params, tau_max, n_tau):
    tau = np.linspace(0.0, 10.0 if tau_max is None else tau_max, n_tau)
    return StationarySolution(
        variance=v, asymptote=c_inf, tau=tau, autocorrelation=np.full(n_tau, v), mean_input=m,
        mean_rate=mean_rate, fraction_active=fraction, chaotic=False, lambda_max=lam, lambda_max_error=0.0,
        ground_state_energy=None, potential_delta=np.array([v]), potential=np.array([0.0]), parameters=params,
        diagnostics={})


def _check_grid(tau_max, n_tau):
    """The output grid of the autocorrelation: tau_max None or > 0 (finite), n_tau >= 2."""
    if tau_max is not None:
        tau_max = check_real("tau_max", tau_max, 0.0, low_open=True)
    return tau_max, check_int("n_tau", n_tau, 2)


def solve_scs(g, phi="tanh", time="continuous", leak=1.0, tau_max=None, n_tau=2001):
    r"""Stationary DMFT of the random (SCS) network :math:`J_{ij}\sim\mathcal N(0, g^2/N)`.

    Parameters
    ----------
    g : float
        Gain, g > 0.
    phi : str or (callable, callable) or Nonlinearity
        Odd or general transfer function ("tanh", "erf", or a user pair (φ, φ'),
        whose primitive Φ is not needed: energies use Price's theorem); "relu" has no stationary
        state of finite amplitude without a drive (homogeneity) and is refused.
    time : {"continuous", "discrete"}
    leak : float
        Leak step Δ in (0, 1] for discrete time.
    tau_max, n_tau
        Output grid of the autocorrelation.

    Returns
    -------
    StationarySolution
        Continuous time, odd φ, :math:`0 < g|\phi'(0)| - 1 <` :data:`.onset.SCS_SWITCH` (3e-3 tanh,
        6e-3 erf and user pairs): from the onset expansion of :mod:`meanfield.dmft.onset`
        (``diagnostics["method"] == "onset-expansion"``, :math:`\lambda_\max \approx (g-1)^2/2`,
        ``lambda_max_error`` its estimated next-order term), where the orbit solver cannot
        resolve the long, shallow orbit.
    """
    g = check_real("g", g, 0.0, low_open=True)
    nl = nonlinearities.resolve(phi)
    time = check_choice("time", time, {"continuous", "discrete"})
    leak = check_real("leak", leak, 0.0, 1.0, low_open=True)
    if time == "continuous" and leak != 1.0:
        raise ValueError(f"leak = {leak:g} applies to time='discrete' only (continuous time has no leak "
                         "step); pass time='discrete' or leave leak at 1")
    tau_max, n_tau = _check_grid(tau_max, n_tau)
    if nl.name in ("relu", "linear"):
        raise UnsupportedRegimeError(f"phi = {nl.name!r} is positively homogeneous: the SCS network "
                                     "without a drive has no stationary state of finite amplitude; "
                                     "use BalancedNetwork")
    params = {"model": "RandomNetwork", "g": g, "phi": nl.name, "time": time, "leak": leak}
    d0 = float(nl.derivative(0.0))
    if time == "discrete":
        return _solve_scs_discrete(nl, g, leak, params, tau_max, n_tau)
    if g * abs(d0) <= 1.0:
        # trivial fixed point h = 0 (phi(0) = 0 for odd phi); lambda = -1 + g phi'(0)
        return _fixed_point_solution(0.0, 0.0, 0.0, float(nl(0.0)), None, -1.0 + g * abs(d0), params,
                                     tau_max, n_tau)
    switch = ONSET.SCS_SWITCH.get(nl.name, ONSET.SCS_SWITCH_USER)
    if nl.code == USER:
        switch = ONSET.SCS_SWITCH_USER
    if g * abs(d0) - 1.0 < switch and ONSET.is_odd(nl):
        return _scs_onset_solution(nl, g, params, tau_max, n_tau, switch)
    v = _scs_energy_root(nl, g)
    return _finish_continuous(nl, g, 0.0, v, params, tau_max, n_tau, _mean_phi(nl, 0.0, v), None)


def _scs_onset_solution(nl, g, params, tau_max, n_tau, switch):
    """Chaotic SCS solution from the onset expansion (:func:`.onset.scs_onset`), just above g_c."""
    r = ONSET.scs_onset(nl, g)
    v, kappa = r["variance"], r["kappa"]
    tau = np.linspace(0.0, 30.0 / kappa if tau_max is None else tau_max, n_tau)
    pd, pv = _potential_grid(_Kernel(nl, 0.0, v), g, 0.0, v)
    diag = {"method": "onset-expansion", "epsilon": r["epsilon"], "switch": switch, "kappa": kappa,
            "p": r["p"], "relative_error_estimate": r["lambda_max_error"] / r["lambda_max"]}
    return StationarySolution(
        variance=v, asymptote=0.0, tau=tau, autocorrelation=r["profile"](tau), mean_input=0.0,
        mean_rate=_mean_phi(nl, 0.0, v), fraction_active=None, chaotic=True, lambda_max=r["lambda_max"],
        lambda_max_error=r["lambda_max_error"], ground_state_energy=r["E0"], potential_delta=pd,
        potential=pv, parameters=params, diagnostics=diag)


def _solve_scs_discrete(nl, g, leak, params, tau_max, n_tau):
    """Discrete time; leak = 1 is memoryless, leak < 1 solves the lag equation."""
    d0 = float(nl.derivative(0.0))
    if g * abs(d0) <= 1.0:
        lam = math.log(abs(1.0 - leak + leak * g * abs(d0)))
        return _fixed_point_solution(0.0, 0.0, 0.0, float(nl(0.0)), None, lam, params, tau_max, n_tau)
    F = lambda lv: math.exp(lv) - g * g * G.expect("phi2", 0.0, math.exp(lv), phi=nl)  # noqa: E731
    v = math.exp(brentq(lambda lv: F(lv) / math.exp(lv), math.log(1e-10), math.log(100 * g * g),
                        xtol=1e-15, rtol=1e-15))
    kern = _Kernel(nl, 0.0, v)
    c_inf = _saddle(kern, g, v)
    n = 200 if tau_max is None else int(tau_max)
    if leak == 1.0:
        delta = np.full(n + 1, c_inf)
        delta[0] = v
        lam = 0.5 * math.log(g * g * G.expect("dphi2", 0.0, v, phi=nl))
        return StationarySolution(
            variance=v, asymptote=c_inf, tau=np.arange(n + 1.0), autocorrelation=delta, mean_input=0.0,
            mean_rate=float(G.expect("phi", 0.0, v, phi=nl)), fraction_active=None, chaotic=lam > 0,
            lambda_max=lam, lambda_max_error=0.0, ground_state_energy=None, potential_delta=np.array([v]),
            potential=np.array([0.0]), parameters=params, diagnostics={})
    return _solve_leaky(nl, g, leak, params, n_tau)


def _solve_leaky(nl, g, leak, params, n_tau):
    r"""Leaky map: solve (1+b^2) D_t - b (D_{t+1} + D_{t-1}) = a^2 g^2 q_phi(D_0; D_t), t >= 0.

    Unknowns D_0 ... D_n with D_{-1} = D_1 and D_{n+1} = D_inf(D_0) (the saddle);
    n covers ~25 correlation times (the tail error is ~e^{-25}).  Started from the continuous-time orbit
    evaluated at t = a * lag, the a -> 0 limit of this equation.
    """
    from scipy.optimize import root
    a, b = leak, 1.0 - leak
    cont = solve_scs(g, phi=nl, time="continuous")
    if not cont.chaotic:
        raise ConvergenceError("leaky discrete DMFT: no chaotic continuous-time branch to start from",
                               {"g": g, "leak": leak})
    kappa = cont.diagnostics["kappa"]
    n = int(math.ceil(25.0 / (kappa * a))) + 5
    guess = np.interp(a * np.arange(n + 1), cont.tau, cont.autocorrelation,
                      right=cont.asymptote)

    def resid(D):
        v = D[0]
        if v <= 0:
            return np.full_like(D, 1e3)
        k = _Kernel(nl, 0.0, v)
        c_inf = _saddle(k, g, v, require=False)
        ext = np.concatenate([[D[1]], D, [c_inf]])
        q = np.asarray(k.q(D), dtype=np.float64)
        return (1 + b * b) * D - b * (ext[2:] + ext[:-2]) - a * a * g * g * q

    def jac_parts(D, R):
        # tridiagonal part analytic (Price: dq/dc = q_phi'); the D_0 column (variance) by a difference
        k = _Kernel(nl, 0.0, D[0])
        diag = (1 + b * b) - a * a * g * g * np.asarray(k.qd(D), dtype=np.float64)
        h = 1e-7 * D[0]
        Dp = D.copy()
        Dp[0] += h
        return diag, (resid(Dp) - R) / h

    def jac(D):
        diag, col = jac_parts(D, resid(D))
        Jm = np.diag(diag)
        idx = np.arange(D.size - 1)
        Jm[idx, idx + 1] = -b
        Jm[idx + 1, idx] = -b
        Jm[0, 1] = -2 * b
        Jm[:, 0] = col
        return Jm

    def newton(D):
        """Newton steps with the bordered-tridiagonal Jacobian J = B + u e_0^T (Sherman-Morrison,
        O(n) a step), halving the step while the residual grows; None if it stalls."""
        from scipy.linalg import solve_banded
        R = resid(D)
        N = D.size
        for _ in range(60):
            diag, col = jac_parts(D, R)
            ab = np.zeros((3, N))
            ab[0, 1:] = -b
            ab[0, 1] = -2 * b
            ab[1] = diag
            ab[2, :-1] = -b
            u = col.copy()
            u[0] -= diag[0]
            u[1] += b
            Y = solve_banded((1, 1), ab, np.column_stack([-R, u]))
            step = Y[:, 0] - Y[:, 1] * Y[0, 0] / (1.0 + Y[0, 1])
            t = 1.0
            while True:
                Dn = D + t * step
                Rn = resid(Dn)
                if np.abs(Rn).max() <= np.abs(R).max() or t < 1e-3:
                    break
                t *= 0.5
            D, R = Dn, Rn
            if np.abs(R).max() <= 1e-15 * D[0] or np.abs(t * step).max() <= 1e-13 * np.abs(D).max():
                return D, R
        return None

    res = newton(guess.copy())
    if res is not None and np.abs(res[1]).max() <= 1e-9 * res[0][0]:
        sol = type("Sol", (), {"x": res[0], "fun": res[1], "success": True, "message": "Newton"})
    else:
        sol = root(resid, guess, jac=jac, method="hybr", options={"xtol": 1e-13})
    if not sol.success or np.abs(sol.fun).max() > 1e-9 * sol.x[0]:
        raise ConvergenceError("leaky discrete DMFT did not converge",
                               {"g": g, "leak": leak, "message": sol.message,
                                "max_residual": float(np.abs(sol.fun).max())})
    D = sol.x
    v = D[0]
    k = _Kernel(nl, 0.0, v)
    c_inf = _saddle(k, g, v)
    qd = np.asarray(k.qd(D), dtype=np.float64)

    def q_of(tau):
        tau = np.asarray(tau)
        return np.where(tau <= n, qd[np.minimum(tau, n)], k.qd(c_inf))
    lam = S.discrete_lambda(q_of, g, leak, 4 * n)
    return StationarySolution(
        variance=v, asymptote=c_inf, tau=np.arange(n + 1.0), autocorrelation=D, mean_input=0.0,
        mean_rate=float(G.expect("phi", 0.0, v, phi=nl)), fraction_active=None, chaotic=True,
        lambda_max=lam, lambda_max_error=0.0, ground_state_energy=None, potential_delta=np.array([v]),
        potential=np.array([0.0]), parameters=params,
        diagnostics={"max_residual": float(np.abs(sol.fun).max()), "n_lags": n})


def _F1(x):
    return x * ndtr(x) + math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def _F2(x):
    return x * math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi) + (1.0 + x * x) * ndtr(x)


def _balanced_shape(nl, g):
    """x = m / sqrt(c0) of the chaotic branch in units c0 = 1 (g > sqrt 2, ReLU).

    Parametrised by r = c_inf / c0: the saddle condition r = g^2 q_phi(x; 1, r)
    gives x(r) (q_phi increases with x), and the energy condition
    V(1) = V(r) is one equation in r.
    """
    if nl.code != USER:
        code = int(nl.code)

        def x_of(r):
            x = SK.balanced_energy(code, g * g, float(r))[1]
            if x != x:
                raise ConvergenceError("balanced DMFT: no mean input x solves the saddle condition",
                                       {"g": g, "r": r})
            return x

        def energy(r):
            e, x = SK.balanced_energy(code, g * g, float(r))
            if x != x:
                raise ConvergenceError("balanced DMFT: no mean input x solves the saddle condition",
                                       {"g": g, "r": r})
            return e
    else:
        def x_of(r):
            return brentq(lambda x: g * g * _Kernel(nl, x, 1.0).q(r) - r, -40.0, 40.0, xtol=1e-15, rtol=1e-15)

        def energy(r):
            k = _Kernel(nl, x_of(r), 1.0)
            return k.V(1.0, g) - k.V(r, g)
    rs = np.linspace(0.0, 0.999, 112)[1:]
    E = np.array([energy(r) for r in rs])
    for i in np.nonzero(np.sign(E[:-1]) * np.sign(E[1:]) < 0)[0]:
        r = brentq(energy, rs[i], rs[i + 1], xtol=1e-15, rtol=1e-15)
        x = x_of(r)
        if 1.0 - g * g * _Kernel(nl, x, 1.0).qd(r) > 0:
            return x
    raise ConvergenceError("balanced DMFT: no chaotic solution with V(c0) = V(c_inf)", {"g": g})


def solve_balanced(g, J0, I0, K, phi="relu", tau_max=None, n_tau=2001):
    r"""Stationary DMFT of the balanced network without time-varying input.

    Parameters
    ----------
    g : float
        Disorder strength (> 0); chaos for g > sqrt(2) with ReLU [KS].
    J0, I0 : float
        Mean inhibitory coupling and drive (> 0).
    K : int
        Tightness of balance (the model's K; N for dense networks).
    phi : "relu"
        Only ReLU is supported here (its homogeneity reduces the problem to g).

    Returns
    -------
    StationarySolution
        ``mean_rate`` :math:`= I_0/(J_0 + x/(\sqrt K F_1(x)))`, ``mean_input``
        :math:`= x\sqrt{c_0}`, ``fraction_active`` :math:`= \Phi(x)`.  At g = √2 the fixed
        point (λ = 0); for :math:`0 < g - \sqrt2 <` :data:`.onset.BALANCED_SWITCH` (0.017) the onset
        expansion of :mod:`meanfield.dmft.onset` (``diagnostics["method"] == "onset-expansion"``,
        :math:`\lambda_\max \approx 0.1828(g-\sqrt2)`, :math:`(c_0 - c_\infty)/c_0 \approx
        (5\pi/8)^2(g-\sqrt2)^2`), where the orbit solver cannot resolve :math:`c_\infty/c_0 > 0.999`.
    """
    g = check_real("g", g, 0.0, low_open=True)
    J0 = check_real("J0", J0, 0.0, low_open=True)
    I0 = check_real("I0", I0, 0.0, low_open=True)
    K = check_int("K", K, 1)
    tau_max, n_tau = _check_grid(tau_max, n_tau)
    nl = nonlinearities.resolve(phi)
    if nl.name != "relu":
        raise UnsupportedRegimeError(f"the balanced stationary DMFT supports phi='relu' only, got "
                                     f"{nl.name!r}")
    params = {"model": "BalancedNetwork", "g": g, "J0": J0, "I0": I0, "K": K, "phi": "relu",
              "time": "continuous"}
    sK = math.sqrt(K)
    eps = g - math.sqrt(2.0)
    onset = None
    if eps <= 0.0:
        x = brentq(lambda x: g * g * _F2(x) - 1.0, -40.0, 40.0, xtol=1e-15, rtol=1e-15) if eps < 0 else 0.0
        chaotic = False
    elif eps < ONSET.BALANCED_SWITCH:
        onset = ONSET.balanced_onset(g)
        x, chaotic = onset["x"], True
    else:
        x = _balanced_shape(nl, g)
        chaotic = True
    sc0 = (I0 / J0) / (_F1(x) + x / (sK * J0))
    c0 = sc0 * sc0
    nu = I0 / (J0 + x / (sK * _F1(x)))
    if not chaotic:
        lam = -1.0 + g * math.sqrt(ndtr(x)) if eps < 0 else 0.0     # exactly 0 at g_c = sqrt 2
        return _fixed_point_solution(c0, c0, x * sc0, nu, float(ndtr(x)), lam, params, tau_max, n_tau)
    if onset is not None:
        return _balanced_onset_solution(nl, g, onset, c0, sc0, nu, params, tau_max, n_tau)
    sol = _finish_continuous(nl, g, x, 1.0, params, tau_max, n_tau, nu, float(ndtr(x)))
    # scale from c0 = 1 to the balanced amplitude (homogeneity of ReLU)
    sol.variance, sol.asymptote = c0, sol.asymptote * c0
    sol.autocorrelation = sol.autocorrelation * c0
    sol.mean_input = x * sc0
    sol.potential_delta = sol.potential_delta * c0
    sol.potential = sol.potential * c0 * c0
    sol.diagnostics["x"] = x
    return sol


def _balanced_onset_solution(nl, g, r, c0, sc0, nu, params, tau_max, n_tau):
    """Chaotic balanced solution from the onset expansion (:func:`.onset.balanced_onset`), scaled to c0."""
    x, w, kappa = r["x"], r["w"], r["kappa"]
    tau = np.linspace(0.0, 30.0 / kappa if tau_max is None else tau_max, n_tau)
    pd, pv = _potential_grid(_Kernel(nl, x, 1.0), g, 1.0 - w, 1.0)
    diag = {"method": "onset-expansion", "epsilon": r["epsilon"], "switch": ONSET.BALANCED_SWITCH,
            "kappa": kappa, "x": x, "w": w, "w_error": r["w_error"],
            "relative_error_estimate": r["lambda_max_error"] / r["lambda_max"]}
    return StationarySolution(
        variance=c0, asymptote=c0 * (1.0 - w), tau=tau, autocorrelation=c0 * r["profile"](tau),
        mean_input=x * sc0, mean_rate=nu, fraction_active=float(ndtr(x)), chaotic=True,
        lambda_max=r["lambda_max"], lambda_max_error=r["lambda_max_error"], ground_state_energy=r["E0"],
        potential_delta=pd * c0, potential=pv * c0 * c0, parameters=params, diagnostics=diag)


@dataclass
class LambdaConvergence:
    r"""Grid refinement of the Schrödinger :math:`\lambda_\max` (see :func:`lambda_convergence`).

    ``lambda_raw[k]`` uses the single grid of spacing ``h[k]``; ``lambda_richardson[k]`` the
    extrapolation :math:`(4E(h/2) - E(h))/3` from spacings h[k] and h[k]/2.  Errors are
    against ``reference`` (Richardson at ``h_reference``); ``order_*[k]`` is
    :math:`\log(e_k/e_{k+1})/\log(h_k/h_{k+1})` (NaN for the last spacing).
    """

    h: np.ndarray
    lambda_raw: np.ndarray
    lambda_richardson: np.ndarray
    error_raw: np.ndarray
    error_richardson: np.ndarray
    order_raw: np.ndarray
    order_richardson: np.ndarray
    reference: float
    h_reference: float
    parameters: dict

    def table(self):
        """Markdown table: h, raw and extrapolated lambda, errors, observed orders."""
        rows = ["| h | λ(h) raw | error | order | λ Richardson (h, h/2) | error | order |",
                "|---|---|---|---|---|---|---|"]
        for k in range(self.h.size):
            rows.append(f"| {self.h[k]:.4g} | {self.lambda_raw[k]:.15f} | {self.error_raw[k]:.2e} | "
                        f"{self.order_raw[k]:.2f} | {self.lambda_richardson[k]:.15f} | "
                        f"{self.error_richardson[k]:.2e} | {self.order_richardson[k]:.2f} |")
        return "\n".join(rows)


def _chaotic_state(g, phi, network):
    """(kernel, variance, orbit) of the chaotic continuous-time solution (c0 = 1 if balanced)."""
    nl = nonlinearities.resolve(phi)
    if network == "scs":
        if g * abs(float(nl.derivative(0.0))) <= 1.0:
            raise ValueError(f"g = {g} is below the onset of chaos: no Schroedinger problem")
        v, m = _scs_energy_root(nl, g), 0.0
    elif network == "balanced":
        if nl.name != "relu" or g * g <= 2.0:
            raise UnsupportedRegimeError("balanced network: phi='relu' and g > sqrt(2) only")
        v, m = 1.0, _balanced_shape(nl, g)
    else:
        raise ValueError(f"network must be 'scs' or 'balanced', got {network!r}")
    kern = _Kernel(nl, m, v)
    orbit, _ = _orbit(kern, g, v, _saddle(kern, g, v))
    return kern, v, orbit


def lambda_convergence(g, phi="tanh", hs=(0.16, 0.08, 0.04, 0.02, 0.01), network="scs", h_reference=None):
    r"""Convergence of :math:`\lambda_\max` under refinement of the Schrödinger grid.

    The stationary solution (variance, orbit, potential :math:`U(\tau)`) is computed once;
    for each spacing h the lowest eigenvalue is found on cell-centred grids h and h/2.
    The discretisation is second order (``order_raw`` ≈ 2) and Richardson extrapolation
    makes it fourth order (``order_richardson`` ≈ 4) until the round-off floor
    (~1e-14 relative at g = 2).

    Parameters
    ----------
    g : float
        Gain (chaotic regime).
    phi : str or Nonlinearity
        Transfer function ("relu" for ``network="balanced"``).
    hs : sequence of float
        Decreasing coarse spacings.
    network : {"scs", "balanced"}
    h_reference : float, optional
        Spacing of the reference (default min(hs) / 4).

    Returns
    -------
    LambdaConvergence
    """
    g = check_real("g", g, 0.0, low_open=True)
    hs = np.array(sorted((float(h) for h in hs), reverse=True))
    if hs.size < 2 or hs[-1] <= 0:
        raise ValueError("hs must hold at least two positive spacings")
    h_ref = hs[-1] / 4.0 if h_reference is None else float(h_reference)
    kern, v, orbit = _chaotic_state(g, phi, network)
    c_lo = min(orbit.c_inf, float(orbit(np.linspace(0, orbit.s_end, 401)).min()))
    qd = _qd_interpolant(kern, v, math.sqrt(max(v - c_lo, 0.0)))
    L = orbit.s_end + 40.0 / orbit.kappa
    cache = {}

    def energy(h):
        if h not in cache:
            M = int(math.ceil(L / h))
            U = _potential_on_grid(qd, g, orbit, (np.arange(M) + 0.5) * h)
            cache[h] = S._lowest(U, h, "even", guess=cache.get(2.0 * h))
        return cache[h]

    def rich(h):
        return S.lambda_from_energy((4.0 * energy(h / 2) - energy(h)) / 3.0)
    ref = rich(h_ref)
    raw = np.array([S.lambda_from_energy(energy(h)) for h in hs])
    ext = np.array([rich(h) for h in hs])
    e_raw, e_ext = np.abs(raw - ref), np.abs(ext - ref)
    with np.errstate(divide="ignore", invalid="ignore"):
        lr = np.log(hs[:-1] / hs[1:])
        o_raw = np.append(np.log(e_raw[:-1] / e_raw[1:]) / lr, np.nan)
        o_ext = np.append(np.log(e_ext[:-1] / e_ext[1:]) / lr, np.nan)
    return LambdaConvergence(h=hs, lambda_raw=raw, lambda_richardson=ext, error_raw=e_raw,
                             error_richardson=e_ext,
                             order_raw=o_raw, order_richardson=o_ext, reference=ref, h_reference=h_ref,
                             parameters={"g": g, "phi": nonlinearities.resolve(phi).name, "network": network,
                                         "box_length": L, "kappa": orbit.kappa})


class _CallableModule(types.ModuleType):
    """This module, callable for one release as the old ``meanfield.dmft.stationary(model)``."""

    def __call__(self, model, tau_max=None, n_tau=2001):
        warnings.warn("meanfield.dmft.stationary(model) is deprecated; use meanfield.dmft.solve(model) "
                      "(meanfield.dmft.stationary is the module of the stationary solvers)",
                      DeprecationWarning, stacklevel=2)
        from .api import solve
        return solve(model, tau_max=tau_max, n_tau=n_tau)


sys.modules[__name__].__class__ = _CallableModule
