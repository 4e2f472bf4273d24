r"""Balanced ReLU networks: the single-site theory with 0/1 gates (physics.md §1.2, §3.2, §6.3).

The network :math:`\dot h = -h + J\phi(h) + \sqrt K I_0`, :math:`\phi(x) = \max(x, 0)`, dense
couplings :math:`J = -J_0\sqrt K\,\mathbf 1\mathbf 1^\top/N + gW/\sqrt N`, :math:`W_{ij}\sim N(0,1)`
(:class:`meanfield.BalancedNetwork`).  Its Jacobian is

.. math::

    A(t) = -\mathbb 1 + \frac{g}{\sqrt N} W D_t - \frac{J_0\sqrt K}{N}\mathbf 1\mathbf 1^\top D_t,
    \qquad D_t = \mathrm{diag}\,\Theta(h_i(t)),

so the gains are 0/1 gates.  Stationary balanced DMFT (:func:`meanfield.dmft.solve_balanced`):
:math:`h_i(t) = \mu + \tilde h_i(t)`, :math:`\tilde h` Gaussian with autocovariance
:math:`c(\tau)` (static part :math:`c(\infty) > 0`), active fraction :math:`f = \Phi(\mu/\sqrt{c_0})`.
ReLU is positively homogeneous, so the gate statistics -- and hence the bulk spectrum -- depend on g
only (not on J0, I0, K); chaos needs :math:`g > \sqrt 2` [KS].

What is computed, and how good each part is:

* **Bulk (all but one exponent): the single-site theory** of :mod:`meanfield.rmt.single_site` with
  :math:`\gamma = g^2` and gain paths :math:`d(t) = \Theta(\mu + \tilde h(t))`, :math:`\tilde h`
  sampled with the DMFT mean, static part and autocovariance.  The gates' temporal correlations are
  those of the Gaussian DMFT process (exact within DMFT, as for tanh).  The rank-one mean coupling is
  *left out* of the bulk: a rank-one term per time step is assumed to move O(1) exponents only
  (not the N → ∞ law).  That is the approximation; it is measured below.
* **Mean mode (one exponent): an estimate.**  Along :math:`\mathbf 1/\sqrt N` the mean coupling
  contributes :math:`-J_0\sqrt K f`, so the outlier is :math:`\lambda_{mm} \approx -1 - J_0\sqrt K f`
  (leading order in K; the O(1) coupling of the mean mode to the random part is neglected).  With
  the diagonal of J kept (as in :class:`~meanfield.BalancedNetwork`), the sum of all exponents is the
  time average of :math:`\mathrm{Tr}A = -N - J_0\sqrt K\sum_i d_i/N + O(g)`, i.e. the bulk mean -1
  plus exactly this outlier.  It is reported as ``settings["mean_mode_exponent"]`` and, when the
  result has N exponents, as the last exponent (the N → ∞ law in ``table_u``/``table_lambda``,
  ``quantile``, ``cdf``, D and H is the bulk alone; the outlier changes none of them).
* **Fixed point** (:math:`g \le \sqrt 2`, :func:`balanced_fixed_point_spectrum`, method
  "semicircle"): the Jacobian is constant, :math:`A = -\mathbb 1 + J D`, D the 0/1 gates of the
  fixed point, so the exponents are :math:`-1 + \mathrm{Re}\,\mu_i(JD)`.  JD has :math:`(1-f)N`
  zero eigenvalues (silent units: exponent exactly -1) and the eigenvalues of the active block
  :math:`J_{AA}`, whose random part fills the disk of radius :math:`R = g\sqrt f` (circular law;
  the cavity argument that makes the gates independent of J at leading order is the same one the
  DMFT rests on, and :math:`R = 1` is exactly the DMFT's transition :math:`g^2 f = 1` at
  :math:`g = \sqrt 2, f = 1/2`), plus the mean-mode outlier.  The N → ∞ law is an atom of mass
  :math:`1 - f` at -1 and a semicircle of mass f and radius R centred at -1:
  :math:`F(s) = (1 - f)\Theta(s + 1) + f F_{sc}(s; R)`, with f from the static DMFT.
  Measured (``python -m meanfield.rmt.validate balanced-fixed-point``, 4 networks per point, exact
  eigenvalues of the fixed point's Jacobian): bulk RMS against the law with the network's own f
  0.0080 / 0.0048 / 0.0027 (g = 0.8), 0.0115 / 0.0070 / 0.0039 (g = 1.2), 0.0127 / 0.0076 / 0.0044
  (g = 1.35) at N = K = 500 / 1000 / 2000 -- falling with N as for an exact law.  The active
  fraction itself is a quenched, network-dependent number (sd 0.017-0.030 over networks, not
  shrinking with N; the mean over 4 networks lies within 1.5 SE of the DMFT f at 8 of 9 points,
  2.5 SE at g = 1.2, N = 500), so
  the RMS against the law with the DMFT f stays at 0.008-0.021.  The largest exponent converges
  slowly in N (edge fluctuations: at N = 2000, g = 1.2, -0.106 ± 0.023 (sd) against -0.083).

* **Near-atom at -1.**  Much of the bulk lies within ±0.08 of -1 (g = 2: 0.66 in the theory, 0.56
  in an N = 500 simulation): units whose
  quenched mean input keeps them silent have exponents at -1 (an exactly invariant direction while
  the gate is closed).  The finite window (T = 32) resolves F only for
  :math:`|s + 1| \gtrsim 0.08`: below that the readout of F is not monotone (measured: F > 1 at
  a = s + 1 <= 0.02, converged in η), so the law is interpolated (PCHIP) between F(-1) = 1/2 and the
  first threshold a = 0.084.  Exponents inside that band are smeared accordingly; D, H and the top
  of the spectrum are not affected.

Accuracy against QR simulation (g = 2, J0 = I0 = 1, K = N, RK4 dt = 0.1, T = 500 τ, seed 1;
``python -m meanfield.rmt.validate balanced --seeds 1 --full 500 --cache DIR``), theory D/N 0.01758,
H/N 0.000382, λ_max 0.0960 (DMFT):

=======  ===================  =====================  ===============  ================================
N = K    D/N (± SE)           H/N (± SE)             λ_1 (± SE)       RMS vs the law
=======  ===================  =====================  ===============  ================================
500      0.01981 ± 0.00100    0.000321 ± 0.000028    0.060 ± 0.004    0.030 (u <= 0.05), 0.036
         (+12.7 %)            (-15.7 %)                               (u <= 0.95), 0.039 (all bulk)
500 (2)  0.01419 ± 0.00098    0.000194 ± 0.000028    0.049 ± 0.006    (seed 2, 30 exponents)
         (-19.3 %)            (-49 %)
1000     0.01745 ± 0.00075    0.000322 ± 0.000025    0.077 ± 0.006    0.012 (u <= 0.05; 60 exponents)
         (-0.7 %)             (-15.6 %)
1000 (2) 0.01093 ± 0.00043    0.000129 ± 0.000010    0.046 ± 0.005    0.033 (u <= 0.05)
         (-37.8 %)            (-66 %)
1000 (3) 0.01727 ± 0.00095    0.000325 ± 0.000035    0.083 ± 0.006    0.012 (u <= 0.05)
         (-1.8 %)             (-14.9 %)
=======  ===================  =====================  ===============  ================================

Networks of the same size differ far beyond their standard errors (quenched disorder): by 35 %
in D/N at N = 500 and 38 % at N = 1000 (network 2 is markedly less chaotic).  Two of three
networks at N = 1000 agree with the theory's D/N within 0.2 and 0.3 SE; the mean over the three,
0.0152 ± 0.0021, lies 1.1 SE below it (H/N 1.9 SE below; the slow test).  λ_1 lies below the DMFT
λ_max at N = 1000 (the finite-N deficit of every network type; the N-extrapolated λ_max is the
case ``balanced-lambda-max`` of ``meanfield validate``).  (An earlier run of network 1 with the
same settings, in an earlier version of the code, gave D/N 0.01803 ± 0.00085 and λ_1 0.089; the
present code gives the row above, and same-seed runs of it are identical.)  The mean-mode exponent
at N = 500 is -8.456 ± 0.039 against the estimate -8.758 (3 %; RK4 at dt = 0.1 itself moves a
rate of 8.76 by ~0.1), and the bulk mean is -1.0018.  The bulk RMS at N = 500 is dominated by the
band around -1 (finite N and finite T of the simulation spread the silent units' exponents; finite
T of the theory, above) and by the lower tail (the simulated spectrum is not point-symmetric
there: -2.16 at u = 0.997 against -2.06).
"""
import math

