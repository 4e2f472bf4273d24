r"""§6.2 Discrete time, :math:`h_{t+1} = J\phi(h_t)`: the free-probability law (closed form).

The one-step Jacobian is :math:`J D_t`, :math:`D_t = \mathrm{diag}\,\phi'(h_t)`.  Stationary
DMFT (physics.md §3.5): :math:`q = g^2 E[\phi(\sqrt q z)^2]`, and the gains
:math:`d = \phi'(\sqrt q z)` are independent across units and white in time.  Treating J as free
from the :math:`D_t` (Kargin 2008; Tucci 2010; Haagerup--Larsen), the N → ∞ spectrum is, in
parametric form over :math:`c \in (0, \infty)`,

.. math::

    u(c) = E\Big[\frac{c d^2}{1 + c d^2}\Big], \qquad
    \lambda(c) = \tfrac12 \ln\Big(g^2 E\Big[\frac{d^2}{1 + c d^2}\Big]\Big)
               = \tfrac12 \ln\frac{g^2 u(c)}{c},

i.e. :math:`\lambda(u) = -\tfrac12\ln S_{T^*T}(-u)`, :math:`T = gJD`.  Built-in identities:
:math:`\lambda(u\to 0) = \tfrac12\ln(g^2 E d^2)` (the DMFT :math:`\lambda_{\max}`) and
:math:`\int_0^1 \lambda\,du = \ln g - \tfrac12 + E\ln|d|` (the mean log-determinant).
Exponents are per iteration.

Numerics.  The expectations over :math:`z \sim N(0,1)` use one composite Gauss--Legendre rule
on :math:`[-9, 9]` (the Gaussian core's range and 12-node panels, :mod:`meanfield._gauss_kernels`)
with uniform panels of width 1/8 (folded onto :math:`[0, 9]` for even :math:`\phi'`), computed
once per law.  All functions of c are evaluated in :math:`t = \ln c` by one Numba kernel.
Quantiles :math:`\lambda(u_i)` solve :math:`u(t) = u_i` by safeguarded Newton in t from a
bracketing table; the CDF solves :math:`\lambda(t) = s` the same way.  The integrals
(mean exponent, :math:`H/N = \int\lambda^+du`, :math:`D/N = u_{KY}`) are Gauss--Legendre
integrals of :math:`\lambda(t)\,u'(t)` over t.  Numerical accuracy (tests/test_rmt_free.py,
``python -m meanfield.rmt.validate identities``): quantiles agree with an independent mpmath
evaluation to 4e-14 (tanh, g = 3) and 7e-13 (erf, g = 2), the stored (u, λ) table to 4e-9; the
mean-exponent identity holds to 2e-15.  Cost: ~25 ms for N = 1000 exponents with D/N and H/N
(benchmarks/bench_rmt.py).

Accuracy against simulation (tanh, N = 300, T = 3000, 4 network seeds;
``python -m meanfield.rmt.validate free --seeds 1,2,3,4``): the law is the N → ∞ limit; a finite
network differs in two ways.  (i) Its time-averaged q differs from the DMFT q by a few per cent
(quenched, seed to seed), which shifts the whole spectrum: bulk RMS (u <= 0.95) 0.018--0.064 at
g = 2 and 0.018--0.050 at g = 3 against the law with the DMFT q, 0.007--0.020 and 0.009--0.012
with the network's own q (``free_spectrum(g, N, q=...)``).  (ii) A finite-N bias, every seed
below the law (own q): D/N -1 to -6 % (g = 2), -2 to -2.5 % (g = 3); H/N -2 to -13 % (g = 2),
-4 to -6 % (g = 3).  At N = 500 (T = 2000, seeds 1, 2; ``validate free --N 500 --T 2000``) the
bulk RMS with the DMFT q is 0.0053, 0.0097 (g = 2) and 0.0059, 0.0192 (g = 3), with the own q
0.0066, 0.0038, 0.0090, 0.0053; D/N -2.3, 0.0, -1.2, -0.6 % from the law.  At N = 1000
(T = 2000, seeds 1, 2, 3; ``validate free --N 1000 --T 2000 --seeds 1,2,3``, 340-500 s per run) the
bulk RMS with the DMFT q is 0.0032, 0.0057, 0.0029 (g = 2) and 0.0029, 0.0080, 0.0028 (g = 3),
all <= 0.01; D/N -0.3, -1.8, -0.4 % and -0.6, -1.4, -0.2 %, H/N -0.5, -3.4, -0.8 % and -1.2, -2.9,
-0.4 % from the law (every network below it: the finite-N bias, about 1 % in D/N at N = 1000).
Products with a fresh J every step and DMFT gains (``annealed_spectrum``, g = 2) approach the law like 1/N:
D/N 0.2463, 0.2504, 0.2540 at N = 100, 200, 400 vs 0.2576, bulk RMS 0.012, 0.012, 0.006.
Published N = 4096 spectra (davidclark1/rnn-lyapunov data, g = 2,
3, 5): D/N 0.2-0.4 % and H/N 0.4-0.7 % below the law, mean exponent within 0.003, network q within
0.2 % of the DMFT q (tests/test_rmt_free.py).
"""
import math

