r"""Gaussian integrals of transfer functions: the core of the mean-field solvers.

Notation: :math:`h \sim N(\mu, \sigma^2)` with ``var`` :math:`= \sigma^2`; :math:`(h_1, h_2)`
jointly Gaussian with means ``mu1, mu2``, variances ``v1, v2`` and covariance ``c``,
:math:`\rho = c/\sqrt{v_1 v_2}`.  :math:`\phi` is the transfer function, :math:`\phi'` its
derivative and :math:`\Phi` its primitive (:math:`\Phi' = \phi`), fixed as

==========  ==========================================================
tanh        :math:`\ln\cosh x = |x| + \log(1 + e^{-2|x|}) - \ln 2`
relu        :math:`x^2/2` for :math:`x > 0`, else 0
erf         :math:`x\,\mathrm{erf}(a x) + e^{-a^2 x^2}/(a\sqrt\pi)`, :math:`a = \sqrt\pi/2`
linear      :math:`x^2/2`
==========  ==========================================================

Public functions
----------------
:func:`expect`                 :math:`E[f(h)]`, f in {"phi", "phi2", "dphi", "dphi2", "Phi"}
:func:`expect2`                :math:`E[f(h_1) f(h_2)]`, f in {"phi", "dphi", "Phi"}
:func:`bivariate_normal_cdf`   :math:`\Phi_2(x_1, x_2; \rho)`
:func:`expect_mp`, :func:`expect2_mp`   mpmath reference path (slow; for verification)

Methods
-------
* ReLU: closed forms (univariate normal CDF/PDF, :math:`\Phi_2` through Owen's T and
  truncated bivariate moments, see :func:`expect2`).  The two-point forms carry a rounding
  error bound; where their terms cancel (bound > 1e-13 relative: :math:`\rho \to -1` with a
  nearly empty positive quadrant, means far below 0) they fall back to a quadrature over
  :math:`h_1 > 0` of :math:`f(h_1) E[f(h_2) \mid h_1]` (closed-form inner), all terms >= 0.
* erf: closed forms for every one-point integral and for the two-point "phi" and "dphi";
  the two-point "Phi" integrates the closed-form conditional expectation
  :math:`E[\Phi(h_2) \mid h_1]` over :math:`h_1` by quadrature.
* linear: closed forms (Isserlis).
* tanh and user pairs: composite Gauss-Legendre quadrature in :math:`z = (h-\mu)/\sigma` on
  :math:`[-9, 9]`, six uniform panels refined geometrically around the point where
  :math:`h = 0` (the transition of the transfer function, width ~1 in :math:`h`), 12 nodes a
  panel; Gauss-Hermite (20 nodes) for smooth built-ins when :math:`\sigma \le 0.2`.  Two-point
  integrals condition on :math:`h_1`:

  .. math:: E[f(h_1) f(h_2)] = E\big[f(h_1)\, E[f(h_2) \mid h_1]\big],\quad
            h_2 \mid h_1 \sim N\big(\mu_2 + (c/v_1)(h_1-\mu_1),\; v_2 - c^2/v_1\big),

  with :math:`v_1 v_2 - c^2` computed by error-free products (exact as :math:`\rho \to \pm1`)
  and a second refinement point where the conditional mean of :math:`h_2` crosses 0.

Accuracy, measured against mpmath (tests/test_gaussian.py) for var in [0, 1e4],
:math:`|\mu| \le 50`, :math:`\rho` up to :math:`\pm 1`: error below 1e-14 max(1, |value|)
for every method, and relative error below 1e-13 for one-point values >= 1e-8.  The
truncation at :math:`|z| = 9` leaves ~2e-19 max|f| absolute, so tail-dominated values much
smaller than that are accurate in absolute terms only.

Numba scalar versions for solver inner loops live in :mod:`meanfield._gauss_kernels`
(``q1``, ``q2``, ``relu_q_phi``, ``relu_q_dphi``, ``bvn_cdf``...).  User transfer functions
are assumed to change fast only near :math:`h = 0` and on a scale of order 1 (a kink at 0 is
fine); rescale them otherwise.
"""
import math
import numbers

import numpy as np
from numba.core.dispatcher import Dispatcher
from scipy.special import erf as _erf
from scipy.special import ndtr as _ndtr
from scipy.special import owens_t as _owens_t

from . import _gauss_kernels as GK
from . import _kernels as K
from .nonlinearities import resolve

__all__ = ["expect", "expect2", "bivariate_normal_cdf", "expect_mp", "expect2_mp"]

_F1 = ("phi", "phi2", "dphi", "dphi2", "Phi")
_F2 = ("phi", "dphi", "Phi")
_FKIND = {"phi": GK.F_PHI, "dphi": GK.F_DPHI, "Phi": GK.F_PRIM, "phi2": GK.F_PHI2,
          "dphi2": GK.F_DPHI2}
_C_TOL = 1e-12
_CHUNK = 4096          # rows of quadrature nodes processed at once (memory bound)


# ============================================================== validation

def _real_array(name, x, nonneg=False, allow_inf=False):
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name} must be a real number or array of real numbers, got {x!r}")
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged sequences and the like
        raise TypeError(f"{name} must be a real number or array of real numbers: {exc}") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must be a real number or array of real numbers, got {x!r}")
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must be real, got complex {x!r}")
    arr = arr.astype(np.float64)
    if np.any(np.isnan(arr)):
        raise ValueError(f"{name} must not be NaN")
    if not allow_inf and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {x!r}")
    if nonneg and np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0, got min {arr.min()!r}")
    return arr


def _check_f(f, allowed):
    if not isinstance(f, str) or f not in allowed:
        raise ValueError(f"f must be one of {list(allowed)}, got {f!r}")
    return f


def _check_c(v1, v2, c):
    v1, v2, c = np.broadcast_arrays(v1, v2, c)
    bad = np.abs(c) > np.sqrt(v1 * v2) * (1.0 + _C_TOL)
    if np.any(bad):
        i = np.flatnonzero(bad)[0]
        raise ValueError(f"covariance c must satisfy |c| <= sqrt(v1 v2); got c = {c.ravel()[i]!r} "
                         f"with v1 = {v1.ravel()[i]!r}, v2 = {v2.ravel()[i]!r}")


def _resolve(phi, Phi):
    nl = resolve(phi)
    if Phi is not None:
        if nl.code != K.USER:
            raise ValueError(f"Phi= is only used with a user pair (phi, dphi); the primitive of "
                             f"the built-in {nl.name!r} is fixed")
        if not callable(Phi):
            raise TypeError(f"Phi must be a callable float -> float, got {Phi!r}")
    return nl


def _out(x):
    x = np.asarray(x, dtype=np.float64)
    return float(x) if x.ndim == 0 else x


# ============================================================== numpy elementary

def _npdf(x):
    return np.exp(-0.5 * x * x) * GK.INV_SQRT2PI


