r"""Private Numba kernels of :mod:`meanfield.rnn`.

One update serves both model classes,

.. math::

    h_{t+1} = b \odot h_t + a\,(W \phi(h_t) + u_t),\qquad
    \tilde Q_{t+1} = D_t Q_t,\quad D_t = \mathrm{diag}(b) + a\,W\,\mathrm{diag}\,\phi'(h_t),

with ``RNN``: b = 1 − α (every unit), a = α, :math:`u_t = W_\mathrm{in}s_t + \mathrm{bias}`;
``PLRNN``: b = diag A, a = 1, φ = relu, :math:`u_t = h (+ C s_t)`.  As in
:mod:`meanfield._kernels`, one BLAS product :math:`W[\phi(H), \phi'(h)\odot Q]` moves state and
tangent, and the re-orthonormalisation is LAPACK's Householder QR, with the same arithmetic in the
same order, so an RNN built from a discrete-time ``RandomNetwork``'s couplings reproduces that
network's spectrum bit for bit.

The drive ``U`` is (n, N): row r is :math:`u` of step ``row0 + r``; a single row (n = 1) is a
constant drive.  Adjoint kernels (reverse mode) walk the stored trajectory backwards; the QR
backward pass is :func:`_qr_backward` (derivation in :mod:`meanfield.rnn.flossing`).
"""
import math

import numpy as np
from numba import njit

from .._kernels import _fill_stage, _qr_step
from .._transfer import act, d2phi, dphi, phi


@njit(cache=True)
def _step(code, W, b, a, H, Q, S, P, U, row):
    """One update of H (N, m) and Q (N, k) in place; S, P (N, m + k) work arrays."""
    n, m = H.shape
    k = Q.shape[1]
    _fill_stage(code, H, Q, S, m, k)          # S = [phi(H), phi'(H[:, 0]) Q], as the engine
    np.dot(W, S, P)
    r = row if U.shape[0] > 1 else 0
    for i in range(n):
        bi = b[i]
        for c in range(m):
            H[i, c] = bi * H[i, c] + a * (P[i, c] + U[r, i])
        for j in range(k):
            Q[i, j] = bi * Q[i, j] + a * P[i, m + j]


@njit(cache=True)
def _advance(code, W, b, a, H, Q, S, P, U, n_steps):
    """n_steps updates (drive row s at step s); -1, or the step at which H[:, 0] became non-finite."""
    n = H.shape[0]
    for s in range(n_steps):
        _step(code, W, b, a, H, Q, S, P, U, s)
        acc = 0.0
        for i in range(n):
            acc += H[i, 0]
        if not math.isfinite(acc):
            return s
    return -1


@njit(cache=True)
def _free_run(code, W, b, a, H, U, n_skip, out):
    """Autonomous updates of the states H (N, m), one column per run, in place: n_skip updates
    unrecorded, then out.shape[0] updates with out[t] = H after each."""
    n, m = H.shape
    Q = np.empty((n, 0))
    S = np.empty((n, m))
    P = np.empty((n, m))
    for t in range(n_skip + out.shape[0]):
        _step(code, W, b, a, H, Q, S, P, U, 0)
        if t >= n_skip:
            out[t - n_skip] = H


@njit(cache=True)
def _lyap_chunk(code, W, b, a, H, Q, S, P, U, n_ons, spo, logr, ipr, logcond, accumulate):
    """n_ons intervals of spo updates, each followed by the engine's QR step
    (:func:`meanfield._kernels._qr_step`: Q, R = qr(Q) and the per-interval records)."""
    for o in range(n_ons):
        st = _advance(code, W, b, a, H, Q, S, P, U[o * spo:(o + 1) * spo] if U.shape[0] > 1 else U, spo)
        if st >= 0:
            return o
        if not _qr_step(Q, o, logr, ipr, logcond, accumulate):
            return o
    return -1


