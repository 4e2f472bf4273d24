r"""Private Numba kernels of the stationary DMFT (:mod:`meanfield.dmft.stationary`).

Kernel functions of the covariance c at fixed mean m and variance v (equal for both times):
:math:`q_\phi(c)`, :math:`q_{\phi'}(c)` and :math:`\langle\Phi\Phi\rangle(c)`.  Two backends:

* ``KIND_Q2``: the scalar kernels of :mod:`meanfield._gauss_kernels` (closed forms for ReLU,
  erf, linear; nested quadrature for tanh), one call per c.
* ``KIND_MEHLER`` (tanh, moderate v): Mehler's expansion in :math:`\rho = c/v`,

  .. math::

      q_\phi(c) = \sum_{n\ge0} b_n\rho^n,\quad b_n = c_n^2,\quad
      c_n = E[\phi(m+\sigma Z)\,He_n(Z)]/\sqrt{n!},

  and by Stein's lemma (:math:`E[\Phi He_n] = \sigma E[\phi He_{n-1}]`) and Price's theorem
  :math:`q_{\phi'} = \partial_c q_\phi = v^{-1}\sum_n (n+1) b_{n+1}\rho^n`,
  :math:`\langle\Phi\Phi\rangle = E[\Phi]^2 + v\sum_{n\ge1} b_{n-1}\rho^n/n`.
  The :math:`c_n` come from one trapezoid sum over Hermite functions (spectrally accurate for
  the analytic tanh); :math:`b_n` decays like :math:`e^{-\pi\sqrt{n}/\sigma}`, so v up to ~8
  needs at most ``N_MAX`` terms.  Coefficient rows: ``cf[0] = b_n``,
  ``cf[1] = (n+1) b_{n+1}``, ``cf[2] = e_n^2``; ``tl`` holds their suffix sums (truncation
  bounds for |ρ| ≤ 1).

Also here: a DOP853 integrator (scipy's coefficients, step control and dense output) for the
homoclinic orbit :math:`\Delta'' = \Delta - g^2 q_\phi(\Delta)`, Clenshaw evaluation of
Chebyshev series, and the lowest eigenvalue of the cell-centred Schrödinger matrix by Sturm
counts and Newton steps on its scaled pivots (see :func:`lowest_eigenvalue`).
"""
import math

import numpy as np
from numba import njit

from .. import _gauss_kernels as GK
from .._transfer import TANH
from ._mehler_kernels import (MH, ML, N_MAX, F_PHI, _coef_fill, _row_dot,  # noqa: F401
                              hermite_weights, COEF_UNTRUSTED)

KIND_Q2, KIND_MEHLER = 0, 1

MEHLER_VMAX = 9.0          # above this the series needs more than N_MAX terms
MEHLER_TAIL = 1e-16        # accept if the last eighth of (n b_n) is below this fraction
_hermite_weights = hermite_weights


