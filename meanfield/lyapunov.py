r"""Lyapunov spectra by the QR (Benettin) method [EWA].

k orthonormal tangent vectors Q move with the exact Jacobian of the step
that moves the state (Euler: :math:`D = (1-\Delta t)\mathbb 1 + \Delta t\,J\,\mathrm{diag}\,\phi'(h)`;
RK4: its exact tangent); every :math:`t_\mathrm{ONS}` they are
re-orthonormalised, :math:`Q R = \mathrm{qr}(Q)` (LAPACK Householder), and

.. math::

    \lambda_i = \frac{1}{T}\sum_{n} \ln |R^{(n)}_{ii}|.

Error bars come from B contiguous blocks of the run:
:math:`\mathrm{SE} = \mathrm{sd}(\lambda^{(b)})/\sqrt B`.
Derived: entropy rate :math:`H = \sum_{\lambda_i>0}\lambda_i` (Pesin) and the
Kaplan--Yorke dimension :math:`D = k + \sum_{i\le k}\lambda_i/|\lambda_{k+1}|`.
Rates are per unit time (τ); for maps, per iteration.
"""
import hashlib
import json
import math
import os
import warnings
from dataclasses import dataclass, field

import numpy as np

from . import _engine, _kernels
from ._threads import blas_threads, default_threads
from ._validation import check_int, check_real, check_seed, check_vector
from .errors import NotAResultFileError, blowup_cause
from .results import (Result, atomic_savez, deprecated_alias, provenance, read_npz, remove_stale_temporaries,
                      standard_diagnostics)
from .systems import Flow, Map

# Householder QR keeps the basis orthonormal, but the relative accuracy of the
# smallest R_ii degrades like eps * cond; warn when fewer than ~4 digits remain.
COND_WARN = 1e12


@dataclass
class LyapunovResult(Result):
    r"""Output of :func:`lyapunov_spectrum`.

    Attributes
    ----------
    exponents : ndarray (k,)
        Lyapunov exponents in the QR (Oseledets) order, which is descending
        up to statistical error: two nearly degenerate neighbours can be
        out of order by less than their standard errors.  Not re-sorted, so
        the first k of a full run equal a run of k exponents (1/τ; per
        iteration for maps).
    stderr : ndarray (k,)
        Standard errors from ``n_blocks`` independent blocks.
    history : ndarray (n_h, k)
        Running estimates :math:`\sum_{n\le M}\ln|R_{ii}|/(M t_\mathrm{ONS})`
        after re-orthonormalisation M = ``history_times / t_ons``.
    history_times : ndarray (n_h,)
        Accumulation time of each history row.
    block_exponents : ndarray (B, k)
        Per-block estimates (the error bars' source).
    entropy_rate, entropy_rate_stderr : float
        :math:`H = \sum_{\lambda_i > 0}\lambda_i` and its block error.
    dimension, dimension_stderr : float or None
        Kaplan--Yorke dimension; None when the computed exponents sum to a
        positive number (more exponents are needed).
    entropy_rate_per_N, dimension_per_N : float or None
        The same divided by the system size N.
    participation_ratio : ndarray (k,)
        Time average of :math:`\mathrm{PR}_j = (\sum_i q_{ij}^2)^2/\sum_i q_{ij}^4`
        of the orthonormal (Gram--Schmidt) vectors: N for delocalised, 1 for
        a vector on one unit.
    condition_max : float
        Largest :math:`\max_i|R_{ii}|/\min_i|R_{ii}|` over re-orthonormalisations,
        a lower bound of cond(Q) before the QR; a warning is raised above 1e12.
    mean_log_condition : float
        Mean of ln of that ratio.
    """

    exponents: np.ndarray
    stderr: np.ndarray
    history: np.ndarray
    history_times: np.ndarray
    block_exponents: np.ndarray
    entropy_rate: float
    entropy_rate_stderr: float
    dimension: object
    dimension_stderr: object
    entropy_rate_per_N: float
    dimension_per_N: object
    participation_ratio: np.ndarray
    condition_max: float
    mean_log_condition: float
    N: int
    t_sim: float
    t_ons: float
    dt: float
    integrator: str
    seed: int
    system: dict
    parameters: dict
    diagnostics: dict = field(default_factory=dict)
    versions: dict = field(default_factory=provenance)

    _renamed = {"method": "integrator"}
    method = "qr"    # the algorithm (one meaning of ``method``); the integrator is ``integrator``

    def __post_init__(self):
        self.diagnostics = standard_diagnostics(self.diagnostics, iterations=None,
                                                n_evaluations=int(round(self.t_sim / self.t_ons)))

    @property
    def lambda_max(self):
        """The largest exponent (first of ``exponents``)."""
        return float(self.exponents[0])

    @property
    def lambda_max_error(self):
        """Its standard error (first of ``stderr``)."""
        return float(self.stderr[0])

    @property
    def n_exponents(self):
        return self.exponents.size

    def plot(self, ax=None, **kw):
        """Plot the spectrum against i/N with error bars (see :func:`meanfield.plotting.plot_spectrum`)."""
        from .plotting import plot_spectrum
        return plot_spectrum(self, ax=ax, **kw)