@njit(cache=True)
def _record(code, W, b, a, H, S, P, U, n_steps, every, offset, units, rec_h, rec_m, rec_r, rec_u, pos):
    """Advance n_steps, recording (before each step whose global index is a multiple of every) the
    units, the means of h and phi(h) and of the drive.  Returns (status, pos)."""
    n = H.shape[0]
    Q = np.empty((n, 0))
    for s in range(n_steps):
        if (offset + s) % every == 0 and pos < rec_h.shape[1]:
            mh = 0.0
            mr = 0.0
            mu = 0.0
            r = s if U.shape[0] > 1 else 0
            for i in range(n):
                mh += H[i, 0]
                mr += phi(code, H[i, 0])
                mu += U[r, i]
            rec_m[pos] = mh / n
            rec_r[pos] = mr / n
            rec_u[pos] = mu / n
            for j in range(units.shape[0]):
                rec_h[j, pos] = H[units[j], 0]
            pos += 1
        st = _advance(code, W, b, a, H, Q, S, P, U[s:s + 1] if U.shape[0] > 1 else U, 1)
        if st >= 0:
            return s, pos
    return -1, pos


# ------------------------------------------------------------------ flossing: forward and adjoint

@njit(cache=True)
def _floss_forward(code, W, b, a, U, h0, Q0, n_warm, n_ons, spo, Hs, Qs, Qpost, Rs, logr):
    """State warm-up (n_warm steps, no tangent), then n_ons intervals of spo tangent steps, each
    followed by a QR.  Stores the states Hs (n_warm + n_ons spo + 1, N), the tangent matrices
    before each tangent step Qs (n_ons spo, N, k), the QR factors Qpost (n_ons, N, k) and
    Rs (n_ons, k, k), and logr = ln|R_jj|.  Returns -1 or the failing step."""
    n = h0.shape[0]
    k = Q0.shape[1]
    H = np.empty((n, 1))
    H[:, 0] = h0
    Q = Q0.copy()
    Q_0 = np.empty((n, 0))
    S0 = np.empty((n, 1))
    P0 = np.empty((n, 1))
    S = np.empty((n, 1 + k))
    P = np.empty((n, 1 + k))
    for t in range(n_warm):
        Hs[t] = H[:, 0]
        if _advance(code, W, b, a, H, Q_0, S0, P0, U[t:t + 1] if U.shape[0] > 1 else U, 1) >= 0:
            return t
    for o in range(n_ons):
        for s in range(spo):
            t = n_warm + o * spo + s
            Hs[t] = H[:, 0]
            Qs[o * spo + s] = Q
            if _advance(code, W, b, a, H, Q, S, P, U[t:t + 1] if U.shape[0] > 1 else U, 1) >= 0:
                return t
        q, r = np.linalg.qr(Q)
        for j in range(k):
            v = abs(r[j, j])
            if not (math.isfinite(v) and v > 0.0):
                return n_warm + (o + 1) * spo - 1
            logr[o, j] = math.log(v)
        Q[:, :] = q
        Qpost[o] = q
        Rs[o] = r
    Hs[n_warm + n_ons * spo] = H[:, 0]
    return -1


@njit(cache=True)
def _qr_backward(Qf, R, Qbar, rbar_diag, Abar):
    r"""Adjoint of the thin QR A = Q R (A: N x k, N >= k) for a diagonal R̄ = diag(rbar_diag):
    Ā = (Q̄ + Q copyltu(M)) R^{-T}, M = R R̄ᵀ − Q̄ᵀ Q, copyltu(M) = tril(M) + tril(M, −1)ᵀ.
    Writes Ā into Abar."""
    n, k = Qf.shape
    M = -np.dot(Qbar.T, Qf)
    for i in range(k):
        for j in range(k):
            M[i, j] += R[i, j] * rbar_diag[j]
    C = np.empty((k, k))
    for i in range(k):
        for j in range(k):
            C[i, j] = M[i, j] if i >= j else M[j, i]
    B = Qbar + np.dot(Qf, C)
    # X R^T = B, R upper: sum_{j >= i} R[i, j] X[:, j] = B[:, i], from i = k-1 down
    for i in range(k - 1, -1, -1):
        for p in range(n):
            acc = B[p, i]
            for j in range(i + 1, k):
                acc -= R[i, j] * Abar[p, j]
            Abar[p, i] = acc / R[i, i]


