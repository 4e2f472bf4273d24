"""Private Numba kernels for Gaussian integrals (the one implementation behind :mod:`meanfield.gaussian`).

Everything here is ``@njit(cache=True)`` and scalar, for the inner loops of the
dynamic mean-field solvers.  Built-in transfer functions are selected by the
codes of the transfer-function registry :mod:`meanfield._transfer` (TANH, RELU, ERF,
LINEAR; the integrands are its :func:`~meanfield._transfer.fval`) and the integrand by ``fkind``:

=========  =====  =============================================
F_PHI      0      phi
F_DPHI     1      phi'
F_PRIM     2      Phi, the primitive (Phi' = phi)
F_PHI2     3      phi^2        (one-point only)
F_DPHI2    4      phi'^2       (one-point only)
=========  =====  =============================================

Entry points
------------
``q1(code, fkind, mu, var)``                 E[f(h)], best method
``q2(code, fkind, mu1, mu2, v1, v2, c)``     E[f(h1) f(h2)], best method
``q1_quad``, ``q2_quad``                     the same by quadrature only (any code)
``relu_q_phi``, ``relu_q_dphi``, ``relu_q_Phi``, ``erf_q_phi``, ``erf_q_dphi``
                                             closed forms
``bvn_cdf(x1, x2, rho)``, ``owens_t(h, a)``  bivariate normal CDF, Owen's T
``q1_array``, ``q2_array``, ``bvn_cdf_array``  loops over 1-D arrays (``out`` preallocated)
``user_kernels(phi, dphi, Phi)``            the quadrature chain for a user pair (code USER)

"Best method": closed forms for ReLU, linear and erf (except the two-point
primitive of erf, which integrates the closed-form conditional expectation
E[Phi(h2) | h1] over h1 by quadrature), quadrature for tanh.

Quadrature: h = mu + sigma z, z truncated to [-QL, QL]; composite
Gauss-Legendre (QN nodes a panel) on QNB uniform panels, refined geometrically
(ratio 2) around each "feature" -- the point where the transfer function
switches (h = 0) -- starting at QD0/sigma in z and stopping at the uniform
panel width.  For smooth built-ins with sigma <= GH_SMAX a 20-node
Gauss-Hermite rule is used instead.  Two-point integrals condition on h1:
E[f(h1) E[f(h2) | h1]] with h2 | h1 ~ N(mu2 + beta z1, s2^2), beta = c/sigma1,
s2^2 = (v1 v2 - c^2)/v1 (computed with error-free products), and the outer
layout has a second feature where the conditional mean of h2 crosses 0.
"""
import math

import numpy as np
from numba import njit

from ._transfer import (A2, A_ERF, B2, ERF, F_DPHI, F_DPHI2, F_PHI, F_PHI2, F_PRIM,  # noqa: F401
                        INV_A_SQRTPI, LINEAR, RELU, TANH, USER, clone, user_fval)
from ._transfer import erf_prim as _erf_prim
from ._transfer import fval as _fval

# erf-type: phi(x) = erf(A x), A = sqrt(pi)/2; A2 = A^2 = pi/4; B2 = 2 A^2 = pi/2
B_ERF = math.sqrt(B2)
INV_SQRT2 = 1.0 / math.sqrt(2.0)
INV_SQRT2PI = 1.0 / math.sqrt(2.0 * math.pi)
INV_2PI = 1.0 / (2.0 * math.pi)
_SPLIT = 134217729.0                   # 2^27 + 1 (Veltkamp splitting)
EPS = 2.220446049250313e-16
RELU_RTOL = 1e-13        # ReLU closed forms fall back to quadrature above this error bound

# ---- quadrature layout ----
QL = 9.0                 # z-range [-QL, QL]; P(|Z| > 9) = 2.3e-19
QNB = 6                  # uniform panels on [-QL, QL]
QW = 2.0 * QL / QNB      # their width; geometric refinement stops here
QD0 = 1.0                # feature scale of phi in h units (tanh poles at i pi/2)
QN = 12                  # Gauss-Legendre nodes a panel
QKMAX = 48               # cap on refinement levels a side
GH_SMAX = 0.2            # Gauss-Hermite for smooth phi when sigma <= this
MAXBP = 2 * QNB + 1 + 2 * (1 + 2 * QKMAX) + 2

GL_X, GL_W = np.polynomial.legendre.leggauss(QN)
GH_X, GH_W = np.polynomial.hermite_e.hermegauss(20)
GH_W = GH_W / math.sqrt(2.0 * math.pi)
OT_X, OT_W = np.polynomial.legendre.leggauss(20)     # Owen's T panels
T12_X, T12_W = np.polynomial.legendre.leggauss(12)   # Owen's T, one panel (|a| <= 1, |h a| <= 3)
PL_X, PL_W = np.polynomial.legendre.leggauss(24)     # Plackett integral
PL_THMAX = math.pi / 6.0                             # |rho'| <= 1/2

_MINUS_INF = -math.inf


# ---------------------------------------------------------------- elementary

@njit(cache=True)
def _ncdf(x):
    return 0.5 * math.erfc(-x * INV_SQRT2)


@njit(cache=True)
def _ncdfc(x):
    return 0.5 * math.erfc(x * INV_SQRT2)


@njit(cache=True)
def _npdf(x):
    return INV_SQRT2PI * math.exp(-0.5 * x * x)