@dataclass
class LyapunovMaxResult(Result):
    """Output of :func:`lyapunov_max`: ``lambda_max`` ± ``lambda_max_error`` (block standard error)
    with its running ``history``; ``method`` is "two-trajectory" or "qr"."""

    lambda_max: float
    lambda_max_error: float
    history: np.ndarray
    history_times: np.ndarray
    block_estimates: np.ndarray
    method: str
    t_sim: float
    t_ons: float
    dt: float
    seed: int
    system: dict
    parameters: dict
    diagnostics: dict = field(default_factory=dict)
    versions: dict = field(default_factory=provenance)

    _renamed = {"stderr": "lambda_max_error"}
    stderr = deprecated_alias("lambda_max_error", "stderr")

    def __post_init__(self):
        self.diagnostics = standard_diagnostics(self.diagnostics, iterations=None,
                                                n_evaluations=int(round(self.t_sim / self.t_ons)))


def kaplan_yorke(exponents):
    r"""Kaplan--Yorke dimension :math:`D = j + \sum_{i\le j}\lambda_i/|\lambda_{j+1}|`.

    j is the largest index with :math:`\sum_{i\le j}\lambda_i \ge 0`.
    Returns 0 when :math:`\lambda_1 < 0` and None when the given exponents
    still sum to a non-negative number (the crossing lies beyond them).
    """
    lam = np.sort(np.asarray(exponents, dtype=np.float64))[::-1]
    if lam.size == 0 or lam[0] < 0:
        return 0.0
    cs = np.cumsum(lam)
    j = int(np.nonzero(cs >= 0)[0][-1])
    if j + 1 >= lam.size:
        return None
    return float(j + 1 + cs[j] / abs(lam[j + 1]))


def entropy_rate(exponents):
    """Pesin entropy rate: the sum of the positive exponents."""
    lam = np.asarray(exponents, dtype=np.float64)
    return float(lam[lam > 0].sum())


class _Accumulator:
    """Sums ln|R_ii| per re-orthonormalisation into running totals, blocks and history.

    Sums run sequentially, row by row, so a run resumed from a checkpoint
    reproduces the uninterrupted run bit for bit.
    """

    def __init__(self, k, n_ons, n_blocks, history_every):
        self.k, self.n_ons, self.n_blocks, self.every = k, n_ons, n_blocks, history_every
        self.total = np.zeros(k)
        self.blocks = np.zeros((n_blocks, k))
        self.block_n = np.zeros(n_blocks, dtype=np.int64)
        self.ipr = np.zeros(k)
        self.logcond_sum = 0.0
        self.logcond_max = 0.0
        self.hist = []
        self.hist_o = []
        self.done = 0

    def add(self, logr, ipr, logcond):
        n = logr.shape[0]
        o = self.done + np.arange(n)
        cum = np.cumsum(np.vstack([self.total[None, :], logr]), axis=0)[1:]
        self.total = cum[-1].copy()
        b = (o * self.n_blocks) // self.n_ons
        np.add.at(self.blocks, b, logr)
        np.add.at(self.block_n, b, 1)
        self.ipr = np.cumsum(np.vstack([self.ipr[None, :], ipr]), axis=0)[-1]
        self.logcond_sum = float(np.cumsum(np.concatenate([[self.logcond_sum], logcond]))[-1])
        self.logcond_max = max(self.logcond_max, float(logcond.max()))
        sel = np.nonzero((o + 1) % self.every == 0)[0]
        for r in sel:
            self.hist.append(cum[r] / (o[r] + 1))
            self.hist_o.append(o[r] + 1)
        self.done += n

    def state(self):
        return {"total": self.total, "blocks": self.blocks, "block_n": self.block_n, "ipr": self.ipr,
                "logcond": np.array([self.logcond_sum, self.logcond_max]),
                "hist": np.array(self.hist).reshape(-1, self.k),
                "hist_o": np.array(self.hist_o, dtype=np.int64),
                "done": self.done}

    def restore(self, st):
        self.total = np.array(st["total"])
        self.blocks = np.array(st["blocks"])
        self.block_n = np.array(st["block_n"])
        self.ipr = np.array(st["ipr"])
        self.logcond_sum, self.logcond_max = (float(v) for v in st["logcond"])
        self.hist = list(np.array(st["hist"]))
        self.hist_o = [int(v) for v in st["hist_o"]]
        self.done = int(st["done"])