def _two_prod(a, b):
    p = a * b
    t = GK._SPLIT * a
    ah = t - (t - a)
    al = a - ah
    t = GK._SPLIT * b
    bh = t - (t - b)
    bl = b - bh
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _dop(a, b, c, d):
    """a*b - c*d with error-free products."""
    p, e = _two_prod(a, b)
    q, f = _two_prod(c, d)
    return (p - q) + (e - f)


def _ratio(num, den):
    """num/den with 0/0 -> 0 and x/0 -> +-inf (den >= 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        r = num / np.where(den > 0, den, 1.0)
    return np.where(den > 0, r, np.where(num == 0, 0.0, np.copysign(np.inf, num)))


def _bvn_core(h, k, ah, ak, omr, opr):
    """Vectorised mirror of _gauss_kernels._bvn_core (Owen's formula, scipy's owens_t)."""
    return _bvn_terms(h, k, ah, ak, omr, opr)[0]


def _bvn_terms(h, k, ah, ak, omr, opr):
    """(Phi2, sum of |terms|); mirror of _gauss_kernels._bvn_terms."""
    h, k, ah, ak, omr, opr = np.broadcast_arrays(*(np.asarray(t, dtype=np.float64)
                                                   for t in (h, k, ah, ak, omr, opr)))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        th = np.where(h == 0, 0.25 * np.sign(ah), _owens_t(h, ah / np.where(h == 0, 1.0, h)))
        tk = np.where(k == 0, 0.25 * np.sign(ak), _owens_t(k, ak / np.where(k == 0, 1.0, k)))
        beta = np.where(((h < 0) & (k > 0)) | ((h > 0) & (k < 0))
                        | (((h == 0) | (k == 0)) & (h + k < 0)), 0.5, 0.0)
        ph = _ndtr(h)
        pk = _ndtr(k)
        p = 0.5 * (ph + pk) - th - tk - beta
        mag = 0.5 * (ph + pk) + np.abs(th) + np.abs(tk) + beta
        p = np.minimum(np.maximum(p, np.maximum(ph + pk - 1.0, 0.0)), np.minimum(ph, pk))
        special = (h == 0) & (k == 0)
        p = np.where(special, np.arctan2(np.sqrt(opr), np.sqrt(omr)) / np.pi, p)
        a = _ndtr(h)
        b = _ndtr(-k)
        p = np.where(opr == 0, np.maximum(0.0, a - b), p)                 # rho = -1
        mag = np.where(opr == 0, a + b, mag)
        p = np.where(omr == 0, _ndtr(np.minimum(h, k)), p)               # rho = 1
        special |= omr == 0
        p = np.where(h == np.inf, pk, p)
        p = np.where(k == np.inf, ph, p)
        p = np.where((h == -np.inf) | (k == -np.inf), 0.0, p)
        special |= (h == np.inf) | (k == np.inf) | (h == -np.inf) | (k == -np.inf)
        mag = np.where(special, p, mag)
    return p, mag


def _pre(m1, m2, v1, v2, c):
    """Mirror of _gauss_kernels._pre (v1, v2 > 0)."""
    s1 = np.sqrt(v1)
    s2 = np.sqrt(v2)
    x1 = m1 / s1
    x2 = m2 / s2
    D = np.maximum(_dop(v1, v2, c, c), 0.0)
    sq = s1 * s2
    pos = c >= 0
    with np.errstate(divide="ignore", invalid="ignore"):
        omr = np.where(pos, D / (sq * (sq + c)), 0.0)
        opr = np.where(pos, 2.0 - omr, D / (sq * (sq - c)))
        omr = np.where(pos, omr, 2.0 - opr)
    sqD = np.sqrt(D)
    n21 = _dop(m2, v1, c, m1)
    n12 = _dop(m1, v2, c, m2)
    t21 = _ratio(n21, s1 * sqD)
    t12 = _ratio(n12, s2 * sqD)
    return s1, s2, x1, x2, D, sqD, t21, t12, omr, opr, n21, n12


def _orthant(m1, m2, v1, v2, c):
    s1, s2, x1, x2, D, sqD, t21, t12, omr, opr, n21, n12 = _pre(m1, m2, v1, v2, c)
    return _bvn_core(x1, x2, t21, t12, omr, opr)


# ============================================================== bivariate normal CDF

def bivariate_normal_cdf(x1, x2, rho):
    r"""Bivariate standard normal CDF :math:`\Phi_2(x_1, x_2; \rho) = P(Z_1 < x_1, Z_2 < x_2)`.

    Owen's formula with :math:`r = \sqrt{1-\rho^2}`:

    .. math:: \Phi_2(h, k; \rho) = \tfrac12\Phi(h) + \tfrac12\Phi(k)
              - T\Big(h, \frac{k - \rho h}{h r}\Big) - T\Big(k, \frac{h - \rho k}{k r}\Big) - \beta,

    :math:`\beta = 0` if :math:`hk > 0` or (:math:`hk = 0` and :math:`h + k \ge 0`), else 1/2,
    with Owen's T from :func:`scipy.special.owens_t`.  On the diagonal it reduces to
    :math:`\Phi_2(x, x; \rho) = \Phi(x) - 2T(x, \sqrt{(1-\rho)/(1+\rho)})`.  The numerators
    :math:`k - \rho h` are computed with error-free products, so the result is exact at
    :math:`\rho = \pm 1` (the Owen-T arguments become :math:`\pm\infty` or 0) and accurate to
    about 1e-16 absolute as :math:`\rho \to \pm 1`.

    Parameters
    ----------
    x1, x2 : array_like
        Upper limits (may be :math:`\pm\infty`, not NaN).
    rho : array_like
        Correlation in [-1, 1].

    Returns
    -------
    float or ndarray
        Broadcast shape of the inputs.
    """
    x1 = _real_array("x1", x1, allow_inf=True)
    x2 = _real_array("x2", x2, allow_inf=True)
    rho = _real_array("rho", rho)
    if np.any(np.abs(rho) > 1.0):
        raise ValueError(f"rho must be in [-1, 1], got {rho[np.abs(rho) > 1].ravel()[0]!r}")
    x1, x2, rho = np.broadcast_arrays(x1, x2, rho)
    omr = 1.0 - rho
    opr = 1.0 + rho
    r = np.sqrt(omr * opr)
    with np.errstate(invalid="ignore"):
        n21 = _comp_sub(x2, rho, x1)
        n12 = _comp_sub(x1, rho, x2)
    return _out(_bvn_core(x1, x2, _ratio(n21, r), _ratio(n12, r), omr, opr))


def _comp_sub(y, rho, x):
    """y - rho*x with an error-free product and TwoSum (mirror of the Numba code)."""
    p, e = _two_prod(rho, x)
    s = y - p
    bb = s - y
    err = (y - (s - bb)) + (-p - bb)
    return s + (err - e)


# ============================================================== closed forms (numpy)

def _relu_e1(fk, mu, var):
    s = np.sqrt(var)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.where(var > 0, mu / np.where(var > 0, s, 1.0), 0.0)
    cdf = _ndtr(x)
    pdf = _npdf(x)
    p = np.maximum(mu, 0.0)
    step = (mu > 0).astype(np.float64)
    if fk in (GK.F_DPHI, GK.F_DPHI2):
        return np.where(var > 0, cdf, step)
    if fk == GK.F_PHI:
        return np.where(var > 0, mu * cdf + s * pdf, p)
    e2 = np.where(var > 0, (mu * mu + var) * cdf + mu * s * pdf, p * p)
    return 0.5 * e2 if fk == GK.F_PRIM else e2


def _trunc_m(m, s, t):
    """E[y^k 1{y>0}], k = 0, 1, 2, y ~ N(m, s^2); mirror of the Numba code."""
    cdf = _ndtr(t)
    pdf = np.where(np.abs(t) < 40.0, _npdf(np.where(np.abs(t) < 40.0, t, 0.0)), 0.0)
    m1 = m * cdf + s * pdf
    m2 = (m * m + s * s) * cdf + m * s * pdf
    z = s == 0
    pm = np.maximum(m, 0.0)
    cdf = np.where(z, np.where(m > 0, 1.0, np.where(m == 0, 0.5, 0.0)), cdf)
    return cdf, np.where(z, pm, m1), np.where(z, pm * pm, m2)


def _relu_moments(order, mu1, mu2, v1, v2, c):
    """Truncated moment E[h1^j h2^j 1{h1>0,h2>0}], j = order (v1, v2 > 0), and an error
    estimate; mirror of _gauss_kernels._relu_moments."""
    eps = GK.EPS
    s1, s2, x1, x2, D, sqD, t21, t12, omr, opr, n21, n12 = _pre(mu1, mu2, v1, v2, c)
    P, magP = _bvn_terms(x1, x2, t21, t12, omr, opr)
    eP = 4.0 * eps * magP
    if order == 0:
        return P, eP
    m21 = n21 / v1
    s21 = sqD / s1
    a0, a1, a2 = _trunc_m(m21, s21, t21)
    b0, b1, b2 = _trunc_m(n12 / v2, sqD / s2, t12)
    ma1 = np.abs(m21) * a0 + np.abs(a1 - m21 * a0)
    q = (m21 * m21 + s21 * s21) * a0
    ma2 = q + np.abs(a2 - q)
    f1 = _npdf(x1)
    f2 = _npdf(x2)
    cs1 = c / s1
    u = mu2 * P
    I01 = u + s2 * f2 * b0 + cs1 * f1 * a0
    e01 = 3.0 * eps * (np.abs(u) + s2 * f2 * b0 + np.abs(cs1) * f1 * a0) + np.abs(mu2) * eP
    u = mu1 * I01
    I11 = u + c * P + s1 * f1 * a1
    e11 = (3.0 * eps * (np.abs(u) + np.abs(c) * P + s1 * f1 * ma1)
           + np.abs(mu1) * e01 + np.abs(c) * eP + s1 * f1 * eps * ma1)
    if order == 1:
        return I11, e11
    u = mu2 * I01
    I02 = u + v2 * P + cs1 * f1 * a1
    e02 = (3.0 * eps * (np.abs(u) + v2 * P + np.abs(cs1) * f1 * ma1)
           + np.abs(mu2) * e01 + v2 * eP + np.abs(cs1) * f1 * eps * ma1)
    u = mu1 * I02
    I12 = u + 2.0 * c * I01 + s1 * f1 * a2
    e12 = (3.0 * eps * (np.abs(u) + 2.0 * np.abs(c * I01) + s1 * f1 * ma2)
           + np.abs(mu1) * e02 + 2.0 * np.abs(c) * e01 + s1 * f1 * eps * ma2)
    u = mu1 * I12
    I22 = u + v1 * I02 + 2.0 * c * I11
    e22 = (3.0 * eps * (np.abs(u) + v1 * np.abs(I02) + 2.0 * np.abs(c * I11))
           + np.abs(mu1) * e12 + v1 * e02 + 2.0 * np.abs(c) * e11)
    return I22, e22


def _relu_e2(fk, mu1, mu2, v1, v2, c):
    """ReLU two-point closed forms, with the semi-analytic fallback where terms cancel."""
    out = _relu_e1(fk, mu1, v1) * _relu_e1(fk, mu2, v2)       # v1 = 0 or v2 = 0
    m = (v1 > 0) & (v2 > 0)
    if not np.any(m):
        return out
    order = {GK.F_DPHI: 0, GK.F_PHI: 1, GK.F_PRIM: 2}[fk]
    val, err = _relu_moments(order, mu1[m], mu2[m], v1[m], v2[m], c[m])
    if fk == GK.F_PRIM:
        val = 0.25 * val
        err = 0.25 * err
    bad = err > GK.RELU_RTOL * np.abs(val)
    if np.any(bad):
        i = np.flatnonzero(m)[bad]
        val[bad] = _q2_quad(_builtin_f(K.RELU, fk), mu1[i], mu2[i], v1[i], v2[i], c[i], False,
                            inner=_relu_inner(fk), semi=True)
    out[m] = val
    return out


def _relu_inner(fk):
    """Closed-form E[f(m + s Z)] for ReLU as a function of (m, s^2)."""
    def inner(m, vs):
        s = np.sqrt(vs)
        g0, g1, g2 = _trunc_m(m, s, _ratio(m, s))
        return {GK.F_DPHI: g0, GK.F_PHI: g1, GK.F_PRIM: 0.5 * g2}[fk]
    return inner


def _erf_prim(x):
    return x * _erf(GK.A_ERF * x) + np.exp(-GK.A2 * x * x) * GK.INV_A_SQRTPI


def _erf_e1(fk, mu, var):
    if fk == GK.F_PHI:
        return _erf(GK.A_ERF * mu / np.sqrt(1.0 + GK.B2 * var))
    if fk == GK.F_DPHI:
        k = 1.0 + GK.B2 * var
        return np.exp(-GK.A2 * mu * mu / k) / np.sqrt(k)
    if fk == GK.F_DPHI2:
        k = 1.0 + np.pi * var
        return np.exp(-GK.B2 * mu * mu / k) / np.sqrt(k)
    if fk == GK.F_PRIM:
        k = 1.0 + GK.B2 * var
        sk = np.sqrt(k)
        return mu * _erf(GK.A_ERF * mu / sk) + sk * np.exp(-GK.A2 * mu * mu / k) * GK.INV_A_SQRTPI
    e = _erf(GK.A_ERF * mu)
    return np.where(var > 0, _erf_q_phi(mu, mu, var, var, var), e * e)


def _plackett(y1, y2, th):
    """Phi2(y1, y2; sin th) - Phi(y1) Phi(y2) by Plackett's integral (mirror of the kernel)."""
    hw = 0.5 * th[..., None]
    t = hw + hw * GK.PL_X
    st = np.sin(t)
    y1 = y1[..., None]
    y2 = y2[..., None]
    e = np.exp(-(y1 * y1 - 2.0 * y1 * y2 * st + y2 * y2) / (2.0 * (1.0 - st * st)))
    return np.sum(GK.PL_W * e, axis=-1) * hw[..., 0] * GK.INV_2PI