def mehler_coefficients(m, v):
    """(cf, tl) of the tanh kernel at (m, v), or None if the series would be too long.

    The :math:`c_n` come from :func:`._mehler_kernels._coef_fill` (the one coefficient routine of
    the package; here exactly N + 1 of them), the rows and bounds as in the module docstring."""
    if not (0.0 < v <= MEHLER_VMAX):
        return None
    z, W = _hermite_weights()
    fz = np.empty(z.size)
    for N in (min(N_MAX, int(100 + 200 * v)), N_MAX):
        c, tc = np.empty(N + 1), np.empty(N + 2)
        n, _, st = _coef_fill(TANH, F_PHI, float(m), math.sqrt(v), z, W, 0, N + 1, N + 1, fz, c, tc)
        if st == COEF_UNTRUSTED:
            return None
        b = c * c
        nb = np.arange(N + 1.0) * b
        tot = nb.sum()
        if nb[N - N // 8:].sum() <= MEHLER_TAIL * tot:
            break
    else:
        return None
    cf = np.zeros((3, N + 1))
    cf[0] = b
    cf[1, :N] = nb[1:]
    cf[2, 0] = GK.q1(TANH, GK.F_PRIM, m, v) ** 2
    cf[2, 1:] = v * b[:N] / np.arange(1.0, N + 1.0)
    tl = np.cumsum(np.abs(cf[:, ::-1]), axis=1)[:, ::-1].copy()
    return cf, tl


# ---------------------------------------------------------------- kernel evaluation

@njit(cache=True)
def _series(cf, tl, k, rho):
    """sum_n cf[k, n] rho^n, stopped once the remainder bound |rho|^n tl[k, n] is negligible."""
    s = 0.0
    p = 1.0
    N = cf.shape[1]
    for n in range(N):
        s += cf[k, n] * p
        p *= rho
        if n + 1 < N and abs(p) * tl[k, n + 1] <= 1e-18 * abs(s) + 1e-300:
            break
    return s


@njit(cache=True)
def kval(kind, code, m, v, cf, tl, which, c):
    """which = 0: q_phi(c); 1: q_phi'(c); 2: <Phi Phi>(c); c clipped to [-v, v]."""
    if c > v:
        c = v
    elif c < -v:
        c = -v
    if kind == KIND_MEHLER:
        s = _series(cf, tl, which, c / v)
        return s / v if which == 1 else s
    fk = GK.F_PHI if which == 0 else (GK.F_DPHI if which == 1 else GK.F_PRIM)
    return GK.q2(code, fk, m, m, v, v, c)


@njit(cache=True)
def kvals(kind, code, m, v, cf, tl, which, c, out):
    """out[i] = kval(..., which, c[i]) for a 1-D array c; returns out."""
    for i in range(c.shape[0]):
        out[i] = kval(kind, code, m, v, cf, tl, which, c[i])
    return out


@njit(cache=True)
def kernel_values(kind, code, m, v, cf, tl, c, q, qd, PP):
    """q_phi(c), q_phi'(c) and <Phi Phi>(c) on a 1-D array c at fixed (m, v) (outputs preallocated)."""
    for i in range(c.shape[0]):
        q[i] = kval(kind, code, m, v, cf, tl, 0, c[i])
        qd[i] = kval(kind, code, m, v, cf, tl, 1, c[i])
        PP[i] = kval(kind, code, m, v, cf, tl, 2, c[i])


@njit(cache=True)
def cheb_eval(coef, a, b, x, out):
    """Chebyshev series on the domain [a, b] at the points x (numpy's chebval order of operations)."""
    scl = 2.0 / (b - a)
    off = -(a + b) / (b - a)
    n = coef.shape[0]
    for i in range(x.shape[0]):
        t = off + scl * x[i]
        if n == 1:
            out[i] = coef[0]
            continue
        c0 = coef[n - 2]
        c1 = coef[n - 1]
        t2 = 2.0 * t
        for k in range(3, n + 1):
            tmp = c0
            c0 = coef[n - k] - c1
            c1 = tmp + c1 * t2
        out[i] = c0 + c1 * t
    return out


# ---------------------------------------------------------------- orbit: DOP853

@njit(cache=True)
def _rhs(kind, code, m, v, cf, tl, g2, y0, y1, out):
    out[0] = y1
    out[1] = y0 - g2 * kval(kind, code, m, v, cf, tl, 0, min(y0, v))


@njit(cache=True)
def _dense(t_old, h, y_old, F, j, s):
    """Component j of scipy's Dop853DenseOutput at s."""
    x = (s - t_old) / h
    y = 0.0
    for i in range(F.shape[0]):
        y += F[F.shape[0] - 1 - i, j]
        if i % 2 == 0:
            y *= x
        else:
            y *= 1.0 - x
    return y + y_old[j]


@njit(cache=True)
def _stages(s0, s1, K, A, h, y, kind, code, m, v, cf, tl, g2, ys):
    """Runge-Kutta stages K[s] = f(y + h sum_j A[s, j] K[j]) for s0 <= s < s1."""
    for s in range(s0, s1):
        a0 = 0.0
        a1 = 0.0
        for j in range(s):
            a0 += K[j, 0] * A[s, j]
            a1 += K[j, 1] * A[s, j]
        _rhs(kind, code, m, v, cf, tl, g2, y[0] + a0 * h, y[1] + a1 * h, ys)
        K[s, 0] = ys[0]
        K[s, 1] = ys[1]


@njit(cache=True)
def orbit_dop853(kind, code, m, v, cf, tl, g2, ya, yb, t_bound, rtol, atol, tab, max_steps):
    r"""Integrate y = (Delta, Delta') with y' = (y1, y0 - g^2 q(min(y0, v))) from s = 0 until
    y1 falls through 0 (the turning point), as scipy's DOP853 with ``dense_output=True``.

    Returns (status, n, t_old, hs, y_old, F, s_end, delta_end, nfev): status 1 = turning point
    found, 0 = t_bound reached, -1 = step size underflow; segment k covers
    [t_old[k], t_old[k] + hs[k]] with dense-output coefficients F[k] (7 x 2).  ``tab`` is the
    record (A, B, C, E3, E5, D) of scipy's DOP853 tables.
    """
    A, B, C, E3, E5, D = tab
    K = np.zeros((16, 2))
    t_old = np.empty(max_steps)
    hs = np.empty(max_steps)
    y_old = np.empty((max_steps, 2))
    F = np.empty((max_steps, 7, 2))
    y = np.array([ya, yb])
    f = np.empty(2)
    _rhs(kind, code, m, v, cf, tl, g2, y[0], y[1], f)
    nfev = 1
    # initial step (scipy select_initial_step, error estimator order 7)
    sc0 = atol + abs(y[0]) * rtol
    sc1 = atol + abs(y[1]) * rtol
    d0 = math.sqrt(0.5 * ((y[0] / sc0) ** 2 + (y[1] / sc1) ** 2))
    d1 = math.sqrt(0.5 * ((f[0] / sc0) ** 2 + (f[1] / sc1) ** 2))
    h0 = 1e-6 if (d0 < 1e-5 or d1 < 1e-5) else 0.01 * d0 / d1
    h0 = min(h0, t_bound)
    f1 = np.empty(2)
    _rhs(kind, code, m, v, cf, tl, g2, y[0] + h0 * f[0], y[1] + h0 * f[1], f1)
    nfev += 1
    d2 = math.sqrt(0.5 * (((f1[0] - f[0]) / sc0) ** 2 + ((f1[1] - f[1]) / sc1) ** 2)) / h0
    if d1 <= 1e-15 and d2 <= 1e-15:
        h1 = max(1e-6, h0 * 1e-3)
    else:
        h1 = (0.01 / max(d1, d2)) ** (1.0 / 8.0)
    h_abs = min(100.0 * h0, h1, t_bound)
    t = 0.0
    n = 0
    status = 0
    s_end = 0.0
    d_end = 0.0
    yn = np.empty(2)
    fn = np.empty(2)
    ys = np.empty(2)
    while True:
        min_step = 10.0 * max(abs(t) * 2.220446049250313e-16, 5e-324)
        if h_abs < min_step:
            h_abs = min_step
        rejected = False
        while True:
            if h_abs < min_step:
                return -1, n, t_old, hs, y_old, F, t, y[0], nfev
            t_new = t + h_abs
            if t_new > t_bound:
                t_new = t_bound
            h = t_new - t
            h_abs = abs(h)
            K[0, 0] = f[0]
            K[0, 1] = f[1]
            _stages(1, 12, K, A, h, y, kind, code, m, v, cf, tl, g2, ys)
            a0 = 0.0
            a1 = 0.0
            for j in range(12):
                a0 += K[j, 0] * B[j]
                a1 += K[j, 1] * B[j]
            yn[0] = y[0] + h * a0
            yn[1] = y[1] + h * a1
            _rhs(kind, code, m, v, cf, tl, g2, yn[0], yn[1], fn)
            nfev += 12
            K[12, 0] = fn[0]
            K[12, 1] = fn[1]
            e5n = 0.0
            e3n = 0.0
            for i in range(2):
                sc = atol + max(abs(y[i]), abs(yn[i])) * rtol
                e5 = 0.0
                e3 = 0.0
                for j in range(13):
                    e5 += K[j, i] * E5[j]
                    e3 += K[j, i] * E3[j]
                e5n += (e5 / sc) ** 2
                e3n += (e3 / sc) ** 2
            if e5n == 0.0 and e3n == 0.0:
                en = 0.0
            else:
                en = h_abs * e5n / math.sqrt((e5n + 0.01 * e3n) * 2.0)
            if en < 1.0:
                factor = 10.0 if en == 0.0 else min(10.0, 0.9 * en ** (-1.0 / 8.0))
                if rejected:
                    factor = min(1.0, factor)
                h_abs *= factor
                break
            h_abs *= max(0.2, 0.9 * en ** (-1.0 / 8.0))
            rejected = True
        if n >= max_steps:
            return -1, n, t_old, hs, y_old, F, t, y[0], nfev
        # dense output: three extra stages
        _stages(13, 16, K, A, h, y, kind, code, m, v, cf, tl, g2, ys)
        nfev += 3
        for i in range(2):
            dy = yn[i] - y[i]
            F[n, 0, i] = dy
            F[n, 1, i] = h * f[i] - dy
            F[n, 2, i] = 2.0 * dy - h * (fn[i] + f[i])
            for r in range(4):
                a0 = 0.0
                for j in range(16):
                    a0 += D[r, j] * K[j, i]
                F[n, 3 + r, i] = h * a0
        t_old[n] = t
        hs[n] = h
        y_old[n, 0] = y[0]
        y_old[n, 1] = y[1]
        n += 1
        if y[1] >= 0.0 and yn[1] <= 0.0:
            # turning point: bisect the dense output of Delta' (scipy: brentq, xtol = rtol = 4 eps)
            lo = t
            hi = t_new
            while hi - lo > 8.881784197001252e-16 * (1.0 + abs(hi)):
                mid = 0.5 * (lo + hi)
                if _dense(t, h, y_old[n - 1], F[n - 1], 1, mid) > 0.0:
                    lo = mid
                else:
                    hi = mid
            s_end = 0.5 * (lo + hi)
            d_end = _dense(t, h, y_old[n - 1], F[n - 1], 0, s_end)
            status = 1
            break
        t = t_new
        y[0] = yn[0]
        y[1] = yn[1]
        f[0] = fn[0]
        f[1] = fn[1]
        if t >= t_bound:
            break
    return status, n, t_old, hs, y_old, F, s_end, d_end, nfev


@njit(cache=True)
def dense_eval(t_old, hs, y_old, F, n, s, j, out):
    """Component j of the piecewise dense output at the points s (segment by binary search)."""
    for i in range(s.shape[0]):
        x = s[i]
        lo = 0
        hi = n - 1
        while lo < hi:                        # last segment with t_old <= x
            mid = (lo + hi + 1) // 2
            if t_old[mid] <= x:
                lo = mid
            else:
                hi = mid - 1
        out[i] = _dense(t_old[lo], hs[lo], y_old[lo], F[lo], j, x)
    return out


# ---------------------------------------------------------------- Schroedinger ground state

@njit(cache=True)
def _sweep(U, h, odd, x, r, dr, sb, dsb, twist, neumann_end=False):
    r"""Scaled pivots of A = h^2 (T - x), T = -d2/dtau2 + U on cells (j+1/2) h.

    A has diagonal 2 + a_j, a_j = h^2 (U_j - x) (first entry shifted by -1 (even: Neumann)
    or +1 (odd: Dirichlet)) and off-diagonal -1.  Forward pivots 1 + r_j and backward pivots
    1 + s_j obey

    .. math:: r_j = a_j + rac{r_{j-1}}{1 + r_{j-1}},\qquad s_j = a_j + rac{s_{j+1}}{1 + s_{j+1}}

    (r_0 = a_0 + 0 | 2, s_{M-1} = a_{M-1} + 1, s_0 gets -1 | +1): no 2/h^2 - 1/h^2
    cancellation, so rounding acts like a perturbation of U by ~eps |r| / h^2
    (|r| ~ h sqrt|U - x|) instead of eps / h^2.  Returns the Sturm count (negative forward
    pivots = eigenvalues of T below x) and, if ``twist``, the twisted pivot
    gamma_k = r_k + s_k - a_k (= 1/[(A - x)^{-1}]_kk) of smallest modulus with its
    x-derivative.  Both recursions run in one loop (independent division chains).
    """
    M = U.shape[0]
    h2 = h * h
    cnt = 0
    rj = 0.0
    drj = 0.0
    sj = 0.0
    dsj = 0.0
    for i in range(M):
        # forward index i
        a = h2 * (U[i] - x)
        if i == 0:
            rj = a + (2.0 if odd else 0.0)
            drj = -h2
        else:
            ia = 1.0 / (1.0 + rj)
            drj = -h2 + drj * ia * ia
            rj = a + rj * ia
        if neumann_end and i == M - 1:
            rj -= 1.0                  # Neumann at L: last diagonal 1 + a (Dirichlet: 2 + a)
        if rj == -1.0:
            rj = -1.0 - 1e-300
        if rj < -1.0:
            cnt += 1
        r[i] = rj
        dr[i] = drj
        if twist:
            j = M - 1 - i
            b = h2 * (U[j] - x)
            if i == 0:
                sj = b + (0.0 if neumann_end else 1.0)
                dsj = -h2
            else:
                ib = 1.0 / (1.0 + sj)
                dsj = -h2 + dsj * ib * ib
                sj = b + sj * ib
            if j == 0:
                sj += 1.0 if odd else -1.0
            if sj == -1.0:
                sj = -1.0 - 1e-300
            sb[j] = sj
            dsb[j] = dsj
    if not twist:
        return cnt, 0.0, 0.0, 0.0
    best = math.inf
    gk = 0.0
    dgk = 0.0
    ek = 0.0
    for k in range(M):
        if k == 0:
            # gamma_0 = b_0 = a_0 + (0 | 2) + s_1/(1 + s_1), without the 1 + s_0 cancellation
            a = h2 * (U[0] - x)
            p = 2.0 if odd else 0.0
            if M > 1:
                ib = 1.0 / (1.0 + sb[1])
                g = a + p + sb[1] * ib
                dg = -h2 + dsb[1] * ib * ib
                e = abs(a) + p + abs(sb[1] * ib)
            else:
                q = 0.0 if neumann_end else 1.0
                g = a + p + q
                dg = -h2
                e = abs(a) + p + q
        elif k == M - 1:
            g = 1.0 + r[M - 1]
            dg = dr[M - 1]
            e = 1.0 + abs(r[M - 1])
        else:
            a = h2 * (U[k] - x)
            g = r[k] + sb[k] - a
            dg = dr[k] + dsb[k] + h2
            e = abs(r[k]) + abs(sb[k]) + abs(a)
        if abs(g) < best:
            best = abs(g)
            gk = g
            dgk = dg
            ek = e
    return cnt, gk, dgk, 64.0 * 2.220446049250313e-16 * ek


@njit(cache=True)
def lowest_eigenvalue(U, h, odd, guess, neumann_end=False):
    """Lowest eigenvalue of the cell-centred -d2/dtau2 + U (Dirichlet at L, or Neumann if
    ``neumann_end``; Neumann (even) or Dirichlet (odd) at 0): Sturm counts bracket it (it lies
    above min U), Newton steps on the twisted pivot gamma_k (~ h^2 (E - x) / psi_k^2 near the
    eigenvector's peak k) converge to it, safeguarded by the bracket; a count confirms that no
    eigenvalue lies below."""
    M = U.shape[0]
    r = np.empty(M)
    dr = np.empty(M)
    sb = np.empty(M)
    dsb = np.empty(M)
    lo = U.min()          # T - x is positive definite below min U (the Laplacian part is)
    x = guess if (guess == guess and guess > lo) else lo + 1.0
    hi = math.inf
    c_hi = -1
    for _ in range(400):
        c, g, dg, ge = _sweep(U, h, odd, x, r, dr, sb, dsb, True, neumann_end)
        if c == 0:
            lo = x
        else:
            hi = x
            c_hi = c
        done = c <= 1 and abs(g) <= ge
        if c <= 1 and dg < 0.0:
            xn = x - g / dg
        else:
            xn = 0.5 * (lo + hi) if hi < math.inf else lo + 2.0 * (x - lo)
        if not (lo <= xn <= hi):
            xn = 0.5 * (lo + hi) if hi < math.inf else lo + 2.0 * (x - lo)
        tol = 4.440892098500626e-16 * max(1.0, abs(x))
        if done or abs(xn - x) <= tol or hi - lo <= tol:
            cand = x if done else xn
            if c_hi == 1 and lo <= cand <= hi:
                return cand
            dlt = 1e-9 * max(1.0, abs(cand))
            c2 = _sweep(U, h, odd, cand + dlt, r, dr, sb, dsb, False, neumann_end)[0]
            if c2 == 1:
                return cand
            if c2 == 0:
                lo = cand + dlt
            else:
                hi = cand - dlt                   # a lower eigenvalue exists: keep looking
                c_hi = -1
            xn = 0.5 * (lo + hi) if hi < math.inf else lo + 2.0 * (cand + dlt - lo)
        x = xn
    return x


# ---------------------------------------------------------------- balanced network (c0 = 1)

@njit(cache=True)
def _xf(code, g2, r, x):
    return g2 * GK.q2(code, GK.F_PHI, x, x, 1.0, 1.0, r) - r


@njit(cache=True)
def _brentq_x(code, g2, r, xa, xb, xtol, rtol, maxiter):
    """Root in x of g^2 q_phi(x; 1, r) - r on [xa, xb] (scipy's brentq.c, step for step);
    NaN without a sign change."""
    xpre = xa
    xcur = xb
    xblk = 0.0
    fblk = 0.0
    spre = 0.0
    scur = 0.0
    fpre = _xf(code, g2, r, xpre)
    fcur = _xf(code, g2, r, xcur)
    if fpre == 0.0:
        return xpre
    if fcur == 0.0:
        return xcur
    if (fpre < 0.0) == (fcur < 0.0):
        return math.nan
    for _ in range(maxiter):
        if fpre != 0.0 and fcur != 0.0 and ((fpre < 0.0) != (fcur < 0.0)):
            xblk = xpre
            fblk = fpre
            spre = scur = xcur - xpre
        if abs(fblk) < abs(fcur):
            xpre = xcur
            xcur = xblk
            xblk = xpre
            fpre = fcur
            fcur = fblk
            fblk = fpre
        delta = (xtol + rtol * abs(xcur)) / 2.0
        sbis = (xblk - xcur) / 2.0
        if fcur == 0.0 or abs(sbis) < delta:
            return xcur
        if abs(spre) > delta and abs(fcur) < abs(fpre):
            if xpre == xblk:
                stry = -fcur * (xcur - xpre) / (fcur - fpre)
            else:
                dpre = (fpre - fcur) / (xpre - xcur)
                dblk = (fblk - fcur) / (xblk - xcur)
                stry = -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre))
            if 2.0 * abs(stry) < min(abs(spre), 3.0 * abs(sbis) - delta):
                spre = scur
                scur = stry
            else:
                spre = sbis
                scur = sbis
        else:
            spre = sbis
            scur = sbis
        xpre = xcur
        fpre = fcur
        if abs(scur) > delta:
            xcur += scur
        else:
            xcur += delta if sbis > 0 else -delta
        fcur = _xf(code, g2, r, xcur)
    return xcur


@njit(cache=True)
def balanced_energy(code, g2, r):
    """(V(1) - V(r), x) at c0 = 1 for c_inf = r: x solves the saddle condition r = g^2 q_phi(x; 1, r)
    (x in [-40, 40], NaN if unbracketed), V(c) = -c^2/2 + g^2 <Phi Phi>(x; 1, c)."""
    x = _brentq_x(code, g2, r, -40.0, 40.0, 1e-15, 1e-15, 100)
    if x != x:
        return math.nan, x
    v1 = -0.5 + g2 * GK.q2(code, GK.F_PRIM, x, x, 1.0, 1.0, 1.0)
    vr = -0.5 * r * r + g2 * GK.q2(code, GK.F_PRIM, x, x, 1.0, 1.0, r)
    return v1 - vr, x
