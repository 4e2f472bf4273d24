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

Cells: ReLU, erf, linear by closed forms; tanh and user pairs by Mehler's series

    q_f(t, s) = sum_n c_n(t) c_n(s) rho^n,   c_n(t) = E[f(m_t + sigma_t Z) He_n(Z)] / sqrt(n!)

(f = phi, phi'; rho = c(t,s)/sqrt(c(t,t) c(s,s))), with the c_n computed once per time point
and phase node (_coef_fill) into a ring of B + 1 slots; a cell costs a dot product, stopped
by a Cauchy-Schwarz tail bound, and falls back to GK.q2 where the bound is not met (the
coefficient and series kernels live in :mod:`._mehler_kernels`).

Every kernel is written once as plain Python and compiled at module level with ``cache=True``
for the built-in codes (serial and ``parallel=True``, which splits every row over threads);
:func:`kernel_set` clones them for a user pair (phi, phi').
"""
import math

import numpy as np
from numba import njit, prange

from .. import _gauss_kernels as GK
from .._transfer import RELU, clone
from . import _mehler_kernels as MK
from ._mehler_kernels import (COEF_OK, COEF_TRUNCATED, COEF_UNTRUSTED, REST_TOL, SER_TOL,  # noqa: F401
                              TRAP_TOL, _coef_fill, _mehler, _neumaier, _row_dot)

F_PHI, F_DPHI, F_PHI2, F_DPHI2 = GK.F_PHI, GK.F_DPHI, GK.F_PHI2, GK.F_DPHI2
_EPS = 2.220446049250313e-16
TWO_PI = 2.0 * math.pi


# absolute accuracy of a ReLU cell, relative to sqrt(v1 v2) (q_phi) or 1 (q_phi'): the closed forms
# are used down to it, the quadrature fallback only above it (see GK.relu_pair)
CELL_ATOL = 1e-15

# status codes of _ns_integrate
OK, BAD_VARIANCE, BAD_MEAN, BAD_K = 0, 1, 2, 3
# cell methods: best (closed forms; GK.q2 otherwise), quadrature everywhere, Mehler series
MODE_BEST, MODE_QUAD, MODE_SERIES = 0, 1, 2
# named slots of the integer and float parameter records of _ns_integrate (see pack_params)
(IP_CODE, IP_MODE, IP_N_STEPS, IP_BAND, IP_N_PHASE, IP_N_SEED, IP_DO_K, IP_STRIDE, IP_NCAP) = range(9)
IP_NAMES = ("code", "mode", "n_steps", "band", "n_phase", "n_seed", "do_k", "stride", "ncap")
(FP_G2, FP_SKJ0, FP_SKI0, FP_DT, FP_PH_AMP, FP_PH_OMEGA, FP_PH_ARG0, FP_M0) = range(8)
FP_NAMES = ("g2", "sKJ0", "sKI0", "dt", "ph_amp", "ph_omega", "ph_arg0", "m0")
# named slots of the info record of _ns_integrate (see decode_info)
(INFO_FAIL_STEP, INFO_MAX_CLIP, INFO_NEWTON_MAX, INFO_MAX_CLIP_K, INFO_FALLBACK, INFO_EVALUATIONS,
 INFO_MAX_TERMS, INFO_TRUNCATED, INFO_UNTRUSTED, INFO_EXTENSIONS) = range(10)
INFO_NAMES = ("fail_step", "max_clip", "newton_max_iterations", "max_clip_k", "fallback", "evaluations",
              "max_terms", "truncated", "untrusted", "extensions")
INFO_SIZE = len(INFO_NAMES)

# Gaussian-integral entry points; a user pair rebinds these names (see user_kernels)
_fv = GK._fval
_q1 = GK.q1
_q2 = GK.q2
_q1q = GK.q1_quad
_q2q = GK.q2_quad


def _cell(code, quad, m1, m2, v1, v2, c, want_d):
    """(q_phi, q_phi') at one (t, s) cell; quad: force the quadrature path."""
    if quad:
        qd = _q2q(code, F_DPHI, m1, m2, v1, v2, c) if want_d else 0.0
        return _q2q(code, F_PHI, m1, m2, v1, v2, c), qd
    if code == RELU:
        return GK.relu_pair(m1, m2, v1, v2, c, CELL_ATOL)
    qd = _q2(code, F_DPHI, m1, m2, v1, v2, c) if want_d else 0.0
    return _q2(code, F_PHI, m1, m2, v1, v2, c), qd


def _one(code, quad, fkind, m, v):
    if quad:
        return _q1q(code, fkind, m, v)
    return _q1(code, fkind, m, v)


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


def _phase_mean(m, amp, arg, k, nph):
    """Mean at phase node k of the independent sinusoid (nph = 0: none)."""
    if nph == 0:
        return m
    return m + amp * math.sin(arg + TWO_PI * k / nph)


def _fill_kind(code, kind, i, slot, m_out, v_out, amp, ph_a, nph, Z, W, n0, nmin, ncap, fz, C, T, N, info):
    """(Re)compute the coefficients of phi (kind 0) or phi' (kind 1) of time index i in ring
    slot `slot`, every phase node, continuing from n0 terms to at least nmin.  Returns the
    largest need over the phase nodes; info: INFO_MAX_TERMS, INFO_TRUNCATED, INFO_UNTRUSTED."""
    s = math.sqrt(v_out[i])
    P = nph if nph > 0 else 1
    fk = F_PHI if kind == 0 else F_DPHI
    need = 0
    for k in range(P):
        mk = _phase_mean(m_out[i], amp, ph_a[i], k, nph)
        n, nd, st = _coef_fill(code, fk, mk, s, Z, W, n0, nmin, ncap, fz, C[slot, k], T[slot, k])
        N[slot, k] = n
        if nd > need:
            need = nd
        if n > info[INFO_MAX_TERMS]:
            info[INFO_MAX_TERMS] = n
        if n0 == 0 and st == COEF_TRUNCATED:
            info[INFO_TRUNCATED] += 1.0
        elif n0 == 0 and st == COEF_UNTRUSTED:
            info[INFO_UNTRUSTED] += 1.0
    return need


def _fill_slot(code, i, R, m_out, v_out, amp, ph_a, nph, want_d, Z, W, ncap, fz, ring, info):
    """Coefficients of time index i (ring slot i % R), kinds phi and (if want_d) phi'.

    ``ring`` is the coefficient record (CP, TP, NP, CD, TD, ND, need, ncom) made in
    :func:`_ns_integrate`: coefficients C, tail bounds T and term counts N of phi (P) and phi' (D)
    per slot and phase node, the need of every slot and the common term count of each kind.

    Every live slot of a kind keeps at least ncom[kind] terms, so that a cell sums both
    series to max(need) (else its tail bound fails and it falls back).  ncom rises to
    1.25 x a new need (older slots extended in place; info[INFO_EXTENSIONS] counts them) and
    drops back when the largest need in the ring falls below ncom / 1.5."""
    CP, TP, NP, CD, TD, ND, need, ncom = ring
    slot = i % R
    P = nph if nph > 0 else 1
    for kind in range(2):
        C = CP if kind == 0 else CD
        T = TP if kind == 0 else TD
        N = NP if kind == 0 else ND
        if kind == 1 and not want_d:
            for k in range(P):
                N[slot, k] = 0
            need[slot, 1] = 0
            continue
        nd = _fill_kind(code, kind, i, slot, m_out, v_out, amp, ph_a, nph, Z, W, 0, ncom[kind], ncap, fz,
                        C, T, N, info)
        need[slot, kind] = nd
        if nd > ncom[kind]:
            target = min(ncap, (5 * nd) // 4 + 8)
            ncom[kind] = target
            for q in range(R):
                iq = i - ((i - q) % R)
                if iq < 0:
                    continue
                s = math.sqrt(v_out[iq])
                for k in range(P):
                    if N[q, k] > 0 and N[q, k] < target:
                        mk = _phase_mean(m_out[iq], amp, ph_a[iq], k, nph)
                        n, nd2, st = _coef_fill(code, F_PHI if kind == 0 else F_DPHI, mk, s, Z, W, N[q, k],
                                                target, ncap, fz, C[q, k], T[q, k])
                        N[q, k] = n
                        info[INFO_EXTENSIONS] += 1.0
        else:
            mx = 0
            for q in range(R):
                if need[q, kind] > mx:
                    mx = need[q, kind]
            if 3 * mx < 2 * ncom[kind]:
                ncom[kind] = min(ncap, (5 * mx) // 4 + 8)


def _cell_series(code, sa, sb, ring, m1, m2, v1, v2, c, want_d, amp, arg1, arg2, nph):
    """(q_phi, q_phi', fallbacks): Mehler series from the coefficients in ring slots sa (time j)
    and sb (time n), averaged over the phase nodes; GK.q2 where the series does not converge."""
    CP, TP, NP, CD, TD, ND, need, ncom = ring
    rho = c / math.sqrt(v1 * v2)
    P = nph if nph > 0 else 1
    sp = 0.0
    sd = 0.0
    nf = 0
    for k in range(P):
        qp, ok = _mehler(CP[sa, k], TP[sa, k], NP[sa, k], CP[sb, k], TP[sb, k], NP[sb, k], rho)
        okd = True
        qd = 0.0
        if want_d:
            qd, okd = _mehler(CD[sa, k], TD[sa, k], ND[sa, k], CD[sb, k], TD[sb, k], ND[sb, k], rho)
        if not (ok and okd):
            ma = _phase_mean(m1, amp, arg1, k, nph)
            mb = _phase_mean(m2, amp, arg2, k, nph)
            if not ok:
                qp = _q2(code, F_PHI, ma, mb, v1, v2, c)
                nf += 1
            if not okd:
                qd = _q2(code, F_DPHI, ma, mb, v1, v2, c)
                nf += 1
        sp += qp
        sd += qd
    return sp / P, sd / P, nf


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


def _ns_integrate(ip, fp, drive, xcov, c_init, Z, W, m_out, v_out, nu_out, logk_out, band_out, info):
    """Integrate m, c, r (and k, l from step n_seed if do_k) forward for n_steps steps.

    Parameters come in two records built by :func:`pack_params`: ``ip`` (int64, slots IP_*:
    code, mode, n_steps, band B, n_phase, n_seed, do_k, stride, ncap) and ``fp`` (float64, slots
    FP_*: g^2, sqrt(K) J0, sqrt(K) I0, dt, amplitude, angular frequency and phase at t = 0 of the
    independent sinusoid, m0).  drive: common input at each step; xcov: covariance X(lag) of the
    independent Gaussian input on lags 0..B; c_init: initial band c(-d, 0).

    mode: MODE_BEST, MODE_QUAD or MODE_SERIES (Mehler coefficients of phi, phi' once per time
    point and phase node, at most ncap terms, in a ring of B + 1 slots; Z, W: trapezoid nodes
    and Hermite weights, unused otherwise).

    m_out, v_out: (n_steps + 1 + B,), entry B + n is step n (history j < 0 held at m0, c_init[0]).
    nu_out, logk_out: (n_steps + 1,); logk_out[n] = ln k(n, n) for n >= n_seed.
    band_out: (n_steps // stride + 1, B + 1), c(n - d, n) every stride steps.
    info (INFO_SIZE,), slots INFO_* (names in INFO_NAMES, read with :func:`decode_info`): failing
    step, max relative |c| / sqrt(v v') - 1 clipped (all steps), max Newton iterations, the same
    clip from step n_seed on (the part that enters k); series mode: cell evaluations that fell
    back to GK.q2, all cell evaluations (phase nodes and phi/phi' counted separately), max terms,
    time points (x phase, x kind) truncated at ncap, untrusted (trapezoid check), coefficient
    extensions of older ring slots.
    Returns a status code (OK, BAD_VARIANCE, BAD_MEAN, BAD_K).
    """
    code = ip[IP_CODE]
    mode = ip[IP_MODE]
    n_steps = ip[IP_N_STEPS]
    B = ip[IP_BAND]
    nph = ip[IP_N_PHASE]
    n_seed = ip[IP_N_SEED]
    do_k = ip[IP_DO_K] != 0
    stride = ip[IP_STRIDE]
    ncap = ip[IP_NCAP]
    g2 = fp[FP_G2]
    sKJ0 = fp[FP_SKJ0]
    sKI0 = fp[FP_SKI0]
    dt = fp[FP_DT]
    ph_amp = fp[FP_PH_AMP]
    ph_omega = fp[FP_PH_OMEGA]
    ph_arg0 = fp[FP_PH_ARG0]
    m0 = fp[FP_M0]
    a = 1.0 - dt
    quad = mode == MODE_QUAD
    series = mode == MODE_SERIES
    R = B + 1
    P = nph if nph > 0 else 1
    nr = R if series else 1
    nc = ncap if series else 1
    CP = np.zeros((nr, P, nc))
    CD = np.zeros((nr, P, nc))
    TP = np.zeros((nr, P, nc + 1))
    TD = np.zeros((nr, P, nc + 1))
    NP = np.zeros((nr, P), dtype=np.int64)
    ND = np.zeros((nr, P), dtype=np.int64)
    need = np.zeros((nr, 2), dtype=np.int64)
    ncom = np.zeros(2, dtype=np.int64)
    ring = (CP, TP, NP, CD, TD, ND, need, ncom)
    fz = np.empty(Z.shape[0])
    nfb = np.zeros(B + 1, dtype=np.int64)
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
    info[INFO_FAIL_STEP] = -1.0
    for i in range(1, info.shape[0]):
        info[i] = 0.0
    # row 0 from the initial history
    for d in range(B + 1):
        c_old[d] = c_init[d]
    v0 = c_init[0]
    nu_out[0] = _one_avg(code, quad, F_PHI, m0, v0, ph_amp, ph_a[B], nph)
    want0 = do_k and n_seed <= 0
    if series:
        for i in range(B + 1):
            _fill_slot(code, i, R, m_out, v_out, ph_amp, ph_a, nph, do_k and i >= n_seed, Z, W, ncap, fz,
                       ring, info)
        for d in prange(B + 1):
            qp_old[d], qd_old[d], nfb[d] = _cell_series(code, B - d, B, ring, m0, m0, v0,
                                                        v0, c_old[d], want0, ph_amp, ph_a[B - d], ph_a[B],
                                                        nph)
        for d in range(B + 1):
            info[INFO_FALLBACK] += nfb[d]
        info[INFO_EVALUATIONS] += (B + 1) * P * (2 if want0 else 1)
    else:
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
            info[INFO_FAIL_STEP] = n1
            return BAD_VARIANCE
        c_new[0] = cd
        for d in range(1, B + 1):
            c_new[d] = a * c_old[d - 1] + dt * r_old[d - 1]
        # mean: backward Euler
        rhs = m_out[i1 - 1] + dt * (sKI0 + drive[n1])
        mn, nun, its = _mean_step(code, quad, m_out[i1 - 1], cd, rhs, dt, sKJ0, ph_amp, ph_a[i1], nph)
        if its < 0 or not (abs(mn) < math.inf):
            info[INFO_FAIL_STEP] = n1
            return BAD_MEAN
        if its > info[INFO_NEWTON_MAX]:
            info[INFO_NEWTON_MAX] = its
        m_out[i1] = mn
        v_out[i1] = cd
        nu_out[n1] = nun
        # clip |c| <= sqrt(v v') (rounding)
        for d in range(1, B + 1):
            lim = math.sqrt(v_out[i1 - d] * cd)
            x = c_new[d]
            if abs(x) > lim:
                rel = abs(x) / lim - 1.0
                if rel > info[INFO_MAX_CLIP]:
                    info[INFO_MAX_CLIP] = rel
                if n1 >= n_seed and rel > info[INFO_MAX_CLIP_K]:
                    info[INFO_MAX_CLIP_K] = rel
                c_new[d] = math.copysign(lim, x)
        want = do_k and n1 >= n_seed
        if series:
            sb = i1 % R
            _fill_slot(code, i1, R, m_out, v_out, ph_amp, ph_a, nph, do_k and i1 >= n_seed, Z, W, ncap, fz,
                       ring, info)
            for d in prange(B + 1):
                j = i1 - d
                qp[d], qd[d], nfb[d] = _cell_series(code, j % R, sb, ring, m_out[j], mn,
                                                    v_out[j], cd, c_new[d], want, ph_amp, ph_a[j], ph_a[i1],
                                                    nph)
            for d in range(B + 1):
                info[INFO_FALLBACK] += nfb[d]
            info[INFO_EVALUATIONS] += (B + 1) * P * (2 if want else 1)
        else:
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
                    info[INFO_FAIL_STEP] = n1
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


_RAW = (_cell, _one, _cell_avg, _one_avg, _phase_mean, _fill_kind, _fill_slot, _cell_series, _mean_step)
_g = globals()
for _fn in _RAW:
    _g[_fn.__name__] = njit(cache=True)(_fn)
_RAW = _RAW + MK.RAW      # the shared Mehler kernels (compiled in MK) join the user-pair clones
_ns_integrate_py = _ns_integrate
_ns_integrate = njit(cache=True)(_ns_integrate_py)
_ns_integrate_parallel = njit(cache=True, parallel=True)(_ns_integrate_py)


@njit(cache=True)
def series_q2(code, fkind, m1, m2, v1, v2, c, Z, W, ncap):
    """E[f(h1) f(h2)] by the Mehler series as in the solver's cells (built-in codes; a check).

    Returns (value, converged, terms of h1, terms of h2)."""
    fz = np.empty(Z.shape[0])
    ca = np.empty(ncap)
    cb = np.empty(ncap)
    ta = np.empty(ncap + 1)
    tb = np.empty(ncap + 1)
    na, da, sa = _coef_fill(code, fkind, m1, math.sqrt(v1), Z, W, 0, 0, ncap, fz, ca, ta)
    nb, db, sb = _coef_fill(code, fkind, m2, math.sqrt(v2), Z, W, 0, da, ncap, fz, cb, tb)
    if na > 0 and na < nb:
        na, da, sa = _coef_fill(code, fkind, m1, math.sqrt(v1), Z, W, na, nb, ncap, fz, ca, ta)
    val, ok = _mehler(ca, ta, na, cb, tb, nb, c / math.sqrt(v1 * v2))
    return val, ok, na, nb


def pack_params(**values):
    """The records (ip, fp) of :func:`_ns_integrate` from values named as in IP_NAMES and FP_NAMES
    (all required, keywords only)."""
    names, need = set(values), set(IP_NAMES + FP_NAMES)
    if names != need:
        raise TypeError(f"pack_params: missing {sorted(need - names)}, unknown {sorted(names - need)}")
    ip = np.array([int(values[k]) for k in IP_NAMES], dtype=np.int64)
    fp = np.array([float(values[k]) for k in FP_NAMES], dtype=np.float64)
    return ip, fp


def decode_info(info):
    """The info record of :func:`_ns_integrate` as a dict {name: value} (names in INFO_NAMES)."""
    return {name: float(info[k]) for k, name in enumerate(INFO_NAMES)}


# ---------------------------------------------------------------- user pairs

class KernelSet:
    """``integrate(parallel)``: the compiled _ns_integrate; ``q1(code, fkind, m, v)``: E[f(h)]."""

    def __init__(self, serial, parallel, q1, builder=None):
        self._k = {False: serial, True: parallel}
        self._builder = builder
        self.q1 = q1

    def integrate(self, parallel=False):
        if self._k[parallel] is None:
            self._k[parallel] = self._builder(parallel)
        return self._k[parallel]


_BUILTIN = KernelSet(_ns_integrate, _ns_integrate_parallel, GK.q1)
_USER_CACHE = {}


def kernel_set(phi=None, dphi=None):
    """Kernels for the built-in codes (phi None) or a user pair (phi, phi').

    For a user pair the Gaussian-integral chain is that of
    :func:`meanfield._gauss_kernels.user_kernels` (``_fval`` bound to the user's functions) and
    every kernel here is cloned with it (as :func:`meanfield._kernels.kernel_set` does), compiled
    on first use without the disk cache.  The solver calls them with the code USER, i.e. the
    quadrature without the Gauss-Hermite shortcut for smooth functions, as
    :func:`meanfield.gaussian.expect2` treats user pairs.
    """
    if phi is None:
        return _BUILTIN
    key = (phi, dphi)
    if key in _USER_CACHE:
        return _USER_CACHE[key]
    uk = GK.user_kernels(phi, dphi)
    ns = dict(_g)
    ns["_fv"] = uk.fval
    ns["_q1"] = ns["_q1q"] = uk.q1_quad
    ns["_q2"] = ns["_q2q"] = uk.q2_quad
    for fn in _RAW:
        ns[fn.__name__] = njit(clone(fn, ns))

    def build(parallel):
        return njit(parallel=parallel)(clone(_ns_integrate_py, ns))

    ks = KernelSet(None, None, ns["_q1"], build)
    _USER_CACHE[key] = ks
    return ks