def _erf_q_phi(mu1, mu2, v1, v2, c):
    """E[erf(a h1) erf(a h2)]; see _gauss_kernels.erf_q_phi."""
    V1 = 1.0 + GK.B2 * v1
    V2 = 1.0 + GK.B2 * v2
    y1 = GK.B_ERF * mu1 / np.sqrt(V1)
    y2 = GK.B_ERF * mu2 / np.sqrt(V2)
    D = np.maximum(_dop(v1, v2, c, c), 0.0)
    th = np.arctan2(GK.B2 * c, np.sqrt(1.0 + GK.B2 * (v1 + v2) + GK.B2 * GK.B2 * D))
    small = np.abs(th) <= GK.PL_THMAX
    out = np.empty(np.broadcast(mu1, mu2, v1, v2, c).shape)
    if np.any(small):
        a = small
        e1 = _erf(GK.A_ERF * mu1[a] / np.sqrt(V1[a]))
        e2 = _erf(GK.A_ERF * mu2[a] / np.sqrt(V2[a]))
        out[a] = e1 * e2 + 4.0 * _plackett(y1[a], y2[a], th[a])
    if np.any(~small):
        b = ~small
        P = _orthant(GK.B_ERF * mu1[b], GK.B_ERF * mu2[b], V1[b], V2[b], GK.B2 * c[b])
        out[b] = 4.0 * P - 2.0 * _ndtr(y1[b]) - 2.0 * _ndtr(y2[b]) + 1.0
    return out


