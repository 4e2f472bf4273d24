r"""Non-stationary two-time DMFT of the balanced network with time-varying input [EIKGA].

Model (units of the neuronal time constant τ = 1; K is the model's tightness of balance,
K = N for the dense network of the paper):

.. math::

    \dot h_i = -h_i + \sum_j J_{ij}\phi(h_j) + \sqrt K I_0 + \delta I_i(t),\qquad
    J_{ij} = -\frac{J_0\sqrt K}{N} + \frac{g w_{ij}}{\sqrt N}.

Write :math:`h = m(t) + \tilde h`.  Common input :math:`I(t)` (the shared part of
:math:`\delta I`) drives the population mean; the quenched random couplings give a Gaussian
field :math:`\eta` with :math:`\langle\eta(t)\eta(s)\rangle = g^2 q_\phi(t,s)`,
:math:`q_\phi(t,s) = \langle\phi(h(t))\phi(h(s))\rangle` (uncentred):

.. math::

    \dot m &= -m - \sqrt K J_0\,\nu(t) + \sqrt K I_0 + I(t),\qquad \nu(t) = \langle\phi(h(t))\rangle,\\
    (1+\partial_t)(1+\partial_s)\,c(t,s) &= g^2 q_\phi(t,s) + X(t-s),\\
    (1+\partial_t)(1+\partial_s)\,k(t,s) &= g^2 q_{\phi'}(t,s)\,k(t,s),

with :math:`c(t,s) = \langle\tilde h(t)\tilde h(s)\rangle`, X the covariance of the Gaussian
independent input, and k the two-replica perturbation kernel; :math:`\lambda_\max` is the
growth rate of :math:`\tfrac12\ln k(t,t)`.  For ReLU, :math:`\nu = \sqrt{c}\,F_1(m/\sqrt c)`
and :math:`q_\phi, q_{\phi'}` are closed forms (bivariate normal CDF); the √K in the mean
equation makes the common modulation of ν shrink like :math:`1/\sqrt K`, hence the
:math:`\sqrt N` growth of the common critical amplitude.
For tanh and user pairs :math:`(\phi, \phi')` the cells use Mehler's series
:math:`q_f(t,s) = \sum_n c_n(t) c_n(s)\rho^n`, :math:`c_n(t) = E[f(h_t) He_n(z_t)]/\sqrt{n!}`
(coefficients once per time point; quadrature fallback where the series does not converge;
see ``method`` of :func:`solve_nonstationary`).

Scheme.  The order parameters are integrated causally forward on a band of the (t, s) grid
(step Δ, band of B steps) with the first-order recursion of [EIKGA] -- which is the exact
DMFT of the Euler map :math:`h_{n+1} = (1-\Delta)h_n + \Delta(J\phi(h_n) + I_n)`:

.. math::

    c_{n+1,n+1} &= (1-\Delta)^2 c_{n,n} + 2(1-\Delta)\Delta\, r_{n,n}
                   + \Delta^2[g^2 q_\phi(n,n) + X_0],\\
    c_{j,n+1} &= (1-\Delta)c_{j,n} + \Delta r_{j,n},\qquad
    r_{j+1,n+1} = (1-\Delta) r_{j,n+1} + \Delta[g^2 q_\phi(j,n+1) + X_{n+1-j}],

:math:`r_{j,n} = \langle\tilde h_j u_n\rangle` (u = η + independent input), r = 0 at the
band edge; k and its partner l obey the same recursion with :math:`g^2 q_{\phi'} k`, seeded
with k = 1 on the diagonal after the transient.  The mean takes a backward-Euler step (the
mean mode relaxes at rate ~ :math:`\sqrt K J_0\Phi(x)`, which makes explicit Euler unstable
at the paper's Δ for large N).  λ(Δ) has an expansion in powers of Δ, so Richardson
extrapolation (``order=2``: Δ, Δ/2; ``order=3``: Δ, Δ/2, Δ/4) raises the order.  The time
span T = n_steps Δ and the band length BΔ are kept fixed across the levels.

Independent input (fraction 1 - c of the variance): OU enters X exactly
(:math:`X(\tau) = (1-c)\sigma^2 e^{-|\tau|/\tau_I}`); sinusoids with random phases θ enter as
the filtered deterministic signal :math:`y_n(\theta)` added to the mean inside every Gaussian
integral and averaged over θ (trapezoid rule, ``n_phase`` nodes) -- exact, not Gaussian;
``independent_sine="gaussian"`` instead adds :math:`\tfrac12(1-c)A^2\cos(2\pi f\tau)` to X
(a Gaussian surrogate, an approximation, flagged in the result).
"""
import functools
import math
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from .. import nonlinearities
from .._transfer import ERF, LINEAR, RELU, TANH, USER
from .._validation import check_choice, check_int, check_real, check_seed
from ..errors import ConvergenceError, UnsupportedRegimeError
from ..inputs import Input, SineInput
from ..results import Result, provenance, standard_diagnostics

