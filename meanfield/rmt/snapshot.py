r"""§6.4 The "snapshot" approximation of the continuous-time spectrum (intense chaos) [EWA].

Approximation: :math:`\lambda_i \approx \mathrm{Re}\,z_i`, :math:`z_i` the eigenvalues of the
frozen Jacobian :math:`-\mathbb 1 + J D` (J with entries :math:`N(0, g^2/N)`) with the gains
:math:`D = \mathrm{diag}\,\phi'(\sqrt{\Delta_0} z)` drawn from the stationary continuous-time DMFT
(:math:`\Delta_0` = ``dmft.solve_scs(g, phi).variance``).  As N → ∞ the eigenvalues w of
:math:`JD` are rotation invariant (Haagerup--Larsen, R-diagonal) with radial law

.. math::

    P(|w| > r(c)) = u(c) = E\Big[\frac{c d^2}{1 + c d^2}\Big], \qquad
    r(c)^2 = g^2 E\Big[\frac{d^2}{1 + c d^2}\Big],

(the same parametric functions as the free law of §6.2, :math:`r = e^{\lambda_{\rm free}}`).
Projected on the real axis: with :math:`x = s + 1`,

.. math::

    P(\mathrm{Re}\,w > x) = \int_0^{u(x)} \frac{\arccos(x / r(u))}{\pi}\,du \quad (x \ge 0),

and :math:`F(s) = 1 - P(\mathrm{Re}\,w > x)` (x >= 0), :math:`F(s) = P(\mathrm{Re}\,w > -x)` (x < 0)
by symmetry; the mean exponent is exactly -1.  Units 1/τ.

This is an approximation, not a theory of the spectrum: the frozen Jacobian ignores the time
dependence of the gains.  Measured against QR spectra of tanh networks (RK4, dt = 0.1,
N = 200, T = 300 τ, network seeds 1, 2; seed 1 at g = 2 is not chaotic at this N):

=====  ==========================  ==================  ====================  =====================
g      bulk RMS (u <= 0.95)        λ_1 sim / law       D/N sim / law         H/N sim / law
=====  ==========================  ==================  ====================  =====================
2      0.021                       0.058 / 0.143       0.028 / 0.043         0.0004 / 0.0015
3      0.055, 0.058                0.186, 0.174 / 0.334  0.056, 0.054 / 0.069  0.0023 / 0.0051
=====  ==========================  ==================  ====================  =====================

(λ_1 of the law at u = 1/(2N); its top :math:`-1 + g\sqrt{E d^2}` exceeds the DMFT
:math:`\lambda_{\max}` by 0.080 at g = 2 and 0.177 at g = 3, reported as ``lambda_max_error``.)
Finite N lowers the simulated D/N and H/N (physics.md §6.3: N = 250 is ~10 % below the large-N
values at g = 3), which explains part, not all, of the gap.  Against published large-N spectra
(davidclark1/rnn-lyapunov data, RK4 dt = 0.1, seed 0: N = 8192 at g = 1.25, N = 4096 at g = 2, 3;
tests/test_rmt_semicircle.py): D/N +34 %, +20 %, +13 % and H/N +107 %, +69 %, +63 % too high;
λ_1 at u = 1/(2N) 0.026, 0.186, 0.402 against 0.014, 0.110, 0.231.  Numerical error of the law itself
(quadrature, table interpolation): < 1e-4, measured against a 10x finer evaluation.
"""
import math

import numpy as np

from .._validation import check_int, check_real
from .free import FreeLaw, _newton

__all__ = ["snapshot_spectrum", "SnapshotLaw"]

_W_NODES = np.polynomial.legendre.leggauss(16)