@njit(cache=True)
def _state_adjoint_step(code, WT, b, a, h, hbar, gW, gb, gU_row, work_g, work_s, tmp):
    """Adjoint of h' = b h + a (W phi(h) + u) for one step: given hbar = ∂L/∂h' (overwritten by
    ∂L/∂h), add ∂L/∂W to gW, ∂L/∂b to gb and write ∂L/∂u to gU_row."""
    n = h.shape[0]
    for i in range(n):
        work_s[i, 0] = hbar[i]
    np.dot(WT, work_s, work_g)           # W^T hbar
    for i in range(n):
        gU_row[i] = a * hbar[i]
        gb[i] += hbar[i] * h[i]
    for j in range(n):
        tmp[j] = phi(code, h[j])
    for i in range(n):
        ai = a * hbar[i]
        for j in range(n):
            gW[i, j] += ai * tmp[j]
    for i in range(n):
        hbar[i] = b[i] * hbar[i] + a * dphi(code, h[i]) * work_g[i, 0]


@njit(cache=True)
def _floss_backward(code, W, b, a, U, Hs, Qs, Qpost, Rs, rbar, n_warm, n_ons, spo, gW, gb, gU,
                    through_state):
    """Reverse-mode sweep of :func:`_floss_forward` for the loss whose derivative with respect to
    R^{(o)}_jj is rbar[o, j].  Adds ∂L/∂W to gW, ∂L/∂b (the diagonal of the linear part) to gb and
    writes ∂L/∂u_t (gU, one row a step).  ∂L/∂W = a Σ_t [h̄, Q̄]_t [φ(h), φ'(h) Q]_tᵀ is formed by
    one GEMM over all steps at the end (the per-step factors are stored side by side).
    ``through_state`` False holds the state trajectory fixed (the φ'' source of h̄ is dropped, so
    h̄ stays 0 and only the explicit dependence of the Jacobians D_t on W and b is differentiated)."""
    n = Hs.shape[1]
    k = Qs.shape[2]
    n_tan = n_ons * spo
    WT = np.ascontiguousarray(W.T)
    hbar = np.zeros(n)
    Qbar = np.zeros((n, k))
    Abar = np.empty((n, k))
    Z = np.empty((n, 1 + k))
    G = np.empty((n, 1 + k))
    Zc = np.empty((n, n_tan * (1 + k) + n_warm))
    Sc = np.empty((n, n_tan * (1 + k) + n_warm))
    d = np.empty(n)
    for o in range(n_ons - 1, -1, -1):
        _qr_backward(Qpost[o], Rs[o], Qbar, rbar[o], Abar)
        Qbar[:, :] = Abar
        for s in range(spo - 1, -1, -1):
            t = n_warm + o * spo + s
            q = o * spo + s
            c0 = q * (1 + k)
            Q = Qs[q]
            for i in range(n):
                f, d[i] = act(code, Hs[t, i])
                Z[i, 0] = hbar[i]
                Zc[i, c0] = hbar[i]
                Sc[i, c0] = f
                for j in range(k):
                    Z[i, 1 + j] = Qbar[i, j]
                    Zc[i, c0 + 1 + j] = Qbar[i, j]
                    Sc[i, c0 + 1 + j] = d[i] * Q[i, j]
            np.dot(WT, Z, G)                   # W^T [hbar, Qbar]
            for i in range(n):
                gU[t, i] = a * hbar[i]
                acc = hbar[i] * Hs[t, i]
                qg = 0.0
                for j in range(k):
                    acc += Qbar[i, j] * Q[i, j]
                    qg += Q[i, j] * G[i, 1 + j]
                gb[i] += acc
                dd = d2phi(code, Hs[t, i]) if through_state else 0.0
                hbar[i] = b[i] * hbar[i] + a * d[i] * G[i, 0] + a * dd * qg
                for j in range(k):
                    Qbar[i, j] = b[i] * Qbar[i, j] + a * d[i] * G[i, 1 + j]
    ws = np.empty((n, 1))
    wg = np.empty((n, 1))
    c0 = n_tan * (1 + k)
    for t in range(n_warm - 1, -1, -1):
        if not through_state:            # h̄ = 0: nothing reaches the warm-up
            Zc[:, c0 + t] = 0.0
            Sc[:, c0 + t] = 0.0
            gU[t, :] = 0.0
            continue
        for i in range(n):
            Zc[i, c0 + t] = hbar[i]
            Sc[i, c0 + t] = phi(code, Hs[t, i])
            ws[i, 0] = hbar[i]
        np.dot(WT, ws, wg)
        for i in range(n):
            gU[t, i] = a * hbar[i]
            gb[i] += hbar[i] * Hs[t, i]
            hbar[i] = b[i] * hbar[i] + a * dphi(code, Hs[t, i]) * wg[i, 0]
    gW += a * np.dot(Zc, Sc.T)