def _finish(acc, t_ons, N, system_dict, seed, dt, integrator, t_sim, params):
    T = acc.done * t_ons
    lam = acc.total / T
    blk = acc.blocks / (acc.block_n[:, None] * t_ons)
    B = blk.shape[0]
    se = blk.std(axis=0, ddof=1) / math.sqrt(B)
    H = entropy_rate(lam)
    H_b = np.array([entropy_rate(r) for r in blk])
    D = kaplan_yorke(lam)
    D_b = [kaplan_yorke(r) for r in blk]
    D_se = None
    if D is not None and all(d is not None for d in D_b):
        D_se = float(np.std(D_b, ddof=1) / math.sqrt(B))
    hist = np.array(acc.hist).reshape(-1, lam.size) / t_ons
    cond_max = math.exp(min(acc.logcond_max, 700.0))
    if cond_max > COND_WARN:
        sugg = t_ons * math.log(1e6) / acc.logcond_max
        warnings.warn(f"t_ons = {t_ons:g} is long for this spectrum's width: max|R_ii|/min|R_ii| reached "
                      f"{cond_max:.2e} between re-orthonormalisations, so the smallest exponents lose "
                      f"precision; use t_ons <= {sugg:.3g}", RuntimeWarning, stacklevel=3)
    ipr = acc.ipr / acc.done
    return LyapunovResult(
        exponents=lam, stderr=se, history=hist, history_times=np.array(acc.hist_o, dtype=np.float64) * t_ons,
        block_exponents=blk, entropy_rate=H, entropy_rate_stderr=float(H_b.std(ddof=1) / math.sqrt(B)),
        dimension=D, dimension_stderr=D_se, entropy_rate_per_N=H / N,
        dimension_per_N=None if D is None else D / N, participation_ratio=1.0 / ipr,
        condition_max=cond_max, mean_log_condition=acc.logcond_sum / acc.done, N=N, t_sim=T,
        t_ons=t_ons, dt=dt, integrator=integrator, seed=seed, system=system_dict, parameters=params)


def _initial_basis(ss, N, k):
    """Orthonormal N x k basis; its columns are the first k of the N x N basis drawn from the same seed."""
    A = np.random.default_rng(ss).standard_normal((k, N)).T
    q, r = np.linalg.qr(A)
    return np.ascontiguousarray(q * np.sign(np.diag(r))[None, :])


def _params_hash(params):
    return hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:16]


_CHECKPOINT_FIELDS = ("key", "phase", "H", "Q", "xi", "step", "noise_state")


def _load_checkpoint(path, key):
    if path is None:
        return None
    remove_stale_temporaries(path)
    if not os.path.exists(path):
        return None
    st = read_npz(path, "meanfield checkpoint")
    missing = [k for k in _CHECKPOINT_FIELDS if k not in st]
    if missing:
        raise NotAResultFileError(f"{path} is not a meanfield checkpoint file: missing {missing}")
    if str(st["key"]) != key:
        raise ValueError(f"checkpoint {path} belongs to a run with other parameters; "
                         "delete it or choose another path")
    try:
        st["noise_state"] = json.loads(str(st["noise_state"]))
    except ValueError as exc:
        raise NotAResultFileError(f"{path} is not a valid meanfield checkpoint file: broken noise state "
                                  f"({exc})") from None
    return st


