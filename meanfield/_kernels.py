"""Private Numba kernels for network simulation and tangent dynamics.

Every kernel here is written once as plain Python and compiled twice:

* module level, ``@njit(cache=True)``, for the built-in nonlinearities
  selected by an integer code (``_act`` is :func:`meanfield._transfer.act`);
* on demand, without caching, for a user pair (phi, phi') by
  :func:`kernel_set`, which re-binds the global ``_act`` to
  :func:`meanfield._transfer.user_act` of the user's functions.

State layout: ``H`` is (N, m) -- m trajectories driven by the same input --
and ``Q`` is (N, k) tangent vectors linearised about ``H[:, 0]``.  One BLAS
product ``J @ [phi(H), phi'(H[:,0]) * Q]`` serves state and tangent, so the
state update costs nothing extra beside the tangent GEMM.

Arguments travel in named records (namedtuples, typed by Numba like tuples):
:data:`Stepper` (what step), :data:`Drive` (the input), :data:`Work` (work
arrays), :data:`Recorder` (what :func:`_simulate_chunk` records) and
:data:`QROut` (what :func:`_lyap_chunk` accumulates).
"""
import math
from collections import namedtuple

import numpy as np
from numba import njit

from ._transfer import ERF, LINEAR, RELU, TANH, USER, act as _act, clone, jit, user_act  # noqa: F401

# input codes
INPUT_NONE, INPUT_SINE, INPUT_OU = 0, 1, 2

# ---------------------------------------------------------------- named records
# Plain namedtuples: Numba types them as heterogeneous tuples with named fields, so a
# kernel reads ``st.dt`` instead of its 9th positional argument, at no cost.

#: The step: nonlinearity ``code``, step ``dt``, leak ``a`` of the Euler/map update
#: (a = dt for Euler, the leak for a map), ``rk4`` (else Euler/map), time ``t0`` of step 0.
Stepper = namedtuple("Stepper", ["code", "dt", "a", "rk4", "t0"])
#: The external input: ``pars`` [kind, amp_common, amp_indep, omega, phase_common], sine
#: phases ``cs`` (2, N), OU state ``xi`` (N+1,), constant ``bias`` (N,), and the exact OU
#: update xi <- ou_decay xi + ou_scale z of one sub-step.
Drive = namedtuple("Drive", ["pars", "cs", "xi", "bias", "ou_decay", "ou_scale"])
#: Preallocated work arrays of one run (see :func:`make_work`).
Work = namedtuple("Work", ["S", "P", "X", "Y", "KH", "KQ", "inp0", "inp_h", "inp1"])
#: Recording of :func:`_simulate_chunk`: unit indices ``idx``, every ``every`` steps, into
#: ``h`` (n_units, n_rec), ``mean_h``, ``mean_r``, ``inp`` (n_rec,).
Recorder = namedtuple("Recorder", ["idx", "every", "h", "mean_h", "mean_r", "inp"])
#: Outputs of :func:`_lyap_chunk` per interval: ``logr``, ``ipr`` (n_ons, k), ``logcond``
#: (n_ons,), filled only when ``accumulate``.
QROut = namedtuple("QROut", ["logr", "ipr", "logcond", "accumulate"])


def make_stepper(code, dt, a, rk4, t0=0.0):
    """A :data:`Stepper` with the field types the compiled kernels expect (one signature)."""
    return Stepper(int(code), float(dt), float(a), bool(rk4), float(t0))


def make_drive(pars, cs, xi, bias, ou_decay, ou_scale):
    """A :data:`Drive` (arrays float64, C order; the OU state ``xi`` is updated in place)."""
    return Drive(pars, cs, xi, bias, float(ou_decay), float(ou_scale))


def _input_eval(t, pars, cs, xi, bias, out):
    """External input I_i(t) = bias_i + common(t) + independent_i(t).

    pars = [kind, amp_common, amp_indep, omega, phase_common]; for sines the
    independent part is amp_indep * sin(omega t + theta_i) with
    cs = [cos theta_i, sin theta_i]; for OU it is amp_indep * xi_i and the
    common part amp_common * xi_N.
    """
    n = out.shape[0]
    kind = int(pars[0])
    if kind == INPUT_SINE:
        wt = pars[3] * t
        s = math.sin(wt)
        c = math.cos(wt)
        common = pars[1] * math.sin(wt + pars[4])
        ai = pars[2]
        for i in range(n):
            out[i] = bias[i] + common + ai * (s * cs[0, i] + c * cs[1, i])
    elif kind == INPUT_OU:
        common = pars[1] * xi[n]
        ai = pars[2]
        for i in range(n):
            out[i] = bias[i] + common + ai * xi[i]
    else:
        for i in range(n):
            out[i] = bias[i]


