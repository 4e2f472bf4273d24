"""Private Numba kernels of the non-stationary two-time DMFT (see :mod:`.nonstationary`).

One row of the band is the set c(n - d, n), d = 0..B.  Step n -> n + 1 (Euler map of step dt,
a = 1 - dt):

    c(n+1, n+1) = a^2 c(n, n) + 2 a dt r(n, n) + dt^2 [g^2 q(n, n) + X(0)]
    c(j, n+1)   = a c(j, n) + dt r(j, n)                        (j = n+1-d, d >= 1)
    r(j+1, n+1) = a r(j, n+1) + dt [g^2 q(j, n+1) + X(n+1-j)],  r = 0 at the band edge

with r(j, n) = <h~_j u_n>, u = eta + independent Gaussian input (covariance X(lag)); k, l obey
the same recursion with g^2 q_phi'(j, n) k(j, n) in place of g^2 q + X.  The mean follows the
backward-Euler step (stiff for large sqrt K):

    m_{n+1} (1 + dt) + dt sqrt(K) J0 nu(m_{n+1}, c_{n+1,n+1}) = m_n + dt [sqrt(K) I0 + I_{n+1}]

Independent sinusoids (random phase theta) add y_n(theta) = A sin(w t_n + theta + psi) to the
mean inside every Gaussian integral, averaged over theta on n_phase trapezoid nodes.

Every kernel is written once as plain Python and compiled at module level with ``cache=True``
for the built-in codes (serial and ``parallel=True``, which splits every row over threads).
"""
import math

import numpy as np
from numba import njit, prange

from .. import _gauss_kernels as GK
from .._kernels import RELU

F_PHI, F_DPHI, F_PHI2, F_DPHI2 = GK.F_PHI, GK.F_DPHI, GK.F_PHI2, GK.F_DPHI2
_EPS = 2.220446049250313e-16
TWO_PI = 2.0 * math.pi

T12_X, T12_W = np.polynomial.legendre.leggauss(12)

# status codes of _ns_integrate
OK, BAD_VARIANCE, BAD_MEAN, BAD_K = 0, 1, 2, 3


def _owens_t(h, a):
    """Owen's T(h, a): one 12-node Gauss-Legendre panel where |a| <= 1 and |h a| <= 3 (error
    < 1e-16: the integrand's nearest singularities are at x = +-i), else _gauss_kernels.owens_t."""
    aa = abs(a)
    hh = abs(h)
    if aa == 0.0 or aa > 1.0 or hh * aa > 3.0 or hh == 0.0:
        return GK.owens_t(h, a)
    half = 0.5 * aa
    q = 0.5 * hh * hh
    s = 0.0
    for i in range(12):
        x = half * (1.0 + T12_X[i])
        u = 1.0 + x * x
        s += T12_W[i] * math.exp(-q * u) / u
    s *= half * GK.INV_2PI
    return s if a > 0.0 else -s


def _bvn_terms(h, k, ah, ak, omr, opr):
    """_gauss_kernels._bvn_terms (Owen's formula) with the cheaper _owens_t."""
    if h == -math.inf or k == -math.inf:
        return 0.0, 0.0
    if h == math.inf or k == math.inf or omr == 0.0 or opr == 0.0 or (h == 0.0 and k == 0.0):
        return GK._bvn_terms(h, k, ah, ak, omr, opr)
    if h == 0.0:
        th = 0.25 if ah > 0.0 else (-0.25 if ah < 0.0 else 0.0)
    else:
        th = _owens_t(h, ah / h)
    if k == 0.0:
        tk = 0.25 if ak > 0.0 else (-0.25 if ak < 0.0 else 0.0)
    else:
        tk = _owens_t(k, ak / k)
    beta = 0.0
    if (h < 0.0 and k > 0.0) or (h > 0.0 and k < 0.0) or ((h == 0.0 or k == 0.0) and h + k < 0.0):
        beta = 0.5
    ph = GK._ncdf(h)
    pk = GK._ncdf(k)
    p = 0.5 * (ph + pk) - th - tk - beta
    mag = 0.5 * (ph + pk) + abs(th) + abs(tk) + beta
    lo = ph + pk - 1.0
    if lo < 0.0:
        lo = 0.0
    hi = min(ph, pk)
    return min(max(p, lo), hi), mag