def _save_checkpoint(path, key, run_state, acc_state, phase):
    arrays = {"key": np.array(key), "phase": np.array(phase)}
    for k, v in run_state.items():
        arrays[k] = np.array(json.dumps(v)) if k == "noise_state" else np.asarray(v)
    for k, v in acc_state.items():
        arrays["acc_" + k] = np.asarray(v)
    atomic_savez(path, **arrays)


def _timing(sysm, method, method_name, dt, t_ons, t_sim, n_blocks):
    # method here is the integrator
    """Validate the integrator and the time grid shared by the QR and two-trajectory runs.

    Returns (method, dt, t_ons, steps per t_ons, number of intervals, n_blocks).
    """
    method, dt, _, _ = _engine.resolve_integrator(sysm, method, dt, method_name)
    t_ons = 1.0 if t_ons is None else check_real("t_ons", t_ons, 0.0, low_open=True)
    spo = _engine.steps_of("t_ons", t_ons, dt, low=1)
    t_ons = spo * dt
    n_blocks = check_int("n_blocks", n_blocks, 2)
    t_sim = check_real("t_sim", t_sim, 0.0, low_open=True)
    n_ons = int(round(t_sim / t_ons))
    if n_ons < n_blocks:
        raise ValueError(f"t_sim = {t_sim:g} holds {n_ons} intervals t_ons; at least n_blocks = "
                         f"{n_blocks} are needed (raise t_sim or lower t_ons)")
    if abs(n_ons * t_ons - t_sim) > 1e-9 * max(1.0, t_sim):
        raise ValueError(f"t_sim = {t_sim:g} must be a whole multiple of t_ons = {t_ons:g}")
    return method, dt, t_ons, spo, n_ons, n_blocks


