r"""Mehler's series of Gaussian kernels: the one home of its coefficients (private Numba kernels).

For jointly Gaussian :math:`(h_t, h_s)` with means :math:`m_t, m_s`, standard deviations
:math:`\sigma_t, \sigma_s` and correlation ρ (Mehler's formula),

.. math::

    E[f(h_t) f(h_s)] = \sum_{n\ge0} c_n(t)\,c_n(s)\,\rho^n,\qquad
    c_n = E[f(m + \sigma Z)\,He_n(Z)]/\sqrt{n!} = \sum_j W_{nj} f(m + \sigma z_j),

with the trapezoid weights :math:`W_{nj}` of :func:`hermite_weights` (nodes z_j = j MH,
|z| <= ML; spectrally accurate for analytic f).  :func:`_coef_fill` computes the coefficients
(with a Parseval stopping rule, a trapezoid trust check and Cauchy-Schwarz tail bounds) and
:func:`_mehler` sums a cell.  Used by the stationary DMFT
(:func:`meanfield.dmft._stationary_kernels.mehler_coefficients`, tanh) and by the two-time
DMFT's cells (:mod:`meanfield.dmft._ns_kernels`, tanh and user pairs, which re-bind ``_fv``
through :func:`meanfield._transfer.clone`).
"""
import math

import numpy as np
from numba import njit

from .. import _gauss_kernels as GK

F_PHI = GK.F_PHI

# coefficient status of one time point
COEF_OK, COEF_TRUNCATED, COEF_UNTRUSTED = 0, 1, 2

SER_TOL = 1e-14     # series truncation bound of a cell, relative to sqrt(E[f_t^2] E[f_s^2])
REST_TOL = 5e-15    # coefficients stop once E[f^2] - sum c_n^2 <= REST_TOL E[f^2]
TRAP_TOL = 1e-13    # step-h vs step-2h trapezoid mismatch of E[f], E[f^2] above which c_n are not trusted

_fv = GK._fval      # f(code, fkind, x); a user pair re-binds it in a clone

# Mehler coefficients: trapezoid nodes z = j MH, |z| <= ML (e^{-ML^2/4} ~ 4e-25)
MH = 0.04
ML = 15.0
N_MAX = 1600

_W = []


def hermite_weights():
    """W[n, j] = MH phi(z_j) He_n(z_j) / sqrt(n!) through Hermite functions (no overflow)."""
    if not _W:
        J = int(round(ML / MH))
        z = MH * np.arange(-J, J + 1.0)      # exact spacing (np.arange(-L, L, h) drifts)
        sq = np.exp(-0.25 * z * z) / (2.0 * math.pi) ** 0.25
        P = np.empty((N_MAX + 1, z.size))
        P[0] = sq
        P[1] = z * sq
        for n in range(1, N_MAX):
            P[n + 1] = (z * P[n] - math.sqrt(n) * P[n - 1]) / math.sqrt(n + 1.0)
        P *= MH * sq
        _W.append((z, P))
    return _W[0]


@njit(cache=True)
def _row_dot(W, i, f, m):
    """W[i, :m] @ f[:m] with four interleaved partial sums (instruction-level parallelism)."""
    m4 = m - m % 4
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    for j in range(0, m4, 4):
        s0 += W[i, j] * f[j]
        s1 += W[i, j + 1] * f[j + 1]
        s2 += W[i, j + 2] * f[j + 2]
        s3 += W[i, j + 3] * f[j + 3]
    for j in range(m4, m):
        s0 += W[i, j] * f[j]
    return (s0 + s1) + (s2 + s3)


def _neumaier(s, comp, x):
    """Compensated summation step: returns (s + x, running compensation)."""
    t = s + x
    if abs(s) >= abs(x):
        comp += (s - t) + x
    else:
        comp += (x - t) + s
    return t, comp


