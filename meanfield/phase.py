r"""Critical amplitudes and chaos-suppression phase diagrams [RAS, EIKGA].

A sinusoidal input

.. math::

    \delta I_i(t) = I_1\left[\sqrt c\,\sin(2\pi f t) + \sqrt{1-c}\,\sin(2\pi f t + \theta_i)\right]

suppresses chaos above a critical amplitude :math:`I_1^c(f)` at which the
largest Lyapunov exponent :math:`\lambda_\max` crosses zero.  For the balanced
network the common input (c = 1) is cancelled by the recurrent inhibition, so
:math:`I_1^c \propto \sqrt N`, while for independent input (c = 0) it stays O(1)
[EIKGA].

* :func:`critical_amplitude` -- :math:`I_1^c` by bracketing and root finding,
  from theory (``method="dmft"``, Brent's method) or from direct simulation
  (``method="simulation"``, a weighted straight-line fit of the seed-averaged
  :math:`\lambda_\max(I_1)` around its sign change, with a standard error).
* :func:`phase_diagram` -- :math:`\lambda_\max` on a (parameter, :math:`I_1`) grid,
  parameter one of f, g, N, K, for one or several correlations, and the
  critical curve; grid points run in parallel through any executor with
  ``submit`` (a process pool by default, a ``concurrent.futures`` pool or a
  Dask ``distributed.Client``); partial results are saved atomically and a
  re-run with the same ``output`` skips the finished points.  Theory diagrams can be
  *adaptive* (``adaptive=True``): each row computes a coarse subset of amplitudes with
  continuation, refines only around the sign change of λ_max and where an interpolation
  error estimate exceeds ``lambda_tol``, and fills the rest by monotone (PCHIP)
  interpolation; rows between every fourth (``anchor_stride``) are filled the same way
  across rows, computing only where that interpolation is not trusted and around each
  row's crossing; ``PhaseDiagram.computed`` tells computed from interpolated points.

Units: time in the neuronal time constant τ, so :math:`\lambda_\max` and f are
in 1/τ; :math:`I_1` is in the units of the input current h.
"""
import hashlib
import json
import math
import os
import time
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from . import _engine
from ._stats import jackknife_se
from ._validation import check_choice, check_int, check_real
from .errors import ConvergenceError, CriticalAmplitudeError
from .inputs import SineInput, _correlation
from .models import BalancedNetwork, RandomNetwork
from .results import Result, deprecated_alias, provenance, remove_stale_temporaries, standard_diagnostics

PARAMETERS = ("frequency", "g", "N", "K")
UNITS = {"frequency": "1/τ", "g": "", "N": "", "K": "", "amplitude": "input units",
         "lambda_max": "1/τ", "correlation": ""}
DEFAULT_LAMBDA_TOL = 2e-3   # 1/τ: target error of interpolated points (phase_diagram(adaptive=True))
DEFAULT_ANCHOR_STRIDE = 4   # adaptive=True: every 4th row (and the last) is an anchor row
LABELS = {"frequency": "f", "g": "g", "N": "N", "K": "K", "amplitude": "$I_1$", "correlation": "c"}


# ----------------------------------------------------------------------------------------------
# models and λ evaluators


def _check_model(model):
    if not isinstance(model, (RandomNetwork, BalancedNetwork)):
        raise TypeError(f"model must be a RandomNetwork or BalancedNetwork, got {type(model).__name__}")
    if model.input is not None:
        raise ValueError("model must have no input (input=None): the sinusoidal input is set by "
                         f"amplitude, frequency and correlation; got input={model.input!r}")
    return model


def _spec(model):
    """Picklable constructor arguments of a model (without input and seed)."""
    if isinstance(model, BalancedNetwork):
        return {"type": "BalancedNetwork", "N": model.N, "g": model.g, "J0": model.J0, "I0": model.I0,
                "K": model.K, "K_follows_N": model.K == model.N, "connectivity": model.connectivity,
                "phi": model.nonlinearity}
    return {"type": "RandomNetwork", "N": model.N, "g": model.g, "phi": model.nonlinearity,
            "time": model.time, "self_coupling": model.self_coupling, "leak": model.leak}


def _build(spec, changes, amplitude, frequency, correlation, seed):
    """A model from ``spec`` with ``changes`` and a SineInput (None when amplitude is 0)."""
    kw = dict(spec)
    typ = kw.pop("type")
    follows = kw.pop("K_follows_N", False)
    kw.update(changes)
    inp = None if amplitude == 0 else SineInput(amplitude, frequency, correlation)
    if typ == "BalancedNetwork":
        if follows and "N" in changes and "K" not in changes:
            kw["K"] = None
        return BalancedNetwork(input=inp, seed=seed, **kw)
    return RandomNetwork(input=inp, seed=seed, **kw)


def theory_lambda(model, **options):
    r"""Theory :math:`\lambda_\max` of a model: :func:`meanfield.dmft.lyapunov_max` (the one dispatcher).

    The default λ evaluator of ``method="dmft"``; returns the full theory result (its
    ``lambda_max`` and ``lambda_max_error``), which the sweeps also pass on as the ``guess``
    of the neighbouring amplitude (continuation).  A sweep whose points reach several solvers
    (I1 = 0 by the stationary DMFT, common input by the two-time DMFT) sets each one by
    per-solver options, e.g. ``options={"nonstationary": {"dt": 0.125, "n_steps": 2048}}``
    (see :func:`meanfield.dmft.solve`).
    """
    from .dmft import lyapunov_max
    return lyapunov_max(model, **options)


def dmft_lambda(model, **options):
    """Deprecated: ``(λ, error)`` of :func:`meanfield.dmft.lyapunov_max`; use that function."""
    import warnings
    warnings.warn("meanfield.phase.dmft_lambda is deprecated; use meanfield.dmft.lyapunov_max(model)",
                  DeprecationWarning, stacklevel=2)
    return _unpack(theory_lambda(model, **options))


def simulation_lambda(model, seed=None, t_sim=500.0, t_warmup=100.0, dt=None, t_ons=None, integrator=None,
                      method="two-trajectory", n_blocks=10, threads=None):
    r"""Simulated :math:`\lambda_\max` (1/τ) of one network realisation and its block standard error.

    Parameters
    ----------
    model : RandomNetwork or BalancedNetwork
    seed : int or None
        Run seed (initial state, perturbation direction).
    t_sim, t_warmup, dt, t_ons, integrator, n_blocks, threads
        As in :func:`meanfield.lyapunov_max`.
    method : {"two-trajectory", "qr"}
        :func:`meanfield.lyapunov_max` method.

    Returns
    -------
    (lambda_max, lambda_max_error) : (float, float)
    """
    from .lyapunov import lyapunov_max
    r = lyapunov_max(model, method=method, t_sim=t_sim, t_warmup=t_warmup, t_ons=t_ons, dt=dt,
                     integrator=integrator, seed=seed, n_blocks=n_blocks, threads=threads, progress=False)
    return float(r.lambda_max), float(r.lambda_max_error)


def _unpack(out):
    """(λ, error) from a float, a pair or a result (``lambda_max``, ``lambda_max_error``)."""
    if hasattr(out, "lambda_max"):
        from .dmft.api import lambda_value
        return lambda_value(out)
    if isinstance(out, (tuple, list)):
        if len(out) != 2:
            raise TypeError(f"lambda_fn must return a float, a pair (lambda, error) or an object with "
                            f"lambda_max; got a sequence of length {len(out)}")
        return float(out[0]), float(out[1])
    return float(out), 0.0


def _evaluate(spec, changes, amplitude, frequency, correlation, net_seed, run_seed, lambda_fn, options,
              guess=None):
    """One λ evaluation (module level, so process pools can run it): (λ, error, state).

    ``state`` is the theory result when it can start a neighbouring solve (``guess``), else None.
    """
    model = _build(spec, changes, amplitude, frequency, correlation, net_seed)
    if run_seed is not None:
        return (*_unpack(lambda_fn(model, seed=run_seed, **options)), None)
    if lambda_fn is theory_lambda:
        out = lambda_fn(model, guess=guess, **options)
        return (*_unpack(out), out if getattr(out, "method", None) == "independent" else None)
    return (*_unpack(lambda_fn(model, **options)), None)


def _theory_row(spec, changes, amplitudes, frequency, correlation, options, lambda_fn=None):
    """Theory λ along one row of increasing amplitudes with continuation: a list of (λ, error, None)
    or the exception of each point (module level for process pools).  ``lambda_fn``: default
    :func:`theory_lambda`."""
    out, guess = [], None
    fn = theory_lambda if lambda_fn is None else lambda_fn
    for a in amplitudes:
        try:
            lam, err, state = _evaluate(spec, changes, a, frequency, correlation, None, None, fn,
                                        options, guess)
        except Exception as exc:   # recorded per point; the row goes on from the last good state
            out.append(exc)
            continue
        guess = state if state is not None else guess
        out.append((lam, err, None))
    return out


# ----------------------------------------------------------------------------------------------
# adaptive theory rows


def _coarse_indices(n, n_coarse):
    """Indices of ``n_coarse`` amplitudes spread evenly over a row of ``n`` (first and last included)."""
    return sorted({int(i) for i in np.round(np.linspace(0, n - 1, min(n, n_coarse)))})


