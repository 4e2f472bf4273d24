r"""Trained recurrent networks as discrete-time systems of the Lyapunov engine.

:class:`RNN` -- a (leaky) rate RNN given by plain arrays,

.. math::

    h_{t+1} = (1-\alpha)\,h_t + \alpha\,\big(W\phi(h_t) + W_\mathrm{in}s_t + b\big),
    \qquad D_t = \frac{\partial h_{t+1}}{\partial h_t} = (1-\alpha)\mathbb 1 + \alpha\,W\,
    \mathrm{diag}\,\phi'(h_t).

:class:`PLRNN` -- the piecewise-linear RNN of sparsely forced BPTT [MMD22],

.. math::

    z_{t+1} = A z_t + W\,\mathrm{relu}(z_t) + h\;(+\,C s_t),\qquad x_t = B z_t,
    \qquad D_t = A + W\,\mathrm{diag}\,1[z_t > 0],

with diagonal A.  Both are :class:`meanfield.Map` systems (times count iterations), so
:func:`meanfield.simulate`, :func:`meanfield.lyapunov_spectrum` and :func:`meanfield.lyapunov_max`
take them; they run on the Numba kernels of :mod:`meanfield.rnn._kernels` (one BLAS product
per step for state and tangent, LAPACK Householder QR), with the same arithmetic as the
discrete-time :class:`meanfield.RandomNetwork` (an ``RNN(net.J, leak=net.leak)`` gives that
network's spectrum bit for bit for the same run seed).

Driven runs: ``inputs`` is a (T, n_in) array (row t is :math:`s_t`, the input of the update
from step t; warm-up steps count) or a callable ``inputs(t) -> (n_in,)`` of the integer step.

[MMD22] Mikhaeil, Monfared & Durstewitz, *On the difficulty of learning chaotic dynamics with
RNNs*, NeurIPS 2022.
"""
import copy
import hashlib

import numpy as np

from .. import _engine
from .._threads import blas_threads, default_threads
from .._transfer import RELU, USER
from .._validation import check_int, check_real, check_vector
from ..errors import SimulationBlowUp
from ..nonlinearities import resolve
from ..systems import Map
from . import _kernels as K