def _relu_pair(mu1, mu2, v1, v2, c):
    """(q_phi, q_phi') for ReLU sharing one Phi2: q_phi' = Phi2(x1, x2; rho) and
    q_phi = I11 = mu1 I01 + c Phi2 + s1 f1 M1(21), I01 = mu2 Phi2 + s2 f2 M0(12) + (c/s1) f1 M0(21)
    (see _gauss_kernels._relu_moments); quadrature fallback where the terms cancel."""
    if v1 == 0.0 or v2 == 0.0:
        return (GK._relu_e1(F_PHI, mu1, v1) * GK._relu_e1(F_PHI, mu2, v2),
                GK._relu_e1(F_DPHI, mu1, v1) * GK._relu_e1(F_DPHI, mu2, v2))
    s1, s2, x1, x2, D, sqD, t21, t12, omr, opr, n21, n12 = GK._pre(mu1, mu2, v1, v2, c)
    P, magP = _bvn_terms(x1, x2, t21, t12, omr, opr)
    eP = 4.0 * _EPS * magP
    m21 = n21 / v1
    s21 = sqD / s1
    m12 = n12 / v2
    s12 = sqD / s2
    a0, a1, a2 = GK._trunc_m(m21, s21, t21)
    b0, b1, b2 = GK._trunc_m(m12, s12, t12)
    ma1 = abs(m21) * a0 + abs(a1 - m21 * a0)
    f1 = GK._npdf(x1)
    f2 = GK._npdf(x2)
    cs1 = c / s1
    u = mu2 * P
    I01 = u + s2 * f2 * b0 + cs1 * f1 * a0
    e01 = 3.0 * _EPS * (abs(u) + s2 * f2 * b0 + abs(cs1) * f1 * a0) + abs(mu2) * eP
    u = mu1 * I01
    I11 = u + c * P + s1 * f1 * a1
    e11 = (3.0 * _EPS * (abs(u) + abs(c) * P + s1 * f1 * ma1)
           + abs(mu1) * e01 + abs(c) * eP + s1 * f1 * _EPS * ma1)
    if e11 > GK.RELU_RTOL * abs(I11):
        I11 = GK._relu_semi(F_PHI, mu1, mu2, v1, v2, c)
    if eP > GK.RELU_RTOL * P:
        P = GK._relu_semi(F_DPHI, mu1, mu2, v1, v2, c)
    return I11, P


def _cell(code, quad, m1, m2, v1, v2, c, want_d):
    """(q_phi, q_phi') at one (t, s) cell; quad: force the quadrature path."""
    if quad:
        qd = GK.q2_quad(code, F_DPHI, m1, m2, v1, v2, c) if want_d else 0.0
        return GK.q2_quad(code, F_PHI, m1, m2, v1, v2, c), qd
    if code == RELU:
        return _relu_pair(m1, m2, v1, v2, c)
    qd = GK.q2(code, F_DPHI, m1, m2, v1, v2, c) if want_d else 0.0
    return GK.q2(code, F_PHI, m1, m2, v1, v2, c), qd


def _one(code, quad, fkind, m, v):
    if quad:
        return GK.q1_quad(code, fkind, m, v)
    return GK.q1(code, fkind, m, v)


def _cell_avg(code, quad, m1, m2, v1, v2, c, want_d, amp, arg1, arg2, nph):
    """_cell averaged over the phase of the independent sinusoid (nph = 0: none)."""
    if nph == 0:
        return _cell(code, quad, m1, m2, v1, v2, c, want_d)
    sp = 0.0
    sd = 0.0
    for k in range(nph):
        th = TWO_PI * k / nph
        p, d = _cell(code, quad, m1 + amp * math.sin(arg1 + th), m2 + amp * math.sin(arg2 + th),
                     v1, v2, c, want_d)
        sp += p
        sd += d
    return sp / nph, sd / nph


def _one_avg(code, quad, fkind, m, v, amp, arg, nph):
    if nph == 0:
        return _one(code, quad, fkind, m, v)
    s = 0.0
    for k in range(nph):
        s += _one(code, quad, fkind, m + amp * math.sin(arg + TWO_PI * k / nph), v)
    return s / nph