@njit(cache=True)
def _two_prod(a, b):
    """Error-free product: a*b = p + e exactly (Dekker)."""
    p = a * b
    t = _SPLIT * a
    ah = t - (t - a)
    al = a - ah
    t = _SPLIT * b
    bh = t - (t - b)
    bl = b - bh
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, e


@njit(cache=True)
def _dop(a, b, c, d):
    """a*b - c*d to about one rounding of the result."""
    p, e = _two_prod(a, b)
    q, f = _two_prod(c, d)
    return (p - q) + (e - f)


@njit(cache=True)
def _ratio(num, den):
    """num/den with 0/0 -> 0 and x/0 -> +-inf (den >= 0)."""
    if den > 0.0:
        return num / den
    if num == 0.0:
        return 0.0
    return math.copysign(math.inf, num)


# ---------------------------------------------------------------- Owen's T

@njit(cache=True)
def _t_gl(h, a):
    """T(h, a) for h >= 0, 0 < a <= 1 by Gauss-Legendre on its defining integral."""
    if h > 38.6:
        return 0.0
    if h * a <= 3.0:
        # one 12-node panel: error < 1e-16 (the integrand's nearest singularities are at x = +-i)
        half = 0.5 * a
        q = 0.5 * h * h
        s = 0.0
        for i in range(12):
            x = half * (1.0 + T12_X[i])
            u = 1.0 + x * x
            s += T12_W[i] * math.exp(-q * u) / u
        return s * half * INV_2PI
    b = a
    if h * a > 9.0:          # exp(-h^2 x^2 / 2) < e^-40.5 beyond x = 9/h
        b = 9.0 / h
    hh = 0.5 * h * h
    s = 0.0
    half = 0.25 * b            # two panels [0, b/2], [b/2, b]
    for p in range(2):
        mid = (2 * p + 1) * half
        for i in range(OT_X.shape[0]):
            x = mid + half * OT_X[i]
            q = 1.0 + x * x
            s += OT_W[i] * math.exp(-hh * q) / q
    return s * half * INV_2PI


@njit(cache=True)
def owens_t(h, a):
    """Owen's T(h, a) = (1/2pi) int_0^a exp(-h^2 (1+x^2)/2) / (1+x^2) dx.

    |a| <= 1: Gauss-Legendre; |a| > 1: T(h,a) = [Phi(h)Phic(ah) + Phi(ah)Phic(h)]/2
    - T(ah, 1/a) (h >= 0).  Absolute accuracy ~1e-17.
    """
    sgn = 1.0
    if a < 0.0:
        a = -a
        sgn = -1.0
    h = abs(h)
    if a == 0.0 or h == math.inf:
        return 0.0
    if a == math.inf:
        return sgn * 0.5 * _ncdfc(h)
    if h == 0.0:
        return sgn * math.atan(a) * INV_2PI
    if a <= 1.0:
        return sgn * _t_gl(h, a)
    ah = a * h
    t = 0.5 * (_ncdf(h) * _ncdfc(ah) + _ncdf(ah) * _ncdfc(h)) - _t_gl(ah, 1.0 / a)
    return sgn * t


# ---------------------------------------------------------------- bivariate normal CDF

@njit(cache=True)
def _bvn_core(h, k, ah, ak, omr, opr):
    """Phi2(h, k; rho) by Owen's formula (see _bvn_terms)."""
    return _bvn_terms(h, k, ah, ak, omr, opr)[0]


@njit(cache=True)
def _bvn_terms(h, k, ah, ak, omr, opr):
    """(Phi2(h, k; rho), sum of the magnitudes of the terms) by Owen's formula.

    ah = (k - rho h)/sqrt(1-rho^2), ak = (h - rho k)/sqrt(1-rho^2) (+-inf or 0
    when rho = +-1), omr = 1 - rho, opr = 1 + rho, all computed accurately by
    the caller:  Phi2 = [Phi(h) + Phi(k)]/2 - T(h, ah/h) - T(k, ak/k) - beta.
    """
    if h == _MINUS_INF or k == _MINUS_INF:
        return 0.0, 0.0
    if h == math.inf:
        p = _ncdf(k)
        return p, p
    if k == math.inf:
        p = _ncdf(h)
        return p, p
    if omr == 0.0:                  # rho = 1: Phi(min(h, k))
        p = _ncdf(min(h, k))
        return p, p
    if opr == 0.0:                  # rho = -1: max(0, Phi(h) - Phi(-k))
        a = _ncdf(h)
        b = _ncdfc(k)
        return max(0.0, a - b), a + b
    if h == 0.0 and k == 0.0:
        p = math.atan2(math.sqrt(opr), math.sqrt(omr)) / math.pi     # = 1/4 + arcsin(rho)/2pi
        return p, p
    if h == 0.0:
        th = 0.25 if ah > 0.0 else (-0.25 if ah < 0.0 else 0.0)
    else:
        th = owens_t(h, ah / h)
    if k == 0.0:
        tk = 0.25 if ak > 0.0 else (-0.25 if ak < 0.0 else 0.0)
    else:
        tk = owens_t(k, ak / k)
    beta = 0.0
    if (h < 0.0 and k > 0.0) or (h > 0.0 and k < 0.0) or ((h == 0.0 or k == 0.0) and h + k < 0.0):
        beta = 0.5
    ph = _ncdf(h)
    pk = _ncdf(k)
    p = 0.5 * (ph + pk) - th - tk - beta
    mag = 0.5 * (ph + pk) + abs(th) + abs(tk) + beta
    lo = ph + pk - 1.0
    if lo < 0.0:
        lo = 0.0
    hi = min(ph, pk)
    return min(max(p, lo), hi), mag


