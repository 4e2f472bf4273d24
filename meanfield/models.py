r"""Random rate-network models.

:class:`RandomNetwork` -- Sompolinsky--Crisanti--Sommers network [SCS]

.. math::

    \dot h_i = -h_i + \sum_j J_{ij}\,\phi(h_j) + I_i(t),
    \qquad J_{ij}\sim\mathcal N(0, g^2/N),

or its discrete-time form :math:`h_{t+1} = (1-\Delta) h_t + \Delta\,(J\phi(h_t) + I_t)`
(``leak`` = Δ, Δ = 1 the plain map :math:`h_{t+1} = J\phi(h_t) + I_t`).

:class:`BalancedNetwork` -- inhibition-dominated network [EIKGA]

.. math::

    \dot h_i = -h_i + \sum_j J_{ij}\,\phi(h_j) + \sqrt K I_0 + \delta I_i(t),
    \qquad J_{ij} = -\frac{J_0\sqrt K}{N} + \frac{g\,w_{ij}}{\sqrt N},

so that the recurrent mean input is :math:`-\sqrt K J_0 \nu` (K = N gives
the paper's :math:`J_{ij} = (-J_0 + g w_{ij})/\sqrt N`).  Time is in units of
the neuronal time constant.

Seeds: a model's ``seed`` spawns independent streams for the couplings and
for the quenched input phases; a run's seed (``simulate``,
``lyapunov_spectrum``) spawns the initial condition, the tangent basis and
the input noise.
"""
import math

import numpy as np

from . import nonlinearities
from ._validation import check_choice, check_int, check_real, check_seed
from .inputs import check_input


class _Network:
    """Shared behaviour: coupling matrix, drive, Jacobian, serialisation."""

    time = "continuous"
    leak = 1.0

    def _finish(self, seed, input):
        ss = check_seed("seed", seed)
        self.seed = int(ss.entropy) if not ss.spawn_key else ss
        self._ss_J, self._ss_input = ss.spawn(2)
        self.input = check_input(input)

    @property
    def J(self):
        """Coupling matrix (N, N), float64, C order; regenerated from the seed."""
        if self._J is None:
            self._J = np.ascontiguousarray(self._make_J(np.random.default_rng(self._ss_J)))
        return self._J

    @property
    def bias(self):
        """Constant external drive (N,)."""
        return np.zeros(self.N)

    def input_arrays(self):
        """(pars, cs) of the input realisation; phases are quenched by the model seed."""
        from . import _kernels as K
        if self.input is None:
            return np.array([K.INPUT_NONE, 0.0, 0.0, 0.0, 0.0]), np.zeros((2, self.N))
        return self.input.kernel_arrays(self.N, np.random.default_rng(self._ss_input))

    def external_input(self, t):
        """External input I(t) (N,) for a deterministic input (no OU)."""
        from .inputs import OUInput
        if isinstance(self.input, OUInput):
            raise ValueError("external_input(t) is undefined for OU input: it is a random process")
        pars, cs = self.input_arrays()
        out = np.empty(self.N)
        from . import _kernels as K
        K._input_eval(float(t), pars, cs, np.zeros(self.N + 1), self.bias, out)
        return out

    def rhs(self, t, h):
        """Right-hand side -h + J phi(h) + I(t) (continuous time, solve_ivp convention)."""
        if self.time != "continuous":
            raise ValueError("rhs is defined for time='continuous'; use step() for a map")
        h = np.asarray(h, dtype=np.float64)
        return -h + self.J @ self.nonlinearity(h) + self.external_input(t)

    def step(self, h, t=0):
        """One iteration of the discrete-time map."""
        if self.time != "discrete":
            raise ValueError("step is defined for time='discrete'; use rhs() for a flow")
        h = np.asarray(h, dtype=np.float64)
        a = self.leak
        return (1 - a) * h + a * (self.J @ self.nonlinearity(h) + self.external_input(t))

    def jacobian(self, h, t=None):
        r"""Jacobian at state h.

        Continuous time: :math:`A(h) = -\mathbb 1 + J\,\mathrm{diag}\,\phi'(h)`.
        Discrete time: :math:`D(h) = (1-\Delta)\mathbb 1 + \Delta J\,\mathrm{diag}\,\phi'(h)`.
        Additive input does not enter the Jacobian except through h.
        """
        h = np.asarray(h, dtype=np.float64)
        if h.shape != (self.N,):
            raise ValueError(f"h must have shape ({self.N},), got {h.shape}")
        JD = self.J * self.nonlinearity.derivative(h)[None, :]
        if self.time == "continuous":
            return JD - np.eye(self.N)
        return (1 - self.leak) * np.eye(self.N) + self.leak * JD

    def to_dict(self):
        d = {"type": type(self).__name__}
        for k, v in self._params().items():
            d[k] = v
        d["phi"] = self.nonlinearity.name
        d["seed"] = self.seed if isinstance(self.seed, int) else str(self.seed)
        d["input"] = None if self.input is None else self.input.to_dict()
        return d

    def __repr__(self):
        p = ", ".join(f"{k}={v!r}" for k, v in self._params().items())
        return (f"{type(self).__name__}({p}, phi={self.nonlinearity.name!r}, input={self.input!r}, "
                f"seed={self.seed!r})")