__all__ = ["solve_nonstationary", "quasi_static_lambda", "NonstationarySolution",
           "QuasiStaticLambda"]

_STATUS = {1: "variance c(t,t) left (0, inf)", 2: "mean equation (backward Euler) failed",
           3: "perturbation kernel k(t,t) left (0, inf)"}


@dataclass
class NonstationarySolution(Result):
    r"""Solution of the non-stationary two-time DMFT (:func:`solve_nonstationary`).

    Attributes
    ----------
    t : ndarray
        Time grid (τ) of the base step Δ, t = nΔ, n = 0..n_steps.
    mean_input : ndarray
        Population mean m(t) of the input current.
    mean_rate : ndarray
        ν(t) = ⟨φ(h(t))⟩.
    variance : ndarray
        c(t,t), variance of the Gaussian part of h around m(t) (independent sinusoids are
        added on top of it inside the averages).
    band_t, band_lag, band : ndarray
        c(t, t - τ) on the rows ``band_t`` (every ``band_stride`` steps) and lags ``band_lag``.
    k_t, half_log_k : ndarray
        Times from the seed of k on and ½ ln k(t,t) (base Δ).
    lambda_max : float
        Largest Lyapunov exponent (1/τ); Richardson-extrapolated for order > 1.
    lambda_max_error : float
        Error estimate: fit error (order 1: nothing else -- the O(Δ) error is not estimated)
        plus, for order 2, the size of the first-order correction |λ(Δ/2) - λ(Δ)| (a
        conservative bound: ~15x the true error in the stationary test) or, for order 3, the
        size of the last Richardson correction.  Not included: the band truncation (r = 0
        at the band edge), measured 7e-6 for g = 2 with a 32 τ band (1e-3 with 16 τ).
    fit_window : tuple
        (t0, t1) of the fit of ½ ln k(t,t).
    order : int
        1 (reference scheme), 2 or 3 (Richardson levels).
    convergence : dict
        ``dt``, ``lambda`` (one per level), ``fit_error``, ``richardson`` (table) and
        ``observed_order`` (order 3: log2 of the ratio of successive differences).
    approximation : str or None
        Non-None when a Gaussian surrogate was used for independent sinusoids.
    """

    t: np.ndarray
    mean_input: np.ndarray
    mean_rate: np.ndarray
    variance: np.ndarray
    band_t: np.ndarray
    band_lag: np.ndarray
    band: np.ndarray
    k_t: np.ndarray
    half_log_k: np.ndarray
    lambda_max: float
    lambda_max_error: float
    fit_window: tuple
    order: int
    convergence: dict
    approximation: object
    parameters: dict
    diagnostics: dict
    method: str = "nonstationary"
    model: object = None
    settings: dict = field(default_factory=dict)
    versions: dict = field(default_factory=provenance)

    def __post_init__(self):
        self.diagnostics = standard_diagnostics(self.diagnostics)

    @property
    def lambda_max_units(self):
        return "1/tau"


@dataclass
class QuasiStaticLambda(Result):
    r"""Quasi-static (f → 0) λ_max of the balanced ReLU network with common sinusoidal input.

    Attributes
    ----------
    lambda_max, lambda_max_error : float
        :math:`\lambda_{qs} = \lambda_0 - (1+\lambda_0)p_{silent}`; error from λ0.
    lambda0 : float
        Stationary λ_max(g) (no modulation).
    silent_fraction : float
        :math:`p_{silent} = 1/2 - \arcsin(\sqrt K I_0/I_1)/\pi` (0 if :math:`I_1 \le \sqrt K I_0`).
    critical_amplitude : float
        :math:`I_{1,c} = \sqrt K I_0/\cos(\pi\lambda_0/(1+\lambda_0))` (inf if λ0 <= 0).
    """

    lambda_max: float
    lambda_max_error: float
    lambda0: float
    silent_fraction: float
    critical_amplitude: float
    parameters: dict
    diagnostics: dict
    method: str = "quasi-static"
    model: object = None
    settings: dict = field(default_factory=dict)
    versions: dict = field(default_factory=provenance)

    def __post_init__(self):
        self.diagnostics = standard_diagnostics(self.diagnostics, iterations=0, n_evaluations=1)


