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
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import brentq
from scipy.special import ndtr

from .. import gaussian as G
from .. import nonlinearities
from .._validation import check_int, check_real
from ..results import Result, provenance
from . import schrodinger as S


class DMFTConvergenceError(RuntimeError):
    """A DMFT solver did not converge; ``diagnostics`` says how far it got."""

    def __init__(self, msg, diagnostics=None):
        self.diagnostics = diagnostics or {}
        super().__init__(f"{msg}; diagnostics: {self.diagnostics}")


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
    versions: dict = field(default_factory=provenance)

    @property
    def lambda_max_units(self):
        return "per iteration" if self.parameters.get("time") == "discrete" else "1/tau"


class _Kernel:
    """Gaussian integrals at fixed mean m and variance v, as functions of the covariance c."""

    def __init__(self, nl, m, v):
        self.nl, self.m, self.v = nl, m, v

    def q(self, c):
        return G.expect2("phi", self.m, self.m, self.v, self.v, c, phi=self.nl)

    def qd(self, c):
        return G.expect2("dphi", self.m, self.m, self.v, self.v, c, phi=self.nl)

    def PP(self, c):
        return G.expect2("Phi", self.m, self.m, self.v, self.v, c, phi=self.nl)

    def V(self, c, g):
        return -0.5 * c * c + g * g * self.PP(c)


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
    Fv = np.array([F(c) for c in grid])
    roots = []
    for i in range(grid.size - 1):
        if Fv[i] == 0.0:
            roots.append(grid[i])
        elif Fv[i] * Fv[i + 1] < 0:
            roots.append(brentq(F, grid[i], grid[i + 1], xtol=1e-15 * max(v, 1e-300), rtol=1e-15))
    if not roots:
        raise DMFTConvergenceError("no asymptote Delta_inf of the DMFT particle was found",
                                   {"g": g, "variance": v})
    saddles = [r for r in roots if 1.0 - g * g * kern.qd(r) > 0]
    if saddles:
        return max(saddles)
    if require:
        raise DMFTConvergenceError("no saddle Delta_inf (kappa^2 > 0) among the roots of c = g^2 q(c)",
                                   {"g": g, "variance": v, "roots": roots})
    return min(roots, key=abs)


class _Orbit:
    """Homoclinic orbit Delta(tau), tau >= 0: dense ODE output, then the saddle's exponential tail."""

    def __init__(self, sol, s_end, c_inf, eps, kappa):
        self.sol, self.s_end, self.c_inf, self.eps, self.kappa = sol, s_end, c_inf, eps, kappa

    def __call__(self, tau):
        tau = np.asarray(tau, dtype=np.float64)
        out = np.empty_like(tau)
        core = tau <= self.s_end
        out[core] = self.sol(self.s_end - tau[core])[0]
        t = tau[~core] - self.s_end
        out[~core] = self.c_inf + self.eps * np.exp(-self.kappa * t)
        return out


def _orbit(kern, g, v, c_inf):
    """Integrate Delta'' = Delta - g^2 q(Delta) backwards from the saddle to the turning point.

    Forward shooting from Delta_0 is unstable (homoclinic orbit); backwards,
    the saddle's stable direction becomes the unstable one, rate
    kappa = sqrt(1 - g^2 q_phi'(Delta_inf)).  Returns the orbit and the
    Delta_0 it reached (compared with the energy root as a diagnostic).
    """
    kappa = math.sqrt(1.0 - g * g * kern.qd(c_inf))
    eps = 1e-7 * (v - c_inf)

    def rhs(s, y):
        return [y[1], y[0] - g * g * kern.q(min(y[0], v))]

    def turn(s, y):
        return y[1]
    turn.terminal, turn.direction = True, -1
    s_max = 60.0 / kappa + 100.0
    sol = solve_ivp(rhs, (0.0, s_max), [c_inf + eps, kappa * eps], method="DOP853", rtol=1e-12,
                    atol=1e-15 * max(v, 1e-300), events=turn, dense_output=True)
    if sol.status != 1:
        raise DMFTConvergenceError("the correlation orbit did not reach its turning point",
                                   {"g": g, "variance": v, "asymptote": c_inf, "s_max": s_max})
    s_end = float(sol.t_events[0][0])
    return _Orbit(sol.sol, s_end, c_inf, eps, kappa), float(sol.y_events[0][0][0])


def _scs_energy_root(nl, g):
    """Delta_0 from V(Delta_0) = V(Delta_inf) for the zero-mean SCS network."""
    def energy(logv):
        v = math.exp(logv)
        k = _Kernel(nl, 0.0, v)
        c_inf = _saddle(k, g, v, require=False)
        return (k.V(v, g) - k.V(c_inf, g)) / (v * v)
    lo, hi = math.log(1e-8), math.log(100.0 * max(g * g, 1.0))
    elo, ehi = energy(lo), energy(hi)
    if not (elo > 0 > ehi):
        raise DMFTConvergenceError("no chaotic solution bracketed", {"g": g, "E(lo)": elo, "E(hi)": ehi})
    return math.exp(brentq(energy, lo, hi, xtol=1e-15, rtol=1e-15))


