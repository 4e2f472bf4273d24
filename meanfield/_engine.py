"""Run state shared by simulation and Lyapunov analysis of network models.

Not public.  One :class:`NetworkRun` holds the state matrix, input state,
random streams and kernel set of one run, and advances it in chunks so that
the caller can show progress and checkpoint.
"""
import math
import sys
import time
import warnings

import numpy as np

from . import _kernels as K
from ._validation import check_choice, check_real, check_seed, check_vector
from .errors import SimulationBlowUp, StepSizeWarning, blowup_cause
from .inputs import OUInput, SineInput

# Largest dt for which the leak term -h is stable: |1 - dt| < 1 (Euler) and
# the RK4 stability interval on the negative real axis, (-2.785, 0).
STABLE_DT = {"euler": 2.0, "rk4": 2.785}
# Order p of each integrator's global error (local error ~ dt^(p+1)).
ORDER = {"euler": 1, "rk4": 4}

# Step-size safety (see StepCheck): the relative local error of one step that a run may reach; a check
# (about 4 state steps) every CHECK_BUDGET steps but at least MIN_CHECKS per run, every TANGENT_EVERY-th
# one with the tangent vectors (3 tangent steps and 2 QR); the fewest steps per period of a sine input.
STEP_TOL = 0.05
CHECK_BUDGET = 1000
MIN_CHECKS = 8
TANGENT_EVERY = 4
MIN_STEPS_PER_PERIOD = 8