def _mean_step(code, quad, m_prev, v, rhs, dt, sKJ0, amp, arg, nph):
    """Solve G(m) = m (1 + dt) + dt sqrt(K) J0 nu(m, v) - rhs = 0 (safeguarded Newton).

    Returns (m, nu, iterations); iterations < 0 when it failed."""
    lo = -math.inf
    hi = math.inf
    m = m_prev
    nu = 0.0
    for it in range(200):
        nu = _one_avg(code, quad, F_PHI, m, v, amp, arg, nph)
        G = m * (1.0 + dt) + dt * sKJ0 * nu - rhs
        tol = 4.0 * _EPS * (abs(m) * (1.0 + dt) + dt * sKJ0 * abs(nu) + abs(rhs))
        if abs(G) <= tol:
            return m, nu, it
        if G > 0.0:
            hi = m
        else:
            lo = m
        dG = 1.0 + dt + dt * sKJ0 * _one_avg(code, quad, F_DPHI, m, v, amp, arg, nph)
        mn = m - G / dG
        if not (mn > lo and mn < hi):
            if lo > -math.inf and hi < math.inf:
                mn = 0.5 * (lo + hi)
            elif lo > -math.inf:
                mn = lo + 2.0 * (abs(lo) + 1.0)
            else:
                mn = hi - 2.0 * (abs(hi) + 1.0)
        if mn == m or (hi - lo) <= 4.0 * _EPS * max(abs(lo), abs(hi)):
            return mn, _one_avg(code, quad, F_PHI, mn, v, amp, arg, nph), it
        m = mn
    return m, nu, -1