def _ou_advance(xi, decay, scale, z, row):
    """Exact OU update over one sub-step: xi <- decay xi + scale z."""
    for i in range(xi.shape[0]):
        xi[i] = decay * xi[i] + scale * z[row, i]


def _fill_stage(code, X, Y, S, m, k):
    """S = [phi(X), phi'(X[:,0]) * Y]."""
    n = X.shape[0]
    for i in range(n):
        d0 = 0.0
        for c in range(m):
            f, d = _act(code, X[i, c])
            S[i, c] = f
            if c == 0:
                d0 = d
        for j in range(k):
            S[i, m + j] = d0 * Y[i, j]


def _euler_step(code, J, H, Q, S, P, inp, a):
    """Leaky map  H <- (1-a) H + a (J phi(H) + I),  Q <- (1-a) Q + a J D_phi' Q.

    With a = dt this is the Euler step of dh/dt = -h + J phi(h) + I and Q
    moves with its exact Jacobian (1-a) 1 + a J diag phi'(h).
    """
    n, m = H.shape
    k = Q.shape[1]
    _fill_stage(code, H, Q, S, m, k)
    np.dot(J, S, P)
    b = 1.0 - a
    for i in range(n):
        for c in range(m):
            H[i, c] = b * H[i, c] + a * (P[i, c] + inp[i])
        for j in range(k):
            Q[i, j] = b * Q[i, j] + a * P[i, m + j]


def _rk4_step(code, J, H, Q, S, P, X, Y, KH, KQ, inp0, inp_h, inp1, dt):
    """Classical RK4 step of dh/dt = -h + J phi(h) + I(t) and its exact tangent.

    Stage tangents: K_s = A(x_s) (Q + c_s dt K_{s-1}), A(x) = -1 + J diag phi'(x),
    evaluated at the same stage states x_s that move H.
    """
    n, m = H.shape
    k = Q.shape[1]
    hd = 0.5 * dt
    # stage 1
    _fill_stage(code, H, Q, S, m, k)
    np.dot(J, S, P)
    for i in range(n):
        for c in range(m):
            r = -H[i, c] + P[i, c] + inp0[i]
            KH[i, c] = r
            X[i, c] = H[i, c] + hd * r
        for j in range(k):
            r = -Q[i, j] + P[i, m + j]
            KQ[i, j] = r
            Y[i, j] = Q[i, j] + hd * r
    # stage 2
    _fill_stage(code, X, Y, S, m, k)
    np.dot(J, S, P)
    for i in range(n):
        for c in range(m):
            r = -X[i, c] + P[i, c] + inp_h[i]
            KH[i, c] += 2.0 * r
            X[i, c] = H[i, c] + hd * r
        for j in range(k):
            r = -Y[i, j] + P[i, m + j]
            KQ[i, j] += 2.0 * r
            Y[i, j] = Q[i, j] + hd * r
    # stage 3
    _fill_stage(code, X, Y, S, m, k)
    np.dot(J, S, P)
    for i in range(n):
        for c in range(m):
            r = -X[i, c] + P[i, c] + inp_h[i]
            KH[i, c] += 2.0 * r
            X[i, c] = H[i, c] + dt * r
        for j in range(k):
            r = -Y[i, j] + P[i, m + j]
            KQ[i, j] += 2.0 * r
            Y[i, j] = Q[i, j] + dt * r
    # stage 4
    _fill_stage(code, X, Y, S, m, k)
    np.dot(J, S, P)
    w = dt / 6.0
    for i in range(n):
        for c in range(m):
            H[i, c] += w * (KH[i, c] + (-X[i, c] + P[i, c] + inp1[i]))
        for j in range(k):
            Q[i, j] += w * (KQ[i, j] + (-Y[i, j] + P[i, m + j]))