def _coef_fill(code, fkind, m, s, Z, W, n0, nmin, ncap, fz, cf, tl):
    r"""Mehler coefficients of f = phi or phi' (fkind) at h = m + s Z:

    .. math:: c_n = E[f(m + sZ)\,He_n(Z)]/\sqrt{n!} = \sum_j W_{nj} f(m + s z_j)

    (trapezoid rule, W from :func:`hermite_weights`).  The need is the
    first n with :math:`r_n = E[f^2] - \sum_{k<n} c_k^2 \le` REST_TOL E[f^2] (Parseval);
    rows are computed up to N = max(need, nmin) <= ncap, continuing after the n0 rows already
    in cf.  tl[n] = sqrt(sum_{k=n}^{N-1} c_k^2 + max(r_N, 0) + REST_TOL E[f^2]) bounds the
    tail sum_{k>=n} c_k^2 (Cauchy-Schwarz in the cells); the floor covers the rounding of r_N.
    The rule is trusted if the step-2h sums of E[f], E[f^2] agree to TRAP_TOL.

    Returns (N, need, status): COEF_OK, COEF_TRUNCATED (ncap reached first) or COEF_UNTRUSTED
    (then N = -1)."""
    nz = Z.shape[0]
    J = nz // 2
    e1 = 0.0
    e2 = 0.0
    e2c = 0.0
    e1h = 0.0
    e2h = 0.0
    for j in range(nz):
        f = _fv(code, fkind, m + s * Z[j])
        fz[j] = f
        w = W[0, j]
        e1 += w * f
        e2, e2c = _neumaier(e2, e2c, w * f * f)
        if (j - J) % 2 == 0:
            e1h += w * f
            e2h += w * f * f
    e2 += e2c
    e1h *= 2.0
    e2h *= 2.0
    if not (abs(e1 - e1h) <= TRAP_TOL * math.sqrt(e2) and abs(e2 - e2h) <= TRAP_TOL * e2):
        return -1, ncap, COEF_UNTRUSTED
    lim = REST_TOL * e2
    ss = 0.0
    ssc = 0.0
    need = -1
    for k in range(n0):
        ss, ssc = _neumaier(ss, ssc, cf[k] * cf[k])
        if need < 0 and (e2 - ss) - ssc <= lim:
            need = k + 1
    if e2 <= lim:
        need = 0
    n = n0
    rest = (e2 - ss) - ssc
    while n < ncap and (rest > lim or n < nmin):
        c = _row_dot(W, n, fz, nz)
        cf[n] = c
        ss, ssc = _neumaier(ss, ssc, c * c)
        rest = (e2 - ss) - ssc
        n += 1
        if need < 0 and rest <= lim:
            need = n
    acc = (rest if rest > 0.0 else 0.0) + lim
    tl[n] = math.sqrt(acc)
    for k in range(n - 1, -1, -1):
        acc += cf[k] * cf[k]
        tl[k] = math.sqrt(acc)
    if need < 0:
        return n, ncap, COEF_TRUNCATED
    return n, need, COEF_OK


def _mehler(ca, ta, na, cb, tb, nb, rho):
    r"""Mehler's formula :math:`E[f(h_t) f(h_s)] = \sum_n c_n(t) c_n(s) \rho^n`, summed until the
    tail bound :math:`|\rho|^n t_a[n] t_b[n] \le` SER_TOL ta[0] tb[0].  Returns (sum, converged)."""
    if na <= 0 or nb <= 0:
        return 0.0, False
    tol = SER_TOL * ta[0] * tb[0]
    nl = na if na < nb else nb
    s = 0.0
    p = 1.0
    for n in range(nl):
        s += ca[n] * cb[n] * p
        p *= rho
        if abs(p) * ta[n + 1] * tb[n + 1] <= tol:
            return s, True
    return s, False


RAW = (_neumaier, _coef_fill, _mehler)       # plain Python (cloned for user pairs)
_neumaier = njit(cache=True)(_neumaier)
_coef_fill = njit(cache=True)(_coef_fill)
_mehler = njit(cache=True)(_mehler)