@njit(cache=True)
def bvn_cdf(x1, x2, rho):
    """P(Z1 < x1, Z2 < x2), standard normals with correlation rho in [-1, 1]."""
    if x1 == _MINUS_INF or x2 == _MINUS_INF:
        return 0.0
    if x1 == math.inf:
        return _ncdf(x2)
    if x2 == math.inf:
        return _ncdf(x1)
    omr = 1.0 - rho
    opr = 1.0 + rho
    r = math.sqrt(omr * opr)
    # compensated x2 - rho x1 and x1 - rho x2
    p, e = _two_prod(rho, x1)
    s = x2 - p
    bb = s - x2
    err = (x2 - (s - bb)) + (-p - bb)
    n21 = s + (err - e)
    p, e = _two_prod(rho, x2)
    s = x1 - p
    bb = s - x1
    err = (x1 - (s - bb)) + (-p - bb)
    n12 = s + (err - e)
    return _bvn_core(x1, x2, _ratio(n21, r), _ratio(n12, r), omr, opr)


@njit(cache=True)
def _pre(m1, m2, v1, v2, c):
    """Accurate derived quantities of a bivariate Gaussian with v1, v2 > 0.

    Returns (s1, s2, x1, x2, D, sqD, t21, t12, omr, opr, n21, n12) with
    D = v1 v2 - c^2 (>= 0), t21 = (x2 - rho x1)/sqrt(1-rho^2), n21 = m2 v1 - c m1.
    """
    s1 = math.sqrt(v1)
    s2 = math.sqrt(v2)
    x1 = m1 / s1
    x2 = m2 / s2
    D = _dop(v1, v2, c, c)
    if D < 0.0:
        D = 0.0
    sq = s1 * s2
    if c >= 0.0:
        omr = D / (sq * (sq + c))
        opr = 2.0 - omr
    else:
        opr = D / (sq * (sq - c))
        omr = 2.0 - opr
    sqD = math.sqrt(D)
    n21 = _dop(m2, v1, c, m1)
    n12 = _dop(m1, v2, c, m2)
    t21 = _ratio(n21, s1 * sqD)
    t12 = _ratio(n12, s2 * sqD)
    return s1, s2, x1, x2, D, sqD, t21, t12, omr, opr, n21, n12


@njit(cache=True)
def _orthant(m1, m2, v1, v2, c):
    """P(h1 > 0, h2 > 0) for v1, v2 > 0."""
    s1, s2, x1, x2, D, sqD, t21, t12, omr, opr, n21, n12 = _pre(m1, m2, v1, v2, c)
    return _bvn_core(x1, x2, t21, t12, omr, opr)


# ---------------------------------------------------------------- ReLU closed forms

@njit(cache=True)
def _relu_e1(fkind, mu, var):
    if var == 0.0:
        p = mu if mu > 0.0 else 0.0
        if fkind == F_PHI:
            return p
        if fkind == F_PHI2:
            return p * p
        if fkind == F_PRIM:
            return 0.5 * p * p
        return 1.0 if mu > 0.0 else 0.0
    s = math.sqrt(var)
    x = mu / s
    cdf = _ncdf(x)
    if fkind == F_DPHI or fkind == F_DPHI2:
        return cdf
    pdf = _npdf(x)
    if fkind == F_PHI:
        return mu * cdf + s * pdf
    e2 = (mu * mu + var) * cdf + mu * s * pdf
    if fkind == F_PRIM:
        return 0.5 * e2
    return e2


@njit(cache=True)
def _trunc_m(m, s, t):
    """E[y^k 1{y>0}], k = 0, 1, 2, for y ~ N(m, s^2), t = m/s (+-inf, or 0 if m = s = 0)."""
    cdf = _ncdf(t)
    pdf = _npdf(t) if abs(t) < 40.0 else 0.0
    m1 = m * cdf + s * pdf
    m2 = (m * m + s * s) * cdf + m * s * pdf
    if s == 0.0:
        cdf = 1.0 if m > 0.0 else (0.5 if m == 0.0 else 0.0)
        m1 = m if m > 0.0 else 0.0
        m2 = m1 * m1
    return cdf, m1, m2