def _lambda_continuous(kern, g, v, orbit, h=None):
    """Ground state of -psi'' + [1 - g^2 q_phi'(Delta(tau))] psi = E psi.

    q_phi' is interpolated (Chebyshev, degree 96) in u = sqrt(v - c), which
    removes the square-root cusp of ReLU's q_phi' at c -> v.
    """
    c_lo = min(orbit.c_inf, float(orbit(np.linspace(0, orbit.s_end, 401)).min()))
    u_max = math.sqrt(max(v - c_lo, 0.0))
    cheb = np.polynomial.chebyshev.Chebyshev.interpolate(
        lambda u: np.array([kern.qd(v - ui * ui) for ui in np.atleast_1d(u)]), 96, domain=[0.0, u_max])

    def U(t):
        d = orbit(t)
        return 1.0 - g * g * cheb(np.sqrt(np.clip(v - d, 0.0, u_max ** 2)))
    L = orbit.s_end + 40.0 / orbit.kappa
    if h is None:
        h = min(0.01, L / 40000.0)
    E0, err = S.ground_state_energy(U, L, h, "even")
    E_odd, _ = S.ground_state_energy(U, L, h, "odd")
    lam = S.lambda_from_energy(E0)
    lam_err = err / (2.0 * max(math.sqrt(max(1.0 - E0, 1e-300)), 1e-300))
    return lam, E0, lam_err, E_odd, L, h


def _potential_grid(kern, g, c_inf, v, n=101):
    d = np.linspace(c_inf, v, n)
    return d, np.array([kern.V(c, g) for c in d])


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