# ------------------------------------------------------------------ set-up

@dataclass
class _Problem:
    g: float
    J0: float
    I0: float
    K: int
    nl: object
    inp: object


def _problem(model, g, J0, I0, K, phi, input):
    from ..models import BalancedNetwork
    if model is not None:
        if not isinstance(model, BalancedNetwork):
            raise TypeError(f"model must be a BalancedNetwork, got {type(model).__name__}")
        warnings.warn("solve_nonstationary(model) is deprecated: pass the plain parameters g, J0, I0, K, "
                      "phi, input, or use meanfield.dmft.solve(model)", DeprecationWarning, stacklevel=3)
        if any(v is not None for v in (g, J0, I0, K, phi, input)):
            raise TypeError("pass either model or the parameters g, J0, I0, K, phi, input, not both")
        if model.connectivity != "dense":
            raise UnsupportedRegimeError("connectivity: the non-stationary DMFT covers dense BalancedNetwork "
                                         f"couplings, got {model.connectivity!r}")
        g, J0, I0, K, nl, inp = model.g, model.J0, model.I0, model.K, model.nonlinearity, model.input
    else:
        if g is None or J0 is None or I0 is None or K is None:
            raise TypeError("give a BalancedNetwork model or all of g, J0, I0, K")
        nl = nonlinearities.resolve("relu" if phi is None else phi)
        inp = input
    g = check_real("g", g, 0.0, low_open=True)
    J0 = check_real("J0", J0, 0.0, low_open=True)
    I0 = check_real("I0", I0, 0.0, low_open=True)
    K = check_int("K", K, 1)
    if inp is not None and not isinstance(inp, Input):
        raise TypeError(f"input must be None, SineInput or OUInput, got {type(inp).__name__}")
    if nl.code not in (RELU, TANH, ERF, LINEAR, USER):
        raise ValueError(f"phi: unknown transfer function code {nl.code} ({nl.name!r})")
    return _Problem(g, J0, I0, K, nl, inp)


def _kernels(nl):
    from . import _ns_kernels as NK
    if nl.code == USER:
        return NK.kernel_set(nl.phi_user, nl.dphi_user)
    return NK.kernel_set()


def _amplitudes(inp):
    """(kind, common amplitude, independent amplitude) of the input."""
    if inp is None:
        return None, 0.0, 0.0
    c = inp.c
    A = inp.amplitude if isinstance(inp, SineInput) else inp.std
    return ("sine" if isinstance(inp, SineInput) else "ou"), A * math.sqrt(c), A * math.sqrt(1.0 - c)


def _ou_path(n, dt, tau, rng):
    """Unit-variance OU sampled exactly on t = i dt, i = 0..n, from the stationary law."""
    a = math.exp(-dt / tau)
    b = math.sqrt(max(0.0, 1.0 - a * a))
    z = rng.standard_normal(n + 1)
    x = np.empty(n + 1)
    x[0] = z[0]
    for i in range(1, n + 1):
        x[i] = a * x[i - 1] + b * z[i]
    return x


def _initial(p):
    """Start (m0, c0): half the units active (x = 0) at the balanced rate I0/J0."""
    from .._gauss_kernels import F_PHI
    target = p.I0 / p.J0
    if p.nl.code == RELU:
        return 0.0, 2.0 * math.pi * target * target
    c0 = 1.0
    nu0 = _kernels(p.nl).q1(p.nl.code, F_PHI, 0.0, c0)
    return 0.0, c0 if nu0 <= 0 else c0 * max(1.0, target / nu0)


_SERIES_BUDGET = 2 ** 27     # bytes for the ring of Mehler coefficients (sets the cap on terms)