@njit(cache=True)
def _relu_moments(mu1, mu2, v1, v2, c, order):
    """Truncated moment I_jj = E[h1^j h2^j 1{h1>0, h2>0}], j = order, for v1, v2 > 0,
    an estimate of its rounding error, and I00 = Phi2 with its error (shared by q_phi').

    Stein's lemma with boundary terms:
    E[h1 G 1] = mu1 E[G 1] + v1 E[d1G 1] + c E[d2G 1]
                + v1 p1(0) E[G 1{h2>0} | h1=0] + c p2(0) E[G 1{h1>0} | h2=0]
    gives I00 = Phi2(x1, x2; rho) and
    I01 = mu2 I00 + s2 f2 M0(12) + (c/s1) f1 M0(21)
    I11 = mu1 I01 + c I00 + s1 f1 M1(21)
    I02 = mu2 I01 + v2 I00 + (c/s1) f1 M1(21)
    I12 = mu1 I02 + 2c I01 + s1 f1 M2(21)
    I22 = mu1 I12 + v1 I02 + 2c I11
    with f_i = pdf(x_i), M_k(21) = E[y^k 1{y>0}] for y = h2 | h1 = 0 ~ N(m21, s21^2).
    The error estimate propagates eps * (sum of |terms|) and the absolute error of Phi2.
    """
    s1, s2, x1, x2, D, sqD, t21, t12, omr, opr, n21, n12 = _pre(mu1, mu2, v1, v2, c)
    P, magP = _bvn_terms(x1, x2, t21, t12, omr, opr)
    eP = 4.0 * EPS * magP
    if order == 0:
        return P, eP, P, eP
    m21 = n21 / v1
    s21 = sqD / s1
    m12 = n12 / v2
    s12 = sqD / s2
    a0, a1, a2 = _trunc_m(m21, s21, t21)
    b0, b1, b2 = _trunc_m(m12, s12, t12)
    ma1 = abs(m21) * a0 + abs(a1 - m21 * a0)            # |m| Phi + s phi
    ma2 = (m21 * m21 + s21 * s21) * a0 + abs(a2 - (m21 * m21 + s21 * s21) * a0)
    f1 = _npdf(x1)
    f2 = _npdf(x2)
    cs1 = c / s1
    u = mu2 * P
    I01 = u + s2 * f2 * b0 + cs1 * f1 * a0
    e01 = 3.0 * EPS * (abs(u) + s2 * f2 * b0 + abs(cs1) * f1 * a0) + abs(mu2) * eP
    u = mu1 * I01
    I11 = u + c * P + s1 * f1 * a1
    e11 = (3.0 * EPS * (abs(u) + abs(c) * P + s1 * f1 * ma1)
           + abs(mu1) * e01 + abs(c) * eP + s1 * f1 * EPS * ma1)
    if order == 1:
        return I11, e11, P, eP
    u = mu2 * I01
    I02 = u + v2 * P + cs1 * f1 * a1
    e02 = (3.0 * EPS * (abs(u) + v2 * P + abs(cs1) * f1 * ma1)
           + abs(mu2) * e01 + v2 * eP + abs(cs1) * f1 * EPS * ma1)
    u = mu1 * I02
    I12 = u + 2.0 * c * I01 + s1 * f1 * a2
    e12 = (3.0 * EPS * (abs(u) + 2.0 * abs(c * I01) + s1 * f1 * ma2)
           + abs(mu1) * e02 + 2.0 * abs(c) * e01 + s1 * f1 * EPS * ma2)
    u = mu1 * I12
    I22 = u + v1 * I02 + 2.0 * c * I11
    e22 = (3.0 * EPS * (abs(u) + v1 * abs(I02) + 2.0 * abs(c * I11))
           + abs(mu1) * e12 + v1 * e02 + 2.0 * abs(c) * e11)
    return I22, e22, P, eP


@njit(cache=True)
def _semi_domain(za, zb, beta):
    """z-range for the ReLU fallback: the integrand vanishes below za, so start there (or at
    -QL) and run QL beyond: past za + QL the weight is < pdf(za) e^(-QL^2/2)."""
    lo = za if za > -QL else -QL
    hi = lo + QL
    if hi < QL:
        hi = QL
    return lo, hi


@njit(cache=True)
def _semi_scale(za, s1):
    """Refinement scale at the kink za: the kink (1/s1) or the Gaussian tilt e^{-za u} there."""
    d = QD0 / s1
    t = 1.0 / (1.0 + (za if za > 0.0 else 0.0))
    return d if d < t else t


@njit(cache=True)
def _relu_semi(fkind, mu1, mu2, v1, v2, c):
    """E[f(h1) f(h2)] for ReLU by quadrature over h1 > 0 of f(h1) E[f(h2) | h1] (closed form).

    The fallback of the closed forms where their terms cancel (e.g. rho -> -1 with a nearly
    empty positive quadrant, or both means far below 0): every term here is >= 0.
    """
    s1, beta, s2 = _cond(mu1, mu2, v1, v2, c)
    bp = np.empty(MAXBP)
    zb = -mu2 / beta if beta != 0.0 else math.inf
    za = -mu1 / s1
    lo, hi = _semi_domain(za, zb, beta)
    n = _layout_dom(bp, lo, hi, za, _semi_scale(za, s1), zb, _outer_scale(beta, s2, False))
    return _gl_outer(bp, n, za, OUT_RELU_SEMI, RELU, fkind, mu1, s1, mu2, beta, s2, False, bp)


@njit(cache=True)
def _relu_q(fkind, mu1, mu2, v1, v2, c):
    if v1 == 0.0 or v2 == 0.0:
        return _relu_e1(fkind, mu1, v1) * _relu_e1(fkind, mu2, v2)
    order = 0 if fkind == F_DPHI else (1 if fkind == F_PHI else 2)
    val, err, _, _ = _relu_moments(mu1, mu2, v1, v2, c, order)
    if fkind == F_PRIM:
        val *= 0.25
        err *= 0.25
    if err > RELU_RTOL * abs(val):
        return _relu_semi(fkind, mu1, mu2, v1, v2, c)
    return val