import numpy as np
from numba import njit

from .. import _gauss_kernels as GK
from .. import nonlinearities
from .._validation import check_int, check_real

__all__ = ["FreeLaw", "free_spectrum"]

_PANEL = 0.25           # largest panel width in z of the composite Gauss-Legendre rule
_PANEL_SLOPE = 3.0      # panel width x max |d ln d^2 / dz|
_U_EDGE = 1e-13         # the table covers u in [~1e-13, 1 - ~1e-13]
_T_PANEL = 0.5          # panel width in t = ln c of the integrals over the law
_T_NODES = np.polynomial.legendre.leggauss(16)
_T_CAP = 690.0          # e^t must stay finite


@njit(cache=True)
def _moments(t, d2, w, u, v, du, m, dm):
    """u(t), 1-u(t), du/dt, m(t) = E[d^2/(1+c d^2)] and dm/dt at c = e^t (arrays, in place)."""
    for k in range(t.size):
        c = math.exp(t[k])
        su = 0.0
        sv = 0.0
        sdu = 0.0
        sm = 0.0
        sdm = 0.0
        for j in range(d2.size):
            x = c * d2[j]
            r = 1.0 / (1.0 + x)
            wr = w[j] * r
            su += wr * x
            sv += wr
            sdu += wr * x * r
            sm += wr * d2[j]
            sdm += wr * r * d2[j] * d2[j]
        u[k] = su
        v[k] = sv
        du[k] = sdu
        m[k] = sm
        dm[k] = -c * sdm


@njit(cache=True)
def _newton(target, mode, t_tab, y_tab, d2, w, tol, maxit):
    """Solve y(t) = target for each target by safeguarded Newton in t.

    mode 0: y = u(t) (increasing); mode 1: y = ln m(t) (decreasing).  ``y_tab`` on the grid
    ``t_tab`` brackets the roots.  Returns (t, iterations used at most).
    """
    n = target.size
    out = np.empty(n)
    itmax = 0
    one = np.empty(1)
    u = np.empty(1)
    v = np.empty(1)
    du = np.empty(1)
    m = np.empty(1)
    dm = np.empty(1)
    sgn = 1.0 if mode == 0 else -1.0
    nt = t_tab.size
    for i in range(n):
        y0 = target[i] * sgn
        # bracket: first grid index with sgn*y >= y0
        lo = 0
        hi = nt - 1
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if sgn * y_tab[mid] >= y0:
                hi = mid
            else:
                lo = mid
        a = t_tab[lo]
        b = t_tab[hi]
        ya = sgn * y_tab[lo] - y0
        yb = sgn * y_tab[hi] - y0
        if ya > 0:                      # below the table: extend the bracket
            b = a
            yb = ya
            a = a - 60.0
            ya = -1.0
        elif yb < 0:                    # above the table
            a = b
            ya = yb
            b = b + 60.0
            yb = 1.0
        if yb != ya:
            t = a - ya * (b - a) / (yb - ya)
        else:
            t = 0.5 * (a + b)
        it = 0
        while it < maxit:
            it += 1
            one[0] = t
            _moments(one, d2, w, u, v, du, m, dm)
            if mode == 0:
                f = u[0] - target[i]
                fp = du[0]
            else:
                f = -(math.log(m[0]) - target[i])
                fp = -dm[0] / m[0]
            if f > 0:
                b = t
            else:
                a = t
            if f == 0.0:
                break
            if fp > 0:
                tn = t - f / fp
                if abs(tn - t) < tol * (1.0 + abs(t)):
                    t = tn
                    break
            if not (fp > 0 and tn > a and tn < b):
                tn = 0.5 * (a + b)
            if b - a < tol * (1.0 + abs(t)):
                t = tn
                break
            t = tn
        out[i] = t
        if it > itmax:
            itmax = it
    return out, itmax