def _advance(st, J, H, Q, W, drive, z, n_steps, step0):
    """Advance H (and Q) by n_steps steps starting at global step index step0.

    ``st`` is a :data:`Stepper`, ``W`` the :data:`Work` arrays, ``drive`` the
    :data:`Drive` of the input.  Time of step s is st.t0 + s*st.dt.  For OU input
    z holds the unit normals of this call, one row per sub-step (2 per step for
    RK4, 1 for Euler).  Returns -1, or the step (relative to this call) at
    which H became non-finite.
    """
    code, dt, rk4, t0 = st.code, st.dt, st.rk4, st.t0
    pars, cs, xi, bias = drive.pars, drive.cs, drive.xi, drive.bias
    ou_decay, ou_scale = drive.ou_decay, drive.ou_scale
    ou = int(pars[0]) == INPUT_OU
    n = H.shape[0]
    for s in range(n_steps):
        t = t0 + (step0 + s) * dt
        _input_eval(t, pars, cs, xi, bias, W.inp0)
        if rk4:
            if ou:
                _ou_advance(xi, ou_decay, ou_scale, z, 2 * s)
            _input_eval(t + 0.5 * dt, pars, cs, xi, bias, W.inp_h)
            if ou:
                _ou_advance(xi, ou_decay, ou_scale, z, 2 * s + 1)
            _input_eval(t + dt, pars, cs, xi, bias, W.inp1)
            _rk4_step(code, J, H, Q, W.S, W.P, W.X, W.Y, W.KH, W.KQ, W.inp0, W.inp_h, W.inp1, dt)
        else:
            if ou:
                _ou_advance(xi, ou_decay, ou_scale, z, s)
            _euler_step(code, J, H, Q, W.S, W.P, W.inp0, st.a)
        acc = 0.0
        for i in range(n):
            acc += H[i, 0]
        if not math.isfinite(acc):
            return s
    return -1


def _simulate_chunk(st, J, H, W, drive, z, n_steps, step0, rec, rec_pos):
    """Simulate n_steps and record every rec.every-th step (global index) into the :data:`Recorder`.

    Records the chosen units, the population means of h and phi(h), and the
    population-mean external input.  Returns (status, new rec_pos).
    """
    Q = np.empty((H.shape[0], 0))
    n = H.shape[0]
    inp0 = W.inp0
    nsub = 2 if st.rk4 else 1
    for s in range(n_steps):
        g = step0 + s
        if g % rec.every == 0 and rec_pos < rec.h.shape[1]:
            _input_eval(st.t0 + g * st.dt, drive.pars, drive.cs, drive.xi, drive.bias, inp0)
            mh = 0.0
            mr = 0.0
            mi = 0.0
            for i in range(n):
                f, d = _act(st.code, H[i, 0])
                mh += H[i, 0]
                mr += f
                mi += inp0[i]
            rec.mean_h[rec_pos] = mh / n
            rec.mean_r[rec_pos] = mr / n
            rec.inp[rec_pos] = mi / n
            for u in range(rec.idx.shape[0]):
                rec.h[u, rec_pos] = H[rec.idx[u], 0]
            rec_pos += 1
        status = _advance(st, J, H, Q, W, drive, z[s * nsub:(s + 1) * nsub], 1, g)
        if status >= 0:
            return s, rec_pos
    return -1, rec_pos


def _lyap_chunk(st, J, H, Q, W, drive, z, n_ons, steps_per_ons, step0, out):
    """n_ons intervals of steps_per_ons steps, each followed by Q, R = qr(Q).

    Fills, in the :data:`QROut` record ``out``, logr[o, j] = ln|R_jj|,
    ipr[o, j] = sum_i Q_ij^4 (inverse participation ratio of vector j) and
    logcond[o] = ln(max|R_jj| / min|R_jj|) when ``out.accumulate``.  Returns -1
    or the index of the failing interval.
    """
    nsub = 2 if st.rk4 else 1
    per = steps_per_ons * nsub
    accumulate = out.accumulate
    logr, ipr, logcond = out.logr, out.ipr, out.logcond
    for o in range(n_ons):
        status = _advance(st, J, H, Q, W, drive, z[o * per:(o + 1) * per], steps_per_ons,
                          step0 + o * steps_per_ons)
        if status >= 0:
            return o
        if not _qr_step(Q, o, logr, ipr, logcond, accumulate):
            return o
    return -1


