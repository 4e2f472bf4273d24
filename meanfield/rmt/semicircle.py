r"""§6.1 The trivial fixed point (g < 1): semicircle law, Euler-map formula; §6.4 near-onset approximation.

At the fixed point h = 0 of an autonomous network with :math:`\phi(0) = 0` the Jacobian is
constant, so the Lyapunov exponents are eigenvalue functions of :math:`J` (exact at every N):

* continuous time, :math:`\dot h = -h + J\phi(h)`:
  :math:`\lambda_i = -1 + \phi'(0)\,\mathrm{Re}\,\mu_i(J)` (1/τ);
* discrete time (Euler map with step Δ, ``leak``),
  :math:`h_{t+1} = (1-\Delta)h_t + \Delta J\phi(h_t)`:
  :math:`\lambda_i = \ln|1 - \Delta + \Delta\phi'(0)\mu_i(J)|` per iteration (divide by Δ for
  the rate per τ of the Euler discretisation, physics.md §6.1; :math:`\Delta = 1`:
  :math:`\ln|\phi'(0)\mu_i|`).

As N → ∞ the eigenvalues of :math:`\phi'(0) J` fill the disk of radius :math:`R = g|\phi'(0)|`
uniformly (circular law), which gives the N → ∞ laws:

* continuous time: the semicircle
  :math:`F(s) = 1 - \arccos(c)/\pi + c\sqrt{1-c^2}/\pi`, :math:`c = (1+s)/R` clipped to [-1, 1];
  parametrically :math:`u(\theta) = (\theta - \sin\theta\cos\theta)/\pi`, :math:`\lambda = -1 + R\cos\theta`;
* discrete time: :math:`F(s)` = the area of the disk :math:`|\mu| \le R` inside
  :math:`|\mu + (1-\Delta)/\Delta| \le e^{s}/\Delta`, over :math:`\pi R^2` (two-circle
  intersection, closed form); :math:`\Delta = 1`: :math:`\lambda(u) = \tfrac12\ln(R^2(1-u))`.

Near-onset approximation (continuous time, g slightly above 1, labelled as such): the same
semicircle with the DMFT gains, :math:`R = g\sqrt{E[\phi'(\sqrt{\Delta_0}z)^2]}` (the outer radius
of the spectrum of :math:`gJD`), :math:`\Delta_0` the stationary DMFT variance.  Its error is
reported as the difference of its top :math:`-1 + R` from the stationary DMFT
:math:`\lambda_{\max}` (``lambda_max_error``: 0.008 at g = 1.2, 0.011 at g = 1.25, 0.080 at
g = 2).  Against published large-N spectra (davidclark1/rnn-lyapunov data, N = 8192 at
g = 1.25, 4096 at g = 2): D/N +57 % and +129 %, H/N +143 % and +230 % too high -- an order-of-
magnitude guide near onset only; the snapshot approximation is closer at every g measured.
"""
import math

import numpy as np

from .. import nonlinearities
from .._validation import check_choice, check_int, check_real

__all__ = ["fixed_point_exponents", "semicircle_cdf", "semicircle_quantile", "euler_map_cdf",
           "semicircle_spectrum"]

_TH = np.linspace(0.0, math.pi, 8193)


def fixed_point_exponents(J, time="continuous", leak=1.0, dphi0=1.0):
    r"""Exact exponents at the fixed point h = 0 from the eigenvalues of J, descending.

    Parameters
    ----------
    J : array_like (N, N)
        Coupling matrix (or a 1-D array of its eigenvalues).
    time : {"continuous", "discrete"}
    leak : float
        Δ in (0, 1] (discrete time).
    dphi0 : float
        :math:`\phi'(0)`.

    Returns
    -------
    ndarray (N,)
        :math:`-1 + \phi'(0)\mathrm{Re}\,\mu_i` (1/τ) or :math:`\ln|1-\Delta+\Delta\phi'(0)\mu_i|`
        (per iteration).
    """
    time = check_choice("time", time, {"continuous", "discrete"})
    leak = check_real("leak", leak, 0.0, 1.0, low_open=True)
    dphi0 = check_real("dphi0", dphi0)
    J = np.asarray(J)
    if J.ndim == 2:
        if J.shape[0] != J.shape[1]:
            raise ValueError(f"J must be square, got shape {J.shape}")
        mu = np.linalg.eigvals(np.asarray(J, dtype=np.float64))
    elif J.ndim == 1:
        mu = J.astype(np.complex128)
    else:
        raise ValueError(f"J must be a square matrix or a 1-D array of eigenvalues, got shape {J.shape}")
    mu = dphi0 * mu
    if time == "continuous":
        lam = -1.0 + mu.real
    else:
        with np.errstate(divide="ignore"):
            lam = np.log(np.abs(1.0 - leak + leak * mu))
    return np.sort(lam)[::-1]