def _ns_integrate(code, quad, g2, sKJ0, sKI0, dt, n_steps, B, drive, xcov, ph_amp, ph_omega, ph_arg0,
                  nph, c_init, m0, n_seed, do_k, stride, m_out, v_out, nu_out, logk_out, band_out, info):
    """Integrate m, c, r (and k, l from step n_seed if do_k) forward for n_steps steps.

    m_out, v_out: (n_steps + 1 + B,), entry B + n is step n (history j < 0 held at m0, c_init[0]).
    nu_out, logk_out: (n_steps + 1,); logk_out[n] = ln k(n, n) for n >= n_seed.
    band_out: (n_steps // stride + 1, B + 1), c(n - d, n) every stride steps.
    info (4,): failing step, max relative |c| / sqrt(v v') - 1 clipped (all steps), max Newton
    iterations, the same clip from step n_seed on (the part that enters k).
    Returns a status code (OK, BAD_VARIANCE, BAD_MEAN, BAD_K).
    """
    a = 1.0 - dt
    c_old = np.empty(B + 1)
    r_old = np.empty(B + 1)
    c_new = np.empty(B + 1)
    r_new = np.empty(B + 1)
    k_old = np.zeros(B + 1)
    l_old = np.zeros(B + 1)
    k_new = np.zeros(B + 1)
    l_new = np.zeros(B + 1)
    qp = np.empty(B + 1)
    qd = np.empty(B + 1)
    qp_old = np.empty(B + 1)
    qd_old = np.empty(B + 1)
    ph_a = np.empty(n_steps + 1 + B)
    for i in range(n_steps + 1 + B):
        ph_a[i] = ph_omega * (i - B) * dt + ph_arg0
        m_out[i] = m0
        v_out[i] = c_init[0]
    info[0] = -1.0
    info[1] = 0.0
    info[2] = 0.0
    info[3] = 0.0
    # row 0 from the initial history
    for d in range(B + 1):
        c_old[d] = c_init[d]
    v0 = c_init[0]
    nu_out[0] = _one_avg(code, quad, F_PHI, m0, v0, ph_amp, ph_a[B], nph)
    want0 = do_k and n_seed <= 0
    for d in prange(B + 1):
        qp_old[d], qd_old[d] = _cell_avg(code, quad, m0, m0, v0, v0, c_old[d], want0, ph_amp,
                                         ph_a[B - d], ph_a[B], nph)
    r_old[B] = 0.0
    for d in range(B, 0, -1):
        r_old[d - 1] = a * r_old[d] + dt * (g2 * qp_old[d] + xcov[d])
    logoff = 0.0
    if do_k and n_seed == 0:
        k_old[0] = 1.0
        logk_out[0] = 0.0
    row = 0
    if stride > 0:
        for d in range(B + 1):
            band_out[0, d] = c_old[d]
        row = 1
    for n in range(n_steps):
        n1 = n + 1
        i1 = B + n1
        # c row n+1 from row n
        cd = a * a * c_old[0] + 2.0 * a * dt * r_old[0] + dt * dt * (g2 * qp_old[0] + xcov[0])
        if not (cd > 0.0 and cd < math.inf):
            info[0] = n1
            return BAD_VARIANCE
        c_new[0] = cd
        for d in range(1, B + 1):
            c_new[d] = a * c_old[d - 1] + dt * r_old[d - 1]
        # mean: backward Euler
        rhs = m_out[i1 - 1] + dt * (sKI0 + drive[n1])
        mn, nun, its = _mean_step(code, quad, m_out[i1 - 1], cd, rhs, dt, sKJ0, ph_amp, ph_a[i1], nph)
        if its < 0 or not (abs(mn) < math.inf):
            info[0] = n1
            return BAD_MEAN
        if its > info[2]:
            info[2] = its
        m_out[i1] = mn
        v_out[i1] = cd
        nu_out[n1] = nun
        # clip |c| <= sqrt(v v') (rounding)
        for d in range(1, B + 1):
            lim = math.sqrt(v_out[i1 - d] * cd)
            x = c_new[d]
            if abs(x) > lim:
                rel = abs(x) / lim - 1.0
                if rel > info[1]:
                    info[1] = rel
                if n1 >= n_seed and rel > info[3]:
                    info[3] = rel
                c_new[d] = math.copysign(lim, x)
        want = do_k and n1 >= n_seed
        for d in prange(B + 1):
            j = i1 - d
            qp[d], qd[d] = _cell_avg(code, quad, m_out[j], mn, v_out[j], cd, c_new[d], want, ph_amp,
                                     ph_a[j], ph_a[i1], nph)
        r_new[B] = 0.0
        for d in range(B, 0, -1):
            r_new[d - 1] = a * r_new[d] + dt * (g2 * qp[d] + xcov[d])
        if do_k and n1 >= n_seed:
            if n1 == n_seed:
                for d in range(B + 1):
                    k_new[d] = 0.0
                    l_new[d] = 0.0
                k_new[0] = 1.0
            else:
                kd = a * a * k_old[0] + 2.0 * a * dt * l_old[0] + dt * dt * g2 * qd_old[0] * k_old[0]
                k_new[0] = kd
                for d in range(1, B + 1):
                    k_new[d] = a * k_old[d - 1] + dt * l_old[d - 1]
                l_new[B] = 0.0
                for d in range(B, 0, -1):
                    l_new[d - 1] = a * l_new[d] + dt * g2 * qd[d] * k_new[d]
                if not (kd > 0.0 and kd < math.inf):
                    info[0] = n1
                    return BAD_K
                if kd > 1e100 or kd < 1e-100:
                    s = 1.0 / kd
                    for d in range(B + 1):
                        k_new[d] *= s
                        l_new[d] *= s
                    logoff += math.log(kd)
            logk_out[n1] = math.log(k_new[0]) + logoff
            k_old, k_new = k_new, k_old
            l_old, l_new = l_new, l_old
        if stride > 0 and n1 % stride == 0:
            for d in range(B + 1):
                band_out[row, d] = c_new[d]
            row += 1
        c_old, c_new = c_new, c_old
        r_old, r_new = r_new, r_old
        qp_old, qp = qp, qp_old
        qd_old, qd = qd, qd_old
    return OK


_RAW = (_owens_t, _bvn_terms, _relu_pair, _cell, _one, _cell_avg, _one_avg, _mean_step)
_g = globals()
for _fn in _RAW:
    _g[_fn.__name__] = njit(cache=True)(_fn)
_ns_integrate_py = _ns_integrate
_ns_integrate = njit(cache=True)(_ns_integrate_py)
_ns_integrate_parallel = njit(cache=True, parallel=True)(_ns_integrate_py)