def _erf_q_dphi(mu1, mu2, v1, v2, c):
    D = np.maximum(_dop(v1, v2, c, c), 0.0)
    det = 1.0 + GK.B2 * (v1 + v2) + GK.B2 * GK.B2 * D
    s1 = np.sqrt(v1)
    s2 = np.sqrt(v2)
    sq = s1 * s2
    ac = np.abs(c)
    g = np.where(c >= 0, 1.0, -1.0)
    u = s2 * mu1 - g * s1 * mu2
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.where(sq + ac > 0, D / np.where(sq + ac > 0, sq + ac, 1.0), 0.0)
    adj = np.maximum(u * u + 2.0 * g * mu1 * mu2 * gap, 0.0)
    Q = mu1 * mu1 + mu2 * mu2 + GK.B2 * adj
    return np.exp(-GK.A2 * Q / det) / np.sqrt(det)


def _linear_e1(fk, mu, var):
    if fk == GK.F_PHI:
        return mu.copy()
    if fk == GK.F_PHI2:
        return mu * mu + var
    if fk == GK.F_PRIM:
        return 0.5 * (mu * mu + var)
    return np.ones_like(mu)


def _linear_e2(fk, mu1, mu2, v1, v2, c):
    if fk == GK.F_PHI:
        return mu1 * mu2 + c
    if fk == GK.F_DPHI:
        return np.ones_like(mu1)
    return 0.25 * ((mu1 * mu1 + v1) * (mu2 * mu2 + v2) + 2.0 * c * c + 4.0 * mu1 * mu2 * c)


# ============================================================== transfer functions (numpy)

def _lncosh(x):
    """ln cosh x without cancellation (mirror of _gauss_kernels._lncosh)."""
    ax = np.abs(x)
    small = ax < 1.0
    t = np.sinh(0.5 * np.where(small, x, 0.0))
    return np.where(small, np.log1p(2.0 * t * t), ax + np.log1p(np.exp(-2.0 * ax)) - GK.LN2)


def _builtin_f(code, fk):
    """Vectorised f for a built-in code (mirror of _gauss_kernels._fval)."""
    if code == K.TANH:
        def sech2(x):
            ax = np.abs(x)
            q = 2.0 * np.exp(-ax) / (1.0 + np.exp(-2.0 * ax))
            return q * q
        return {GK.F_PHI: np.tanh,
                GK.F_PRIM: _lncosh,
                GK.F_PHI2: lambda x: np.tanh(x) ** 2,
                GK.F_DPHI: sech2,
                GK.F_DPHI2: lambda x: sech2(x) ** 2}[fk]
    if code == K.RELU:
        return {GK.F_PHI: lambda x: np.maximum(x, 0.0),
                GK.F_PRIM: lambda x: 0.5 * np.maximum(x, 0.0) ** 2,
                GK.F_PHI2: lambda x: np.maximum(x, 0.0) ** 2,
                GK.F_DPHI: lambda x: (x > 0).astype(np.float64),
                GK.F_DPHI2: lambda x: (x > 0).astype(np.float64)}[fk]
    if code == K.ERF:
        return {GK.F_PHI: lambda x: _erf(GK.A_ERF * x),
                GK.F_DPHI: lambda x: np.exp(-GK.A2 * x * x),
                GK.F_PRIM: _erf_prim,
                GK.F_PHI2: lambda x: _erf(GK.A_ERF * x) ** 2,
                GK.F_DPHI2: lambda x: np.exp(-GK.B2 * x * x)}[fk]
    return {GK.F_PHI: lambda x: np.array(x, dtype=np.float64),
            GK.F_PRIM: lambda x: 0.5 * x * x,
            GK.F_PHI2: lambda x: x * x,
            GK.F_DPHI: lambda x: np.ones_like(x),
            GK.F_DPHI2: lambda x: np.ones_like(x)}[fk]


_MAP_CACHE = {}


def _elementwise(fn):
    """Vectorise a scalar user function, through Numba when it compiles."""
    if fn in _MAP_CACHE:
        return _MAP_CACHE[fn]
    try:
        jf = K.jit(fn)
        jf(0.25)
        loop = _user_loop()

        def vec(x):
            x = np.ascontiguousarray(x, dtype=np.float64)
            out = np.empty(x.size)
            loop(jf, x.ravel(), out)
            return out.reshape(x.shape)
    except Exception:  # not Numba-compilable: plain Python calls
        pyf = np.vectorize(fn, otypes=[np.float64])

        def vec(x):  # noqa: F811
            return pyf(np.asarray(x, dtype=np.float64))
    _MAP_CACHE[fn] = vec
    return vec


_LOOP = []


def _user_loop():
    if not _LOOP:
        from numba import njit

        @njit
        def loop(f, x, out):
            for i in range(x.size):
                out[i] = f(x[i])
        _LOOP.append(loop)
    return _LOOP[0]