import numpy as np

from .._validation import check_int, check_real
from ..errors import UnsupportedRegimeError

__all__ = ["balanced_spectrum", "balanced_fixed_point_spectrum", "mean_mode_exponent"]


def _check_parameters(g, J0, I0, K, N, n):
    """(g, J0, I0, K, N, n) validated; N defaults to K, n to N."""
    g = check_real("g", g, 0.0, low_open=True)
    J0 = check_real("J0", J0, 0.0, low_open=True)
    I0 = check_real("I0", I0, 0.0, low_open=True)
    K = check_int("K", K, 1)
    N = K if N is None else check_int("N", N, 1)
    n = N if n is None else check_int("n", n, 1)
    return g, J0, I0, K, N, n


def mean_mode_exponent(J0, K, fraction_active):
    r"""Leading-order mean-mode (outlier) exponent :math:`-1 - J_0\sqrt K f` of the balanced network."""
    return -1.0 - J0 * math.sqrt(K) * fraction_active


def balanced_spectrum(g, J0=1.0, I0=1.0, K=1000, N=None, n=None, n_thresholds=40, model=None, **options):
    r"""Lyapunov spectrum of the dense balanced ReLU network from the single-site theory with 0/1 gates.

    Parameters
    ----------
    g : float
        Disorder strength, :math:`g > \sqrt 2` (chaotic balanced state).
    J0, I0 : float
        Mean inhibitory coupling and drive (> 0); they enter only the mean-mode exponent.
    K : int
        Tightness of balance (the model's K; N for dense networks).
    N : int, optional
        System size for the extensive quantities (default K).
    n : int, optional
        Number of exponents (default N); :math:`\lambda(u_i)`, :math:`u_i = (i - 1/2)/n`, and, when
        n = N, the last one replaced by the mean-mode estimate :math:`-1 - J_0\sqrt K f`.
    n_thresholds : int
        Thresholds of F (half solved, half by the point symmetry).
    model : dict, optional
        Stored in the result.
    **options
        ``T, m, n_paths, eta, seed, theta, tol`` of
        :class:`meanfield.rmt.single_site.SingleSiteTheory`
        (default window from the DMFT correlation time: 32 τ at g = 2).

    Returns
    -------
    RMTSpectrum
        method "single-site" (1/τ); ``settings`` adds ``model_kind="balanced"``, ``J0, I0, K``,
        ``fraction_active``, ``mean_input`` (in units of :math:`\sqrt{c_0}`: ``x``) and
        ``mean_mode_exponent``.

    Raises
    ------
    UnsupportedRegimeError
        :math:`g \le \sqrt 2` (fixed point: use :func:`balanced_fixed_point_spectrum`, which
        :func:`meanfield.rmt.lyapunov_spectrum` picks there).
    """
    from ..dmft import solve_balanced
    from .single_site import SingleSiteTheory, spectrum_from_theory
    g, J0, I0, K, N, n = _check_parameters(g, J0, I0, K, N, n)
    n_thresholds = check_int("n_thresholds", n_thresholds, 6)
    bad = set(options) - {"T", "m", "n_paths", "eta", "seed", "theta", "tol", "extrapolate"}
    if bad:
        raise TypeError(f"unknown option(s) {sorted(bad)} for balanced_spectrum")
    if g * g <= 2.0:
        raise UnsupportedRegimeError(
            f"balanced network with g = {g:g} <= sqrt(2): the stationary state is a stable fixed point, not "
            "covered by the single-site theory; use balanced_fixed_point_spectrum (method 'semicircle')")
    sol = solve_balanced(g, J0, I0, K, tau_max=160.0)
    th = SingleSiteTheory(g, "relu", dmft=sol, **options)
    f = float(sol.fraction_active)
    lam_mm = mean_mode_exponent(J0, K, f)

    def regime(edge, s_star):
        return (f"balanced ReLU network, continuous-time chaos (g = {g:g} > sqrt 2), N -> infinity: bulk "
                f"from "
                f"the single-site theory with 0/1 gates (active fraction {f:.4f}; T = {th.T:g}, spacing "
                f"{th.T / th.m:.3g}, {th.n_paths} paths; top edge of the computed F {edge:.4g} vs DMFT "
                f"lambda_max {s_star:.4g}); the rank-one mean coupling is left out of the bulk "
                f"(approximation, measured against QR in meanfield.rmt.balanced); mean-mode exponent "
                f"-1 - J0 sqrt(K) f = {lam_mm:.4g} (leading order in K)")

    res = spectrum_from_theory(th, N, n, n_thresholds, model, regime)
    if n == N and N > 1:
        res.exponents = np.concatenate([res.exponents[:-1], [min(lam_mm, res.exponents[-1])]])
    res.settings.update(model_kind="balanced", J0=J0, I0=I0, K=K, fraction_active=f,
                        x=float(sol.diagnostics.get("x", math.nan)), mean_input=float(sol.mean_input),
                        dmft_variance=float(sol.variance), dmft_asymptote=float(sol.asymptote),
                        mean_mode_exponent=lam_mm)
    return res