def _panel_width(dphi, q):
    """Panel width in z: _PANEL_SLOPE / max |d ln d^2 / dz| over |z| <= 7.5, in [1/64, _PANEL].

    The integrands 1/(1 + c d^2) switch where c d^2 = 1 over a width ~ 1/|d ln d^2/dz| in z; the rule
    resolves that switch for every u <= 1 - 1e-13 (|z| <= 7.5).
    """
    z = np.linspace(-7.5, 7.5, 6001)
    with np.errstate(divide="ignore", invalid="ignore"):
        ld = 2.0 * np.log(np.abs(np.asarray(dphi(math.sqrt(q) * z), dtype=np.float64)))
        slope = np.abs(np.diff(ld)) / (z[1] - z[0])
    slope = slope[np.isfinite(slope)]
    top = float(slope.max()) if slope.size else 0.0
    if top <= 0:
        return _PANEL
    w = min(_PANEL, max(1.0 / 64.0, _PANEL_SLOPE / top))
    return 2 * GK.QL / math.ceil(2 * GK.QL / w)


def _gauss_rule(dphi, q):
    """Nodes of E over z ~ N(0,1) of d^2 = phi'(sqrt(q) z)^2: (d2, weights), weights sum to 1."""
    n_pan = int(round(2 * GK.QL / _panel_width(dphi, q)))
    edges = np.linspace(-GK.QL, GK.QL, n_pan + 1)
    a, b = edges[:-1, None], edges[1:, None]
    z = (0.5 * (a + b) + 0.5 * (b - a) * GK.GL_X).ravel()
    w = (0.5 * (b - a) * GK.GL_W).ravel() * np.exp(-0.5 * z * z) * GK.INV_SQRT2PI
    d = np.asarray(dphi(math.sqrt(q) * z), dtype=np.float64)
    d2 = d * d
    if not np.all(np.isfinite(d2)):
        raise ValueError("phi' is not finite on the Gaussian range of the DMFT variance")
    half = z.size // 2
    if np.allclose(d2[:half], d2[::-1][:half], rtol=1e-14, atol=0.0):     # even: fold
        d2, w = d2[half:], 2.0 * w[half:]
    keep = w > 0
    zero = d2 == 0
    if w[zero].sum() < 1e-15 * w.sum():        # underflow in the far tail (e.g. erf): like the truncation
        keep &= ~zero
    d2, w = d2[keep], w[keep]
    return np.ascontiguousarray(d2), np.ascontiguousarray(w / w.sum())