def _theta_of_u(u):
    """Solve (theta - sin theta cos theta)/pi = u on [0, pi] (vectorised Newton from a table)."""
    u = np.asarray(u, dtype=np.float64)
    ut = (_TH - np.sin(_TH) * np.cos(_TH)) / math.pi
    th = np.interp(u, ut, _TH)
    lo = np.interp(u, ut, _TH, left=0.0) - math.pi / 8192
    hi = th + math.pi / 8192
    lo, hi = np.maximum(lo, 0.0), np.minimum(hi, math.pi)
    for _ in range(30):
        f = (th - np.sin(th) * np.cos(th)) / math.pi - u
        fp = 2.0 * np.sin(th) ** 2 / math.pi
        lo = np.where(f < 0, th, lo)
        hi = np.where(f > 0, th, hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            tn = th - f / fp
        bad = ~((tn > lo) & (tn < hi))
        tn = np.where(bad, 0.5 * (lo + hi), tn)
        done = np.all(np.abs(tn - th) < 1e-15)
        th = tn
        if done:
            break
    th = np.where(u <= 0.0, 0.0, np.where(u >= 1.0, math.pi, th))   # ends exactly (f' = 0 there)
    return th


def semicircle_cdf(s, radius):
    r"""Semicircle CDF :math:`F(s) = 1 - \arccos(c)/\pi + c\sqrt{1-c^2}/\pi`, :math:`c = (1+s)/R`."""
    R = check_real("radius", radius, 0.0, low_open=True)
    c = np.clip((1.0 + np.asarray(s, dtype=np.float64)) / R, -1.0, 1.0)
    return 1.0 - np.arccos(c) / math.pi + c * np.sqrt(1.0 - c * c) / math.pi


def semicircle_quantile(u, radius):
    r"""Quantile :math:`\lambda(u) = -1 + R\cos\theta(u)`, :math:`(\theta - \sin\theta\cos\theta)/\pi = u`."""
    R = check_real("radius", radius, 0.0, low_open=True)
    u = np.asarray(u, dtype=np.float64)
    if np.any(~np.isfinite(u)) or np.any((u < 0) | (u > 1)):
        raise ValueError("u must lie in [0, 1]")
    return -1.0 + R * np.cos(_theta_of_u(u))


def _disk_intersection(r1, r2, d):
    """Area of the intersection of disks of radii r1, r2 at centre distance d (vectorised)."""
    r1, r2, d = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in (r1, r2, d)))
    out = np.zeros(r1.shape)
    inside = d <= np.abs(r1 - r2)
    out[inside] = math.pi * np.minimum(r1, r2)[inside] ** 2
    lens = (d < r1 + r2) & ~inside
    a, b, e = r1[lens], r2[lens], d[lens]
    c1 = np.clip((e * e + a * a - b * b) / (2 * e * a), -1, 1)
    c2 = np.clip((e * e + b * b - a * a) / (2 * e * b), -1, 1)
    k = np.maximum((-e + a + b) * (e + a - b) * (e - a + b) * (e + a + b), 0.0)
    out[lens] = a * a * np.arccos(c1) + b * b * np.arccos(c2) - 0.5 * np.sqrt(k)
    return out


def euler_map_cdf(s, radius, leak):
    r"""N → ∞ CDF of :math:`\ln|1-\Delta+\Delta\mu|` (per iteration), μ uniform in the disk of radius R."""
    R = check_real("radius", radius, 0.0, low_open=True)
    a = check_real("leak", leak, 0.0, 1.0, low_open=True)
    s = np.asarray(s, dtype=np.float64)
    with np.errstate(over="ignore"):
        rho = np.exp(s) / a
    F = _disk_intersection(R, rho, (1.0 - a) / a) / (math.pi * R * R)
    return np.clip(F, 0.0, 1.0)


