"""Run state shared by simulation and Lyapunov analysis of network models.

Not public.  One :class:`NetworkRun` holds the state matrix, input state,
random streams and kernel set of one run, and advances it in chunks so that
the caller can show progress and checkpoint.
"""
import math
import warnings

import numpy as np

from . import _kernels as K
from ._validation import check_choice, check_real, check_seed, check_vector
from .errors import SimulationBlowUp  # noqa: F401  (raised by the engine)
from .inputs import OUInput

# Largest dt for which the leak term -h is stable: |1 - dt| < 1 (Euler) and
# the RK4 stability interval on the negative real axis, (-2.785, 0).
STABLE_DT = {"euler": 2.0, "rk4": 2.785}


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


def steps_of(name, t, dt, low=0):
    """Number of steps in a duration ``t``; it must be a whole multiple of dt."""
    t = check_real(name, t, 0.0)
    n = int(round(t / dt))
    if abs(n * dt - t) > 1e-9 * max(1.0, t):
        raise ValueError(f"{name} = {t:g} must be a whole multiple of dt = {dt:g}")
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
        return SimulationBlowUp(self.time(step))

    def advance(self, n_steps, with_tangent=False):
        """Advance n_steps (no accumulation); raises SimulationBlowUp."""
        Q = self.Q if with_tangent else np.empty((self.N, 0))
        W = self.W if with_tangent else K.make_work(self.N, self.H.shape[1], 0)
        st = self.ks.advance(self.stepper(), self.J, self.H, Q, W, self.drive, self.noise(n_steps),
                             n_steps, self.step)
        if st >= 0:
            raise self.blowup(self.step + st + 1)
        self.step += n_steps

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
                          RuntimeWarning, stacklevel=3)

    def state(self):
        """Everything needed to resume (arrays and the noise generator state)."""
        return {"H": self.H.copy(), "Q": self.Q.copy(), "xi": self.xi.copy(), "step": self.step,
                "noise_state": self.noise_rng.bit_generator.state}

    def restore(self, st):
        self.H[:, :] = st["H"]
        self.set_tangent(st["Q"])
        self.xi[:] = st["xi"]
        self.step = int(st["step"])
        self.noise_rng.bit_generator.state = st["noise_state"]


def chunks(total, n_chunks=200):
    """Fixed chunk grid [(start, size)] over range(total), independent of where a run resumes."""
    size = max(1, math.ceil(total / n_chunks))
    return [(s, min(size, total - s)) for s in range(0, total, size)]


def progress_bar(total, desc, enabled):
    """A tqdm bar (shown on terminals only when enabled is None/True)."""
    from tqdm.auto import tqdm
    return tqdm(total=total, desc=desc, disable=None if enabled else True, leave=False,
                unit="τ", unit_scale=False)