def _atom_semicircle_quantile(u, f, R):
    """Quantile of (1 - f) delta(s + 1) + f semicircle(R) centred at -1 (descending in u)."""
    from .semicircle import semicircle_quantile
    u = np.asarray(u, dtype=np.float64)
    lo, hi = u < 0.5 * f, u > 1.0 - 0.5 * f
    v = np.where(lo, u / f, np.where(hi, (u - (1.0 - f)) / f, 0.5))
    return np.where(lo | hi, semicircle_quantile(np.clip(v, 0.0, 1.0), R), -1.0)


def balanced_fixed_point_spectrum(g, J0=1.0, I0=1.0, K=1000, N=None, n=None, model=None):
    r"""Lyapunov spectrum of the dense balanced ReLU network at its stable fixed point, :math:`g \le \sqrt 2`.

    At a fixed point the exponents are :math:`\lambda_i = -1 + \mathrm{Re}\,\mu_i(JD)`, D = diag of
    the 0/1 gates.  As N → ∞: a fraction :math:`1 - f` of exponents equal to -1 (silent units) and a
    fraction f distributed as the real parts of the disk of radius :math:`R = g\sqrt f` centred at -1
    (semicircle), f the active fraction of the static balanced DMFT; plus one mean-mode outlier
    :math:`-1 - J_0\sqrt K f` (leading order in K)::

        F(s) = (1 - f) Θ(s + 1) + f [1 - arccos(c)/π + c sqrt(1 - c²)/π],   c = (1 + s)/R.

    Parameters
    ----------
    g : float
        Disorder strength, :math:`0 < g \le \sqrt 2`.
    J0, I0 : float
        Mean inhibitory coupling and drive (> 0); they enter only the mean-mode exponent.
    K : int
        Tightness of balance (N for dense networks).
    N : int, optional
        System size for the extensive quantities (default K).
    n : int, optional
        Number of exponents (default N): :math:`\lambda(u_i)`, :math:`u_i = (i - 1/2)/n`, and, when
        n = N, the last one replaced by the mean-mode estimate.
    model : dict, optional
        Stored in the result.

    Returns
    -------
    RMTSpectrum
        method "semicircle" (1/τ); D = H = 0, ``lambda_max`` = -1 + R, mean exponent of the bulk -1;
        ``settings``: ``fraction_active``, ``radius``, ``mean_mode_exponent``, ``model_kind="balanced"``.

    Raises
    ------
    UnsupportedRegimeError
        :math:`g > \sqrt 2` (chaos: use :func:`balanced_spectrum`).
    """
    from ..dmft import solve_balanced
    from ..results import diagnostics
    from .results import spectrum_from_law
    g, J0, I0, K, N, n = _check_parameters(g, J0, I0, K, N, n)
    if g * g > 2.0:
        raise UnsupportedRegimeError(f"balanced network with g = {g:g} > sqrt(2) is chaotic: no stable fixed "
                                     "point; use balanced_spectrum (method 'single-site')")
    sol = solve_balanced(g, J0, I0, K)
    f = float(sol.fraction_active)
    R = g * math.sqrt(f)
    lam_mm = mean_mode_exponent(J0, K, f)
    u_i = (np.arange(1, n + 1) - 0.5) / n
    lam = _atom_semicircle_quantile(u_i, f, R)
    if n == N and N > 1:
        lam[-1] = min(lam_mm, lam[-1])
    t = np.linspace(0.0, 1.0, 2049)[1:-1]
    tu = np.concatenate([[0.0], 0.5 * f * t, [0.5 * f, 1.0 - 0.5 * f], 1.0 - 0.5 * f + 0.5 * f * t, [1.0]])
    tl = _atom_semicircle_quantile(tu, f, R)
    tl[0], tl[-1] = -1.0 + R, -1.0 - R
    regime = (f"balanced ReLU network at its stable fixed point (g = {g:g} <= sqrt 2), N -> infinity: "
              "atom of "
              f"mass 1 - f = {1 - f:.4f} at -1 (silent units) and a semicircle of mass f, radius g sqrt(f) = "
              f"{R:.4f} (circular law of the active block; f from the static balanced DMFT); mean-mode "
              f"exponent -1 - J0 sqrt(K) f = {lam_mm:.4g} (leading order in K). At finite N the exact "
              "exponents are rmt.fixed_point_exponents(J @ D) at the network's fixed point")
    settings = {"g": g, "phi": "relu", "time": "continuous", "n": n, "model_kind": "balanced", "J0": J0,
                "I0": I0, "K": K, "fraction_active": f, "radius": R, "mean_input": float(sol.mean_input),
                "mean_mode_exponent": lam_mm}
    return spectrum_from_law(
        exponents=np.asarray(lam, dtype=np.float64), table_u=tu, table_lambda=tl, N=N, dimension=0.0,
        entropy_rate=0.0, dimension_per_N=0.0, entropy_rate_per_N=0.0, lambda_max=-1.0 + R,
        lambda_max_error=0.0, mean_exponent=-1.0, method="semicircle", regime=regime, model=model,
        settings=settings, diagnostics=diagnostics(converged=True, iterations=0))