@njit(cache=True)
def relu_pair(mu1, mu2, v1, v2, c, atol=0.0):
    """(E[phi(h1) phi(h2)], E[phi'(h1) phi'(h2)]) for phi = ReLU from one Phi2 evaluation;
    each falls back to quadrature where its closed-form terms cancel, i.e. where the rounding
    bound of the closed form exceeds RELU_RTOL x |value| + atol x scale (scale sqrt(v1 v2) for
    the first, 1 for the second).  ``atol`` = 0 (default): relative accuracy everywhere, which
    costs a quadrature (3-25 us instead of 0.2 us) wherever both means lie a few standard
    deviations below 0; a caller that needs the values only to an absolute accuracy (the
    two-time DMFT's cells) passes atol > 0, and the values, clamped at 0, are then within
    atol x scale."""
    if v1 == 0.0 or v2 == 0.0:
        return (_relu_e1(F_PHI, mu1, v1) * _relu_e1(F_PHI, mu2, v2),
                _relu_e1(F_DPHI, mu1, v1) * _relu_e1(F_DPHI, mu2, v2))
    if atol > 0.0:
        # deep in the tail both are below atol x scale: P <= Phi(x_lo) <= phi(x_lo)/|x_lo| and
        # E[h1+ h2+] <= sqrt(E[h_lo+^2] E[h_other^2]) with E[h+^2] <= 2 v phi(x)/|x|^3 (x < 0)
        x1, x2 = mu1 / math.sqrt(v1), mu2 / math.sqrt(v2)
        lo, other = (x1, x2) if x1 < x2 else (x2, x1)
        if lo < -10.0:
            f = _npdf(lo)
            if (f / -lo <= atol
                    and math.sqrt(2.0 * f / (-lo) ** 3 * (other * other + 1.0)) <= atol):
                return 0.0, 0.0
    I11, e11, P, eP = _relu_moments(mu1, mu2, v1, v2, c, 1)
    if e11 > RELU_RTOL * abs(I11) + atol * math.sqrt(v1 * v2):
        I11 = _relu_semi(F_PHI, mu1, mu2, v1, v2, c)
    if eP > RELU_RTOL * P + atol:
        P = _relu_semi(F_DPHI, mu1, mu2, v1, v2, c)
    return max(I11, 0.0), max(P, 0.0)


@njit(cache=True)
def relu_q_dphi(mu1, mu2, v1, v2, c):
    """E[phi'(h1) phi'(h2)] = Phi2(x1, x2; rho) for phi = ReLU."""
    return _relu_q(F_DPHI, mu1, mu2, v1, v2, c)


@njit(cache=True)
def relu_q_phi(mu1, mu2, v1, v2, c):
    """E[phi(h1) phi(h2)] = E[h1 h2 1{h1>0,h2>0}] for phi = ReLU."""
    return _relu_q(F_PHI, mu1, mu2, v1, v2, c)


@njit(cache=True)
def relu_q_Phi(mu1, mu2, v1, v2, c):
    """E[Phi(h1) Phi(h2)] = E[h1^2 h2^2 1{h1>0,h2>0}] / 4 for phi = ReLU."""
    return _relu_q(F_PRIM, mu1, mu2, v1, v2, c)


# ---------------------------------------------------------------- erf closed forms

@njit(cache=True)
def _erf_e1(fkind, mu, var):
    if fkind == F_PHI:
        return math.erf(A_ERF * mu / math.sqrt(1.0 + B2 * var))
    if fkind == F_DPHI:
        k = 1.0 + B2 * var
        return math.exp(-A2 * mu * mu / k) / math.sqrt(k)
    if fkind == F_DPHI2:
        k = 1.0 + math.pi * var
        return math.exp(-B2 * mu * mu / k) / math.sqrt(k)
    if fkind == F_PRIM:
        k = 1.0 + B2 * var
        sk = math.sqrt(k)
        return mu * math.erf(A_ERF * mu / sk) + sk * math.exp(-A2 * mu * mu / k) * INV_A_SQRTPI
    # F_PHI2: E[erf(a h)^2] = 4 P - 4 Phi(y) + 1
    if var == 0.0:
        e = math.erf(A_ERF * mu)
        return e * e
    return erf_q_phi(mu, mu, var, var, var)


@njit(cache=True)
def _plackett(y1, y2, th):
    """Phi2(y1, y2; sin th) - Phi(y1) Phi(y2) = (1/2pi) int_0^th exp(-(y1^2 - 2 y1 y2 sin t + y2^2)
    / (2 cos^2 t)) dt (Plackett's identity, t = arcsin rho), |th| <= pi/6."""
    hw = 0.5 * th
    s = 0.0
    for i in range(PL_X.shape[0]):
        t = hw + hw * PL_X[i]
        st = math.sin(t)
        ct2 = 1.0 - st * st
        s += PL_W[i] * math.exp(-(y1 * y1 - 2.0 * y1 * y2 * st + y2 * y2) / (2.0 * ct2))
    return s * hw * INV_2PI


@njit(cache=True)
def erf_q_phi(mu1, mu2, v1, v2, c):
    """E[erf(a h1) erf(a h2)].

    erf(a x) = 2 Phi(b x) - 1 with b = sqrt(2) a, so with y_i = b mu_i / sqrt(V_i),
    V_i = 1 + b^2 v_i, rho' = b^2 c / sqrt(V1 V2):
    E = 4 Phi2(y1, y2; rho') - 2 Phi(y1) - 2 Phi(y2) + 1   (|rho'| > 1/2; orthant
    probability of (b h_i - W_i), W iid N(0,1)), or, without cancellation when the
    result is small, E = e1 e2 + 4 [Phi2 - Phi(y1) Phi(y2)] with e_i = erf(a mu_i / sqrt(V_i))
    and Plackett's integral (|rho'| <= 1/2).
    """
    V1 = 1.0 + B2 * v1
    V2 = 1.0 + B2 * v2
    y1 = B_ERF * mu1 / math.sqrt(V1)
    y2 = B_ERF * mu2 / math.sqrt(V2)
    D = _dop(v1, v2, c, c)
    if D < 0.0:
        D = 0.0
    Dp = 1.0 + B2 * (v1 + v2) + B2 * B2 * D          # V1 V2 - (b^2 c)^2
    th = math.atan2(B2 * c, math.sqrt(Dp))             # arcsin rho'
    if abs(th) <= PL_THMAX:
        e1 = math.erf(A_ERF * mu1 / math.sqrt(V1))
        e2 = math.erf(A_ERF * mu2 / math.sqrt(V2))
        return e1 * e2 + 4.0 * _plackett(y1, y2, th)
    P = _orthant(B_ERF * mu1, B_ERF * mu2, V1, V2, B2 * c)
    return 4.0 * P - 2.0 * _ncdf(y1) - 2.0 * _ncdf(y2) + 1.0