def _interpolants(amps, lam, computed):
    """(knots, PCHIP, cubic spline) through the computed finite points of a row (None with < 3 knots)."""
    from scipy.interpolate import CubicSpline, PchipInterpolator
    knots = np.nonzero(computed & np.isfinite(lam))[0]
    if knots.size < 3:
        return knots, None, None
    x, y = amps[knots], lam[knots]
    return knots, PchipInterpolator(x, y), CubicSpline(x, y)


def _parabola(x3, y3, x):
    """The parabola through three points, at x (Lagrange form)."""
    (x0, x1, x2), (y0, y1, y2) = x3, y3
    return (y0 * (x - x1) * (x - x2) / ((x0 - x1) * (x0 - x2))
            + y1 * (x - x0) * (x - x2) / ((x1 - x0) * (x1 - x2))
            + y2 * (x - x0) * (x - x1) / ((x2 - x0) * (x2 - x1)))


def _gap_estimates(amps, lam, computed, knots, pchip, spline):
    """Interpolation-error estimate of each gap between consecutive knots: {(p, q): (uncomputed, est)}.

    The estimate is the largest, over the gap's uncomputed grid points, of |PCHIP − not-a-knot
    cubic spline| and |left − right parabola| (through the gap's ends and the knot before,
    resp. after, it; at the first and last gap of a row, where only one exists, |parabola −
    PCHIP|).  These are differences of interpolants of the same
    data; they are large where the row bends faster than the knots resolve (a kink, the
    onset of a silent phase), where PCHIP's error is large too.
    """
    gaps = {}
    for j in range(knots.size - 1):
        p, q = int(knots[j]), int(knots[j + 1])
        u = np.arange(p + 1, q)
        u = u[~computed[u]]
        if not u.size:
            continue
        x = amps[u]
        est = np.abs(pchip(x) - spline(x))
        sides = [k for k in (knots[j - 1:j + 2] if j >= 1 else None, knots[j:j + 3] if j + 2 < knots.size
                             else None) if k is not None]
        par = [_parabola(amps[k], lam[k], x) for k in sides]
        # both parabolas: their difference; at the ends of the row: the one against PCHIP
        est = np.maximum(est, np.abs(par[0] - par[1]) if len(par) == 2 else np.abs(par[0] - pchip(x)))
        gaps[(p, q)] = (u, float(np.max(est)))
    return gaps


_SAFETY = 0.5     # refine a gap when its error estimate exceeds _SAFETY * lambda_tol


