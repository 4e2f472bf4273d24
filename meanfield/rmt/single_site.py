r"""§6.3 Continuous time: the single-site (cavity) theory of the Lyapunov spectrum [Clark].

The CDF :math:`F(s)` of the N → ∞ spectrum of :math:`\dot x = -x + J\phi(x)`,
:math:`J_{ij}\sim N(0, g^2/N)`, at a threshold s comes from a self-consistent problem for one
site.  On a ring of m times over a window T (spacing :math:`\delta t = T/m`, frequencies
:math:`\omega_k = 2\pi(k + \theta)/T`, Bloch twist θ), with :math:`a = s + 1`,
:math:`|L_k|^2 = a^2 + \omega_k^2`, :math:`\gamma = g^2`, a regulator :math:`\eta \to 0^+` and
gain paths :math:`d(t) = \phi'(x(t))`, x the stationary Gaussian process with the DMFT
autocovariance :math:`\Delta(\tau)`, the unknowns are two stationary (circulant) operators A, P,
represented by their symbols.  For one path, D = diag d:

.. math::

    C_d = \eta + \gamma D P D,\quad R^{vu} = (C_d + L^\dagger A^{-1} L)^{-1},\quad
    R^{uv} = (A + |L| C_d^{-1} |L|)^{-1},

    A = \eta + \gamma\langle D R^{vu} D\rangle,\quad P = \langle R^{uv}\rangle,\quad
    V = \langle R^{vu}\rangle,\quad \mathrm{Tr}\,P = \mathrm{Tr}\,V\ \text{(gauge)},

    F(s) = \tfrac12 + \tfrac12\frac{\sinh aT}{\cosh aT - \cos 2\pi\theta}
           + \frac1T\sum_k\Big[\frac{a V_k}{A_k} - \frac{a}{|L_k|^2}\Big],

with :math:`\langle\cdot\rangle` the path average projected on its stationary part
(:math:`\mathrm{symbol}_k = e_k^\dagger M e_k / m`).  Operators are m x m matrices (kernel x δt;
a circulant has eigenvalues equal to its symbol).

Implementation notes (this module's own derivation, not a port):

* **One inverse per path.**  Because circulants commute, :math:`|L| A^{-1} |L| = L^\dagger A^{-1} L`,
  and Woodbury gives :math:`R^{uv} = A^{-1} - A^{-1}|L| R^{vu} |L| A^{-1}`; its stationary
  projection is therefore the closed form :math:`P_k = (A_k - |L_k|^2 V_k)/A_k^2`.  Each sweep
  needs a single Hermitian positive-definite inverse per path,
  :math:`(\eta + \gamma DPD + \mathrm{circ}(|L|^2/A))^{-1}`, summed over paths as
  :math:`\sum R^{vu}` and :math:`\sum D R^{vu} D` (tested against the direct three-inverse form).
* **Point symmetry.**  In continuous time γ does not depend on s and :math:`|L|^2` depends on
  :math:`a^2` only, so the fixed point at :math:`-a` equals the one at a and the read-out gives
  :math:`F(-2 - s) = 1 - F(s)` exactly (mean exponent -1); only :math:`s > -1` is solved.
* **Gain paths.**  x is sampled on the ring by FFT with the periodised covariance
  :math:`\sum_j \Delta(t + jT)` (positive semi-definite), from scrambled-Sobol normals
  (``seed`` = scramble), the static part :math:`\Delta(\infty)` (φ(0) ≠ 0) as one common normal
  per path.
* **Fixed point.**  Iteration on :math:`\log(P, A - \eta)` with Anderson acceleration (depth 6,
  restart when the residual grows), the gauge imposed after every sweep, regulator continuation
  :math:`\eta` = 0.1 → ``eta`` at the first threshold, warm starts between neighbouring thresholds
  at the final η, and a linear extrapolation :math:`\eta\to 0` from the last two regulators.

* **No Numba kernel.**  The per-path work is one dense m x m Hermitian inverse; numpy's batched
  LAPACK inverse (~40 ms for 256 paths at m = 80) beat a fused Numba Cholesky kernel (~80 ms)
  measured here, so the sweep is numpy (float64; complex128 only with a Bloch twist).

Accuracy (measured; ``python _cmp``-style comparisons pinned in tests/test_rmt_single_site.py).
Against the published single-site values of the theory's authors (davidclark1/rnn-lyapunov,
``data/theory/theory_delta0_g{2,3,5}_T*_m*_top_seed0.json``, 4096 paths, η = 1.6e-4; 24
thresholds on [-0.6, λ_max)), this implementation with 256 paths, T = 32, spacing 0.4, read at
the same η, gives max |ΔF|:

=====  =========================  ==========================================
g      scramble 0 / 1              notes
=====  =========================  ==========================================
2      2.2e-4 (T = 32, m = 80)     published values use T = 64 (m = 160); at
                                  T = 64, m = 160 here: 2.3e-4 (but ~10x slower)
3      2.5e-4 / 3.1e-4
5      4.9e-4 / 2.3e-4
=====  =========================  ==========================================

Without rank matching of the path marginal the scramble-to-scramble spread at 256 paths was
3e-3 (g = 5), driven by the sampled ⟨d²⟩.  Regulator: F is linear in η below 3e-3 (g = 3: the
extrapolation from (3e-3, 1e-3) predicts F(1.6e-4) to 1e-6).  Constant gains reproduce the exact
semicircle law to 7e-4 (T = 32).  Derived (default spectrum, 40 thresholds): D/N 0.0612 and
0.0804 vs published 0.0617 and 0.0809 (g = 3, 5; -1 %, -0.6 %), H/N 0.00318 and 0.00724 vs
0.00324 and 0.00735 (-2 %, -1.5 %); g = 2: D/N 0.0351 vs 0.0353 (-0.7 %), H/N 0.000890 vs
0.000901 (-1.2 %).  Top edge: the computed F reaches 1 within the window's
resolution ~1/T of the DMFT (Schrödinger) λ_max: a 3/2-power fit of the top thresholds puts
the edge 0.008 (g = 3) and 0.010 (g = 5) above it, 1 - F(λ_max) ≈ 3e-4; the law is pinned to
F(λ_max) = 1.

Cost (2 shared cores, nice 15, load 3.5-7): a full spectrum (20 solved thresholds, 40 with the
mirror, 256 paths, m = 80, tol 1e-6) takes 36 s (g = 2), 22 s (g = 3), 22 s (g = 5) at load
~4, up to ~2x more at load 7; 390-560 fixed-point sweeps of ~0.05 s
(``PYTHONPATH=. nice -n 15 python benchmarks/bench_rmt_single_site.py 2 3 5``).

**Other gains.**  ``dmft=`` replaces the SCS gains by those of another stationary DMFT: the balanced
ReLU network's 0/1 gates (:mod:`meanfield.rmt.balanced`).

**The leaky map** :math:`h_{t+1} = (1-\alpha)h_t + \alpha J\phi(h_t)` (``leak=α``;
:func:`single_site_map_spectrum`).  The same fixed point on a ring of m iterations with the map's
symbols (:class:`_MapProblem`): :math:`L_k = e^{s + i\omega_k} - (1-\alpha)`, :math:`\gamma =
\alpha^2 g^2`, gains from the leaky discrete DMFT (``solve_scs(g, time="discrete", leak=α)``), and
the read-out :math:`F(s) = \frac1m\sum_k \mathrm{Re}(\bar L_k\,\partial_s L_k)\,V_k/A_k` -- the
derivative of the Hermitised log-determinant, of which the continuous-time read-out is the same
expression with :math:`\partial_a L = 1` plus the UV-exact free part.  This module's derivation;
its checks: with γ = 0 the read-out is the exact ring sum :math:`1/(1 - r^m)`,
:math:`r = (1-\alpha)e^{-s}`, and at α = 1 (white gains) it equals the closed-form free law of §6.2
to 1e-6 (g = 3, m = 16, 256 paths; tests/test_rmt_single_site_map.py).  No point symmetry: every
threshold is solved.  Small α approaches continuous time (exponents per iteration / α → 1/τ): at
g = 3 the theory's D/N is 0.2877 (α = 1, the free law), 0.0892 (α = 0.5) and 0.0612 (continuous
time); smaller α needs a ring of m ∝ 1/α iterations and was not measured.  Against QR (g = 3,
α = 0.5, one network): N = 1000 bulk RMS 0.0083, D/N +1.1 % (0.9 SE), H/N -2.1 %; N = 500 D/N
-6.2 % (finite N).
"""
import math
import time