class RandomNetwork(_Network):
    r"""Random (SCS) rate network, :math:`J_{ij}\sim\mathcal N(0, g^2/N)`.

    Parameters
    ----------
    N : int
        Number of units, N >= 1.
    g : float
        Coupling gain g >= 0 (chaos for g > 1 in continuous time with tanh).
    phi : str or (callable, callable)
        "tanh", "relu", "erf", "linear" or a pair (phi, phi') of scalar
        Numba-compilable functions.
    time : {"continuous", "discrete"}
        Flow :math:`\dot h = -h + J\phi(h) + I` or map
        :math:`h_{t+1} = (1-\Delta)h_t + \Delta(J\phi(h_t) + I_t)`.
    self_coupling : bool
        Keep the diagonal :math:`J_{ii}` (default False: :math:`J_{ii}=0`).
    leak : float
        Δ in (0, 1] for discrete time (1: no leak).
    input : SineInput, OUInput or None
        External drive.
    seed : int or None
        Seed of the couplings and quenched input phases (None: fresh entropy,
        recorded in ``seed``).

    Examples
    --------
    >>> net = RandomNetwork(200, g=2.0, seed=1)
    >>> net.J.shape
    (200, 200)
    """

    def __init__(self, N, g, phi="tanh", time="continuous", self_coupling=False, leak=1.0,
                 input=None, seed=None):
        self.N = check_int("N", N, 1)
        self.g = check_real("g", g, 0.0)
        self.nonlinearity = nonlinearities.resolve(phi)
        self.time = check_choice("time", time, {"continuous", "discrete"})
        if not isinstance(self_coupling, (bool, np.bool_)):
            raise TypeError(f"self_coupling must be bool, got {self_coupling!r}")
        self.self_coupling = bool(self_coupling)
        self.leak = check_real("leak", leak, 0.0, 1.0, low_open=True)
        if self.time == "continuous" and self.leak != 1.0:
            raise ValueError("leak applies to time='discrete' only; continuous time uses dt")
        self._J = None
        self._finish(seed, input)

    def _make_J(self, rng):
        J = rng.standard_normal((self.N, self.N)) * (self.g / math.sqrt(self.N))
        if not self.self_coupling:
            np.fill_diagonal(J, 0.0)
        return J

    def _params(self):
        return {"N": self.N, "g": self.g, "time": self.time, "self_coupling": self.self_coupling,
                "leak": self.leak}


class BalancedNetwork(_Network):
    r"""Balanced, inhibition-dominated rate network [EIKGA].

    .. math::

        \dot h_i = -h_i + \sum_j J_{ij}\phi(h_j) + \sqrt K I_0 + \delta I_i(t)

    Parameters
    ----------
    N : int
        Number of units, N >= 1.
    g : float
        Strength of the random part of the couplings, g >= 0 (chaos for
        g > sqrt(2) with ReLU).
    J0 : float
        Mean inhibitory coupling strength, J0 > 0.
    I0 : float
        Constant drive strength, I0 >= 0 (enters as sqrt(K) I0).
    phi : str or (callable, callable)
        Transfer function, default "relu".
    K : int or None
        Tightness of balance, 1 <= K <= N (default N).  Dense couplings:
        :math:`J_{ij} = -J_0\sqrt K/N + g w_{ij}/\sqrt N`.
    input : SineInput, OUInput or None
        Time-varying input δI.
    connectivity : {"dense", "sparse"}
        "sparse": each unit receives exactly K random inputs of weight
        :math:`(-J_0 + g w_{ij})/\sqrt K` [vVS]; g = 0 gives the classic
        binary-weight network.
    seed : int or None
        Seed of the couplings and quenched input phases.
    """

    def __init__(self, N, g, J0, I0, phi="relu", K=None, input=None, connectivity="dense", seed=None):
        self.N = check_int("N", N, 1)
        self.g = check_real("g", g, 0.0)
        self.J0 = check_real("J0", J0, 0.0, low_open=True)
        self.I0 = check_real("I0", I0, 0.0)
        self.K = self.N if K is None else check_int("K", K, 1, self.N)
        self.connectivity = check_choice("connectivity", connectivity, {"dense", "sparse"})
        self.nonlinearity = nonlinearities.resolve(phi)
        self._J = None
        self._finish(seed, input)

    @property
    def bias(self):
        return np.full(self.N, math.sqrt(self.K) * self.I0)

    def _make_J(self, rng):
        N, K = self.N, self.K
        if self.connectivity == "dense":
            J = rng.standard_normal((N, N)) * (self.g / math.sqrt(N))
            J -= self.J0 * math.sqrt(K) / N
            return J
        J = np.zeros((N, N))
        for i in range(N):
            pre = rng.choice(N, size=K, replace=False)
            J[i, pre] = (-self.J0 + self.g * rng.standard_normal(K)) / math.sqrt(K)
        return J

    def mean_mode_rate(self, h):
        r"""Decay rate :math:`1 + J_0\sqrt K\,\langle\phi'(h)\rangle` of the population-mean mode at
        state h: the outlier eigenvalue of :math:`-1 + J\,\mathrm{diag}\,\phi'(h)` that the mean
        coupling :math:`-J_0\sqrt K/N` creates.  A stable step needs dt times this rate inside the
        integrator's stability interval (2 for Euler, 2.785 for RK4)."""
        return 1.0 + self.J0 * math.sqrt(self.K) * float(np.mean(self.nonlinearity.derivative(h)))

    def _params(self):
        return {"N": self.N, "g": self.g, "J0": self.J0, "I0": self.I0, "K": self.K,
                "connectivity": self.connectivity}
