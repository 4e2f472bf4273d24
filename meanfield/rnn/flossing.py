r"""Gradient flossing [Eng23]: regularise the first k Lyapunov exponents of a trained network.

Loss over one fixed-seed trajectory (state warm-up, then T steps of k tangent vectors
re-orthonormalised every ``t_ons`` steps by Householder QR, as in
:func:`meanfield.lyapunov_spectrum` with the same seed):

.. math::

    L = \sum_{i\le k} (\lambda_i - \lambda^*)^2, \qquad
    \lambda_i = \frac1T \sum_n \ln |R^{(n)}_{ii}|.

Its exact gradient is computed by a hand-written adjoint (reverse mode) through every state update
:math:`h_{t+1} = b\odot h_t + a(W\phi(h_t) + u_t)`, every tangent update
:math:`\tilde Q_{t+1} = D_t Q_t` and every QR step.  Per step, with
:math:`\bar h, \bar Q` the adjoints after the step and :math:`G = W^\top[\bar h, \bar Q]`:

.. math::

    \bar W \mathrel{+}= a\,[\bar h, \bar Q]\,[\phi(h), \phi'(h)\odot Q]^\top,\quad
    \bar u = a\bar h,\quad
    \bar b \mathrel{+}= \bar h\odot h + \textstyle\sum_j \bar Q_{:j}\odot Q_{:j},

.. math::

    \bar h \leftarrow b\odot\bar h + a\phi'(h)\odot G_{:0}
        + a\phi''(h)\odot \textstyle\sum_j Q_{:j}\odot G_{:j},\qquad
    \bar Q \leftarrow b\odot\bar Q + a\phi'(h)\odot G_{:1:},

two GEMMs of the forward's size, so the adjoint costs a small multiple of the forward run.

Fixed-trajectory gradient (``through_state=False``, the default of :func:`floss`): drop the
:math:`\phi''` term, so :math:`\bar h \equiv 0` and only :math:`\bar W \mathrel{+}= a\,\bar Q\,
(\phi'(h)\odot Q)^\top` and :math:`\bar b \mathrel{+}= \sum_j \bar Q_{:j}\odot Q_{:j}` remain -- the
derivative of the loss of the Jacobian product along the given states.  On a chaotic trajectory
:math:`\bar h` grows like :math:`e^{\lambda_1 t}` backwards in time and dominates the exact
gradient; the tangent adjoint :math:`\bar Q` is re-normalised by every QR step.

QR backward pass.  For the thin QR :math:`A = QR` (A: N×k, N ≥ k, R invertible),
:math:`dA = dQ\,R + Q\,dR`.  Let :math:`X = Q^\top dA\,R^{-1} = C + dR\,R^{-1}` with
:math:`C = Q^\top dQ`, antisymmetric (from :math:`Q^\top Q = 1`), and :math:`dR\,R^{-1}` upper
triangular; so the strictly lower part of X is that of C: :math:`C = \mathrm{tril}(X,-1) -
\mathrm{tril}(X,-1)^\top`, :math:`dR = (X - C)R`, and :math:`dQ = dA\,R^{-1} - Q\,dR\,R^{-1}`.
Pairing with the adjoints, :math:`\langle\bar Q, dQ\rangle + \langle\bar R, dR\rangle =
\langle\bar A, dA\rangle` gives

.. math::

    \bar A = \big(\bar Q + Q\,\mathrm{copyltu}(M)\big)R^{-\top},\qquad
    M = R\bar R^\top - \bar Q^\top Q,

with :math:`\mathrm{copyltu}(M) = \mathrm{tril}(M) + \mathrm{tril}(M,-1)^\top` (the lower triangle
mirrored).  Here :math:`\bar R = \mathrm{diag}(\partial L/\partial \ln|R_{ii}|\,/R_{ii})`; the sign
convention of the Householder QR is locally constant, so it does not enter.

[Eng23] R. Engelken, *Gradient flossing: improving gradient descent through dynamic control of
Jacobians*, NeurIPS 2023.
"""
import math
from dataclasses import dataclass, field

import numpy as np

from .. import _engine
from .._validation import check_choice, check_int, check_real, check_seed, check_vector
from ..errors import SimulationBlowUp
from ..results import Result, provenance, standard_diagnostics
from . import _kernels as K
from .models import PLRNN, check_recurrent