import numpy as np

from .._validation import check_int, check_real
from ..errors import ConvergenceError, UnsupportedRegimeError

__all__ = ["SingleSiteTheory", "single_site_cdf", "single_site_spectrum", "single_site_map_spectrum",
           "spectrum_from_theory"]

_ETA_LADDER = (0.1, 0.03, 0.01, 0.003)


def _default_T(g):
    # g = 2 with T = 32 (m = 80) is within 2.2e-4 of the published T = 64 values; the window must
    # grow near onset, where the DMFT correlation time diverges
    return 32.0 if g >= 2.0 else 64.0


def _default_m(T, g):
    spacing = 0.4 if g <= 5.0 else (0.2 if g <= 8.0 else 0.125)
    return int(round(T / spacing))


def _default_m_map(dmft):
    """Ring of the leaky map (iterations): twice the lag where the normalised autocovariance falls
    below 1e-3, at least 32 (the leak-1 map is white: any m)."""
    tau = np.asarray(dmft.tau, dtype=np.float64)
    c_inf = float(getattr(dmft, "asymptote", 0.0) or 0.0)
    c = (np.asarray(dmft.autocorrelation, dtype=np.float64) - c_inf) / (float(dmft.variance) - c_inf)
    below = np.flatnonzero(c < 1e-3)
    lag = tau[below[0]] if below.size else tau[-1]
    return int(max(32, 2 * math.ceil(lag)))


def default_T_from_dmft(dmft):
    r"""Window for a DMFT solution other than the SCS one: 32 if the normalised fluctuating part of
    the autocovariance, :math:`(\Delta(\tau) - \Delta_\infty)/(\Delta_0 - \Delta_\infty)`, has fallen
    below 1e-3 by τ = 33 (the SCS network at g = 2, whose T = 32 reproduces the published values to
    2.2e-4, reaches 1e-3 at τ = 32.9), else 64."""
    tau = np.asarray(dmft.tau, dtype=np.float64)
    c_inf = float(getattr(dmft, "asymptote", 0.0) or 0.0)
    c = (np.asarray(dmft.autocorrelation, dtype=np.float64) - c_inf) / (float(dmft.variance) - c_inf)
    below = np.flatnonzero(c < 1e-3)
    return 32.0 if below.size and tau[below[0]] <= 33.0 else 64.0