class FreeLaw:
    r"""The free-probability spectrum of :math:`h_{t+1} = J\phi(h_t)` (N → ∞), physics.md §6.2.

    Parameters
    ----------
    g : float
        Coupling gain, :math:`J_{ij}\sim N(0, g^2/N)`, g > 0.
    phi : str, (phi, dphi) pair or Nonlinearity
        Transfer function the stationary DMFT supports ("tanh", "erf", user pairs).
    q : float, optional
        DMFT variance :math:`q = \Delta_0`; default from
        ``meanfield.dmft.solve_scs(g, phi, time="discrete")`` (q = 0 below the transition:
        the gains are the constant :math:`\phi'(0)` and the law is the circular one).

    Notes
    -----
    All methods are vectorised; exponents are per iteration.
    """

    def __init__(self, g, phi="tanh", q=None):
        self.g = check_real("g", g, 0.0, low_open=True)
        self.nl = nonlinearities.resolve(phi)
        self.dmft = None
        if q is None:
            from ..dmft import solve_scs
            self.dmft = solve_scs(self.g, phi=self.nl, time="discrete")
            q = self.dmft.variance
        self.q = check_real("q", q, 0.0)
        if self.q == 0.0:
            d0 = float(self.nl.derivative(0.0))
            self.d2, self.w = np.array([d0 * d0]), np.array([1.0])
        else:
            self.d2, self.w = _gauss_rule(self.nl.derivative, self.q)
        if not np.any(self.d2 > 0):
            raise ValueError("phi' vanishes on the whole support of the gains: the spectrum is -inf")
        self.u_max = float(self.w[self.d2 > 0].sum()) if np.any(self.d2 == 0) else 1.0
        self.n_evaluations = 0
        self._build_table()

    # ------------------------------------------------------------------ primitives
    def moments(self, t):
        """(u, 1-u, du/dt, m, dm/dt) at t = ln c (arrays)."""
        t = np.ascontiguousarray(np.atleast_1d(np.asarray(t, dtype=np.float64)))
        out = [np.empty(t.size) for _ in range(5)]
        _moments(t, self.d2, self.w, *out)
        self.n_evaluations += t.size
        return out

    def lam_of_t(self, t):
        r""":math:`\lambda(t) = \tfrac12\ln(g^2 m(t))`."""
        m = self.moments(t)[3]
        return 0.5 * np.log(self.g * self.g * m)

    @property
    def lambda_max(self):
        r""":math:`\lambda(u\to0) = \tfrac12 \ln(g^2 E d^2)`."""
        return 0.5 * math.log(self.g * self.g * float(self.w @ self.d2))

    def _build_table(self):
        Ed2 = float(self.w @ self.d2)
        t_lo = math.log(_U_EDGE / Ed2)
        t_hi = self._t_top(_U_EDGE * 1e-2)
        # fine steps (0.02) while 1 - u > 1e-6, then 0.25 (slow power-law tails, e.g. erf)
        t_f = min(self._t_top(1e-6), t_hi)
        t = np.concatenate([np.linspace(t_lo, t_f, int(math.ceil((t_f - t_lo) / 0.02)) + 1),
                            np.arange(t_f + 0.25, t_hi + 0.125, 0.25)])
        u, v, du, m, dm = self.moments(t)
        # trim the flat top where 1 - u has reached its floor
        stop = np.flatnonzero(v - (1.0 - self.u_max) < _U_EDGE * 1e-2)
        if stop.size:
            k = stop[0] + 1
            t, u, v, du, m, dm = (a[:k] for a in (t, u, v, du, m, dm))
        u = np.where(u < 0.5, u, self.u_max - (v - (1.0 - self.u_max)))      # 1 - v is exact near 1
        self.t_tab, self.u_tab, self.logm_tab = t, u, np.log(m)
        self.lam_tab = 0.5 * np.log(self.g * self.g * m)

    # ------------------------------------------------------------------ the law
    def t_of_u(self, u, tol=1e-13, maxit=60):
        u = np.ascontiguousarray(np.atleast_1d(np.asarray(u, dtype=np.float64)))
        t, it = _newton(u, 0, self.t_tab, self.u_tab, self.d2, self.w, tol, maxit)
        self.n_evaluations += int(it) * u.size
        self.last_iterations = int(it)
        return t

    def quantile(self, u):
        r"""Quantile :math:`\lambda(u)` of the N → ∞ spectrum, u in [0, 1] (per iteration).

        Exact to the quadrature (Newton on :math:`u(t) = u`); :math:`\lambda(0)` = ``lambda_max``,
        :math:`\lambda(u) = -\infty` for :math:`u \ge` ``u_max`` (the mass of :math:`d \ne 0`).
        """
        u = np.asarray(u, dtype=np.float64)
        if np.any(~np.isfinite(u)) or np.any((u < 0) | (u > 1)):
            raise ValueError("u must lie in [0, 1]")
        flat = np.atleast_1d(u).ravel()
        out = np.full(flat.size, -np.inf)
        inner = (flat > 0) & (flat < self.u_max)
        out[flat == 0] = self.lambda_max
        if np.any(inner):
            t = self.t_of_u(flat[inner])
            out[inner] = self.lam_of_t(t)
        out = out.reshape(np.shape(u))
        return float(out) if out.ndim == 0 else out

    def cdf(self, s):
        r"""CDF :math:`F(s) = 1 - u(c(s))` with :math:`\lambda(c(s)) = s`."""
        s = np.asarray(s, dtype=np.float64)
        if np.any(np.isnan(s)):
            raise ValueError("s must not be NaN")
        flat = np.atleast_1d(s).ravel()
        out = np.where(flat >= self.lambda_max, 1.0, 1.0 - self.u_max)
        inner = (flat < self.lambda_max) & np.isfinite(flat)
        if np.any(inner):
            target = 2.0 * flat[inner] - 2.0 * math.log(self.g)           # ln m = 2 s - ln g^2
            t, it = _newton(np.ascontiguousarray(target), 1, self.t_tab, self.logm_tab, self.d2, self.w,
                            1e-13, 60)
            self.n_evaluations += int(it) * t.size
            out[inner] = self.moments(t)[1]
        out = out.reshape(np.shape(s))
        return float(out) if out.ndim == 0 else out

    def _panels(self):
        r"""Composite Gauss--Legendre panels of :math:`\lambda(t)u'(t)` over the t range (cached)."""
        if getattr(self, "_pan", None) is None:
            t_lo, t_hi = self._t_range()
            n_pan = max(1, int(math.ceil((t_hi - t_lo) / _T_PANEL)))
            e = np.linspace(t_lo, t_hi, n_pan + 1)
            x, wx = _T_NODES
            t = (0.5 * (e[:-1, None] + e[1:, None]) + 0.5 * (e[1:, None] - e[:-1, None]) * x).ravel()
            wt = (0.5 * (e[1:, None] - e[:-1, None]) * wx).ravel()
            u, v, du, m, dm = self.moments(t)
            lam = 0.5 * np.log(self.g * self.g * m)
            per = (wt * lam * du).reshape(n_pan, -1).sum(axis=1)
            self._pan = (e, np.concatenate([[0.0], np.cumsum(per)]))
        return self._pan

    def _cumulative(self, t):
        r""":math:`\int_{t_{lo}}^{t} \lambda u'\,dt` (whole panels from the cache, then one partial panel)."""
        e, cum = self._panels()
        k = int(np.clip(np.searchsorted(e, t, side="right") - 1, 0, e.size - 2))
        if t <= e[k]:
            return float(cum[k])
        x, wx = _T_NODES
        tt = 0.5 * (e[k] + t) + 0.5 * (t - e[k]) * x
        u, v, du, m, dm = self.moments(tt)
        return float(cum[k] + 0.5 * (t - e[k]) * np.sum(wx * 0.5 * np.log(self.g * self.g * m) * du))

    def _t_top(self, eps):
        """The first t (steps of 5 from ln(1/E d^2)) where 1 - u(t) - (1 - u_max) < eps, at most _T_CAP."""
        t = math.log(1.0 / float(self.w @ self.d2))
        floor = 1.0 - self.u_max
        while t < _T_CAP:
            t = min(t + 5.0, _T_CAP)
            if self.moments([t])[1][0] - floor < eps:
                return t
        return _T_CAP

    def _t_range(self):
        """t range outside of which lambda*u' is negligible (< 1e-15 of the integrals)."""
        if getattr(self, "_range", None) is None:
            Ed2 = float(self.w @ self.d2)
            self._range = (math.log(1e-17 / Ed2), self._t_top(1e-19))
        return self._range

    def _tail(self):
        r"""Estimate of :math:`\int_{u(t_{hi})}^{u_{max}} \lambda\,du` beyond the integration range:
        :math:`(u_{max} - u)\lambda(t_{hi})` (an underestimate of its size; < 1e-12 for tanh,
        ~1e-10 for erf at large q, whose tail in t is a power law)."""
        t_hi = self._t_range()[1]
        u, v, du, m, dm = self.moments([t_hi])
        return float((v[0] - (1.0 - self.u_max)) * 0.5 * math.log(self.g * self.g * m[0]))

    def mean_exponent(self):
        r""":math:`\int_0^1\lambda\,du` (-inf if the gains vanish with positive probability)."""
        if self.u_max < 1.0:
            return -math.inf
        return float(self._panels()[1][-1]) + self._tail()

    def t_zero(self):
        """t where lambda(t) = 0 (None if lambda_max <= 0)."""
        if self.lambda_max <= 0:
            return None
        t, it = _newton(np.array([-2.0 * math.log(self.g)]), 1, self.t_tab, self.logm_tab, self.d2,
                        self.w, 1e-14, 80)
        return float(t[0])

    def entropy_rate_per_N(self):
        r""":math:`H/N = \int_0^1 \lambda^+ du` (per iteration)."""
        t0 = self.t_zero()
        if t0 is None:
            return 0.0
        return self._cumulative(t0)

    def dimension_per_N(self):
        r"""Kaplan--Yorke :math:`u_{KY}`: :math:`\int_0^{u_{KY}}\lambda\,du = 0`."""
        from scipy.optimize import brentq
        t0 = self.t_zero()
        if t0 is None:
            return 0.0
        if self.u_max == 1.0 and self.mean_exponent() >= 0:
            return 1.0
        t_hi = self._t_range()[1]
        if self.u_max < 1.0 and self._cumulative(t_hi) >= 0:
            return self.u_max
        t_ky = brentq(self._cumulative, t0, t_hi, xtol=1e-14, rtol=1e-15, maxiter=200)
        self.t_ky = t_ky
        return float(self.moments([t_ky])[0][0])

    def table(self):
        """(u, lambda) dense monotone table of the law, with the end points u = 0 and u = 1."""
        u = np.concatenate([[0.0], self.u_tab, [1.0]])
        lam = np.concatenate([[self.lambda_max], self.lam_tab, [-np.inf]])
        keep = np.concatenate([[True], u[1:] > np.maximum.accumulate(u)[:-1]])
        return u[keep], lam[keep]