def _grads_from(model, gW, gb, gU, rows_in):
    """Map the kernel adjoints onto the model's parameter arrays."""
    g = {"W": gW}
    gconst = gU.sum(axis=0)
    if isinstance(model, PLRNN):
        g["A"] = gb
        g["h"] = gconst
        g["B"] = np.zeros_like(model.B)
        if model.C is not None:
            g["C"] = gU.T @ rows_in if rows_in is not None else np.zeros_like(model.C)
    else:
        g["bias"] = gconst
        if model.W_in is not None:
            g["W_in"] = gU.T @ rows_in if rows_in is not None else np.zeros_like(model.W_in)
    return g


def flossing_loss(model, k=1, target=0.0, T=100, t_warmup=50, seed=None, t_ons=1, t_warmup_tangent=0,
                  x0=None, return_exponents=False, through_state=True):
    r"""Flossing loss :math:`\sum_{i\le k}(\lambda_i - \lambda^*)^2` and its exact gradient.

    Parameters
    ----------
    model : RNN or PLRNN
        The network (driven when it has ``inputs``).
    k : int
        Number of regularised exponents, 1 <= k <= N.
    target : float
        Target exponent :math:`\lambda^*` (per step; 0: marginally stable, neither exploding
        nor vanishing gradients).
    T : int
        Accumulation steps (a whole multiple of ``t_ons``).
    t_warmup : int
        State warm-up steps before the tangent vectors start (part of the differentiated map).
    seed : int or None
        Run seed: initial state and basis as in :func:`meanfield.lyapunov_spectrum` with this
        seed, so the exponents equal that function's for the same settings.
    t_ons : int
        Steps between QR re-orthonormalisations.
    t_warmup_tangent : int
        Tangent warm-up steps (QRs not in the loss).
    x0 : array_like (N,), optional
        Initial state.
    return_exponents : bool
        Also return the k exponents :math:`\lambda_i` of this trajectory.
    through_state : bool
        True (default): the exact gradient of this finite-time loss, through the state trajectory
        as well.  False: the *fixed-trajectory* gradient -- the states :math:`h_t` are held fixed
        and only the explicit dependence of the Jacobians :math:`D_t = \mathrm{diag}(b) + a W
        \mathrm{diag}\,\phi'(h_t)` on the parameters is differentiated (the φ'' term that feeds
        :math:`\bar h` is dropped, so :math:`\bar h = 0` and ``bias``, ``W_in``, ``h``, ``C`` get
        zero gradient).  On a chaotic trajectory the state adjoint grows like
        :math:`e^{\lambda_1 (t_\mathrm{warmup} + T)}` and the exact gradient of the finite-time
        exponent is dominated by that growth, not by the derivative of the asymptotic exponent;
        the tangent adjoint is re-normalised by every QR step and stays bounded.  :func:`floss`
        uses the fixed-trajectory gradient by default.

    Returns
    -------
    loss : float
    grads : dict
        :math:`\partial L/\partial p` for every parameter array of the model, keyed by attribute
        name (RNN: ``W``, ``bias``, ``W_in``; PLRNN: ``A``, ``W``, ``h``, ``B`` (zero: B does
        not enter the dynamics), ``C``).  ``leak`` is held fixed.
    exponents : ndarray (k,)
        Only with ``return_exponents``.

    Raises
    ------
    SimulationBlowUp
        The state or an R_ii became non-finite (or R_ii = 0).
    """
    check_recurrent(model)
    N = model.N
    k = check_int("k", k, 1, N)
    target = check_real("target", target)
    t_ons = check_int("t_ons", t_ons, 1)
    T = check_int("T", T, t_ons)
    if T % t_ons:
        raise ValueError(f"T = {T} must be a whole multiple of t_ons = {t_ons}")
    t_warmup = check_int("t_warmup", t_warmup, 0)
    t_warmup_tangent = check_int("t_warmup_tangent", t_warmup_tangent, 0)
    if t_warmup_tangent % t_ons:
        raise ValueError(f"t_warmup_tangent = {t_warmup_tangent} must be a whole multiple of t_ons = {t_ons}")
    from ..lyapunov import _initial_basis
    ss = check_seed("seed", seed)
    ss_x0, ss_basis, _ = ss.spawn(3)
    h0 = model._draw_x0(ss_x0) if x0 is None else check_vector("x0", x0, N)
    Q0 = _initial_basis(ss_basis, N, k)
    n_wo, n_acc = t_warmup_tangent // t_ons, T // t_ons
    n_ons = n_wo + n_acc
    total = t_warmup + n_ons * t_ons
    U = model._drive(0, total)
    code, W, b, a = model.nonlinearity.code, model._W, model._b, model._a
    Hs = np.empty((total + 1, N))
    Qs = np.empty((n_ons * t_ons, N, k))
    Qpost = np.empty((n_ons, N, k))
    Rs = np.empty((n_ons, k, k))
    logr = np.empty((n_ons, k))
    st = K._floss_forward(code, W, b, a, U, h0, Q0, t_warmup, n_ons, t_ons, Hs, Qs, Qpost, Rs, logr)
    if st >= 0:
        raise SimulationBlowUp(float(st + 1))
    lam = logr[n_wo:].sum(axis=0) / T
    loss = float(np.sum((lam - target) ** 2))
    dl = 2.0 * (lam - target) / T
    rbar = np.zeros((n_ons, k))
    rbar[n_wo:] = dl[None, :] / np.diagonal(Rs[n_wo:], axis1=1, axis2=2)
    gW, gb, gU = np.zeros((N, N)), np.zeros(N), np.empty((total, N))
    K._floss_backward(code, W, b, a, U, Hs, Qs, Qpost, Rs, rbar, t_warmup, n_ons, t_ons,
                      gW, gb, gU, bool(through_state))
    grads = _grads_from(model, gW, gb, gU, model._input_rows(0, total))
    return (loss, grads, lam) if return_exponents else (loss, grads)