def _user_f(nl, f, Phi):
    if f == "Phi":
        if Phi is None:
            raise ValueError(f"f='Phi' needs the primitive of the user transfer function "
                             f"{nl.name!r}: pass Phi=callable (Phi' = phi)")
        return _elementwise(Phi)
    base = _elementwise(nl.phi_user if f in ("phi", "phi2") else nl.dphi_user)
    if f in ("phi2", "dphi2"):
        return lambda x: base(x) ** 2
    return base


# ============================================================== quadrature (numpy)

def _layout(zc1, d1, zc2=None, d2=None, lo=None, hi=None):
    """Sorted breakpoints, one row per element (mirror of _gauss_kernels._layout_dom);
    default range [-QL, QL]."""
    m = zc1.shape[0]
    if lo is None:
        lo = np.full(m, -GK.QL)
        hi = np.full(m, GK.QL)
    nb = np.maximum(np.ceil((hi - lo) / GK.QW - 1e-9).astype(np.int64), 1)
    w = (hi - lo) / nb
    kk = np.arange(int(nb.max()) + 1)
    grid = lo[:, None] + kk * w[:, None]
    grid = np.where(kk < nb[:, None], grid, hi[:, None])
    cols = [grid]
    feats = [(zc1, d1)] if zc2 is None else [(zc1, d1), (zc2, d2)]
    for zc, d in feats:
        ok = np.isfinite(zc) & (d > 0) & (zc >= lo - GK.QW) & (zc <= hi + GK.QW)
        zc = np.where(ok, zc, 0.0)
        cols.append(np.where(ok & (lo < zc) & (zc < hi), zc, hi)[:, None])
        t = np.where(ok, d, np.inf)
        k = 0
        while k < GK.QKMAX and np.any(t < GK.QW):
            live = t < GK.QW
            a = zc - t
            b = zc + t
            cols.append(np.where(live & (a > lo), a, hi)[:, None])
            cols.append(np.where(live & (b < hi), b, hi)[:, None])
            t = t * 2.0
            k += 1
    return np.sort(np.concatenate(cols, axis=1), axis=1)


def _semi_domain(za, zb, beta):
    """Mirror of _gauss_kernels._semi_domain."""
    lo = np.where(za > -GK.QL, za, -GK.QL)
    return lo, np.maximum(lo + GK.QL, GK.QL)


def _gl_nodes(bp):
    """Nodes and weights (rows x panels*QN) of composite Gauss-Legendre on the breakpoints."""
    a = bp[:, :-1, None]
    b = bp[:, 1:, None]
    hw = 0.5 * (b - a)
    z = 0.5 * (a + b) + hw * GK.GL_X
    w = hw * GK.GL_W
    return z.reshape(bp.shape[0], -1), w.reshape(bp.shape[0], -1)