# ------------------------------------------------------------------ sparsely forced BPTT (PLRNN)

@njit(cache=True)
def _sf_forward(code, W, b, a, U, z0, X, Keep, Bp, Bm, tau, Zs, Zp, loss_terms):
    """Forced run of one sequence.  z0: forced initial state; X (L + 1, M) observations; Bp the
    pseudo-inverse of B (N x M); Bm = B (M x N); Keep (N x N) the part of the prediction a forcing
    keeps (1 - B^+ B for forcing of the observed directions; a 0 x 0 array stands for the zero
    matrix of whole-state forcing).  Step t (1..L) predicts z_t from z_{t-1}; loss_terms[t - 1] =
    ||x_t - B z_t||^2; every tau steps z_t is forced, z_t <- Keep z_t + Bp x_t.  Zs (L + 1, N)
    stores the state each step starts from, Zp (L, N) the predictions z_t (before forcing)."""
    n = z0.shape[0]
    L = X.shape[0] - 1
    mo = X.shape[1]
    H = np.empty((n, 1))
    H[:, 0] = z0
    Q = np.empty((n, 0))
    S = np.empty((n, 1))
    P = np.empty((n, 1))
    for t in range(1, L + 1):
        Zs[t - 1] = H[:, 0]
        if _advance(code, W, b, a, H, Q, S, P, U, 1) >= 0:
            return t
        z = H[:, 0].copy()
        Zp[t - 1] = z
        acc = 0.0
        for p in range(mo):
            v = X[t, p]
            for i in range(n):
                v -= Bm[p, i] * z[i]
            acc += v * v
        loss_terms[t - 1] = acc
        if t % tau == 0:
            zf = np.dot(Keep, z) if Keep.shape[0] else np.zeros(n)
            for i in range(n):
                for p in range(mo):
                    zf[i] += Bp[i, p] * X[t, p]
            H[:, 0] = zf
    Zs[L] = H[:, 0]
    return -1


@njit(cache=True)
def _sf_backward(code, W, b, a, U, X, Keep, Bp, Bm, observed, tau, Zs, Zp, w, gW, gb, gU, gBp, gB, h0bar):
    """Adjoint of :func:`_sf_forward` for loss = w sum_t ||x_t - B z_t||^2: accumulates ∂L/∂W,
    ∂L/∂b, ∂L/∂u (summed over steps into gU[0]), ∂L/∂B^+ (N x M) and the explicit ∂L/∂B (M x N:
    the loss terms and, when ``observed``, the B in z + B^+(x - B z)); writes ∂L/∂z_0 to h0bar."""
    n = Zs.shape[1]
    L = X.shape[0] - 1
    mo = X.shape[1]
    WT = np.ascontiguousarray(W.T)
    KT = np.ascontiguousarray(Keep.T)
    hbar = np.zeros(n)
    ws = np.empty((n, 1))
    wg = np.empty((n, 1))
    f = np.empty(n)
    urow = np.empty(n)
    r = np.empty(mo)
    q = np.empty(mo)
    for t in range(L, 0, -1):
        z = Zp[t - 1]
        for p in range(mo):
            v = X[t, p]
            for i in range(n):
                v -= Bm[p, i] * z[i]
            r[p] = v                               # x_t - B z_t
        if t % tau == 0:
            # hbar = dL/dz_t after forcing, z_t <- Keep z_t + B^+ (x_t or x_t - B z_t in `observed`)
            for i in range(n):
                for p in range(mo):
                    gBp[i, p] += hbar[i] * (r[p] if observed else X[t, p])
            if observed:
                for p in range(mo):
                    acc = 0.0
                    for i in range(n):
                        acc += Bp[i, p] * hbar[i]
                    q[p] = acc
                for p in range(mo):
                    for i in range(n):
                        gB[p, i] -= q[p] * z[i]
            hbar = np.dot(KT, hbar) if Keep.shape[0] else np.zeros(n)
        for p in range(mo):
            c = -2.0 * w * r[p]
            for i in range(n):
                hbar[i] += c * Bm[p, i]
                gB[p, i] += c * z[i]
        _state_adjoint_step(code, WT, b, a, Zs[t - 1], hbar, gW, gb, urow, wg, ws, f)
        for i in range(n):
            gU[0, i] += urow[i]
    for i in range(n):
        h0bar[i] = hbar[i]
