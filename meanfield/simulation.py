r"""Direct simulation of network models.

Continuous time integrates :math:`\dot h = -h + J\phi(h) + I(t)` by Euler
(:math:`h \leftarrow (1-\Delta t)h + \Delta t\,(J\phi(h) + I)`) or classical
RK4; discrete-time models iterate their map.  Time is in units of the
neuronal time constant.
"""
from dataclasses import dataclass, field

import numpy as np

from . import _engine, _kernels
from ._threads import blas_threads, default_threads
from ._validation import check_int, check_real
from .results import Result, deprecated_alias, provenance


@dataclass
class SimulationResult(Result):
    """Output of :func:`simulate`.

    Attributes
    ----------
    times : ndarray (n_t,)
        Recording times (τ; iterations for maps), counted from the start of
        the run, so the first is ``t_warmup``.
    h : ndarray (n_units, n_t)
        Recorded currents :math:`h_i(t)` of the units in ``units``.
    units : ndarray (n_units,)
        Indices of the recorded units.
    mean_input : ndarray (n_t,)
        Population mean :math:`m(t) = N^{-1}\\sum_i h_i(t)`.
    mean_rate : ndarray (n_t,)
        Population mean rate :math:`\\nu(t) = N^{-1}\\sum_i \\phi(h_i(t))`.
    external_input : ndarray (n_t,)
        Population mean of the external input :math:`I_i(t)` (drive included).
    final_state : ndarray (N,)
        State at the end of the run (use as ``x0`` to continue).
    """

    times: np.ndarray
    h: np.ndarray
    units: np.ndarray
    mean_input: np.ndarray
    mean_rate: np.ndarray
    external_input: np.ndarray
    final_state: np.ndarray
    dt: float
    integrator: str
    seed: int
    model: dict
    parameters: dict
    versions: dict = field(default_factory=provenance)

    _renamed = {"method": "integrator"}
    method = deprecated_alias("integrator", "method")


def _units(record, N):
    if record is None:
        return np.arange(min(N, 10))
    if isinstance(record, str):
        if record != "all":
            raise ValueError(f"record must be an int, a sequence of unit indices or 'all', got {record!r}")
        return np.arange(N)
    if np.isscalar(record):
        return np.arange(check_int("record", record, 0, N))
    idx = np.asarray(record)
    if idx.ndim != 1 or not np.issubdtype(idx.dtype, np.integer):
        raise TypeError("record must be an int, a 1-d sequence of integer unit indices or 'all'")
    if idx.size and (idx.min() < 0 or idx.max() >= N):
        raise ValueError(f"record indices must lie in [0, {N - 1}]")
    return idx.astype(np.int64)


def simulate(model, t_max, dt=None, integrator=None, record=None, record_every=1, t_warmup=0.0,
             x0=None, seed=None, progress=True, threads=None, method=None):
    r"""Simulate a network model.

    Parameters
    ----------
    model : RandomNetwork, BalancedNetwork, rnn.RNN or rnn.PLRNN
        The network (couplings, nonlinearity and input).
    t_max : float
        Recorded duration (τ; iterations for a discrete-time model), > 0.
    dt : float, optional
        Step, 0 < dt < 2 (Euler) or < 2.785 (RK4); default 0.1.  Must be
        None for a discrete-time model.
    integrator : {"rk4", "euler"}, optional
        Integrator for continuous time (default "rk4").
    record : int, sequence of int, "all" or None
        Units to record (default the first 10).
    record_every : int
        Record every this many steps.
    t_warmup : float
        Transient discarded before recording.
    x0 : array_like (N,), optional
        Initial state; default :math:`h_i(0)\sim\mathcal N(0,1)` from ``seed``.
    seed : int or None
        Seed of the initial state and input noise (None: fresh, recorded).
    progress : bool
        Show a progress bar on terminals.
    threads : int or None
        BLAS threads for the run (None: 1 for N < ~14000, where one matrix-vector
        product per stage gains nothing from a second thread).
    method : deprecated
        The old name of ``integrator``.

    Returns
    -------
    SimulationResult

    Raises
    ------
    SimulationBlowUp
        The state overflowed; the message gives the time.

    Warns
    ------
    RuntimeWarning
        dt outside the integrator's stability interval of the balanced network's population-mean
        mode (rate :math:`1 + J_0\sqrt K\langle\phi'\rangle`, growing like √K): the numbers are not valid.
    """
    integrator = _engine.integrator_argument(integrator, method, "simulate")
    if hasattr(model, "_simulate"):                    # models with their own kernels (meanfield.rnn)
        return model._simulate(t_max, dt=dt, integrator=integrator, record=record, record_every=record_every,
                               t_warmup=t_warmup, x0=x0, seed=seed, progress=progress, threads=threads)
    run = _engine.NetworkRun(model, integrator, dt, seed, x0=x0)
    dt = run.dt
    units = _units(record, model.N)
    record_every = check_int("record_every", record_every, 1)
    n_warm = _engine.steps_of("t_warmup", t_warmup, dt)
    n_steps = _engine.steps_of("t_max", check_real("t_max", t_max, 0.0, low_open=True), dt, low=1)
    n_rec = n_steps // record_every + 1
    rec_h = np.empty((units.size, n_rec))
    rec_m, rec_r, rec_i = np.empty(n_rec), np.empty(n_rec), np.empty(n_rec)
    rec = _kernels.Recorder(units, record_every, rec_h, rec_m, rec_r, rec_i)
    pos = 0
    total = n_warm + n_steps
    if threads is None:
        threads = default_threads(1, model.N)
    with blas_threads(threads), _engine.progress_bar(total * dt, "simulate", progress) as bar:
        for start, size in _engine.chunks(n_warm):
            run.advance(size)
            bar.update(size * dt)
        step0 = run.step
        run.step_check.plan(n_steps)
        for start, size in _engine.chunks(n_steps):
            st, pos = run.ks.simulate_chunk(run.stepper(step0 * dt), run.J, run.H, run.W, run.drive,
                                            run.noise(size), size, start, rec, pos)
            if st >= 0:
                raise run.blowup(step0 + start + st + 1)
            run.step += size
            run.after_chunk(size)
            bar.update(size * dt)
        run.warn_if_unsafe()
        # the final state, if it falls on the recording grid
        if n_steps % record_every == 0:
            h_last = run.H[:, 0]
            phi = model.nonlinearity(h_last)
            rec_h[:, pos] = h_last[units]
            rec_m[pos], rec_r[pos] = h_last.mean(), phi.mean()
            rec_i[pos] = _mean_input(run, (step0 + n_steps) * dt)
            pos += 1
    times = (step0 + np.arange(pos) * record_every) * dt
    return SimulationResult(
        times=times, h=rec_h[:, :pos], units=units, mean_input=rec_m[:pos], mean_rate=rec_r[:pos],
        external_input=rec_i[:pos], final_state=run.H[:, 0].copy(), dt=dt, integrator=run.integrator,
        seed=run.seed, model=model.to_dict(),
        parameters={"t_max": float(t_max), "t_warmup": float(t_warmup), "record_every": record_every})


def _mean_input(run, t):
    out = np.empty(run.N)
    _kernels._input_eval(t, run.pars, run.cs, run.xi, run.bias, out)
    return out.mean()