def _matrix(name, x, shape=None, allow_none=False):
    if x is None:
        if allow_none:
            return None
        raise TypeError(f"{name} must be an array, got None")
    try:
        a = np.array(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real array, got {type(x).__name__}") from None
    if shape is not None:
        want = tuple(s if s is not None else a.shape[i] if i < a.ndim else -1 for i, s in enumerate(shape))
        if a.shape != want:
            raise ValueError(f"{name} must have shape {tuple('n' if s is None else s for s in shape)}"
                             f" = {want}, got {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite")
    return np.ascontiguousarray(a)


def _check_inputs(inputs, n_in):
    """None, a (T, n_in) finite array or a callable (checked at use)."""
    if inputs is None:
        return None
    if n_in == 0:
        raise ValueError("inputs need input weights (W_in for an RNN, C for a PLRNN)")
    if callable(inputs):
        return inputs
    a = _matrix("inputs", inputs)
    if a.ndim == 1 and n_in == 1:
        a = a[:, None]
    if a.ndim != 2 or a.shape[1] != n_in or a.shape[0] == 0:
        raise ValueError(f"inputs must be a (T, n_in = {n_in}) array or a callable, got shape {a.shape}")
    return np.ascontiguousarray(a)


class _Recurrent(Map):
    """Shared machinery: drive, Map interface (step, jacobian), engine hooks."""

    time = "discrete"

    def _setup(self, N, inputs, name):
        self.N = N
        self.name = name
        self.x0 = np.zeros(N)
        self.inputs = _check_inputs(inputs, self.n_in)

    # ------------------------------------------------------------------ model arithmetic
    @property
    def n_in(self):
        w = self._w_in
        return 0 if w is None else w.shape[1]

    def _input_rows(self, row0, n):
        inp = self.inputs
        if inp is None:
            return None
        if callable(inp):
            rows = np.empty((n, self.n_in))
            for r in range(n):
                v = np.asarray(inp(row0 + r), dtype=np.float64).reshape(-1)
                if v.shape != (self.n_in,) or not np.all(np.isfinite(v)):
                    raise ValueError(f"inputs({row0 + r}) must return {self.n_in} finite numbers, got {v!r}")
                rows[r] = v
            return rows
        if row0 + n > inp.shape[0]:
            raise ValueError(f"inputs has {inp.shape[0]} rows, the run needs {row0 + n} (warm-up steps "
                             "count); pass a longer array or a callable")
        return inp[row0:row0 + n]

    def _drive(self, row0, n):
        """(n, N) drive rows u_t for steps row0 .. row0 + n - 1, or the constant (1, N) row."""
        s = self._input_rows(row0, n)
        if s is None or n == 0:
            return np.ascontiguousarray(self._const[None, :])
        return np.ascontiguousarray(s @ self._w_in.T + self._const[None, :])

    def step(self, x, t=0):
        """One update of the state x at step t (numpy)."""
        x = np.asarray(x, dtype=np.float64)
        u = self._drive(int(t), 1)[0]
        return self._b * x + self._a * (self._W @ self.nonlinearity(x) + u)

    def jacobian(self, x, t=None):
        r"""The Jacobian :math:`D = \mathrm{diag}(b) + a W \mathrm{diag}\,\phi'(x)` of the update."""
        x = np.asarray(x, dtype=np.float64)
        if x.shape != (self.N,):
            raise ValueError(f"x must have shape ({self.N},), got {x.shape}")
        return np.diag(self._b) + self._a * self._W * self.nonlinearity.derivative(x)[None, :]

    def with_inputs(self, inputs):
        """A copy of the model driven by ``inputs`` ((T, n_in) array or callable; None: undriven)."""
        new = copy.copy(self)
        new.inputs = _check_inputs(inputs, self.n_in)
        return new

    def _fingerprint(self):
        h = hashlib.sha256()
        for name in self._array_names:
            v = getattr(self, name)
            if v is not None:
                h.update(np.ascontiguousarray(v).tobytes())
        return h.hexdigest()[:16]

    def to_dict(self):
        d = {"type": type(self).__name__, "N": self.N, "n_in": self.n_in, "phi": self.nonlinearity.name,
             "arrays_sha256": self._fingerprint(),
             "inputs": None if self.inputs is None else
             ("callable" if callable(self.inputs) else list(self.inputs.shape))}
        d.update(self._extra_dict())
        return d

    def parameters(self):
        """The trainable arrays {name: array} (copies)."""
        return {k: getattr(self, k).copy() for k in self._array_names if getattr(self, k) is not None}

    # ------------------------------------------------------------------ engine hooks
    def _draw_x0(self, ss_x0):
        return np.random.default_rng(ss_x0).standard_normal(self.N)

    def _start(self, ss_x0, x0):
        return self._draw_x0(ss_x0) if x0 is None else check_vector("x0", x0, self.N).copy()

    def _qr_run(self, k, acc, n_warm, n_warm_ons, n_ons, spo, ss, x0, progress):
        """The QR run of :func:`meanfield.lyapunov_spectrum` on this model's kernels (mirrors the
        network path of meanfield.lyapunov step for step)."""
        from ..lyapunov import _initial_basis
        ss_x0, ss_basis, _ = ss.spawn(3)
        N = self.N
        H = np.empty((N, 1))
        H[:, 0] = self._start(ss_x0, x0)
        code, W, b, a = self.nonlinearity.code, self._W, self._b, self._a
        bar = _engine.progress_bar(n_warm + (n_warm_ons + n_ons) * spo, "lyapunov", progress, unit="step")
        S, P = np.empty((N, 1)), np.empty((N, 1))
        for start, size in _engine.chunks(n_warm):
            st = K._advance(code, W, b, a, H, np.empty((N, 0)), S, P, self._drive(start, size), size)
            if st >= 0:
                bar.close()
                raise SimulationBlowUp(float(start + st + 1))
            bar.update(size)
        Q = _initial_basis(ss_basis, N, k)
        S, P = np.empty((N, 1 + k)), np.empty((N, 1 + k))
        dummy = (np.empty((0, k)), np.empty((0, k)), np.empty(0))
        row = n_warm
        for phase, n_total in ((0, n_warm_ons), (1, n_ons)):
            for start, size in _engine.chunks(n_total):
                if phase == 1:
                    logr, ipr, lc = np.empty((size, k)), np.empty((size, k)), np.empty(size)
                else:
                    logr, ipr, lc = dummy
                st = K._lyap_chunk(code, W, b, a, H, Q, S, P, self._drive(row, size * spo), size, spo,
                                   logr, ipr, lc, phase == 1)
                if st >= 0:
                    bar.close()
                    raise SimulationBlowUp(float(row + (st + 1) * spo))
                row += size * spo
                if phase == 1:
                    acc.add(logr, ipr, lc)
                bar.update(size * spo)
        bar.close()

    def _stepper(self):
        return _Stepper(self)

    def _simulate(self, t_max, dt=None, integrator=None, record=None, record_every=1, t_warmup=0.0,
                  x0=None, seed=None, progress=True, threads=None):
        from .._validation import check_seed
        from ..simulation import SimulationResult, _units
        _engine.resolve_integrator(self, integrator, dt)
        ss = check_seed("seed", seed)
        ss_x0, _, _ = ss.spawn(3)
        N = self.N
        units = _units(record, N)
        record_every = check_int("record_every", record_every, 1)
        n_warm = _engine.steps_of("t_warmup", t_warmup, 1.0)
        n_steps = _engine.steps_of("t_max", check_real("t_max", t_max, 0.0, low_open=True), 1.0, low=1)
        n_rec = n_steps // record_every + 1
        rec_h = np.empty((units.size, n_rec))
        rec_m, rec_r, rec_u = np.empty(n_rec), np.empty(n_rec), np.empty(n_rec)
        H = np.empty((N, 1))
        H[:, 0] = self._start(ss_x0, x0)
        code, W, b, a = self.nonlinearity.code, self._W, self._b, self._a
        S, P = np.empty((N, 1)), np.empty((N, 1))
        pos = 0
        threads = default_threads(1, N) if threads is None else threads
        bar = _engine.progress_bar(n_warm + n_steps, "simulate", progress, unit="step")
        with blas_threads(threads), bar:
            for start, size in _engine.chunks(n_warm):
                st = K._advance(code, W, b, a, H, np.empty((N, 0)), S, P, self._drive(start, size), size)
                if st >= 0:
                    raise SimulationBlowUp(float(start + st + 1))
                bar.update(size)
            for start, size in _engine.chunks(n_steps):
                st, pos = K._record(code, W, b, a, H, S, P, self._drive(n_warm + start, size), size,
                                    record_every, start, units, rec_h, rec_m, rec_r, rec_u, pos)
                if st >= 0:
                    raise SimulationBlowUp(float(n_warm + start + st + 1))
                bar.update(size)
            if n_steps % record_every == 0:
                h = H[:, 0]
                rec_h[:, pos] = h[units]
                rec_m[pos], rec_r[pos] = h.mean(), self.nonlinearity(h).mean()
                rec_u[pos] = self._drive(n_warm + n_steps, 1)[0].mean() if self.inputs is not None \
                    else self._const.mean()
                pos += 1
        times = (n_warm + np.arange(pos) * record_every).astype(np.float64)
        return SimulationResult(
            times=times, h=rec_h[:, :pos], units=units, mean_input=rec_m[:pos], mean_rate=rec_r[:pos],
            external_input=rec_u[:pos], final_state=H[:, 0].copy(), dt=1.0, integrator="map",
            seed=int(ss.entropy), model=self.to_dict(),
            parameters={"t_max": float(t_max), "t_warmup": float(t_warmup), "record_every": record_every})


class _Stepper:
    """``run(x, Q, t, n) -> (x, t, Q)`` on the model's kernels (the engine's generic-stepper protocol)."""

    def __init__(self, model):
        self.m = model
        self.check = _engine.StepCheck(1.0, "map")       # a map: no step to check

    def after(self, x, t, n_steps, Q=None):
        """The engine's step-check hook (nothing to check for a map)."""

    def run(self, x, Q, t, n):
        m = self.m
        N = m.N
        H = np.empty((N, 1))
        H[:, 0] = x
        Qw = np.empty((N, 0)) if Q is None else np.ascontiguousarray(Q, dtype=np.float64).copy()
        k = Qw.shape[1]
        row = int(round(t))
        st = K._advance(m.nonlinearity.code, m._W, m._b, m._a, H, Qw, np.empty((N, 1 + k)),
                        np.empty((N, 1 + k)), m._drive(row, n), n)
        if st >= 0:
            raise SimulationBlowUp(float(row + st + 1))
        return H[:, 0].copy(), t + n, (None if Q is None else Qw)


class RNN(_Recurrent):
    r"""Rate RNN :math:`h_{t+1} = (1-\alpha) h_t + \alpha(W\phi(h_t) + W_\mathrm{in}s_t + b)`.

    Parameters
    ----------
    W : array_like (N, N)
        Recurrent weights.
    W_in : array_like (N, n_in), optional
        Input weights (needed for ``inputs``).
    bias : array_like (N,), optional
        Constant drive b (default 0).
    phi : {"tanh", "relu", "erf", "linear"}
        Transfer function (from :mod:`meanfield._transfer`; user pairs are not supported here
        because the flossing adjoint needs φ'').
    leak : float
        α in (0, 1] (1: :math:`h_{t+1} = W\phi(h_t) + \dots`, the plain map).
    inputs : (T, n_in) array or callable, optional
        Input sequence :math:`s_t` (see the module docstring).

    Attributes
    ----------
    W, W_in, bias : ndarray
        The arrays (float64 copies); ``W_in`` None without inputs.
    """

    _array_names = ("W", "W_in", "bias")

    def __init__(self, W, W_in=None, bias=None, phi="tanh", leak=1.0, inputs=None):
        self.W = _matrix("W", W)
        if self.W.ndim != 2 or self.W.shape[0] != self.W.shape[1] or self.W.shape[0] == 0:
            raise ValueError(f"W must be a square (N, N) array, got shape {self.W.shape}")
        N = self.W.shape[0]
        self.W_in = _matrix("W_in", W_in, allow_none=True)
        if self.W_in is not None and (self.W_in.ndim != 2 or self.W_in.shape[0] != N):
            raise ValueError(f"W_in must have shape (N = {N}, n_in), got {self.W_in.shape}")
        self.bias = np.zeros(N) if bias is None else _matrix("bias", bias, (N,))
        self.nonlinearity = resolve(phi)
        if self.nonlinearity.code == USER:
            raise TypeError("phi must be a built-in name ('tanh', 'relu', 'erf', 'linear') for an RNN")
        self.leak = check_real("leak", leak, 0.0, 1.0, low_open=True)
        self._setup(N, inputs, "RNN")

    # the arrays the kernels see
    @property
    def _W(self):
        return self.W

    @property
    def _b(self):
        return np.full(self.N, 1.0 - self.leak)

    @property
    def _a(self):
        return self.leak

    @property
    def _w_in(self):
        return self.W_in

    @property
    def _const(self):
        return self.bias

    def _extra_dict(self):
        return {"leak": self.leak}

    def replace(self, **arrays):
        """A copy with some arrays replaced (e.g. ``model.replace(W=W_new)``)."""
        kw = {"W": self.W, "W_in": self.W_in, "bias": self.bias}
        for k, v in arrays.items():
            if k not in kw:
                raise ValueError(f"RNN has no parameter array {k!r}; choose from {sorted(kw)}")
            kw[k] = v
        return RNN(kw["W"], kw["W_in"], kw["bias"], phi=self.nonlinearity.name, leak=self.leak,
                   inputs=self.inputs)

    def __repr__(self):
        return f"RNN(N={self.N}, n_in={self.n_in}, phi={self.nonlinearity.name!r}, leak={self.leak})"


class PLRNN(_Recurrent):
    r"""Piecewise-linear RNN :math:`z_{t+1} = A z_t + W\,\mathrm{relu}(z_t) + h\,(+ C s_t)`,
    observed as :math:`x_t = B z_t` [MMD22].

    Parameters
    ----------
    A : array_like (N,) or (N, N) diagonal
        The diagonal (linear, "auto-regressive") part; stored as the vector of its diagonal.
    W : array_like (N, N)
        Coupling of the rectified units.
    h : array_like (N,)
        Bias.
    B : array_like (M, N), optional
        Observation matrix (default the identity, M = N).
    C : array_like (N, n_in), optional
        Input weights (needed for ``inputs``).
    inputs : (T, n_in) array or callable, optional
        Input sequence :math:`s_t`.
    """

    _array_names = ("A", "W", "h", "B", "C")

    def __init__(self, A, W, h, B=None, C=None, inputs=None):
        self.W = _matrix("W", W)
        if self.W.ndim != 2 or self.W.shape[0] != self.W.shape[1] or self.W.shape[0] == 0:
            raise ValueError(f"W must be a square (N, N) array, got shape {self.W.shape}")
        N = self.W.shape[0]
        A = _matrix("A", A)
        if A.shape == (N, N):
            if np.any(A - np.diag(np.diag(A))):
                raise ValueError("A must be diagonal (give its diagonal as an (N,) array)")
            A = np.ascontiguousarray(np.diag(A))
        if A.shape != (N,):
            raise ValueError(f"A must have shape ({N},) or ({N}, {N}) (diagonal), got {A.shape}")
        self.A = A
        self.h = _matrix("h", h, (N,))
        self.B = np.eye(N) if B is None else _matrix("B", B)
        if self.B.ndim != 2 or self.B.shape[1] != N:
            raise ValueError(f"B must have shape (M, N = {N}), got {self.B.shape}")
        self.C = _matrix("C", C, allow_none=True)
        if self.C is not None and (self.C.ndim != 2 or self.C.shape[0] != N):
            raise ValueError(f"C must have shape (N = {N}, n_in), got {self.C.shape}")
        self.nonlinearity = resolve("relu")
        assert self.nonlinearity.code == RELU
        self._setup(N, inputs, "PLRNN")

    @property
    def _W(self):
        return self.W

    @property
    def _b(self):
        return self.A

    @property
    def _a(self):
        return 1.0

    @property
    def _w_in(self):
        return self.C

    @property
    def _const(self):
        return self.h

    def _extra_dict(self):
        return {"M": int(self.B.shape[0])}

    def observe(self, z):
        """Observations x = B z of states z ((N,) or (T, N))."""
        z = np.asarray(z, dtype=np.float64)
        return z @ self.B.T

    def replace(self, **arrays):
        """A copy with some arrays replaced (e.g. ``model.replace(W=W_new)``)."""
        kw = {"A": self.A, "W": self.W, "h": self.h, "B": self.B, "C": self.C}
        for k, v in arrays.items():
            if k not in kw:
                raise ValueError(f"PLRNN has no parameter array {k!r}; choose from {sorted(kw)}")
            kw[k] = v
        return PLRNN(kw["A"], kw["W"], kw["h"], kw["B"], kw["C"], inputs=self.inputs)

    @classmethod
    def random(cls, N, M=None, a_scale=0.9, w_scale=None, seed=None, init="identity"):
        r"""A random PLRNN for training.

        Parameters
        ----------
        N, M : int
            Latent units and observed dimensions (M <= N; default M = N).
        a_scale, w_scale : float
            Scales of the ``"identity"`` initialisation.
        seed : int or None
        init : {"identity", "uniform"}
            ``"identity"``: A uniform in [0, a_scale], W ~ N(0, w_scale²/N) with zero diagonal
            (w_scale defaults to 0.5), h = 0, B = [1_M, 0] (the identity mapping of the first M
            units).  ``"uniform"``: every entry of A, W (zero diagonal), h and B uniform in
            :math:`[-1/\sqrt N, 1/\sqrt N]` (the initialisation of the [MMD22] reference code,
            its ``nn.Linear`` observation model included); a_scale and w_scale are then unused.
            Whole-state forcing :math:`B^+x` needs a B that reaches every unit: use ``"uniform"``.
        """
        N = check_int("N", N, 1)
        M = N if M is None else check_int("M", M, 1, N)
        if init not in ("identity", "uniform"):
            raise ValueError(f"init must be 'identity' or 'uniform', got {init!r}")
        rng = np.random.default_rng(seed)
        if init == "uniform":
            r = 1.0 / np.sqrt(N)
            AW = rng.uniform(-r, r, (N, N))
            A = np.diag(AW).copy()
            np.fill_diagonal(AW, 0.0)
            return cls(A, AW, rng.uniform(-r, r, N), rng.uniform(-r, r, (M, N)))
        a_scale = check_real("a_scale", a_scale, 0.0, 1.0)
        w_scale = 0.5 if w_scale is None else check_real("w_scale", w_scale, 0.0)
        A = rng.uniform(0.0, a_scale, N)
        W = rng.standard_normal((N, N)) * (w_scale / np.sqrt(N))
        np.fill_diagonal(W, 0.0)
        B = np.zeros((M, N))
        B[:, :M] = np.eye(M)
        return cls(A, W, np.zeros(N), B)

    def __repr__(self):
        return f"PLRNN(N={self.N}, M={self.B.shape[0]}, n_in={self.n_in})"


def check_recurrent(model, name="model"):
    if not isinstance(model, _Recurrent):
        raise TypeError(f"{name} must be a meanfield.rnn.RNN or PLRNN, got {type(model).__name__}")
    return model