def _euler_range(R, a):
    top = math.log(1.0 - a + a * R)
    m = 1.0 - a - a * R
    bot = math.log(m) if m > 0 else -math.inf
    return bot, top


def _euler_quantile(u, R, a):
    """Vectorised bisection of F(s) = 1 - u in s (80 halvings)."""
    bot, top = _euler_range(R, a)
    lo = np.full(np.shape(u), bot if np.isfinite(bot) else top - 80.0)
    hi = np.full(np.shape(u), top)
    target = 1.0 - np.asarray(u, dtype=np.float64)
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        f = euler_map_cdf(mid, R, a)
        lo = np.where(f < target, mid, lo)
        hi = np.where(f >= target, mid, hi)
    return 0.5 * (lo + hi)


def _gl_integrals(lam, du, p_lo, p_hi, p0=None, n_pan=64):
    """(mean, H/N, p_KY) of a parametric law lambda(p) (decreasing), du/dp on [p_lo, p_hi].

    p0: where lambda = 0 (None if lambda_max <= 0).  p_KY is the parameter where the cumulative
    integral returns to 0 (the mean must be < 0).
    """
    from scipy.optimize import brentq
    x, wx = np.polynomial.legendre.leggauss(24)

    def integ(a, b, positive=False):
        if b <= a:
            return 0.0
        e = np.linspace(a, b, n_pan + 1)
        p = (0.5 * (e[:-1, None] + e[1:, None]) + 0.5 * (e[1:, None] - e[:-1, None]) * x).ravel()
        w = (0.5 * (e[1:, None] - e[:-1, None]) * wx).ravel()
        v = lam(p)
        return float(np.sum(w * v * du(p)))

    mean = integ(p_lo, p_hi)
    if p0 is None:                       # lambda_max <= 0
        return mean, 0.0, p_lo
    H = integ(p_lo, p0)
    pk = brentq(lambda p: H + integ(p0, p), p0, p_hi, xtol=1e-14, rtol=1e-15)
    return mean, H, pk