def solve_scs(g, phi="tanh", time="continuous", leak=1.0, tau_max=None, n_tau=2001):
    r"""Stationary DMFT of the random (SCS) network :math:`J_{ij}\sim\mathcal N(0, g^2/N)`.

    Parameters
    ----------
    g : float
        Gain, g > 0.
    phi : str or (callable, callable) or Nonlinearity
        Odd or general transfer function ("tanh", "erf", user pair with
        ``Phi`` available for continuous time); "relu" has no stationary
        state of finite amplitude without a drive (homogeneity) and is refused.
    time : {"continuous", "discrete"}
    leak : float
        Leak step Δ in (0, 1] for discrete time.
    tau_max, n_tau
        Output grid of the autocorrelation.

    Returns
    -------
    StationarySolution
    """
    g = check_real("g", g, 0.0, low_open=True)
    nl = nonlinearities.resolve(phi)
    leak = check_real("leak", leak, 0.0, 1.0, low_open=True)
    n_tau = check_int("n_tau", n_tau, 2)
    if nl.name in ("relu", "linear"):
        raise ValueError(f"phi = {nl.name!r} is positively homogeneous: the SCS network without a drive "
                         "has no stationary state of finite amplitude; use BalancedNetwork")
    params = {"model": "RandomNetwork", "g": g, "phi": nl.name, "time": time, "leak": leak}
    d0 = float(nl.derivative(0.0))
    if time == "discrete":
        return _solve_scs_discrete(nl, g, leak, params, tau_max, n_tau)
    if g * abs(d0) <= 1.0:
        # trivial fixed point h = 0 (phi(0) = 0 for odd phi); lambda = -1 + g phi'(0)
        return _fixed_point_solution(0.0, 0.0, 0.0, float(nl(0.0)), None, -1.0 + g * abs(d0), params,
                                     tau_max, n_tau)
    v = _scs_energy_root(nl, g)
    return _finish_continuous(nl, g, 0.0, v, params, tau_max, n_tau,
                              float(G.expect("phi", 0.0, v, phi=nl)), None)


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
        raise DMFTConvergenceError("leaky discrete DMFT: no chaotic continuous-time branch to start from",
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
        q = np.array([k.q(c) for c in D])
        return (1 + b * b) * D - b * (ext[2:] + ext[:-2]) - a * a * g * g * q

    def jac(D):
        # tridiagonal part analytic (Price: dq/dc = q_phi'); the D_0 column (variance) by a difference
        k = _Kernel(nl, 0.0, D[0])
        qd = np.array([k.qd(c) for c in D])
        Jm = np.diag((1 + b * b) - a * a * g * g * qd)
        idx = np.arange(D.size - 1)
        Jm[idx, idx + 1] = -b
        Jm[idx + 1, idx] = -b
        Jm[0, 1] = -2 * b
        h = 1e-7 * D[0]
        Dp = D.copy()
        Dp[0] += h
        col = (resid(Dp) - resid(D)) / h
        Jm[:, 0] = col
        return Jm

    sol = root(resid, guess, jac=jac, method="hybr", options={"xtol": 1e-13})
    if not sol.success or np.abs(sol.fun).max() > 1e-9 * sol.x[0]:
        raise DMFTConvergenceError("leaky discrete DMFT did not converge",
                                   {"g": g, "leak": leak, "message": sol.message,
                                    "max_residual": float(np.abs(sol.fun).max())})
    D = sol.x
    v = D[0]
    k = _Kernel(nl, 0.0, v)
    c_inf = _saddle(k, g, v)
    qd = np.array([k.qd(c) for c in D])

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
    raise DMFTConvergenceError("balanced DMFT: no chaotic solution with V(c0) = V(c_inf)", {"g": g})


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
        :math:`= x\sqrt{c_0}`, ``fraction_active`` :math:`= \Phi(x)`.
    """
    g = check_real("g", g, 0.0, low_open=True)
    J0 = check_real("J0", J0, 0.0, low_open=True)
    I0 = check_real("I0", I0, 0.0, low_open=True)
    K = check_int("K", K, 1)
    nl = nonlinearities.resolve(phi)
    if nl.name != "relu":
        raise ValueError(f"the balanced stationary DMFT supports phi='relu' only, got {nl.name!r}")
    params = {"model": "BalancedNetwork", "g": g, "J0": J0, "I0": I0, "K": K, "phi": "relu",
              "time": "continuous"}
    sK = math.sqrt(K)
    if g * g <= 2.0:
        x = brentq(lambda x: g * g * _F2(x) - 1.0, -40.0, 40.0, xtol=1e-15, rtol=1e-15) if g * g < 2 else 0.0
        chaotic = False
    else:
        x = _balanced_shape(nl, g)
        chaotic = True
    sc0 = (I0 / J0) / (_F1(x) + x / (sK * J0))
    c0 = sc0 * sc0
    nu = I0 / (J0 + x / (sK * _F1(x)))
    if not chaotic:
        lam = -1.0 + g * math.sqrt(ndtr(x))
        return _fixed_point_solution(c0, c0, x * sc0, nu, float(ndtr(x)), lam, params, tau_max, n_tau)
    sol = _finish_continuous(nl, g, x, 1.0, params, tau_max, n_tau, nu, float(ndtr(x)))
    # scale from c0 = 1 to the balanced amplitude (homogeneity of ReLU)
    sol.variance, sol.asymptote = c0, sol.asymptote * c0
    sol.autocorrelation = sol.autocorrelation * c0
    sol.mean_input = x * sc0
    sol.potential_delta = sol.potential_delta * c0
    sol.potential = sol.potential * c0 * c0
    sol.diagnostics["x"] = x
    return sol


def stationary(model, tau_max=None, n_tau=2001):
    r"""Stationary DMFT of a network model (N → ∞, with finite-K balance corrections).

    Parameters
    ----------
    model : RandomNetwork or BalancedNetwork
        Without time-varying input (independent input: see the notes).
    tau_max : float, optional
        Extent of the autocorrelation grid (default: the orbit's length).
    n_tau : int
        Number of grid points.

    Returns
    -------
    StationarySolution

    Raises
    ------
    DMFTConvergenceError
        A root or the orbit could not be found; diagnostics attached.

    Notes
    -----
    Continuous time: energy method for :math:`\Delta_0`, orbit integrated
    backwards from the saddle, :math:`\lambda_\max` from the Schrödinger
    ground state.  Discrete time (leak 1): :math:`\Delta_0 = g^2\langle\phi^2\rangle`,
    :math:`\lambda_\max = \tfrac12\ln(g^2\langle\phi'^2\rangle)`.
    """
    from ..models import BalancedNetwork, RandomNetwork
    if getattr(model, "input", None) is not None:
        raise NotImplementedError("stationary DMFT with time-varying input is not implemented yet; "
                                  "common input is non-stationary (issue: non-stationary DMFT)")
    if isinstance(model, BalancedNetwork):
        if model.connectivity != "dense":
            raise ValueError("stationary DMFT covers dense BalancedNetwork couplings")
        return solve_balanced(model.g, model.J0, model.I0, model.K, phi=model.nonlinearity, tau_max=tau_max,
                              n_tau=n_tau)
    if isinstance(model, RandomNetwork):
        return solve_scs(model.g, phi=model.nonlinearity, time=model.time, leak=model.leak, tau_max=tau_max,
                         n_tau=n_tau)
    raise TypeError(f"model must be a RandomNetwork or BalancedNetwork, got {type(model).__name__}")