def _q1_quad(F, mu, s, analytic):
    """E[F(mu + s Z)] for 1-D arrays mu, s (s > 0)."""
    out = np.empty(mu.shape[0])
    gh = (s <= GK.GH_SMAX) if analytic else np.zeros(mu.shape[0], dtype=bool)
    if np.any(gh):
        x = mu[gh, None] + s[gh, None] * GK.GH_X
        out[gh] = F(x) @ GK.GH_W
    idx = np.flatnonzero(~gh)
    for lo in range(0, idx.size, _CHUNK // 8):
        j = idx[lo:lo + _CHUNK // 8]
        z, w = _gl_nodes(_layout(-mu[j] / s[j], GK.QD0 / s[j]))
        vals = F(mu[j, None] + s[j, None] * z) * np.exp(-0.5 * z * z)
        out[j] = np.sum(w * vals, axis=1) * GK.INV_SQRT2PI
    return out


def _outer_scale(beta, s2, analytic):
    with np.errstate(divide="ignore"):
        ab = np.abs(beta)
        if analytic:
            d = np.hypot(GK.QD0, s2) / ab
        else:
            d = np.where(s2 > 0, s2, GK.QD0) / ab
    return np.where(beta == 0, -1.0, d)


def _cond(mu1, mu2, v1, v2, c):
    s1 = np.sqrt(v1)
    D = np.maximum(_dop(v1, v2, c, c), 0.0)
    return s1, c / s1, np.sqrt(D / v1)


def _q2_quad(F, mu1, mu2, v1, v2, c, analytic, inner=None, semi=False):
    """E[F(h1) F(h2)] for v1 > 0 by conditioning on h1 (1-D arrays).

    inner(m, s2sq) gives E[F(m + s2 Z)] in closed form when not None; semi=True uses the
    z-range of the ReLU fallback (F = 0 for h1 <= 0).
    """
    out = np.empty(mu1.shape[0])
    s1, beta, s2 = _cond(mu1, mu2, v1, v2, c)
    with np.errstate(divide="ignore", invalid="ignore"):
        zb = np.where(beta != 0, -mu2 / np.where(beta != 0, beta, 1.0), np.inf)
    dz = _outer_scale(beta, s2, analytic)
    step = 4 if inner is None else 256
    for lo in range(0, mu1.shape[0], step):
        j = slice(lo, lo + step)
        za = -mu1[j] / s1[j]
        da = GK.QD0 / s1[j]
        lo = hi = None
        if semi:
            lo, hi = _semi_domain(za, zb[j], beta[j])
            da = np.minimum(da, 1.0 / (1.0 + np.maximum(za, 0.0)))
        z, w = _gl_nodes(_layout(za, da, zb[j], dz[j], lo, hi))
        m2 = mu2[j, None] + beta[j, None] * z
        if inner is not None:
            g = inner(m2, np.broadcast_to((s2[j] ** 2)[:, None], m2.shape))
        else:
            ss = np.broadcast_to(s2[j, None], m2.shape).ravel()
            g = np.empty(m2.size)
            pos = ss > 0
            g[pos] = _q1_quad(F, m2.ravel()[pos], ss[pos], analytic)
            g[~pos] = F(m2.ravel()[~pos])
            g = g.reshape(m2.shape)
        vals = F(mu1[j, None] + s1[j, None] * z) * g * np.exp(-0.5 * z * z)
        out[j] = np.sum(w * vals, axis=1) * GK.INV_SQRT2PI
    return out


# ============================================================== public API

def expect(f, mu, var, phi="tanh", *, Phi=None):
    r"""One-point Gaussian integral :math:`E[f(h)]`, :math:`h \sim N(\mu, \sigma^2)`.

    .. math:: E[f(h)] = \int f(\mu + \sigma z)\, \frac{e^{-z^2/2}}{\sqrt{2\pi}}\, dz

    Parameters
    ----------
    f : {"phi", "phi2", "dphi", "dphi2", "Phi"}
        :math:`\phi`, :math:`\phi^2`, :math:`\phi'`, :math:`\phi'^2` or the primitive
        :math:`\Phi`.
    mu, var : array_like
        Mean (finite) and variance (:math:`\ge 0`); broadcast together.  ``var = 0`` gives
        the deterministic value :math:`f(\mu)`.
    phi : str, (phi, dphi) pair or Nonlinearity
        "tanh", "relu", "erf", "linear" or a user pair of scalar Numba-compilable functions
        (see :func:`meanfield.nonlinearities.resolve`).
    Phi : callable, optional
        Primitive of a user :math:`\phi`, needed for ``f="Phi"`` with a user pair.

    Returns
    -------
    float or ndarray

    Notes
    -----
    Closed forms, with :math:`x = \mu/\sigma` and :math:`\Phi_N, \varphi_N` the standard
    normal CDF and density:

    * ReLU: :math:`E[\phi] = \sigma F_1(x)`, :math:`F_1 = x\Phi_N(x) + \varphi_N(x)`;
      :math:`E[\phi^2] = \sigma^2 F_2(x)`, :math:`F_2 = x\varphi_N(x) + (1+x^2)\Phi_N(x)`;
      :math:`E[\phi'] = E[\phi'^2] = \Phi_N(x)`; :math:`E[\Phi] = E[\phi^2]/2`.
    * erf, :math:`a = \sqrt\pi/2`, :math:`\kappa = 1 + 2a^2\sigma^2`:
      :math:`E[\phi] = \mathrm{erf}(a\mu/\sqrt\kappa)`,
      :math:`E[\phi'] = e^{-a^2\mu^2/\kappa}/\sqrt\kappa`,
      :math:`E[\phi'^2] = e^{-2a^2\mu^2/\kappa_2}/\sqrt{\kappa_2}`, :math:`\kappa_2 = 1 + 4a^2\sigma^2`,
      :math:`E[\Phi] = \mu\,\mathrm{erf}(a\mu/\sqrt\kappa) + \sqrt\kappa e^{-a^2\mu^2/\kappa}/(a\sqrt\pi)`
      (Stein's lemma), and :math:`E[\phi^2]` is ``expect2("phi", mu, mu, var, var, var)``.
    * linear: :math:`\mu`, :math:`\mu^2 + \sigma^2`, 1, 1, :math:`(\mu^2+\sigma^2)/2`.
    * tanh and user pairs: quadrature (module docstring).
    """
    _check_f(f, _F1)
    nl = _resolve(phi, Phi)
    mu = _real_array("mu", mu)
    var = _real_array("var", var, nonneg=True)
    mu, var = np.broadcast_arrays(mu, var)
    shape = mu.shape
    mu = mu.ravel().copy()
    var = var.ravel().copy()
    fk = _FKIND[f]
    if nl.code == K.RELU:
        return _out(_relu_e1(fk, mu, var).reshape(shape))
    if nl.code == K.ERF:
        return _out(_erf_e1(fk, mu, var).reshape(shape))
    if nl.code == K.LINEAR:
        return _out(_linear_e1(fk, mu, var).reshape(shape))
    if nl.code == K.USER:
        F, analytic = _user_f(nl, f, Phi), False
    else:
        F, analytic = _builtin_f(nl.code, fk), True
    out = np.empty(mu.shape[0])
    z = var == 0
    if np.any(z):
        out[z] = F(mu[z])
    if np.any(~z):
        out[~z] = _q1_quad(F, mu[~z], np.sqrt(var[~z]), analytic)
    return _out(out.reshape(shape))


def expect2(f, mu1, mu2, v1, v2, c, phi="tanh", *, Phi=None):
    r"""Two-point Gaussian integral :math:`E[f(h_1) f(h_2)]`.

    Parameters
    ----------
    f : {"phi", "dphi", "Phi"}
        :math:`\phi`, :math:`\phi'` or the primitive :math:`\Phi`.
    mu1, mu2 : array_like
        Means (finite).
    v1, v2 : array_like
        Variances (:math:`\ge 0`).
    c : array_like
        Covariance, :math:`|c| \le \sqrt{v_1 v_2}` (up to a relative 1e-12; the excess is
        clipped).  All five broadcast together.
    phi : str, (phi, dphi) pair or Nonlinearity
        As in :func:`expect`.
    Phi : callable, optional
        Primitive of a user :math:`\phi` for ``f="Phi"``.

    Returns
    -------
    float or ndarray

    Notes
    -----
    With :math:`x_i = \mu_i/\sigma_i`, :math:`D = v_1 v_2 - c^2` (error-free products), ReLU
    uses the truncated moments :math:`I_{jk} = E[h_1^j h_2^k 1\{h_1>0, h_2>0\}]` from Stein's
    lemma with boundary terms,

    .. math::
        E[h_1 G\,1] = \mu_1 E[G 1] + v_1 E[\partial_1 G\,1] + c\,E[\partial_2 G\,1]
          + v_1 p_1(0) E[G\,1\{h_2>0\} \mid h_1=0] + c\,p_2(0) E[G\,1\{h_1>0\} \mid h_2=0],

    :math:`p_i(0) = \varphi_N(x_i)/\sigma_i`, :math:`h_2 \mid h_1{=}0 \sim N(m_{21}, s_{21}^2)`,
    :math:`m_{21} = (\mu_2 v_1 - c\mu_1)/v_1`, :math:`s_{21}^2 = D/v_1`.  Hence

    .. math::
        I_{00} &= \Phi_2(x_1, x_2; \rho) = E[\phi'\phi'],\\
        I_{01} &= \mu_2 I_{00} + \sigma_2\varphi_N(x_2) M_0^{(12)} + (c/\sigma_1)\varphi_N(x_1) M_0^{(21)},\\
        I_{11} &= \mu_1 I_{01} + c I_{00} + \sigma_1\varphi_N(x_1) M_1^{(21)} = E[\phi\phi],\\
        I_{02} &= \mu_2 I_{01} + v_2 I_{00} + (c/\sigma_1)\varphi_N(x_1) M_1^{(21)},\\
        I_{12} &= \mu_1 I_{02} + 2c I_{01} + \sigma_1\varphi_N(x_1) M_2^{(21)},\\
        I_{22} &= \mu_1 I_{12} + v_1 I_{02} + 2c I_{11} = 4 E[\Phi\Phi],

    with :math:`M_k = E[y^k 1\{y>0\}]` of the conditional laws.  A running bound on the
    rounding error of this recursion (and the absolute error of :math:`\Phi_2`) decides
    whether to fall back to the quadrature of :math:`f(h_1) E[f(h_2) \mid h_1]` over
    :math:`h_1 > 0` (closed-form inner expectation, non-negative integrand).  At zero mean,
    :math:`E[\phi'\phi'] = 1/4 + \arcsin\rho/(2\pi)` and
    :math:`E[\phi\phi] = \sigma_1\sigma_2[\sqrt{1-\rho^2} + (\pi - \arccos\rho)\rho]/(2\pi)`.

    erf: :math:`\mathrm{erf}(ax) = 2\Phi_N(bx) - 1`, :math:`b = \sqrt2 a`, so
    :math:`E[\phi\phi] = 4P - 2\Phi_N(y_1) - 2\Phi_N(y_2) + 1` with the orthant probability
    :math:`P = P(b h_1 - W_1 > 0, b h_2 - W_2 > 0)`, :math:`y_i = b\mu_i/\sqrt{1 + b^2 v_i}`
    (zero mean: :math:`(2/\pi)\arcsin(2a^2 c/\sqrt{(1+2a^2v_1)(1+2a^2v_2)})`);
    :math:`E[\phi'\phi'] = e^{-a^2 Q/\Delta}/\sqrt\Delta`, :math:`\Delta = \det(1 + 2a^2\Sigma)`,
    :math:`Q = \mu^T \mathrm{adj}(1 + 2a^2\Sigma)\mu`; :math:`E[\Phi\Phi]` by quadrature over
    :math:`h_1` of the closed-form :math:`E[\Phi(h_2)\mid h_1]`.
    Linear: :math:`\mu_1\mu_2 + c`, 1, :math:`[(\mu_1^2+v_1)(\mu_2^2+v_2) + 2c^2 + 4\mu_1\mu_2 c]/4`.
    tanh and user pairs: nested quadrature conditioning on :math:`h_1` (module docstring);
    :math:`v_1 = 0` gives :math:`f(\mu_1) E[f(h_2)]`.
    """
    _check_f(f, _F2)
    nl = _resolve(phi, Phi)
    mu1 = _real_array("mu1", mu1)
    mu2 = _real_array("mu2", mu2)
    v1 = _real_array("v1", v1, nonneg=True)
    v2 = _real_array("v2", v2, nonneg=True)
    c = _real_array("c", c)
    _check_c(v1, v2, c)
    arrs = np.broadcast_arrays(mu1, mu2, v1, v2, c)
    shape = arrs[0].shape
    mu1, mu2, v1, v2, c = (a.ravel().copy() for a in arrs)
    lim = np.sqrt(v1 * v2)
    c = np.clip(c, -lim, lim)
    fk = _FKIND[f]
    if nl.code == K.RELU:
        return _out(_relu_e2(fk, mu1, mu2, v1, v2, c).reshape(shape))
    if nl.code == K.LINEAR:
        return _out(_linear_e2(fk, mu1, mu2, v1, v2, c).reshape(shape))
    if nl.code == K.ERF and fk == GK.F_PHI:
        return _out(_erf_q_phi(mu1, mu2, v1, v2, c).reshape(shape))
    if nl.code == K.ERF and fk == GK.F_DPHI:
        return _out(_erf_q_dphi(mu1, mu2, v1, v2, c).reshape(shape))
    out = np.empty(mu1.shape[0])
    z = v1 == 0
    if nl.code == K.ERF:            # "Phi": semi-analytic
        F = _erf_prim
        if np.any(z):
            out[z] = F(mu1[z]) * _erf_e1(GK.F_PRIM, mu2[z], v2[z])
        nz = ~z
        if np.any(nz):
            out[nz] = _q2_quad(F, mu1[nz], mu2[nz], v1[nz], v2[nz], c[nz], True,
                               inner=lambda m, vs: _erf_e1(GK.F_PRIM, m, vs))
        return _out(out.reshape(shape))
    if nl.code == K.USER:
        F, analytic = _user_f(nl, f, Phi), False
    else:
        F, analytic = _builtin_f(nl.code, fk), True
    if np.any(z):
        e2 = np.empty(int(z.sum()))
        zz = v2[z] == 0
        e2[zz] = F(mu2[z][zz])
        if np.any(~zz):
            e2[~zz] = _q1_quad(F, mu2[z][~zz], np.sqrt(v2[z][~zz]), analytic)
        out[z] = F(mu1[z]) * e2
    nz = ~z
    if np.any(nz):
        out[nz] = _q2_quad(F, mu1[nz], mu2[nz], v1[nz], v2[nz], c[nz], analytic)
    return _out(out.reshape(shape))


# ============================================================== mpmath reference path

def _mp_f(nl, f, Phi, mp):
    """mpmath version of f for the resolved transfer function."""
    a = mp.sqrt(mp.pi) / 2
    if nl.code == K.TANH:
        fs = {"phi": mp.tanh, "dphi": lambda x: mp.sech(x) ** 2,
              "Phi": lambda x: mp.log(mp.cosh(x))}
    elif nl.code == K.RELU:
        fs = {"phi": lambda x: x if x > 0 else mp.mpf(0),
              "dphi": lambda x: mp.mpf(1) if x > 0 else mp.mpf(0),
              "Phi": lambda x: x * x / 2 if x > 0 else mp.mpf(0)}
    elif nl.code == K.ERF:
        fs = {"phi": lambda x: mp.erf(a * x), "dphi": lambda x: mp.exp(-a * a * x * x),
              "Phi": lambda x: x * mp.erf(a * x) + mp.exp(-a * a * x * x) / (a * mp.sqrt(mp.pi))}
    elif nl.code == K.LINEAR:
        fs = {"phi": lambda x: x, "dphi": lambda x: mp.mpf(1), "Phi": lambda x: x * x / 2}
    else:
        def wrap(fn):
            py = fn.py_func if isinstance(fn, Dispatcher) else fn
            return lambda x: mp.mpf(float(py(float(x))))
        fs = {"phi": wrap(nl.phi_user), "dphi": wrap(nl.dphi_user)}
        if Phi is not None:
            fs["Phi"] = wrap(Phi)
        elif f == "Phi":
            raise ValueError(f"f='Phi' needs the primitive of the user transfer function "
                             f"{nl.name!r}: pass Phi=callable (Phi' = phi)")
    if f == "phi2":
        g = fs["phi"]
        return lambda x: g(x) ** 2
    if f == "dphi2":
        g = fs["dphi"]
        return lambda x: g(x) ** 2
    return fs[f]


def _mp_points(mp, zc, d, extra=()):
    """Split points in z: fixed Gaussian ones, zc and zc +- d 2^k up to 4 (inside +-40)."""
    P = {mp.mpf(t) for t in (-12, -8, -5, -3, -1.5, 0, 1.5, 3, 5, 8, 12)}
    for (z0, dd) in ((zc, d),) + tuple(extra):
        if z0 is None or not (-40 < z0 < 40):
            continue
        P.add(z0)
        t = dd
        while t < 4:
            for q in (z0 - t, z0 + t):
                if -40 < q < 40:
                    P.add(q)
            t *= 2
    return [mp.ninf] + sorted(P) + [mp.inf]


def _mp_check_args(dps):
    if isinstance(dps, bool) or not isinstance(dps, numbers.Integral) or dps < 15:
        raise ValueError(f"dps must be an integer >= 15, got {dps!r}")


def _mp_scalar(name, x, nonneg=False):
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(x).__name__} {x!r}")
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x}")
    if nonneg and x < 0:
        raise ValueError(f"{name} must be >= 0, got {x}")
    return x