# ---------------------------------------------------------------- gain paths ------------------
def gain_paths(g, phi="tanh", T=32.0, m=80, n_paths=256, seed=0, dmft=None, marginal_matching=True):
    r"""Gain paths :math:`d = \phi'(x)` on the ring (n_paths, m) and the DMFT solution used.

    x is stationary Gaussian with the DMFT mean (``dmft.mean_input``, 0 for the SCS network) and
    autocovariance :math:`\Delta(\tau)`, periodised on the window T; sampled by FFT from
    scrambled-Sobol normals (``seed`` = scramble).  ``dmft`` may be any stationary solution
    (e.g. :func:`meanfield.dmft.solve_balanced`: ReLU gates :math:`d = \Theta(x)`); default
    :func:`meanfield.dmft.solve_scs`.
    """
    from scipy.stats import norm, qmc

    from .. import nonlinearities
    from ..dmft import solve_scs
    nl = nonlinearities.resolve(phi)
    if dmft is None:
        dmft = solve_scs(g, phi=phi, time="continuous", tau_max=max(2.5 * T, 60.0))
    tau = np.asarray(dmft.tau, dtype=np.float64)
    C = np.asarray(dmft.autocorrelation, dtype=np.float64)
    c_inf = float(getattr(dmft, "asymptote", 0.0) or 0.0)
    c_inf = max(c_inf, 0.0)
    mu = float(getattr(dmft, "mean_input", 0.0) or 0.0)
    dt = T / m
    lags = dt * np.arange(m)
    cov = np.zeros(m)
    n_img = int(math.ceil(tau[-1] / T)) + 1
    for j in range(-n_img, n_img + 1):
        t = np.abs(lags + j * T)
        cov += np.where(t <= tau[-1], np.interp(t, tau, C), c_inf) - c_inf
    lam = np.fft.fft(cov).real
    lam = np.clip(lam, 0.0, None)
    # real Fourier basis of the ring, x_n = sum_j sqrt(var_j) z_j b_j(n); the Sobol dimensions go to
    # the modes in order of decreasing variance (the static part first), where QMC stratifies best
    n = np.arange(m)
    basis, var = [np.ones(m)], [lam[0] / m]
    for k in range(1, (m + 1) // 2):
        basis += [math.sqrt(2.0) * np.cos(2 * np.pi * k * n / m),
                  math.sqrt(2.0) * np.sin(2 * np.pi * k * n / m)]
        var += [lam[k] / m, lam[k] / m]
    if m % 2 == 0:
        basis.append((-1.0) ** n)
        var.append(lam[m // 2] / m)
    basis, var = np.array(basis), np.array(var)
    if c_inf > 0:
        basis = np.vstack([np.ones(m), basis])
        var = np.concatenate([[c_inf], var])
    order = np.argsort(-var, kind="stable")
    basis, var = basis[order], var[order]
    sob = qmc.Sobol(d=var.size, scramble=True, seed=seed)
    U = sob.random(n_paths)
    Z = norm.ppf(np.clip(U, 1e-12, 1 - 1e-12))
    x = (Z * np.sqrt(var)) @ basis
    if marginal_matching:
        # rank matching: map the n_paths*m samples onto the exact Gaussian quantiles of the
        # one-time marginal, so the gain moments <d^k> carry no sampling error (the dominant
        # source of path noise in F); the covariance across times is kept to O(1/n) accuracy
        flat = x.ravel()
        r = np.empty(flat.size)
        r[np.argsort(flat, kind="stable")] = np.arange(flat.size)
        x = (math.sqrt(float(var.sum())) * norm.ppf((r + 0.5) / flat.size)).reshape(x.shape)
    d = np.ascontiguousarray(nl.derivative(mu + x), dtype=np.float64)
    return d, dmft


# ---------------------------------------------------------------- ring helpers ----------------
class _Ring:
    def __init__(self, m, complex_):
        n = np.arange(m)
        self.m = m
        self.complex = complex_
        self.diff = (n[:, None] - n[None, :]) % m
        self.idx = (n[:, None] + n[None, :]) % m           # [tau, n] -> n + tau
        self.n = n

    def circulant(self, symbol):
        col = np.fft.ifft(symbol.astype(np.complex128))
        C = col[self.diff]
        return C if self.complex else np.ascontiguousarray(C.real)

    def symbol_of(self, M):
        c = M[self.idx, self.n[None, :]].mean(1)
        return np.fft.fft(c).real


class _Problem:
    """Symbols of one (s, θ) problem on the ring."""

    def __init__(self, s, g, T, m, theta=0.0):
        self.s, self.g, self.T, self.m, self.theta = float(s), float(g), float(T), int(m), float(theta)
        self.a = a = self.s + 1.0
        if a == 0.0 and theta == 0.0:
            raise ValueError("s = -1 with theta = 0 is singular on the periodic window (F(-1) = 1/2 exactly)")
        k = np.fft.fftfreq(m, 1.0 / m)
        self.W = 2 * np.pi * (k + theta) / T
        self.ell2 = a * a + self.W ** 2
        self.gamma = g * g
        if abs(a) * T > 700:
            self.bare = 0.5 * math.copysign(1.0, a)
        else:
            self.bare = 0.5 * math.sinh(a * T) / (math.cosh(a * T) - math.cos(2 * math.pi * theta))

    def readout(self, A, V):
        a = self.a
        return float(0.5 + self.bare + np.sum(a * V / A - a / self.ell2) / self.T)


class _MapProblem:
    r"""Symbols of one threshold s (per iteration) of the leaky map
    :math:`h_{t+1} = (1-\alpha)h_t + \alpha J\phi(h_t)` on a ring of m iterations.

    The shifted tangent :math:`y_t = e^{-st}\delta h_t` obeys
    :math:`(e^{s}S - (1-\alpha))y = \alpha J D y` (S the forward shift), so the continuous-time
    problem holds with :math:`L_k = e^{s + i\omega_k} - (1-\alpha)`, :math:`\omega_k = 2\pi(k+\theta)/m`,
    :math:`\gamma = \alpha^2 g^2`, and the read-out -- the s-derivative of the Hermitised log-determinant
    per unit and iteration, :math:`\frac{1}{2m}\sum_k V_k\,\partial_s|L_k|^2/A_k` -- is
    :math:`F(s) = \frac1m\sum_k (e^{2s} - (1-\alpha)e^{s}\cos\omega_k) V_k/A_k`.  No UV correction is
    needed (the ring holds every frequency of the map); with γ = 0 it gives the free map's
    F = 1 for :math:`e^s > 1-\alpha`, 0 below.  At α = 1 the gains are white and the problem is the
    free-probability law of §6.2 (tested).
    """

    def __init__(self, s, g, m, leak, theta=0.0):
        self.s, self.g, self.m, self.theta, self.leak = float(s), float(g), int(m), float(theta), float(leak)
        self.T = float(m)
        c = 1.0 - self.leak
        self.c = c
        k = np.fft.fftfreq(m, 1.0 / m)
        self.W = 2 * np.pi * (k + theta) / m
        es = math.exp(self.s)
        self.ell2 = es * es - 2.0 * c * es * np.cos(self.W) + c * c
        self.num = es * es - c * es * np.cos(self.W)
        self.gamma = (self.leak * g) ** 2

    def readout(self, A, V):
        return float(np.sum(self.num * V / A) / self.m)


def _sweep(d, prob, eta, P, A, ring, chunk=128):
    """One evaluation of the right-hand sides: (A_new, P_new, V_new) from (P, A)."""
    n, m = d.shape
    base = ring.circulant(prob.ell2 / A)
    Pm = ring.circulant(P)
    dtype = np.complex128 if ring.complex else np.float64
    SV = np.zeros((m, m), dtype=dtype)
    SA = np.zeros((m, m), dtype=dtype)
    eye = eta * np.eye(m)
    g2 = prob.gamma
    for i0 in range(0, n, chunk):
        dd = d[i0:i0 + chunk]
        outer = dd[:, :, None] * dd[:, None, :]
        M = outer * (g2 * Pm)[None]
        M += base + eye
        Q = np.linalg.inv(M)                      # batched LAPACK: the fastest option measured here
        SV += Q.sum(0)
        SA += np.einsum("pk,pk->k", outer.reshape(len(dd), -1), Q.reshape(len(dd), -1)).reshape(m, m)
    V = ring.symbol_of(SV / n)
    A_new = eta + g2 * ring.symbol_of(SA / n)
    P_new = (A - prob.ell2 * V) / (A * A)
    return A_new, P_new, V


def _sweep_direct(d, prob, eta, P, A, ring):
    """Reference: the three-inverse form of the right-hand sides (tests only)."""
    n, m = d.shape
    Lm = ring.circulant(np.sqrt(prob.ell2))
    Am = ring.circulant(A)
    base = ring.circulant(prob.ell2 / A)
    Pm = ring.circulant(P)
    SV = SA = SP = 0
    for p in range(n):
        D = np.diag(d[p])
        Cd = eta * np.eye(m) + prob.gamma * D @ Pm @ D
        Q = np.linalg.inv(Cd + base)
        SV = SV + Q
        SA = SA + D @ Q @ D
        SP = SP + np.linalg.inv(Am + Lm @ np.linalg.inv(Cd) @ Lm)
    return (eta + prob.gamma * ring.symbol_of(SA / n), ring.symbol_of(SP / n), ring.symbol_of(SV / n))


def _solve(d, prob, eta, ring, init=None, tol=1e-7, max_iter=400, anderson=6):
    """Fixed point in (P, A) at one regulator; returns (P, A, V, iterations, residual, trace_err)."""
    m = prob.m
    if init is None:
        P = eta / (eta * eta + prob.ell2)
        A = eta + prob.gamma * float(np.mean(d * d)) * P
    else:
        P, A = init[0].copy(), init[1].copy()
    xs, fs = [], []
    best, res, tr_err = np.inf, np.inf, np.nan
    V = P
    for it in range(1, max_iter + 1):
        A_new, P_new, V_new = _sweep(d, prob, eta, P, A, ring)
        # P_k = (A_k - |L_k|^2 V_k)/A_k^2 cancels at high frequency (|L|^2 V/A -> 1), where P is
        # tiny and irrelevant: floor it, and measure convergence in absolute terms
        P_new = np.maximum(P_new, 1e-12 * P_new.max())
        tr_err = float(abs(P_new.sum() - V_new.sum()) / V_new.sum())
        c = math.sqrt(V_new.sum() / P_new.sum())
        P_new, A_new = P_new * c, eta + (A_new - eta) / c
        x = np.log(np.concatenate([P, np.maximum(A - eta, 1e-300)]))
        fx = np.log(np.concatenate([P_new, np.maximum(A_new - eta, 1e-300)])) - x
        res = max(float(np.abs(P_new - P).max() / P_new.max()),
                  float(np.abs(A_new - A).max() / (A_new.max() - eta)))
        V = V_new
        if res < tol:
            return P_new, A_new, V_new, it, res, tr_err
        if res > 10 * best:
            xs, fs = [], []
        best = min(best, res)
        step = fx
        xs, fs = (xs + [x])[-(anderson + 1):], (fs + [fx])[-(anderson + 1):]
        if len(xs) > 1:
            dX = np.stack([xs[i + 1] - xs[i] for i in range(len(xs) - 1)], 1)
            dF = np.stack([fs[i + 1] - fs[i] for i in range(len(fs) - 1)], 1)
            # weight the least squares by the size of each component: the log-residuals of the
            # tiny high-frequency P_k carry the cancellation noise of P_k = (A_k - |L_k|^2 V_k)/A_k^2
            # and would otherwise dominate the Anderson mixing
            wgt = np.concatenate([P_new / P_new.max(), (A_new - eta) / (A_new - eta).max()])
            wdF = dF * wgt[:, None]
            G = wdF.T @ wdF
            coef = np.linalg.pinv(G, rcond=1e-12, hermitian=True) @ (wdF.T @ (wgt * fx))
            step = fx - (dX + dF) @ coef
        new = np.exp(x + np.clip(step, -2.0, 2.0))
        P, A = new[:m], eta + new[m:]
    return P, A, V, max_iter, res, tr_err


# ---------------------------------------------------------------- driver ----------------------
class SingleSiteTheory:
    r"""The single-site theory of one continuous-time network (g, φ) at fixed numerical settings.

    Parameters
    ----------
    g : float
        Coupling gain; the chaotic state needs :math:`g|\phi'(0)| > 1`.
    phi : str or (phi, dphi) pair
        Transfer function supported by the Gaussian core.
    T : float, optional
        Window (τ); default 32 for g >= 2, 64 below.
    m : int, optional
        Ring points; default spacing T/m = 0.4 (g <= 5), 0.2 (g <= 8), 0.125 above.
    n_paths : int
        Gain paths (a power of 2 keeps the Sobol set balanced); default 256.
    eta : float
        Smallest regulator.  F is solved at ``3 eta`` and ``eta`` and extrapolated linearly to
        η → 0 (``extrapolate=True``; F is linear in η below 0.003 to ~1e-5 at g = 3).
    seed : int
        Sobol scramble of the gain paths.
    theta : float
        Bloch twist in [0, 1) (0: real arithmetic).
    tol : float
        Fixed-point tolerance (max change of P and A relative to their maxima); 1e-6 moves F by
        < 1e-6 from 1e-7 (g = 3, measured) at 17 % fewer sweeps.
    dmft : StationarySolution, optional
        The stationary DMFT whose gains :math:`\phi'(\mu + x(t))` enter (its ``mean_input`` μ,
        ``autocorrelation``, ``asymptote``, ``lambda_max``, ``chaotic``); default
        :func:`meanfield.dmft.solve_scs` (g, φ).  The balanced network passes
        :func:`meanfield.dmft.solve_balanced` (:mod:`meanfield.rmt.balanced`); its default window is
        then chosen from the DMFT correlation time (:func:`default_T_from_dmft`).
    """

    def __init__(self, g, phi="tanh", T=None, m=None, n_paths=256, eta=1e-3, seed=0, theta=0.0, tol=1e-6,
                 extrapolate=True, max_iter=400, dmft=None, leak=None):
        from .. import nonlinearities
        self.g = check_real("g", g, 0.0, low_open=True)
        self.nl = nonlinearities.resolve(phi)
        self.phi = phi
        self.leak = None if leak is None else check_real("leak", leak, 0.0, 1.0, low_open=True)
        if self.leak is not None:
            if T is not None:
                raise ValueError("the map's window is m iterations: pass m, not T")
            if dmft is None and self.g * abs(float(self.nl.derivative(0.0))) > 1.0:
                from ..dmft import solve_scs
                dmft = solve_scs(self.g, phi=self.nl, time="discrete", leak=self.leak)
            if m is None and dmft is not None:
                m = _default_m_map(dmft)
            T = float(m) if m is not None else None
        if dmft is None and self.g * abs(float(self.nl.derivative(0.0))) <= 1.0:
            raise UnsupportedRegimeError(
                "single-site theory: g |phi'(0)| = "
                f"{self.g * abs(float(self.nl.derivative(0.0))):g} <= 1 is the "
                "trivial fixed point; use method 'semicircle' (exact there)")
        if dmft is not None and not getattr(dmft, "chaotic", False):
            raise UnsupportedRegimeError("single-site theory: the DMFT state is a fixed point (not chaotic); "
                                         "the spectrum there is that of the fixed point's Jacobian")
        if T is not None:
            self.T = check_real("T", T, 0.0, low_open=True)
        elif dmft is None:
            self.T = _default_T(self.g)
        else:
            self.T = default_T_from_dmft(dmft)
        self.m = _default_m(self.T, self.g) if m is None else check_int("m", m, 8)
        if self.leak is not None:
            self.T = float(self.m)
        self.n_paths = check_int("n_paths", n_paths, 2)
        self.eta = check_real("eta", eta, 0.0, low_open=True)
        self.theta = check_real("theta", theta, 0.0, 1.0, high_open=True)
        self.tol = check_real("tol", tol, 0.0, low_open=True)
        self.seed = seed
        self.extrapolate = bool(extrapolate)
        self.max_iter = check_int("max_iter", max_iter, 1)
        t0 = time.perf_counter()
        self.d, self.dmft = gain_paths(self.g, phi, self.T, self.m, self.n_paths, seed, dmft=dmft)
        self.lambda_dmft = float(self.dmft.lambda_max)
        self.ring = _Ring(self.m, complex_=(self.theta != 0.0))
        self.iterations = 0
        self.n_solves = 0
        self.fallbacks = 0
        self.max_residual = 0.0
        self.max_trace_error = 0.0
        self.seconds = time.perf_counter() - t0

    @property
    def etas(self):
        return (3.0 * self.eta, self.eta) if self.extrapolate else (self.eta,)

    def _solve_one(self, prob, eta, init):
        P, A, V, it, res, tr = _solve(self.d, prob, eta, self.ring, init=init, tol=self.tol,
                                      max_iter=self.max_iter)
        if res >= self.tol and init is not None:           # warm start failed: restart cold
            self.fallbacks += 1
            self.iterations += it
            P, A, V, it, res, tr = _solve(self.d, prob, eta, self.ring, init=None, tol=self.tol,
                                          max_iter=self.max_iter)
        self.iterations += it
        self.n_solves += 1
        self.max_residual = max(self.max_residual, res)
        self.max_trace_error = max(self.max_trace_error, tr)
        if not res < self.tol:
            raise ConvergenceError(
                f"single-site fixed point not converged at s = {prob.s:g}, eta = {eta:g} (residual {res:.2e} "
                f"after {it} sweeps); try a larger eta or more paths",
                diagnostics={"s": prob.s, "eta": eta, "residual": res, "iterations": it})
        return P, A, V

    def cdf_a(self, a_values):
        r"""F at thresholds :math:`s = -1 + a`, a > 0 (any order); returns (F, F per regulator).

        Thresholds are solved in decreasing a, each warm-started from its neighbours (linear
        predictor in :math:`\log(P, A-\eta)`); the first one by regulator continuation
        0.1 → ``eta``.
        """
        a_values = np.asarray(a_values, dtype=np.float64)
        if self.leak is None and np.any(a_values <= 0):
            raise ValueError("cdf_a needs a > 0")
        order = np.argsort(-a_values)
        etas = self.etas
        F_eta = np.empty((a_values.size, len(etas)))
        hist = []                                 # [(a, [(P, A) per eta])]
        t0 = time.perf_counter()
        for idx in order:
            a = a_values[idx]
            prob = self._problem(a)
            sols = []
            for ie, eta in enumerate(etas):
                if not hist:
                    if ie == 0:
                        init = None
                        for e0 in [e for e in _ETA_LADDER if e > eta]:
                            P, A, _ = self._solve_one(prob, e0, init)
                            init = (P, A)
                    else:
                        init = sols[-1][:2]
                elif len(hist) == 1 or hist[-1][0] == hist[-2][0]:
                    init = hist[-1][1][ie]
                else:
                    (a1, s1), (a2, s2) = hist[-1], hist[-2]
                    w = (a - a1) / (a1 - a2)
                    (P1, A1), (P2, A2) = s1[ie], s2[ie]
                    P = np.exp(np.log(P1) + w * (np.log(P1) - np.log(P2)))
                    Ae = np.exp(np.log(A1 - eta) + w * (np.log(A1 - eta) - np.log(A2 - eta)))
                    init = (P, eta + Ae)
                P, A, V = self._solve_one(prob, eta, init)
                sols.append((P, A))
                F_eta[idx, ie] = prob.readout(A, V)
            hist.append((a, sols))
        self.seconds += time.perf_counter() - t0
        if len(etas) == 2:
            e1, e2 = etas
            F = F_eta[:, 1] + (F_eta[:, 1] - F_eta[:, 0]) * e2 / (e1 - e2)
        else:
            F = F_eta[:, 0].copy()
        return F, F_eta

    def _problem(self, a):
        """Continuous time: threshold s = a - 1; the map: a is the threshold s itself."""
        if self.leak is None:
            return _Problem(a - 1.0, self.g, self.T, self.m, self.theta)
        return _MapProblem(a, self.g, self.m, self.leak, self.theta)

    def cdf(self, s):
        r""":math:`F(s)` (vectorised); s < -1 by the exact point symmetry, F(-1) = 1/2 (continuous
        time); the map has no such symmetry and every threshold is solved."""
        if self.leak is not None:
            s = np.atleast_1d(np.asarray(s, dtype=np.float64))
            u, inv = np.unique(s, return_inverse=True)
            F, _ = self.cdf_a(u)
            return F[inv].reshape(s.shape)
        s = np.atleast_1d(np.asarray(s, dtype=np.float64))
        a = s + 1.0
        out = np.full(s.shape, 0.5)
        nz = a != 0
        if np.any(nz):
            au, inv = np.unique(np.abs(a[nz]), return_inverse=True)
            Fu, _ = self.cdf_a(au)
            Fa = Fu[inv]
            out[nz] = np.where(a[nz] > 0, Fa, 1.0 - Fa)
        return out

    def diagnostics(self):
        from ..results import diagnostics
        return diagnostics(converged=True, iterations=self.iterations,
                           n_evaluations=self.iterations * self.n_paths,
                           fallbacks=self.fallbacks, n_solves=self.n_solves, sweeps=self.iterations,
                           max_residual=self.max_residual, max_trace_identity_error=self.max_trace_error,
                           seconds=self.seconds)

    def settings(self):
        return {"g": self.g, "phi": self.nl.name, "time": "continuous" if self.leak is None else "discrete",
                "leak": 1.0 if self.leak is None else self.leak, "T": self.T, "m": self.m,
                "spacing": self.T / self.m, "n_paths": self.n_paths, "eta": self.eta, "etas": list(self.etas),
                "extrapolate_eta": self.extrapolate, "seed": self.seed, "theta": self.theta, "tol": self.tol,
                "dmft_variance": float(self.dmft.variance), "dmft_lambda_max": self.lambda_dmft}


def single_site_cdf(g, s, phi="tanh", T=None, m=None, n_paths=256, eta=1e-3, seed=0, theta=0.0, tol=1e-6,
                    extrapolate=True, leak=None):
    r"""F(s) of the single-site theory for the continuous-time SCS network (physics.md §6.3), or, with
    ``leak``, for the leaky map :math:`h_{t+1} = (1-\alpha)h_t + \alpha J\phi(h_t)` (s per iteration).

    Parameters: see :class:`SingleSiteTheory`; ``s`` scalar or array of thresholds (1/τ).
    Returns a float or an array like ``s``.
    """
    th = SingleSiteTheory(g, phi, T=T, m=m, n_paths=n_paths, eta=eta, seed=seed, theta=theta, tol=tol,
                          extrapolate=extrapolate, leak=leak)
    out = th.cdf(s)
    return float(out[0]) if np.ndim(s) == 0 else out.reshape(np.shape(s))


def _edge_from_top(s, F, s_star):
    r"""Edge of the computed F: fit :math:`(1 - F)^{2/3}` linear in s over the top three thresholds
    below :math:`s_*` (square-root-type edge, 1 - F ∝ (s_e - s)^{3/2}) and return its zero."""
    ok = (s < s_star) & (F < 1.0)
    if ok.sum() < 3:
        return math.nan
    ss, FF = s[ok][-3:], F[ok][-3:]
    y = (1.0 - FF) ** (2.0 / 3.0)
    slope, icpt = np.polyfit(ss, y, 1)
    return float(-icpt / slope) if slope < 0 else math.nan


def single_site_spectrum(g, phi="tanh", N=1000, n=None, n_thresholds=40, model=None, **options):
    r"""The continuous-time Lyapunov spectrum from the single-site theory, as an :class:`RMTSpectrum`.

    F is solved at ``n_thresholds // 2`` thresholds :math:`s_j = -1 + a_* \sin(\pi j / (2 n_h))`,
    :math:`a_* = 1 + \lambda_{\max}^{DMFT}` (dense near the top edge), and the point symmetry gives
    the mirrored half, ``n_thresholds`` values in all; F(-1) = 1/2.  The law is the monotone (PCHIP)
    interpolation of these points with F = 1 at the DMFT edge :math:`s_* = \lambda_{\max}` (the
    Schrödinger value), inverted to quantiles.  ``options``: ``T, m, n_paths, eta, seed, theta, tol``
    (:class:`SingleSiteTheory`).
    """
    N = check_int("N", N, 1)
    n = N if n is None else check_int("n", n, 1)
    n_thresholds = check_int("n_thresholds", n_thresholds, 6)
    bad = set(options) - {"T", "m", "n_paths", "eta", "seed", "theta", "tol", "extrapolate"}
    if bad:
        raise TypeError(f"unknown option(s) {sorted(bad)} for single_site_spectrum")
    th = SingleSiteTheory(g, phi, **options)

    def regime(edge, s_star):
        return (f"continuous-time chaos (g = {th.g:g}), N -> infinity; single-site theory with T = {th.T:g}, "
                f"spacing {th.T / th.m:.3g}, {th.n_paths} paths: F within {_MEASURED_F_ERROR} of the "
                f"authors' published values (g = 2, 3, 5); top edge of the computed F "
                f"{edge:.4g} vs DMFT lambda_max {s_star:.4g}")
    return spectrum_from_theory(th, N, n, n_thresholds, model, regime)


def spectrum_from_theory(th, N, n, n_thresholds, model, regime, method="single-site"):
    r"""Solve ``th`` (:class:`SingleSiteTheory`) at the thresholds of :func:`single_site_spectrum` and
    build the :class:`RMTSpectrum`; ``regime(edge, s_star)`` returns the regime label."""
    from .results import spectrum_from_law
    from .snapshot import _table_integrals
    from scipy.interpolate import PchipInterpolator
    s_star = th.lambda_dmft
    a_star = 1.0 + s_star
    nh = n_thresholds // 2
    a = a_star * np.sin(0.5 * np.pi * np.arange(1, nh + 1) / (nh + 0.5))
    F, F_eta = th.cdf_a(a)
    s = a - 1.0
    edge = _edge_from_top(s, F, s_star)
    F_mono = np.clip(np.maximum.accumulate(F), 0.5, 1.0)
    # upper half of the law: (s, F) on [-1, s_*]; mirrored: F(-2 - s) = 1 - F(s)
    su = np.concatenate([[-1.0], s, [s_star]])
    Fu = np.concatenate([[0.5], F_mono, [1.0]])
    keep = np.concatenate([[True], np.diff(su) > 0])
    su, Fu = su[keep], Fu[keep]
    interp = PchipInterpolator(su, Fu)
    x = np.sin(0.5 * np.pi * np.linspace(0.0, 1.0, 2049)) * a_star - 1.0   # dense near the top
    Fx = np.clip(np.maximum.accumulate(interp(x)), 0.5, 1.0)
    s_all = np.concatenate([(-2.0 - x[::-1])[:-1], x])
    F_all = np.concatenate([(1.0 - Fx[::-1])[:-1], Fx])
    tu, tl = 1.0 - F_all[::-1], s_all[::-1]
    k = np.concatenate([[True], np.diff(tu) > 0])
    tu, tl = tu[k], tl[k]
    u_i = (np.arange(1, n + 1) - 0.5) / n
    lam = PchipInterpolator(tu, tl)(u_i)
    H, D = _table_integrals(tu, tl)
    err = abs(edge - s_star) if np.isfinite(edge) else math.nan
    sym = float(np.max(np.abs(np.interp(-2.0 - s_all, s_all, F_all) - (1.0 - F_all))))
    diag = th.diagnostics()
    diag.update(thresholds=s.tolist(), F_thresholds=F.tolist(), F_per_eta=F_eta.tolist(),
                edge_from_F=edge, point_symmetry_error=sym, n_thresholds=int(2 * nh))
    settings = th.settings()
    settings.update(n=n, n_thresholds=int(2 * nh))
    return spectrum_from_law(
        exponents=np.asarray(lam, dtype=np.float64), table_u=tu, table_lambda=tl, N=N, dimension=N * D,
        entropy_rate=N * H, dimension_per_N=D, entropy_rate_per_N=H, lambda_max=s_star, lambda_max_error=err,
        mean_exponent=-1.0, method=method, regime=regime(edge, s_star), model=model, settings=settings,
        diagnostics=diag)


_MEASURED_F_ERROR = "5e-4 (256 paths; measured at g = 2, 3, 5, two scrambles)"


def single_site_map_spectrum(g, phi="tanh", leak=0.5, N=1000, n=None, n_thresholds=24, model=None,
                             f_low=2e-3, **options):
    r"""The Lyapunov spectrum of the leaky map :math:`h_{t+1} = (1-\alpha)h_t + \alpha J\phi(h_t)`
    (per iteration) from the single-site theory on a ring of m iterations (:class:`_MapProblem`).

    F is solved at ``n_thresholds`` thresholds :math:`s_j` on :math:`[s_{lo}, \lambda_{\max})`, dense
    near the DMFT :math:`\lambda_{\max}` (pinned to F = 1 there); :math:`s_{lo}` is lowered in steps
    of :math:`\max(0.5, |\ln(1-\alpha)|)/2` from :math:`\ln(1-\alpha)` until :math:`F(s_{lo}) <`
    ``f_low``.  The law below :math:`s_{lo}` (a fraction ``f_low`` at most) is the linear
    continuation of the last two thresholds in u, so ``mean_exponent`` carries an error of order
    ``f_low`` times the tail's width; D and H do not depend on it.  ``options``: ``m, n_paths, eta,
    seed, theta, tol`` (:class:`SingleSiteTheory`, with ``leak``).
    """
    from .results import spectrum_from_law
    from .snapshot import _table_integrals
    from scipy.interpolate import PchipInterpolator
    N = check_int("N", N, 1)
    n = N if n is None else check_int("n", n, 1)
    n_thresholds = check_int("n_thresholds", n_thresholds, 6)
    leak = check_real("leak", leak, 0.0, 1.0, low_open=True)
    f_low = check_real("f_low", f_low, 0.0, 0.5, low_open=True)
    bad = set(options) - {"m", "n_paths", "eta", "seed", "theta", "tol", "extrapolate"}
    if bad:
        raise TypeError(f"unknown option(s) {sorted(bad)} for single_site_map_spectrum")
    th = SingleSiteTheory(g, phi, leak=leak, **options)
    s_star = th.lambda_dmft
    step = 0.5 * max(0.5, abs(math.log(1.0 - leak))) if leak < 1.0 else 0.5
    s_lo = (math.log(1.0 - leak) if leak < 1.0 else s_star - 1.0)
    s_lo = min(s_lo, s_star - step)
    probes = []
    while True:
        F_lo, _ = th.cdf_a(np.array([s_lo]))
        probes.append((s_lo, float(F_lo[0])))
        if F_lo[0] < f_low or len(probes) > 12:
            break
        s_lo -= step
    x = np.sin(0.5 * np.pi * np.arange(n_thresholds) / n_thresholds)
    s = s_lo + (s_star - s_lo) * x
    s[0] = s_lo
    F, F_eta = th.cdf_a(s)
    edge = _edge_from_top(s, F, s_star)
    F_mono = np.clip(np.maximum.accumulate(F), 0.0, 1.0)
    su = np.concatenate([s, [s_star]])
    Fu = np.concatenate([F_mono, [1.0]])
    keep = np.concatenate([[True], np.diff(su) > 0])
    su, Fu = su[keep], Fu[keep]
    xs = s_lo + (s_star - s_lo) * np.sin(0.5 * np.pi * np.linspace(0.0, 1.0, 2049))
    Fx = np.clip(np.maximum.accumulate(PchipInterpolator(su, Fu)(xs)), 0.0, 1.0)
    # below s_lo: continue linearly in u to u = 1 with the slope of the lowest panel
    slope = (xs[1] - xs[0]) / max(Fx[1] - Fx[0], 1e-300)
    s_end = s_lo - slope * Fx[0]
    tu = np.concatenate([1.0 - Fx[::-1], [1.0]])
    tl = np.concatenate([xs[::-1], [s_end]])
    k = np.concatenate([[True], np.diff(tu) > 0])
    tu, tl = tu[k], tl[k]
    u_i = (np.arange(1, n + 1) - 0.5) / n
    lam = PchipInterpolator(tu, tl)(u_i)
    H, D = _table_integrals(tu, tl)
    mean = float(np.sum(0.5 * (tl[1:] + tl[:-1]) * np.diff(tu)))
    err = abs(edge - s_star) if np.isfinite(edge) else math.nan
    diag = th.diagnostics()
    diag.update(thresholds=s.tolist(), F_thresholds=F.tolist(), F_per_eta=F_eta.tolist(), edge_from_F=edge,
                low_probes=probes, tail_fraction=float(Fx[0]), n_thresholds=int(s.size))
    settings = th.settings()
    settings.update(n=n, n_thresholds=int(s.size), f_low=f_low)
    return spectrum_from_law(
        exponents=np.asarray(lam, dtype=np.float64), table_u=tu, table_lambda=tl, N=N, dimension=N * D,
        entropy_rate=N * H, dimension_per_N=D, entropy_rate_per_N=H, lambda_max=s_star, lambda_max_error=err,
        mean_exponent=mean, method="single-site",
        regime=(f"leaky map (leak = {leak:g}, g = {th.g:g}), N -> infinity: single-site theory on a ring of "
                f"{th.m} iterations, {th.n_paths} paths (reduces to the free law at leak 1, tested); the "
                f"lowest fraction {Fx[0]:.1e} of the law is a linear tail; top edge of the computed F "
                f"{edge:.4g} vs DMFT lambda_max {s_star:.4g}"),
        model=model, settings=settings, diagnostics=diag)