def _series_cap(B, nph):
    """Terms kept per time point: 4 arrays of (B + 1) x phases x cap doubles within the budget."""
    from ._mehler_kernels import N_MAX
    return int(min(N_MAX, max(64, _SERIES_BUDGET // (32 * (B + 1) * max(nph, 1)))))


def _run_level(p, dt, n_steps, B, seed_step, common, xcov_fn, ph, quad, threads, stride, do_k=True,
               series=False):
    """One forward integration at step dt; returns arrays, status info and timings.

    quad: quadrature in every cell; series: Mehler series (tanh, erf, linear, user pairs)."""
    from . import _ns_kernels as NK
    from ._mehler_kernels import hermite_weights as _hermite_weights
    m0, c0 = _initial(p)
    lags = dt * np.arange(B + 1)
    c_init = c0 * (0.5 + 0.5 * np.exp(-lags))
    xcov = np.ascontiguousarray(xcov_fn(lags), dtype=np.float64)
    ph_amp, ph_omega, ph_arg0, nph = ph(dt)
    m_out = np.empty(n_steps + 1 + B)
    v_out = np.empty(n_steps + 1 + B)
    nu = np.empty(n_steps + 1)
    logk = np.zeros(n_steps + 1)
    nrow = n_steps // stride + 1 if stride > 0 else 1
    band = np.zeros((nrow, B + 1))
    info = np.zeros(NK.INFO_SIZE)
    sK = math.sqrt(p.K)
    ks = _kernels(p.nl)
    if series:
        mode, ncap = NK.MODE_SERIES, _series_cap(B, nph)
        Z, W = _hermite_weights()
    else:
        mode, ncap = (NK.MODE_QUAD if quad else NK.MODE_BEST), 1
        Z, W = np.zeros(1), np.zeros((1, 1))
    if p.nl.code == USER and not (quad or series):
        mode = NK.MODE_QUAD
    fn = ks.integrate(threads != 1)
    ip, fp = NK.pack_params(code=p.nl.code, mode=mode, n_steps=n_steps, band=B, n_phase=nph, n_seed=seed_step,
                            do_k=do_k, stride=stride, ncap=ncap, g2=p.g * p.g, sKJ0=sK * p.J0, sKI0=sK * p.I0,
                            dt=dt, ph_amp=ph_amp, ph_omega=ph_omega, ph_arg0=ph_arg0, m0=m0)
    t0 = time.perf_counter()
    st = fn(ip, fp, common, xcov, c_init, Z, W, m_out, v_out, nu, logk, band, info)
    elapsed = time.perf_counter() - t0
    inf = NK.decode_info(info)
    if st != NK.OK:
        n = int(inf["fail_step"])
        raise ConvergenceError(
            f"non-stationary DMFT failed at step {n} (t = {n * dt:.6g}): {_STATUS.get(st, st)}",
            {"dt": dt, "step": n, "t": n * dt, "m": float(m_out[B + n - 1]), "c_tt": float(v_out[B + n - 1]),
             "status": int(st)})
    out = {"m": m_out[B:], "v": v_out[B:], "nu": nu, "logk": logk, "band": band, "seconds": elapsed,
           "max_clip": inf["max_clip"], "max_clip_k": inf["max_clip_k"],
           "newton_max_iterations": int(inf["newton_max_iterations"])}
    if series:
        out["series"] = {k: int(inf[k]) for k in ("evaluations", "fallback", "max_terms", "truncated",
                                                  "untrusted")}
        out["series"]["term_cap"] = ncap
    return out


# ------------------------------------------------------------------ fit

def _chord(t, L):
    return (L[-1] - L[0]) / (t[-1] - t[0])


def _fit_lambda(t, L, period=None):
    r"""Slope of L(t) = ½ ln k(t,t): through the per-period maxima of the detrended
    oscillation (periodic input), else least squares.  Returns (slope, error, details)."""
    if t.size < 8:
        raise ConvergenceError("lambda fit: fewer than 8 points in the fit window", {"points": t.size})
    T = t[-1] - t[0]
    s0 = np.polyfit(t, L, 1)[0]
    half = t.size // 2
    s_a = np.polyfit(t[:half], L[:half], 1)[0]
    s_b = np.polyfit(t[half:], L[half:], 1)[0]
    if period is not None and T >= 4.0 * period:
        nper = int(T // period)
        tt, LL = t[t <= t[0] + nper * period + 1e-12], L[t <= t[0] + nper * period + 1e-12]
        chord = _chord(tt, LL)
        res = LL - chord * tt
        idx = []
        for i in range(nper):
            sel = np.nonzero((tt >= tt[0] + i * period) & (tt < tt[0] + (i + 1) * period))[0]
            if sel.size:
                idx.append(sel[np.argmax(res[sel])])
        idx = np.array(idx)
        A = np.vstack([tt[idx], np.ones(idx.size)]).T
        coef, ssr = np.linalg.lstsq(A, LL[idx], rcond=None)[:2]
        slope = coef[0]
        dof = max(idx.size - 2, 1)
        sig2 = float(ssr[0]) / dof if ssr.size else 0.0
        se = math.sqrt(sig2 / np.sum((tt[idx] - tt[idx].mean()) ** 2))
        h = idx.size // 2
        sa = np.polyfit(tt[idx[:h]], LL[idx[:h]], 1)[0] if h >= 3 else slope
        sb = np.polyfit(tt[idx[h:]], LL[idx[h:]], 1)[0] if idx.size - h >= 3 else slope
        err = max(se, abs(slope - chord), 0.5 * abs(sa - sb))
        det = {"method": "period maxima", "n_maxima": int(idx.size), "chord": float(chord),
               "stderr": float(se), "half_difference": float(sa - sb)}
        return float(slope), float(err), det
    err = 0.5 * abs(s_a - s_b)
    return float(s0), float(err), {"method": "least squares", "half_difference": float(s_a - s_b)}


# ------------------------------------------------------------------ public

def solve_nonstationary(model=None, *, g=None, J0=None, I0=None, K=None, phi=None, input=None,
                        dt=2.0 ** -4, n_steps=2 ** 13, band=2 ** 9, order=2, transient=0.5, fit_skip=0.25,
                        seed=None, n_phase=32, independent_sine="phase_average", band_stride=None,
                        cells="auto", threads=1, method=None):
    r"""Non-stationary DMFT and :math:`\lambda_\max` of a balanced network with time-varying input.

    Parameters
    ----------
    model : BalancedNetwork, optional
        Deprecated (use :func:`meanfield.dmft.solve` for a model): a dense balanced network
        (its g, J0, I0, K, φ and input).  Give the parameters:
    g, J0, I0 : float
        Disorder strength g > 0, mean inhibition J0 > 0, drive I0 > 0 (enters as √K I0).
    K : int
        Tightness of balance (N for the dense network of [EIKGA]), K >= 1.
    phi : str or (phi, dphi) pair
        "relu" (default), "erf", "linear" (closed forms), "tanh" or a user pair of scalar
        Numba-compilable functions (Mehler series, see ``method``).  A user pair compiles its
        kernels on first use (no disk cache: ~20 s).
    input : SineInput, OUInput or None
        :math:`\delta I_i = A[\sqrt c\, s_0(t) + \sqrt{1-c}\, s_i(t)]`.  The common part drives
        m(t); for OU it is one sample path (``seed``), so λ is then a sample estimate.
    dt : float
        Base step Δ in (0, 0.5] (τ); the reference grid is Δ = 2⁻⁴.
    n_steps : int
        Steps at Δ (T = n_steps Δ; reference 2¹³).  Finer Richardson levels keep T.
    band : int
        Band width B in steps at Δ (reference 2⁹ = 32 τ); kept in τ at finer levels.
    order : {1, 2, 3}
        1: the first-order reference scheme; 2: Richardson with Δ/2 (cost ×5);
        3: Δ, Δ/2, Δ/4 (cost ×21) with the observed convergence order.
    transient : float in (0, 1)
        Fraction of T before k is seeded (reference 0.5).
    fit_skip : float in [0, 1)
        Fraction of the k run skipped before the fit of ½ ln k(t,t).
    seed : int, optional
        Seed of the OU sample path of common OU input.
    n_phase : int
        Trapezoid nodes for the phase average of independent sinusoids.
    independent_sine : {"phase_average", "gaussian"}
        Exact phase average, or a Gaussian surrogate (approximation) for independent sinusoids.
    band_stride : int, optional
        Store the band of c every ``band_stride`` steps (default: ~256 rows; 0: none).
    cells : {"auto", "closed_form", "series", "quadrature"}
        How each (t, s) cell's Gaussian integral is evaluated.
        "auto" (= "closed_form"): closed forms for ReLU, erf and linear, Mehler series for tanh
        and user pairs; "series" forces the series for any smooth φ (not ReLU); "quadrature"
        forces the library's Gauss-Legendre kernels in every cell (a check; tanh ~10³ times
        slower).  Series: for jointly Gaussian :math:`(h_t, h_s)` with correlation ρ,

        .. math::

            E[f(h_t) f(h_s)] = \sum_{n\ge0} c_n(t)\,c_n(s)\,\rho^n,\qquad
            c_n(t) = E[f(m_t + \sigma_t Z)\,He_n(Z)]/\sqrt{n!},

        (Mehler), f = φ, φ'; the :math:`c_n` are computed once per time point (and phase node)
        by a trapezoid rule, up to :math:`E[f^2] - \sum_{k<n} c_k^2 \le 5\cdot10^{-15}E[f^2]`;
        a cell is summed until the Cauchy-Schwarz tail bound
        :math:`|\rho|^n\sqrt{T_t(n)T_s(n)} \le 10^{-14}\sqrt{E[f_t^2]E[f_s^2]}`
        (:math:`T(n) = \sum_{k\ge n} c_k^2`) and falls back to the quadrature where that bound
        is not reached within the stored terms (large variance with |ρ| near 1); counts in
        ``diagnostics["series"]``.
    threads : int
        1 (default): serial; otherwise every row of the band is split over Numba's threads
        (worth it only on an otherwise idle machine).
    method : deprecated
        The old name of ``cells`` (``method`` now names the algorithm throughout meanfield).

    Returns
    -------
    NonstationarySolution

    Raises
    ------
    ConvergenceError
        The integration left the admissible range (diagnostics: step, t, m, c).

    Notes
    -----
    Measured for g = 2, I0 = J0 = 1, K = 5000 without modulation against the stationary
    Schrödinger value 0.0960066 (:func:`solve_balanced`): reference grid, order 1:
    -4.4e-4; order 2: -1.4e-5 (cost ≈ 5× order 1, ≈ 7 s on a loaded 2-core machine).
    Δ = 1/8, T = 256, band 32 τ: order 1 -8.5e-4, order 2 -2.6e-5, order 3 -9.9e-6 with
    observed order 0.96.  The k transient needs ~30 τ after the seed and the state ~B + 30 τ
    after the (generic) start, so keep ``transient * T`` ≳ band + 30 τ.
    """
    p = _problem(model, g, J0, I0, K, phi, input)
    dt = check_real("dt", dt, 0.0, 0.5, low_open=True)
    n_steps = check_int("n_steps", n_steps, 64)
    band = check_int("band", band, 2, n_steps)
    order = check_int("order", order, 1, 3)
    transient = check_real("transient", transient, 0.0, 1.0, low_open=True, high_open=True)
    fit_skip = check_real("fit_skip", fit_skip, 0.0, 1.0, high_open=True)
    n_phase = check_int("n_phase", n_phase, 2)
    check_choice("independent_sine", independent_sine, {"phase_average", "gaussian"})
    if method is not None:
        warnings.warn("solve_nonstationary(method=...) is deprecated; use cells=...", DeprecationWarning,
                      stacklevel=2)
        cells = method
    check_choice("cells", cells, {"auto", "closed_form", "series", "quadrature"})
    method = cells
    if method == "series" and p.nl.code == RELU:
        raise ValueError("cells: 'series' needs a smooth phi (the Mehler series of ReLU converges "
                         "algebraically); use 'auto' or 'quadrature'")
    threads = check_int("threads", threads, 1)
    ss = check_seed("seed", seed)
    if band_stride is None:
        band_stride = max(1, n_steps // 256)
    band_stride = check_int("band_stride", band_stride, 0)
    kind, a_com, a_ind = _amplitudes(p.inp)
    if kind == "sine" and (a_com > 0 or a_ind > 0):
        from .._engine import check_sampling
        check_sampling(p.inp.frequency, dt)          # >= 8 grid steps per period (aliasing)
    T = n_steps * dt
    nlev = order
    fine = 2 ** (nlev - 1)
    # common drive on the finest grid (OU: one exact sample path, shared by all levels)
    n_f = n_steps * fine
    dt_f = dt / fine
    t_f = dt_f * np.arange(n_f + 1)
    if kind == "sine" and a_com > 0:
        common_f = a_com * np.sin(2.0 * math.pi * p.inp.frequency * t_f + p.inp.phase)
    elif kind == "ou" and a_com > 0:
        common_f = a_com * _ou_path(n_f, dt_f, p.inp.tau, np.random.default_rng(ss))
    else:
        common_f = np.zeros(n_f + 1)
    approximation = None
    xcov_fn = (lambda lags: np.zeros(lags.size))  # noqa: E731
    ph = _no_phase
    if kind == "ou" and a_ind > 0:
        tau_i = p.inp.tau
        xcov_fn = (lambda lags: a_ind ** 2 * np.exp(-lags / tau_i))  # noqa: E731
    elif kind == "sine" and a_ind > 0:
        w = 2.0 * math.pi * p.inp.frequency
        if independent_sine == "gaussian":
            approximation = ("independent sinusoids replaced by a Gaussian process of covariance "
                             "(1-c) A^2 cos(2 pi f tau) / 2 (surrogate)")
            xcov_fn = (lambda lags: 0.5 * a_ind ** 2 * np.cos(w * lags))  # noqa: E731
        else:
            def ph(h):  # noqa: F811
                # steady state of y_{n+1} = (1-h) y_n + h A sin(w t_n + theta): Im(Y e^{i(w t + theta)})
                Y = h * a_ind / (np.exp(1j * w * h) - 1.0 + h)
                return float(abs(Y)), w, float(np.angle(Y)), n_phase
    period = None
    if kind == "sine" and a_com > 0:
        period = 1.0 / p.inp.frequency
    quad = method == "quadrature"
    series = method == "series" or (method in ("auto", "closed_form") and p.nl.code in (TANH, USER))
    runs = []
    for lev in range(nlev):
        r = 2 ** lev
        h = dt / r
        n = n_steps * r
        B = band * r
        step = fine // r
        common = np.ascontiguousarray(common_f[::step])
        seed_step = int(round(transient * n))
        runs.append(_run_level(p, h, n, B, seed_step, common, xcov_fn, ph, quad, threads,
                               band_stride * r if band_stride > 0 else 0, series=series))
    # fit every level on the same window in t
    t_seed = int(round(transient * n_steps)) * dt
    t0 = t_seed + fit_skip * (T - t_seed)
    lams, errs, fits = [], [], []
    for lev, run in enumerate(runs):
        h = dt / 2 ** lev
        tt = h * np.arange(run["logk"].size)
        sel = tt >= t0 - 1e-12
        lam, err, det = _fit_lambda(tt[sel], 0.5 * run["logk"][sel], period)
        lams.append(lam)
        errs.append(err)
        fits.append(det)
    table = [list(lams)]
    for k in range(1, nlev):
        prev = table[-1]
        table.append([(2 ** k * prev[i + 1] - prev[i]) / (2 ** k - 1) for i in range(len(prev) - 1)])
    lam = table[-1][0]
    if nlev == 1:
        err = errs[0]
        disc = None
    elif nlev == 2:
        disc = abs(lams[1] - lams[0])
        err = disc + 2 * errs[1] + errs[0]
    else:
        disc = abs(table[2][0] - table[1][1])
        err = disc + (8 * errs[2] + 6 * errs[1] + errs[0]) / 3.0
    observed = None
    if nlev == 3:
        d1, d2 = lams[0] - lams[1], lams[1] - lams[2]
        observed = math.log2(d1 / d2) if d1 * d2 > 0 else float("nan")
    base = runs[0]
    kk = int(round(transient * n_steps))
    t = dt * np.arange(n_steps + 1)
    stride = band_stride if band_stride > 0 else 0
    params = {"g": p.g, "J0": p.J0, "I0": p.I0, "K": p.K, "phi": p.nl.name,
              "input": None if p.inp is None else p.inp.to_dict(), "dt": dt, "n_steps": n_steps,
              "band": band, "order": order, "transient": transient, "fit_skip": fit_skip,
              "seed": None if seed is None else int(ss.entropy), "n_phase": n_phase,
              "independent_sine": independent_sine, "cells": method}
    diag = {"seconds": [r["seconds"] for r in runs], "fit": fits,
            "max_covariance_clip_transient": max(r["max_clip"] for r in runs),
            "max_covariance_clip": max(r["max_clip_k"] for r in runs),
            "newton_max_iterations": max(r["newton_max_iterations"] for r in runs),
            "discretisation_error": disc, "sample_estimate": kind == "ou" and a_com > 0,
            "cells": "quadrature" if quad else ("series" if series else "closed_form")}
    if series:
        ser = [r["series"] for r in runs]
        tot = sum(s["evaluations"] for s in ser)
        fb = sum(s["fallback"] for s in ser)
        diag["series"] = {"evaluations": tot, "fallback": fb, "fallback_fraction": fb / tot if tot else 0.0,
                          "max_terms": max(s["max_terms"] for s in ser),
                          "truncated_time_points": sum(s["truncated"] for s in ser),
                          "untrusted_time_points": sum(s["untrusted"] for s in ser),
                          "term_cap": min(s["term_cap"] for s in ser)}
    fb = diag["series"]["fallback"] if series else 0
    cells = sum(n_steps * band * 4 ** lv for lv in range(nlev))      # (t, s) cells over the levels
    diag.update(standard_diagnostics({}, iterations=nlev, fallbacks=fb, n_evaluations=cells))
    return NonstationarySolution(
        t=t, mean_input=base["m"].copy(), mean_rate=base["nu"].copy(), variance=base["v"].copy(),
        band_t=(t[::stride] if stride else np.zeros(0)), band_lag=dt * np.arange(band + 1),
        band=(base["band"] if stride else np.zeros((0, band + 1))),
        k_t=t[kk:], half_log_k=0.5 * base["logk"][kk:], lambda_max=float(lam), lambda_max_error=float(err),
        fit_window=(float(t0), float(T)), order=order,
        convergence={"dt": [dt / 2 ** i for i in range(nlev)], "lambda": lams, "fit_error": errs,
                     "richardson": table, "observed_order": observed},
        approximation=approximation, parameters=params, diagnostics=diag)


def _no_phase(h):
    return 0.0, 0.0, 0.0, 0


@functools.lru_cache(maxsize=64)
def _lambda0(g):
    """Stationary lambda_max(g) of the balanced ReLU network (independent of J0, I0, K)."""
    from .stationary import solve_balanced
    st = solve_balanced(g, 1.0, 1.0, 1)
    return st.lambda_max, st.lambda_max_error


def quasi_static_lambda(model=None, *, g=None, I0=None, I1=None, K=None):
    r"""Quasi-static (f → 0) :math:`\lambda_\max` of the balanced ReLU network with common sine input.

    ReLU is positively homogeneous, so at a frozen drive :math:`D = \sqrt K I_0 + I_1\sin\theta`
    the balanced chaotic state is a rescaled copy of the unmodulated one, with exponent
    :math:`\lambda_0(g)`, while D > 0; for D < 0 the network is silent (all φ' = 0) with
    exponent -1.  Averaging over the cycle (adiabatic following of the perturbation):

    .. math::

        \lambda_{qs} = \lambda_0 - (1+\lambda_0)\,p_{silent},\qquad
        p_{silent} = \tfrac12 - \tfrac1\pi\arcsin\frac{\sqrt K I_0}{I_1}\quad(I_1 > \sqrt K I_0),

    so :math:`I_{1,c}(f\to 0) = \sqrt K I_0/\cos(\pi\lambda_0/(1+\lambda_0))`.

    This assumes that the chaotic state is re-established immediately when D turns
    positive.  In the noise-free DMFT the temporal fluctuations decay during the silent
    phase as :math:`e^{-2t}` and regrow at the rate of the unstable fixed point, so the
    recovery time scales with the silent time as well; the formula is the limit for a
    network with a floor of fluctuations (noise, finite precision) and is exact for
    :math:`I_1 \le \sqrt K I_0` (no silent phase: :math:`\lambda_{qs} = \lambda_0`).

    Parameters
    ----------
    model : BalancedNetwork with a common SineInput, optional
        Or the parameters g, I0, I1 (common amplitude) and K.

    Returns
    -------
    QuasiStaticLambda
    """
    from ..models import BalancedNetwork
    if model is not None:
        if not isinstance(model, BalancedNetwork):
            raise TypeError(f"model must be a BalancedNetwork, got {type(model).__name__}")
        if model.nonlinearity.code != RELU:
            raise UnsupportedRegimeError(f"phi: the quasi-static limit needs ReLU, got "
                                         f"{model.nonlinearity.name!r}")
        if not isinstance(model.input, SineInput):
            raise ValueError("input: the quasi-static limit needs a SineInput")
        g, I0, K = model.g, model.I0, model.K
        I1 = model.input.amplitude * math.sqrt(model.input.c)
    elif g is None or I0 is None or I1 is None or K is None:
        raise TypeError("give a BalancedNetwork model or all of g, I0, I1, K")
    g = check_real("g", g, 0.0, low_open=True)
    I0 = check_real("I0", I0, 0.0, low_open=True)
    I1 = check_real("I1", I1, 0.0)
    K = check_int("K", K, 1)
    lam0, lam0_err = _lambda0(g)
    D0 = math.sqrt(K) * I0
    p = 0.5 - math.asin(D0 / I1) / math.pi if I1 > D0 else 0.0
    lam = lam0 - (1.0 + lam0) * p
    crit = D0 / math.cos(math.pi * lam0 / (1.0 + lam0)) if lam0 > 0 else math.inf
    return QuasiStaticLambda(lambda_max=lam, lambda_max_error=(1.0 - p) * lam0_err, lambda0=lam0,
                             silent_fraction=p, critical_amplitude=crit,
                             parameters={"g": g, "I0": I0, "I1": I1, "K": K}, diagnostics={})