@njit(cache=True)
def erf_q_dphi(mu1, mu2, v1, v2, c):
    """E[exp(-a^2 h1^2) exp(-a^2 h2^2)] = exp(-a^2 Q / det) / sqrt(det).

    det = |1 + 2 a^2 Sigma| = 1 + 2a^2 (v1 + v2) + 4 a^4 (v1 v2 - c^2),
    Q = mu^T adj(1 + 2a^2 Sigma) mu = mu1^2 + mu2^2 + 2 a^2 mu^T adj(Sigma) mu.
    """
    D = _dop(v1, v2, c, c)
    if D < 0.0:
        D = 0.0
    det = 1.0 + B2 * (v1 + v2) + B2 * B2 * D
    s1 = math.sqrt(v1)
    s2 = math.sqrt(v2)
    sq = s1 * s2
    ac = abs(c)
    g = 1.0 if c >= 0.0 else -1.0
    u = s2 * mu1 - g * s1 * mu2
    gap = D / (sq + ac) if sq + ac > 0.0 else 0.0      # s1 s2 - |c|
    adj = u * u + 2.0 * g * mu1 * mu2 * gap
    if adj < 0.0:
        adj = 0.0
    Q = mu1 * mu1 + mu2 * mu2 + B2 * adj
    return math.exp(-A2 * Q / det) / math.sqrt(det)


# ---------------------------------------------------------------- quadrature layout

@njit(cache=True)
def _add_feature(bp, n, zc, d, lo, hi):
    """Append zc and zc +- d 2^k (k = 0, 1, ... while d 2^k < QW) that fall inside (lo, hi);
    zc itself may lie on or just outside the range."""
    if not (abs(zc) < math.inf) or not (d > 0.0) or zc < lo - QW or zc > hi + QW:
        return n
    if lo < zc < hi:
        bp[n] = zc
        n += 1
    t = d
    k = 0
    while t < QW and k < QKMAX:
        q = zc - t
        if q > lo:
            bp[n] = q
            n += 1
        q = zc + t
        if q < hi:
            bp[n] = q
            n += 1
        t *= 2.0
        k += 1
    return n


@njit(cache=True)
def _layout_dom(bp, lo, hi, zc1, d1, zc2, d2):
    """Sorted breakpoints on [lo, hi]: ceil((hi-lo)/QW) uniform panels + features (d <= 0: none)."""
    nb = int(math.ceil((hi - lo) / QW - 1e-9))
    if nb < 1:
        nb = 1
    w = (hi - lo) / nb
    n = 0
    for k in range(nb):
        bp[n] = lo + k * w
        n += 1
    bp[n] = hi
    n += 1
    n = _add_feature(bp, n, zc1, d1, lo, hi)
    n = _add_feature(bp, n, zc2, d2, lo, hi)
    for i in range(1, n):          # insertion sort
        v = bp[i]
        j = i - 1
        while j >= 0 and bp[j] > v:
            bp[j + 1] = bp[j]
            j -= 1
        bp[j + 1] = v
    return n


@njit(cache=True)
def _layout(bp, zc1, d1, zc2, d2):
    """_layout_dom on the standard range [-QL, QL] (QNB panels of width QW)."""
    return _layout_dom(bp, -QL, QL, zc1, d1, zc2, d2)


@njit(cache=True)
def _q1_quad_core(code, fkind, mu, s, analytic, bp):
    """E[f(mu + s Z)] for s > 0 by Gauss-Hermite (smooth, small s) or graded Gauss-Legendre."""
    if analytic and s <= GH_SMAX:
        acc = 0.0
        for i in range(GH_X.shape[0]):
            acc += GH_W[i] * _fval(code, fkind, mu + s * GH_X[i])
        return acc
    n = _layout(bp, -mu / s, QD0 / s, 0.0, -1.0)
    acc = 0.0
    for p in range(n - 1):
        a = bp[p]
        b = bp[p + 1]
        if b <= a:
            continue
        hw = 0.5 * (b - a)
        mid = 0.5 * (a + b)
        part = 0.0
        for i in range(QN):
            z = mid + hw * GL_X[i]
            part += GL_W[i] * _fval(code, fkind, mu + s * z) * math.exp(-0.5 * z * z)
        acc += hw * part
    return acc * INV_SQRT2PI


@njit(cache=True)
def q1_quad(code, fkind, mu, var):
    """E[f(h)], h ~ N(mu, var), by quadrature (var = 0: f(mu))."""
    if var == 0.0:
        return _fval(code, fkind, mu)
    bp = np.empty(MAXBP)
    analytic = code != RELU and code != USER
    return _q1_quad_core(code, fkind, mu, math.sqrt(var), analytic, bp)