def relative_step_error(y_full, y_half, order):
    r"""Step-doubling estimate of the local error of one step of a state: (error, scale).

    ``y_full`` is one step of dt, ``y_half`` two steps of dt/2 from the same state.  The error of
    the full step is :math:`e \approx (y_\mathrm{full} - y_\mathrm{half})\,2^p/(2^p - 1)` (Richardson,
    order p); returns :math:`(\mathrm{rms}(e), \mathrm{rms}(y_\mathrm{half}))` (NaN when a step
    overflows: the run's own blow-up check reports that).  :class:`StepCheck` divides the error by
    the scale, floored at the run's median scale (a state passing near zero says nothing about
    the relative error): dimensionless, it does not depend on the unit of time.
    """
    y_full, y_half = np.asarray(y_full, dtype=np.float64), np.asarray(y_half, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        scale = math.sqrt(float(np.mean(np.square(y_half))))
        d = math.sqrt(float(np.mean(np.square(y_full - y_half))))
    if not (math.isfinite(scale) and math.isfinite(d)):
        return math.nan, math.nan      # overflow: SimulationBlowUp reports it, not the step check
    f = 2.0 ** order
    return d * f / (f - 1.0), scale


def tangent_step_error(Q_full, Q_half, order):
    r"""Step-doubling estimate of the error of one step's exponent increments :math:`\ln|R_{jj}|`.

    ``Q_full`` and ``Q_half`` are orthonormal tangent vectors moved by one step of dt and by two of
    dt/2; returns :math:`\max_j |\ln|R^\mathrm{full}_{jj}| - \ln|R^\mathrm{half}_{jj}||\,2^p/(2^p-1)`
    (QR of each): the relative error of the growth factor of each direction the spectrum follows
    in one step, dimensionless.  The most contracting computed direction is the first to leave
    the integrator's accuracy region (e.g. :math:`|R(z) - e^z|/e^z` for RK4 at :math:`z = \lambda\Delta t`).
    """
    if not (np.all(np.isfinite(Q_full)) and np.all(np.isfinite(Q_half))):
        return math.nan
    r1 = np.abs(np.diag(np.linalg.qr(Q_full, mode="r")))
    r2 = np.abs(np.diag(np.linalg.qr(Q_half, mode="r")))
    ok = (r1 > 0) & (r2 > 0)
    if not np.any(ok):
        return math.nan
    f = 2.0 ** order
    return float(np.max(np.abs(np.log(r1[ok]) - np.log(r2[ok])))) * f / (f - 1.0)


class StepCheck:
    r"""Step-size safety of a run: step doubling on a sample of its states.

    The run calls :meth:`due` after each chunk with the steps done; at the first chunk and then
    every ``min(CHECK_BUDGET, total / MIN_CHECKS)`` steps it computes one
    :func:`relative_step_error` of the state and, in a spectrum run (first check, then every
    ``TANGENT_EVERY``-th), :func:`tangent_step_error` of the tangent vectors (the larger of the
    two counts), and :meth:`add` s it.  :meth:`warn` at the
    end: when the largest estimate exceeds ``STEP_TOL`` the step is beyond the integrator's
    accuracy (or stability: an unstable step's doubling error is O(1)), and a
    :class:`~meanfield.errors.StepSizeWarning` names the largest safe dt,
    :math:`0.9\,\Delta t\,(\mathrm{tol}/\mathrm{err})^{1/(p+1)}` (the local error is
    :math:`O(\Delta t^{p+1})`).  The checks work on copies: the run's state, noise stream and
    tangent vectors are untouched, so results are bit for bit those of an unchecked run.
    """

    def __init__(self, dt, integrator, total_steps=None):
        self.dt, self.integrator = dt, integrator
        self.order = ORDER.get(integrator)
        self.records = []         # (state error, state scale, tangent error) per check
        self.spent = None
        self.plan(total_steps)

    def plan(self, total_steps):
        """Spread the checks over a measured phase of total_steps steps (None: every CHECK_BUDGET)."""
        self.every = CHECK_BUDGET if total_steps is None else max(1, min(CHECK_BUDGET,
                                                                         total_steps // MIN_CHECKS))

    def due(self, n_steps):
        """After a chunk of n_steps: is a check due (the first chunk, then every ``self.every`` steps)?"""
        if self.order is None:
            return False
        if self.spent is None:          # the first chunk
            self.spent = 0
            return True
        self.spent += n_steps
        if self.spent >= self.every:
            self.spent = 0
            return True
        return False

    def tangent_due(self):
        """Include the tangent vectors in this check?  In the first and then every TANGENT_EVERY-th
        check: a tangent check costs two QR and three steps of all k vectors (~13 steps at k = N)."""
        return len(self.records) % TANGENT_EVERY == 0

    def add(self, state, tangent=math.nan):
        """Record one check: ``state`` the (error, scale) of :func:`relative_step_error`, ``tangent``
        the :func:`tangent_step_error` (NaN: none)."""
        self.records.append((state[0], state[1], tangent))

    @property
    def errors(self):
        """Per check, the larger of the relative state error (its scale floored at the median
        scale of the run) and the tangent error."""
        if not self.records:
            return np.empty(0)
        r = np.array(self.records, dtype=np.float64)
        floor = np.nanmedian(r[:, 1]) if np.any(np.isfinite(r[:, 1])) else math.nan
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = r[:, 0] / np.maximum(r[:, 1], floor)
        rel[r[:, 0] == 0] = 0.0
        return np.fmax(rel, r[:, 2])

    @property
    def largest(self):
        """The largest error seen (the dynamics can alternate between states where the step is fine
        and states where it is not, e.g. a balanced network that a too-large step silences)."""
        e = self.errors
        e = e[~np.isnan(e)]
        return float(e.max()) if e.size else math.nan

    def safe_dt(self):
        m = self.largest
        if not m > STEP_TOL:
            return self.dt
        return 0.9 * self.dt * (STEP_TOL / m) ** (1.0 / (self.order + 1))

    def diagnostics(self):
        return {"step_error": self.largest, "step_checks": len(self.records),
                "step_tolerance": STEP_TOL}

    def warn(self, what, stacklevel=4):
        m = self.largest
        if m > STEP_TOL:
            warnings.warn(f"dt = {self.dt:g} is too large for {what} with {self.integrator}: the relative "
                          f"local error of a step is {m:.3g} (step doubling, largest of "
                          f"{len(self.records)} checks; tolerance {STEP_TOL:g}), so the numbers of this run "
                          f"are not valid; use dt <= {self.safe_dt():.2g}", StepSizeWarning,
                          stacklevel=stacklevel)


def check_model(model, what="model"):
    """A network model (RandomNetwork, BalancedNetwork) or, with what='model_or_system', also Flow/Map."""
    from .models import _Network
    from .systems import Flow, Map
    ok = (_Network, Flow, Map) if what == "model_or_system" else (_Network,)
    if not isinstance(model, ok):
        names = "RandomNetwork, BalancedNetwork" + (", Flow or Map" if len(ok) == 3 else "")
        raise TypeError(f"{what} must be a {names}, got {type(model).__name__}")
    return model


def integrator_argument(integrator, method, where):
    """``integrator``, or the deprecated ``method=`` spelling of it (warns; both given is an error)."""
    if method is None:
        return integrator
    if integrator is not None:
        raise TypeError(f"{where}: give integrator= only (method= is its deprecated name)")
    warnings.warn(f"{where}(method=...) is deprecated for the integrator; use integrator=...",
                  DeprecationWarning, stacklevel=3)
    return method


def resolve_integrator(model, integrator, dt, name="integrator"):
    """Validate (integrator, dt) for a system's time kind; returns (integrator, dt, a, rk4).

    Networks: dt below the leak term's stability limit.  Generic flows: any
    dt > 0.  Maps and discrete-time networks: dt and integrator must be None.
    """
    method = integrator
    if model.time == "discrete":
        if method not in (None, "map"):
            raise ValueError(f"{name} must be None for a map or discrete-time model, got {method!r}")
        if dt not in (None, 1, 1.0):
            raise ValueError(f"dt must be None (one iteration) for a map or discrete-time model, got {dt!r}")
        return "map", 1.0, getattr(model, "leak", 1.0), False
    method = "rk4" if method is None else method
    check_choice(name, method, set(STABLE_DT))
    dt = 0.1 if dt is None else dt
    if hasattr(model, "nonlinearity"):
        dt = check_real("dt", dt, 0.0, STABLE_DT[method], low_open=True, high_open=True)
    else:
        dt = check_real("dt", dt, 0.0, low_open=True)
    return method, dt, dt, method == "rk4"


def check_sampling(frequency, dt):
    """A sinusoidal input needs at least MIN_STEPS_PER_PERIOD steps per period: f dt near an integer
    or half-integer samples the sine at its zeros (aliasing), and coarser grids integrate it badly."""
    if frequency * dt > 1.0 / MIN_STEPS_PER_PERIOD:
        raise ValueError(f"dt = {dt:g} samples the input's sine of frequency {frequency:g} only "
                         f"{1.0 / (frequency * dt):.3g} times per period (at least "
                         f"{MIN_STEPS_PER_PERIOD} are needed; f dt near an integer or half-integer aliases "
                         f"the input away); use "
                         f"dt <= {1.0 / (MIN_STEPS_PER_PERIOD * frequency):.3g}")


def check_map_sampling(frequency):
    """A map samples its sine input once per iteration: above 1/2 cycle per iteration (Nyquist) it sees
    the alias |f - round(f)|; at an integer or half-integer f, always the same phase (or its negative)."""
    import warnings

    from .errors import AliasingWarning
    alias = abs(frequency - round(frequency))
    if frequency > 0.5:
        warnings.warn(f"the map samples its sine input of frequency {frequency:g} (cycles per iteration) "
                      f"once "
                      f"per iteration: it sees the alias frequency {alias:g}"
                      + (" (a constant or period-2 input)" if alias in (0.0, 0.5) else "")
                      + "; give a frequency <= 0.5", AliasingWarning, stacklevel=4)


def steps_of(name, t, dt, low=0, unit="dt"):
    """Number of steps in a duration ``t``; it must be a whole multiple of dt (named ``unit``)."""
    t = check_real(name, t, 0.0)
    n = int(round(t / dt))
    if abs(n * dt - t) > 1e-9 * max(1.0, t):
        raise ValueError(f"{name} = {t:g} must be a whole multiple of {unit} = {dt:g}")
    if n < low:
        raise ValueError(f"{name} must be at least {low * dt:g} (got {t:g})")
    return n


class NetworkRun:
    """State of one run: H (N, m), optional tangent Q (N, k), input and noise."""

    def __init__(self, model, integrator, dt, seed, x0=None, m=1, k=0):
        self.model = check_model(model)
        self.integrator, self.dt, self.a, self.rk4 = resolve_integrator(model, integrator, dt)
        self.seed_seq = check_seed("seed", seed)
        self.seed = int(self.seed_seq.entropy)
        ss_x0, self.ss_basis, ss_noise = self.seed_seq.spawn(3)
        N = model.N
        self.N = N
        self.ks = model.nonlinearity.kernels()
        self.J = model.J
        if x0 is None:
            x0 = np.random.default_rng(ss_x0).standard_normal(N)
        else:
            x0 = check_vector("x0", x0, N)
        self.H = np.empty((N, m))
        self.H[:, :] = x0[:, None]
        self.Q = np.empty((N, k))
        self.pars, self.cs = model.input_arrays()
        self.bias = np.ascontiguousarray(model.bias, dtype=np.float64)
        self.noise_rng = np.random.default_rng(ss_noise)
        self.nsub = 2 if self.rk4 else 1
        self.ou = isinstance(model.input, OUInput)
        self.xi = np.zeros(N + 1)
        self.ou_decay, self.ou_scale = 1.0, 0.0
        if self.ou:
            self.xi[:] = self.noise_rng.standard_normal(N + 1)
            self.ou_decay, self.ou_scale = model.input.ou_coefficients(self.dt / self.nsub)
        self.drive = K.make_drive(self.pars, self.cs, self.xi, self.bias, self.ou_decay, self.ou_scale)
        self.step = 0
        self.stiff_checks, self.stiff_over, self.stiff_rate = 0, 0, 0.0
        self.W = K.make_work(N, m, k)
        self.step_check = StepCheck(self.dt, self.integrator)
        self._W1 = None
        if isinstance(model.input, SineInput):
            if self.integrator != "map":
                check_sampling(model.input.frequency, self.dt)
            else:
                check_map_sampling(model.input.frequency)

    def stepper(self, t0=0.0):
        """The kernels' :data:`~meanfield._kernels.Stepper` record of this run (step 0 at time t0)."""
        return K.make_stepper(self.model.nonlinearity.code, self.dt, self.a, self.rk4, t0)

    def set_tangent(self, Q):
        self.Q = np.ascontiguousarray(Q, dtype=np.float64)
        self.W = K.make_work(self.N, self.H.shape[1], self.Q.shape[1])

    def noise(self, n_steps):
        if not self.ou:
            return np.empty((0, self.N + 1))
        return self.noise_rng.standard_normal((n_steps * self.nsub, self.N + 1))

    def time(self, step=None):
        return (self.step if step is None else step) * self.dt

    def blowup(self, step):
        return SimulationBlowUp(self.time(step), cause=blowup_cause(self.H, self.Q))

    def advance(self, n_steps, with_tangent=False):
        """Advance n_steps (no accumulation); raises SimulationBlowUp."""
        Q = self.Q if with_tangent else np.empty((self.N, 0))
        W = self.W if with_tangent else K.make_work(self.N, self.H.shape[1], 0)
        st = self.ks.advance(self.stepper(), self.J, self.H, Q, W, self.drive, self.noise(n_steps),
                             n_steps, self.step)
        if st >= 0:
            raise self.blowup(self.step + st + 1)
        self.step += n_steps

    def step_error(self, with_tangent=False):
        """(:func:`relative_step_error`, :func:`tangent_step_error` or NaN) of the next step from the
        current state (reference trajectory) and, with_tangent, of the tangent vectors, by the same kernels;
        OU input is frozen at its current value for both steps.  The run is untouched."""
        N = self.N
        kq = self.Q.shape[1] if with_tangent else 0
        if self._W1 is None or self._W1[0] != kq:
            self._W1 = (kq, K.make_work(N, 1, kq), np.zeros((4, N + 1)))
        _, W, z = self._W1
        x = self.H[:, :1].copy()
        code, t0 = self.model.nonlinearity.code, self.step * self.dt
        out = []
        for n_sub in (1, 2):
            y = x.copy()
            yq = self.Q.copy() if kq else np.empty((N, 0))
            drive = K.make_drive(self.pars, self.cs, self.xi.copy(), self.bias, 1.0, 0.0)
            st = K.make_stepper(code, self.dt / n_sub, self.a / n_sub, self.rk4, t0)
            self.ks.advance(st, self.J, y, yq, W, drive, z, n_sub, 0)
            out.append((y, yq))
        p = ORDER[self.integrator]
        return (relative_step_error(out[0][0], out[1][0], p),
                tangent_step_error(out[0][1], out[1][1], p) if kq else math.nan)

    def after_chunk(self, n_steps, with_tangent=False):
        """Checks after a chunk of the measured phase: stiffness of the mean mode and, when due, the
        step error."""
        self.check_stiffness()
        if self.step_check.due(n_steps):
            self.step_check.add(*self.step_error(with_tangent and self.step_check.tangent_due()))

    def warn_if_unsafe(self):
        """At the end of a run: the mean-mode and the step-error warnings."""
        self.warn_if_stiff()
        self.step_check.warn("this network", stacklevel=4)

    def check_stiffness(self):
        """Record, after a chunk of the measured phase, whether dt is outside the stability interval
        of the balanced network's population-mean mode, whose rate 1 + J0 sqrt(K) <phi'> grows like
        sqrt(K): the step stays bounded for ReLU, but every number it produces is wrong."""
        rate_of = getattr(self.model, "mean_mode_rate", None)
        if rate_of is None:
            return
        rate = rate_of(self.H[:, 0])
        self.stiff_checks += 1
        if self.dt * rate > STABLE_DT[self.integrator]:
            self.stiff_over += 1
            self.stiff_rate = max(self.stiff_rate, rate)

    def warn_if_stiff(self):
        """At the end of a run: warn when more than 10 % of the chunk ends (and at least 2) were
        outside the stability interval (Euler's instability flips the mean every step; a short
        transient from the initial state does not count)."""
        if self.stiff_over >= 2 and self.stiff_over > 0.1 * self.stiff_checks:
            limit = STABLE_DT[self.integrator]
            warnings.warn(f"dt = {self.dt:g} is outside the {self.integrator} stability interval of the "
                          f"population-mean mode at {self.stiff_over} of {self.stiff_checks} checks: "
                          f"its rate 1 + J0 sqrt(K) <phi'> reached {self.stiff_rate:.4g}, which needs dt < "
                          f"{limit / self.stiff_rate:.4g}; results at this dt are not valid",
                          StepSizeWarning, stacklevel=4)

    def state(self):
        """Everything needed to resume (arrays, the noise generator state and the step-size and
        stiffness checks made so far, so a resumed run reports the statistics of the whole run)."""
        sc = self.step_check
        return {"H": self.H.copy(), "Q": self.Q.copy(), "xi": self.xi.copy(), "step": self.step,
                "noise_state": self.noise_rng.bit_generator.state,
                "step_records": np.array(sc.records, dtype=np.float64).reshape(-1, 3),
                "step_spent": -1 if sc.spent is None else sc.spent,
                "stiff": np.array([self.stiff_checks, self.stiff_over, self.stiff_rate], dtype=np.float64)}

    def restore(self, st):
        self.H[:, :] = st["H"]
        self.set_tangent(st["Q"])
        self.xi[:] = st["xi"]
        self.step = int(st["step"])
        self.noise_rng.bit_generator.state = st["noise_state"]
        if "step_records" in st:            # checkpoints written before the checks were saved lack them
            sc = self.step_check
            sc.records = [tuple(float(v) for v in r) for r in np.asarray(st["step_records"]).reshape(-1, 3)]
            spent = int(st["step_spent"])
            sc.spent = None if spent < 0 else spent
            c, o, r = (float(v) for v in st["stiff"])
            self.stiff_checks, self.stiff_over, self.stiff_rate = int(c), int(o), r


def chunks(total, n_chunks=200):
    """Fixed chunk grid [(start, size)] over range(total), independent of where a run resumes."""
    size = max(1, math.ceil(total / n_chunks))
    return [(s, min(size, total - s)) for s in range(0, total, size)]


LOG_EVERY = 60.0     # seconds between progress lines where stderr is not a terminal


def _hms(seconds):
    if not math.isfinite(seconds):
        return "?"
    s = int(round(seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


class LogBar:
    """Progress as plain lines on stderr, one every :data:`LOG_EVERY` seconds (for logs and batch jobs).

    The tqdm interface the library uses (``update``, ``set_postfix``, ``close``, context manager);
    a run shorter than ``LOG_EVERY`` prints nothing.
    """

    def __init__(self, total, desc, unit):
        self._clock = time.monotonic
        self.total, self.desc, self.unit = total, desc, unit
        self.n, self.postfix = 0, ""
        self.t0 = self.last = self._clock()

    def update(self, n=1):
        self.n += n
        now = self._clock()
        if now - self.last >= LOG_EVERY:
            self.last = now
            self._write(now)

    def set_postfix(self, **kw):
        self.postfix = ", ".join(f"{k}={v}" for k, v in kw.items())

    def _write(self, now):
        elapsed = now - self.t0
        frac = self.n / self.total if self.total else 1.0
        left = elapsed * (1.0 - frac) / frac if frac > 0 else math.inf
        line = (f"{self.desc}: {self.n:g}/{self.total:g} {self.unit} ({100 * frac:.0f} %), "
                f"{_hms(elapsed)} elapsed, ~{_hms(left)} left")
        print(line + (f", {self.postfix}" if self.postfix else ""), file=sys.stderr, flush=True)

    def close(self):
        if self.last > self.t0:          # a long run: say where it ended
            self._write(self._clock())
        self.last = self.t0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def progress_bar(total, desc, enabled, unit="τ"):
    """Progress over ``total`` units: a tqdm bar on a terminal or in Jupyter, :class:`LogBar` lines elsewhere.

    ``enabled=False`` gives a silent bar.
    """
    from tqdm.auto import tqdm
    jupyter = type(sys.stderr).__module__.startswith("ipykernel")      # a kernel's OutStream: widgets
    if enabled and not (getattr(sys.stderr, "isatty", lambda: False)() or jupyter):
        return LogBar(total, desc, unit)
    return tqdm(total=total, desc=desc, disable=None if enabled else True, leave=False, unit=unit,
                unit_scale=False)