def lyapunov_spectrum(model_or_system, n_exponents=None, t_sim=1000.0, t_warmup=100.0, t_ons=None,
                      dt=None, integrator=None, seed=None, t_warmup_tangent=None, n_blocks=10, x0=None,
                      history_every=None, threads=None, progress=True, checkpoint=None,
                      checkpoint_every=60.0, method=None):
    r"""Lyapunov spectrum (all or the first k exponents) by the QR method.

    Parameters
    ----------
    model_or_system : RandomNetwork, BalancedNetwork, Flow or Map
        The dynamical system.  Inputs (sines, OU noise) make the Jacobian
        time dependent; they are handled exactly.
    n_exponents : int, optional
        Number k of leading exponents, 1 <= k <= N (default all N).
    t_sim : float
        Accumulation time T (τ; iterations for maps).
    t_warmup : float
        State warm-up before the tangent vectors start (>= 100 τ advised).
    t_ons : float, optional
        Time between re-orthonormalisations (default 1 τ, or 1 iteration).
        Must be a whole multiple of dt.
    dt : float, optional
        Integration step (default 0.1); None for maps.
    integrator : {"rk4", "euler"}, optional
        Integrator for continuous time (default "rk4"); the tangent map is
        the exact linearisation of the chosen step.
    seed : int or None
        Run seed; spawns independent streams for the initial state, the
        initial basis and the input noise.  None: fresh, recorded in the result.
    t_warmup_tangent : float, optional
        Basis warm-up after the state warm-up, not accumulated; a whole
        multiple of ``t_ons`` (default ``t_warmup`` rounded to whole ``t_ons``).
    n_blocks : int
        Number of contiguous blocks for the standard errors (>= 2).
    x0 : array_like, optional
        Initial state (networks: default N(0, 1) per unit from ``seed``).
    history_every : int, optional
        Keep the running estimate every this many re-orthonormalisations
        (default: at most ~2000 rows).
    threads : int or None
        BLAS threads during the run (None: 1 when N^2 (k+1) < 2e8, else as
        configured; see :func:`meanfield._threads.default_threads`).
    progress : bool
        Progress bar on terminals.
    checkpoint : path, optional
        Save the run state there atomically every ``checkpoint_every``
        seconds (networks only: a TypeError for Flow/Map); an existing checkpoint of the same parameters is
        resumed and the result equals the uninterrupted run bit for bit.
    checkpoint_every : float
        Seconds between checkpoints, >= 0.
    method : deprecated
        The old name of ``integrator``.

    Returns
    -------
    LyapunovResult

    Raises
    ------
    SimulationBlowUp
        The state overflowed (time given).

    Warns
    ------
    RuntimeWarning
        dt outside the integrator's stability interval of the balanced network's population-mean
        mode (rate :math:`1 + J_0\sqrt K\langle\phi'\rangle`, growing like √K): the numbers are not valid.
    """
    sysm = _engine.check_model(model_or_system, "model_or_system")
    is_generic = isinstance(sysm, (Flow, Map))
    N = sysm.N
    k = N if n_exponents is None else check_int("n_exponents", n_exponents, 1, N)
    integrator = _engine.integrator_argument(integrator, method, "lyapunov_spectrum")
    method, dt, t_ons, spo, n_ons, n_blocks = _timing(sysm, integrator, "integrator", dt, t_ons, t_sim,
                                                      n_blocks)
    n_warm = _engine.steps_of("t_warmup", t_warmup, dt)
    if t_warmup_tangent is None:        # default: t_warmup, rounded to whole intervals t_ons
        n_warm_ons = int(round(check_real("t_warmup", t_warmup, 0.0) / t_ons))
    else:
        n_warm_ons = _engine.steps_of("t_warmup_tangent", t_warmup_tangent, t_ons, unit="t_ons")
    if checkpoint is not None:
        if is_generic:
            raise TypeError("checkpoint= applies to network models (RandomNetwork, BalancedNetwork); "
                            f"a {type(sysm).__name__} run is not checkpointed: leave checkpoint=None")
        if not isinstance(checkpoint, (str, os.PathLike)):
            raise TypeError(f"checkpoint must be a path (str or os.PathLike), got "
                            f"{type(checkpoint).__name__}")
    checkpoint_every = check_real("checkpoint_every", checkpoint_every, 0.0)
    every = (max(1, n_ons // 2000) if history_every is None
             else check_int("history_every", history_every, 1))
    ss = check_seed("seed", seed)
    params = {"n_exponents": k, "t_sim": n_ons * t_ons, "t_warmup": n_warm * dt,
              "t_warmup_tangent": n_warm_ons * t_ons, "t_ons": t_ons, "dt": dt, "integrator": method,
              "n_blocks": n_blocks, "history_every": every, "seed": int(ss.entropy)}
    if threads is None:
        threads = default_threads(k + 1, N)
    acc = _Accumulator(k, n_ons, n_blocks, every)
    with blas_threads(threads):
        if is_generic and hasattr(sysm, "_qr_run"):     # systems with their own kernels (meanfield.rnn)
            sysm._qr_run(k, acc, n_warm, n_warm_ons, n_ons, spo, ss, x0, progress)
            check = _engine.StepCheck(dt, "map")          # a map: no step to check
        elif is_generic:
            check = _generic_qr(sysm, k, acc, n_warm, n_warm_ons, n_ons, spo, dt, method, ss, x0, progress)
        else:
            check = _network_qr(sysm, k, acc, n_warm, n_warm_ons, n_ons, spo, dt, method, ss, x0, progress,
                                checkpoint, checkpoint_every, params)
    res = _finish(acc, t_ons, N, sysm.to_dict(), int(ss.entropy), dt, method, n_ons * t_ons, params)
    res.diagnostics.update(check.diagnostics())
    return res


def _network_qr(model, k, acc, n_warm, n_warm_ons, n_ons, spo, dt, method, ss, x0, progress,
                checkpoint, checkpoint_every, params):
    import time as _time
    run = _engine.NetworkRun(model, method, dt, ss, x0=x0, m=1, k=k)
    key = _params_hash({"params": params, "model": model.to_dict()})
    st = _load_checkpoint(os.fspath(checkpoint) if checkpoint is not None else None, key)
    total_t = (n_warm + (n_warm_ons + n_ons) * spo) * dt
    bar = _engine.progress_bar(total_t, "lyapunov", progress)
    phase_done = -1
    if st is None:
        for start, size in _engine.chunks(n_warm):
            run.advance(size)
            bar.update(size * dt)
        run.set_tangent(_initial_basis(run.ss_basis, model.N, k))
    else:
        keys = ("H", "Q", "xi", "step", "noise_state", "step_records", "step_spent", "stiff")
        run.restore({k: st[k] for k in keys if k in st})
        acc.restore({kk[4:]: v for kk, v in st.items() if kk.startswith("acc_")})
        phase_done = int(st["phase"])
        bar.update(run.step * dt)
    last_save = _time.monotonic()
    K = run.ks
    stepper = run.stepper()
    run.step_check.plan((n_warm_ons + n_ons) * spo)
    # phase 0: basis warm-up; phase 1: accumulation.  Chunk grids are fixed.
    for phase, n_total in ((0, n_warm_ons), (1, n_ons)):
        if phase < phase_done:
            continue
        for start, size in _engine.chunks(n_total):
            if phase == 1 and start < acc.done:
                continue
            if phase == 0 and phase_done == 0 and start < (run.step - n_warm) // spo:
                continue
            n_acc = size if phase == 1 else 0
            out = _kernels.QROut(np.empty((n_acc, k)), np.empty((n_acc, k)), np.empty(n_acc), phase == 1)
            st_ = K.lyap_chunk(stepper, run.J, run.H, run.Q, run.W, run.drive, run.noise(size * spo),
                               size, spo, run.step, out)
            if st_ >= 0:
                bar.close()
                raise run.blowup(run.step + (st_ + 1) * spo)
            run.step += size * spo
            run.after_chunk(size * spo, with_tangent=True)
            if phase == 1:
                acc.add(out.logr, out.ipr, out.logcond)
            bar.update(size * spo * dt)
            if checkpoint is not None and _time.monotonic() - last_save >= checkpoint_every:
                _save_checkpoint(checkpoint, key, run.state(), acc.state(), phase)
                last_save = _time.monotonic()
    bar.close()
    run.warn_if_unsafe()
    if checkpoint is not None:
        _save_checkpoint(checkpoint, key, run.state(), acc.state(), 2)
    return run.step_check


def _generic_qr(sysm, k, acc, n_warm, n_warm_ons, n_ons, spo, dt, method, ss, x0, progress):
    ss_x0, ss_basis, _ = ss.spawn(3)
    x = sysm.x0.copy() if x0 is None else check_vector("x0", x0, sysm.N).copy()
    stepper = _GenericStepper(sysm, dt, method)
    stepper.check.plan((n_warm_ons + n_ons) * spo)
    bar = _engine.progress_bar((n_warm + (n_warm_ons + n_ons) * spo) * dt, "lyapunov", progress)
    x, t, _ = stepper.run(x, None, 0.0, n_warm)
    bar.update(n_warm * dt)
    Q = _initial_basis(ss_basis, sysm.N, k)
    for phase, n_total in ((0, n_warm_ons), (1, n_ons)):
        for start, size in _engine.chunks(n_total):
            logr, ipr, lc = np.empty((size, k)), np.empty((size, k)), np.empty(size)
            for o in range(size):
                x, t, Q = stepper.run(x, Q, t, spo)
                if not (np.all(np.isfinite(x)) and np.all(np.isfinite(Q))):
                    bar.close()
                    raise _engine.SimulationBlowUp(t, cause=blowup_cause(x, Q))
                Q, r = np.linalg.qr(Q)
                d = np.abs(np.diag(r))
                with np.errstate(divide="ignore"):
                    logr[o] = np.log(d)
                lc[o] = math.log(d.max() / d.min()) if d.min() > 0 else np.inf
                ipr[o] = (Q ** 4).sum(axis=0)
            stepper.after(x, t, size * spo, Q)
            if phase == 1:
                acc.add(logr, ipr, lc)
            bar.update(size * spo * dt)
    bar.close()
    stepper.check.warn("this system", stacklevel=4)
    return stepper.check


class _GenericStepper:
    """Euler / RK4 / map steps of a Flow or Map, with the exact tangent of each step."""

    def __init__(self, sysm, dt, method):
        self.s, self.dt, self.method = sysm, dt, method
        self.check = _engine.StepCheck(dt, method)
        self._half = None

    def step_error(self, x, t, Q=None):
        """:func:`meanfield._engine.relative_step_error` of the next step from (t, x), and
        :func:`meanfield._engine.tangent_step_error` of the tangent vectors Q when given."""
        if self._half is None:
            self._half = _GenericStepper(self.s, 0.5 * self.dt, self.method)
        y1, _, q1 = self.run(x, Q, t, 1)
        y2, _, q2 = self._half.run(x, Q, t, 2)
        p = _engine.ORDER[self.method]
        return (_engine.relative_step_error(y1, y2, p),
                math.nan if Q is None else _engine.tangent_step_error(q1, q2, p))

    def after(self, x, t, n_steps, Q=None):
        """Step check after n_steps of the measured phase, when due."""
        if self.check.due(n_steps):
            self.check.add(*self.step_error(x, t, Q if self.check.tangent_due() else None))

    def run(self, x, Q, t, n):
        s, dt = self.s, self.dt
        for _ in range(n):
            if self.method == "map":
                if Q is not None:
                    Q = s._checked_jac(s.jacobian(x)) @ Q
                x = np.asarray(s.step(x), dtype=np.float64)
            elif self.method == "euler":
                if Q is not None:
                    Q = Q + dt * (s._checked_jac(s.jacobian(t, x)) @ Q)
                x = x + dt * np.asarray(s.rhs(t, x), dtype=np.float64)
            else:
                x, Q = self._rk4(x, Q, t)
            t += dt
        return x, t, Q

    def _rk4(self, x, Q, t):
        s, dt = self.s, self.dt
        f = s.rhs
        h = 0.5 * dt
        k1 = np.asarray(f(t, x), dtype=np.float64)
        x2 = x + h * k1
        k2 = np.asarray(f(t + h, x2), dtype=np.float64)
        x3 = x + h * k2
        k3 = np.asarray(f(t + h, x3), dtype=np.float64)
        x4 = x + dt * k3
        k4 = np.asarray(f(t + dt, x4), dtype=np.float64)
        if Q is not None:
            jac = s.jacobian
            K1 = s._checked_jac(jac(t, x)) @ Q
            K2 = s._checked_jac(jac(t + h, x2)) @ (Q + h * K1)
            K3 = s._checked_jac(jac(t + h, x3)) @ (Q + h * K2)
            K4 = s._checked_jac(jac(t + dt, x4)) @ (Q + dt * K3)
            Q = Q + (dt / 6.0) * (K1 + 2 * K2 + 2 * K3 + K4)
        return x + (dt / 6.0) * (k1 + 2 * k2 + 2 * k3 + k4), Q


def lyapunov_max(model_or_system, method="two-trajectory", t_sim=1000.0, t_warmup=100.0, t_ons=None,
                 dt=None, integrator=None, d0=None, seed=None, n_blocks=10, x0=None, threads=None,
                 progress=True):
    r"""Largest Lyapunov exponent.

    ``method="two-trajectory"`` is the brute-force check: a reference and a
    perturbed trajectory at distance :math:`d_0`, renormalised every
    :math:`t_\mathrm{ONS}`; :math:`\lambda_\max = \sum\ln(d/d_0)/T`.  It uses
    no Jacobian, so it independently tests the tangent dynamics.
    ``method="qr"`` runs :func:`lyapunov_spectrum` with one exponent.

    Parameters
    ----------
    model_or_system : RandomNetwork, BalancedNetwork, Flow or Map
    method : {"two-trajectory", "qr"}
    t_sim, t_warmup, t_ons, dt, seed, n_blocks, x0, threads, progress
        As in :func:`lyapunov_spectrum`.
    integrator : {"rk4", "euler"}, optional
        Integrator for continuous time (default "rk4").
    d0 : float, optional
        Separation of the two trajectories, 0 < d0 < 1e-3 (default 1e-8: small enough for
        linear growth, large enough against round-off); two-trajectory method only.

    Returns
    -------
    LyapunovMaxResult
    """
    if method not in ("two-trajectory", "qr"):
        raise ValueError(f"method must be 'two-trajectory' or 'qr', got {method!r}")
    if method == "qr":
        if d0 is not None:
            raise TypeError("d0 applies to method='two-trajectory' (the QR method has no separation); "
                            "leave d0=None")
        r = lyapunov_spectrum(model_or_system, 1, t_sim=t_sim, t_warmup=t_warmup, t_ons=t_ons, dt=dt,
                              integrator=integrator, seed=seed, n_blocks=n_blocks, x0=x0, threads=threads,
                              progress=progress)
        return LyapunovMaxResult(float(r.exponents[0]), float(r.stderr[0]), r.history[:, 0],
                                 r.history_times, r.block_exponents[:, 0], "qr", r.t_sim, r.t_ons,
                                 r.dt, r.seed, r.system, r.parameters,
                                 diagnostics={k: v for k, v in r.diagnostics.items()
                                              if k.startswith("step_")})
    d0 = 1e-8 if d0 is None else check_real("d0", d0, 0.0, 1e-3, low_open=True, high_open=True)
    sysm = _engine.check_model(model_or_system, "model_or_system")
    is_generic = isinstance(sysm, (Flow, Map))
    integ, dt, t_ons, spo, n_ons, n_blocks = _timing(sysm, integrator, "integrator", dt, t_ons, t_sim,
                                                     n_blocks)
    n_warm = _engine.steps_of("t_warmup", t_warmup, dt)
    ss = check_seed("seed", seed)
    logd = np.empty(n_ons)
    if threads is None:
        threads = default_threads(2, sysm.N)
    with blas_threads(threads):
        if is_generic:
            ss_x0, ss_dir, _ = ss.spawn(3)
            if hasattr(sysm, "_stepper"):               # systems with their own kernels (meanfield.rnn)
                x, stepper = sysm._start(ss_x0, x0), sysm._stepper()
            else:
                x = sysm.x0.copy() if x0 is None else check_vector("x0", x0, sysm.N).copy()
                stepper = _GenericStepper(sysm, dt, integ)
            stepper.check.plan(n_ons * spo)
            x, t, _ = stepper.run(x, None, 0.0, n_warm)
            u = np.random.default_rng(ss_dir).standard_normal(sysm.N)
            y = x + d0 * u / np.linalg.norm(u)
            for o in range(n_ons):
                x, t2, _ = stepper.run(x, None, t, spo)
                y, t, _ = stepper.run(y, None, t, spo)
                d = np.linalg.norm(y - x)
                if not (np.isfinite(d) and d > 0):
                    raise _engine.SimulationBlowUp(t, cause=blowup_cause(x, y))
                logd[o] = math.log(d / d0)
                y = x + (d0 / d) * (y - x)
                stepper.after(x, t, spo)
            stepper.check.warn("this system", stacklevel=3)
            check = stepper.check
        else:
            run = _engine.NetworkRun(sysm, integ, dt, ss, x0=x0, m=2, k=0)
            run.advance(n_warm)
            run.step_check.plan(n_ons * spo)
            u = np.random.default_rng(run.ss_basis).standard_normal(sysm.N)
            run.H[:, 1] = run.H[:, 0] + d0 * u / np.linalg.norm(u)
            bar = _engine.progress_bar(n_ons * t_ons, "lyapunov_max", progress)
            for start, size in _engine.chunks(n_ons):
                st = run.ks.two_traj_chunk(run.stepper(), run.J, run.H, run.W, run.drive,
                                           run.noise(size * spo), size, spo, run.step, d0,
                                           logd[start:start + size])
                if st >= 0:
                    bar.close()
                    raise run.blowup(run.step + (st + 1) * spo)
                run.step += size * spo
                run.after_chunk(size * spo)
                bar.update(size * t_ons)
            bar.close()
            run.warn_if_unsafe()
            check = run.step_check
    T = n_ons * t_ons
    cum = np.cumsum(logd)
    every = max(1, n_ons // 2000)
    idx = np.arange(every - 1, n_ons, every)
    blocks = np.array([b.sum() / (b.size * t_ons) for b in np.array_split(logd, n_blocks)])
    params = {"t_sim": T, "t_warmup": n_warm * dt, "t_ons": t_ons, "dt": dt, "integrator": integ,
              "d0": d0, "n_blocks": n_blocks, "seed": int(ss.entropy)}
    return LyapunovMaxResult(float(cum[-1] / T), float(blocks.std(ddof=1) / math.sqrt(n_blocks)),
                             cum[idx] / ((idx + 1) * t_ons), (idx + 1) * t_ons, blocks, method, T, t_ons,
                             dt, int(ss.entropy), sysm.to_dict(), params, diagnostics=check.diagnostics())