@njit(cache=True)
def q1(code, fkind, mu, var):
    """E[f(h)], h ~ N(mu, var): closed forms (ReLU, erf, linear) or quadrature (tanh)."""
    if code == RELU:
        return _relu_e1(fkind, mu, var)
    if code == ERF:
        return _erf_e1(fkind, mu, var)
    if code == LINEAR:
        if fkind == F_PHI:
            return mu
        if fkind == F_PHI2:
            return mu * mu + var
        if fkind == F_PRIM:
            return 0.5 * (mu * mu + var)
        return 1.0
    return q1_quad(code, fkind, mu, var)


@njit(cache=True)
def _cond(mu1, mu2, v1, v2, c):
    """(s1, beta, s2) of h2 | h1 = mu1 + s1 z: mean mu2 + beta z, sd s2."""
    s1 = math.sqrt(v1)
    D = _dop(v1, v2, c, c)
    if D < 0.0:
        D = 0.0
    return s1, c / s1, math.sqrt(D / v1)


@njit(cache=True)
def _outer_scale(beta, s2, analytic):
    """z1-scale of the feature of g(z1) = E[f(mu2 + beta z1 + s2 Z)] (<= 0: none)."""
    if beta == 0.0:
        return -1.0
    if analytic:
        return math.hypot(QD0, s2) / abs(beta)
    if s2 > 0.0:          # kink of phi smoothed over s2: resolve it (levels capped by QKMAX)
        return s2 / abs(beta)
    return QD0 / abs(beta)


# ---------------------------------------------------------------- outer (conditional) quadrature

OUT_COND, OUT_ERF_PRIM, OUT_RELU_SEMI = 0, 1, 2


@njit(cache=True)
def _outer_factors(how, code, fkind, z, mu1, s1, mu2, beta, s2, analytic, bpi):
    """(f(h1), g(z)) at h1 = mu1 + s1 z for a two-point integral conditioned on h1, with
    g(z) = E[f(h2) | h1], h2 | h1 ~ N(mu2 + beta z, s2^2):

    * OUT_COND: g by the one-point quadrature (``bpi`` its work array), f(mu2 + beta z) if s2 = 0;
    * OUT_ERF_PRIM: f = Phi of erf, g its closed-form one-point expectation;
    * OUT_RELU_SEMI: ReLU, g from the truncated moments; returned as (f(h1) g, 1).
    """
    m2 = mu2 + beta * z
    if how == OUT_COND:
        if s2 > 0.0:
            g = _q1_quad_core(code, fkind, m2, s2, analytic, bpi)
        else:
            g = _fval(code, fkind, m2)
        return _fval(code, fkind, mu1 + s1 * z), g
    if how == OUT_ERF_PRIM:
        return _erf_prim(mu1 + s1 * z), _erf_e1(F_PRIM, m2, s2 * s2)
    t = m2 / s2 if s2 > 0.0 else (math.copysign(math.inf, m2) if m2 != 0.0 else 0.0)
    g0, g1, g2 = _trunc_m(m2, s2, t)
    h1 = mu1 + s1 * z
    if fkind == F_PHI:
        fg = h1 * g1
    elif fkind == F_DPHI:
        fg = g0
    else:
        fg = 0.25 * h1 * h1 * g2
    return fg, 1.0


@njit(cache=True)
def _gl_outer(bp, n, zmin, how, code, fkind, mu1, s1, mu2, beta, s2, analytic, bpi):
    r"""The outer Gauss-Legendre panel sum of a two-point integral conditioned on h1:

    .. math:: E[f(h_1) f(h_2)] = \frac{1}{\sqrt{2\pi}} \sum_{p} w_p \sum_{i=1}^{QN} W_i\,
              f(\mu_1 + s_1 z_{pi})\, g(z_{pi})\, e^{-z_{pi}^2/2},\quad
              z_{pi} = m_p + w_p X_i,

    over the panels [bp[p], bp[p+1]] of a layout (empty ones, and those ending at or below
    ``zmin``, skipped), with (f, g) from :func:`_outer_factors` (``how``), m_p and w_p the
    panel's midpoint and half-width and (X_i, W_i) the QN-node Gauss-Legendre rule.
    """
    acc = 0.0
    for p in range(n - 1):
        a = bp[p]
        b = bp[p + 1]
        if b <= a or b <= zmin:
            continue
        hw = 0.5 * (b - a)
        mid = 0.5 * (a + b)
        part = 0.0
        for i in range(QN):
            z = mid + hw * GL_X[i]
            u, v = _outer_factors(how, code, fkind, z, mu1, s1, mu2, beta, s2, analytic, bpi)
            part += GL_W[i] * u * v * math.exp(-0.5 * z * z)
        acc += hw * part
    return acc * INV_SQRT2PI


@njit(cache=True)
def q2_quad(code, fkind, mu1, mu2, v1, v2, c):
    """E[f(h1) f(h2)] by nested quadrature (condition on h1), any built-in code."""
    if v1 == 0.0:
        return _fval(code, fkind, mu1) * q1_quad(code, fkind, mu2, v2)
    analytic = code != RELU and code != USER
    s1, beta, s2 = _cond(mu1, mu2, v1, v2, c)
    bpo = np.empty(MAXBP)
    bpi = np.empty(MAXBP)
    zb = -mu2 / beta if beta != 0.0 else math.inf
    n = _layout(bpo, -mu1 / s1, QD0 / s1, zb, _outer_scale(beta, s2, analytic))
    return _gl_outer(bpo, n, _MINUS_INF, OUT_COND, code, fkind, mu1, s1, mu2, beta, s2, analytic, bpi)