def _mp_e1(mp, F, mu, s):
    """E[F(mu + s Z)] by mp.quad (mu, s mpf, s > 0); kink/transition at z = -mu/s."""
    g = lambda z: F(mu + s * z) * mp.exp(-z * z / 2)  # noqa: E731
    return mp.quad(g, _mp_points(mp, -mu / s, 1 / s)) / mp.sqrt(2 * mp.pi)


def expect_mp(f, mu, var, phi, dps=30, *, Phi=None):
    r"""Reference :math:`E[f(h)]` with mpmath (slow; for verification).

    ``mp.quad`` (tanh-sinh) in :math:`z = (h-\mu)/\sigma` over the real line, split at fixed
    Gaussian points and at :math:`z_0 = -\mu/\sigma` (the kink or transition of the transfer
    function) with refinement :math:`z_0 \pm 2^k/\sigma` up to 4.  No closed forms are used.
    Built-in functions are evaluated in mpmath; a user pair in double precision.

    Parameters
    ----------
    f, phi, Phi
        As in :func:`expect`.
    mu, var : float
        Scalars.
    dps : int
        Working decimal digits (>= 15).

    Returns
    -------
    mpmath.mpf
    """
    import mpmath as mp
    _check_f(f, _F1)
    nl = _resolve(phi, Phi)
    mu = _mp_scalar("mu", mu)
    var = _mp_scalar("var", var, nonneg=True)
    _mp_check_args(dps)
    with mp.workdps(dps):
        F = _mp_f(nl, f, Phi, mp)
        mu = mp.mpf(mu)
        var = mp.mpf(var)
        if var == 0:
            return +F(mu)
        return +_mp_e1(mp, F, mu, mp.sqrt(var))