def free_spectrum(g, phi="tanh", N=1000, n=None, q=None, model=None):
    r"""The free-probability Lyapunov spectrum of :math:`h_{t+1} = J\phi(h_t)` (physics.md §6.2).

    Parameters
    ----------
    g : float
        Coupling gain (:math:`J_{ij}\sim N(0, g^2/N)`), g > 0.
    phi : str or (phi, dphi) pair
        Transfer function ("tanh", "erf", user pair).
    N : int
        System size the dimension and entropy rate refer to.
    n : int, optional
        Number of exponents :math:`\lambda(u_i)`, :math:`u_i = (i-1/2)/n` (default N).
    q : float, optional
        DMFT variance (default from :func:`meanfield.dmft.solve_scs`).
    model : dict, optional
        Stored in the result.

    Returns
    -------
    RMTSpectrum
        method "free"; exponents per iteration.
    """
    from .results import spectrum_from_law
    N = check_int("N", N, 1)
    n = N if n is None else check_int("n", n, 1)
    law = FreeLaw(g, phi, q=q)
    u_i = (np.arange(1, n + 1) - 0.5) / n
    lam = law.quantile(u_i)
    d_n, h_n, mean = law.dimension_per_N(), law.entropy_rate_per_N(), law.mean_exponent()
    tu, tl = law.table()
    lmax_err = abs(law.lambda_max - law.dmft.lambda_max) if law.dmft is not None else math.nan
    return spectrum_from_law(
        exponents=np.asarray(lam, dtype=np.float64), table_u=tu, table_lambda=tl, N=N,
        dimension=N * d_n, entropy_rate=N * h_n, dimension_per_N=d_n, entropy_rate_per_N=h_n,
        lambda_max=law.lambda_max, lambda_max_error=lmax_err, mean_exponent=mean, method="free",
        regime=("discrete time h_{t+1} = J phi(h_t) (leak 1), no input: exact as N -> inf "
                "(J free from the DMFT gains); finite N lowers D/N and H/N by a few per cent "
                "(measured at N = 300 in tests/test_rmt_free.py)"),
        model=model,
        settings={"g": law.g, "phi": law.nl.name, "q": law.q, "time": "discrete", "leak": 1.0,
                  "n": n, "n_nodes": int(law.d2.size),
                  "table_size": int(tu.size)},
        diagnostics=_diag(law),
    )


def _diag(law):
    from ..results import diagnostics
    return diagnostics(converged=True, iterations=getattr(law, "last_iterations", 0),
                       n_evaluations=law.n_evaluations, fallbacks=0, u_max=law.u_max)