def _next_points(amps, lam, computed, lambda_tol):
    """Uncomputed indices of a row to compute next (empty: the row can be interpolated).

    Rules, in one round: (1) with fewer than three finite computed points, or outside the
    first and last of them, compute everything left; (2) a gap whose end points change sign
    (λ > 0 against λ <= 0) gets the two grid points on either side of PCHIP's zero, so it
    shrinks to two neighbouring grid points that are both computed (the critical amplitude
    then comes from computed values only); (3) any other gap whose error estimate (see
    :func:`_gap_estimates`) exceeds ``lambda_tol / 2`` gets the uncomputed point nearest its
    middle.  The factor 2: on the rows of ``benchmarks/bench_phase_diagram.py`` the estimate
    was up to 2x below the true interpolation error.
    """
    knots, pchip, other = _interpolants(amps, lam, computed)
    rest = np.nonzero(~computed)[0]
    if pchip is None:
        return rest.tolist()
    outside = rest[(rest < knots[0]) | (rest > knots[-1])]
    if outside.size:
        return outside.tolist()
    todo = set()
    for (p, q), (u, est) in _gap_estimates(amps, lam, computed, knots, pchip, other).items():
        if (lam[p] > 0) != (lam[q] > 0):
            idx = np.arange(p, q + 1)
            pos = pchip(amps[idx]) > 0
            k = int(np.nonzero(pos != pos[0])[0][0]) if np.any(pos != pos[0]) else idx.size - 1
            todo.update(int(i) for i in idx[[k - 1, k]] if not computed[i])
            if not any(not computed[i] for i in idx[[k - 1, k]]):   # cannot happen with monotone PCHIP
                todo.add(int(u[u.size // 2]))
        elif est > _SAFETY * lambda_tol:
            todo.add(int(u[np.argmin(np.abs(u - 0.5 * (p + q)))]))
    return sorted(todo)


def _anchor_rows(n_rows, stride):
    """Rows computed first by :func:`_adaptive_row` in a 2-D adaptive diagram: every ``stride``-th
    row and the last; all rows when ``stride`` is 1 or that gives fewer than three anchors (the
    interpolation across rows needs three)."""
    rows = sorted(set(range(0, n_rows, max(stride, 1))) | {n_rows - 1})
    return rows if len(rows) >= 3 and stride > 1 else list(range(n_rows))


def _column_fill(lam, known):
    """Values and error estimates at the unknown points of a diagram ``lam`` (rows × amplitudes).

    Along every column (fixed amplitude) PCHIP in the row index through the known points, with
    the interpolation-error estimate of :func:`_gap_estimates` (PCHIP against the not-a-knot
    spline and the two one-sided parabolas).  Returns (values, estimates, gaps): estimates are
    NaN at known points and infinite in columns with fewer than three finite known points;
    ``gaps`` lists ``(column, (p, q), unknown rows, estimate)`` per gap between known rows p < q."""
    n_rows, n_amps = lam.shape
    xs = np.arange(n_rows, dtype=np.float64)
    vals, est = np.where(known, lam, np.nan), np.full(lam.shape, np.nan)
    gaps = []
    for j in range(n_amps):
        knots, pchip, spline = _interpolants(xs, lam[:, j], known[:, j])
        unknown = ~known[:, j]
        if pchip is None:
            est[unknown, j] = np.inf
            continue
        vals[unknown, j] = pchip(xs[unknown])
        for (p, q), (u, e) in _gap_estimates(xs, lam[:, j], known[:, j], knots, pchip, spline).items():
            est[u, j] = e
            gaps.append((j, (p, q), u, e))
        outside = unknown & ((xs < knots[0]) | (xs > knots[-1]))
        est[outside, j] = np.inf
    return vals, est, gaps


def _fill_points(lam, known, lambda_tol):
    """Points (row, amplitude index) of a 2-D adaptive diagram to compute next (empty: done).

    ``lam``/``known``: the diagram so far (anchor rows complete, computed points of the other
    rows).  Rules, in one round: (1) a column gap whose error estimate (:func:`_column_fill`)
    exceeds ``lambda_tol / 2`` gets its unknown row nearest the middle (bisection across rows;
    columns without three known points: every unknown point); (2) in every row, the pair of
    neighbouring amplitudes around the first sign change (λ > 0 against λ <= 0) of the row as
    filled so far is computed, so that each critical amplitude comes from computed values."""
    vals, est, gaps = _column_fill(lam, known)
    todo = set()
    for j, _, u, e in gaps:
        if e > _SAFETY * lambda_tol:
            todo.add((int(u[np.argmin(np.abs(u - 0.5 * (u[0] + u[-1])))]), j))
    for r, j in zip(*np.nonzero(np.isinf(est))):
        todo.add((int(r), int(j)))
    for r in range(lam.shape[0]):
        if known[r].all():
            continue
        ij = _first_crossing(vals[r])
        if ij is not None:
            todo.update((r, int(k)) for k in ij if not known[r, k])
    return sorted(todo)


def _adaptive_row(spec, changes, amplitudes, frequency, correlation, lambda_fn, options, lambda_tol, n_coarse,
                  zero=None):
    """One adaptive theory row (module level for process pools).

    Computes the coarse amplitudes in increasing order, then the points :func:`_next_points`
    asks for, round by round; each evaluation starts from the state of the nearest computed
    amplitude below it (continuation).  ``zero`` is the shared (λ, error) or exception at
    I1 = 0 (computed once for all rows), used for a first amplitude 0.

    Returns
    -------
    dict
        ``points``: per amplitude (λ, error, None) or the exception of a failed evaluation;
        ``computed``: bool per amplitude.  Interpolated points carry the PCHIP value and the
        error ``hypot(estimate of their gap, larger solver error of the gap's ends)``.
    """
    amps = np.asarray(amplitudes, dtype=np.float64)
    n = amps.size
    lam, err = np.full(n, np.nan), np.full(n, np.nan)
    computed = np.zeros(n, bool)
    failed, states = {}, {}

    def evaluate(i):
        computed[i] = True
        if i == 0 and zero is not None and amps[0] == 0:
            if isinstance(zero, Exception):
                failed[i] = zero
            else:
                lam[i], err[i] = zero
            return
        below = [j for j in states if j < i]
        guess = states[max(below)] if below else (states[min(states)] if states else None)
        try:
            lam[i], err[i], state = _evaluate(spec, changes, float(amps[i]), frequency, correlation, None,
                                              None, lambda_fn, options, guess)
        except Exception as exc:     # recorded per point, like the brute-force rows
            failed[i] = exc
            return
        if state is not None:
            states[i] = state

    todo = _coarse_indices(n, n_coarse)
    while todo:
        for i in todo:
            evaluate(i)
        todo = _next_points(amps, lam, computed, lambda_tol)
    knots, pchip, other = _interpolants(amps, lam, computed)
    points = [failed[i] if i in failed else (float(lam[i]), float(err[i]), None) for i in range(n)]
    if pchip is not None:
        for (p, q), (u, est) in _gap_estimates(amps, lam, computed, knots, pchip, other).items():
            e = math.hypot(est, max(np.nan_to_num(err[p]), np.nan_to_num(err[q])))
            for i, v in zip(u, pchip(amps[u])):
                points[int(i)] = (float(v), e, None)
    return {"points": points, "computed": computed.tolist()}


def _seeds(seed, n):
    """Network and run seeds (ints) for n realisations, reproducible from ``seed``."""
    ss_net, ss_run = np.random.SeedSequence(seed).spawn(2)
    net = [int(s.generate_state(1)[0]) for s in ss_net.spawn(n)]
    run = [int(s.generate_state(1)[0]) for s in ss_run.spawn(n)]
    return net, run


# ----------------------------------------------------------------------------------------------
# executors


class _SerialExecutor:
    """Runs each task on submit (max_workers=1)."""

    def submit(self, fn, *args, **kw):
        f = Future()
        try:
            f.set_result(fn(*args, **kw))
        except BaseException as exc:  # delivered through result(), like a pool
            f.set_exception(exc)
        return f

    def map(self, fn, *its):
        return [fn(*a) for a in zip(*its)]


@contextmanager
def _executor(executor, max_workers):
    if executor is not None:
        if not callable(getattr(executor, "submit", None)):
            raise TypeError(f"executor must have a submit method (concurrent.futures.Executor or "
                            f"distributed.Client), got {type(executor).__name__}")
        yield executor
        return
    n = (os.cpu_count() or 1) if max_workers is None else check_int("max_workers", max_workers, 1)
    if n == 1:
        yield _SerialExecutor()
        return
    blas = max(1, (os.cpu_count() or 1) // n)
    with ProcessPoolExecutor(n, initializer=_worker_init, initargs=(os.getpid(), blas)) as ex:
        yield ex


def _worker_init(parent, blas):
    """Pool-worker initializer: exit with the parent, and cap BLAS threads at ``blas`` (cores //
    workers) for the worker's life, so a large point's products do not spin threads against the
    other workers (blas_threads(None) keeps the cap; an explicit ``threads=`` still overrides it)."""
    _exit_with_parent(parent)
    from threadpoolctl import threadpool_limits
    threadpool_limits(limits=blas, user_api="blas")


def _exit_with_parent(parent, poll=1.0):
    """Pool-worker initializer: a daemon thread ends the worker when its parent process is gone
    (a killed phase_diagram would otherwise leave its workers waiting forever on the task queue)."""
    import threading

    def watch():
        while True:
            time.sleep(poll)
            if os.getppid() != parent:
                os._exit(1)
    threading.Thread(target=watch, daemon=True, name="meanfield-exit-with-parent").start()


def _completed(futures, poll=0.02):
    """Yield futures as they finish; any objects with done()/result() (concurrent, Dask)."""
    pending = list(futures)
    while pending:
        ready = [f for f in pending if f.done()]
        if not ready:
            time.sleep(poll)
            continue
        for f in ready:
            pending.remove(f)
            yield f


def _cancel(futures):
    for f in futures:
        try:
            f.cancel()
        except Exception:  # a backend that cannot cancel
            pass


# ----------------------------------------------------------------------------------------------
# critical amplitude


@dataclass
class CriticalAmplitude(Result):
    r"""Output of :func:`critical_amplitude`; ``float(result)`` is the amplitude.

    Attributes
    ----------
    amplitude : float
        Critical amplitude :math:`I_1^c` (input units) where :math:`\lambda_\max` crosses zero.
    amplitude_error : float
        Its uncertainty: for ``method="simulation"`` the standard error (the
        larger of the delta-method propagation of the λ standard errors and
        the jackknife over network seeds); for ``"dmft"`` the theory's own
        λ error divided by the flatter of the one-sided slopes at the crossing (λ can have a
        kink there), combined with the root tolerance.
    slope : float
        :math:`d\lambda_\max/dI_1` at the crossing (1/τ per input unit).
    amplitudes, lambda_max, lambda_max_error : ndarray
        Every amplitude evaluated, in order, with λ_max (1/τ; seed average
        for simulation) and its error.
    samples : ndarray (n_amplitudes, n_seeds)
        Per-seed λ_max (simulation; one column for dmft).
    """

    amplitude: float
    amplitude_error: float
    slope: float
    frequency: float
    correlation: object
    method: str
    amplitudes: np.ndarray
    lambda_max: np.ndarray
    lambda_max_error: np.ndarray
    samples: np.ndarray
    bracket: list
    model: dict
    parameters: dict
    diagnostics: dict = field(default_factory=dict)
    versions: dict = field(default_factory=provenance)

    _renamed = {"stderr": "amplitude_error", "lambdas": "lambda_max", "lambda_errors": "lambda_max_error"}
    stderr = deprecated_alias("amplitude_error", "stderr")
    lambdas = deprecated_alias("lambda_max", "lambdas")
    lambda_errors = deprecated_alias("lambda_max_error", "lambda_errors")

    def __post_init__(self):
        self.diagnostics = standard_diagnostics(self.diagnostics, iterations=len(self.amplitudes),
                                                n_evaluations=int(np.size(self.samples)))

    def __float__(self):
        return float(self.amplitude)


def _check_amplitude_args(frequency, correlation, method):
    frequency = check_real("frequency", frequency, 0.0, low_open=True)
    _correlation(correlation)
    method = check_choice("method", method, {"dmft", "simulation"})
    return frequency, correlation, method


def _default_hi(spec, changes, correlation):
    """First upper end of the bracket: sqrt(K) I0 for common input to a balanced network, else 1."""
    s = dict(spec)
    s.update(changes)
    if s["type"] == "BalancedNetwork" and _correlation(correlation) > 0:
        K = s["N"] if (s.get("K_follows_N") and "K" not in changes) else s["K"]
        return max(1.0, _correlation(correlation) ** -0.5 * math.sqrt(K) * s["I0"])
    return 1.0


def _line_root(a, lam, se):
    """Weighted least-squares line through (a, λ ± se): root, delta-method SE, slope and its SE."""
    a, lam, se = (np.asarray(v, dtype=np.float64) for v in (a, lam, se))
    weighted = np.all(np.isfinite(se)) and np.all(se > 0)
    w = 1.0 / se ** 2 if weighted else np.ones_like(a)
    a0 = np.average(a, weights=w)
    X = np.stack([np.ones_like(a), a - a0], axis=1)
    A = X.T @ (w[:, None] * X)
    cov = np.linalg.inv(A)
    beta = cov @ (X.T @ (w * lam))
    res = lam - X @ beta
    dof = a.size - 2
    chi2 = float(np.sum(w * res ** 2) / dof) if dof > 0 else 1.0
    # unknown errors: scale by the residuals; known ones: inflate when the line fits badly
    cov = cov * (chi2 if not weighted else max(1.0, chi2))
    alpha, b = beta
    if b == 0:
        return math.nan, math.inf, 0.0, math.inf
    x = -alpha / b
    var = (cov[0, 0] + 2 * x * cov[0, 1] + x * x * cov[1, 1]) / b ** 2
    return a0 + x, math.sqrt(max(var, 0.0)), float(b), math.sqrt(cov[1, 1])


def critical_amplitude(model, frequency, correlation="common", method="dmft", *, bracket=None,
                       lambda_fn=None, options=None, n_seeds=4, seed=0, n_points=6, rounds=3, xtol=1e-6,
                       rtol=1e-5, expand=2.0, max_expand=12, executor=None, max_workers=None,
                       progress=False):
    r"""Critical sinusoidal amplitude :math:`I_1^c` at which :math:`\lambda_\max` crosses zero.

    Parameters
    ----------
    model : RandomNetwork or BalancedNetwork
        The network without input; the input
        ``SineInput(I1, frequency, correlation)`` is added for each trial I1.
    frequency : float
        Input frequency f > 0 (1/τ).
    correlation : {"common", "independent"} or float in [0, 1]
        Shared fraction c of the input (see :class:`meanfield.SineInput`).
    method : {"dmft", "simulation"}
        ``"dmft"``: theory λ_max (:func:`meanfield.dmft.lyapunov_max`, the one DMFT
        dispatcher; each amplitude starts from the nearest solved one) and Brent's method.
        ``"simulation"``: λ_max from direct simulation (:func:`simulation_lambda`,
        two trajectories) averaged over ``n_seeds`` network realisations,
        then a weighted line through the seed means around the sign change.
    bracket : (float, float), optional
        Amplitudes (lo, hi) with λ_max(lo) > 0 > λ_max(hi).  Default: lo = 0 and
        hi = sqrt(K) I0 for common input to a balanced network, else 1,
        multiplied by ``expand`` until λ_max(hi) < 0.
    lambda_fn : callable, optional
        Replaces the λ evaluator: ``lambda_fn(model, **options)`` (dmft) or
        ``lambda_fn(model, seed=run_seed, **options)`` (simulation), returning a
        float, a pair (λ, error) or an object with ``lambda_max``.  The model
        has ``input=None`` at amplitude 0.  Must be picklable (module level)
        for process pools.
    options : dict, optional
        Keyword arguments of the evaluator, e.g. ``t_sim``, ``t_warmup``,
        ``dt`` for simulation.
    n_seeds : int
        Network realisations per amplitude (simulation), >= 1.
    seed : int
        Root of the network and run seeds; the same realisations are used at
        every amplitude (common random numbers).
    n_points : int
        Amplitudes per refinement round (simulation), >= 3.
    rounds : int
        Refinement rounds (simulation), >= 1: each round places ``n_points``
        amplitudes across the current window and centres the next window, 1.5
        grid steps wide, on a line through the points next to the sign change;
        narrow windows keep the curvature bias of the final straight-line fit small.
    xtol, rtol : float
        Absolute and relative tolerance of Brent's method (dmft).
    expand : float
        Growth factor of the upper end while bracketing (> 1).
    max_expand : int
        Largest number of expansions.
    executor : object with ``submit``, optional
        Runs the simulation seeds and amplitudes in parallel.
    max_workers : int, optional
        Size of the default process pool (simulation; default the number of
        CPUs; 1 runs serially).  Theory runs serially unless ``executor`` is given.
    progress : bool
        Progress bar (simulation).

    Returns
    -------
    CriticalAmplitude

    Raises
    ------
    CriticalAmplitudeError
        λ_max(lo) <= 0 (not chaotic at the lower end) or no sign change up to
        the last amplitude tried; ``diagnostics`` holds amplitudes and λ values.
    """
    _check_model(model)
    frequency, correlation, method = _check_amplitude_args(frequency, correlation, method)
    options = _check_options(options)
    n_seeds = check_int("n_seeds", n_seeds, 1) if method == "simulation" else 1
    seed = check_int("seed", seed, 0)
    n_points = check_int("n_points", n_points, 3)
    rounds = check_int("rounds", rounds, 1)
    xtol = check_real("xtol", xtol, 0.0, low_open=True)
    rtol = check_real("rtol", rtol, 0.0, low_open=True)
    expand = check_real("expand", expand, 1.0, low_open=True)
    max_expand = check_int("max_expand", max_expand, 0)
    if bracket is not None:
        bracket = _check_bracket(bracket)
    if lambda_fn is None:
        lambda_fn = simulation_lambda if method == "simulation" else theory_lambda
    elif not callable(lambda_fn):
        raise TypeError(f"lambda_fn must be callable, got {type(lambda_fn).__name__}")
    if executor is None and method == "dmft":
        max_workers = 1
    spec = _spec(model)
    with _executor(executor, max_workers) as ex:
        return _critical(spec, {}, frequency, correlation, method, bracket, lambda_fn, options, n_seeds,
                         seed, n_points, rounds, xtol, rtol, expand, max_expand, ex, progress,
                         model.to_dict())


def _check_options(options):
    if options is None:
        return {}
    if not isinstance(options, dict):
        raise TypeError(f"options must be a dict of keyword arguments, got {type(options).__name__}")
    return dict(options)


def _check_bracket(bracket):
    try:
        lo, hi = bracket
    except (TypeError, ValueError):
        raise TypeError(f"bracket must be a pair (lo, hi) of amplitudes, got {bracket!r}") from None
    lo = check_real("bracket[0]", lo, 0.0)
    hi = check_real("bracket[1]", hi, 0.0)
    if not hi > lo:
        raise ValueError(f"bracket must have lo < hi, got ({lo}, {hi})")
    return lo, hi


class _Evaluator:
    """λ(I1) with a cache; simulation amplitudes × seeds go through the executor together."""

    def __init__(self, spec, changes, frequency, correlation, method, lambda_fn, options, n_seeds, seed, ex,
                 progress):
        self.args = (spec, changes)
        self.f, self.c, self.fn, self.opts, self.ex = frequency, correlation, lambda_fn, options, ex
        self.sim = method == "simulation"
        self.n = n_seeds
        self.net, self.run = _seeds(seed, n_seeds) if self.sim else ([None], [None])
        self.cache = {}
        self.states = {}        # amplitude -> theory state for continuation (independent-input DMFT)
        self.order = []
        self.progress = progress

    def _guess(self, a):
        """The theory state of the nearest evaluated amplitude (continuation), or None."""
        if not self.states:
            return None
        return self.states[min(self.states, key=lambda x: abs(x - a))]

    def __call__(self, amps):
        new = [float(a) for a in dict.fromkeys(amps) if float(a) not in self.cache]
        if new:
            jobs = []
            for a in new:
                for s in range(self.n):
                    jobs.append((a, s, self.ex.submit(_evaluate, *self.args, a, self.f, self.c, self.net[s],
                                                      self.run[s], self.fn, self.opts, self._guess(a))))
            res = {a: (np.empty(self.n), np.empty(self.n)) for a in new}
            with _engine.progress_bar(len(jobs), "critical amplitude", self.progress and self.sim,
                                      unit="point") as bar:
                try:
                    for a, s, fut in jobs:
                        res[a][0][s], res[a][1][s], state = fut.result()
                        if state is not None:
                            self.states[a] = state
                        bar.update(1)
                except BaseException:
                    _cancel([j[2] for j in jobs])
                    raise
            for a in new:
                lam, err = res[a]
                if self.n > 1:
                    se = float(np.std(lam, ddof=1) / math.sqrt(self.n))
                else:
                    se = float(err[0])
                self.cache[a] = (float(np.mean(lam)), se, lam.copy())
                self.order.append(a)
        return [self.cache[float(a)][0] for a in amps]

    def diagnostics(self):
        a = np.array(self.order)
        return {"amplitudes": a.tolist(), "lambda_max": [self.cache[x][0] for x in a],
                "lambda_max_error": [self.cache[x][1] for x in a]}

    def arrays(self):
        a = np.array(self.order)
        return (a, np.array([self.cache[x][0] for x in a]), np.array([self.cache[x][1] for x in a]),
                np.array([self.cache[x][2] for x in a]).reshape(a.size, -1))


def _critical(spec, changes, frequency, correlation, method, bracket, lambda_fn, options, n_seeds, seed,
              n_points, rounds, xtol, rtol, expand, max_expand, ex, progress, model_dict):
    ev = _Evaluator(spec, changes, frequency, correlation, method, lambda_fn, options, n_seeds, seed, ex,
                    progress)
    where = f"f = {frequency:g}, correlation = {correlation!r}" + (f", {changes}" if changes else "")

    def fail(msg):
        d = ev.diagnostics()
        pairs = ", ".join(f"λ({a:.4g}) = {v:.4g}" for a, v in zip(d["amplitudes"], d["lambda_max"]))
        raise CriticalAmplitudeError(f"critical amplitude ({where}): {msg}; values seen: {pairs}", d)

    lo, hi = bracket if bracket is not None else (0.0, _default_hi(spec, changes, correlation))
    lam_lo, lam_hi = ev([lo, hi])
    if not np.isfinite(lam_lo) or not np.isfinite(lam_hi):
        fail("λ_max is not finite")
    if lam_lo <= 0:
        fail(f"λ_max(I1 = {lo:g}) = {lam_lo:.4g} <= 0: not chaotic at the lower end of the bracket")
    k = 0
    while lam_hi > 0 and bracket is None and k < max_expand:
        lo, lam_lo = hi, lam_hi
        hi *= expand
        lam_hi = ev([hi])[0]
        if not np.isfinite(lam_hi):
            fail(f"λ_max(I1 = {hi:g}) is not finite")
        k += 1
    if lam_hi > 0:
        fail(f"no sign change of λ_max in [{lo:g}, {hi:g}] (λ_max > 0 throughout)")
    params = {"options": options, "n_seeds": n_seeds, "seed": seed, "lambda_fn": _fn_name(lambda_fn),
              "changes": changes}
    if method == "dmft":
        amp, err, slope = _brent(ev, lo, hi, lam_lo, lam_hi, xtol, rtol)
        params.update(xtol=xtol, rtol=rtol)
    else:
        amp, err, slope, extra = _fit_root(ev, lo, hi, n_points, rounds, fail)
        params.update(n_points=n_points, rounds=rounds, **extra)
    a, lam, se, samples = ev.arrays()
    return CriticalAmplitude(amplitude=float(amp), amplitude_error=float(err), slope=float(slope),
                             frequency=frequency, correlation=correlation, method=method, amplitudes=a,
                             lambda_max=lam, lambda_max_error=se, samples=samples,
                             bracket=[float(lo), float(hi)], model=model_dict, parameters=params)


def _brent(ev, lo, hi, lam_lo, lam_hi, xtol, rtol):
    from scipy.optimize import brentq
    if lam_hi == 0:
        x = hi
    else:
        x = brentq(lambda a: ev([a])[0], lo, hi, xtol=xtol, rtol=rtol)
    # slope and error from the nearest evaluations on either side of the root
    a, lam, err, _ = ev.arrays()
    pos, neg = a[lam > 0], a[lam <= 0]
    i = np.argmin(np.abs(pos - x)) if pos.size else None
    j = np.argmin(np.abs(neg - x))
    a1, a2 = (pos[i], neg[j]) if i is not None else (x, x)
    l1 = ev.cache[float(a1)][0]
    l2 = ev.cache[float(a2)][0]
    slope = (l2 - l1) / (a2 - a1) if a2 != a1 else math.nan
    e = max(ev.cache[float(a1)][1], ev.cache[float(a2)][1])
    tol = xtol + rtol * abs(x)
    # the λ error moves the root by e / |dλ/dI1|; λ(I1) can have a kink at the root (independent
    # input: the chaotic branch ends there, flat on one side), so use the flatter of the one-sided
    # slopes from the two nearest points on each side, where they exist
    slopes = [abs(slope)] if np.isfinite(slope) else []
    for side in (np.sort(pos)[::-1][:2] if pos.size else pos, np.sort(neg)[:2]):
        if side.size == 2 and side[0] != side[1]:
            la, lb = ev.cache[float(side[0])][0], ev.cache[float(side[1])][0]
            slopes.append(abs((la - lb) / (side[0] - side[1])))
    flat = min(slopes) if slopes else 0.0
    theory = e / flat if flat > 0 else 0.0
    return x, math.hypot(theory, tol), slope


def _fit_root(ev, lo, hi, n_points, rounds, fail):
    """Narrow a window around the crossing of noisy λ and fit a line through its points."""
    lo0 = lo
    for r in range(rounds):
        grid = np.linspace(lo, hi, n_points)
        lam = np.array(ev(grid))
        se = np.array([ev.cache[float(a)][1] for a in grid])
        if r == rounds - 1:
            break
        # centre of the next window: a line through the points next to the first sign change
        neg = np.nonzero(lam <= 0)[0]
        x, slope = math.nan, math.nan
        if neg.size and neg[0] > 0:
            k = slice(max(0, neg[0] - 2), min(n_points, neg[0] + 2))
            x, _, slope, _ = _line_root(grid[k], lam[k], se[k])
        if not (slope < 0 and np.isfinite(x)):
            x, _, slope, _ = _line_root(grid, lam, se)
        if not (slope < 0 and np.isfinite(x)):
            fail(f"λ_max does not decrease across the amplitudes {np.round(grid, 6).tolist()}")
        w = 1.5 * (hi - lo) / (n_points - 1)
        x = min(max(x, lo), hi)
        lo = max(lo0, x - w / 2)
        hi = lo + w
    # final fit: every amplitude evaluated inside the last window
    a_all = np.array(sorted(ev.cache))
    sel = a_all[(a_all >= lo - 1e-12 * max(1.0, hi)) & (a_all <= hi + 1e-12 * max(1.0, hi))]
    lam = np.array([ev.cache[float(a)][0] for a in sel])
    se = np.array([ev.cache[float(a)][1] for a in sel])
    x, err, slope, slope_se = _line_root(sel, lam, se)
    if not (slope < 0 and np.isfinite(x)):
        fail(f"the line fitted around the crossing has slope {slope:.3g} ± {slope_se:.3g} >= 0")
    extra = {"stderr_delta": err, "fit_amplitudes": np.asarray(sel).tolist()}
    # jackknife over network seeds (the same seeds at every amplitude make λ errors correlated)
    samples = np.array([ev.cache[float(a)][2] for a in sel])
    n = samples.shape[1]
    if n >= 2:
        def root(keep):
            k = samples[:, keep]
            e = k.std(axis=1, ddof=1) / math.sqrt(n - 1) if n > 2 else se
            return _line_root(sel, k.mean(axis=1), e)[0]
        jk = jackknife_se(root, n)
        extra["stderr_jackknife"] = jk
        err = max(err, jk)
    if not (sel[0] <= x <= sel[-1]):
        extra["warning"] = "root extrapolated outside the fitted amplitudes"
    return x, err, slope, extra


def _fn_name(fn):
    f = getattr(fn, "func", fn)
    return f"{getattr(f, '__module__', '?')}.{getattr(f, '__qualname__', type(f).__name__)}"


# ----------------------------------------------------------------------------------------------
# phase diagrams


@dataclass
class PhaseDiagram(Result):
    r"""λ_max on a (correlation, parameter, amplitude) grid and the critical curve.

    Attributes
    ----------
    parameter : str
        Swept parameter: "frequency" (f, 1/τ), "g", "N" or "K".
    values : ndarray (n_x,)
        Its values.
    amplitudes : ndarray (n_a,)
        Input amplitudes I1 (input units), increasing.
    correlations : list
        Input correlations ("common", "independent" or c in [0, 1]).
    frequency : float or None
        Fixed input frequency (1/τ); None when ``parameter == "frequency"``.
    lambda_max : ndarray (n_c, n_x, n_a)
        λ_max (1/τ), the mean over network seeds for simulation; NaN where not computed.
    lambda_max_error : ndarray (n_c, n_x, n_a)
        Standard error over seeds (simulation, or the run's block error with one
        seed) or the theory's λ error (dmft).
    samples, sample_errors : ndarray (n_c, n_x, n_a, n_seeds)
        Per-seed λ_max and each evaluation's own error.
    done : ndarray of bool (n_c, n_x, n_a, n_seeds)
        Finished evaluations (a re-run with the same output skips them).
    critical_amplitude, critical_amplitude_error : ndarray (n_c, n_x)
        Critical curve I1_c and its uncertainty; NaN where the row does not
        change sign (chaotic throughout, or not chaotic at the smallest amplitude).
        Failed (NaN) points are skipped: the crossing is taken between the
        nearest finite neighbours.
    critical_method : str
        "grid" (linear interpolation at the first sign change) or "root"
        (refined by :func:`critical_amplitude` in the grid bracket).
    computed : ndarray of bool (n_c, n_x, n_a)
        True where λ_max was computed, False where an adaptive diagram
        (``phase_diagram(..., adaptive=True)``) interpolated it; all True for
        brute-force grids and for files written before the field existed.
    method : str
        "dmft" or "simulation".
    model : dict
        The base model.
    parameters : dict
        Options, seeds, the run's key and failed points; for adaptive diagrams
        ``parameters["adaptive"]`` holds ``lambda_tol``, ``n_coarse`` and ``n_computed``.
    """

    parameter: str
    values: np.ndarray
    amplitudes: np.ndarray
    correlations: list
    frequency: object
    lambda_max: np.ndarray
    lambda_max_error: np.ndarray
    samples: np.ndarray
    sample_errors: np.ndarray
    done: np.ndarray
    critical_amplitude: np.ndarray
    critical_amplitude_error: np.ndarray
    critical_method: str
    method: str
    model: dict
    parameters: dict
    computed: np.ndarray = None
    diagnostics: dict = field(default_factory=dict)
    versions: dict = field(default_factory=provenance)

    _renamed = {"lambda_stderr": "lambda_max_error", "critical_stderr": "critical_amplitude_error"}
    lambda_stderr = deprecated_alias("lambda_max_error", "lambda_stderr")
    critical_stderr = deprecated_alias("critical_amplitude_error", "critical_stderr")

    def __post_init__(self):
        shape = np.shape(self.lambda_max)
        self.computed = (np.ones(shape, bool) if self.computed is None
                         else np.asarray(self.computed, dtype=bool).reshape(shape))
        self.diagnostics = standard_diagnostics(
            self.diagnostics, converged=not self.parameters.get("errors"),
            n_evaluations=int(np.sum(self.done)), fallbacks=len(self.parameters.get("errors", [])))

    @property
    def axes(self):
        """Axis names of ``lambda_max``: ("correlation", parameter, "amplitude")."""
        return ("correlation", self.parameter, "amplitude")

    @property
    def units(self):
        """Units of the axes and of λ_max."""
        return {k: UNITS[k] for k in (*self.axes, "lambda_max")}

    @property
    def complete(self):
        """True when every grid point is done."""
        return bool(np.all(self.done))

    def axis_values(self, name):
        """Values along the axis ``name``."""
        if name == "correlation":
            return list(self.correlations)
        if name == self.parameter:
            return self.values
        if name == "amplitude":
            return self.amplitudes
        raise ValueError(f"name must be one of {self.axes}, got {name!r}")

    def _ic(self, correlation):
        if correlation is None:
            if len(self.correlations) != 1:
                raise ValueError(f"correlation must be one of {self.correlations} (the diagram has several)")
            return 0
        for i, c in enumerate(self.correlations):
            if c == correlation or _correlation(c) == _correlation(correlation):
                return i
        raise ValueError(f"correlation must be one of {self.correlations}, got {correlation!r}")

    def critical_curve(self, correlation=None):
        """(values, I1_c, stderr) of one correlation."""
        i = self._ic(correlation)
        return self.values, self.critical_amplitude[i], self.critical_amplitude_error[i]

    def lambda_curve(self, value=None, correlation=None):
        """(amplitudes, λ_max, stderr) at one parameter value (default the first)."""
        i = self._ic(correlation)
        j = 0 if value is None else int(np.argmin(np.abs(self.values - value)))
        if value is not None and not np.isclose(self.values[j], value):
            raise ValueError(f"value must be one of {self.values.tolist()}, got {value!r}")
        return self.amplitudes, self.lambda_max[i, j], self.lambda_max_error[i, j]

    def plot(self, ax=None, **kw):
        """Phase diagram figure (see :func:`meanfield.plotting.plot_phase_diagram`)."""
        from .plotting import plot_phase_diagram
        return plot_phase_diagram(self, ax=ax, **kw)


def _check_values(parameter, values, model):
    v = np.atleast_1d(np.asarray(values, dtype=np.float64)) if not isinstance(values, str) else None
    if v is None or v.ndim != 1 or v.size == 0:
        raise ValueError(f"values must be a non-empty 1-d sequence of {parameter} values, got {values!r}")
    if not np.all(np.isfinite(v)):
        raise ValueError(f"values ({parameter}) must be finite")
    if parameter == "frequency" and np.any(v <= 0):
        raise ValueError(f"values (frequency) must be > 0 (1/τ), got {v.tolist()}")
    if parameter == "g" and np.any(v < 0):
        raise ValueError(f"values (g) must be >= 0, got {v.tolist()}")
    if parameter in ("N", "K"):
        if np.any(v < 1) or np.any(v != np.round(v)):
            raise ValueError(f"values ({parameter}) must be integers >= 1, got {v.tolist()}")
        if parameter == "K":
            if not isinstance(model, BalancedNetwork):
                raise ValueError("parameter 'K' applies to a BalancedNetwork; use 'N' for a RandomNetwork")
            if np.any(v > model.N):
                raise ValueError(f"values (K) must be <= N = {model.N}, got {v.tolist()}")
    return v


def _check_amplitudes(amplitudes):
    a = np.atleast_1d(np.asarray(amplitudes, dtype=np.float64))
    if a.ndim != 1 or a.size == 0 or not np.all(np.isfinite(a)):
        raise ValueError(f"amplitudes must be a non-empty 1-d sequence of finite numbers, got {amplitudes!r}")
    if np.any(a < 0):
        raise ValueError(f"amplitudes must be >= 0 (input units), got {a.tolist()}")
    if a.size > 1 and np.any(np.diff(a) <= 0):
        raise ValueError("amplitudes must be strictly increasing")
    return a


def _changes(parameter, x):
    if parameter == "frequency":
        return {}
    if parameter in ("N", "K"):
        return {parameter: int(round(x))}
    return {parameter: float(x)}


def _first_crossing(row):
    """(i, j): finite neighbours around the first + to − change of sign (NaNs skipped), or None."""
    fin = np.nonzero(np.isfinite(row))[0]
    if fin.size < 2 or row[fin[0]] <= 0:
        return None
    k = np.nonzero(row[fin] <= 0)[0]
    if k.size == 0:
        return None
    return int(fin[k[0] - 1]), int(fin[k[0]])


def _grid_critical(amps, lam, se):
    """Linear interpolation at the first + to − sign change of each row; SE from the two λ errors."""
    shp = lam.shape[:-1]
    crit = np.full(shp, np.nan)
    cse = np.full(shp, np.nan)
    for idx in np.ndindex(*shp):
        ij = _first_crossing(lam[idx])
        if ij is None:
            continue
        a1, a2, l1, l2 = amps[ij[0]], amps[ij[1]], lam[idx][ij[0]], lam[idx][ij[1]]
        crit[idx] = a1 + (a2 - a1) * l1 / (l1 - l2)
        d1 = (a2 - a1) * (-l2) / (l1 - l2) ** 2
        d2 = (a2 - a1) * l1 / (l1 - l2) ** 2
        e1, e2 = np.nan_to_num(se[idx][ij[0]]), np.nan_to_num(se[idx][ij[1]])
        cse[idx] = math.hypot(d1 * e1, d2 * e2)
    return crit, cse


def _key(d):
    return hashlib.sha256(json.dumps(d, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _critical_task(spec, changes, frequency, correlation, method, bracket, lambda_fn, options, n_seeds, seed):
    """Refined critical amplitude of one row (module level for process pools)."""
    r = _critical(spec, changes, frequency, correlation, method, bracket, lambda_fn, options, n_seeds, seed,
                  6, 2, 1e-6, 1e-5, 2.0, 0, _SerialExecutor(), False, {})
    return r.amplitude, r.amplitude_error


def phase_diagram(model, parameter, values, amplitudes, *, frequency=0.2, correlation="common",
                  method="dmft", lambda_fn=None, options=None, n_seeds=None, seed=0, refine=False,
                  adaptive=False, lambda_tol=None, n_coarse=None, anchor_stride=None, executor=None,
                  max_workers=None, output=None, checkpoint_every=10.0, on_error="raise", progress=True):
    r"""λ_max over a (parameter, I1) grid and the critical curve I1_c(parameter).

    Parameters
    ----------
    model : RandomNetwork or BalancedNetwork
        Base network without input.
    parameter : {"frequency", "g", "N", "K"}
        Swept parameter (x axis).  "N" on a balanced network with K = N keeps
        K = N; "K" needs a BalancedNetwork and K <= N.
    values : array_like
        Its values (f > 0 in 1/τ; g >= 0; integers N, K >= 1).
    amplitudes : array_like
        Increasing input amplitudes I1 >= 0 (input units).
    frequency : float
        Input frequency f > 0 (1/τ) when ``parameter`` is not "frequency".
    correlation : str, float or sequence of them
        One or several correlations ("common", "independent", c in [0, 1]):
        the leading axis of the grid.
    method : {"dmft", "simulation"}
        Theory (:func:`meanfield.dmft.lyapunov_max`) or direct simulation (:func:`simulation_lambda`).
    lambda_fn : callable, optional
        Replaces the evaluator (see :func:`critical_amplitude`); picklable for process pools.
    options : dict, optional
        Keyword arguments of the evaluator.  Theory: an entry named after a solver
        (``"stationary"``, ``"independent"``, ``"nonstationary"``) whose value is a dict
        applies to that solver only (see :func:`theory_lambda`), e.g. cheaper two-time DMFT
        settings for a sweep without touching the I1 = 0 (stationary) points.
    n_seeds : int, optional
        Network realisations per point (simulation; default 4; dmft uses 1).
    seed : int
        Root of the network and run seeds (the same at every grid point).
    refine : bool
        Refine each row's critical amplitude by :func:`critical_amplitude` in
        the grid bracket (else linear interpolation on the grid).
    adaptive : bool
        Theory only (``method="dmft"``).  False (default): every grid point is
        computed (the brute-force grid).  True: each row (one parameter value and
        correlation) computes ``n_coarse`` evenly spread amplitudes in increasing order,
        each started from the state of the nearest computed amplitude below it
        (continuation), then, round by round, (a) the two grid points on either side of
        the interpolated zero of every gap whose ends change sign, until the gap is two
        neighbouring grid points -- so the critical curve is interpolated between computed
        values only and equals the brute-force grid's -- and (b) the middle point of every
        other gap whose interpolation-error estimate exceeds ``lambda_tol / 2``; the
        remaining points are filled by monotone (PCHIP) interpolation through the computed
        ones.  The error estimate of a gap is the largest difference, at its grid points,
        between PCHIP and the not-a-knot cubic spline through the same points and between
        the two parabolas through the gap and its left or right neighbour (at the row's
        ends: the one parabola against PCHIP).  The amplitude
        I1 = 0 (no input: the same for every frequency and correlation) is computed once
        per distinct network and shared by the rows.  ``computed`` of the result marks the
        computed points; an interpolated point's ``lambda_max_error`` is
        ``hypot(gap estimate, larger solver error of the gap's ends)`` (between anchor rows:
        twice the estimate, see below).
        With ``anchor_stride`` s > 1 (default 4) and at least four rows, only every s-th row
        and the last (the *anchor rows*) run as above; the rows between them use the other
        direction of the grid: along every column (fixed amplitude) the same PCHIP
        interpolation and error estimate run across the rows, through the anchor rows and the
        points computed so far, and round by round (a) the unknown row nearest the middle of
        every column gap whose estimate exceeds ``lambda_tol / 2`` and (b) in every row the
        two neighbouring amplitudes around the first sign change of the row as interpolated
        so far are computed -- so again every critical amplitude comes from computed values.
        An anchor row is the unit of work and of resuming; the points computed between them
        are kept by a resumed run.
    lambda_tol : float, optional
        Target (1/τ, > 0) for the error of the interpolated points, ``adaptive=True`` only:
        a gap is refined while its estimate exceeds ``lambda_tol / 2``.  Default 2e-3,
        comparable to the two-time DMFT's own error estimate near the critical amplitude at
        the reference grid (0.6-2e-3 for f <= 0.2, N = 5000).  The estimate is a heuristic:
        ``benchmarks/bench_phase_diagram.py`` measures the actual error against brute force.
    n_coarse : int, optional
        Amplitudes computed first in each adaptive row, >= 3, first and last included
        (default ``ceil((n_amplitudes - 1) / 4) + 1``: every fourth).  Only with
        ``adaptive=True``.
    anchor_stride : int, optional
        ``adaptive=True`` only: every ``anchor_stride``-th parameter value (and the last) is
        an anchor row, the others are filled across rows (see ``adaptive``); >= 1, default
        4; 1 treats every row on its own.
    executor : object with ``submit``, optional
        ``concurrent.futures`` executor or ``distributed.Client``; default a
        process pool of ``max_workers``.
    max_workers : int, optional
        Size of the default pool (default the number of CPUs; 1 runs serially).
    output : path, optional
        ``.npz`` file: partial results are written atomically every
        ``checkpoint_every`` seconds and at the end; an existing file of the
        same sweep is resumed (finished points are skipped).
    checkpoint_every : float
        Seconds between partial writes (0: after every point).
    on_error : {"raise", "nan"}
        A failing point stops the sweep (after saving) or is stored as NaN
        and listed in ``parameters["errors"]``.
    progress : bool
        Progress bar.

    Returns
    -------
    PhaseDiagram

    Raises
    ------
    ValueError
        ``output`` holds a different sweep; ``adaptive=True`` with ``method="simulation"``;
        ``lambda_tol`` or ``n_coarse`` out of range or given without ``adaptive=True``.
    TypeError
        ``adaptive`` not a bool, ``lambda_tol`` not a real number, ``n_coarse`` not an integer.
    """
    _check_model(model)
    parameter = check_choice("parameter", parameter, set(PARAMETERS))
    values = _check_values(parameter, values, model)
    amps = _check_amplitudes(amplitudes)
    corrs = list(correlation) if isinstance(correlation, (list, tuple, np.ndarray)) else [correlation]
    if not corrs:
        raise ValueError("correlation must name at least one correlation")
    for c in corrs:
        _correlation(c)
    corrs = [c if isinstance(c, str) else float(c) for c in corrs]
    method = check_choice("method", method, {"dmft", "simulation"})
    freq = None if parameter == "frequency" else check_real("frequency", frequency, 0.0, low_open=True)
    options = _check_options(options)
    if method == "dmft":
        n_seeds = 1
    else:
        n_seeds = 4 if n_seeds is None else check_int("n_seeds", n_seeds, 1)
    seed = check_int("seed", seed, 0)
    if not isinstance(refine, (bool, np.bool_)):
        raise TypeError(f"refine must be bool, got {refine!r}")
    adaptive = _check_adaptive(adaptive, lambda_tol, n_coarse, method, amps.size, anchor_stride)
    checkpoint_every = check_real("checkpoint_every", checkpoint_every, 0.0)
    on_error = check_choice("on_error", on_error, {"raise", "nan"})
    if lambda_fn is None:
        lambda_fn = simulation_lambda if method == "simulation" else theory_lambda
    elif not callable(lambda_fn):
        raise TypeError(f"lambda_fn must be callable, got {type(lambda_fn).__name__}")
    spec = _spec(model)
    mdict = model.to_dict()
    key = _key({"model": {k: v for k, v in mdict.items() if k != "seed"}, "parameter": parameter,
                "values": values.tolist(), "amplitudes": amps.tolist(), "correlations": corrs,
                "frequency": freq, "method": method, "options": options, "n_seeds": n_seeds, "seed": seed,
                "lambda_fn": _fn_name(lambda_fn), "refine": bool(refine),
                **({"adaptive": adaptive} if adaptive else {})})
    shape = (len(corrs), values.size, amps.size)
    pd = None
    if output is not None:
        remove_stale_temporaries(output)
    if output is not None and os.path.exists(output):
        pd = PhaseDiagram.load(output)
        if pd.parameters.get("key") != key:
            raise ValueError(f"output {output} holds a phase diagram of other parameters; delete it or "
                             "choose another path")
        pd.done = pd.done.astype(bool)
    if pd is None:
        nan = np.full(shape, np.nan)
        pd = PhaseDiagram(
            parameter=parameter, values=values, amplitudes=amps, correlations=corrs, frequency=freq,
            lambda_max=nan.copy(), lambda_max_error=nan.copy(), samples=np.full(shape + (n_seeds,), np.nan),
            sample_errors=np.full(shape + (n_seeds,), np.nan), done=np.zeros(shape + (n_seeds,), bool),
            critical_amplitude=np.full(shape[:2], np.nan),
            critical_amplitude_error=np.full(shape[:2], np.nan),
            critical_method="root" if refine else "grid", method=method, model=mdict,
            parameters={"key": key, "options": options, "n_seeds": n_seeds, "seed": seed,
                        "lambda_fn": _fn_name(lambda_fn), "errors": [], "refined": [],
                        "checkpoint": None if output is None else os.fspath(output),
                        **({"adaptive": dict(adaptive)} if adaptive else {})})
    if method == "simulation":
        net, run = _seeds(seed, n_seeds)
    else:
        net, run = [None], [None]
    saver = _Saver(pd, output, checkpoint_every)
    with _executor(executor, max_workers) as ex:
        tasks = {}
        if adaptive:
            tasks = _submit_adaptive(pd, ex, spec, corrs, lambda_fn, options, adaptive)
        elif lambda_fn is theory_lambda:
            # theory: one task per row, amplitudes in increasing order, each started from its neighbour
            for ic, ix in np.ndindex(*shape[:2]):
                todo = np.nonzero(~pd.done[ic, ix, :, 0])[0]
                if todo.size:
                    f = values[ix] if parameter == "frequency" else freq
                    fut = ex.submit(_theory_row, spec, _changes(parameter, values[ix]), amps[todo].tolist(),
                                    float(f), corrs[ic], options)
                    tasks[fut] = [(ic, ix, int(ia), 0) for ia in todo]
        else:
            for idx in zip(*np.nonzero(~pd.done)):
                ic, ix, ia, s = (int(i) for i in idx)
                f = values[ix] if parameter == "frequency" else freq
                fut = ex.submit(_evaluate, spec, _changes(parameter, values[ix]), float(amps[ia]), float(f),
                                corrs[ic], net[s], run[s], lambda_fn, options)
                tasks[fut] = [(ic, ix, ia, s)]
        try:
            with _engine.progress_bar(int(np.sum(~pd.done)), "phase diagram", progress, unit="point") as bar:
                for fut in _completed(list(tasks)):
                    idxs = tasks[fut]
                    if adaptive:
                        _store_row(pd, idxs, fut, on_error)
                        bar.update(len(idxs))
                        saver.maybe()
                        continue
                    try:
                        out = fut.result()
                        out = out if len(idxs) > 1 or isinstance(out, list) else [out]
                    except Exception as exc:
                        out = [exc] * len(idxs)
                    for idx, val in zip(idxs, out):
                        _store_point(pd, idx, val, on_error)
                        bar.update(1)
                    saver.maybe()
                if adaptive:
                    _fill_stage(pd, ex, spec, corrs, lambda_fn, options, adaptive, saver, bar, on_error)
            _grid_curve(pd)
            if refine:
                _refine(pd, spec, method, lambda_fn, options, n_seeds, seed, ex, saver, progress, on_error)
        except BaseException:
            _cancel(list(tasks))
            _grid_curve(pd)
            saver.save()
            raise
    pd.diagnostics.update(converged=not pd.parameters["errors"], fallbacks=len(pd.parameters["errors"]),
                          n_evaluations=int(np.sum(pd.done & pd.computed[..., None])))
    saver.save()
    return pd


def _check_adaptive(adaptive, lambda_tol, n_coarse, method, n_amplitudes, anchor_stride=None):
    """{"lambda_tol", "n_coarse", "anchor_stride"} of an adaptive theory diagram, or None (brute force)."""
    if not isinstance(adaptive, (bool, np.bool_)):
        raise TypeError(f"adaptive must be bool, got {adaptive!r}")
    if not adaptive:
        for name, v in (("lambda_tol", lambda_tol), ("n_coarse", n_coarse), ("anchor_stride", anchor_stride)):
            if v is not None:
                raise ValueError(f"{name} applies to adaptive=True only (got {name}={v!r} with "
                                 "adaptive=False)")
        return None
    if method != "dmft":
        raise ValueError("adaptive=True needs method='dmft': interpolating noisy simulation estimates "
                         "is not supported; use adaptive=False")
    if lambda_tol is None:
        tol = DEFAULT_LAMBDA_TOL
    else:
        tol = check_real("lambda_tol", lambda_tol, 0.0, low_open=True)
    n = math.ceil((n_amplitudes - 1) / 4) + 1 if n_coarse is None else check_int("n_coarse", n_coarse, 3)
    stride = DEFAULT_ANCHOR_STRIDE if anchor_stride is None else check_int("anchor_stride", anchor_stride, 1)
    return {"lambda_tol": tol, "n_coarse": max(min(n, n_amplitudes), 1), "anchor_stride": stride}


def _submit_adaptive(pd, ex, spec, corrs, lambda_fn, options, adaptive):
    """Submit one adaptive task per unfinished row; I1 = 0 is computed first, once per network."""
    amps, parameter = pd.amplitudes, pd.parameter
    anchors = set(_anchor_rows(pd.lambda_max.shape[1], adaptive.get("anchor_stride", 1)))
    rows = [(ic, ix) for ic, ix in np.ndindex(*pd.lambda_max.shape[:2])
            if ix in anchors and not np.all(pd.done[ic, ix])]
    for ic, ix in rows:                        # an anchor row is the unit of resuming
        pd.done[ic, ix] = False
    zeros = {}
    if amps[0] == 0 and rows:
        # no input at I1 = 0: the same model for every frequency and correlation
        nets = {json.dumps(_changes(parameter, pd.values[ix]), sort_keys=True): ix for _, ix in rows}
        futs = {k: ex.submit(_evaluate, spec, _changes(parameter, pd.values[ix]), 0.0, 1.0, corrs[0], None,
                             None, lambda_fn, options) for k, ix in nets.items()}
        for k, fut in futs.items():
            try:
                zeros[k] = tuple(fut.result()[:2])
            except Exception as exc:     # every row then records it at I1 = 0
                zeros[k] = exc
    tasks = {}
    for ic, ix in rows:
        changes = _changes(parameter, pd.values[ix])
        f = pd.values[ix] if parameter == "frequency" else pd.frequency
        fut = ex.submit(_adaptive_row, spec, changes, amps.tolist(), float(f), corrs[ic], lambda_fn, options,
                        adaptive["lambda_tol"], adaptive["n_coarse"],
                        zeros.get(json.dumps(changes, sort_keys=True)))
        tasks[fut] = [(ic, ix, ia, 0) for ia in range(amps.size)]
    return tasks


def _fill_stage(pd, ex, spec, corrs, lambda_fn, options, adaptive, saver, bar, on_error):
    """Second stage of a 2-D adaptive diagram: the rows between the anchor rows.

    Round by round, :func:`_fill_points` picks the points to compute (bisection across rows
    where the column interpolation is not trusted, and the pair around each row's crossing);
    they run as one task per row (increasing amplitude, with continuation).  Then every other
    point of these rows gets the column PCHIP value with error hypot(2 x estimate, larger
    error of its gap's ends) -- the factor 2 (1/_SAFETY, the margin of the refinement rule)
    because across rows the estimate fell up to 3x below the true error on a test surface with
    a moving kink (``tests/test_phase.py``).  Resumable: computed points of these rows are kept."""
    amps, parameter, tol = pd.amplitudes, pd.parameter, adaptive["lambda_tol"]
    n_corr, n_rows = pd.lambda_max.shape[:2]
    anchors = _anchor_rows(n_rows, adaptive.get("anchor_stride", 1))
    rest = [ix for ix in range(n_rows) if ix not in anchors]
    if not rest:
        return

    def known_mask(ic):
        known = np.zeros((n_rows, amps.size), bool)
        known[anchors] = True
        known[rest] = np.all(pd.done[ic, rest], axis=-1) & pd.computed[ic, rest]
        return known

    while True:
        tasks = {}
        for ic in range(n_corr):
            by_row = {}
            for ix, ia in _fill_points(pd.lambda_max[ic], known_mask(ic), tol):
                by_row.setdefault(ix, []).append(ia)
            for ix, ias in sorted(by_row.items()):
                f = pd.values[ix] if parameter == "frequency" else pd.frequency
                fut = ex.submit(_theory_row, spec, _changes(parameter, pd.values[ix]), amps[ias].tolist(),
                                float(f), corrs[ic], options, lambda_fn)
                tasks[fut] = [(ic, ix, ia, 0) for ia in ias]
        if not tasks:
            break
        for fut in _completed(list(tasks)):
            idxs = tasks[fut]
            try:
                out = fut.result()
            except Exception as exc:
                out = [exc] * len(idxs)
            for idx, val in zip(idxs, out):
                _store_point(pd, idx, val, on_error, computed=True)
            bar.update(len(idxs))
            saver.maybe()
    for ic in range(n_corr):
        known = known_mask(ic)
        vals, est, gaps = _column_fill(pd.lambda_max[ic], known)
        err = np.nan_to_num(pd.lambda_max_error[ic])
        for j, (p, q), u, e in gaps:
            for r in u:
                if r in anchors:
                    continue
                idx = (ic, int(r), j, 0)
                if not pd.done[idx]:
                    bar.update(1)
                pd.samples[idx], pd.done[idx] = vals[r, j], True
                pd.sample_errors[idx] = math.hypot(e / _SAFETY, max(err[p, j], err[q, j]))
                pd.computed[idx[:3]] = False
                _aggregate(pd, idx[:3])
    pd.parameters["adaptive"]["n_computed"] = int(np.sum(pd.computed & np.all(pd.done, axis=-1)))


def _store_point(pd, idx, val, on_error, computed=None):
    """Store one evaluated point (a (λ, error, ...) tuple or the exception of a failure; a NaN λ
    is a failure, see :func:`_nan_point`): raised with on_error="raise", else NaN and recorded."""
    val = _nan_point(val, idx)
    if isinstance(val, Exception):
        if on_error == "raise":
            raise val
        lam, err = math.nan, math.nan
        pd.parameters["errors"].append({"index": list(idx), "error": repr(val)})
    else:
        lam, err = val[0], val[1]
    pd.samples[idx], pd.sample_errors[idx], pd.done[idx] = lam, err, True
    if computed is not None:
        pd.computed[idx[:3]] = computed
    _aggregate(pd, idx[:3])


def _nan_point(val, idx):
    """A point's value, or a ConvergenceError when its λ_max is not a finite number (a NaN is a failure
    of the point, never a result stored as done)."""
    if isinstance(val, Exception):
        return val
    try:
        lam = float(val[0])
    except (TypeError, ValueError, IndexError) as exc:
        return TypeError(f"phase-diagram point {list(idx)}: lambda_fn must return (lambda_max, error), "
                         f"got {val!r} ({exc})")
    if not math.isfinite(lam):
        return ConvergenceError(f"phase-diagram point {list(idx)} returned lambda_max = {lam}: the solver "
                                "or simulation failed there without raising")
    return val


def _store_row(pd, idxs, fut, on_error):
    """Store one adaptive row (all or nothing: a failure with on_error="raise" leaves the row to do)."""
    try:
        out = fut.result()
        points, computed = out["points"], out["computed"]
    except Exception as exc:
        points, computed = [exc] * len(idxs), [True] * len(idxs)
    points = [_nan_point(v, i) if c else v for v, i, c in zip(points, idxs, computed)]
    if on_error == "raise":
        for val in points:
            if isinstance(val, Exception):
                raise val
    for idx, val, c in zip(idxs, points, computed):
        if isinstance(val, Exception):
            lam, err = math.nan, math.nan
            pd.parameters["errors"].append({"index": list(idx), "error": repr(val)})
        else:
            lam, err = val[0], val[1]
        pd.samples[idx], pd.sample_errors[idx], pd.done[idx] = lam, err, True
        pd.computed[idx[:3]] = c
        _aggregate(pd, idx[:3])
    pd.parameters["adaptive"]["n_computed"] = int(np.sum(pd.computed & np.all(pd.done, axis=-1)))


class _Saver:
    def __init__(self, pd, path, every):
        self.pd, self.path, self.every = pd, path, every
        self.last = time.monotonic()

    def maybe(self):
        if self.path is not None and time.monotonic() - self.last >= self.every:
            self.save()

    def save(self):
        if self.path is not None:
            self.pd.save(self.path)
            self.last = time.monotonic()


def _aggregate(pd, idx):
    done = pd.done[idx]
    if not np.all(done):
        return
    lam, err = pd.samples[idx], pd.sample_errors[idx]
    pd.lambda_max[idx] = np.mean(lam)
    n = lam.size
    pd.lambda_max_error[idx] = np.std(lam, ddof=1) / math.sqrt(n) if n > 1 else err[0]


def _grid_curve(pd):
    crit, cse = _grid_critical(pd.amplitudes, pd.lambda_max, pd.lambda_max_error)
    refined = {tuple(r["index"]) for r in pd.parameters.get("refined", [])}
    for idx in np.ndindex(*crit.shape):
        if idx not in refined:
            pd.critical_amplitude[idx], pd.critical_amplitude_error[idx] = crit[idx], cse[idx]


def _refine(pd, spec, method, lambda_fn, options, n_seeds, seed, ex, saver, progress, on_error):
    """Root-find each row's crossing inside the grid bracket (rows resumed from a file are skipped)."""
    done = {tuple(r["index"]) for r in pd.parameters["refined"]}
    tasks = {}
    for ic, ix in np.ndindex(*pd.critical_amplitude.shape):
        if (ic, ix) in done or not np.isfinite(pd.critical_amplitude[ic, ix]):
            continue
        i, j = _first_crossing(pd.lambda_max[ic, ix])
        f = pd.values[ix] if pd.parameter == "frequency" else pd.frequency
        br = (float(pd.amplitudes[i]), float(pd.amplitudes[j]))
        fut = ex.submit(_critical_task, spec, _changes(pd.parameter, pd.values[ix]), float(f),
                        pd.correlations[ic], method, br, lambda_fn, options, n_seeds, seed)
        tasks[fut] = (ic, ix)
    try:
        with _engine.progress_bar(len(tasks), "critical curve", progress, unit="point") as bar:
            for fut in _completed(list(tasks)):
                ic, ix = tasks[fut]
                try:
                    amp, se = fut.result()
                except Exception as exc:
                    if on_error == "raise":
                        raise
                    pd.parameters["errors"].append({"index": [ic, ix], "error": repr(exc), "stage": "refine"})
                    continue
                pd.critical_amplitude[ic, ix], pd.critical_amplitude_error[ic, ix] = amp, se
                pd.parameters["refined"].append({"index": [ic, ix]})
                bar.update(1)
                saver.maybe()
    except BaseException:
        _cancel(list(tasks))
        raise