def _mp_inner_closed(nl, f, mp):
    """Closed-form E[f(m + s Z)] in mpmath (ReLU, erf, linear), else None."""
    a = mp.sqrt(mp.pi) / 2
    if nl.code == K.RELU:
        def inner(m, s):
            if s == 0:
                p = m if m > 0 else mp.mpf(0)
                return {"phi": p, "dphi": mp.mpf(1) if m > 0 else mp.mpf(0), "Phi": p * p / 2}[f]
            x = m / s
            cdf = mp.ncdf(x)
            pdf = mp.npdf(x)
            return {"phi": m * cdf + s * pdf, "dphi": cdf,
                    "Phi": ((m * m + s * s) * cdf + m * s * pdf) / 2}[f]
        return inner
    if nl.code == K.ERF:
        def inner(m, s):
            k = 1 + 2 * a * a * s * s
            if f == "phi":
                return mp.erf(a * m / mp.sqrt(k))
            if f == "dphi":
                return mp.exp(-a * a * m * m / k) / mp.sqrt(k)
            sk = mp.sqrt(k)
            return m * mp.erf(a * m / sk) + sk * mp.exp(-a * a * m * m / k) / (a * mp.sqrt(mp.pi))
        return inner
    if nl.code == K.LINEAR:
        return lambda m, s: {"phi": m, "dphi": mp.mpf(1), "Phi": (m * m + s * s) / 2}[f]
    return None


def expect2_mp(f, mu1, mu2, v1, v2, c, phi, dps=30, *, Phi=None, inner="auto"):
    r"""Reference :math:`E[f(h_1) f(h_2)]` with mpmath (slow; for verification).

    Conditions on :math:`h_1 = \mu_1 + \sigma_1 z`: ``mp.quad`` over :math:`z` of
    :math:`f(h_1)\, g(z)\, \varphi_N(z)` with :math:`g(z) = E[f(h_2) \mid h_1]`,
    :math:`h_2 \mid h_1 \sim N(\mu_2 + (c/\sigma_1) z,\; v_2 - c^2/v_1)` evaluated exactly in
    mpmath.  The outer integral is split as in :func:`expect_mp` around both
    :math:`z = -\mu_1/\sigma_1` and the zero of the conditional mean.  With ``inner="auto"``
    the conditional expectation uses the one-point closed form in mpmath where one exists
    (ReLU, erf, linear; these are checked against :func:`expect_mp`), otherwise (tanh, user
    pairs, or ``inner="quad"``) a nested ``mp.quad`` -- about a minute per value.

    Parameters
    ----------
    f, mu1, mu2, v1, v2, c, phi, Phi
        As in :func:`expect2`, scalars.
    dps : int
        Working decimal digits (>= 15).
    inner : {"auto", "quad"}

    Returns
    -------
    mpmath.mpf
    """
    import mpmath as mp
    _check_f(f, _F2)
    nl = _resolve(phi, Phi)
    mu1 = _mp_scalar("mu1", mu1)
    mu2 = _mp_scalar("mu2", mu2)
    v1 = _mp_scalar("v1", v1, nonneg=True)
    v2 = _mp_scalar("v2", v2, nonneg=True)
    c = _mp_scalar("c", c)
    _check_c(np.float64(v1), np.float64(v2), np.float64(c))
    _mp_check_args(dps)
    if inner not in ("auto", "quad"):
        raise ValueError(f"inner must be 'auto' or 'quad', got {inner!r}")
    with mp.workdps(dps):
        F = _mp_f(nl, f, Phi, mp)
        mu1, mu2, v1, v2, c = (mp.mpf(t) for t in (mu1, mu2, v1, v2, c))
        closed = _mp_inner_closed(nl, f, mp) if inner == "auto" else None

        def E1(m, s):
            if s == 0:
                return F(m)
            if closed is not None:
                return closed(m, s)
            return _mp_e1(mp, F, m, s)

        if v1 == 0:
            return +(F(mu1) * E1(mu2, mp.sqrt(v2)))
        s1 = mp.sqrt(v1)
        beta = c / s1
        s2 = mp.sqrt(max(v2 - c * c / v1, mp.mpf(0)))
        extra = ()
        if beta != 0:
            # g(z) switches where the conditional mean of h2 crosses 0, over a z-width
            # ~ s2/|beta| for kinked phi (s2 > 0), ~ 1/|beta| otherwise
            kinked = nl.code in (K.RELU, K.USER) and s2 > 0
            extra = ((-mu2 / beta, (min(s2, mp.mpf(1)) if kinked else mp.mpf(1)) / abs(beta)),)

        def g(z):
            return F(mu1 + s1 * z) * E1(mu2 + beta * z, s2) * mp.exp(-z * z / 2)
        return +(mp.quad(g, _mp_points(mp, -mu1 / s1, 1 / s1, extra)) / mp.sqrt(2 * mp.pi))