@njit(cache=True)
def erf_q_Phi(mu1, mu2, v1, v2, c):
    """E[Phi(h1) Phi(h2)], phi = erf-type: outer quadrature of Phi(h1) E[Phi(h2) | h1].

    The inner conditional expectation is the closed form
    E[Phi(h)] = m erf(a m / sqrt(k)) + sqrt(k) exp(-a^2 m^2 / k) / (a sqrt(pi)), k = 1 + 2 a^2 s^2.
    """
    if v1 == 0.0:
        return _erf_prim(mu1) * _erf_e1(F_PRIM, mu2, v2)
    s1, beta, s2 = _cond(mu1, mu2, v1, v2, c)
    bpo = np.empty(MAXBP)
    zb = -mu2 / beta if beta != 0.0 else math.inf
    n = _layout(bpo, -mu1 / s1, QD0 / s1, zb, _outer_scale(beta, s2, True))
    return _gl_outer(bpo, n, _MINUS_INF, OUT_ERF_PRIM, ERF, F_PRIM, mu1, s1, mu2, beta, s2, True, bpo)


@njit(cache=True)
def q2(code, fkind, mu1, mu2, v1, v2, c):
    """E[f(h1) f(h2)], f in {F_PHI, F_DPHI, F_PRIM}: best method for each code."""
    if code == RELU:
        if fkind == F_PHI:
            return relu_q_phi(mu1, mu2, v1, v2, c)
        if fkind == F_DPHI:
            return relu_q_dphi(mu1, mu2, v1, v2, c)
        return relu_q_Phi(mu1, mu2, v1, v2, c)
    if code == ERF:
        if fkind == F_PHI:
            return erf_q_phi(mu1, mu2, v1, v2, c)
        if fkind == F_DPHI:
            return erf_q_dphi(mu1, mu2, v1, v2, c)
        return erf_q_Phi(mu1, mu2, v1, v2, c)
    if code == LINEAR:
        if fkind == F_PHI:
            return mu1 * mu2 + c
        if fkind == F_DPHI:
            return 1.0
        return 0.25 * ((mu1 * mu1 + v1) * (mu2 * mu2 + v2) + 2.0 * c * c + 4.0 * mu1 * mu2 * c)
    return q2_quad(code, fkind, mu1, mu2, v1, v2, c)


# ---------------------------------------------------------------- loops over arrays

def _q1_array(code, fkind, mu, var, out):
    """out[i] = q1(code, fkind, mu[i], var[i]) for 1-D arrays."""
    for i in range(out.shape[0]):
        out[i] = q1(code, fkind, mu[i], var[i])
    return out


def _q2_array(code, fkind, mu1, mu2, v1, v2, c, out):
    """out[i] = q2(code, fkind, mu1[i], mu2[i], v1[i], v2[i], c[i]) for 1-D arrays."""
    for i in range(out.shape[0]):
        out[i] = q2(code, fkind, mu1[i], mu2[i], v1[i], v2[i], c[i])
    return out


q1_array = njit(cache=True)(_q1_array)
q2_array = njit(cache=True)(_q2_array)


@njit(cache=True)
def bvn_cdf_array(x1, x2, rho, out):
    """out[i] = bvn_cdf(x1[i], x2[i], rho[i]) for 1-D arrays."""
    for i in range(out.shape[0]):
        out[i] = bvn_cdf(x1[i], x2[i], rho[i])
    return out


# ---------------------------------------------------------------- user pairs

class UserKernels:
    """Gaussian-integral kernels of one user pair (see :func:`user_kernels`): ``fval``,
    ``q1_quad``, ``q2_quad``, ``q1_array``, ``q2_array`` (call them with the code USER)."""

    def __init__(self, ns):
        for name in ("_fval", "q1_quad", "q2_quad", "q1_array", "q2_array"):
            setattr(self, name.lstrip("_"), ns[name])


_USER_CACHE = {}


def user_kernels(phi, dphi, Phi=None):
    r"""Quadrature kernels for a user pair :math:`(\phi, \phi')` and optional primitive :math:`\Phi`.

    The chain ``_q1_quad_core``, ``q1_quad``, ``q2_quad`` and the array loops is cloned with
    ``_fval`` bound to :func:`meanfield._transfer.user_fval` (``q1``/``q2`` bound to the
    quadratures: a user pair has no closed form), compiled on first use without the disk cache
    and kept for the process.  With the code USER the quadrature skips the Gauss-Hermite
    shortcut (a user :math:`\phi` may have a kink).
    """
    key = (phi, dphi, Phi)
    if key in _USER_CACHE:
        return _USER_CACHE[key]
    ns = dict(globals())
    ns["_fval"] = user_fval(phi, dphi, Phi)
    for name in ("_q1_quad_core", "_outer_factors", "_gl_outer", "q1_quad", "q2_quad"):
        ns[name] = njit(clone(globals()[name].py_func, ns))
    ns["q1"] = ns["q1_quad"]
    ns["q2"] = ns["q2_quad"]
    ns["q1_array"] = njit(clone(_q1_array, ns))
    ns["q2_array"] = njit(clone(_q2_array, ns))
    uk = UserKernels(ns)
    _USER_CACHE[key] = uk
    return uk