def semicircle_spectrum(g, phi="tanh", N=1000, n=None, time="continuous", leak=1.0, model=None):
    r"""Spectrum at the trivial fixed point (exact N → ∞ law for :math:`g|\phi'(0)| < 1`), or the
    near-onset approximation (continuous time, :math:`g|\phi'(0)| \ge 1`).

    Parameters
    ----------
    g : float
        Coupling gain, g > 0.
    phi : str or (phi, dphi) pair
        Transfer function with :math:`\phi(0) = 0`.
    N : int
        System size for the extensive quantities.
    n : int, optional
        Number of exponents (default N), :math:`\lambda(u_i)`, :math:`u_i = (i-1/2)/n`.
    time : {"continuous", "discrete"}
    leak : float
        Δ (discrete time).
    model : dict, optional

    Returns
    -------
    RMTSpectrum
        method "semicircle"; 1/τ (continuous) or per iteration (discrete).

    Raises
    ------
    UnsupportedRegimeError
        :math:`\phi(0) \ne 0`, or discrete time with :math:`g|\phi'(0)| \ge 1` (use "free").
    """
    from ..errors import UnsupportedRegimeError
    from ..results import diagnostics
    from .results import spectrum_from_law
    g = check_real("g", g, 0.0, low_open=True)
    nl = nonlinearities.resolve(phi)
    N = check_int("N", N, 1)
    n = N if n is None else check_int("n", n, 1)
    time = check_choice("time", time, {"continuous", "discrete"})
    a = check_real("leak", leak, 0.0, 1.0, low_open=True)
    if time == "continuous" and a != 1.0:
        raise ValueError("leak applies to time='discrete' only")
    if float(nl(0.0)) != 0.0:
        raise UnsupportedRegimeError(f"phi(0) = {float(nl(0.0))!r} != 0: h = 0 is not a fixed point; "
                                     "the semicircle law needs phi(0) = 0")
    d0 = abs(float(nl.derivative(0.0)))
    R = g * d0
    u_i = (np.arange(1, n + 1) - 0.5) / n
    settings = {"g": g, "phi": nl.name, "time": time, "leak": a, "n": n}
    if time == "discrete":
        if R >= 1.0:
            raise UnsupportedRegimeError(
                f"discrete time with g |phi'(0)| = {R:g} >= 1 is chaotic: the fixed-point law does not "
                "apply; use method='free' (leak 1)")
        bot, top = _euler_range(R, a)
        lam = _euler_quantile(u_i, R, a)
        tu = np.concatenate([[0.0], np.linspace(0, 1, 4097)[1:-1], [1.0]])
        tl = np.concatenate([[top], _euler_quantile(tu[1:-1], R, a), [bot]])
        if a == 1.0:
            mean = 0.5 * (math.log(R * R) - 1.0)
        else:
            s_lo = bot if np.isfinite(bot) else top - 80.0
            ss = np.linspace(s_lo, top, 20001)
            F = euler_map_cdf(ss, R, a)
            mean = float(top - np.sum(0.5 * (F[1:] + F[:-1]) * np.diff(ss)))    # E s = top - int F ds
        settings.update(radius=R)
        return spectrum_from_law(
            exponents=lam, table_u=tu, table_lambda=tl, N=N, dimension=0.0, entropy_rate=0.0,
            dimension_per_N=0.0, entropy_rate_per_N=0.0, lambda_max=top, lambda_max_error=0.0,
            mean_exponent=mean, method="semicircle",
            regime=("trivial fixed point h = 0, g |phi'(0)| < 1, discrete time: exact as N -> inf "
                    "(circular law of J); at finite N the exact exponents are "
                    "rmt.fixed_point_exponents(J, 'discrete', leak)"),
            model=model, settings=settings, diagnostics=diagnostics(converged=True, iterations=100))
    exact = R < 1.0
    lmax_err = 0.0
    if not exact:
        from ..dmft import solve_scs
        from ..gaussian import expect
        sol = solve_scs(g, phi=nl, time="continuous")
        R = g * math.sqrt(expect("dphi2", 0.0, sol.variance, phi=nl))
        lmax_err = abs(-1.0 + R - sol.lambda_max)
        settings.update(dmft_variance=float(sol.variance), dmft_lambda_max=float(sol.lambda_max))
    settings.update(radius=R)
    lam = semicircle_quantile(u_i, R)
    th = _TH
    tu = (th - np.sin(th) * np.cos(th)) / math.pi
    tl = -1.0 + R * np.cos(th)
    keep = np.concatenate([[True], np.diff(tu) > 0])
    tu, tl = tu[keep], tl[keep]
    if R > 1.0:
        p0 = math.acos(1.0 / R)
        mean, H, p_ky = _gl_integrals(lambda p: -1.0 + R * np.cos(p),
                                      lambda p: 2.0 * np.sin(p) ** 2 / math.pi, 0.0, math.pi, p0)
        D = (p_ky - math.sin(p_ky) * math.cos(p_ky)) / math.pi       # mean = -1 < 0: p_ky is theta_KY
    else:
        mean, H, D = -1.0, 0.0, 0.0
    if exact:
        regime = ("trivial fixed point h = 0, g |phi'(0)| < 1, continuous time: exact as N -> inf "
                  "(semicircle of -1 + Re mu(J)); at finite N the exact exponents are "
                  "rmt.fixed_point_exponents(J)")
    else:
        regime = (f"near-onset approximation (continuous time, g -> 1+): semicircle with the DMFT gains, "
                  f"radius g sqrt(E phi'^2) = {R:.6g}; its top -1 + R differs from the DMFT lambda_max by "
                  f"{lmax_err:.3g} (lambda_max_error); not exact for g > 1 -- the single-site theory "
                  "(physics.md 6.3) is")
    return spectrum_from_law(
        exponents=np.asarray(lam), table_u=tu, table_lambda=tl, N=N, dimension=N * D, entropy_rate=N * H,
        dimension_per_N=D, entropy_rate_per_N=H, lambda_max=-1.0 + R, lambda_max_error=lmax_err,
        mean_exponent=mean, method="semicircle", regime=regime, model=model, settings=settings,
        diagnostics=diagnostics(converged=True, iterations=30, approximate=not exact))