class _Adam:
    """Adam (Kingma & Ba) on a dict of arrays."""

    def __init__(self, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.b1, self.b2, self.eps = lr, beta1, beta2, eps
        self.m, self.v, self.t = {}, {}, 0

    def step(self, params, grads):
        self.t += 1
        out = {}
        for k, p in params.items():
            g = grads[k]
            m = self.m.get(k, np.zeros_like(p))
            v = self.v.get(k, np.zeros_like(p))
            m = self.b1 * m + (1 - self.b1) * g
            v = self.b2 * v + (1 - self.b2) * g * g
            self.m[k], self.v[k] = m, v
            mh = m / (1 - self.b1 ** self.t)
            vh = v / (1 - self.b2 ** self.t)
            out[k] = p - self.lr * mh / (np.sqrt(vh) + self.eps)
        return out


class _SGD:
    """Plain gradient descent p <- p - lr g."""

    def __init__(self, lr):
        self.lr = lr

    def step(self, params, grads):
        return {k: p - self.lr * grads[k] for k, p in params.items()}


class _TrainedResult:
    """Behaviour shared by the training results (:class:`FlossResult`, :class:`~.tasks.TaskResult`,
    :class:`~.sbptt.SBPTTResult`): standard diagnostics, the model in :meth:`to_dict`, and
    :meth:`save`/:meth:`load` of the ``_ARRAYS`` fields plus the parameter arrays."""

    _ARRAYS = ()

    def __post_init__(self):
        self.diagnostics = standard_diagnostics(self.diagnostics, iterations=len(self.loss_history))

    def to_dict(self):
        d = super().to_dict()
        d["model"] = None if self.model is None else self.model.to_dict()
        return d

    def save(self, path):
        """Save to ``path`` (.npz): the histories, the parameter arrays, the settings and what
        :meth:`load` needs to rebuild the model (its class, nonlinearity and leak; not its inputs)."""
        return _save_trained(self, path, self._ARRAYS)

    @classmethod
    def load(cls, path):
        """Load a result written by :meth:`save`, with ``model`` rebuilt from ``parameters`` (an
        ``RNN`` that was driven gets its ``inputs`` back only through :meth:`RNN.with_inputs`)."""
        return _load_trained(cls, path)


@dataclass
class FlossResult(_TrainedResult, Result):
    """Output of :func:`floss`.

    Attributes
    ----------
    model : RNN or PLRNN
        The flossed model (:meth:`load` rebuilds it from ``parameters``).
    lambda_history : ndarray (steps, k)
        The k exponents of each step's trajectories (their mean over the batch, before the update).
    loss_history : ndarray (steps,)
        Flossing loss (plus task loss, when given) before each update.
    """

    _ARRAYS = ("lambda_history", "loss_history")

    lambda_history: np.ndarray
    loss_history: np.ndarray
    parameters: dict
    settings: dict
    model: object = None
    method: str = "flossing-adam"
    diagnostics: dict = field(default_factory=dict)
    versions: dict = field(default_factory=provenance)


def _save_trained(res, path, array_fields):
    import json

    from ..results import _jsonable, atomic_savez
    arrays = {f: getattr(res, f) for f in array_fields}
    arrays.update({"param_" + k: v for k, v in res.parameters.items()})
    meta = {"settings": res.settings, "method": res.method, "diagnostics": res.diagnostics,
            "versions": res.versions}
    if res.model is not None:
        md = res.model.to_dict()
        meta["model_class"] = {"type": md["type"], "phi": md["phi"], "leak": md.get("leak")}
    arrays["__meta__"] = np.array(json.dumps(_jsonable(meta)))
    arrays["__type__"] = np.array(type(res).__name__)
    atomic_savez(path, **arrays)
    return path


def _load_trained(cls, path):
    import json

    from ..errors import NotAResultFileError
    from ..results import read_npz
    z = read_npz(path, f"meanfield {cls.__name__}")
    missing = [k for k in ("__type__", "__meta__", *cls._ARRAYS) if k not in z]
    if missing:
        raise NotAResultFileError(f"{path} is not a meanfield {cls.__name__} file: missing {missing}")
    if str(z["__type__"]) != cls.__name__:
        raise ValueError(f"{path} holds a {z['__type__']}, not a {cls.__name__}")
    try:
        meta = json.loads(str(z["__meta__"]))
    except ValueError as exc:
        raise NotAResultFileError(f"{path} is not a valid meanfield {cls.__name__} file: broken metadata "
                                  f"({exc})") from None
    params = {k[6:]: v for k, v in z.items() if k.startswith("param_")}
    arrays = {k: v for k, v in z.items() if not k.startswith(("param_", "__"))}
    mc = meta.pop("model_class", None)
    return cls(parameters=params, **arrays, **meta, model=_rebuild_model(mc, params))


def _rebuild_model(mc, params):
    """The model a saved result was trained into (None for files saved before results recorded the
    model's class)."""
    from .models import PLRNN, RNN
    if mc is None:
        return None
    if mc["type"] == "PLRNN":
        return PLRNN(params["A"], params["W"], params["h"], params.get("B"), params.get("C"))
    if mc["type"] == "RNN":
        return RNN(params["W"], params.get("W_in"), params.get("bias"), phi=mc["phi"], leak=mc["leak"])
    raise ValueError(f"saved model class {mc['type']!r} is not known to this version")


def floss(model, k=1, target=0.0, steps=100, lr=1e-3, seed=None, T=100, t_warmup=50, t_ons=1,
          t_warmup_tangent=0, params=("W",), task_loss=None, weight=1.0, resample=True, max_grad_norm=None,
          optimizer="adam", batch=1, through_state=False, callback=None, progress=True):
    r"""Gradient flossing: Adam on :math:`w\sum_{i\le k}(\lambda_i - \lambda^*)^2` (+ a task loss).

    Parameters
    ----------
    model : RNN or PLRNN
    k, target, T, t_warmup, t_ons, t_warmup_tangent
        As in :func:`flossing_loss`.
    steps : int
        Number of updates.
    lr : float
        Adam learning rate.
    seed : int or None
        Seed of the trajectories: with ``resample`` step i uses the i-th spawned seed (new
        initial state and basis each step, as in [Eng23]); otherwise every step uses ``seed``.
    params : sequence of str
        Names of the arrays to update (default only ``W``).
    task_loss : callable, optional
        ``task_loss(model) -> (loss, grads)``, added to the flossing loss.
    weight : float
        Weight w of the flossing loss.
    batch : int
        Trajectories per update (loss, gradient and the recorded exponents are their means).
    max_grad_norm : float, optional
        Rescale each step's gradient (all updated arrays together) to at most this norm.
    through_state : bool
        Gradient of the flossing loss: False (default) the fixed-trajectory gradient, True the
        exact finite-time gradient through the state (see :func:`flossing_loss`; the task loss is
        not affected).
    callback : callable, optional
        ``callback(i, model)`` after update i (0-based) with the updated model.
    progress : bool
        Progress bar.

    Notes
    -----
    Measured (validation/trained_networks.py ``floss``): the discrete-time tanh network
    ``RNN(RandomNetwork(60, g=3, time="discrete", seed=1).J)`` (λ_1 = 0.25 per step) with k = 1,
    target 0, T = 40, t_warmup = 5, t_warmup_tangent = 10, batch 8, lr = 0.005, ``params=("W",)``
    and the default fixed-trajectory gradient reaches |λ_1| + 3 SE < 0.05 (asymptotic λ_1 of a
    separate QR run, t_sim = 1000) after 150, 140, 140, 140, 150, 140 Adam steps for the floss
    seeds 0-5 (checked every 10 steps; 2 s CPU per 300 steps), and |λ_1| < 0.002 after 300
    steps.  With the exact gradient (``through_state=True``) the same runs do not converge:
    after 400-600 steps at lr = 0.002-0.005, λ_1 is still 0.14-0.24 (W random-walks), and at
    lr = 0.02, 200 steps end anywhere in [-0.068, +0.135] (2 of 6 seeds with |λ_1| < 0.05).

    Returns
    -------
    FlossResult
    """
    check_recurrent(model)
    steps = check_int("steps", steps, 1)
    lr = check_real("lr", lr, 0.0, low_open=True)
    weight = check_real("weight", weight, 0.0)
    have = model.parameters()
    params = tuple(params)
    for p in params:
        if p not in have:
            raise ValueError(f"params: {p!r} is not a parameter array of this model; "
                             f"choose from {sorted(have)}")
    if task_loss is not None and not callable(task_loss):
        raise TypeError("task_loss must be a callable model -> (loss, grads)")
    if callback is not None and not callable(callback):
        raise TypeError("callback must be a callable (step, model) -> None")
    if max_grad_norm is not None:
        max_grad_norm = check_real("max_grad_norm", max_grad_norm, 0.0, low_open=True)
    ss = check_seed("seed", seed)
    batch = check_int("batch", batch, 1)
    seeds = ss.spawn(steps * batch) if resample else [ss] * (steps * batch)
    check_choice("optimizer", optimizer, {"adam", "sgd"})
    opt = _Adam(lr) if optimizer == "adam" else _SGD(lr)
    lam_h, loss_h = [], []
    bar = _engine.progress_bar(steps, "floss", progress, unit="step")
    for i in range(steps):
        loss, g, lam = 0.0, {p: 0.0 for p in params}, 0.0
        for j in range(batch):
            lj, gj, lamj = flossing_loss(model, k, target, T, t_warmup, seeds[i * batch + j], t_ons,
                                         t_warmup_tangent, return_exponents=True,
                                         through_state=through_state)
            loss += weight * lj / batch
            lam = lam + lamj / batch
            for p in params:
                g[p] = g[p] + (weight / batch) * gj[p]
        if task_loss is not None:
            tl, tg = task_loss(model)
            loss += float(tl)
            for p in params:
                g[p] = g[p] + tg.get(p, 0.0)
        if max_grad_norm is not None:
            nrm = math.sqrt(sum(float(np.sum(v * v)) for v in g.values()))
            if nrm > max_grad_norm:
                g = {p: v * (max_grad_norm / nrm) for p, v in g.items()}
        lam_h.append(lam)
        loss_h.append(loss)
        new = opt.step({p: getattr(model, p) for p in params}, g)
        model = model.replace(**new)
        if callback is not None:
            callback(i, model)
        bar.update(1)
    bar.close()
    return FlossResult(np.array(lam_h), np.array(loss_h), model.parameters(),
                       {"k": k, "target": target, "steps": steps, "lr": lr, "T": T, "t_warmup": t_warmup,
                        "t_ons": t_ons, "t_warmup_tangent": t_warmup_tangent, "params": list(params),
                        "weight": weight, "resample": resample,
                        "max_grad_norm": max_grad_norm, "seed": int(ss.entropy), "batch": batch,
                        "optimizer": optimizer, "through_state": bool(through_state)},
                       model=model)