class SnapshotLaw:
    r"""Real-axis projection of the radial law of :math:`JD` (continuous-time DMFT gains)."""

    def __init__(self, g, phi="tanh", q=None):
        from ..dmft import solve_scs
        self.g = check_real("g", g, 0.0, low_open=True)
        sol = solve_scs(self.g, phi=phi, time="continuous") if q is None else None
        self.q = float(sol.variance) if q is None else check_real("q", q, 0.0)
        self.dmft_lambda_max = float(sol.lambda_max) if sol is not None else math.nan
        self.free = FreeLaw(self.g, phi, q=self.q)
        self.r_max = math.exp(self.free.lambda_max)
        self.n_panels = 16

    def _t_of_r(self, x):
        target = np.ascontiguousarray(2.0 * np.log(x) - 2.0 * math.log(self.g))
        t, _ = _newton(target, 1, self.free.t_tab, self.free.logm_tab, self.free.d2, self.free.w, 1e-13, 60)
        return t

    def survival(self, x):
        r""":math:`P(\mathrm{Re}\,w > x)` for x >= 0 (vectorised).

        Gauss--Legendre in t = ln c on :math:`[t_{lo}, t_x - 1]` (``n_panels`` panels) and, on
        :math:`[t_x - 1, t_x]`, in w with :math:`t = t_x - w^2`, which removes the square-root end
        point of :math:`\arccos(x / r(t))` at :math:`r(t_x) = x`.
        """
        x = np.atleast_1d(np.asarray(x, dtype=np.float64))
        out = np.zeros(x.size)
        out[x == 0] = 0.5 * self.free.u_max                       # symmetric: half the mass
        inner = (x > 0) & (x < self.r_max)
        if not np.any(inner):
            return out
        xi = x[inner]
        tx = self._t_of_r(xi)
        t_lo = self.free.t_tab[0]
        xw, ww = _W_NODES
        res = np.zeros(xi.size)

        def add(t, jac):
            u, v, du, m, dm = self.free.moments(t.ravel())
            r = np.sqrt(self.g * self.g * m).reshape(t.shape)
            f = np.arccos(np.clip(xi[:, None] / r, -1.0, 1.0)) / math.pi * du.reshape(t.shape) * jac
            return f @ ww

        t_mid = np.maximum(tx - 1.0, t_lo)
        n_pan = self.n_panels
        for p in range(n_pan):                                 # plain panels in t
            a = t_lo + (t_mid - t_lo) * p / n_pan
            b = t_lo + (t_mid - t_lo) * (p + 1) / n_pan
            t = 0.5 * (a + b)[:, None] + 0.5 * (b - a)[:, None] * xw
            res += 0.5 * (b - a) * add(t, 1.0)
        W = np.sqrt(tx - t_mid)
        for p in range(2):                                     # t = tx - w^2, w in [0, W]
            a = W * p / 2
            b = W * (p + 1) / 2
            w = 0.5 * (a + b)[:, None] + 0.5 * (b - a)[:, None] * xw
            res += 0.5 * (b - a) * add(tx[:, None] - w * w, 2.0 * w)
        out[inner] = res
        return out

    def cdf(self, s):
        r""":math:`F(s) = P(\lambda \le s)`, :math:`x = s + 1` (1/τ)."""
        s = np.asarray(s, dtype=np.float64)
        x = np.atleast_1d(s).ravel() + 1.0
        S = self.survival(np.abs(x))
        out = np.where(x >= 0, 1.0 - S, S)          # an atom of w at 0 (gains 0) counts in F(s >= -1)
        out = out.reshape(np.shape(s))
        return float(out) if out.ndim == 0 else out

    def table(self, n=4097):
        """(u, lambda) table on s = -1 + r_max cos(theta), theta uniform in [0, pi]."""
        th = np.linspace(0.0, math.pi, n)
        s = -1.0 + self.r_max * np.cos(th)
        F = self.cdf(s)
        F[0], F[-1] = 1.0, 0.0
        u = 1.0 - F
        keep = np.concatenate([[True], u[1:] > np.maximum.accumulate(u)[:-1]])
        return u[keep], s[keep]


def _table_integrals(u, lam):
    """(H/N, D/N) from a dense (u, lambda) table by the trapezoid rule (mean < 0 assumed)."""
    du = np.diff(u)
    lm = 0.5 * (lam[1:] + lam[:-1])
    cum = np.concatenate([[0.0], np.cumsum(lm * du)])
    H = float(np.sum(np.maximum(lm, 0.0) * du))
    if lam[0] <= 0:
        return 0.0, 0.0
    k = int(np.argmax(cum))
    after = np.flatnonzero(cum[k:] < 0)
    if after.size == 0:
        return H, 1.0
    j = k + after[0]
    # cum is linear between the table points j-1 and j only to first order; interpolate
    u_ky = u[j - 1] + (u[j] - u[j - 1]) * cum[j - 1] / (cum[j - 1] - cum[j])
    return H, float(u_ky)


def snapshot_spectrum(g, phi="tanh", N=1000, n=None, model=None, table_size=2049):
    r"""The snapshot approximation of the continuous-time spectrum (physics.md §6.4).

    Parameters
    ----------
    g : float
        Coupling gain, g > 1 (chaotic DMFT state) for a non-trivial result.
    phi : str or (phi, dphi) pair
        Transfer function.
    N : int
        System size for the extensive quantities.
    n : int, optional
        Number of exponents (default N).
    model : dict, optional
    table_size : int
        Points of the law's table (the exponents are interpolated from it; numerical error
        < 1e-4 at the edges, measured against 8193 points -- far below the approximation's own error).

    Returns
    -------
    RMTSpectrum
        method "snapshot", 1/τ; ``lambda_max_error`` = |top of the law - DMFT λ_max|.
    """
    from ..results import diagnostics
    from .results import spectrum_from_law
    N = check_int("N", N, 1)
    n = N if n is None else check_int("n", n, 1)
    table_size = check_int("table_size", table_size, 65)
    law = SnapshotLaw(g, phi)
    tu, tl = law.table(table_size)
    from scipy.interpolate import PchipInterpolator
    u_i = (np.arange(1, n + 1) - 0.5) / n
    lam = PchipInterpolator(tu, tl)(u_i)
    H, D = _table_integrals(tu, tl)
    lmax = -1.0 + law.r_max
    err = abs(lmax - law.dmft_lambda_max)
    return spectrum_from_law(
        exponents=np.asarray(lam, dtype=np.float64), table_u=tu, table_lambda=tl, N=N, dimension=N * D,
        entropy_rate=N * H, dimension_per_N=D, entropy_rate_per_N=H, lambda_max=lmax, lambda_max_error=err,
        mean_exponent=-1.0, method="snapshot",
        regime=(f"approximation for continuous-time chaos (frozen Jacobian -1 + J D with DMFT gains): "
                f"bulk fair at g <= 2, top too high by {err:.3g} here (vs DMFT lambda_max "
                f"{law.dmft_lambda_max:.4g}), D/N tens of per cent too high; see the module docstring"),
        model=model,
        settings={"g": law.g, "phi": law.free.nl.name, "q": law.q, "time": "continuous", "n": n,
                  "table_size": int(table_size)},
        diagnostics=diagnostics(converged=True, iterations=0, n_evaluations=law.free.n_evaluations,
                                approximate=True))