def _qr_step(Q, o, logr, ipr, logcond, accumulate):
    """Q, R = qr(Q), Q replaced in place, after interval o; when ``accumulate`` fills logr[o, j] =
    ln|R_jj|, ipr[o, j] = sum_i Q_ij^4 and logcond[o] = ln(max|R_jj| / min|R_jj|).  Returns False
    (nothing replaced) when Q or R is not finite -- a NaN from phi' reaches Q only, so it is
    caught before LAPACK sees it.  Shared with :mod:`meanfield.rnn`'s kernels."""
    k = Q.shape[1]
    n = Q.shape[0]
    for i in range(n):
        for j in range(k):
            if not math.isfinite(Q[i, j]):
                return False
    q, r = np.linalg.qr(Q)
    rmax = 0.0
    rmin = np.inf
    for j in range(k):
        v = abs(r[j, j])
        if not math.isfinite(v):
            return False
        if accumulate:
            logr[o, j] = math.log(v) if v > 0.0 else -np.inf
        rmax = max(rmax, v)
        rmin = min(rmin, v)
    for i in range(n):
        for j in range(k):
            Q[i, j] = q[i, j]
    if accumulate:
        logcond[o] = math.log(rmax / rmin) if rmin > 0.0 else np.inf
        for j in range(k):
            acc = 0.0
            for i in range(n):
                v2 = Q[i, j] * Q[i, j]
                acc += v2 * v2
            ipr[o, j] = acc
    return True


def _two_traj_chunk(st, J, H, W, drive, z, n_ons, steps_per_ons, step0, d0, logd):
    """Reference H[:,0] and perturbed H[:,1]; renormalise the separation to d0 every interval."""
    Q = np.empty((H.shape[0], 0))
    n = H.shape[0]
    nsub = 2 if st.rk4 else 1
    per = steps_per_ons * nsub
    for o in range(n_ons):
        status = _advance(st, J, H, Q, W, drive, z[o * per:(o + 1) * per], steps_per_ons,
                          step0 + o * steps_per_ons)
        if status >= 0:
            return o
        d2 = 0.0
        for i in range(n):
            e = H[i, 1] - H[i, 0]
            d2 += e * e
        d = math.sqrt(d2)
        if not (d > 0.0 and math.isfinite(d)):
            return o
        logd[o] = math.log(d / d0)
        f = d0 / d
        for i in range(n):
            H[i, 1] = H[i, 0] + f * (H[i, 1] - H[i, 0])
    return -1


_RAW = (_input_eval, _ou_advance, _fill_stage, _euler_step, _rk4_step,
        _advance, _simulate_chunk, _qr_step, _lyap_chunk, _two_traj_chunk)

_g = globals()
for _fn in _RAW:
    _g[_fn.__name__] = njit(cache=True)(_fn)


class KernelSet:
    """Namespace of compiled kernels for one nonlinearity."""

    def __init__(self, funcs):
        self.__dict__.update(funcs)


_BUILTIN = KernelSet({"act": _act, **{f.__name__.lstrip("_"): _g[f.__name__] for f in _RAW}})
_USER_CACHE = {}


def kernel_set(phi=None, dphi=None):
    """Kernels for built-in codes (phi None) or for a user pair (phi, phi').

    User functions are wrapped with ``njit`` if they are plain Python; the
    kernels are compiled on first call and not cached on disk.
    """
    if phi is None:
        return _BUILTIN
    key = (phi, dphi)
    if key in _USER_CACHE:
        return _USER_CACHE[key]
    ns = dict(_g)
    ns["_act"] = user_act(phi, dphi)
    funcs = {"act": ns["_act"]}
    for fn in _RAW:
        ns[fn.__name__] = njit(clone(fn, ns))
        funcs[fn.__name__.lstrip("_")] = ns[fn.__name__]
    ks = KernelSet(funcs)
    _USER_CACHE[key] = ks
    return ks


def make_work(n, m, k):
    """Preallocated :data:`Work` arrays for _advance of n units, m trajectories, k tangent vectors:
    stage input S and product P (n, m+k), stage states X (n, m) and tangents Y (n, k), RK4 sums
    KH (n, m) and KQ (n, k), inputs at t, t + dt/2, t + dt (n,)."""
    return Work(np.empty((n, m + k)), np.empty((n, m + k)), np.empty((n, m)),
                np.empty((n, k)), np.empty((n, m)), np.empty((n, k)),
                np.empty(n), np.empty(n), np.empty(n))
